/*
 * test-ledger-json.c - koban's own ledger JSON (ledger-json.c over
 * json-stream.c, through the import driver).
 *
 * 1. A full document: every asset field, interfaces as objects and as inline
 *    strings, components as objects and as purl strings; list fields given as
 *    arrays; a version written as a number.
 * 2. Partial updates: a null field clears it, an absent field leaves it alone;
 *    an `interfaces` / `components` array replaces what the asset had, null or
 *    absent leaves it.
 * 3. Errors, each with the code, err.file, the exact err.line / err.column and
 *    the store left exactly as it was: wrong "version" or "koban"; JSON syntax
 *    errors (at the offending character); an asset without a name (at that
 *    asset's '{'); bad interfaces / components (at their '{'); a top-level
 *    array; nesting deeper than KB_JSON_MAX_DEPTH (at the '[' that is one too
 *    deep), with the deepest accepted nesting imported.
 */
#include "json-stream.h" /* KB_JSON_MAX_DEPTH */
#include "ledger-test-util.h"

/* ------------------------------------------------------------------ 1. full document */

static const char full_json[] =
	"{\"koban\": \"ledger\", \"version\": 1, \"assets\": [\n"
	" {\"name\": \"web\", \"category\": \"Internal\", \"business_owner\": \"Shop\", \"technical_owner\": \"ops\",\n"
	"  \"vendor\": \"nginx\", \"product\": \"nginx\", \"version\": \"1.25.3\", \"modules\": [\"ltm\", \"asm\", \"LTM\"],\n"
	"  \"form_factor\": \"vm\", \"environment\": \"prod\", \"tags\": [\"pci\", \"edge\"],\n"
	"  \"notes\": \"line1\\nline2, \\\"q\\\" \\u00fc \xc3\xbc\",\n"
	"  \"interfaces\": [\n"
	"    {\"address\": \"10.0.0.1\", \"port\": 443, \"protocol\": \"TCP\", \"role\": \"service\"},\n"
	"    {\"address\": \"2001:db8::5\", \"port\": 22, \"protocol\": \"tcp\", \"role\": \"mgmt\", \"exposure\": \"public\"},\n"
	"    \"management 203.0.113.9:8443/tcp\",\n"
	"    {\"address\": \"db.example.com\"}\n"
	"  ],\n"
	"  \"components\": [\n"
	"    {\"ecosystem\": \"npm\", \"name\": \"left-pad\", \"version\": \"1.3.0\", \"source\": \"scan\",\n"
	"     \"evidence\": \"/srv/x\", \"origin\": \"scan-1\", \"cpe\": \"cpe:2.3:a:left-pad:left-pad:1.3.0:*:*:*:*:*:*:*\"},\n"
	"    \"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1\",\n"
	"    {\"purl\": \"pkg:pypi/Django@4.2\"},\n"
	"    {\"name\": \"openssl\", \"version\": \"3.0.13\", \"source\": \"sbom\", \"evidence\": \"web.cdx.json#openssl\",\n"
	"     \"origin\": \"web.cdx.json\"}\n"
	"  ]},\n"
	" {\"name\": \"appliance\", \"category\": \"external\", \"version\": 17.1, \"unknown_key\": {\"a\": [1, 2]}},\n"
	" {\"name\": \"crm\", \"category\": \"saas\", \"version\": 7, \"interfaces\": [], \"components\": []}\n"
	"]}\n";

static const char full_assets[] =
	"appliance|external|~|~|~|~|17.1|~|~|~|~|~|0|0\n"
	"crm|saas|~|~|~|~|7|~|~|~|~|~|0|0\n"
	"web|internal|Shop|ops|nginx|nginx|1.25.3|ASM,LTM|virtual|prod|edge,pci|line1\nline2, \"q\" \xc3\xbc \xc3\xbc|4|4\n";
static const char full_ifaces[] = "web|10.0.0.1|443|tcp|service|internal|0\n"
                                  "web|2001:db8::5|22|tcp|management|public|1\n"
                                  "web|203.0.113.9|8443|tcp|management|public|0\n"
                                  "web|db.example.com|0||service|unknown|0\n";
static const char full_comps[] =
	"web||openssl|3.0.13|~|~|sbom|web.cdx.json#openssl|web.cdx.json\n"
	"web|Maven|org.apache.logging.log4j:log4j-core|2.14.1|pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1|"
	"~|declared||ledger.json\n"
	"web|PyPI|django|4.2|pkg:pypi/django@4.2|~|declared||\n"
	"web|npm|left-pad|1.3.0|~|cpe:2.3:a:left-pad:left-pad:1.3.0:*:*:*:*:*:*:*|scan|/srv/x|scan-1\n";

static void check_full(kb_store *s)
{
	char *a = dump_assets(s), *i = dump_ifaces(s), *c = dump_comps(s);
	assert_string_equal(a, full_assets);
	assert_string_equal(i, full_ifaces);
	assert_string_equal(c, full_comps);
	free(a);
	free(i);
	free(c);
}

static void test_full_document(void **state)
{
	kb_store *s = *state;
	struct warnings ws = { 0 };
	kb_import_opts o = { .warn = on_warn, .ctx = &ws };
	kb_import_stats st;
	imp_ok(s, "exports/ledger.json", full_json, &o, &st);
	assert_int_equal(st.format, KB_LEDGER_FMT_JSON);
	assert_int_equal(st.records, 3);
	assert_int_equal(st.assets_created, 3);
	assert_int_equal(st.assets_updated, 0);
	assert_int_equal(st.assets_unchanged, 0);
	assert_int_equal(st.interfaces, 4);
	assert_int_equal(st.components, 4);
	assert_int_equal(st.warnings, 1);
	assert_int_equal(st.bytes, strlen(full_json));
	assert_int_equal(ws.n, 1);
	assert_string_equal(ws.file[0], "exports/ledger.json");
	assert_non_null(strstr(ws.msg[0], "\"unknown_key\""));
	check_full(s);

	/* importing it again changes nothing and duplicates nothing */
	imp_ok(s, "exports/ledger.json", full_json, &o, &st);
	assert_int_equal(st.assets_created, 0);
	assert_int_equal(st.assets_updated, 0);
	assert_int_equal(st.assets_unchanged, 3);
	assert_int_equal(st.interfaces, 4);
	assert_int_equal(st.components, 4);
	check_full(s);
	assert_int_equal(count_assets(s), 3);
	assert_int_equal(count_ifaces(s), 4);
	assert_int_equal(count_comps(s), 4);
}

/* Detection is by content: a name without ".json" and a forced format work too. */
static void test_detect_and_forced_format(void **state)
{
	kb_store *s = *state;
	kb_import_opts forced = { .format = KB_LEDGER_FMT_JSON };
	kb_import_stats st;
	imp_ok(s, "ledger.txt", full_json, NULL, &st);
	assert_int_equal(st.format, KB_LEDGER_FMT_JSON);
	imp_ok(s, "-", full_json, &forced, &st);
	assert_int_equal(st.format, KB_LEDGER_FMT_JSON);
	assert_int_equal(count_assets(s), 3);
	/* the "-" document named itself the origin of its purl-string component */
	int n = 0;
	char *c = dump_comps(s);
	for (const char *p = c; (p = strstr(p, "|-\n")); p++)
		n++;
	assert_int_equal(n, 1);
	free(c);
	/* a UTF-8 byte-order mark before the document */
	text t = { 0 };
	text_add(&t, "\xEF\xBB\xBF");
	text_add(&t, full_json);
	imp_ok(s, "bom.json", text_str(&t), NULL, &st);
	assert_int_equal(st.format, KB_LEDGER_FMT_JSON);
	assert_int_equal(st.records, 3);
	text_free(&t);
	/* columns on its first line count from after the mark */
	expect_fail(s, "bom.json", "\xEF\xBB\xBF{\"koban\": @}", NULL, KB_EPARSE, 1, 11, "expected valid JSON", NULL);
}

/* ------------------------------------------------------------------ 2. partial updates */

static const char base_json[] =
	"{\"koban\":\"ledger\",\"version\":1,\"assets\":[\n"
	"{\"name\":\"web\",\"category\":\"internal\",\"vendor\":\"nginx\",\"product\":\"nginx\",\"notes\":\"old\","
	"\"tags\":[\"a\"],\"interfaces\":[\"10.0.0.1:443/tcp\"],\"components\":[\"pkg:npm/left-pad@1.3.0\"]}\n"
	"]}\n";

static void test_null_clears_absent_leaves(void **state)
{
	kb_store *s = *state;
	imp_ok(s, "base.json", base_json, NULL, NULL);
	char *a = dump_assets(s);
	assert_string_equal(a, "web|internal|~|~|nginx|nginx|~|~|~|~|a|old|1|1\n");
	free(a);

	kb_import_stats st;
	imp_ok(s, "upd.json",
	       "{\"koban\":\"ledger\",\"version\":1,\"assets\":[{\"name\":\"web\",\"vendor\":null,\"notes\":\"new\","
	       "\"tags\":null,\"environment\":\"prod\"}]}",
	       NULL, &st);
	assert_int_equal(st.assets_updated, 1);
	assert_int_equal(st.assets_unchanged, 0);
	assert_int_equal(st.interfaces, 0);
	assert_int_equal(st.components, 0);
	a = dump_assets(s);
	assert_string_equal(a, "web|internal|~|~|~|nginx|~|~|~|prod|~|new|1|1\n");
	free(a);

	/* null lists leave the rows alone */
	imp_ok(s, "upd.json",
	       "{\"koban\":\"ledger\",\"version\":1,\"assets\":[{\"name\":\"web\",\"interfaces\":null,"
	       "\"components\":null}]}",
	       NULL, NULL);
	assert_int_equal(count_ifaces(s), 1);
	assert_int_equal(count_comps(s), 1);
	/* an empty array replaces: interfaces cleared, components kept */
	imp_ok(s, "upd.json", "{\"koban\":\"ledger\",\"version\":1,\"assets\":[{\"name\":\"web\",\"interfaces\":[]}]}",
	       NULL, NULL);
	assert_int_equal(count_ifaces(s), 0);
	assert_int_equal(count_comps(s), 1);
	/* a components array replaces components of every source and origin */
	imp_ok(s, "x.csv", "asset,name,source,origin\nweb,scanned,scan,host-1\n", NULL, NULL);
	assert_int_equal(count_comps(s), 2);
	imp_ok(s, "upd.json",
	       "{\"koban\":\"ledger\",\"version\":1,\"assets\":[{\"name\":\"web\",\"components\":[{\"name\":\"z\"}]}]}",
	       NULL, NULL);
	char *c = dump_comps(s);
	assert_string_equal(c, "web||z||~|~|declared||\n");
	free(c);
	a = dump_assets(s);
	assert_string_equal(a, "web|internal|~|~|~|nginx|~|~|~|prod|~|new|0|1\n");
	free(a);
	/* "assets": [] and no assets key at all are valid, empty documents */
	imp_ok(s, "e.json", "{\"koban\":\"ledger\",\"version\":1,\"assets\":[]}", NULL, &st);
	assert_int_equal(st.records, 0);
	imp_ok(s, "e.json", "{\"version\":1,\"koban\":\"ledger\"}", NULL, &st);
	assert_int_equal(st.records, 0);
	assert_int_equal(count_assets(s), 1);
}

/* ------------------------------------------------------------------ 3. errors */

static void test_err_version_and_magic(void **state)
{
	kb_store *s = *state;
	imp_ok(s, "base.json", base_json, NULL, NULL);
	/* a version before the assets: nothing read */
	expect_fail(s, "v.json",
	            "{\"koban\": \"ledger\",\n"
	            " \"version\": 2,\n"
	            " \"assets\": [{\"name\": \"x\", \"category\": \"internal\"}]}\n",
	            NULL, KB_EFORMAT, 2, 13, "\"version\": expected 1", NULL);
	/* after the assets: they are rolled back */
	expect_fail(s, "v.json",
	            "{\"koban\": \"ledger\", \"assets\": [{\"name\": \"x\", \"category\": \"internal\"},\n"
	            "  {\"name\": \"web\", \"vendor\": \"changed\"}],\n"
	            " \"version\": \"1\"}\n",
	            NULL, KB_EFORMAT, 3, 13, "\"version\": expected 1", NULL);
	expect_fail(s, "k.json", "{\"koban\": \"inventory\", \"version\": 1, \"assets\": []}", NULL, KB_EFORMAT, 1, 11,
	            "\"koban\": expected \"ledger\"", NULL);
	/* forced JSON without the "koban" key */
	kb_import_opts forced = { .format = KB_LEDGER_FMT_JSON };
	expect_fail(s, "n.json", "{\"version\": 1, \"assets\": [{\"name\": \"x\", \"category\": \"internal\"}]}",
	            &forced, KB_EFORMAT, 1, 1, "no \"koban\": \"ledger\" key", NULL);
	/* detected by name: JSON of no known kind */
	expect_fail(s, "n.json", "{\"version\": 1, \"assets\": []}", NULL, KB_EFORMAT, 1, 1,
	            "without \"bomFormat\", \"spdxVersion\" or \"koban\"", NULL);
}

static void test_err_syntax(void **state)
{
	kb_store *s = *state;
	imp_ok(s, "base.json", base_json, NULL, NULL);
	/* a missing comma: the error is at the unexpected token */
	expect_fail(s, "syn.json",
	            "{\"koban\": \"ledger\", \"version\": 1, \"assets\": [\n"
	            "  {\"name\": \"a\", \"category\": \"internal\"},\n"
	            "  {\"name\": \"b\" \"category\": \"internal\"}\n"
	            "]}\n",
	            NULL, KB_EPARSE, 3, 16, "expected valid JSON", NULL);
	/* a character that starts no JSON token */
	expect_fail(s, "syn.json",
	            "{\"koban\": \"ledger\", \"version\": 1, \"assets\": [\n"
	            "  {\"name\": \"a\", \"category\": \"internal\"},\n"
	            "  {\"name\": \"b\", \"category\": @}\n"
	            "]}\n",
	            NULL, KB_EPARSE, 3, 29, "expected valid JSON", NULL);
	/* the document ends early: at the end */
	expect_fail(s, "syn.json",
	            "{\"koban\": \"ledger\", \"version\": 1, \"assets\": [\n"
	            "  {\"name\": \"a\", \"category\": \"internal\"}\n",
	            NULL, KB_EPARSE, 3, 1, "ends early", NULL);
	/* trailing garbage */
	expect_fail(s, "syn.json", "{\"koban\":\"ledger\",\"version\":1,\"assets\":[]} x", NULL, KB_EPARSE, 1, 44,
	            "expected valid JSON", NULL);
	/* an error after the first 64 KiB chunk is still located exactly */
	text t = { 0 };
	text_add(&t, "{\"koban\": \"ledger\", \"version\": 1, \"assets\": [\n");
	for (int i = 0; i < 3000; i++)
		text_printf(&t, "  {\"name\": \"asset-%04d\", \"category\": \"internal\"},\n", i);
	text_add(&t, "  {\"name\": \"last\" \"category\": \"internal\"}\n]}\n");
	assert_true(t.len > 2 * 65536);
	expect_fail(s, "big.json", text_str(&t), NULL, KB_EPARSE, 3002, 19, "expected valid JSON", NULL);
	text_free(&t);
}

static void test_err_asset_without_name(void **state)
{
	kb_store *s = *state;
	imp_ok(s, "base.json", base_json, NULL, NULL);
	expect_fail(s, "nn.json",
	            "{\"koban\": \"ledger\", \"version\": 1, \"assets\": [\n"
	            "  {\"name\": \"a\", \"category\": \"internal\"},\n"
	            "  {\"category\": \"internal\",\n"
	            "   \"interfaces\": [{\"address\": \"10.0.0.1\"}], \"vendor\": \"x\"}\n"
	            "]}\n",
	            NULL, KB_EINVAL, 3, 3, "asset: expected a \"name\"", NULL);
	/* several assets on one line: the column names the right one */
	expect_fail(s, "nn.json",
	            "{\"koban\":\"ledger\",\"version\":1,\"assets\":[{\"name\":\"a\",\"category\":\"client\"},"
	            "{\"name\":\"\",\"category\":\"client\"}]}",
	            NULL, KB_EINVAL, 1, 74, "name: expected a system name", NULL);
	expect_fail(s, "nn.json",
	            "{\"koban\":\"ledger\",\"version\":1,\"assets\":[\n\n    {\"name\":\"a\",\"category\":\"dmz-ish\"}]}",
	            NULL, KB_EINVAL, 3, 5, "expected one of external, internal, saas, client", "dmz-ish");
	expect_fail(s, "nn.json",
	            "{\"koban\":\"ledger\",\"version\":1,\"assets\":[{\"name\":\"newbie\",\"vendor\":\"x\"}]}", NULL,
	            KB_EINVAL, 1, 41, "\"newbie\" is new", "expected a category");
	expect_fail(s, "nn.json", "{\"koban\":\"ledger\",\"version\":1,\"assets\":[{\"name\":\"web\",\"category\":null}]}",
	            NULL, KB_EINVAL, 1, 41, "category: expected one of", NULL);
	expect_fail(s, "nn.json", "{\"koban\":\"ledger\",\"version\":1,\"assets\":[{\"name\":\"web\",\"vendor\":true}]}",
	            NULL, KB_EINVAL, 1, 41, "\"vendor\": expected a string or null", NULL);
	expect_fail(s, "nn.json", "{\"koban\":\"ledger\",\"version\":1,\"assets\":[\"web\"]}", NULL, KB_EINVAL, 1, 41,
	            "expected an object for each asset", NULL);
	expect_fail(s, "nn.json", "{\"koban\":\"ledger\",\"version\":1,\"assets\":{\"name\":\"web\"}}", NULL, KB_EINVAL,
	            1, 40, "expected an array of assets", NULL);
}

static void test_err_interfaces_components(void **state)
{
	kb_store *s = *state;
	imp_ok(s, "base.json", base_json, NULL, NULL);
	const char head[] = "{\"koban\": \"ledger\", \"version\": 1, \"assets\": [\n"
	                    "  {\"name\": \"web\", \"category\": \"internal\",\n";
	text t = { 0 };
	text_add(&t, head);
	text_add(&t, "   \"interfaces\": [\"10.0.0.9\",\n"
	             "      {\"port\": 22}]}]}\n");
	expect_fail(s, "i.json", text_str(&t), NULL, KB_EINVAL, 4, 7, "interface: expected an \"address\"", NULL);
	text_free(&t);
	text_add(&t, head);
	text_add(&t, "   \"interfaces\": [{\"address\": \"10.0.0.9\", \"port\": 70000}]}]}\n");
	expect_fail(s, "i.json", text_str(&t), NULL, KB_EINVAL, 3, 19, "expected \"port\" 0-65535", NULL);
	text_free(&t);
	text_add(&t, head);
	text_add(&t, "   \"interfaces\": [{\"address\": \"10.0.0.9\", \"role\": \"boss\"}]}]}\n");
	expect_fail(s, "i.json", text_str(&t), NULL, KB_EINVAL, 3, 19, "expected management or service", NULL);
	text_free(&t);
	/* an inline string is located at its asset */
	text_add(&t, head);
	text_add(&t, "   \"interfaces\": [\"10.0.0.9:99999\"]}]}\n");
	expect_fail(s, "i.json", text_str(&t), NULL, KB_EINVAL, 2, 3, "expected a port 1-65535", NULL);
	text_free(&t);

	text_add(&t, head);
	text_add(&t, "   \"components\": [\"pkg:npm/a@1\",\n"
	             "     {\"ecosystem\": \"npm\", \"version\": \"1\"}]}]}\n");
	expect_fail(s, "c.json", text_str(&t), NULL, KB_EINVAL, 4, 6, "expected a name (or a purl)", NULL);
	text_free(&t);
	text_add(&t, head);
	text_add(&t, "   \"components\": [{\"name\": \"a\"}, {\"purl\": \"pkg:\"}]}]}\n");
	kb_error err;
	int r = imp(s, "c.json", text_str(&t), NULL, NULL, &err);
	assert_true(r == KB_EPARSE || r == KB_EINVAL);
	expect_fail(s, "c.json", text_str(&t), NULL, r, 3, 34, "purl \"pkg:\"", NULL);
	text_free(&t);
	text_add(&t, head);
	text_add(&t, "   \"components\": [{\"name\": \"a\", \"source\": \"guess\"}]}]}\n");
	expect_fail(s, "c.json", text_str(&t), NULL, KB_EINVAL, 3, 19, "expected declared, sbom or scan", NULL);
	text_free(&t);
	text_add(&t, head);
	text_add(&t, "   \"components\": [{\"name\": 5}]}]}\n");
	expect_fail(s, "c.json", text_str(&t), NULL, KB_EINVAL, 3, 19, "\"name\"", "expected a string");
	text_free(&t);
	/* a failed component after many good ones, in a later asset */
	text_add(&t, "{\"koban\": \"ledger\", \"version\": 1, \"assets\": [\n");
	for (int i = 0; i < 50; i++) {
		text_printf(&t, "  {\"name\": \"a%02d\", \"category\": \"internal\", \"components\": [", i);
		for (int j = 0; j < 200; j++)
			text_printf(&t, "%s\"pkg:npm/p%d@%d\"", j ? ", " : "", j, i);
		text_add(&t, "]},\n");
	}
	text_add(&t, "  {\"name\": \"z\", \"category\": \"internal\", \"components\": [{\"name\": \"ok\"},\n"
	             "     {\"version\": \"1\"}]}\n]}\n");
	expect_fail(s, "late.json", text_str(&t), NULL, KB_EINVAL, 53, 6, "expected a name (or a purl)", NULL);
	text_free(&t);
}

static void test_err_top_level_array(void **state)
{
	kb_store *s = *state;
	imp_ok(s, "base.json", base_json, NULL, NULL);
	expect_fail(s, "arr.json", "[{\"koban\": \"ledger\", \"version\": 1, \"assets\": []}]", NULL, KB_EFORMAT, 1, 1,
	            "expected a JSON object at the top level, found an array", NULL);
	expect_fail(s, "arr.json", "\n  [{\"koban\": \"ledger\"}]", NULL, KB_EFORMAT, 2, 3, "found an array", NULL);
	expect_fail(s, "arr.json", "[]", NULL, KB_EFORMAT, 1, 1, "found JSON without", NULL);
	kb_import_opts forced = { .format = KB_LEDGER_FMT_JSON };
	expect_fail(s, "arr", "[1, 2]", &forced, KB_EFORMAT, 1, 1, "found an array", NULL);
	expect_fail(s, "num", "\n 42\n", &forced, KB_EFORMAT, 2, 2, "expected a JSON object at the top level", NULL);
}

/* Containers are counted from the top-level object (1). */
static void test_depth_limit(void **state)
{
	kb_store *s = *state;
	imp_ok(s, "base.json", base_json, NULL, NULL);
	const char pre[] = "{\"koban\":\"ledger\",\"version\":1,\"assets\":[{\"name\":\"deep\",\"category\":\"internal\","
	                   "\"x_extra\":";
	size_t pl = strlen(pre);
	/* object, assets array, asset object: 3 levels; n more arrays */
	for (int n = KB_JSON_MAX_DEPTH - 3; n <= KB_JSON_MAX_DEPTH - 2; n++) {
		text t = { 0 };
		text_add(&t, pre);
		for (int i = 0; i < n; i++)
			text_add(&t, "[");
		for (int i = 0; i < n; i++)
			text_add(&t, "]");
		text_add(&t, "}]}");
		if (3 + n <= KB_JSON_MAX_DEPTH) {
			imp_ok(s, "deep.json", text_str(&t), NULL, NULL);
			assert_int_equal(count_assets(s), 2);
		} else {
			expect_fail(s, "deeper.json", text_str(&t), NULL, KB_ELIMIT, 1, pl + (size_t)n,
			            "JSON nested deeper than the limit of 64 levels", NULL);
		}
		text_free(&t);
	}
	/* the limit holds in values nobody wants too */
	for (int n = KB_JSON_MAX_DEPTH - 1; n <= KB_JSON_MAX_DEPTH; n++) {
		text t = { 0 };
		text_add(&t, "{\"koban\":\"ledger\",\"version\":1,\n\"skipped\":");
		for (int i = 0; i < n; i++)
			text_add(&t, "[");
		for (int i = 0; i < n; i++)
			text_add(&t, "]");
		text_add(&t, ",\"assets\":[]}");
		if (1 + n <= KB_JSON_MAX_DEPTH)
			imp_ok(s, "deep.json", text_str(&t), NULL, NULL);
		else
			expect_fail(s, "deeper.json", text_str(&t), NULL, KB_ELIMIT, 2, 10 + (size_t)n, "nested deeper",
			            NULL);
		text_free(&t);
	}
	/* objects count as well as arrays */
	text t = { 0 };
	text_add(&t, pre);
	for (int i = 0; i < KB_JSON_MAX_DEPTH - 2; i++)
		text_add(&t, "{\"k\":");
	text_add(&t, "1");
	for (int i = 0; i < KB_JSON_MAX_DEPTH - 2; i++)
		text_add(&t, "}");
	text_add(&t, "}]}");
	expect_fail(s, "deeper.json", text_str(&t), NULL, KB_ELIMIT, 1, pl + 5 * (KB_JSON_MAX_DEPTH - 3) + 1,
	            "nested deeper", NULL);
	text_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_full_document, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detect_and_forced_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_null_clears_absent_leaves, setup, teardown),
		cmocka_unit_test_setup_teardown(test_err_version_and_magic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_err_syntax, setup, teardown),
		cmocka_unit_test_setup_teardown(test_err_asset_without_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_err_interfaces_components, setup, teardown),
		cmocka_unit_test_setup_teardown(test_err_top_level_array, setup, teardown),
		cmocka_unit_test_setup_teardown(test_depth_limit, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
