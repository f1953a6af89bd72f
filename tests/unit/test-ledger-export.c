/*
 * test-ledger-export.c - the ledger written out (ledger-export.c) imports back
 * to the same ledger.
 *
 * A rich ledger goes into store A through every reader: an assets sheet with
 * every field and inline cells (notes with delimiters, quotes, line breaks and
 * non-ASCII text; IPv6 interfaces; given and derived exposure), ledger JSON,
 * a components sheet (scan rows with evidence, origin, cpe) and a CycloneDX
 * SBOM. A is exported as JSON and as the three CSV sheets; the JSON is
 * imported into a fresh store B and the sheets (assets first) into a fresh
 * store C. Then: the ledgers A, B and C read back identically through the
 * query API, and their JSON exports and each of their CSV sheets are equal
 * byte for byte. Exports are deterministic, an empty ledger exports to exact
 * texts, and a failing write function stops the export with its code.
 */
#include "ledger-test-util.h"

/* ------------------------------------------------------------------ export helpers */

static int write_text(const char *data, size_t len, void *ctx)
{
	text_addn(ctx, data, len);
	return 0;
}

static char *export_json(kb_store *s)
{
	text t = { 0 };
	kb_error err;
	kb_error_clear(&err);
	int r = kb_ledger_export_json(s, write_text, &t, &err);
	if (r != 0)
		fail_msg("export json: %s", err.msg);
	text_add(&t, "");
	return t.p;
}

static char *export_csv(kb_store *s, kb_sheet sheet)
{
	text t = { 0 };
	kb_error err;
	kb_error_clear(&err);
	int r = kb_ledger_export_csv(s, sheet, write_text, &t, &err);
	if (r != 0)
		fail_msg("export csv %d: %s", (int)sheet, err.msg);
	text_add(&t, "");
	return t.p;
}

struct exports {
	char *json, *assets, *ifaces, *comps, *dump;
};

static void export_all(kb_store *s, struct exports *e)
{
	e->json = export_json(s);
	e->assets = export_csv(s, KB_SHEET_ASSETS);
	e->ifaces = export_csv(s, KB_SHEET_INTERFACES);
	e->comps = export_csv(s, KB_SHEET_COMPONENTS);
	e->dump = dump_all(s);
}

static void exports_free(struct exports *e)
{
	free(e->json);
	free(e->assets);
	free(e->ifaces);
	free(e->comps);
	free(e->dump);
}

/* Equal texts, or a failure naming the first line that differs. */
static void text_equal_(const char *what, const char *x, const char *y, int at)
{
	if (strcmp(x, y) == 0)
		return;
	size_t line = 1;
	const char *lx = x, *ly = y;
	for (; *x && *x == *y; x++, y++)
		if (*x == '\n') {
			line++;
			lx = x + 1;
			ly = y + 1;
		}
	int nx = (int)strcspn(lx, "\n"), ny = (int)strcspn(ly, "\n");
	fail_msg("line %d: %s differ at line %zu:\n  < %.*s\n  > %.*s", at, what, line, nx, lx, ny, ly);
}

#define text_equal(what, x, y) text_equal_((what), (x), (y), __LINE__)

static void assert_exports_equal_(const struct exports *a, const struct exports *b, int at)
{
	text_equal_("ledgers", a->dump, b->dump, at);
	text_equal_("JSON exports", a->json, b->json, at);
	text_equal_("assets sheets", a->assets, b->assets, at);
	text_equal_("interfaces sheets", a->ifaces, b->ifaces, at);
	text_equal_("components sheets", a->comps, b->comps, at);
}

#define assert_exports_equal(a, b) assert_exports_equal_((a), (b), __LINE__)

static kb_store *new_store(void)
{
	void *s = NULL;
	assert_int_equal(setup(&s), 0);
	return s;
}

/* ------------------------------------------------------------------ the rich ledger */

static const char rich_assets_csv[] =
	"name,category,business_owner,technical_owner,vendor,product,version,modules,form_factor,environment,tags,"
	"notes,interfaces,components,management_address\r\n"
	"big-ip-1,external,Payments,netops,F5,BIG-IP,17.1.0,\"ltm, asm\",appliance,prod,\"pci, edge\","
	"\"Primary LB, rack 4; \"\"A\"\" side\r\nsecond line: \xc3\xbcn\xc3\xaf" "c\xc3\xb6" "d\xc3\xa9 \xe2\x9c\x93\","
	"\"management 203.0.113.5:443/tcp; service 10.0.0.1:80/tcp; [2001:db8::10]:443/tcp public;"
	" service [fe80::1]:22/tcp unknown\","
	"\"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1; openssl@1.1.1k\",192.0.2.10\r\n"
	"\"db, primary\",internal,,dba-team,Oracle,Database,19c,,virtual,prod,,"
	"\"\"\"quoted\"\" at the start, =SUM(A1)\",10.1.1.1:1521/tcp,,\r\n";

static const char rich_json[] =
	"{\"koban\": \"ledger\", \"version\": 1, \"assets\": [\n"
	" {\"name\": \"caf\xc3\xa9-pos\", \"category\": \"client\", \"vendor\": \"\xc3\x9cn\xc3\xaf" "code GmbH\",\n"
	"  \"notes\": \"tab\\there, CRLF\\r\\nend; semi \\\"q\\\" \\u2603\", \"tags\": [\"store\", \"emea\"],\n"
	"  \"form_factor\": \"software\", \"modules\": [\"pos\"],\n"
	"  \"interfaces\": [{\"address\": \"pos.example.com\", \"port\": 8443, \"protocol\": \"tcp\", \"role\": \"service\"},\n"
	"                 {\"address\": \"2001:db8::99\", \"exposure\": \"internal\"},\n"
	"                 {\"address\": \"fe80::2%eth0\", \"role\": \"management\"}],\n"
	"  \"components\": [\n"
	"    {\"ecosystem\": \"npm\", \"name\": \"left-pad\", \"version\": \"1.3.0\", \"source\": \"scan\",\n"
	"     \"evidence\": \"  /opt/pos/node_modules/left-pad \", \"origin\": \"scan-2024-05-01\",\n"
	"     \"cpe\": \"cpe:2.3:a:left-pad_project:left-pad:1.3.0:*:*:*:*:node.js:*:*\"},\n"
	"    {\"name\": \"weird, name \\\"q\\\"\", \"version\": \"1\", \"source\": \"declared\", \"origin\": \"hand\"},\n"
	"    {\"name\": \"tabbed\", \"version\": \"2\", \"evidence\": \"\\t/tab/edge\\t\"},\n"
	"    {\"purl\": \"pkg:pypi/Django@4.2\", \"cpe\": \"cpe:2.3:a:djangoproject:django:4.2:*:*:*:*:*:*:*\"}]},\n"
	" {\"name\": \"crm\", \"category\": \"saas\", \"business_owner\": \"Sales\", \"vendor\": \"Salesforce\"}\n"
	"]}\n";

static const char rich_components_csv[] =
	"asset,ecosystem,name,version,purl,cpe,source,evidence,origin\n"
	"big-ip-1,,BIG-IP,17.1.0,,cpe:2.3:o:f5:big-ip:17.1.0:*:*:*:*:*:*:*,scan,nmap:203.0.113.5:443,scan-2024-06-01\n"
	"\"db, primary\",Maven,,,pkg:maven/com.oracle.database.jdbc/ojdbc8@19.3.0.0,,scan,/u01/app/lib/ojdbc8.jar,"
	"host-scan\n";

static const char rich_interfaces_csv[] = "asset,address,port,protocol,role,exposure\n"
                                          "crm,login.salesforce.com,443,TCP,service,public\n"
                                          "crm,198.51.100.20,,,,\n"
                                          "crm,10.9.9.9,,,,internal\n";

static const char rich_sbom[] =
	"{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.5\", \"components\": [\n"
	"  {\"bom-ref\": \"tmm\", \"group\": \"com.f5\", \"name\": \"tmm\", \"version\": \"17.1.0\", \"components\": [\n"
	"    {\"bom-ref\": \"zlib\", \"name\": \"zlib\", \"version\": \"1.2.13\", \"purl\": \"pkg:generic/zlib@1.2.13\",\n"
	"     \"cpe\": \"cpe:2.3:a:zlib:zlib:1.2.13:*:*:*:*:*:*:*\"}]},\n"
	"  {\"name\": \"openssl\", \"version\": \"1.1.1k\", \"purl\": \"pkg:generic/openssl@1.1.1k\"}\n"
	"]}\n";

static kb_store *rich_store(void)
{
	kb_store *s = new_store();
	imp_ok(s, "sheets/assets.csv", rich_assets_csv, NULL, NULL);
	imp_ok(s, "exports/ledger.json", rich_json, NULL, NULL);
	imp_ok(s, "sheets/components.csv", rich_components_csv, NULL, NULL);
	imp_ok(s, "sheets/interfaces.csv", rich_interfaces_csv, NULL, NULL);
	kb_import_opts o = { .asset = "big-ip-1" };
	imp_ok(s, "sboms/big-ip.cdx.json", rich_sbom, &o, NULL);
	return s;
}

/* What the rich ledger holds, read through the query API. */
static const char rich_dump[] =
	"big-ip-1|external|Payments|netops|F5|BIG-IP|17.1.0|ASM,LTM|hardware|prod|edge,pci|"
	"Primary LB, rack 4; \"A\" side\r\nsecond line: \xc3\xbcn\xc3\xaf" "c\xc3\xb6" "d\xc3\xa9 \xe2\x9c\x93|5|6\n"
	"caf\xc3\xa9-pos|client|~|~|\xc3\x9cn\xc3\xaf" "code GmbH|~|~|POS|software|~|emea,store|"
	"tab\there, CRLF\r\nend; semi \"q\" \xe2\x98\x83|3|4\n"
	"crm|saas|Sales|~|Salesforce|~|~|~|~|~|~|~|3|0\n"
	"db, primary|internal|~|dba-team|Oracle|Database|19c|~|virtual|prod|~|\"quoted\" at the start, =SUM(A1)|1|1\n"
	"--\n"
	"big-ip-1|10.0.0.1|80|tcp|service|internal|0\n"
	"big-ip-1|192.0.2.10|0||management|public|0\n"
	"big-ip-1|2001:db8::10|443|tcp|service|public|1\n"
	"big-ip-1|203.0.113.5|443|tcp|management|public|0\n"
	"big-ip-1|fe80::1|22|tcp|service|unknown|1\n"
	"caf\xc3\xa9-pos|2001:db8::99|0||service|internal|1\n"
	"caf\xc3\xa9-pos|fe80::2%eth0|0||management|internal|0\n"
	"caf\xc3\xa9-pos|pos.example.com|8443|tcp|service|unknown|0\n"
	"crm|10.9.9.9|0||service|internal|1\n"
	"crm|198.51.100.20|0||service|public|0\n"
	"crm|login.salesforce.com|443|tcp|service|public|1\n"
	"db, primary|10.1.1.1|1521|tcp|service|internal|0\n"
	"--\n"
	"big-ip-1||BIG-IP|17.1.0|~|cpe:2.3:o:f5:big-ip:17.1.0:*:*:*:*:*:*:*|scan|nmap:203.0.113.5:443|scan-2024-06-01\n"
	"big-ip-1||com.f5:tmm|17.1.0|~|~|sbom|big-ip.cdx.json#tmm|big-ip.cdx.json\n"
	"big-ip-1||openssl|1.1.1k|~|~|declared||assets.csv\n"
	"big-ip-1|Maven|org.apache.logging.log4j:log4j-core|2.14.1|pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1|~|"
	"declared||assets.csv\n"
	"big-ip-1|generic|openssl|1.1.1k|pkg:generic/openssl@1.1.1k|~|sbom|big-ip.cdx.json|big-ip.cdx.json\n"
	"big-ip-1|generic|zlib|1.2.13|pkg:generic/zlib@1.2.13|cpe:2.3:a:zlib:zlib:1.2.13:*:*:*:*:*:*:*|sbom|"
	"big-ip.cdx.json#zlib|big-ip.cdx.json\n"
	"caf\xc3\xa9-pos||tabbed|2|~|~|declared|\t/tab/edge\t|\n"
	"caf\xc3\xa9-pos||weird, name \"q\"|1|~|~|declared||hand\n"
	"caf\xc3\xa9-pos|PyPI|django|4.2|pkg:pypi/django@4.2|cpe:2.3:a:djangoproject:django:4.2:*:*:*:*:*:*:*|declared||\n"
	"caf\xc3\xa9-pos|npm|left-pad|1.3.0|~|cpe:2.3:a:left-pad_project:left-pad:1.3.0:*:*:*:*:node.js:*:*|scan|"
	"  /opt/pos/node_modules/left-pad |scan-2024-05-01\n"
	"db, primary|Maven|com.oracle.database.jdbc:ojdbc8|19.3.0.0|pkg:maven/com.oracle.database.jdbc/ojdbc8@19.3.0.0|~|"
	"scan|/u01/app/lib/ojdbc8.jar|host-scan\n";

/* The assets sheet of the rich ledger, exactly. */
static const char rich_assets_sheet[] =
	"name,category,business_owner,technical_owner,vendor,product,version,modules,form_factor,environment,tags,notes\n"
	"big-ip-1,external,Payments,netops,F5,BIG-IP,17.1.0,\"ASM,LTM\",hardware,prod,\"edge,pci\","
	"\"Primary LB, rack 4; \"\"A\"\" side\r\nsecond line: \xc3\xbcn\xc3\xaf" "c\xc3\xb6" "d\xc3\xa9 \xe2\x9c\x93\"\n"
	"caf\xc3\xa9-pos,client,,,\xc3\x9cn\xc3\xaf" "code GmbH,,,POS,software,,\"emea,store\","
	"\"tab\there, CRLF\r\nend; semi \"\"q\"\" \xe2\x98\x83\"\n"
	"crm,saas,Sales,,Salesforce,,,,,,,\n"
	"\"db, primary\",internal,,dba-team,Oracle,Database,19c,,virtual,prod,,\"\"\"quoted\"\" at the start, =SUM(A1)\"\n";

/* ------------------------------------------------------------------ tests */

static void test_rich_ledger_contents(void **state)
{
	(void)state;
	kb_store *a = rich_store();
	char *d = dump_all(a);
	text_equal("ledger", d, rich_dump);
	free(d);
	char *sheet = export_csv(a, KB_SHEET_ASSETS);
	text_equal("assets sheet", sheet, rich_assets_sheet);
	free(sheet);
	sheet = export_csv(a, KB_SHEET_INTERFACES);
	assert_string_equal(sheet, "asset,address,port,protocol,role,exposure\n"
	                           "big-ip-1,10.0.0.1,80,tcp,service,\n"
	                           "big-ip-1,192.0.2.10,,,management,\n"
	                           "big-ip-1,2001:db8::10,443,tcp,service,public\n"
	                           "big-ip-1,203.0.113.5,443,tcp,management,\n"
	                           "big-ip-1,fe80::1,22,tcp,service,unknown\n"
	                           "caf\xc3\xa9-pos,2001:db8::99,,,service,internal\n"
	                           "caf\xc3\xa9-pos,fe80::2%eth0,,,management,\n"
	                           "caf\xc3\xa9-pos,pos.example.com,8443,tcp,service,\n"
	                           "crm,10.9.9.9,,,service,internal\n"
	                           "crm,198.51.100.20,,,service,\n"
	                           "crm,login.salesforce.com,443,tcp,service,public\n"
	                           "\"db, primary\",10.1.1.1,1521,tcp,service,\n");
	free(sheet);
	char *json = export_json(a);
	/* one asset per line, keys in a fixed order, absent values as null */
	assert_non_null(strstr(json, "\n{\"name\":\"crm\",\"category\":\"saas\",\"business_owner\":\"Sales\","
	                             "\"technical_owner\":null,\"vendor\":\"Salesforce\",\"product\":null,\"version\":null,"
	                             "\"modules\":null,\"form_factor\":null,\"environment\":null,\"tags\":null,"
	                             "\"notes\":null,\"interfaces\":[{\"address\":\"10.9.9.9\",\"role\":\"service\","
	                             "\"exposure\":\"internal\"},{\"address\":\"198.51.100.20\",\"role\":\"service\"},"
	                             "{\"address\":\"login.salesforce.com\",\"port\":443,\"protocol\":\"tcp\","
	                             "\"role\":\"service\",\"exposure\":\"public\"}],\"components\":[]},\n"));
	const char head[] = "{\"koban\":\"ledger\",\"version\":1,\"assets\":[\n{\"name\":\"big-ip-1\",";
	assert_int_equal(strncmp(json, head, sizeof head - 1), 0);
	size_t n = strlen(json);
	assert_true(n > 6);
	assert_string_equal(json + n - 4, "\n]}\n"); /* the document ends after the last asset */
	free(json);
	kb_store_close(a);
}

static void test_round_trip(void **state)
{
	(void)state;
	kb_store *a = rich_store();
	struct exports ea;
	export_all(a, &ea);
	text_equal("ledger", ea.dump, rich_dump);

	/* B: the JSON export */
	kb_store *b = new_store();
	kb_import_stats st;
	imp_ok(b, "ledger.json", ea.json, NULL, &st);
	assert_int_equal(st.format, KB_LEDGER_FMT_JSON);
	assert_int_equal(st.records, 4);
	assert_int_equal(st.assets_created, 4);
	assert_int_equal(st.interfaces, 12);
	assert_int_equal(st.components, 11);
	struct exports eb;
	export_all(b, &eb);
	assert_exports_equal(&ea, &eb);

	/* C: the three sheets, assets first */
	kb_store *c = new_store();
	imp_ok(c, "assets.csv", ea.assets, NULL, &st);
	assert_int_equal(st.sheet, KB_SHEET_ASSETS);
	assert_int_equal(st.records, 4);
	imp_ok(c, "interfaces.csv", ea.ifaces, NULL, &st);
	assert_int_equal(st.sheet, KB_SHEET_INTERFACES);
	assert_int_equal(st.records, 12);
	imp_ok(c, "components.csv", ea.comps, NULL, &st);
	assert_int_equal(st.sheet, KB_SHEET_COMPONENTS);
	assert_int_equal(st.records, 11);
	struct exports ec;
	export_all(c, &ec);
	assert_exports_equal(&ea, &ec);

	/* and once more around: B's sheets into D, C's JSON into E */
	kb_store *d = new_store(), *e = new_store();
	imp_ok(d, "assets.csv", eb.assets, NULL, NULL);
	imp_ok(d, "interfaces.csv", eb.ifaces, NULL, NULL);
	imp_ok(d, "components.csv", eb.comps, NULL, NULL);
	imp_ok(e, "ledger.json", ec.json, NULL, NULL);
	struct exports ed, ee;
	export_all(d, &ed);
	export_all(e, &ee);
	assert_exports_equal(&ea, &ed);
	assert_exports_equal(&ea, &ee);

	/* importing an export into the ledger it came from changes nothing */
	imp_ok(a, "ledger.json", ea.json, NULL, &st);
	assert_int_equal(st.assets_created, 0);
	assert_int_equal(st.assets_updated, 0);
	assert_int_equal(st.assets_unchanged, 4);
	imp_ok(a, "assets.csv", ea.assets, NULL, &st);
	assert_int_equal(st.assets_unchanged, 4);
	imp_ok(a, "interfaces.csv", ea.ifaces, NULL, NULL);
	imp_ok(a, "components.csv", ea.comps, NULL, NULL);
	struct exports ea2;
	export_all(a, &ea2);
	assert_exports_equal(&ea, &ea2);

	exports_free(&ea);
	exports_free(&ea2);
	exports_free(&eb);
	exports_free(&ec);
	exports_free(&ed);
	exports_free(&ee);
	kb_store_close(a);
	kb_store_close(b);
	kb_store_close(c);
	kb_store_close(d);
	kb_store_close(e);
}

static void test_deterministic(void **state)
{
	(void)state;
	kb_store *a = rich_store();
	struct exports e1, e2;
	export_all(a, &e1);
	export_all(a, &e2);
	assert_exports_equal(&e1, &e2);
	/* the same ledger built in another order exports the same */
	kb_store *b = new_store();
	kb_import_opts o = { .asset = "big-ip-1" };
	imp_ok(b, "exports/ledger.json", rich_json, NULL, NULL);
	imp_ok(b, "sheets/assets.csv", rich_assets_csv, NULL, NULL);
	imp_ok(b, "sboms/big-ip.cdx.json", rich_sbom, &o, NULL);
	imp_ok(b, "sheets/interfaces.csv", rich_interfaces_csv, NULL, NULL);
	imp_ok(b, "sheets/components.csv", rich_components_csv, NULL, NULL);
	struct exports e3;
	export_all(b, &e3);
	assert_exports_equal(&e1, &e3);
	exports_free(&e1);
	exports_free(&e2);
	exports_free(&e3);
	kb_store_close(a);
	kb_store_close(b);
}

static void test_empty_ledger(void **state)
{
	kb_store *s = *state;
	char *json = export_json(s);
	assert_string_equal(json, "{\"koban\":\"ledger\",\"version\":1,\"assets\":[\n]}\n");
	char *a = export_csv(s, KB_SHEET_ASSETS), *i = export_csv(s, KB_SHEET_INTERFACES),
	     *c = export_csv(s, KB_SHEET_COMPONENTS);
	assert_string_equal(a, "name,category,business_owner,technical_owner,vendor,product,version,modules,"
	                       "form_factor,environment,tags,notes\n");
	assert_string_equal(i, "asset,address,port,protocol,role,exposure\n");
	assert_string_equal(c, "asset,ecosystem,name,version,purl,cpe,source,evidence,origin\n");
	/* and they import (as nothing) */
	kb_import_stats st;
	imp_ok(s, "e.json", json, NULL, &st);
	assert_int_equal(st.records, 0);
	imp_ok(s, "a.csv", a, NULL, &st);
	assert_int_equal(st.records, 0);
	imp_ok(s, "i.csv", i, NULL, &st);
	imp_ok(s, "c.csv", c, NULL, &st);
	assert_int_equal(count_assets(s), 0);
	free(json);
	free(a);
	free(i);
	free(c);
	kb_error err;
	kb_error_clear(&err);
	text t = { 0 };
	assert_int_equal(kb_ledger_export_csv(s, KB_SHEET_NONE, write_text, &t, &err), KB_EINVAL);
	text_free(&t);
}

struct failing {
	int calls, fail_at;
};

static int write_failing(const char *data, size_t len, void *ctx)
{
	(void)data;
	(void)len;
	struct failing *f = ctx;
	return ++f->calls >= f->fail_at ? KB_EIO : 0;
}

static void test_write_failure(void **state)
{
	(void)state;
	kb_store *a = rich_store();
	kb_error err;
	kb_error_clear(&err);
	struct failing f = { 0, 1 };
	assert_int_equal(kb_ledger_export_json(a, write_failing, &f, &err), KB_EIO);
	assert_int_equal(err.code, KB_EIO);
	assert_non_null(strstr(err.msg, "writing the export failed"));
	assert_int_equal(f.calls, 1);
	for (kb_sheet sh = KB_SHEET_ASSETS; sh <= KB_SHEET_COMPONENTS; sh++) {
		kb_error_clear(&err);
		f.calls = 0;
		assert_int_equal(kb_ledger_export_csv(a, sh, write_failing, &f, &err), KB_EIO);
		assert_int_equal(err.code, KB_EIO);
		assert_int_equal(f.calls, 1);
	}
	kb_store_close(a);
}

/* Many assets, so the exporters flush (64 KiB) several times and merge long
 * cursors: still a faithful round trip. */
static void test_round_trip_large(void **state)
{
	(void)state;
	kb_store *a = new_store();
	text t = { 0 };
	text_add(&t, "name,category,notes,interfaces,components\n");
	for (int i = 0; i < 3000; i++)
		text_printf(&t, "host-%04d,%s,\"note %d, \"\"x\"\"\",\"10.%d.%d.1:22/tcp; 2001:db8::%x\",\"lib%d@1.%d; pkg:npm/p%d@2\"\n",
		            i, i % 2 ? "internal" : "external", i, i / 250, i % 250, i, i % 17, i % 5, i % 11);
	imp_ok(a, "hosts.csv", text_str(&t), NULL, NULL);
	text_free(&t);
	assert_int_equal(count_assets(a), 3000);
	assert_int_equal(count_ifaces(a), 6000);
	assert_int_equal(count_comps(a), 6000);
	struct exports ea, eb, ec;
	export_all(a, &ea);
	assert_true(strlen(ea.json) > 4 * 65536);
	kb_store *b = new_store(), *c = new_store();
	imp_ok(b, "ledger.json", ea.json, NULL, NULL);
	imp_ok(c, "assets.csv", ea.assets, NULL, NULL);
	imp_ok(c, "interfaces.csv", ea.ifaces, NULL, NULL);
	imp_ok(c, "components.csv", ea.comps, NULL, NULL);
	export_all(b, &eb);
	export_all(c, &ec);
	assert_exports_equal(&ea, &eb);
	assert_exports_equal(&ea, &ec);
	exports_free(&ea);
	exports_free(&eb);
	exports_free(&ec);
	kb_store_close(a);
	kb_store_close(b);
	kb_store_close(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rich_ledger_contents),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test_setup_teardown(test_empty_ledger, setup, teardown),
		cmocka_unit_test(test_write_failure),
		cmocka_unit_test(test_round_trip_large),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
