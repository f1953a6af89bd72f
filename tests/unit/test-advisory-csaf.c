/*
 * test-advisory-csaf.c - CSAF 2.0 documents into the advisory model.
 *
 * On the documents in tests/vectors/csaf/: an F5-like vendor / product_name /
 * product_version tree with known_affected and fixed (ranges per branch, the
 * move-to across two CVEs), a Red Hat-like VEX document (relationships to
 * components, purls, an unversioned "affected, no fix yet" stream, CPE-only
 * products, aggregate severity), and vers ranges of several kinds (several
 * intervals, "!=", "*", an open range closed by a fixed product reached
 * through a product group, comparators as free text, free text kept raw).
 * Then the status rules on small documents written inline, the located
 * errors, and every limit the reader uses.
 */
#include "koban/advisory.h"
#include "koban/exposure.h"
#include "koban/purl.h"
#include "advisory-vers.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define VEC KB_TEST_VECTORS "/csaf/"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)n + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	b[n] = '\0';
	*len = (size_t)n;
	return b;
}

static kb_advisory *parse_ok(const char *doc, size_t len)
{
	kb_advisory *a = NULL;
	kb_error err;
	kb_error_clear(&err);
	if (kb_advisory_parse_csaf("c.json", doc, len, &a, &err) != 0)
		fail_msg("parse: %s: %s", kb_err_name(err.code), err.msg);
	return a;
}

static kb_advisory *parse_file(const char *name)
{
	char path[1024];
	snprintf(path, sizeof path, VEC "%s", name);
	size_t len;
	char *doc = slurp(path, &len);
	kb_advisory *a = parse_ok(doc, len);
	free(doc);
	return a;
}

static kb_range_verdict eval(const kb_affected *m, const char *v)
{
	kb_range_verdict out;
	kb_error err;
	if (kb_range_eval(m, v, &out, &err) != 0)
		fail_msg("eval %s: %s", v, err.msg);
	return out;
}

static kb_fstatus status(const kb_advisory_affected *af, const char *v, const char **fix)
{
	kb_fstatus st;
	kb_error err;
	if (kb_exposure_status(af, v, NULL, &st, fix, &err) != 0)
		fail_msg("status %s: %s", v, err.msg);
	return st;
}

/* The entry naming this product (vendor NULL: any) or package. */
static const kb_advisory_affected *find(const kb_advisory *a, const char *vendor, const char *product)
{
	for (size_t i = 0; i < a->n_affected; i++) {
		const kb_advisory_affected *af = &a->affected[i];
		if (af->product && strcmp(af->product, product) == 0 && (!vendor || (af->vendor && strcmp(af->vendor, vendor) == 0)))
			return af;
		if (af->package && strcmp(af->package, product) == 0)
			return af;
	}
	fail_msg("no entry for %s", product);
	return NULL;
}

static bool has(const char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

static void test_f5(void **state)
{
	(void)state;
	kb_advisory *a = parse_file("f5-bigip.json");
	assert_string_equal(a->id, "EXN-2025-1015");
	assert_string_equal(a->summary, "BIG-IP APM and TMM vulnerabilities");
	assert_string_equal(a->published, "2025-10-15T14:00:00.000Z");
	assert_string_equal(a->modified, "2026-03-27T00:00:00.000Z");
	assert_null(a->withdrawn);
	assert_int_equal(a->n_aliases, 2);
	assert_string_equal(a->aliases[0], "CVE-2025-53521");
	assert_string_equal(a->aliases[1], "CVE-2025-53868");
	assert_string_equal(a->severity, "CRITICAL"); /* the highest score, 9.8 */
	assert_true(a->cvss_score > 9.7 && a->cvss_score < 9.9);
	assert_string_equal(a->cvss_vector, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");

	/* one entry per vulnerability: their fixes differ on 17.5 */
	assert_int_equal(a->n_affected, 2);
	const kb_advisory_affected *e1 = &a->affected[0], *e2 = &a->affected[1];
	assert_string_equal(e1->vendor, "F5");
	assert_string_equal(e1->product, "BIG-IP");
	assert_null(e1->ecosystem);
	assert_null(e1->statement);
	assert_int_equal(e1->default_status, KB_VSTATUS_UNKNOWN);
	assert_int_equal(e1->match.scheme, KB_VS_INTDOT);
	assert_int_equal(e1->match.n_ranges, 4); /* one per branch */
	assert_int_equal(e1->match.n_versions, 4);
	assert_int_equal(e1->unaffected.n_versions, 4);
	assert_true(has(e1->unaffected.versions, e1->unaffected.n_versions, "17.1.3"));

	/* F5's guidance per branch, from known_affected + fixed */
	assert_string_equal(eval(&e1->match, "17.5.0").fixed, "17.5.1.3");
	assert_string_equal(eval(&e1->match, "17.1.1.3").fixed, "17.1.3");
	assert_string_equal(eval(&e1->match, "16.1.4.1").fixed, "16.1.6.1");
	assert_string_equal(eval(&e1->match, "15.1.10.2").fixed, "15.1.10.8");
	assert_false(eval(&e1->match, "17.1.3.0").affected);
	/* 17.0 is never mentioned: not pulled into 16.1's or 17.1's range */
	assert_false(eval(&e1->match, "17.0.0.2").affected);
	const char *fix = NULL;
	assert_int_equal(status(e1, "17.0.0.2", &fix), KB_FS_UNKNOWN_NOT_EVALUATED);
	assert_int_equal(status(e1, "21.0.0", &fix), KB_FS_UNKNOWN_NEWER);
	assert_int_equal(status(e1, "17.1.3", &fix), KB_FS_FIXED);
	assert_int_equal(status(e1, "17.1.1.3", &fix), KB_FS_AFFECTED);
	assert_string_equal(fix, "17.1.3");

	/* CVE-2025-53868 is fixed in 17.5.1 already; the move-to is the larger fix */
	assert_string_equal(eval(&e2->match, "17.5.0").fixed, "17.5.1");
	assert_int_equal(status(e2, "17.5.1", NULL), KB_FS_FIXED);
	assert_int_equal(status(e1, "17.5.1", NULL), KB_FS_AFFECTED);
	const kb_advisory_affected *both[] = { e1, e2 };
	const char *move = NULL;
	bool fixable = false;
	kb_error err;
	assert_int_equal(kb_exposure_move_to(both, 2, "17.5.0", NULL, &move, &fixable, &err), 0);
	assert_string_equal(move, "17.5.1.3");
	assert_true(fixable);
	kb_advisory_free(a);
}

static void test_redhat(void **state)
{
	(void)state;
	kb_advisory *a = parse_file("redhat-openssl.json");
	assert_string_equal(a->id, "CVE-2023-0286");
	assert_int_equal(a->n_aliases, 1); /* the CVE is the id itself */
	assert_string_equal(a->aliases[0], "2164440");
	assert_string_equal(a->severity, "HIGH"); /* aggregate "Important" */
	assert_true(a->cvss_score > 7.3 && a->cvss_score < 7.5);
	assert_int_equal(a->n_affected, 2);

	/* every relationship resolves to the openssl component */
	const kb_advisory_affected *ssl = find(a, NULL, "openssl");
	assert_string_equal(ssl->ecosystem, "Red Hat");
	assert_string_equal(ssl->package, "openssl");
	assert_string_equal(ssl->vendor, "Red Hat");
	assert_int_equal(ssl->match.scheme, KB_VS_RPM);
	assert_int_equal(ssl->default_status, KB_VSTATUS_UNKNOWN);
	/* x86_64 and src: one fixed version, the purl's, without the epoch */
	assert_int_equal(ssl->unaffected.n_versions, 1);
	assert_string_equal(ssl->unaffected.versions[0], "3.0.7-6.el9_2");
	/* RHEL 8 is affected with no fix: affected from the beginning up to the fix */
	assert_int_equal(ssl->match.n_ranges, 1);
	kb_range_verdict v = eval(&ssl->match, "1.1.1k-7.el8");
	assert_true(v.affected);
	assert_string_equal(v.fixed, "3.0.7-6.el9_2");
	assert_true(eval(&ssl->match, "3.0.7-1.el9").affected);
	assert_false(eval(&ssl->match, "3.0.7-20.el9").affected);
	assert_int_equal(status(ssl, "3.0.7-6.el9_2", NULL), KB_FS_FIXED);

	/* a product named only by its CPE, not affected in any version */
	const kb_advisory_affected *ocp = find(a, "redhat", "openshift");
	assert_null(ocp->ecosystem);
	assert_int_equal(ocp->default_status, KB_VSTATUS_UNAFFECTED);
	assert_int_equal(ocp->match.n_ranges + ocp->match.n_versions, 0);
	assert_int_equal(status(ocp, "4.12.0", NULL), KB_FS_NOT_AFFECTED);
	kb_advisory_free(a);
}

static void test_vers_ranges(void **state)
{
	(void)state;
	kb_advisory *a = parse_file("vers-ranges.json");
	assert_string_equal(a->summary, "Multiple vulnerabilities in example industrial products");
	assert_int_equal(a->n_aliases, 3);
	assert_string_equal(a->aliases[2], "GHSA-vm8q-m57g-pff3");
	assert_string_equal(a->severity, "HIGH");
	assert_non_null(strstr(a->cvss_vector, "CVSS:4.0/")); /* 8.7 beats 7.5 */
	assert_int_equal(a->n_affected, 7);

	/* "<2.9.2" affected, ">=2.9.2" fixed: an unaffected range */
	const kb_advisory_affected *cpu = find(a, "Example Industrial", "CTRL S7 CPU");
	assert_int_equal(cpu->match.scheme, KB_VS_INTDOT);
	assert_int_equal(cpu->match.n_ranges, 1);
	assert_int_equal(cpu->unaffected.n_ranges, 1);
	assert_string_equal(eval(&cpu->match, "2.9.1").fixed, "2.9.2");
	assert_true(eval(&cpu->unaffected, "3.0").affected);
	assert_int_equal(status(cpu, "2.9.2", NULL), KB_FS_NOT_AFFECTED);

	/* two intervals, one closed by "<=", and a version taken out with "!=" */
	const kb_advisory_affected *sw = find(a, NULL, "SWITCH X-200");
	assert_int_equal(sw->match.n_ranges, 1);
	assert_int_equal(sw->match.ranges[0].n_events, 4);
	assert_int_equal(sw->unaffected.n_versions, 1);
	assert_string_equal(sw->unaffected.versions[0], "5.2.1");
	const char *fix = NULL;
	assert_int_equal(status(sw, "5.3", &fix), KB_FS_AFFECTED);
	assert_string_equal(fix, "5.5.2");
	assert_int_equal(status(sw, "5.2.1", NULL), KB_FS_NOT_AFFECTED);
	assert_int_equal(status(sw, "6.1", &fix), KB_FS_AFFECTED);
	assert_null(fix); /* last_affected: no fix known */
	assert_false(eval(&sw->match, "6.1.1").affected);

	/* every version: vers:all with a star */
	const kb_advisory_affected *nms = find(a, NULL, "NMS Server");
	assert_true(eval(&nms->match, "0.1").affected);
	assert_true(eval(&nms->match, "99").affected);

	/* an open range closed by the fixed product a vendor_fix group names */
	const kb_advisory_affected *gw = find(a, NULL, "Gateway");
	assert_int_equal(gw->match.n_ranges, 1);
	assert_int_equal(gw->match.ranges[0].n_events, 2);
	assert_string_equal(eval(&gw->match, "3.0.9").fixed, "3.1.4");
	assert_false(eval(&gw->match, "3.1.4").affected);
	assert_true(has(gw->unaffected.versions, gw->unaffected.n_versions, "3.1.4"));

	/* free text: comparators are read, anything else kept whole and unknown */
	const kb_advisory_affected *hist = find(a, NULL, "Historian");
	assert_string_equal(hist->statement, "known_affected: all versions before V3.1; known_affected: >= 3.1, < 4.1.0");
	assert_int_equal(hist->default_status, KB_VSTATUS_UNKNOWN);
	assert_int_equal(hist->match.n_ranges, 1);
	assert_string_equal(eval(&hist->match, "3.5").fixed, "4.1.0");
	assert_false(eval(&hist->match, "2.0").affected); /* not guessed affected */

	/* an unaffected range that leaves a version out cannot be expressed: text */
	const kb_advisory_affected *panel = find(a, NULL, "Panel");
	assert_string_equal(panel->statement, "fixed: vers:intdot/>=1.0|!=1.5");
	assert_int_equal(panel->unaffected.n_ranges, 0);
	assert_int_equal(panel->default_status, KB_VSTATUS_UNKNOWN);

	/* a purl and a pypi range: PEP 440 ordering */
	const kb_advisory_affected *dj = find(a, NULL, "django");
	assert_string_equal(dj->ecosystem, "PyPI");
	assert_string_equal(dj->vendor, "Django Software Foundation");
	assert_int_equal(dj->match.scheme, KB_VS_PEP440);
	assert_string_equal(eval(&dj->match, "4.2.10").fixed, "4.2.11");
	assert_string_equal(eval(&dj->match, "5.0.2").fixed, "5.0.3");
	assert_false(eval(&dj->match, "5.0.3").affected);
	assert_false(eval(&dj->match, "4.1").affected);
	assert_true(has(dj->unaffected.versions, dj->unaffected.n_versions, "5.0.3"));
	kb_advisory_free(a);
}

#define DOC(tree, vulns)                                                                                        \
	"{\"document\": {\"category\": \"csaf_base\", \"csaf_version\": \"2.0\", \"title\": \"T\",\n"            \
	" \"publisher\": {\"category\": \"vendor\", \"name\": \"V\", \"namespace\": \"https://v.example\"},\n"    \
	" \"tracking\": {\"id\": \"T-1\", \"initial_release_date\": \"2025-01-01T00:00:00Z\",\n"                 \
	"   \"current_release_date\": \"2025-01-02T00:00:00Z\", \"status\": \"final\", \"version\": \"1\",\n"     \
	"   \"revision_history\": [{\"date\": \"2025-01-01T00:00:00Z\", \"number\": \"1\", \"summary\": \"x\"}]}},\n" \
	" \"product_tree\": " tree ",\n \"vulnerabilities\": " vulns "}\n"

#define PROD(id, name) "{\"product_id\": \"" id "\", \"name\": \"" name "\"}"
#define VER(v, id) "{\"category\": \"product_version\", \"name\": \"" v "\", \"product\": " PROD(id, id) "}"
#define ACME(x)                                                                                                 \
	"{\"branches\": [{\"category\": \"vendor\", \"name\": \"Acme\", \"branches\": [{\"category\": \"product_name\", " \
	"\"name\": \"Box\", \"branches\": [" x "]}]}]}"

static kb_advisory *parse_str(const char *doc)
{
	return parse_ok(doc, strlen(doc));
}

static void test_statuses(void **state)
{
	(void)state;
	/* the same statements under two CVEs give one entry */
	kb_advisory *a = parse_str(DOC(ACME(VER("1.0", "a") ", " VER("1.2", "b")),
	                               "[{\"cve\": \"CVE-1\", \"product_status\": {\"known_affected\": [\"a\"], \"fixed\": [\"b\"]}},"
	                               " {\"cve\": \"CVE-2\", \"product_status\": {\"fixed\": [\"b\"], \"known_affected\": [\"a\"]}}]"));
	assert_int_equal(a->n_affected, 1);
	assert_int_equal(a->n_aliases, 2);
	assert_string_equal(a->summary, "T");
	assert_null(a->severity);
	assert_string_equal(eval(&a->affected[0].match, "1.1").fixed, "1.2");
	kb_advisory_free(a);

	/* not affected without a version: the product is not affected; under
	 * investigation: unknown, nothing listed; a known_affected version with
	 * nothing after it stays exact */
	a = parse_str(DOC("{\"full_product_names\": [" PROD("n", "Nothing") ", " PROD("i", "Maybe") "],"
	                  " \"branches\": [{\"category\": \"vendor\", \"name\": \"Acme\", \"branches\": ["
	                  "  {\"category\": \"product_name\", \"name\": \"Old\", \"branches\": [" VER("2.0", "o") "]}]}]}",
	                  "[{\"product_status\": {\"known_not_affected\": [\"n\"], \"under_investigation\": [\"i\"],"
	                  " \"known_affected\": [\"o\"]}}]"));
	assert_int_equal(a->n_affected, 3);
	const kb_advisory_affected *n = find(a, NULL, "Nothing"), *i = find(a, NULL, "Maybe"), *o = find(a, "Acme", "Old");
	assert_null(n->vendor); /* nothing but its name names it */
	assert_int_equal(n->default_status, KB_VSTATUS_UNAFFECTED);
	assert_int_equal(i->default_status, KB_VSTATUS_UNKNOWN);
	assert_int_equal(i->match.n_ranges + i->match.n_versions, 0);
	assert_int_equal(o->match.n_ranges, 0);
	assert_int_equal(o->match.n_versions, 1);
	assert_true(eval(&o->match, "2.0.0").affected);
	assert_false(eval(&o->match, "2.0.1").affected);
	kb_advisory_free(a);

	/* first_affected opens a range to the end of its branch; last_affected closes one */
	a = parse_str(DOC(ACME(VER("16.1.2", "f") ", " VER("17.1.0", "k") ", " VER("17.1.2", "l")),
	                  "[{\"product_status\": {\"first_affected\": [\"f\"], \"known_affected\": [\"k\"],"
	                  " \"last_affected\": [\"l\"]}}]"));
	const kb_advisory_affected *e = &a->affected[0];
	assert_int_equal(e->match.n_ranges, 2);
	assert_true(eval(&e->match, "16.1.9").affected);
	assert_null(eval(&e->match, "16.1.9").fixed);
	assert_false(eval(&e->match, "16.2.0").affected); /* the next branch */
	assert_false(eval(&e->match, "16.1.1").affected);
	assert_true(eval(&e->match, "17.1.1.5").affected);
	assert_false(eval(&e->match, "17.1.2.1").affected);
	assert_int_equal(status(e, "17.1.3", NULL), KB_FS_FIXED); /* after last_affected */
	kb_advisory_free(a);

}

static void test_unversioned_and_helpers(void **state)
{
	(void)state;
	const char *tree =
		"{\"branches\": [{\"category\": \"vendor\", \"name\": \"Acme\", \"branches\": [{\"category\": \"product_name\","
		" \"name\": \"Box\", \"product\": " PROD("box", "Acme Box") ", \"branches\": [" VER("17.1.3", "x") ", " VER("17.5.1", "y") "]}]}],"
		" \"full_product_names\": [{\"product_id\": \"cpe\", \"name\": \"Gizmo 4.2\", \"product_identification_helper\":"
		"   {\"cpe\": \"cpe:2.3:a:acme:gizmo:4.2:*:*:*:*:*:*:*\"}},"
		"  {\"product_id\": \"cpe22\", \"name\": \"Old Gizmo\", \"product_identification_helper\": {\"cpe\": \"cpe:/a:acme:old%20gizmo:1.0\"}},"
		"  {\"product_id\": \"p21\", \"name\": \"lib\", \"product_identification_helper\": {\"purls\": [\"pkg:npm/%40acme/lib@1.2.3\"]}}]}";
	char doc[8192];
	snprintf(doc, sizeof doc, DOC("%s", "[{\"product_status\": {\"known_affected\": [\"box\", \"cpe\", \"cpe22\"], "
	                                    "\"fixed\": [\"x\", \"y\", \"p21\"]},"
	                                    " \"scores\": [{\"cvss_v3\": {\"baseScore\": 7.5, \"vectorString\": \"CVSS:3.1/v3\"},"
	                                    "              \"cvss_v4\": {\"baseScore\": 7.5, \"vectorString\": \"CVSS:4.0/v4\"}},"
	                                    "             {\"cvss_v3\": {\"baseScore\": \"high\"}}]},"
	                                    " {\"product_status\": {\"known_affected\": [\"box\"]}}]"),
	         tree);
	kb_advisory *a = parse_str(doc);
	assert_string_equal(a->severity, "HIGH");
	assert_string_equal(a->cvss_vector, "CVSS:4.0/v4"); /* a tie: v4 */

	/* the Box, affected without a version, fixed in 17.1.3 and 17.5.1: per branch */
	const kb_advisory_affected *box = &a->affected[0];
	assert_string_equal(box->product, "Box");
	assert_int_equal(box->match.scheme, KB_VS_INTDOT);
	assert_string_equal(eval(&box->match, "17.1.1").fixed, "17.1.3");
	assert_string_equal(eval(&box->match, "17.5.0").fixed, "17.5.1");
	assert_false(eval(&box->match, "17.1.4").affected);
	assert_false(eval(&box->match, "16.1.0").affected); /* a branch the document does not name */
	/* the second CVE: the Box affected, nothing fixed: every version */
	const kb_advisory_affected *all = &a->affected[a->n_affected - 1];
	assert_string_equal(all->product, "Box");
	assert_true(eval(&all->match, "1.0").affected);
	assert_true(eval(&all->match, "99.0").affected);

	/* CPE 2.3 and 2.2: vendor, product, version */
	const kb_advisory_affected *g = find(a, "acme", "gizmo");
	assert_true(has(g->match.versions, g->match.n_versions, "4.2"));
	const kb_advisory_affected *og = find(a, "acme", "old gizmo");
	assert_true(has(og->match.versions, og->match.n_versions, "1.0"));
	/* CSAF 2.1 "purls" */
	const kb_advisory_affected *lib = find(a, NULL, "@acme/lib");
	assert_string_equal(lib->ecosystem, "npm");
	assert_int_equal(lib->match.scheme, KB_VS_SEMVER);
	assert_string_equal(lib->unaffected.versions[0], "1.2.3");
	kb_advisory_free(a);

	/* an aggregate severity koban does not know falls back to the score;
	 * a withdrawn document; no product_tree and no vulnerabilities at all */
	a = parse_str("{\"document\": {\"category\": \"csaf_withdrawn\", \"csaf_version\": \"2.1\", \"title\": \"W\","
	              " \"aggregate_severity\": {\"text\": \"Elevated\"},"
	              " \"tracking\": {\"id\": \"W-1\", \"current_release_date\": \"2025-02-02T00:00:00Z\"}}}");
	assert_null(a->severity);
	assert_string_equal(a->withdrawn, "2025-02-02T00:00:00Z");
	assert_int_equal(a->n_affected, 0);
	kb_advisory_free(a);
}

static void expect_err(const char *doc, int code, const char *needle)
{
	kb_advisory *a = (kb_advisory *)0x1;
	kb_error err;
	kb_error_clear(&err);
	int r = kb_advisory_parse_csaf("bad.json", doc, strlen(doc), &a, &err);
	if (r != code)
		fail_msg("expected %s, got %s (%s)", kb_err_name(code), kb_err_name(r), err.msg);
	assert_ptr_equal(a, (kb_advisory *)0x1);
	assert_string_equal(err.file, "bad.json");
	if (!strstr(err.msg, needle))
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, needle);
}

#define NOV "[]"

static void test_errors(void **state)
{
	(void)state;
	/* not JSON: line and column */
	kb_advisory *a;
	kb_error err;
	const char *broken = "{\"document\": {\n  \"csaf_version\": \"2.0\",\n  \"title\": oops\n}}";
	assert_int_equal(kb_advisory_parse_csaf("s.json", broken, strlen(broken), &a, &err), KB_EPARSE);
	assert_int_equal(err.line, 3);
	assert_true(err.column > 0);
	assert_string_equal(err.file, "s.json");

	/* not CSAF */
	expect_err("[1]", KB_EFORMAT, "expected a CSAF document");
	expect_err("{\"id\": \"GHSA-x\"}", KB_EFORMAT, "no \"document\" object");
	expect_err("{\"document\": {\"csaf_version\": \"1.2\"}}", KB_EFORMAT, "document: expected a CSAF document: csaf_version 2.0");
	expect_err("{\"document\": {\"csaf_version\": \"2.0\", \"tracking\": {\"status\": \"final\"}}}", KB_EINVAL,
	           "document.tracking: expected \"id\"");

	/* wrong types name their path */
	expect_err("{\"document\": {\"csaf_version\": 2}}", KB_EINVAL, "document.csaf_version: expected a string");
	expect_err(DOC(ACME(VER("1.0", "a") ", {\"category\": \"product_version\", \"name\": 17}"), NOV), KB_EINVAL,
	           "product_tree.branches[0].branches[0].branches[1].name: expected a string");
	expect_err(DOC(ACME(VER("1.0", "a")), "[{\"product_status\": {\"fixed\": \"a\"}}]"), KB_EINVAL,
	           "vulnerabilities[0].product_status.fixed: expected an array of product ids");
	expect_err(DOC(ACME(VER("1.0", "a")), "[{\"product_status\": {\"known_affected\": [\"a\", 7]}}]"), KB_EINVAL,
	           "vulnerabilities[0].product_status.known_affected[1]: expected a product id");
	expect_err(DOC(ACME(VER("1.0", "a")), "[{\"cve\": 2021}]"), KB_EINVAL, "vulnerabilities[0].cve: expected a string");
	expect_err(DOC(ACME(VER("1.0", "a")), "[{}, {\"ids\": [{\"system_name\": \"x\"}]}]"), KB_EINVAL,
	           "vulnerabilities[1].ids[0]: expected an object with \"text\"");
	expect_err(DOC("{\"full_product_names\": [{\"product_id\": \"a\", \"name\": \"A\","
	               " \"product_identification_helper\": {\"purl\": \"pkg:/nothing\"}}]}", NOV),
	           KB_EINVAL, "product_tree.full_product_names[0].product_identification_helper.purl: not a valid purl");
	expect_err(DOC("{\"branches\": {\"category\": \"vendor\"}}", NOV), KB_EINVAL,
	           "product_tree.branches: expected an array of branches");
	expect_err(DOC("{\"branches\": [{\"category\": \"vendor\", \"name\": \"V\", \"product\": {\"name\": \"n\"}}]}", NOV),
	           KB_EINVAL, "product_tree.branches[0].product: expected \"product_id\"");

	/* product ids: defined once, and before use */
	expect_err(DOC(ACME(VER("1.0", "a")), "[{\"product_status\": {\"fixed\": [\"zz\"]}}]"), KB_EINVAL,
	           "vulnerabilities[0].product_status.fixed[0]: product id \"zz\" is not defined in product_tree");
	expect_err(DOC(ACME(VER("1.0", "a") ", " VER("1.1", "a")), NOV), KB_EINVAL,
	           "product_tree.branches[0].branches[0].branches[1].product: product id \"a\" is defined twice");
	expect_err(DOC("{\"relationships\": [{\"category\": \"default_component_of\", \"product_reference\": \"nope\","
	               " \"relates_to_product_reference\": \"nope\", \"full_product_name\": " PROD("r", "r") "}]}", NOV),
	           KB_EINVAL, "product_tree.relationships[0].product_reference: product id \"nope\" is not defined");
	expect_err(DOC("{\"relationships\": [{\"category\": \"default_component_of\", \"product_reference\": \"r\","
	               " \"relates_to_product_reference\": \"r\"}]}", NOV),
	           KB_EINVAL, "product_tree.relationships[0].full_product_name: expected a product object");
	expect_err(DOC(ACME(VER("1.0", "a")), "[{\"remediations\": [{\"category\": \"vendor_fix\", \"group_ids\": [\"g\"]}]}]"),
	           KB_EINVAL, "vulnerabilities[0].remediations[0].group_ids[0]: product group \"g\" is not defined");
	expect_err(DOC("{\"product_groups\": [{\"group_id\": \"g\", \"product_ids\": [\"q\"]}]}", NOV), KB_EINVAL,
	           "product_tree.product_groups[0].product_ids[0]: product id \"q\" is not defined");
}

/* ---- limits ------------------------------------------------------------------- */

typedef struct sb {
	char *p;
	size_t n, cap;
} sb;

static void sb_add(sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(sb *b, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int k = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap);
		va_end(ap);
		if (b->p && (size_t)k < b->cap - b->n) {
			b->n += (size_t)k;
			return;
		}
		b->cap = (b->cap + (size_t)k + 1) * 2;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
}

static const char head[] = "{\"document\": {\"category\": \"csaf_base\", \"csaf_version\": \"2.0\", \"title\": \"L\","
                           " \"tracking\": {\"id\": \"L-1\"}}, \"product_tree\": ";

static void expect_limit(sb *b, const char *needle)
{
	expect_err(b->p, KB_ELIMIT, needle);
	free(b->p);
	*b = (sb){ 0 };
}

static void test_limits(void **state)
{
	(void)state;
	/* KB_ADVISORY_MAX_BYTES */
	char *big = calloc(1, (size_t)KB_ADVISORY_MAX_BYTES + 2);
	assert_non_null(big);
	memset(big, ' ', (size_t)KB_ADVISORY_MAX_BYTES + 1);
	big[0] = '{', big[KB_ADVISORY_MAX_BYTES] = '}';
	expect_err(big, KB_ELIMIT, "more than the limit of 16777216");
	free(big);

	/* KB_CSAF_MAX_DEPTH: 32 branches nested are read, 33 are not */
	sb b = { 0 };
	for (int depth = KB_CSAF_MAX_DEPTH; depth <= KB_CSAF_MAX_DEPTH + 1; depth++) {
		sb_add(&b, "%s{\"branches\": ", head);
		for (int i = 0; i < depth; i++)
			sb_add(&b, "[{\"category\": \"product_family\", \"name\": \"f%d\"%s", i, i + 1 < depth ? ", \"branches\": " : "");
		sb_add(&b, ", \"product\": " PROD("deep", "deep") "}");
		for (int i = 1; i < depth; i++)
			sb_add(&b, "]}");
		sb_add(&b, "]}}");
		if (depth == KB_CSAF_MAX_DEPTH) {
			kb_advisory_free(parse_ok(b.p, b.n));
			free(b.p);
			b = (sb){ 0 };
		} else {
			expect_limit(&b, "branches nested deeper than the limit of 32");
		}
	}

	/* KB_CSAF_MAX_DEPTH: relationships chained (here in a cycle) */
	sb_add(&b, "%s{\"relationships\": [", head);
	sb_add(&b, "{\"category\": \"default_component_of\", \"product_reference\": \"r1\", \"relates_to_product_reference\": \"r1\","
	           " \"full_product_name\": " PROD("r0", "r0") "},");
	sb_add(&b, "{\"category\": \"default_component_of\", \"product_reference\": \"r0\", \"relates_to_product_reference\": \"r0\","
	           " \"full_product_name\": " PROD("r1", "r1") "}]}}");
	expect_limit(&b, "product_tree.relationships[0]: relationships chained deeper than the limit of 32");

	/* KB_CSAF_MAX_PRODUCTS */
	sb_add(&b, "%s{\"full_product_names\": [", head);
	for (int i = 0; i <= KB_CSAF_MAX_PRODUCTS; i++)
		sb_add(&b, "%s{\"product_id\": \"p%d\", \"name\": \"n\"}", i ? "," : "", i);
	sb_add(&b, "]}}");
	expect_limit(&b, "product_tree.full_product_names[100000]: more products than the limit of 100000");

	/* KB_CSAF_MAX_VULNERABILITIES */
	sb_add(&b, "%snull, \"vulnerabilities\": [", head);
	for (int i = 0; i <= KB_CSAF_MAX_VULNERABILITIES; i++)
		sb_add(&b, "%s{}", i ? "," : "");
	sb_add(&b, "]}");
	expect_limit(&b, "vulnerabilities: more vulnerabilities than the limit of 4096");

	/* KB_CSAF_MAX_STATUSES: a small document naming a large group many times */
	sb_add(&b, "%s{\"full_product_names\": [", head);
	for (int i = 0; i < 1000; i++)
		sb_add(&b, "%s{\"product_id\": \"p%d\", \"name\": \"P%d\"}", i ? "," : "", i, i);
	sb_add(&b, "], \"product_groups\": [{\"group_id\": \"g\", \"product_ids\": [");
	for (int i = 0; i < 1000; i++)
		sb_add(&b, "%s\"p%d\"", i ? "," : "", i);
	sb_add(&b, "]}]}, \"vulnerabilities\": [{\"remediations\": [");
	for (int i = 0; i <= KB_CSAF_MAX_STATUSES / 1000; i++)
		sb_add(&b, "%s{\"category\": \"vendor_fix\", \"group_ids\": [\"g\"]}", i ? "," : "");
	sb_add(&b, "]}]}");
	expect_limit(&b, "vulnerabilities[0].remediations[1000].group_ids[0]: more product references than the limit of 1000000");

	/* KB_ADVISORY_MAX_AFFECTED: one entry per product identity */
	sb_add(&b, "%s{\"full_product_names\": [", head);
	for (int i = 0; i <= KB_ADVISORY_MAX_AFFECTED; i++)
		sb_add(&b, "%s{\"product_id\": \"p%d\", \"name\": \"P%d\"}", i ? "," : "", i, i);
	sb_add(&b, "]}, \"vulnerabilities\": [{\"product_status\": {\"known_affected\": [");
	for (int i = 0; i <= KB_ADVISORY_MAX_AFFECTED; i++)
		sb_add(&b, "%s\"p%d\"", i ? "," : "", i);
	sb_add(&b, "]}}]}");
	expect_limit(&b, "vulnerabilities[0]: more affected entries than the limit of 4096");

	/* KB_ADVISORY_MAX_RANGES: ranges of one entry (last_affected versions), and versions */
	for (int kind = 0; kind < 2; kind++) {
		sb_add(&b, "%s{\"branches\": [{\"category\": \"vendor\", \"name\": \"V\", \"branches\": [{\"category\": "
		           "\"product_name\", \"name\": \"P\", \"branches\": [", head);
		for (int i = 0; i <= KB_ADVISORY_MAX_RANGES; i++)
			sb_add(&b, "%s" "{\"category\": \"product_version\", \"name\": \"1.%d\", \"product\": {\"product_id\": \"v%d\", "
			           "\"name\": \"x\"}}", i ? "," : "", i, i);
		sb_add(&b, "]}]}]}, \"vulnerabilities\": [{\"product_status\": {\"%s\": [", kind ? "known_affected" : "last_affected");
		for (int i = 0; i <= KB_ADVISORY_MAX_RANGES; i++)
			sb_add(&b, "%s\"v%d\"", i ? "," : "", i);
		sb_add(&b, "]}}]}");
		expect_limit(&b, kind ? "product \"v0\": more versions than the limit of 1024"
		                      : "product \"v0\": more ranges than the limit of 1024");
	}

	/* KB_VERSION_MAX_LEN: a product version, and a purl's */
	char v[300];
	memset(v, '9', 257);
	v[257] = '\0';
	sb_add(&b, "%s{\"branches\": [{\"category\": \"product_version\", \"name\": \"%s\", \"product\": " PROD("a", "a") "}]}}",
	       head, v);
	expect_limit(&b, "product_tree.branches[0].product: product \"a\": a version longer than the limit of 256");
	sb_add(&b, "%s{\"full_product_names\": [{\"product_id\": \"a\", \"name\": \"a\", \"product_identification_helper\":"
	           " {\"purl\": \"pkg:npm/a@%s\"}}]}}", head, v);
	expect_limit(&b, "product_identification_helper.purl: a version longer than the limit of 256");

	/* KB_PURL_MAX_LEN */
	char *lp = malloc(KB_PURL_MAX_LEN + 16);
	assert_non_null(lp);
	memset(lp, 'a', KB_PURL_MAX_LEN + 8);
	memcpy(lp, "pkg:npm/", 8);
	lp[KB_PURL_MAX_LEN + 8] = '\0';
	sb_add(&b, "%s{\"full_product_names\": [{\"product_id\": \"a\", \"name\": \"a\", \"product_identification_helper\":"
	           " {\"purl\": \"%s\"}}]}}", head, lp);
	free(lp);
	expect_limit(&b, "product_identification_helper.purl: not a valid purl");

	/* KB_VERS_MAX_LEN and KB_VERS_MAX_CONSTRAINTS, through a product_version_range */
	for (int kind = 0; kind < 2; kind++) {
		sb_add(&b, "%s{\"branches\": [{\"category\": \"product_version_range\", \"name\": \"vers:intdot/", head);
		if (kind == 0) {
			sb_add(&b, "<1.");
			for (int i = 0; i < KB_VERS_MAX_LEN; i++)
				sb_add(&b, "0");
		} else {
			for (int i = 0; i <= KB_VERS_MAX_CONSTRAINTS; i++)
				sb_add(&b, "%s1.%d", i ? "|" : "", i);
		}
		sb_add(&b, "\", \"product\": " PROD("a", "a") "}]}, \"vulnerabilities\": [{\"product_status\": "
		           "{\"known_affected\": [\"a\"]}}]}");
		expect_limit(&b, kind ? "vulnerabilities[0]: product \"a\": product_version_range: more constraints than the limit of 128"
		                      : "vulnerabilities[0]: product \"a\": product_version_range: a version range of 4111 bytes: more than the limit of 4096");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_f5),       cmocka_unit_test(test_redhat),
		cmocka_unit_test(test_vers_ranges), cmocka_unit_test(test_statuses),
		cmocka_unit_test(test_unversioned_and_helpers), cmocka_unit_test(test_errors),
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
