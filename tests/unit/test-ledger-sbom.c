/*
 * test-ledger-sbom.c - CycloneDX 1.4-1.6 and SPDX 2.3 JSON SBOMs attached to
 * one asset (ledger-sbom.c over json-stream.c, through the import driver).
 *
 * 1. CycloneDX 1.4, 1.5 and 1.6: nested components (three levels) all stored
 *    with source "sbom", origin = the file's base name and evidence
 *    "FILE#bom-ref"; group + name without a purl; purls canonicalised.
 * 2. Replace semantics: re-importing the same file keeps the count; a changed
 *    file under the same name drops what it no longer lists; other documents'
 *    rows are left alone.
 * 3. Errors with code, file, exact line:column and the store unchanged: wrong
 *    specVersion / bomFormat, text that is not JSON, a nested component with
 *    no name (at its own '{'), no --asset, an unknown asset.
 * 4. SPDX 2.3: purls under PACKAGE-MANAGER and PACKAGE_MANAGER, cpe23Type /
 *    cpe22Type SECURITY references, versionInfo NOASSERTION, a package with
 *    no name, an unsupported spdxVersion.
 * 5. Limits: component nesting (KB_SBOM_MAX_NESTING, private to
 *    ledger-sbom.c, or KB_JSON_MAX_DEPTH, whichever is hit first: level k of
 *    CycloneDX nesting is JSON depth 2k + 1, so the JSON limit alone stops
 *    level 32); 100,000 components in one document, and an error in its last
 *    one located.
 */
#include "json-stream.h" /* KB_JSON_MAX_DEPTH */
#include "ledger-test-util.h"

static const char assets_csv[] = "name,category,components\n"
                                 "shop,external,declared-lib@1\n"
                                 "crm,saas,\n";

static int setup_assets(void **state)
{
	if (setup(state) < 0)
		return -1;
	kb_error err;
	kb_import_stats st;
	kb_import_opts o = { 0 };
	kb_error_clear(&err);
	if (kb_ledger_import_mem(*state, "assets.csv", assets_csv, strlen(assets_csv), &o, &st, &err) < 0) {
		fprintf(stderr, "assets.csv: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static const kb_import_opts shop = { .asset = "shop" };

/* ------------------------------------------------------------------ 1. CycloneDX */

static const char cdx_fmt[] =
	"{\n"
	"  \"bomFormat\": \"CycloneDX\",\n"
	"  \"specVersion\": \"%s\",\n"
	"  \"serialNumber\": \"urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79\",\n"
	"  \"version\": 1,\n"
	"  \"metadata\": {\"component\": {\"type\": \"application\", \"name\": \"shop-app\", \"version\": \"9\"}},\n"
	"  \"components\": [\n"
	"    {\"type\": \"library\", \"bom-ref\": \"log4j\", \"group\": \"org.apache.logging.log4j\",\n"
	"     \"name\": \"log4j-core\", \"version\": \"2.14.1\",\n"
	"     \"purl\": \"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar\",\n"
	"     \"components\": [\n"
	"       {\"type\": \"library\", \"bom-ref\": \"inner\", \"group\": \"com.example\", \"name\": \"inner-lib\",\n"
	"        \"version\": \"1.0\", \"components\": [\n"
	"          {\"type\": \"library\", \"name\": \"deepest\", \"version\": \"0.1\",\n"
	"           \"cpe\": \"cpe:2.3:a:example:deepest:0.1:*:*:*:*:*:*:*\"}\n"
	"        ]}\n"
	"     ]},\n"
	"    {\"type\": \"library\", \"bom-ref\": \"pkg:npm/left-pad@1.3.0\", \"name\": \"left-pad\", \"version\": \"1.3.0\",\n"
	"     \"purl\": \"pkg:npm/left-pad@1.3.0\"}%s\n"
	"  ],\n"
	"  \"dependencies\": [{\"ref\": \"log4j\", \"dependsOn\": []}]\n"
	"}\n";

static char *cdx_doc(const char *spec, const char *extra)
{
	text t = { 0 };
	char *buf = malloc(sizeof cdx_fmt + 256);
	assert_non_null(buf);
	snprintf(buf, sizeof cdx_fmt + 256, cdx_fmt, spec, extra);
	text_add(&t, buf);
	free(buf);
	return t.p;
}

static const char shop_cdx[] =
	"shop||com.example:inner-lib|1.0|~|~|sbom|shop.cdx.json#inner|shop.cdx.json\n"
	"shop||declared-lib|1|~|~|declared||assets.csv\n"
	"shop||deepest|0.1|~|cpe:2.3:a:example:deepest:0.1:*:*:*:*:*:*:*|sbom|shop.cdx.json|shop.cdx.json\n"
	"shop|Maven|org.apache.logging.log4j:log4j-core|2.14.1|"
	"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar|~|sbom|shop.cdx.json#log4j|shop.cdx.json\n"
	"shop|npm|left-pad|1.3.0|pkg:npm/left-pad@1.3.0|~|sbom|shop.cdx.json#pkg:npm/left-pad@1.3.0|shop.cdx.json\n";

static void test_cyclonedx_versions(void **state)
{
	const char *specs[] = { "1.4", "1.5", "1.6" };
	for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
		kb_store *s = NULL;
		void *st_ = NULL;
		assert_int_equal(setup_assets(&st_), 0);
		s = st_;
		char *doc = cdx_doc(specs[i], "");
		kb_import_stats st;
		imp_ok(s, "sboms/shop.cdx.json", doc, &shop, &st);
		assert_int_equal(st.format, KB_LEDGER_FMT_CYCLONEDX);
		assert_int_equal(st.records, 2);
		assert_int_equal(st.components, 4);
		assert_int_equal(st.assets_created + st.assets_updated + st.assets_unchanged, 0);
		char *c = dump_comps(s);
		assert_string_equal(c, shop_cdx);
		free(c);
		/* the asset's counts */
		char *a = dump_assets(s);
		assert_string_equal(a, "crm|saas|~|~|~|~|~|~|~|~|~|~|0|0\n"
		                       "shop|external|~|~|~|~|~|~|~|~|~|~|0|5\n");
		free(a);
		free(doc);
		teardown(&st_);
	}
	(void)state;
}

static void test_cyclonedx_forced_and_named(void **state)
{
	kb_store *s = *state;
	char *doc = cdx_doc("1.6", "");
	/* any file name; format given explicitly */
	kb_import_opts o = { .asset = "crm", .format = KB_LEDGER_FMT_CYCLONEDX };
	kb_import_stats st;
	imp_ok(s, "crm-bom", doc, &o, &st);
	assert_int_equal(st.components, 4);
	char *c = dump_comps(s);
	assert_non_null(strstr(c, "crm||deepest|0.1|~|cpe:2.3:a:example:deepest:0.1:*:*:*:*:*:*:*|sbom|crm-bom|crm-bom\n"));
	free(c);
	assert_int_equal(count_comps(s), 1 + 4);
	free(doc);
	/* with a UTF-8 byte-order mark, as some tools write */
	text t = { 0 };
	text_add(&t, "\xEF\xBB\xBF");
	char *d2 = cdx_doc("1.4", "");
	text_add(&t, d2);
	kb_import_opts auto_shop = { .asset = "shop" };
	imp_ok(s, "bom.cdx.json", text_str(&t), &auto_shop, &st);
	assert_int_equal(st.format, KB_LEDGER_FMT_CYCLONEDX);
	assert_int_equal(st.components, 4);
	text_free(&t);
	free(d2);
}

/* ------------------------------------------------------------------ 2. replace */

static void test_cyclonedx_reimport_replaces(void **state)
{
	kb_store *s = *state;
	char *doc = cdx_doc("1.5", "");
	imp_ok(s, "shop.cdx.json", doc, &shop, NULL);
	assert_int_equal(count_comps(s), 5);
	/* the same document again: same rows */
	kb_import_stats st;
	imp_ok(s, "shop.cdx.json", doc, &shop, &st);
	assert_int_equal(st.components, 4);
	assert_int_equal(count_comps(s), 5);
	char *c = dump_comps(s);
	assert_string_equal(c, shop_cdx);
	free(c);
	/* another SBOM for the same asset adds its own rows */
	char *other = cdx_doc("1.6", ",\n    {\"type\": \"library\", \"name\": \"extra\", \"version\": \"2\"}");
	imp_ok(s, "other.cdx.json", other, &shop, NULL);
	assert_int_equal(count_comps(s), 5 + 5);
	/* shop.cdx.json changes: left-pad and the nested components are gone */
	const char changed[] = "{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.5\", \"components\": [\n"
	                       "  {\"bom-ref\": \"log4j\", \"name\": \"log4j-core\", \"group\": \"org.apache.logging.log4j\",\n"
	                       "   \"version\": \"2.17.1\", \"purl\": \"pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1\"}\n"
	                       "]}\n";
	imp_ok(s, "shop.cdx.json", changed, &shop, &st);
	assert_int_equal(st.components, 1);
	c = dump_comps(s);
	/* only rows of shop.cdx.json changed; other.cdx.json and the declared row stay */
	const char *want[] = {
		"shop||com.example:inner-lib|1.0|~|~|sbom|other.cdx.json#inner|other.cdx.json\n",
		"shop||declared-lib|1|~|~|declared||assets.csv\n",
		"shop||deepest|0.1|~|cpe:2.3:a:example:deepest:0.1:*:*:*:*:*:*:*|sbom|other.cdx.json|other.cdx.json\n",
		"shop||extra|2|~|~|sbom|other.cdx.json|other.cdx.json\n",
		"shop|Maven|org.apache.logging.log4j:log4j-core|2.14.1|"
		"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar|~|sbom|other.cdx.json#log4j|other.cdx.json\n",
		"shop|Maven|org.apache.logging.log4j:log4j-core|2.17.1|"
		"pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1|~|sbom|shop.cdx.json#log4j|shop.cdx.json\n",
		"shop|npm|left-pad|1.3.0|pkg:npm/left-pad@1.3.0|~|sbom|other.cdx.json#pkg:npm/left-pad@1.3.0|"
		"other.cdx.json\n",
	};
	text w = { 0 };
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		text_add(&w, want[i]);
	assert_string_equal(c, text_str(&w));
	text_free(&w);
	free(c);
	/* an empty component list clears what the file said */
	imp_ok(s, "shop.cdx.json", "{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.6\", \"components\": []}", &shop,
	       NULL);
	assert_int_equal(count_comps(s), 6);
	free(doc);
	free(other);
}

/* ------------------------------------------------------------------ 3. errors */

static void test_cyclonedx_bad_header(void **state)
{
	kb_store *s = *state;
	char *doc = cdx_doc("1.3", "");
	expect_fail_at(s, "shop.cdx.json", doc, &shop, KB_EFORMAT, "\"1.3\"", "expected 1.4, 1.5 or 1.6", "\"1.3\"");
	free(doc);
	doc = cdx_doc("2.0", "");
	expect_fail_at(s, "shop.cdx.json", doc, &shop, KB_EFORMAT, "\"2.0\"", "expected 1.4, 1.5 or 1.6", NULL);
	free(doc);
	doc = cdx_doc("1.5", "");
	char *p = strstr(doc, "\"CycloneDX\"");
	memcpy(p, "\"CycloneDx\"", 11);
	expect_fail_at(s, "shop.cdx.json", doc, &shop, KB_EFORMAT, "\"CycloneDx\"", "expected \"CycloneDX\"", NULL);
	free(doc);
	/* the header after the components: nothing is kept */
	const char late[] = "{\"components\": [{\"name\": \"a\"}, {\"name\": \"b\"}],\n"
	                    " \"specVersion\": \"1.5\",\n"
	                    " \"bomFormat\": \"SPDX\"}";
	expect_fail_at(s, "late.cdx.json", late, &shop, KB_EFORMAT, "\"SPDX\"", "expected \"CycloneDX\"", NULL);
	expect_fail_at(s, "late.cdx.json", "{\"bomFormat\": 7, \"specVersion\": \"1.5\"}", &shop, KB_EFORMAT, "7",
	               "\"bomFormat\": expected a string", NULL);
	/* forced CycloneDX: a document without the header */
	kb_import_opts forced = { .asset = "shop", .format = KB_LEDGER_FMT_CYCLONEDX };
	expect_fail_(s, "x.json", "{\"components\": []}", 18, &forced, KB_EFORMAT, 1, 1, "no \"bomFormat\"", NULL,
	             __LINE__);
	expect_fail_(s, "x.json", "{\"bomFormat\": \"CycloneDX\", \"components\": []}", 44, &forced, KB_EFORMAT, 1, 1,
	             "\"specVersion\"", NULL, __LINE__);
}

static void test_not_json(void **state)
{
	kb_store *s = *state;
	kb_import_opts cdx = { .asset = "shop", .format = KB_LEDGER_FMT_CYCLONEDX };
	expect_fail_(s, "shop.cdx.json", "name,version\nfoo,1\n", 19, &cdx, KB_EPARSE, 1, 1, "expected valid JSON",
	             NULL, __LINE__);
	/* XML CycloneDX with --asset and no format: read as JSON, fails at the '<' */
	const char xml[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	                   "<bom xmlns=\"http://cyclonedx.org/schema/bom/1.5\" version=\"1\">\n"
	                   "</bom>\n";
	expect_fail_(s, "shop.cdx.xml", xml, strlen(xml), &shop, KB_EPARSE, 1, 1, "expected valid JSON", NULL,
	             __LINE__);
	/* the same with leading blank lines */
	expect_fail_(s, "shop.cdx.xml", "\n\n  <bom/>\n", 11, &shop, KB_EPARSE, 3, 3, "expected valid JSON", NULL,
	             __LINE__);
	/* broken JSON after a good start */
	const char broken[] = "{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.5\", \"components\": [\n"
	                      "  {\"name\": \"a\", \"version\": \"1\"},\n"
	                      "  {\"name\": \"b\", \"version\": \"1\" \"purl\": \"pkg:npm/b@1\"}\n"
	                      "]}\n";
	expect_fail_at(s, "shop.cdx.json", broken, &shop, KB_EPARSE, "\"purl\"", "expected valid JSON", NULL);
	/* a JSON document of no known kind, with --asset */
	expect_fail_(s, "shop.json", "{\"components\": []}", 18, &shop, KB_EFORMAT, 1, 1,
	             "expected a CycloneDX or SPDX JSON", NULL, __LINE__);
}

static void test_nested_component_without_name(void **state)
{
	kb_store *s = *state;
	char *doc = cdx_doc("1.5", "");
	imp_ok(s, "shop.cdx.json", doc, &shop, NULL);
	/* the deepest component loses its name */
	char *p = strstr(doc, "\"name\": \"deepest\", ");
	assert_non_null(p);
	memmove(p, p + 19, strlen(p + 19) + 1);
	expect_fail_at(s, "shop.cdx.json", doc, &shop, KB_EINVAL,
	               "{\"type\": \"library\", \"version\": \"0.1\"", "expected a \"name\"", NULL);
	free(doc);
	/* a nameless nested component on one line with others */
	const char one[] = "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"components\":[{\"name\":\"a\","
	                   "\"components\":[{\"name\":\"b\"},{\"name\":\"c\",\"components\":[{\"name\":\"d\"},"
	                   "{\"version\":\"1\"}]}]}]}";
	expect_fail_at(s, "one.cdx.json", one, &shop, KB_EINVAL, "{\"version\":\"1\"}", "expected a \"name\"", NULL);
	/* other bad members are located at their component too */
	const char badtype[] = "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"components\":[\n"
	                       "  {\"name\":\"a\",\"components\":[\n"
	                       "    {\"name\":\"b\",\"version\":2}]}]}";
	expect_fail_at(s, "t.cdx.json", badtype, &shop, KB_EINVAL, "{\"name\":\"b\"", "\"version\": expected a string",
	               NULL);
	const char badpurl[] = "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"components\":[\n"
	                       "  {\"name\":\"a\",\"components\":[\n"
	                       "    {\"name\":\"b\",\"purl\":\"pkg:\"}]}]}";
	kb_error err;
	int r = imp(s, "p.cdx.json", badpurl, &shop, NULL, &err);
	assert_true(r == KB_EPARSE || r == KB_EINVAL);
	expect_fail_at(s, "p.cdx.json", badpurl, &shop, r, "{\"name\":\"b\"", "purl \"pkg:\"", NULL);
	const char notarray[] = "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"components\":[\n"
	                        "  {\"name\":\"a\",\"components\":{\"name\":\"b\"}}]}";
	expect_fail_at(s, "t.cdx.json", notarray, &shop, KB_EINVAL, "{\"name\":\"a\"", "\"components\": expected an array",
	               NULL);
}

static void test_asset_required_and_known(void **state)
{
	kb_store *s = *state;
	char *doc = cdx_doc("1.6", "");
	kb_import_opts none = { 0 };
	expect_fail_(s, "shop.cdx.json", doc, strlen(doc), &none, KB_EINVAL, 0, 0, "--asset NAME", "CycloneDX",
	             __LINE__);
	kb_import_opts ghost = { .asset = "ghost" };
	expect_fail_(s, "shop.cdx.json", doc, strlen(doc), &ghost, KB_ENOTFOUND, 0, 0, "\"ghost\"", "no such asset",
	             __LINE__);
	free(doc);
	const char spdx[] = "{\"spdxVersion\": \"SPDX-2.3\", \"packages\": []}";
	expect_fail_(s, "x.spdx.json", spdx, strlen(spdx), &none, KB_EINVAL, 0, 0, "--asset NAME", "SPDX", __LINE__);
}

/* ------------------------------------------------------------------ 4. SPDX */

static const char spdx_doc[] =
	"{\n"
	"  \"spdxVersion\": \"SPDX-2.3\",\n"
	"  \"dataLicense\": \"CC0-1.0\",\n"
	"  \"SPDXID\": \"SPDXRef-DOCUMENT\",\n"
	"  \"name\": \"shop\",\n"
	"  \"packages\": [\n"
	"    {\"SPDXID\": \"SPDXRef-log4j\", \"name\": \"log4j-core\", \"versionInfo\": \"2.14.1\",\n"
	"     \"externalRefs\": [\n"
	"       {\"referenceCategory\": \"SECURITY\", \"referenceType\": \"cpe23Type\",\n"
	"        \"referenceLocator\": \"cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*\"},\n"
	"       {\"referenceCategory\": \"PACKAGE-MANAGER\", \"referenceType\": \"purl\",\n"
	"        \"referenceLocator\": \"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1\"}]},\n"
	"    {\"SPDXID\": \"SPDXRef-lp\", \"name\": \"left-pad\", \"versionInfo\": \"1.3.0\",\n"
	"     \"externalRefs\": [{\"referenceCategory\": \"PACKAGE_MANAGER\", \"referenceType\": \"purl\",\n"
	"                       \"referenceLocator\": \"pkg:npm/left-pad@1.3.0\"}]},\n"
	"    {\"SPDXID\": \"SPDXRef-os\", \"name\": \"openssl\", \"versionInfo\": \"NOASSERTION\"},\n"
	"    {\"SPDXID\": \"SPDXRef-z\", \"name\": \"zlib\", \"versionInfo\": \"1.3\",\n"
	"     \"externalRefs\": [{\"referenceCategory\": \"SECURITY\", \"referenceType\": \"cpe22Type\",\n"
	"                       \"referenceLocator\": \"cpe:/a:zlib:zlib:1.3\"},\n"
	"                      {\"referenceCategory\": \"OTHER\", \"referenceType\": \"swh\",\n"
	"                       \"referenceLocator\": \"swh:1:cnt:94a9ed024d3859793618152ea559a168bbcbb5e2\"}]}\n"
	"  ],\n"
	"  \"relationships\": [{\"spdxElementId\": \"SPDXRef-DOCUMENT\", \"relationshipType\": \"DESCRIBES\",\n"
	"                     \"relatedSpdxElement\": \"SPDXRef-log4j\"}]\n"
	"}\n";

static const char shop_spdx[] =
	"shop||declared-lib|1|~|~|declared||assets.csv\n"
	"shop||openssl||~|~|sbom|shop.spdx.json#SPDXRef-os|shop.spdx.json\n"
	"shop||zlib|1.3|~|cpe:/a:zlib:zlib:1.3|sbom|shop.spdx.json#SPDXRef-z|shop.spdx.json\n"
	"shop|Maven|org.apache.logging.log4j:log4j-core|2.14.1|pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1|"
	"cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*|sbom|shop.spdx.json#SPDXRef-log4j|shop.spdx.json\n"
	"shop|npm|left-pad|1.3.0|pkg:npm/left-pad@1.3.0|~|sbom|shop.spdx.json#SPDXRef-lp|shop.spdx.json\n";

static void test_spdx(void **state)
{
	kb_store *s = *state;
	kb_import_stats st;
	imp_ok(s, "shop.spdx.json", spdx_doc, &shop, &st);
	assert_int_equal(st.format, KB_LEDGER_FMT_SPDX);
	assert_int_equal(st.records, 4);
	assert_int_equal(st.components, 4);
	char *c = dump_comps(s);
	assert_string_equal(c, shop_spdx);
	free(c);
	/* again: replaced, not added */
	imp_ok(s, "shop.spdx.json", spdx_doc, &shop, &st);
	assert_int_equal(count_comps(s), 5);
	/* SPDX-2.2 is read too */
	char *doc = strdup(spdx_doc);
	assert_non_null(doc);
	memcpy(strstr(doc, "SPDX-2.3"), "SPDX-2.2", 8);
	imp_ok(s, "shop.spdx.json", doc, &shop, &st);
	assert_int_equal(st.components, 4);
	assert_int_equal(count_comps(s), 5);
	free(doc);
}

static void test_spdx_errors(void **state)
{
	kb_store *s = *state;
	char *doc = strdup(spdx_doc);
	assert_non_null(doc);
	memcpy(strstr(doc, "SPDX-2.3"), "SPDX-2.1", 8);
	expect_fail_at(s, "shop.spdx.json", doc, &shop, KB_EFORMAT, "\"SPDX-2.1\"", "expected SPDX-2.3", NULL);
	free(doc);
	/* a package without a name, located at its '{' */
	doc = strdup(spdx_doc);
	assert_non_null(doc);
	char *p = strstr(doc, "\"name\": \"zlib\", ");
	assert_non_null(p);
	memmove(p, p + 16, strlen(p + 16) + 1);
	expect_fail_at(s, "shop.spdx.json", doc, &shop, KB_EINVAL, "{\"SPDXID\": \"SPDXRef-z\"", "package: expected a \"name\"",
	               NULL);
	free(doc);
	/* a bad purl, located at its package */
	const char badpurl[] = "{\"spdxVersion\": \"SPDX-2.3\", \"packages\": [\n"
	                       "  {\"name\": \"a\"},\n"
	                       "  {\"name\": \"b\", \"externalRefs\": [{\"referenceCategory\": \"PACKAGE-MANAGER\",\n"
	                       "    \"referenceType\": \"purl\", \"referenceLocator\": \"pkg:\"}]}]}";
	kb_error err;
	int r = imp(s, "b.spdx.json", badpurl, &shop, NULL, &err);
	assert_true(r == KB_EPARSE || r == KB_EINVAL);
	expect_fail_at(s, "b.spdx.json", badpurl, &shop, r, "{\"name\": \"b\"", "purl \"pkg:\"", NULL);
	expect_fail_at(s, "b.spdx.json", "{\"spdxVersion\": \"SPDX-2.3\", \"packages\": [{\"name\": \"a\", \"externalRefs\": 5}]}",
	               &shop, KB_EINVAL, "{\"name\": \"a\"", "\"externalRefs\": expected an array", NULL);
	kb_import_opts forced = { .asset = "shop", .format = KB_LEDGER_FMT_SPDX };
	expect_fail_(s, "x", "{\"packages\": []}", 16, &forced, KB_EFORMAT, 1, 1, "no \"spdxVersion\"", NULL,
	             __LINE__);
}

/* ------------------------------------------------------------------ 5. limits */

static char *nested_doc(int levels)
{
	text t = { 0 };
	text_add(&t, "{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.6\", \"components\": [\n");
	for (int i = 1; i <= levels; i++)
		text_printf(&t, "%*s{\"name\": \"lvl%02d\", \"version\": \"%d\", \"components\": [\n", i, "", i, i);
	for (int i = levels; i >= 1; i--)
		text_printf(&t, "%*s]}\n", i, "");
	text_add(&t, "]}\n");
	return t.p;
}

/* Two limits bound CycloneDX nesting: KB_SBOM_MAX_NESTING (private to
 * ledger-sbom.c) and KB_JSON_MAX_DEPTH. Level k of nesting is JSON depth
 * 2k + 1 (the top object, then an array and an object per level), so the
 * JSON limit alone allows (KB_JSON_MAX_DEPTH - 1) / 2 = 31 levels. The first
 * level that fails must fail with KB_ELIMIT at its own '{', with a message
 * naming the limit it hit: "components nested deeper than the limit of N
 * levels" with N one less than that level, or the JSON depth limit at level
 * 32. The brief requires at least three levels to import. */
static void test_nesting_limit(void **state)
{
	kb_store *s = *state;
	int json_fits = (KB_JSON_MAX_DEPTH - 1) / 2;
	assert_int_equal(json_fits, 31);
	int first_bad = 0;
	for (int levels = 3; levels <= json_fits + 2 && !first_bad; levels++) {
		char *doc = nested_doc(levels);
		kb_error err;
		kb_import_stats st;
		int r = imp(s, "deep.cdx.json", doc, &shop, &st, &err);
		if (r == 0) {
			assert_int_equal(st.components, levels);
			assert_int_equal(st.records, 1);
			assert_int_equal(count_comps(s), 1 + levels);
		} else {
			first_bad = levels;
			char needle[32], msg[128];
			snprintf(needle, sizeof needle, "{\"name\": \"lvl%02d\"", levels);
			if (levels == json_fits + 1 && strstr(err.msg, "JSON nested"))
				snprintf(msg, sizeof msg, "JSON nested deeper than the limit of %d levels", KB_JSON_MAX_DEPTH);
			else
				snprintf(msg, sizeof msg, "components nested deeper than the limit of %d levels", levels - 1);
			expect_fail_at(s, "deeper.cdx.json", doc, &shop, KB_ELIMIT, needle, msg, NULL);
		}
		free(doc);
	}
	assert_true(first_bad > 3 && first_bad <= json_fits + 1);
	/* 33 levels: an SBOM component is handed over only once it has been read
	 * whole, and reading it passes KB_JSON_MAX_DEPTH at level 32 first; so
	 * whatever KB_SBOM_MAX_NESTING is, it is that limit, at level 32's '{' */
	char *doc = nested_doc(33);
	expect_fail_at(s, "deeper.cdx.json", doc, &shop, KB_ELIMIT, "{\"name\": \"lvl32\"",
	               "JSON nested deeper than the limit of 64 levels", NULL);
	free(doc);
}

#define BIG_N 100000

static char *big_doc(int n, bool bad_last)
{
	text t = { 0 };
	text_add(&t, "{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.6\", \"components\": [\n");
	for (int i = 0; i < n; i++) {
		if (bad_last && i == n - 1)
			text_printf(&t, "  {\"type\": \"library\", \"version\": \"%d.0\"}\n", i);
		else
			text_printf(&t, "  {\"type\": \"library\", \"bom-ref\": \"c%d\", \"name\": \"pkg-%d\", \"version\": \"%d.0\","
			                " \"purl\": \"pkg:npm/pkg-%d@%d.0\"}%s\n",
			            i, i, i % 7, i, i % 7, i + 1 < n ? "," : "");
	}
	text_add(&t, "]}\n");
	return t.p;
}

static int count_purls_cb(const kb_component *c, void *ctx)
{
	int *n = ctx;
	char want[64];
	snprintf(want, sizeof want, "pkg:npm/%s@%s", c->name, c->version);
	if (c->purl && strcmp(c->purl, want) == 0 && c->source == KB_SOURCE_SBOM && strcmp(c->origin, "big.cdx.json") == 0)
		(*n)++;
	return 0;
}

static void test_large_sbom(void **state)
{
	kb_store *s = *state;
	char *doc = big_doc(BIG_N, false);
	kb_import_stats st;
	imp_ok(s, "big.cdx.json", doc, &shop, &st);
	assert_int_equal(st.records, BIG_N);
	assert_int_equal(st.components, BIG_N);
	assert_int_equal(st.bytes, strlen(doc));
	assert_int_equal(count_comps(s), 1 + BIG_N);
	int n = 0;
	kb_error err;
	kb_error_clear(&err);
	assert_int_equal(kb_ledger_components(s, 0, count_purls_cb, &n, &err), 0);
	assert_int_equal(n, BIG_N);
	/* again: still BIG_N */
	imp_ok(s, "big.cdx.json", doc, &shop, &st);
	assert_int_equal(count_comps(s), 1 + BIG_N);
	free(doc);
	/* the last of 100,000 components has no name: located, nothing kept,
	 * the previous import intact */
	doc = big_doc(BIG_N, true);
	char needle[64];
	snprintf(needle, sizeof needle, "{\"type\": \"library\", \"version\": \"%d.0\"}", BIG_N - 1);
	expect_fail_at(s, "big.cdx.json", doc, &shop, KB_EINVAL, needle, "expected a \"name\"", NULL);
	assert_int_equal(count_comps(s), 1 + BIG_N);
	free(doc);
}

/* Members the reader does not use (licenses, hashes, properties, evidence)
 * are skipped without being built, however deep; the members it uses still
 * arrive, in any order, after or between skipped ones; and a syntax error
 * inside a skipped member is still an error. */
static void test_skipped_members(void **state)
{
	kb_store *s = *state;
	const char doc[] =
		"{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.6\", \"components\": [\n"
		"  {\"licenses\": [{\"license\": {\"name\": \"decoy\", \"id\": \"Apache-2.0\"}}],\n"
		"   \"name\": \"log4j-core\",\n"
		"   \"hashes\": [{\"alg\": \"SHA-256\", \"content\": \"00\"}], \"version\": \"2.14.1\",\n"
		"   \"properties\": {\"deep\": [[[{\"name\": \"decoy\"}]]], \"n\": 1.5, \"t\": true, \"z\": null},\n"
		"   \"purl\": \"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1\",\n"
		"   \"components\": [{\"evidence\": {\"occurrences\": [{\"location\": \"x\"}]}, \"name\": \"inner\"}]}\n"
		"]}\n";
	imp_ok(s, "skip.cdx.json", doc, &shop, NULL);
	char *comps = dump_comps(s);
	assert_non_null(strstr(comps, "org.apache.logging.log4j:log4j-core|2.14.1"));
	assert_non_null(strstr(comps, "inner|"));
	assert_null(strstr(comps, "decoy"));
	free(comps);
	const char bad[] = "{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.6\", \"components\": [\n"
	                   "  {\"name\": \"a\", \"hashes\": [{\"alg\": \"SHA-256\" \"content\": \"00\"}]}\n"
	                   "]}\n";
	expect_fail_at(s, "skip.cdx.json", bad, &shop, KB_EPARSE, "\"content\"", "expected valid JSON", NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cyclonedx_versions),
		cmocka_unit_test_setup_teardown(test_cyclonedx_forced_and_named, setup_assets, teardown),
		cmocka_unit_test_setup_teardown(test_cyclonedx_reimport_replaces, setup_assets, teardown),
		cmocka_unit_test_setup_teardown(test_cyclonedx_bad_header, setup_assets, teardown),
		cmocka_unit_test_setup_teardown(test_not_json, setup_assets, teardown),
		cmocka_unit_test_setup_teardown(test_nested_component_without_name, setup_assets, teardown),
		cmocka_unit_test_setup_teardown(test_asset_required_and_known, setup_assets, teardown),
		cmocka_unit_test_setup_teardown(test_spdx, setup_assets, teardown),
		cmocka_unit_test_setup_teardown(test_spdx_errors, setup_assets, teardown),
		cmocka_unit_test_setup_teardown(test_nesting_limit, setup_assets, teardown),
		cmocka_unit_test_setup_teardown(test_large_sbom, setup_assets, teardown),
		cmocka_unit_test_setup_teardown(test_skipped_members, setup_assets, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
