/*
 * test-purl.c - Package URL parsing, building, normalisation and mapping.
 *
 * 1. The official purl-spec test suite (copied under KB_TEST_VECTORS
 *    "/purl-spec", see SOURCE.md there): every case of every file is run as
 *    parse / roundtrip / build, including the expected failures. The cases are
 *    counted and a minimum asserted, so the test cannot pass on zero vectors.
 * 2. kb_purl_ecosystem() and kb_purl_package_name() per ecosystem.
 * 3. The named limits KB_PURL_MAX_LEN and KB_PURL_MAX_QUALIFIERS, at and
 *    just over each.
 * 4. Malformed input: the right KB_E* code, a message, and ret untouched.
 * 5. Replay of fuzzer finds under KB_TEST_VECTORS "/purl-crashes" (if any).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "koban/purl.h"

#ifndef KB_TEST_VECTORS
#error "KB_TEST_VECTORS must name the tests/vectors directory"
#endif

#define PURL_SPEC_DIR KB_TEST_VECTORS "/purl-spec"
#define PURL_CRASH_DIR KB_TEST_VECTORS "/purl-crashes"

/* The copied suite holds 424 cases; fewer than this means files went missing. */
#define MIN_VECTOR_CASES 424

/*
 * Vectors skipped on purpose, each with the reason. Matched on file name,
 * test_type and input (the input string, or the build input's name).
 * Keep this list short: a vector we fail should be fixed in purl.c instead.
 */
static const struct {
	const char *file;
	const char *test_type;
	const char *input;
	const char *reason;
} skipped_vectors[] = {
	{ NULL, NULL, NULL, NULL }, /* none at present */
};

/* ------------------------------------------------------------ file walking */

typedef struct pathlist {
	char **v;
	size_t n;
} pathlist;

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void collect_files(const char *dir, const char *suffix, pathlist *out)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		size_t len = strlen(dir) + strlen(e->d_name) + 2;
		char *path = malloc(len);
		assert_non_null(path);
		snprintf(path, len, "%s/%s", dir, e->d_name);
		struct stat st;
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			collect_files(path, suffix, out);
			free(path);
			continue;
		}
		size_t nl = strlen(e->d_name), sl = suffix ? strlen(suffix) : 0;
		if (!S_ISREG(st.st_mode) || nl < sl || strcmp(e->d_name + nl - sl, suffix ? suffix : "")) {
			free(path);
			continue;
		}
		out->v = realloc(out->v, (out->n + 1) * sizeof *out->v);
		assert_non_null(out->v);
		out->v[out->n++] = path;
	}
	closedir(d);
	qsort(out->v, out->n, sizeof *out->v, cmp_str);
}

static void free_paths(pathlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* ----------------------------------------------------------- vector runner */

typedef struct tally {
	size_t passed, failed, skipped;
} tally;

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool str_eq_opt(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

static const char *skip_reason(const char *file, const char *test_type, const char *input)
{
	for (size_t i = 0; i < sizeof skipped_vectors / sizeof skipped_vectors[0]; i++) {
		if (!skipped_vectors[i].file)
			continue;
		if (strcmp(skipped_vectors[i].file, base_name(file)) == 0 &&
		    strcmp(skipped_vectors[i].test_type, test_type) == 0 && input &&
		    strcmp(skipped_vectors[i].input, input) == 0)
			return skipped_vectors[i].reason;
	}
	return NULL;
}

/* Does the parsed purl have exactly the components in `want`? Qualifiers
 * null or {} mean none. On mismatch, *why says which component differs. */
static bool components_match(const kb_purl *p, json_t *want, const char **why)
{
	if (!str_eq_opt(p->type, jstr(want, "type")))
		return *why = "type", false;
	if (!str_eq_opt(p->namespace_, jstr(want, "namespace")))
		return *why = "namespace", false;
	if (!str_eq_opt(p->name, jstr(want, "name")))
		return *why = "name", false;
	if (!str_eq_opt(p->version, jstr(want, "version")))
		return *why = "version", false;
	if (!str_eq_opt(p->subpath, jstr(want, "subpath")))
		return *why = "subpath", false;
	json_t *q = json_object_get(want, "qualifiers");
	size_t nwant = json_is_object(q) ? json_object_size(q) : 0;
	if (nwant != p->n_qualifiers)
		return *why = "qualifier count", false;
	for (size_t i = 0; i < p->n_qualifiers; i++) {
		const char *v = jstr(q, p->qualifiers[i].key);
		if (!v || strcmp(v, p->qualifiers[i].value) != 0)
			return *why = "qualifier value", false;
		if (i && strcmp(p->qualifiers[i - 1].key, p->qualifiers[i].key) >= 0)
			return *why = "qualifier order", false;
	}
	return true;
}

/* format(parse(format(p))) must equal format(p). */
static bool idempotent(const kb_purl *p, char **first)
{
	char *a = NULL, *b = NULL;
	kb_purl *again = NULL;
	kb_error err = { 0 };
	bool ok = kb_purl_format(p, &a) == 0 &&
	          kb_purl_parse(a, strlen(a), &again, &err) == 0 &&
	          kb_purl_format(again, &b) == 0 && strcmp(a, b) == 0;
	kb_purl_free(again);
	free(b);
	if (first)
		*first = a;
	else
		free(a);
	return ok;
}

static int build_from_json(json_t *in, kb_purl **ret, kb_error *err)
{
	json_t *q = json_object_get(in, "qualifiers");
	size_t n = json_is_object(q) ? json_object_size(q) : 0;
	kb_purl_qualifier *qs = n ? calloc(n, sizeof *qs) : NULL;
	size_t i = 0;
	const char *key;
	json_t *val;
	if (n) {
		json_object_foreach(q, key, val) {
			qs[i].key = (char *)key;
			qs[i].value = json_is_string(val) ? (char *)json_string_value(val) : NULL;
			i++;
		}
	}
	int r = kb_purl_build(jstr(in, "type"), jstr(in, "namespace"), jstr(in, "name"),
	                      jstr(in, "version"), qs, n, jstr(in, "subpath"), ret, err);
	free(qs);
	return r;
}

static void report(const char *file, const char *type, const char *desc, const char *input,
                   const char *what)
{
	print_message("FAIL %s [%s] %s\n     input: %s\n     %s\n", base_name(file), type,
	              desc ? desc : "", input ? input : "(components)", what);
}

static void run_case(const char *file, json_t *t, tally *tl)
{
	const char *type = jstr(t, "test_type");
	const char *desc = jstr(t, "description");
	json_t *input = json_object_get(t, "input");
	json_t *expected = json_object_get(t, "expected_output");
	bool want_fail = json_is_true(json_object_get(t, "expected_failure"));
	const char *in_str = json_is_string(input) ? json_string_value(input) : NULL;
	const char *skip_key = in_str ? in_str : (json_is_object(input) ? jstr(input, "name") : NULL);
	char msg[1024];

	if (!type) {
		report(file, "?", desc, in_str, "case has no test_type");
		tl->failed++;
		return;
	}
	if (skip_reason(file, type, skip_key)) {
		tl->skipped++;
		return;
	}

	kb_purl *p = NULL;
	kb_error err = { 0 };
	int r;

	if (strcmp(type, "parse") == 0 || strcmp(type, "roundtrip") == 0) {
		if (!in_str) {
			report(file, type, desc, NULL, "input is not a string");
			tl->failed++;
			return;
		}
		r = kb_purl_parse(in_str, strlen(in_str), &p, &err);
	} else if (strcmp(type, "build") == 0) {
		if (!json_is_object(input)) {
			report(file, type, desc, NULL, "input is not an object");
			tl->failed++;
			return;
		}
		r = build_from_json(input, &p, &err);
	} else {
		report(file, type, desc, in_str, "unknown test_type (add support or skip it)");
		tl->failed++;
		return;
	}

	if (want_fail) {
		if (r == 0) {
			char *s = NULL;
			kb_purl_format(p, &s);
			snprintf(msg, sizeof msg, "expected failure, got %s", s ? s : "?");
			free(s);
			report(file, type, desc, in_str, msg);
			tl->failed++;
		} else if (!err.msg[0] || (r != KB_EPARSE && r != KB_EINVAL && r != KB_ELIMIT)) {
			snprintf(msg, sizeof msg, "failure without a message or with %s", kb_err_name(r));
			report(file, type, desc, in_str, msg);
			tl->failed++;
		} else {
			tl->passed++;
		}
		kb_purl_free(p);
		return;
	}
	if (r != 0) {
		snprintf(msg, sizeof msg, "unexpected %s: %s", kb_err_name(r), err.msg);
		report(file, type, desc, in_str, msg);
		tl->failed++;
		return;
	}

	bool ok;
	char *canon = NULL;
	const char *why = "";
	if (strcmp(type, "parse") == 0) {
		ok = json_is_object(expected) && components_match(p, expected, &why);
		if (ok && !idempotent(p, NULL))
			ok = false, why = "format is not idempotent";
		snprintf(msg, sizeof msg, "component mismatch: %s", why);
	} else {
		const char *want = json_is_string(expected) ? json_string_value(expected) : NULL;
		ok = idempotent(p, &canon) && want && canon && strcmp(canon, want) == 0;
		snprintf(msg, sizeof msg, "got  %s\n     want %s", canon ? canon : "(null)",
		         want ? want : "(null)");
	}
	if (ok) {
		tl->passed++;
	} else {
		report(file, type, desc, in_str, msg);
		tl->failed++;
	}
	free(canon);
	kb_purl_free(p);
}

/* The older flat format (test-suite-data.json): one array of cases. */
static void run_legacy_case(const char *file, json_t *t, tally *tl)
{
	const char *purl = jstr(t, "purl");
	const char *canonical = jstr(t, "canonical_purl");
	bool invalid = json_is_true(json_object_get(t, "is_invalid"));
	kb_purl *p = NULL;
	kb_error err = { 0 };
	if (!purl) {
		tl->failed++;
		return;
	}
	int r = kb_purl_parse(purl, strlen(purl), &p, &err);
	char *canon = NULL;
	bool ok = invalid ? r != 0 : (r == 0 && idempotent(p, &canon) && canonical &&
	                                 strcmp(canon, canonical) == 0);
	if (ok) {
		tl->passed++;
	} else {
		report(file, "legacy", jstr(t, "description"), purl, err.msg);
		tl->failed++;
	}
	free(canon);
	kb_purl_free(p);
}

static void test_spec_vectors(void **state)
{
	(void)state;
	pathlist files = { 0 };
	collect_files(PURL_SPEC_DIR, ".json", &files);
	assert_true(files.n > 0);

	tally tl = { 0 };
	for (size_t f = 0; f < files.n; f++) {
		json_error_t jerr;
		json_t *root = json_load_file(files.v[f], 0, &jerr);
		if (!root) {
			print_message("cannot load %s: %s (line %d)\n", files.v[f], jerr.text, jerr.line);
			tl.failed++;
			continue;
		}
		json_t *tests = json_is_array(root) ? root : json_object_get(root, "tests");
		if (!json_is_array(tests)) {
			print_message("%s: no \"tests\" array\n", files.v[f]);
			tl.failed++;
		}
		size_t i;
		json_t *t;
		json_array_foreach(tests, i, t) {
			if (json_is_array(root))
				run_legacy_case(files.v[f], t, &tl);
			else
				run_case(files.v[f], t, &tl);
		}
		json_decref(root);
	}
	print_message("purl-spec vectors: %zu files, %zu passed, %zu failed, %zu skipped\n",
	              files.n, tl.passed, tl.failed, tl.skipped);
	free_paths(&files);
	assert_int_equal(tl.failed, 0);
	assert_true(tl.passed >= MIN_VECTOR_CASES);
}

/* ------------------------------------------------------ ecosystem mapping */

static void check_mapping(const char *purl, const char *ecosystem, const char *name)
{
	kb_purl *p = NULL;
	kb_error err = { 0 };
	int r = kb_purl_parse(purl, strlen(purl), &p, &err);
	if (r != 0)
		print_message("%s: %s\n", purl, err.msg);
	assert_int_equal(r, 0);
	assert_string_equal(kb_purl_ecosystem(p), ecosystem);
	char *n = NULL;
	assert_int_equal(kb_purl_package_name(p, &n), 0);
	assert_string_equal(n, name);
	free(n);
	kb_purl_free(p);
}

static void test_ecosystem_and_name(void **state)
{
	(void)state;
	check_mapping("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", "Maven",
	              "org.apache.logging.log4j:log4j-core");
	check_mapping("pkg:npm/%40angular/animation@12.3.1", "npm", "@angular/animation");
	check_mapping("pkg:npm/@babel/core@7.0.0", "npm", "@babel/core");
	check_mapping("pkg:npm/lodash@4.17.20", "npm", "lodash");
	check_mapping("pkg:pypi/Django_Allauth@0.1", "PyPI", "django-allauth");
	check_mapping("pkg:golang/github.com/BurntSushi/toml@v1.2.0", "Go",
	              "github.com/BurntSushi/toml");
	check_mapping("pkg:golang/stdlib@1.21.0", "Go", "stdlib");
	check_mapping("pkg:deb/debian/curl@7.50.3-1?arch=i386", "Debian", "curl");
	check_mapping("pkg:deb/ubuntu/openssl@3.0.2", "Ubuntu", "openssl");
	check_mapping("pkg:apk/alpine/curl@7.83.0-r0", "Alpine", "curl");
	check_mapping("pkg:apk/wolfi/curl@8.0", "Wolfi", "curl");
	check_mapping("pkg:rpm/redhat/openssl@1.1.1k", "Red Hat", "openssl");
	check_mapping("pkg:rpm/rocky-linux/bash@5.1", "Rocky Linux", "bash");
	check_mapping("pkg:rpm/fedora/curl@7.50.3", "RPM", "curl");
	check_mapping("pkg:cargo/rand@0.7.2", "crates.io", "rand");
	check_mapping("pkg:gem/rails@7.0.0", "RubyGems", "rails");
	check_mapping("pkg:nuget/EnterpriseLibrary.Common@6.0.1304", "NuGet",
	              "EnterpriseLibrary.Common");
	check_mapping("pkg:composer/Laravel/Framework@9.0", "Packagist", "laravel/framework");
	check_mapping("pkg:hex/phoenix@1.7.0", "Hex", "phoenix");
	check_mapping("pkg:pub/http@1.0.0", "Pub", "http");
	check_mapping("pkg:swift/github.com/Alamofire/Alamofire@5.4.3", "SwiftURL",
	              "github.com/Alamofire/Alamofire");
	check_mapping("pkg:hackage/aeson@2.0", "Hackage", "aeson");
	check_mapping("pkg:cran/A3@1.0.0", "CRAN", "A3");
	check_mapping("pkg:conan/openssl@3.0.3", "ConanCenter", "openssl");
	check_mapping("pkg:bitnami/wordpress@6.2.0", "Bitnami", "wordpress");
	/* Not assumed to be GitHub Actions: unknown types map to themselves. */
	check_mapping("pkg:github/package-url/purl-spec@244fd47", "github",
	              "package-url/purl-spec");
	check_mapping("pkg:generic/openssl@1.1.10g", "generic", "openssl");
}

/* ------------------------------------------------------------------ limits */

static char *make_purl(size_t total, char fill)
{
	const char *prefix = "pkg:generic/";
	size_t pl = strlen(prefix);
	char *s = malloc(total + 1);
	assert_non_null(s);
	memcpy(s, prefix, pl);
	memset(s + pl, fill, total - pl);
	s[total] = '\0';
	return s;
}

static void test_max_len(void **state)
{
	(void)state;
	kb_purl *p = NULL;
	kb_error err = { 0 };

	char *s = make_purl(KB_PURL_MAX_LEN, 'a');
	assert_int_equal(kb_purl_parse(s, strlen(s), &p, &err), 0);
	char *out = NULL;
	assert_int_equal(kb_purl_format(p, &out), 0);
	assert_string_equal(out, s);
	free(out);
	p = kb_purl_free(p);
	free(s);

	s = make_purl(KB_PURL_MAX_LEN + 1, 'a');
	kb_purl *sentinel = (kb_purl *)&err;
	p = sentinel;
	assert_int_equal(kb_purl_parse(s, strlen(s), &p, &err), KB_ELIMIT);
	assert_ptr_equal(p, sentinel);
	assert_int_equal(err.code, KB_ELIMIT);
	assert_true(err.msg[0] != '\0');
	free(s);

	/* Under the limit as written, over it once canonically encoded ('!' ->
	 * "%21"): refused, so whatever parses can always be re-parsed. */
	s = make_purl(KB_PURL_MAX_LEN / 2, '!');
	memset(&err, 0, sizeof err);
	assert_int_equal(kb_purl_parse(s, strlen(s), &p, &err), KB_ELIMIT);
	assert_true(err.msg[0] != '\0');

	/* The same through kb_purl_build(). */
	assert_int_equal(kb_purl_build("generic", NULL, s + 12, NULL, NULL, 0, NULL, &p, &err),
	                 KB_ELIMIT);
	free(s);
	char *name = malloc(KB_PURL_MAX_LEN);
	assert_non_null(name);
	memset(name, 'a', KB_PURL_MAX_LEN - 12);
	name[KB_PURL_MAX_LEN - 12] = '\0';
	assert_int_equal(kb_purl_build("generic", NULL, name, NULL, NULL, 0, NULL, &p, &err), 0);
	p = kb_purl_free(p); /* "pkg:generic/" + name is exactly KB_PURL_MAX_LEN */
	assert_int_equal(kb_purl_build("generic", "x", name, NULL, NULL, 0, NULL, &p, &err),
	                 KB_ELIMIT); /* the namespace "x/" pushes it over */
	free(name);
}

static char *purl_with_qualifiers(size_t n)
{
	size_t cap = 64 + n * 16;
	char *s = malloc(cap);
	assert_non_null(s);
	size_t len = (size_t)snprintf(s, cap, "pkg:generic/foo@1.0");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(s + len, cap - len, "%ck%zu=v", i ? '&' : '?', i);
	return s;
}

static void test_max_qualifiers(void **state)
{
	(void)state;
	kb_purl *p = NULL;
	kb_error err = { 0 };

	char *s = purl_with_qualifiers(KB_PURL_MAX_QUALIFIERS);
	assert_int_equal(kb_purl_parse(s, strlen(s), &p, &err), 0);
	assert_int_equal(p->n_qualifiers, KB_PURL_MAX_QUALIFIERS);
	p = kb_purl_free(p);
	free(s);

	s = purl_with_qualifiers(KB_PURL_MAX_QUALIFIERS + 1);
	assert_int_equal(kb_purl_parse(s, strlen(s), &p, &err), KB_ELIMIT);
	assert_int_equal(err.code, KB_ELIMIT);
	assert_true(err.msg[0] != '\0');
	free(s);

	kb_purl_qualifier qs[KB_PURL_MAX_QUALIFIERS + 1];
	char keys[KB_PURL_MAX_QUALIFIERS + 1][16];
	for (size_t i = 0; i < KB_PURL_MAX_QUALIFIERS + 1; i++) {
		snprintf(keys[i], sizeof keys[i], "k%zu", i);
		qs[i].key = keys[i];
		qs[i].value = (char *)"v";
	}
	assert_int_equal(kb_purl_build("generic", NULL, "foo", NULL, qs, KB_PURL_MAX_QUALIFIERS,
	                               NULL, &p, &err), 0);
	assert_int_equal(p->n_qualifiers, KB_PURL_MAX_QUALIFIERS);
	p = kb_purl_free(p);
	memset(&err, 0, sizeof err);
	assert_int_equal(kb_purl_build("generic", NULL, "foo", NULL, qs,
	                               KB_PURL_MAX_QUALIFIERS + 1, NULL, &p, &err), KB_ELIMIT);
	assert_true(err.msg[0] != '\0');
}

/* --------------------------------------------------------------- malformed */

static void test_malformed(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		int code;
		uint64_t column; /* 0: not checked */
	} cases[] = {
		{ "", KB_EPARSE, 0 },
		{ "EnterpriseLibrary.Common@6.0.1304", KB_EPARSE, 1 },
		{ "http://example.com/foo", KB_EPARSE, 1 },
		{ "pkg", KB_EPARSE, 0 },
		{ "pkg:", KB_EPARSE, 0 },
		{ "pkg:/", KB_EPARSE, 0 },
		{ "pkg:npm", KB_EPARSE, 0 },
		{ "pkg:npm/", KB_EPARSE, 0 },
		{ "pkg:npm/@1.0", KB_EPARSE, 0 },
		{ "pkg:3nginx/nginx", KB_EINVAL, 5 },
		{ "pkg:ng_inx/nginx", KB_EINVAL, 7 },
		{ "pkg:npm/foo%zz", KB_EPARSE, 12 },
		{ "pkg:npm/foo%4", KB_EPARSE, 12 },
		{ "pkg:npm/foo%", KB_EPARSE, 12 },
		{ "pkg:npm/foo%00", KB_EINVAL, 12 },
		{ "pkg:npm/foo%FF", KB_EINVAL, 0 },
		{ "pkg:npm/foo%C0%AF", KB_EINVAL, 0 },     /* overlong '/' */
		{ "pkg:npm/foo%ED%A0%80", KB_EINVAL, 0 },  /* surrogate */
		{ "pkg:npm/foo\n", KB_EPARSE, 12 },
		{ "pkg:npm/foo?a", KB_EPARSE, 13 },
		{ "pkg:npm/foo?1a=b", KB_EINVAL, 13 },
		{ "pkg:npm/foo?a%20b=c", KB_EINVAL, 14 },
		{ "pkg:npm/foo?a=1&A=2", KB_EINVAL, 0 },
		{ "pkg:maven/io@1.0", KB_EINVAL, 0 },
		{ "pkg:swift/Alamofire@5.4.3", KB_EINVAL, 0 },
		{ "pkg:generic/a%2Fb/c", KB_EINVAL, 14 },
		{ "pkg:generic/c#a%2Fb", KB_EINVAL, 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		kb_error err = { 0 };
		kb_purl *sentinel = (kb_purl *)&err, *p = sentinel;
		int r = kb_purl_parse(cases[i].s, strlen(cases[i].s), &p, &err);
		if (r != cases[i].code || !err.msg[0] ||
		    (cases[i].column && err.column != cases[i].column))
			print_message("case %zu \"%s\": got %s col %llu \"%s\"\n", i, cases[i].s,
			              kb_err_name(r), (unsigned long long)err.column, err.msg);
		assert_int_equal(r, cases[i].code);
		assert_int_equal(err.code, cases[i].code);
		assert_true(err.msg[0] != '\0');
		assert_ptr_equal(p, sentinel);
		if (cases[i].column)
			assert_int_equal(err.column, cases[i].column);
	}

	/* Build refuses what parse refuses, with a message. */
	kb_error err = { 0 };
	kb_purl *p = NULL;
	kb_purl_qualifier bad_key = { (char *)"in production", (char *)"true" };
	assert_int_equal(kb_purl_build(NULL, NULL, "x", NULL, NULL, 0, NULL, &p, &err), KB_EINVAL);
	assert_true(err.msg[0] != '\0');
	assert_int_equal(kb_purl_build("npm", NULL, NULL, NULL, NULL, 0, NULL, &p, &err), KB_EINVAL);
	assert_int_equal(kb_purl_build("npm", NULL, "", NULL, NULL, 0, NULL, &p, &err), KB_EINVAL);
	assert_int_equal(kb_purl_build("3npm", NULL, "x", NULL, NULL, 0, NULL, &p, &err), KB_EINVAL);
	assert_int_equal(kb_purl_build("npm", NULL, "x", NULL, &bad_key, 1, NULL, &p, &err),
	                 KB_EINVAL);
	assert_int_equal(kb_purl_build("npm", NULL, "\xff", NULL, NULL, 0, NULL, &p, &err),
	                 KB_EINVAL);
	/* A bad key after an empty-valued and a kept qualifier: nothing is freed
	 * twice (ASan would say). */
	kb_purl_qualifier mixed[] = { { (char *)"a", (char *)"" }, { (char *)"b", (char *)"x" },
	                              { (char *)"1bad", (char *)"y" } };
	assert_int_equal(kb_purl_build("npm", NULL, "x", NULL, mixed, 3, NULL, &p, &err), KB_EINVAL);
	kb_purl_qualifier dup[] = { { (char *)"a", (char *)"" }, { (char *)"B", (char *)"x" },
	                            { (char *)"b", (char *)"y" } };
	assert_int_equal(kb_purl_build("npm", NULL, "x", NULL, dup, 3, NULL, &p, &err), KB_EINVAL);
	assert_int_equal(kb_purl_build("npm", NULL, "x", NULL, dup, 1, NULL, &p, &err), 0);
	assert_int_equal(p->n_qualifiers, 0);
	assert_null(p->qualifiers);
	p = kb_purl_free(p);
	assert_null(p);
	assert_int_equal(kb_purl_parse(NULL, 0, &p, &err), KB_EINVAL);
	char *out = NULL;
	assert_int_equal(kb_purl_normalize("nope", &out, &err), KB_EPARSE);
	assert_null(out);
}

/* ------------------------------------------------------------ normalising */

static void test_normalize(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
		{ "PKG:///Maven/org.apache.commons/io/", "pkg:maven/org.apache.commons/io" },
		{ "pkg:npm/@babel/core#/a/./b/../c//", "pkg:npm/%40babel/core#a/b/c" },
		{ "pkg:generic/x?b=&a=1", "pkg:generic/x?a=1" },
		{ "pkg:generic/x@", "pkg:generic/x" },
		{ "pkg:generic/x?", "pkg:generic/x" },
		{ "pkg:generic/x#", "pkg:generic/x" },
		{ "pkg:generic/ns//x", "pkg:generic/ns/x" },
		{ "pkg:generic/caf%c3%a9 au lait", "pkg:generic/caf%C3%A9%20au%20lait" },
		{ "pkg:generic/a%2Fb@1%2F2", "pkg:generic/a%2Fb@1%2F2" },
		{ "pkg:generic/x@v1?k=a%26b%3Dc%23d", "pkg:generic/x@v1?k=a%26b%3Dc%23d" },
		{ "pkg:pypi/Zope.Interface_X", "pkg:pypi/zope.interface-x" },
		{ "pkg:huggingface/org/Model@ABCDEF", "pkg:huggingface/org/Model@abcdef" },
		{ "pkg:mlflow/CreditFraud@3?repository_url=https://adb-1.azuredatabricks.net/api",
		  "pkg:mlflow/creditfraud@3?repository_url=https:%2F%2Fadb-1.azuredatabricks.net%2Fapi" },
		{ "pkg:golang/github.com/BurntSushi/toml", "pkg:golang/github.com/BurntSushi/toml" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		kb_error err = { 0 };
		char *out = NULL;
		int r = kb_purl_normalize(cases[i][0], &out, &err);
		if (r != 0)
			print_message("%s: %s\n", cases[i][0], err.msg);
		assert_int_equal(r, 0);
		assert_string_equal(out, cases[i][1]);
		free(out);
	}
	assert_null(kb_purl_free(NULL));
}

/* ------------------------------------------------------------ crash replay */

static void test_crash_replay(void **state)
{
	(void)state;
	pathlist files = { 0 };
	collect_files(PURL_CRASH_DIR, "", &files);
	for (size_t i = 0; i < files.n; i++) {
		FILE *f = fopen(files.v[i], "rb");
		assert_non_null(f);
		char *buf = malloc(1 << 20);
		assert_non_null(buf);
		size_t n = fread(buf, 1, 1 << 20, f);
		fclose(f);
		kb_purl *p = NULL;
		kb_error err = { 0 };
		int r = kb_purl_parse(buf, n, &p, &err);
		if (r == 0) {
			assert_true(idempotent(p, NULL));
			kb_purl_free(p);
		} else {
			assert_true(r == KB_EPARSE || r == KB_EINVAL || r == KB_ELIMIT);
			assert_true(err.msg[0] != '\0');
		}
		free(buf);
	}
	print_message("purl crash replay: %zu files\n", files.n);
	free_paths(&files);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_vectors),
		cmocka_unit_test(test_ecosystem_and_name),
		cmocka_unit_test(test_max_len),
		cmocka_unit_test(test_max_qualifiers),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_crash_replay),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
