/*
 * test-advisory-cisagov.c - vendor status lists (cisagov/log4j-affected-db
 * shape) into one advisory per CVE: every version form the reader parses,
 * free text kept raw with an unknown status, investigated false, several
 * vendors and CVEs (tests/vectors/cisagov/sample.yml), located errors (YAML
 * syntax, wrong types) and every limit.
 */
#include "koban/advisory.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

typedef struct parsed {
	kb_advisory **list;
	size_t n;
} parsed;

static parsed parse_ok(const char *doc)
{
	parsed p = { 0 };
	kb_error err;
	memset(&err, 0, sizeof err);
	if (kb_advisory_parse_cisagov("t/list.yml", doc, strlen(doc), &p.list, &p.n, &err) != 0)
		fail_msg("parse: %s (line %llu)", err.msg, (unsigned long long)err.line);
	return p;
}

static void parsed_free(parsed *p)
{
	kb_advisory_list_free(p->list, p->n);
}

static kb_range_verdict eval(const kb_affected *m, const char *v)
{
	kb_range_verdict out;
	kb_error err;
	if (kb_range_eval(m, v, &out, &err) != 0)
		fail_msg("eval %s: %s", v, err.msg);
	return out;
}

static bool affected(const kb_advisory_affected *af, const char *v)
{
	return eval(&af->match, v).affected;
}

static bool unaffected(const kb_advisory_affected *af, const char *v)
{
	return eval(&af->unaffected, v).affected;
}

/* A one-entry list: vendor V, product P, one CVE with these lists. */
static char *one(const char *investigated, const char *aff, const char *fixed, const char *unaff)
{
	static char buf[4096];
	snprintf(buf, sizeof buf,
	         "---\nversion: '1.0'\nsoftware:\n  - vendor: V\n    product: P\n    cves:\n"
	         "      cve-2021-44228:\n        investigated: %s\n"
	         "        affected_versions: %s\n        fixed_versions: %s\n        unaffected_versions: %s\n"
	         "    notes: ''\n...\n",
	         investigated, aff, fixed, unaff);
	return buf;
}

/* Parse a one-entry list and hand back its only affected entry. */
static const kb_advisory_affected *entry(parsed *p, const char *aff, const char *fixed, const char *unaff)
{
	*p = parse_ok(one("true", aff, fixed, unaff));
	assert_int_equal(p->n, 1);
	assert_string_equal(p->list[0]->id, "CVE-2021-44228");
	assert_int_equal(p->list[0]->n_affected, 1);
	return &p->list[0]->affected[0];
}

static void test_ranges(void **state)
{
	(void)state;
	parsed p;
	/* "A-B" and "A - B": inclusive both ends */
	const char *forms[] = { "['2.0-2.14.1']", "['2.0 - 2.14.1']", "['from 2.0 to 2.14.1']" };
	for (size_t i = 0; i < 3; i++) {
		const kb_advisory_affected *af = entry(&p, forms[i], "[]", "[]");
		assert_int_equal(af->match.scheme, KB_VS_INTDOT);
		assert_int_equal(af->match.n_ranges, 1);
		assert_int_equal(af->match.ranges[0].events[1].kind, KB_EVENT_LAST_AFFECTED);
		assert_false(affected(af, "1.9"));
		assert_true(affected(af, "2.0"));
		assert_true(affected(af, "2.14.1"));
		assert_false(affected(af, "2.15.0"));
		assert_int_equal(af->default_status, KB_VSTATUS_UNAFFECTED); /* every string read */
		parsed_free(&p);
	}
	/* "2.0-beta9" is one version, not a range */
	const kb_advisory_affected *af = entry(&p, "['2.0-beta9']", "[]", "[]");
	assert_int_equal(af->match.n_ranges, 0);
	assert_int_equal(af->match.n_versions, 1);
	assert_string_equal(af->match.versions[0], "2.0-beta9");
	assert_int_equal(af->match.scheme, KB_VS_GENERIC);
	parsed_free(&p);
}

static void test_bounds(void **state)
{
	(void)state;
	parsed p;
	/* < V: fixed V; its fixed version adds nothing a range lacks, so it is
	 * listed unaffected */
	const kb_advisory_affected *af = entry(&p, "['< 8.0.1']", "['8.0.1']", "[]");
	assert_string_equal(eval(&af->match, "8.0.0").fixed, "8.0.1");
	assert_false(affected(af, "8.0.1"));
	assert_true(unaffected(af, "8.0.1"));
	assert_string_equal(af->statement, "affected: < 8.0.1; fixed: 8.0.1");
	parsed_free(&p);
	/* <= V and its spellings */
	const char *le[] = { "['<= 3.2']", "['<=3.2']", "['3.2 and earlier']", "['3.2 or lower']" };
	for (size_t i = 0; i < 4; i++) {
		af = entry(&p, le[i], "[]", "[]");
		assert_true(affected(af, "0.9"));
		assert_true(affected(af, "3.2"));
		assert_true(affected(af, "3.2.0"));
		assert_false(affected(af, "3.2.1"));
		assert_null(eval(&af->match, "3.0").fixed);
		parsed_free(&p);
	}
	/* >= V, V+, V and later: no upper bound; a fixed version closes it */
	const char *ge[] = { "['>= 1.1']", "['1.1+']", "['1.1 and later']" };
	for (size_t i = 0; i < 3; i++) {
		af = entry(&p, ge[i], "['1.4.2']", "[]");
		assert_false(affected(af, "1.0.9"));
		assert_string_equal(eval(&af->match, "1.3").fixed, "1.4.2");
		assert_false(affected(af, "1.4.2"));
		assert_false(affected(af, "9.0"));
		assert_true(unaffected(af, "1.4.2")); /* and is listed fixed */
		parsed_free(&p);
	}
	af = entry(&p, "['before 5.0']", "[]", "[]");
	assert_string_equal(eval(&af->match, "4.9").fixed, "5.0");
	parsed_free(&p);
	/* an exact version and "=" */
	af = entry(&p, "['4.1.2', '= 4.1.3']", "[]", "[]");
	assert_int_equal(af->match.n_versions, 2);
	assert_true(affected(af, "4.1.2"));
	assert_true(affected(af, "4.1.3.0")); /* intdot: missing parts are 0 */
	assert_false(affected(af, "4.1.4"));
	parsed_free(&p);
}

static void test_branches_and_all(void **state)
{
	(void)state;
	parsed p;
	/* 7.x: introduced 7, limit 8 (no fix claimed), closed by a fixed version */
	const char *br[] = { "['7.x']", "['7.*']", "['7.X']" };
	for (size_t i = 0; i < 3; i++) {
		const kb_advisory_affected *af = entry(&p, br[i], "[]", "[]");
		const kb_range *rg = &af->match.ranges[0];
		assert_int_equal(rg->n_events, 2);
		assert_int_equal(rg->events[1].kind, KB_EVENT_LIMIT);
		assert_string_equal(rg->events[1].version, "8");
		assert_true(affected(af, "7"));
		assert_true(affected(af, "7.99.1"));
		assert_null(eval(&af->match, "7.5").fixed); /* nothing fixes it */
		assert_false(affected(af, "8.0"));
		assert_false(affected(af, "6.9"));
		parsed_free(&p);
	}
	const kb_advisory_affected *af = entry(&p, "['7.9.x']", "['7.9.4']", "[]");
	assert_string_equal(af->match.ranges[0].events[1].version, "7.10");
	assert_string_equal(eval(&af->match, "7.9.3").fixed, "7.9.4");
	assert_false(affected(af, "7.9.4"));
	assert_false(affected(af, "7.10"));
	parsed_free(&p);
	/* All, all versions: from the beginning */
	const char *all[] = { "['All']", "['all versions']", "['All Versions']", "['*']" };
	for (size_t i = 0; i < 4; i++) {
		af = entry(&p, all[i], "[]", "[]");
		assert_string_equal(af->match.ranges[0].events[0].version, "0");
		assert_true(affected(af, "0.0.1"));
		assert_true(affected(af, "99"));
		parsed_free(&p);
	}
	/* All with fixes on several branches: the largest closes the range, the
	 * others are listed unaffected */
	af = entry(&p, "['All versions']", "['2.3.2', '2.12.4', '2.17.1']", "[]");
	assert_string_equal(eval(&af->match, "2.14.1").fixed, "2.17.1");
	assert_false(affected(af, "2.17.1"));
	assert_true(unaffected(af, "2.12.4"));
	assert_true(unaffected(af, "2.3.2"));
	assert_false(unaffected(af, "2.17.0"));
	parsed_free(&p);
	/* unaffected All versions */
	af = entry(&p, "[]", "[]", "['All versions']");
	assert_int_equal(af->match.n_ranges, 0);
	assert_true(unaffected(af, "1.0"));
	assert_int_equal(af->default_status, KB_VSTATUS_UNKNOWN); /* no affected list */
	parsed_free(&p);
	/* several forms in one string; a fixed "and later" that closes nothing */
	af = entry(&p, "['7.x, 8.0 - 8.2; 9.1']", "['10.0 and later']", "['6.0+']");
	assert_int_equal(af->match.n_ranges, 2);
	assert_int_equal(af->match.n_versions, 1);
	assert_true(affected(af, "8.1"));
	assert_true(affected(af, "9.1"));
	assert_false(affected(af, "9.2"));
	assert_true(unaffected(af, "10.3")); /* [10.0, ...) unaffected */
	assert_true(unaffected(af, "6.5"));
	assert_false(unaffected(af, "5.5"));
	assert_string_equal(af->statement, "affected: 7.x, 8.0 - 8.2; 9.1; fixed: 10.0 and later; unaffected: 6.0+");
	parsed_free(&p);
	/* not dotted numbers: the generic scheme */
	af = entry(&p, "['22.7R1 - 22.7R2.3']", "['22.7R2.4']", "[]");
	assert_int_equal(af->match.scheme, KB_VS_GENERIC);
	assert_true(affected(af, "22.7R2.1"));
	assert_false(affected(af, "22.7R2.4"));
	assert_true(unaffected(af, "22.7R2.4"));
	parsed_free(&p);
}

static void test_free_text(void **state)
{
	(void)state;
	parsed p;
	/* unparsable text stays in the statement; what reads is kept */
	const kb_advisory_affected *af = entry(&p, "['Cloud/Managed Service', '< 9.1']", "[]", "[]");
	assert_string_equal(af->statement, "affected: Cloud/Managed Service, < 9.1");
	assert_int_equal(af->default_status, KB_VSTATUS_UNKNOWN);
	assert_int_equal(af->match.n_ranges, 1);
	assert_true(affected(af, "9.0"));
	parsed_free(&p);
	const char *text[] = { "['> 2.0']", "['The following versions and lower: 2021.4']", "['N/A']",
		               "['2.0 - 1.0']", "['see notes, 1.0']", "['2.0 (beta)']" };
	for (size_t i = 0; i < sizeof text / sizeof text[0]; i++) {
		af = entry(&p, text[i], "[]", "[]");
		assert_int_equal(af->default_status, KB_VSTATUS_UNKNOWN);
		assert_int_equal(af->match.n_ranges, 0);
		assert_int_equal(af->match.n_versions, 0);
		assert_non_null(af->statement);
		parsed_free(&p);
	}
	/* in fixed_versions only a version or "V and later" reads: "<1.7.4" there
	 * (real data, for a vulnerable product) stays text */
	af = entry(&p, "[]", "['<1.7.4']", "[]");
	assert_int_equal(af->default_status, KB_VSTATUS_UNKNOWN);
	assert_int_equal(af->unaffected.n_ranges + af->unaffected.n_versions, 0);
	assert_string_equal(af->statement, "fixed: <1.7.4");
	parsed_free(&p);
	/* "(and above)" in parentheses */
	af = entry(&p, "['< 8.5.4.86']", "[]", "['version 8.5.4.86 (and above)']");
	assert_true(unaffected(af, "8.5.5"));
	assert_false(unaffected(af, "8.5.4.85"));
	assert_int_equal(af->default_status, KB_VSTATUS_UNAFFECTED);
	parsed_free(&p);
}

static void test_not_investigated(void **state)
{
	(void)state;
	/* investigated false: unknown, no ranges, the words kept */
	parsed p = parse_ok(one("false", "['2.0 - 2.14.1']", "[]", "[]"));
	const kb_advisory_affected *af = &p.list[0]->affected[0];
	assert_int_equal(af->default_status, KB_VSTATUS_UNKNOWN);
	assert_int_equal(af->match.n_ranges, 0);
	assert_string_equal(af->statement, "not investigated; affected: 2.0 - 2.14.1");
	parsed_free(&p);
	/* false and nothing listed: no statement */
	p = parse_ok(one("false", "[]", "[]", "[]"));
	af = &p.list[0]->affected[0];
	assert_int_equal(af->default_status, KB_VSTATUS_UNKNOWN);
	assert_null(af->statement);
	assert_string_equal(af->vendor, "V");
	assert_string_equal(af->product, "P");
	parsed_free(&p);
	/* true, but empty lists (the template's '' placeholders too) */
	p = parse_ok(one("true", "['']", "", "[]"));
	af = &p.list[0]->affected[0];
	assert_int_equal(af->default_status, KB_VSTATUS_UNKNOWN);
	assert_int_equal(af->match.n_ranges + af->match.n_versions, 0);
	parsed_free(&p);
	/* '' (the template's placeholder) with something listed counts as true */
	p = parse_ok(one("''", "['< 2']", "[]", "[]"));
	assert_true(affected(&p.list[0]->affected[0], "1.0"));
	parsed_free(&p);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("open %s", path);
	char *buf = malloc(1 << 16);
	*len = fread(buf, 1, (1 << 16) - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

static const kb_advisory_affected *find(const kb_advisory *a, const char *vendor, const char *product)
{
	for (size_t i = 0; i < a->n_affected; i++) {
		const kb_advisory_affected *af = &a->affected[i];
		if (strcmp(af->vendor, vendor) == 0 &&
		    (product ? af->product && strcmp(af->product, product) == 0 : !af->product))
			return af;
	}
	fail_msg("no entry %s / %s in %s", vendor, product ? product : "(none)", a->id);
	return NULL;
}

static void test_sample(void **state)
{
	(void)state;
	size_t len;
	char *doc = slurp(KB_TEST_VECTORS "/cisagov/sample.yml", &len);
	kb_advisory **list = NULL;
	size_t n = 0;
	kb_error err;
	int r = kb_advisory_parse_cisagov("vectors/cisagov/sample.yml", doc, len, &list, &n, &err);
	if (r != 0)
		fail_msg("%s:%llu: %s", err.file, (unsigned long long)err.line, err.msg);
	free(doc);
	/* one advisory per CVE, in order of first appearance */
	assert_int_equal(n, 4);
	assert_string_equal(list[0]->id, "CVE-2021-4104");
	assert_string_equal(list[1]->id, "CVE-2021-44228");
	assert_string_equal(list[2]->id, "CVE-2021-45046");
	assert_string_equal(list[3]->id, "CVE-2021-45105");
	assert_string_equal(list[1]->summary, "vendor statuses from sample.yml");
	assert_int_equal(list[0]->n_affected, 1);
	assert_int_equal(list[1]->n_affected, 5);
	assert_int_equal(list[2]->n_affected, 2);
	assert_int_equal(list[3]->n_affected, 1);

	const kb_advisory *l4s = list[1];
	const kb_advisory_affected *gw = find(l4s, "Example Corp", "Gateway");
	assert_int_equal(gw->default_status, KB_VSTATUS_UNAFFECTED);
	assert_string_equal(gw->statement, "affected: < 8.0.1, 7.x; fixed: 8.0.1, 7.5.2");
	assert_string_equal(eval(&gw->match, "7.1").fixed, "7.5.2"); /* the 7.x branch, closed */
	assert_true(unaffected(gw, "7.5.2"));                         /* named fixed */
	assert_string_equal(eval(&gw->match, "7.5.3").fixed, "8.0.1"); /* "< 8.0.1" says so */
	assert_string_equal(eval(&gw->match, "6.0").fixed, "8.0.1");
	assert_false(affected(gw, "8.0.1"));
	const kb_advisory_affected *corp = find(l4s, "Example Corp", NULL); /* product '' */
	assert_int_equal(corp->default_status, KB_VSTATUS_UNKNOWN);
	const kb_advisory_affected *cloud = find(l4s, "Sample Systems", "Cloud Console");
	assert_int_equal(cloud->default_status, KB_VSTATUS_UNKNOWN);
	assert_string_equal(cloud->statement, "affected: Cloud");
	const kb_advisory_affected *orch = find(l4s, "Sample Systems", "Orchestrator");
	assert_true(unaffected(orch, "1.0"));
	const kb_advisory_affected *tun = find(l4s, "Tunnel Networks", "Secure Connect"); /* CVE- upper case key */
	assert_int_equal(tun->match.scheme, KB_VS_GENERIC);

	const kb_advisory_affected *orch2 = find(list[2], "Sample Systems", "Orchestrator");
	assert_true(affected(orch2, "3.0"));                        /* <= 3.2 */
	assert_string_equal(eval(&orch2->match, "3.2.5").fixed, "3.3"); /* 2.4+ closed at 3.3 */
	assert_true(unaffected(orch2, "6.1"));
	/* '' investigated and nothing listed: unknown */
	assert_int_equal(list[3]->affected[0].default_status, KB_VSTATUS_UNKNOWN);
	kb_advisory_list_free(list, n);
}

static void test_empty_software(void **state)
{
	(void)state;
	kb_advisory **list = (kb_advisory **)0x1;
	size_t n = 99;
	kb_error err;
	const char *doc = "version: '1.0'\nsoftware: []\n";
	assert_int_equal(kb_advisory_parse_cisagov("e.yml", doc, strlen(doc), &list, &n, &err), 0);
	assert_null(list);
	assert_int_equal(n, 0);
}

static kb_error expect_err(const char *doc, size_t len, int code, const char *needle)
{
	kb_advisory **list = (kb_advisory **)0x1;
	size_t n = 99;
	kb_error err;
	memset(&err, 0, sizeof err);
	int r = kb_advisory_parse_cisagov("bad.yml", doc, len, &list, &n, &err);
	if (r != code)
		fail_msg("expected %s, got %s (%s)", kb_err_name(code), kb_err_name(r), err.msg);
	assert_ptr_equal(list, (kb_advisory **)0x1);
	assert_int_equal(n, 99);
	assert_string_equal(err.file, "bad.yml");
	if (!strstr(err.msg, needle))
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, needle);
	return err;
}

#define E(doc, code, needle) expect_err((doc), strlen(doc), (code), (needle))

static void test_syntax_error(void **state)
{
	(void)state;
	/* line 5: a sequence entry where a mapping key is expected */
	kb_error e = E("---\nsoftware:\n  - vendor: A\n    product: B\n   - vendor: C\n", KB_EPARSE,
	               "expected valid YAML");
	assert_int_equal(e.line, 5);
	assert_true(e.column > 0);
	/* an unclosed flow sequence */
	e = E("software:\n  - vendor: A\n    cves: {cve-2021-44228: {affected_versions: [1.0, 2.0}}\n", KB_EPARSE,
	      "expected valid YAML");
	assert_int_equal(e.line, 3);
	/* bytes that are not UTF-8: line and byte offset */
	e = E("software:\n  - vendor: \"A\xff\"\n", KB_EPARSE, "UTF-8");
	assert_int_equal(e.line, 2);
	assert_int_equal(e.offset, 24);
	assert_int_equal(e.column, 15);
}

static void test_wrong_types(void **state)
{
	(void)state;
	/* cves as a list: the line and column of the list */
	kb_error e = E("---\nsoftware:\n  - vendor: A\n    product: B\n    cves: {}\n  - vendor: C\n    product: D\n"
	               "    cves:\n      - cve-2021-44228\n",
	               KB_EINVAL, "software[1].cves: expected a mapping from CVE ids to statuses");
	assert_int_equal(e.line, 9);
	assert_int_equal(e.column, 7);
	e = E("software:\n  - vendor: A\n    cves:\n      cve-2021-44228:\n        affected_versions: {a: b}\n",
	      KB_EINVAL, "software[0].cves.cve-2021-44228.affected_versions: expected a list of version strings");
	assert_int_equal(e.line, 5);
	E("software:\n  - vendor: A\n    cves:\n      cve-2021-44228:\n        affected_versions: [[1]]\n", KB_EINVAL,
	  "affected_versions[0]: expected a version string");
	E("software:\n  - vendor: A\n    cves:\n      cve-2021-44228:\n        investigated: maybe\n", KB_EINVAL,
	  "investigated: expected true or false");
	E("software:\n  - vendor: A\n    cves:\n      cve-2021-44228: [1]\n", KB_EINVAL, "expected a status");
	e = E("software:\n  - vendor: A\n    cves:\n      log4shell: {}\n", KB_EINVAL, "expected a CVE id");
	assert_int_equal(e.line, 4);
	E("software:\n  - vendor: [A]\n", KB_EINVAL, "software[0].vendor: expected a string");
	e = E("software:\n  - product: A\n", KB_EINVAL, "software[0]: expected \"vendor\"");
	assert_int_equal(e.line, 2);
	E("software:\n  - just a string\n", KB_EINVAL, "software[0]: expected a software entry");
	E("software: {vendor: A}\n", KB_EINVAL, "software: expected a list of software entries");
	E("software:\n  - vendor: A\n    vendor: B\n", KB_EINVAL, "duplicate key vendor");
	E("software:\n  - vendor: A\n    cves: {cve-2021-44228: {}, CVE-2021-44228: {}}\n", KB_EINVAL,
	  "duplicate key CVE-2021-44228");
	E("software:\n  - vendor: A\n    cves: {cve-2021-44228: {investigated: true, investigated: false}}\n",
	  KB_EINVAL, "duplicate key investigated");
	/* aliases are refused where a value is read, ignored where skipped */
	E("owners: &o [x]\nsoftware:\n  - vendor: A\n    cves:\n      cve-2021-44228:\n        affected_versions: *o\n",
	  KB_EINVAL, "not a YAML alias");
	parsed p = parse_ok("owners: &o [x]\nnotes: *o\nsoftware: []\n");
	assert_int_equal(p.n, 0);
	/* not this format */
	E("{\"id\": \"GHSA-x\"}", KB_EFORMAT, "a top-level software list");
	E("- a\n- b\n", KB_EFORMAT, "expected a vendor status list");
	E("", KB_EFORMAT, "expected a vendor status list");
	E("software: []\n---\nsoftware: []\n", KB_EINVAL, "expected one YAML document");
}

/* ---- limits ------------------------------------------------------------------ */

static void test_limit_bytes(void **state)
{
	(void)state;
	size_t len = (size_t)KB_ADVISORY_MAX_BYTES + 1;
	char *doc = malloc(len);
	memset(doc, ' ', len);
	expect_err(doc, len, KB_ELIMIT, "more than the limit");
	free(doc);
}

/* A document of `n` entries, each "- {vendor: v, cves: {...}}" with `cves`
 * CVE keys numbered from first. */
static char *many(size_t n, size_t cves, size_t first)
{
	size_t cap = 64 + n * (32 + cves * 24);
	char *buf = malloc(cap), *p = buf;
	p += sprintf(p, "software:\n");
	for (size_t i = 0; i < n; i++) {
		p += sprintf(p, "- {vendor: v, cves: {");
		for (size_t c = 0; c < cves; c++)
			p += sprintf(p, "%scve-2021-%05zu: ", c ? ", " : "", first + c + (cves > 100 ? i * cves : 0));
		p += sprintf(p, "}}\n");
	}
	assert_true((size_t)(p - buf) < cap);
	return buf;
}

static void test_limit_entries(void **state)
{
	(void)state;
	char *doc = many(KB_VSL_MAX_ENTRIES, 0, 0);
	parsed p = parse_ok(doc);
	assert_int_equal(p.n, 0);
	free(doc);
	doc = many(KB_VSL_MAX_ENTRIES + 1, 0, 0);
	kb_error e = E(doc, KB_ELIMIT, "more software entries than the limit of 100000");
	assert_int_equal(e.line, KB_VSL_MAX_ENTRIES + 2);
	free(doc);
}

static void test_limit_cves(void **state)
{
	(void)state;
	char *doc = many(1, KB_VSL_MAX_CVES, 10000);
	parsed p = parse_ok(doc);
	assert_int_equal(p.n, KB_VSL_MAX_CVES);
	parsed_free(&p);
	free(doc);
	doc = many(1, KB_VSL_MAX_CVES + 1, 10000);
	E(doc, KB_ELIMIT, "more CVE ids in one file than the limit of 256");
	free(doc);
}

static void test_limit_statuses(void **state)
{
	(void)state;
	size_t n = KB_VSL_MAX_STATUSES / 5 + 1; /* 5 CVEs each: just past the limit */
	char *doc = many(n, 5, 10000);
	E(doc, KB_ELIMIT, "more statuses (entries times CVE ids) than the limit of 400000");
	free(doc);
}

static void test_limit_name_depth_list(void **state)
{
	(void)state;
	char doc[8192];
	/* a name of KB_VSL_MAX_NAME bytes is read, one more is not */
	for (int extra = 0; extra < 2; extra++) {
		int k = KB_VSL_MAX_NAME + extra;
		snprintf(doc, sizeof doc, "software:\n  - vendor: %.*s\n    cves: {cve-2021-44228: {}}\n", k,
		         "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		         "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		         "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
		if (!extra) {
			parsed p = parse_ok(doc);
			assert_int_equal(strlen(p.list[0]->affected[0].vendor), KB_VSL_MAX_NAME);
			parsed_free(&p);
		} else {
			E(doc, KB_ELIMIT, "software[0].vendor: a name of 257 bytes: more than the limit of 256");
		}
	}
	/* nesting, even under a key that is skipped */
	for (int extra = 0; extra < 2; extra++) {
		int d = KB_VSL_MAX_DEPTH - 1 + extra; /* the root mapping is one level */
		char *p = doc;
		p += sprintf(p, "software: []\nowners: ");
		for (int i = 0; i < d; i++)
			*p++ = '[';
		for (int i = 0; i < d; i++)
			*p++ = ']';
		strcpy(p, "\n");
		if (!extra) {
			parsed ok = parse_ok(doc);
			assert_int_equal(ok.n, 0);
		} else {
			E(doc, KB_ELIMIT, "collections nested deeper than the limit of 64");
		}
	}
	/* versions in one list */
	for (int extra = 0; extra < 2; extra++) {
		size_t k = KB_ADVISORY_MAX_RANGES + (size_t)extra;
		char *big = malloc(64 + k * 8), *p = big;
		p += sprintf(p, "software:\n- vendor: v\n  cves:\n    cve-2021-44228:\n      affected_versions: [");
		for (size_t i = 0; i < k; i++)
			p += sprintf(p, "%s1.%zu", i ? "," : "", i);
		strcpy(p, "]\n");
		if (!extra) {
			parsed ok = parse_ok(big);
			assert_int_equal(ok.list[0]->affected[0].match.n_versions, KB_ADVISORY_MAX_RANGES);
			parsed_free(&ok);
		} else {
			E(big, KB_ELIMIT, "more versions in one list than the limit of 1024");
		}
		free(big);
	}
	/* ranges from the parts of one string */
	size_t k = KB_ADVISORY_MAX_RANGES + 1;
	char *big = malloc(64 + k * 8), *p = big;
	p += sprintf(p, "software:\n- vendor: v\n  cves:\n    cve-2021-44228:\n      affected_versions: ['");
	for (size_t i = 0; i < k; i++)
		p += sprintf(p, "%s%zu.x", i ? "," : "", i);
	strcpy(p, "']\n");
	E(big, KB_ELIMIT, "more ranges than the limit of 1024");
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_branches_and_all),
		cmocka_unit_test(test_free_text),
		cmocka_unit_test(test_not_investigated),
		cmocka_unit_test(test_sample),
		cmocka_unit_test(test_empty_software),
		cmocka_unit_test(test_syntax_error),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_limit_bytes),
		cmocka_unit_test(test_limit_entries),
		cmocka_unit_test(test_limit_cves),
		cmocka_unit_test(test_limit_statuses),
		cmocka_unit_test(test_limit_name_depth_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
