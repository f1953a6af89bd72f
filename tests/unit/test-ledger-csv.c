/*
 * test-ledger-csv.c - the ledger spreadsheets (ledger-csv.c through the import
 * driver, ledger-import.c).
 *
 * 1. Assets sheets: every column with header aliases, a UTF-8 BOM, CRLF line
 *    ends, inline `interfaces`, `components` and `management_address` cells;
 *    semicolon-delimited files; RFC 4180 quoting (delimiters, quotes and line
 *    breaks inside cells); blank and all-empty rows; unknown columns (warned
 *    through opts.warn, import succeeds).
 * 2. Interfaces and components sheets; purl-only component rows.
 * 3. Re-import: no duplicates, stats count updates, a changed inline
 *    components cell replaces what that file declared before.
 * 4. Errors: the code, err.file, the exact err.line / err.column, a message
 *    naming what was expected, and nothing from the failed file in the store
 *    (the whole ledger is dumped before and after and compared).
 * 5. The named limits KB_IMPORT_MAX_COLUMNS, KB_IMPORT_MAX_ROW_BYTES,
 *    KB_IMPORT_MAX_INLINE, KB_LEDGER_MAX_NAME_BYTES (and
 *    KB_LEDGER_MAX_FIELD_BYTES), at the limit and one past it.
 *
 * All data is built in memory; every test gets a fresh in-memory store.
 */
#include "ledger-test-util.h"

/* A small base ledger most tests start from. */
static const char base_csv[] = "name,category,vendor\n"
                               "web,internal,nginx\n"
                               "vpn,external,Fortinet\n";

/* ------------------------------------------------------------------ 1. assets */

static void test_assets_all_columns(void **state)
{
	kb_store *s = *state;
	/* BOM, aliases for every field, CRLF, inline cells. */
	const char csv[] =
		"\xEF\xBB\xBFSystem,Type,Owner,Tech Owner,Manufacturer,Product,Software Version,"
		"Provisioned Modules,Platform,Env,Labels,Comments,Interfaces,Components,Management Address\r\n"
		"big-ip-1,External-Facing,Payments Team,netops,F5,BIG-IP,17.1.0,\"ltm, asm, LTM\",Appliance,prod,"
		"\"pci, edge\",Primary LB,\"management 203.0.113.5:443/tcp; service 10.0.0.1:80/tcp\","
		"\"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1; openssl@1.1.1k\",192.0.2.10\r\n"
		"crm,SaaS,Sales,,Salesforce,Sales Cloud,,,saas,,,,,pkg:pypi/Django@4.2,\r\n";
	kb_import_stats st;
	imp_ok(s, "sheets/assets.csv", csv, NULL, &st);
	assert_int_equal(st.format, KB_LEDGER_FMT_CSV);
	assert_int_equal(st.sheet, KB_SHEET_ASSETS);
	assert_int_equal(st.records, 2);
	assert_int_equal(st.assets_created, 2);
	assert_int_equal(st.assets_updated, 0);
	assert_int_equal(st.assets_unchanged, 0);
	assert_int_equal(st.interfaces, 3);
	assert_int_equal(st.components, 3);
	assert_int_equal(st.warnings, 0);
	assert_int_equal(st.bytes, sizeof csv - 1);

	char *a = dump_assets(s);
	assert_string_equal(a, "big-ip-1|external|Payments Team|netops|F5|BIG-IP|17.1.0|ASM,LTM|hardware|prod|"
	                       "edge,pci|Primary LB|3|2\n"
	                       "crm|saas|Sales|~|Salesforce|Sales Cloud|~|~|saas|~|~|~|0|1\n");
	free(a);
	char *i = dump_ifaces(s);
	assert_string_equal(i, "big-ip-1|10.0.0.1|80|tcp|service|internal|0\n"
	                       "big-ip-1|192.0.2.10|0||management|public|0\n"
	                       "big-ip-1|203.0.113.5|443|tcp|management|public|0\n");
	free(i);
	/* origin is the base name of the file; purls are canonical */
	char *c = dump_comps(s);
	assert_string_equal(c, "big-ip-1||openssl|1.1.1k|~|~|declared||assets.csv\n"
	                       "big-ip-1|Maven|org.apache.logging.log4j:log4j-core|2.14.1|"
	                       "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1|~|declared||assets.csv\n"
	                       "crm|PyPI|django|4.2|pkg:pypi/django@4.2|~|declared||assets.csv\n");
	free(c);
}

static void test_assets_semicolon_delimited(void **state)
{
	kb_store *s = *state;
	/* What a spreadsheet in a comma-decimal locale writes. */
	const char csv[] = "Name;Category;Vendor;Interfaces;Notes\r\n"
	                   "fw-1;internal;Palo Alto;\"service 10.1.1.1:443/tcp; management 10.1.1.2:22/tcp\";"
	                   "\"a, b\"\r\n"
	                   "fw-2;client;Palo, Alto;;\r\n";
	kb_import_stats st;
	imp_ok(s, "fw.csv", csv, NULL, &st);
	assert_int_equal(st.records, 2);
	assert_int_equal(st.interfaces, 2);
	char *a = dump_assets(s);
	assert_string_equal(a, "fw-1|internal|~|~|Palo Alto|~|~|~|~|~|~|a, b|2|0\n"
	                       "fw-2|client|~|~|Palo, Alto|~|~|~|~|~|~|~|0|0\n");
	free(a);
	char *i = dump_ifaces(s);
	assert_string_equal(i, "fw-1|10.1.1.1|443|tcp|service|internal|0\n"
	                       "fw-1|10.1.1.2|22|tcp|management|internal|0\n");
	free(i);
}

static void test_assets_tab_delimited(void **state)
{
	kb_store *s = *state;
	const char tsv[] = "name\tcategory\tvendor\n"
	                   "lab\tinternal\tAcme, Inc.\n";
	imp_ok(s, "lab.tsv", tsv, NULL, NULL);
	char *a = dump_assets(s);
	assert_string_equal(a, "lab|internal|~|~|Acme, Inc.|~|~|~|~|~|~|~|0|0\n");
	free(a);
}

static void test_quoted_cells(void **state)
{
	kb_store *s = *state;
	const char csv[] = "name,category,notes,vendor\n"
	                   "\"db, primary\",internal,\"He said \"\"hi\"\", then left\n"
	                   "second line, with comma\n"
	                   "third \"\"line\"\"\",\"Oracle\"\n"
	                   "\"\",\"\",\"\",\"\"\n" /* all quoted empty: a blank row */
	                   "\"plain\",\"client\",\"\",\n";
	kb_import_stats st;
	imp_ok(s, "q.csv", csv, NULL, &st);
	assert_int_equal(st.records, 2);
	char *a = dump_assets(s);
	assert_string_equal(a, "db, primary|internal|~|~|Oracle|~|~|~|~|~|~|He said \"hi\", then left\n"
	                       "second line, with comma\nthird \"line\"|0|0\n"
	                       "plain|client|~|~|~|~|~|~|~|~|~|~|0|0\n");
	free(a);
}

/* The line of an error after a multi-line quoted cell is the line where the
 * failing record starts, counted in physical lines. */
static void test_line_after_multiline_cell(void **state)
{
	kb_store *s = *state;
	imp_ok(s, "base.csv", base_csv, NULL, NULL);
	const char lf[] = "name,category,notes\n"        /* 1 */
	                  "a,internal,\"one\n"           /* 2 */
	                  "two, \"\"three\"\"\n"         /* 3 */
	                  "four\"\n"                     /* 4 */
	                  "\n"                           /* 5 */
	                  "b,dmz-ish,x\n";               /* 6 */
	expect_fail(s, "ml.csv", lf, NULL, KB_EINVAL, 6, 2, "external, internal, saas, client", "dmz-ish");
	const char crlf[] = "name,category,notes\r\n"
	                    "a,internal,\"one\r\n"
	                    "two, \"\"three\"\"\r\n"
	                    "four\"\r\n"
	                    "\r\n"
	                    "b,dmz-ish,x\r\n";
	expect_fail(s, "ml-crlf.csv", crlf, NULL, KB_EINVAL, 6, 2, "external, internal, saas, client", "dmz-ish");
	/* a record that itself spans lines: its first line is named */
	const char span[] = "name,category,notes\n"
	                    "a,internal,ok\n"
	                    "b,\"dmz\n"
	                    "-ish\",x\n";
	expect_fail(s, "span.csv", span, NULL, KB_EINVAL, 3, 2, "expected one of external", NULL);
	/* too few fields after a multi-line cell */
	const char few[] = "name,category,notes\n"
	                   "a,internal,\"x\ny\nz\"\n"
	                   "b,internal\n";
	expect_fail(s, "few.csv", few, NULL, KB_EPARSE, 5, 3, "expected 3 fields", "found 2");
}

static void test_blank_rows_skipped(void **state)
{
	kb_store *s = *state;
	const char csv[] = "name,category,vendor\n"
	                   "\n"
	                   "a,internal,X\n"
	                   ",,\n"
	                   "  ,\t, \n"
	                   "\r\n"
	                   "\n"
	                   "b,client,\n"
	                   ",,\n";
	kb_import_stats st;
	imp_ok(s, "blank.csv", csv, NULL, &st);
	assert_int_equal(st.records, 2);
	assert_int_equal(st.assets_created, 2);
	assert_int_equal(count_assets(s), 2);
	/* a blank line does not shift later line numbers */
	const char bad[] = "name,category,vendor\n"
	                   "\n"
	                   ",,\n"
	                   "\n"
	                   "c\n";
	expect_fail(s, "blank-bad.csv", bad, NULL, KB_EPARSE, 5, 2, "expected 3 fields as in the header, found 1",
	            NULL);
}

static void test_unknown_columns_warn(void **state)
{
	kb_store *s = *state;
	const char csv[] = "name,Colour,category,Rack Unit\n"
	                   "a,blue,internal,U12\n";
	struct warnings ws = { 0 };
	kb_import_opts o = { .warn = on_warn, .ctx = &ws };
	kb_import_stats st;
	kb_error err;
	kb_error_clear(&err);
	assert_int_equal(kb_ledger_import_mem(s, "w.csv", csv, strlen(csv), &o, &st, &err), 0);
	assert_int_equal(ws.n, 2);
	assert_int_equal(st.warnings, 2);
	assert_string_equal(ws.file[0], "w.csv");
	assert_int_equal(ws.line[0], 1);
	assert_int_equal(ws.column[0], 2);
	assert_non_null(strstr(ws.msg[0], "\"Colour\""));
	assert_non_null(strstr(ws.msg[0], "ignored"));
	assert_int_equal(ws.line[1], 1);
	assert_int_equal(ws.column[1], 4);
	assert_non_null(strstr(ws.msg[1], "\"Rack Unit\""));
	assert_int_equal(st.records, 1);
	char *a = dump_assets(s);
	assert_string_equal(a, "a|internal|~|~|~|~|~|~|~|~|~|~|0|0\n");
	free(a);
	/* without a warn callback the warnings are still counted */
	kb_import_opts quiet = { 0 };
	assert_int_equal(kb_ledger_import_mem(s, "w.csv", csv, strlen(csv), &quiet, &st, &err), 0);
	assert_int_equal(st.warnings, 2);
}

/* ------------------------------------------------------------------ 2. sheets */

static void test_interfaces_sheet(void **state)
{
	kb_store *s = *state;
	imp_ok(s, "base.csv", base_csv, NULL, NULL);
	const char csv[] = "asset,address,port,protocol,role,exposure\n"
	                   "web,10.0.0.5,443,TCP,service,\n"
	                   "web,2001:db8::1,22,tcp,mgmt,internal\n"
	                   "web,db.example.com,,,,\n"
	                   "vpn,198.51.100.7,4443,tcp,Management,\n"
	                   "vpn,10.9.9.9, 8443 ,udp,data,Public\n";
	kb_import_stats st;
	imp_ok(s, "ifaces.csv", csv, NULL, &st);
	assert_int_equal(st.sheet, KB_SHEET_INTERFACES);
	assert_int_equal(st.records, 5);
	assert_int_equal(st.interfaces, 5);
	assert_int_equal(st.assets_created, 0);
	char *i = dump_ifaces(s);
	assert_string_equal(i, "vpn|10.9.9.9|8443|udp|service|public|1\n"
	                       "vpn|198.51.100.7|4443|tcp|management|public|0\n"
	                       "web|10.0.0.5|443|tcp|service|internal|0\n"
	                       "web|2001:db8::1|22|tcp|management|internal|1\n"
	                       "web|db.example.com|0||service|unknown|0\n");
	free(i);
	/* header aliases: "Asset Name", "IP Address", "Proto" */
	const char alias[] = "Asset Name,IP Address,Port,Proto\n"
	                     "web,10.0.0.6,80,tcp\n";
	imp_ok(s, "ifaces2.csv", alias, NULL, &st);
	assert_int_equal(st.sheet, KB_SHEET_INTERFACES);
	assert_int_equal(count_ifaces(s), 6);
	/* the sheet is an upsert: importing it again adds nothing */
	imp_ok(s, "ifaces.csv", csv, NULL, &st);
	assert_int_equal(count_ifaces(s), 6);
	/* bad cells are located */
	expect_fail(s, "if-bad.csv", "asset,address,port\nweb,10.0.0.7,99999\n", NULL, KB_EINVAL, 2, 3,
	            "expected a port 1-65535", "99999");
	expect_fail(s, "if-bad.csv", "asset,address,role\nweb,10.0.0.7,boss\n", NULL, KB_EINVAL, 2, 3,
	            "expected management or service", NULL);
	expect_fail(s, "if-bad.csv", "asset,exposure,address\nweb,dmz,10.0.0.7\n", NULL, KB_EINVAL, 2, 2,
	            "expected public, internal or unknown", NULL);
	expect_fail(s, "if-bad.csv", "asset,address\nweb,10.0.0.8\nweb, \n", NULL, KB_EINVAL, 3, 2,
	            "expected an IP address or host name", NULL);
}

static void test_components_sheet(void **state)
{
	kb_store *s = *state;
	imp_ok(s, "base.csv", base_csv, NULL, NULL);
	const char csv[] =
		"asset,ecosystem,name,version,purl,cpe,source,evidence,origin\n"
		"web,,,,pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1,,,,\n"
		"web,npm,left-pad,1.3.0,,cpe:2.3:a:left-pad:left-pad:1.3.0:*:*:*:*:*:*:*,scan,"
		"/srv/app/node_modules/left-pad,scan-2024-05\n"
		"vpn,,FortiOS,7.2.4,,cpe:2.3:o:fortinet:fortios:7.2.4:*:*:*:*:*:*:*,declared,,\n"
		"vpn,Maven,,,pkg:maven/com.example/lib@1.0?type=jar,,SBOM,vpn.cdx.json#lib,vpn.cdx.json\n";
	kb_import_stats st;
	imp_ok(s, "comps.csv", csv, NULL, &st);
	assert_int_equal(st.sheet, KB_SHEET_COMPONENTS);
	assert_int_equal(st.records, 4);
	assert_int_equal(st.components, 4);
	char *c = dump_comps(s);
	assert_string_equal(c, "vpn||FortiOS|7.2.4|~|cpe:2.3:o:fortinet:fortios:7.2.4:*:*:*:*:*:*:*|declared||\n"
	                       "vpn|Maven|com.example:lib|1.0|pkg:maven/com.example/lib@1.0?type=jar|~|sbom|"
	                       "vpn.cdx.json#lib|vpn.cdx.json\n"
	                       "web|Maven|org.apache.logging.log4j:log4j-core|2.14.1|"
	                       "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1|~|declared||\n"
	                       "web|npm|left-pad|1.3.0|~|cpe:2.3:a:left-pad:left-pad:1.3.0:*:*:*:*:*:*:*|scan|"
	                       "/srv/app/node_modules/left-pad|scan-2024-05\n");
	free(c);
	/* again: updated in place */
	imp_ok(s, "comps.csv", csv, NULL, &st);
	assert_int_equal(st.components, 4);
	assert_int_equal(count_comps(s), 4);
	/* "package" and "purl" headers are enough for a components sheet */
	imp_ok(s, "c2.csv", "Asset,Package\nweb,zlib\n", NULL, &st);
	assert_int_equal(st.sheet, KB_SHEET_COMPONENTS);
	assert_int_equal(count_comps(s), 5);
	expect_fail(s, "c3.csv", "asset,purl,source\nweb,pkg:npm/x@1,vendor\n", NULL, KB_EINVAL, 2, 3,
	            "expected declared, sbom or scan", NULL);
}

/* ------------------------------------------------------------------ 3. re-import */

static const char reimport_csv[] = "name,category,interfaces,components,mgmt_ip\n"
                                   "web,internal,service 10.0.0.1:443/tcp,\"a@1; pkg:npm/b@2\",10.0.0.254\n"
                                   "vpn,external,\"service 198.51.100.1:443/tcp; 198.51.100.1:500/udp\",c@3,\n";

static void test_reimport_no_duplicates(void **state)
{
	kb_store *s = *state;
	kb_import_stats st;
	imp_ok(s, "ledger.csv", reimport_csv, NULL, &st);
	assert_int_equal(st.assets_created, 2);
	assert_int_equal(st.assets_updated, 0);
	assert_int_equal(st.interfaces, 4);
	assert_int_equal(st.components, 3);
	char *first = dump_all(s);
	assert_int_equal(count_assets(s), 2);
	assert_int_equal(count_ifaces(s), 4);
	assert_int_equal(count_comps(s), 3);

	/* the same file again: every asset seen, none changed */
	imp_ok(s, "ledger.csv", reimport_csv, NULL, &st);
	assert_int_equal(st.records, 2);
	assert_int_equal(st.assets_created, 0);
	assert_int_equal(st.assets_updated, 0);
	assert_int_equal(st.assets_unchanged, 2);
	assert_int_equal(st.interfaces, 4);
	assert_int_equal(st.components, 3);
	assert_int_equal(count_assets(s), 2);
	assert_int_equal(count_ifaces(s), 4);
	assert_int_equal(count_comps(s), 3);
	char *second = dump_all(s);
	assert_string_equal(first, second);
	free(first);
	free(second);

	/* a value changes: updated, still no new rows */
	imp_ok(s, "ledger.csv", "name,vendor\nweb,Acme\nvpn,\n", NULL, &st);
	assert_int_equal(st.assets_created, 0);
	assert_int_equal(st.assets_updated, 1);
	assert_int_equal(st.assets_unchanged, 1);
	assert_int_equal(count_assets(s), 2);
	assert_int_equal(count_comps(s), 3);
}

static void test_inline_components_replaced(void **state)
{
	kb_store *s = *state;
	imp_ok(s, "base.csv", base_csv, NULL, NULL);
	/* another file's declared component and an SBOM-sourced one must survive */
	imp_ok(s, "other.csv", "name,components\nweb,keep-me@9\n", NULL, NULL);
	imp_ok(s, "comps.csv", "asset,name,version,source,origin\nweb,sbom-lib,1,sbom,web.cdx.json\n", NULL, NULL);
	imp_ok(s, "inline.csv", "name,components\nweb,\"a@1; b@2\"\n", NULL, NULL);
	char *c = dump_comps(s);
	assert_string_equal(c, "web||a|1|~|~|declared||inline.csv\n"
	                       "web||b|2|~|~|declared||inline.csv\n"
	                       "web||keep-me|9|~|~|declared||other.csv\n"
	                       "web||sbom-lib|1|~|~|sbom||web.cdx.json\n");
	free(c);
	/* b dropped, c added */
	imp_ok(s, "inline.csv", "name,components\nweb,\"a@1\nc@3\"\n", NULL, NULL);
	c = dump_comps(s);
	assert_string_equal(c, "web||a|1|~|~|declared||inline.csv\n"
	                       "web||c|3|~|~|declared||inline.csv\n"
	                       "web||keep-me|9|~|~|declared||other.csv\n"
	                       "web||sbom-lib|1|~|~|sbom||web.cdx.json\n");
	free(c);
	/* an empty cell: that file now declares nothing for web */
	imp_ok(s, "inline.csv", "name,components\nweb,\n", NULL, NULL);
	c = dump_comps(s);
	assert_string_equal(c, "web||keep-me|9|~|~|declared||other.csv\n"
	                       "web||sbom-lib|1|~|~|sbom||web.cdx.json\n");
	free(c);
	/* the same base name under another directory is the same document */
	imp_ok(s, "dir/other.csv", "name,components\nweb,new@1\n", NULL, NULL);
	c = dump_comps(s);
	assert_string_equal(c, "web||new|1|~|~|declared||other.csv\n"
	                       "web||sbom-lib|1|~|~|sbom||web.cdx.json\n");
	free(c);
}

/* ------------------------------------------------------------------ 4. errors */

static void test_err_too_few_fields(void **state)
{
	kb_store *s = *state;
	imp_ok(s, "base.csv", base_csv, NULL, NULL);
	expect_fail(s, "few.csv",
	            "name,category,vendor,notes\n"
	            "web,internal,nginx,changed\n"
	            "new,client,x\n",
	            NULL, KB_EPARSE, 3, 4, "expected 4 fields as in the header, found 3", NULL);
	/* too many fields */
	expect_fail(s, "many.csv", "name,category\nweb,internal,extra\n", NULL, KB_EPARSE, 2, 3,
	            "expected 2 fields as in the header, found 3", NULL);
}

static void test_err_unknown_category(void **state)
{
	kb_store *s = *state;
	imp_ok(s, "base.csv", base_csv, NULL, NULL);
	expect_fail(s, "cat.csv",
	            "name,vendor,category\n"
	            "new1,x,internal\n"
	            "new2,y,dmz-ish\n",
	            NULL, KB_EINVAL, 3, 3, "expected one of external, internal, saas, client", "\"dmz-ish\"");
	/* through an alias header the message names the column as written */
	expect_fail(s, "cat.csv", "Type,System\ndmz-ish,new3\n", NULL, KB_EINVAL, 2, 1, "column \"Type\"",
	            "external, internal, saas, client");
}

static void test_err_malformed_quote(void **state)
{
	kb_store *s = *state;
	imp_ok(s, "base.csv", base_csv, NULL, NULL);
	expect_fail(s, "quote.csv",
	            "name,category,notes,vendor\n"
	            "web,internal,fine,changed\n"
	            "a,\"b\"c,d\n",
	            NULL, KB_EPARSE, 3, 2, "malformed CSV", "quote");
	/* a quote in the middle of an unquoted field */
	expect_fail(s, "quote2.csv",
	            "name,category,notes\n"
	            "x,internal,\"a\nb\"\n"
	            "y,internal,ab\"c\n",
	            NULL, KB_EPARSE, 4, 3, "malformed CSV", NULL);
}

static void test_err_unclosed_quote(void **state)
{
	kb_store *s = *state;
	imp_ok(s, "base.csv", base_csv, NULL, NULL);
	expect_fail(s, "open.csv",
	            "name,category,notes\n"
	            "new,internal,fine\n"
	            "b,internal,\"never closed\n"
	            "more text\n",
	            NULL, KB_EPARSE, 3, 3, "not closed before the end of the file", NULL);
	/* without a final newline */
	expect_fail(s, "open2.csv", "name,category,notes\n\"abc", NULL, KB_EPARSE, 2, 1,
	            "not closed before the end of the file", NULL);
}

static void test_err_component_without_name(void **state)
{
	kb_store *s = *state;
	imp_ok(s, "base.csv", base_csv, NULL, NULL);
	expect_fail(s, "c.csv",
	            "asset,ecosystem,name,version,purl\n"
	            "web,npm,ok,1.0,\n"
	            "web,npm,,1.0,\n",
	            NULL, KB_EINVAL, 3, 3, "expected a name (or a purl)", NULL);
}

static void test_err_bad_purl(void **state)
{
	kb_store *s = *state;
	imp_ok(s, "base.csv", base_csv, NULL, NULL);
	const char csv[] = "asset,name,version,purl\n"
	                   "web,x,1,pkg:npm/x@1\n"
	                   "web,,,pkg:/nope\n";
	kb_error err;
	int r = imp(s, "p.csv", csv, NULL, NULL, &err);
	assert_true(r == KB_EPARSE || r == KB_EINVAL);
	expect_fail(s, "p.csv", csv, NULL, r, 3, 4, "purl \"pkg:/nope\"", NULL);
	/* inline components cell */
	expect_fail(s, "p2.csv", "name,components\nweb,\"a@1;pkg:\"\n", NULL, r, 2, 2, "purl \"pkg:\"", NULL);
}

static void test_err_unknown_asset(void **state)
{
	kb_store *s = *state;
	imp_ok(s, "base.csv", base_csv, NULL, NULL);
	expect_fail(s, "c.csv",
	            "name,purl,asset\n"
	            "x,,web\n"
	            "y,,ghost\n",
	            NULL, KB_ENOTFOUND, 3, 3, "\"ghost\"", "assets sheet imported first");
	expect_fail(s, "i.csv", "asset,address\nweb,10.0.0.1\nghost,10.0.0.2\n", NULL, KB_ENOTFOUND, 3, 1, "\"ghost\"",
	            NULL);
	/* in a long sheet the row that names an unknown asset is located exactly,
	 * whether it fails early in the file or among the last rows */
	const int rows = 20000;
	for (int bad = 2 + 7000; bad <= 2 + rows - 1; bad += rows - 7001) {
		text t = { 0 };
		text_add(&t, "purl,asset,version\n");
		for (int i = 2; i < 2 + rows; i++)
			text_printf(&t, "pkg:npm/p%d@1,%s,\n", i, i == bad ? "ghost" : (i % 2 ? "web" : "vpn"));
		expect_fail(s, "long.csv", text_str(&t), NULL, KB_ENOTFOUND, (uint64_t)bad, 2, "\"ghost\"",
		            "assets sheet imported first");
		text_free(&t);
	}
	expect_fail(s, "i.csv", "asset,address\n ,10.0.0.2\n", NULL, KB_EINVAL, 2, 1, "expected the name of an asset",
	            NULL);
}

static void test_err_new_asset_without_category(void **state)
{
	kb_store *s = *state;
	imp_ok(s, "base.csv", base_csv, NULL, NULL);
	/* existing assets need no category; a new one does (no category column:
	 * the error names the row's name column) */
	expect_fail(s, "n.csv",
	            "vendor,name\n"
	            "changed,web\n"
	            "F5,newbox\n",
	            NULL, KB_EINVAL, 3, 2, "\"newbox\" is new", "expected a category");
	/* a category column with an empty cell */
	expect_fail(s, "n2.csv",
	            "vendor,name,category\n"
	            "a,web,internal\n"
	            "b,newbox,\n",
	            NULL, KB_EINVAL, 3, 3, "category: expected one of external, internal, saas, client", "empty");
	/* an empty name */
	expect_fail(s, "n3.csv", "name,category\n\" \",internal\n", NULL, KB_EINVAL, 2, 1,
	            "name: expected a system name", NULL);
}

static void test_err_duplicate_header(void **state)
{
	kb_store *s = *state;
	imp_ok(s, "base.csv", base_csv, NULL, NULL);
	expect_fail(s, "d.csv", "name,category,vendor,Name\nx,internal,a,y\n", NULL, KB_EINVAL, 1, 4, "appears twice",
	            "\"Name\"");
	/* two aliases of one field */
	expect_fail(s, "d.csv", "name,category,Owner,Business Owner\nx,internal,a,b\n", NULL, KB_EINVAL, 1, 4,
	            "field business_owner appears twice", NULL);
	/* special and sheet columns */
	expect_fail(s, "d.csv", "name,category,interfaces,Interface\nx,internal,,\n", NULL, KB_EINVAL, 1, 4,
	            "appears twice", NULL);
	expect_fail(s, "d.csv", "asset,address,ip\nweb,10.0.0.1,10.0.0.2\n", NULL, KB_EINVAL, 1, 3, "appears twice",
	            NULL);
	/* an assets sheet needs a name column */
	expect_fail(s, "d.csv", "category,vendor\ninternal,x\n", NULL, KB_EINVAL, 1, 0, "needs \"name\"", NULL);
}

static void test_header_only_and_empty(void **state)
{
	kb_store *s = *state;
	imp_ok(s, "base.csv", base_csv, NULL, NULL);
	kb_import_stats st;
	imp_ok(s, "h.csv", "name,category,vendor\n", NULL, &st);
	assert_int_equal(st.records, 0);
	assert_int_equal(st.sheet, KB_SHEET_ASSETS);
	assert_int_equal(st.assets_created + st.assets_updated + st.assets_unchanged, 0);
	imp_ok(s, "h2.csv", "asset,address,port\r\n", NULL, &st);
	assert_int_equal(st.records, 0);
	assert_int_equal(st.sheet, KB_SHEET_INTERFACES);
	assert_int_equal(count_assets(s), 2);

	expect_fail(s, "empty.csv", "", NULL, KB_EFORMAT, 0, 0, "empty file", NULL);
	expect_fail(s, "bom.csv", "\xEF\xBB\xBF", NULL, KB_EFORMAT, 1, 1, "expected a ledger CSV", NULL);
	expect_fail(s, "ws.csv", " \n\n", NULL, KB_EFORMAT, 1, 1, "expected a ledger CSV", NULL);
	expect_fail(s, "words.csv", "just some words\n", NULL, KB_EFORMAT, 1, 1, "expected a ledger CSV", NULL);
}

/* ------------------------------------------------------------------ 5. limits */

static void test_limit_columns(void **state)
{
	kb_store *s = *state;
	imp_ok(s, "base.csv", base_csv, NULL, NULL);
	/* exactly KB_IMPORT_MAX_COLUMNS: accepted (the extra columns are ignored with a warning) */
	text t = { 0 };
	text_add(&t, "name,category");
	for (int i = 3; i <= KB_IMPORT_MAX_COLUMNS; i++)
		text_printf(&t, ",x%d", i);
	text_add(&t, "\nwide,internal");
	for (int i = 3; i <= KB_IMPORT_MAX_COLUMNS; i++)
		text_add(&t, ",v");
	text_add(&t, "\n");
	kb_import_stats st;
	imp_ok(s, "wide.csv", text_str(&t), NULL, &st);
	assert_int_equal(st.warnings, KB_IMPORT_MAX_COLUMNS - 2);
	assert_int_equal(st.records, 1);
	assert_int_equal(count_assets(s), 3);
	text_free(&t);

	/* a header one column wider */
	text_add(&t, "name,category");
	for (int i = 3; i <= KB_IMPORT_MAX_COLUMNS + 1; i++)
		text_printf(&t, ",x%d", i);
	text_add(&t, "\nwider,internal\n");
	expect_fail(s, "wider.csv", text_str(&t), NULL, KB_ELIMIT, 1, 0, "more than 256 fields", NULL);
	text_free(&t);

	/* a data row one field wider than the limit */
	text_add(&t, "name,category\nok,internal\nwider,internal");
	for (int i = 3; i <= KB_IMPORT_MAX_COLUMNS + 1; i++)
		text_add(&t, ",");
	text_add(&t, "\n");
	expect_fail(s, "wider2.csv", text_str(&t), NULL, KB_ELIMIT, 3, 0, "more than 256 fields", NULL);
	text_free(&t);
}

static void test_limit_row_bytes(void **state)
{
	kb_store *s = *state;
	imp_ok(s, "base.csv", base_csv, NULL, NULL);
	size_t big = KB_IMPORT_MAX_ROW_BYTES + 1;
	const char head[] = "name,category,ignored\nok,internal,x\nbig,internal,";
	size_t hl = strlen(head);
	char *data = malloc(hl + big + 2);
	assert_non_null(data);
	memcpy(data, head, hl);
	memset(data + hl, 'x', big);
	memcpy(data + hl + big, "\n", 2);
	expect_fail_(s, "big.csv", data, hl + big + 1, NULL, KB_ELIMIT, 3, 3, "record longer than the limit of 4194304",
	             NULL, __LINE__);
	/* the same cell quoted, with line breaks inside: still the record's first line */
	char *q = malloc(hl + big + 4);
	assert_non_null(q);
	memcpy(q, head, hl);
	q[hl] = '"';
	memset(q + hl + 1, 'y', big);
	for (size_t i = hl + 1 + 1000; i < hl + 1 + big; i += 1000)
		q[i] = '\n';
	memcpy(q + hl + 1 + big, "\"\n", 3);
	expect_fail_(s, "bigq.csv", q, hl + big + 3, NULL, KB_ELIMIT, 3, 3, "record longer than the limit",
	             NULL, __LINE__);
	free(q);
	free(data);
	/* a field one byte over KB_LEDGER_MAX_FIELD_BYTES (well under the row limit) */
	text t = { 0 };
	text_add(&t, "name,category,notes\nok,internal,x\nlong,internal,");
	char *v = malloc(KB_LEDGER_MAX_FIELD_BYTES + 2);
	assert_non_null(v);
	memset(v, 'n', KB_LEDGER_MAX_FIELD_BYTES + 1);
	v[KB_LEDGER_MAX_FIELD_BYTES + 1] = '\0';
	text_add(&t, v);
	text_add(&t, "\n");
	expect_fail(s, "long.csv", text_str(&t), NULL, KB_ELIMIT, 3, 3, "longer than the limit of 65536", NULL);
	text_free(&t);
	/* exactly at that limit: accepted */
	v[KB_LEDGER_MAX_FIELD_BYTES] = '\0';
	text_add(&t, "name,category,notes\nlong,internal,");
	text_add(&t, v);
	text_add(&t, "\n");
	imp_ok(s, "long.csv", text_str(&t), NULL, NULL);
	assert_int_equal(count_assets(s), 3);
	text_free(&t);
	free(v);
}

static void test_limit_inline_entries(void **state)
{
	kb_store *s = *state;
	imp_ok(s, "base.csv", base_csv, NULL, NULL);
	text t = { 0 };
	text_add(&t, "name,category,components\nweb,internal,\"");
	for (int i = 0; i < KB_IMPORT_MAX_INLINE; i++)
		text_printf(&t, "%sp%d@1", i ? ";" : "", i);
	text_add(&t, "\"\n");
	kb_import_stats st;
	imp_ok(s, "many.csv", text_str(&t), NULL, &st);
	assert_int_equal(st.components, KB_IMPORT_MAX_INLINE);
	assert_int_equal(count_comps(s), KB_IMPORT_MAX_INLINE);
	text_free(&t);

	text_add(&t, "name,category,interfaces,components\nvpn,external,,\"");
	for (int i = 0; i <= KB_IMPORT_MAX_INLINE; i++)
		text_printf(&t, "%sq%d@1", i ? ";" : "", i);
	text_add(&t, "\"\n");
	expect_fail(s, "toomany.csv", text_str(&t), NULL, KB_ELIMIT, 2, 4, "more than 10000 entries in one cell",
	            "column \"components\"");
	text_free(&t);

	/* interfaces cells have the same limit; empty entries do not count */
	text_add(&t, "name,category,interfaces\nvpn,external,\";;");
	for (int i = 0; i <= KB_IMPORT_MAX_INLINE; i++)
		text_printf(&t, "%s10.%d.%d.1", i ? ";" : "", i / 250, i % 250);
	text_add(&t, "\"\n");
	expect_fail(s, "toomany2.csv", text_str(&t), NULL, KB_ELIMIT, 2, 3, "more than 10000 entries", NULL);
	text_free(&t);
}

static void test_limit_name(void **state)
{
	kb_store *s = *state;
	imp_ok(s, "base.csv", base_csv, NULL, NULL);
	char name[KB_LEDGER_MAX_NAME_BYTES + 2];
	memset(name, 'n', sizeof name - 1);
	name[KB_LEDGER_MAX_NAME_BYTES] = '\0';
	text t = { 0 };
	text_printf(&t, "category,name\ninternal,%s\n", name);
	imp_ok(s, "n.csv", text_str(&t), NULL, NULL);
	assert_int_equal(count_assets(s), 3);
	text_free(&t);
	name[KB_LEDGER_MAX_NAME_BYTES] = 'n';
	name[KB_LEDGER_MAX_NAME_BYTES + 1] = '\0';
	text_printf(&t, "category,name\ninternal,ok\ninternal,%s\n", name);
	expect_fail(s, "n2.csv", text_str(&t), NULL, KB_ELIMIT, 3, 2, "256 bytes, longer than the limit of 255", NULL);
	text_free(&t);
}

/* ------------------------------------------------------------------ atomicity */

static void test_failed_file_keeps_previous(void **state)
{
	kb_store *s = *state;
	imp_ok(s, "good.csv", reimport_csv, NULL, NULL);
	imp_ok(s, "ifaces.csv", "asset,address,port\nweb,10.1.1.1,22\n", NULL, NULL);
	char *before = dump_all(s);
	int na = count_assets(s), ni = count_ifaces(s), nc = count_comps(s);
	assert_int_equal(na, 2);
	assert_int_equal(ni, 5);
	assert_int_equal(nc, 3);
	/* the bad file first rewrites the good file's rows (same origin: clears
	 * and replaces inline cells), then fails on its last row */
	const char bad[] = "name,category,vendor,interfaces,components\n"
	                   "web,client,Acme,service 10.9.9.9:1/tcp,zzz@1\n"
	                   "brand-new,internal,,,\n"
	                   "vpn,nonsense,,,\n";
	kb_error err;
	int r = imp(s, "good.csv", bad, NULL, NULL, &err);
	check_err(&err, r, KB_EINVAL, "good.csv", 4, 2, "expected one of external", NULL);
	char *after = dump_all(s);
	assert_string_equal(before, after);
	assert_int_equal(count_assets(s), na);
	assert_int_equal(count_ifaces(s), ni);
	assert_int_equal(count_comps(s), nc);
	free(before);
	free(after);
	/* the store is still usable */
	imp_ok(s, "more.csv", "name,category\nthird,saas\n", NULL, NULL);
	assert_int_equal(count_assets(s), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_assets_all_columns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_assets_semicolon_delimited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_assets_tab_delimited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quoted_cells, setup, teardown),
		cmocka_unit_test_setup_teardown(test_line_after_multiline_cell, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blank_rows_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_columns_warn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interfaces_sheet, setup, teardown),
		cmocka_unit_test_setup_teardown(test_components_sheet, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reimport_no_duplicates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inline_components_replaced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_err_too_few_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_err_unknown_category, setup, teardown),
		cmocka_unit_test_setup_teardown(test_err_malformed_quote, setup, teardown),
		cmocka_unit_test_setup_teardown(test_err_unclosed_quote, setup, teardown),
		cmocka_unit_test_setup_teardown(test_err_component_without_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_err_bad_purl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_err_unknown_asset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_err_new_asset_without_category, setup, teardown),
		cmocka_unit_test_setup_teardown(test_err_duplicate_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_only_and_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limit_columns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limit_row_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limit_inline_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limit_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_file_keeps_previous, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
