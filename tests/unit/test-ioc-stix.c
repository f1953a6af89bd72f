/*
 * test-ioc-stix.c - the STIX pattern parser (each form, each unsupported
 * case, each limit) and STIX 2.1 bundles (indicators, observables,
 * revoked/valid_until, pattern_type, located errors).
 */
#include "ioc-test-util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

typedef struct terms {
	char text[8192];
	size_t len, n;
} terms;

static int term_cb(kb_ioc_type t, const char *v, void *ctx)
{
	terms *x = ctx;
	x->n++;
	int w = snprintf(x->text + x->len, sizeof x->text - x->len, "%s%s %s", x->len ? "|" : "", kb_ioc_type_name(t), v);
	if (w > 0 && (size_t)w < sizeof x->text - x->len)
		x->len += (size_t)w;
	return 0;
}

/* Parse pat; "" and the code when it fails. */
static int pat(const char *p, terms *x, kb_error *err)
{
	memset(x, 0, sizeof *x);
	kb_error_clear(err);
	return kb_stix_pattern_parse(p, strlen(p), term_cb, x, err);
}

static void expect(const char *p, const char *want)
{
	terms x;
	kb_error err;
	int r = pat(p, &x, &err);
	if (r != 0)
		fail_msg("%s: %d %s", p, r, err.msg);
	assert_string_equal(x.text, want);
}

static void expect_fail(const char *p, int code, const char *msg_part)
{
	terms x;
	kb_error err;
	int r = pat(p, &x, &err);
	if (r != code)
		fail_msg("%s: got %d (%s), want %d", p, r, err.msg, code);
	assert_int_equal(x.n, 0);
	if (msg_part && !strstr(err.msg, msg_part))
		fail_msg("%s: message \"%s\" lacks \"%s\"", p, err.msg, msg_part);
}

static void test_equality(void **state)
{
	(void)state;
	expect("[ipv4-addr:value = '198.51.100.7']", "ipv4 198.51.100.7");
	expect("[ipv4-addr:value = '198.51.100.7/24']", "ipv4 198.51.100.0/24");
	expect("[ipv6-addr:value = '2001:DB8:0:0::1']", "ipv6 2001:db8::1");
	expect("[ipv6-addr:value = '2001:db8::ff/32']", "ipv6 2001:db8::/32");
	expect("[domain-name:value = 'Evil.EXAMPLE.']", "domain evil.example");
	expect("[url:value = 'HTTP://Evil.Example/Path?Q=A']", "url http://evil.example/Path?Q=A");
	expect("[file:hashes.'SHA-256' = 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855']",
	       "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	expect("[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']", "md5 d41d8cd98f00b204e9800998ecf8427e");
	expect("[file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']",
	       "sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709");
	expect("[file:name = 'Invoice.exe']", "file-name Invoice.exe");
	expect("[email-addr:value = 'Bad@Evil.Example']", "email bad@evil.example");
	expect("[email-message:from_ref.value = 'x@evil.example']", "email x@evil.example");
	expect("[network-traffic:dst_port = 4444]", "port 4444");
	expect("[network-traffic:dst_ref.value = '203.0.113.9']", "ipv4 203.0.113.9");
	expect("[network-traffic:dst_ref.value = '2001:db8::9']", "ipv6 2001:db8::9");
	expect("[ipv4-addr:value == '10.0.0.1']", "ipv4 10.0.0.1");
	expect("  [ ipv4-addr:value='10.0.0.1' ]  ", "ipv4 10.0.0.1");
}

static void test_escapes(void **state)
{
	(void)state;
	expect("[file:name = 'it\\'s.exe']", "file-name it's.exe");
	expect("[file:name = 'a\\\\b.exe']", "file-name a\\b.exe");
	expect_fail("[file:name = 'a\\nb']", KB_EPARSE, "backslash");
	expect_fail("[file:name = 'open]", KB_EPARSE, "not closed");
}

static void test_in_and_or(void **state)
{
	(void)state;
	expect("[ipv4-addr:value IN ('10.0.0.1', '10.0.0.2')]", "ipv4 10.0.0.1|ipv4 10.0.0.2");
	expect("[network-traffic:dst_port IN (4444, 8081)]", "port 4444|port 8081");
	expect("[domain-name:value = 'a.example' OR domain-name:value = 'b.example']",
	       "domain a.example|domain b.example");
	expect("[domain-name:value = 'a.example'] OR [url:value = 'http://b.example/x']",
	       "domain a.example|url http://b.example/x");
	expect("([domain-name:value = 'a.example'] OR [ipv4-addr:value = '10.1.1.1'])",
	       "domain a.example|ipv4 10.1.1.1");
	/* AND keeps the most specific sides */
	expect("[file:name = 'x.exe' AND file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']",
	       "md5 d41d8cd98f00b204e9800998ecf8427e");
	expect("[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e' AND "
	       "file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']",
	       "md5 d41d8cd98f00b204e9800998ecf8427e|sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709");
	expect("[network-traffic:dst_ref.value = '203.0.113.9' AND network-traffic:dst_port = 443]",
	       "ipv4 203.0.113.9");
	/* an unsupported side of an AND is left out; of an OR it fails the pattern */
	expect("[file:name = 'x.exe' AND file:size > 1000]", "file-name x.exe");
	expect_fail("[file:name = 'x.exe' OR file:size > 1000]", KB_EINVAL, "file:size");
	/* parentheses and precedence: AND binds tighter than OR */
	expect("[(domain-name:value = 'a.example' OR domain-name:value = 'b.example') AND file:name = 'z']",
	       "domain a.example|domain b.example");
	expect("[file:name = 'z' AND domain-name:value = 'a.example' OR ipv4-addr:value = '10.0.0.3']",
	       "domain a.example|ipv4 10.0.0.3");
}

static void test_like(void **state)
{
	(void)state;
	expect("[domain-name:value LIKE '%.evil.example']", "domain evil.example");
	expect("[url:value LIKE 'http://evil.example/gate/%']", "url-prefix http://evil.example/gate/");
	expect("[domain-name:value LIKE 'plain.example']", "domain plain.example");
	expect_fail("[domain-name:value LIKE '%evil.example']", KB_EINVAL, "domain suffix");
	expect_fail("[url:value LIKE '%evil%']", KB_EINVAL, "URL prefix");
	expect_fail("[domain-name:value LIKE '%.ev_l.example']", KB_EINVAL, "LIKE");
	expect("[ipv4-addr:value ISSUBSET '198.51.100.0/24']", "ipv4 198.51.100.0/24");
}

static void test_unsupported(void **state)
{
	(void)state;
	expect_fail("[ipv4-addr:value = '10.0.0.1'] AND [domain-name:value = 'a.example']", KB_EINVAL,
	            "AND between observations");
	expect_fail("[ipv4-addr:value = '10.0.0.1'] FOLLOWEDBY [domain-name:value = 'a.example']", KB_EINVAL,
	            "FOLLOWEDBY");
	expect_fail("[ipv4-addr:value = '10.0.0.1'] WITHIN 300 SECONDS", KB_EINVAL, "WITHIN");
	expect_fail("[ipv4-addr:value = '10.0.0.1'] REPEATS 5 TIMES", KB_EINVAL, "REPEATS");
	expect_fail("[ipv4-addr:value = '10.0.0.1'] START t'2021-01-01T00:00:00Z' STOP t'2021-02-01T00:00:00Z'",
	            KB_EINVAL, "START");
	expect_fail("[ipv4-addr:value != '10.0.0.1']", KB_EINVAL, "operator !=");
	expect_fail("[ipv4-addr:value NOT = '10.0.0.1']", KB_EINVAL, "NOT");
	expect_fail("[url:value MATCHES '^http']", KB_EINVAL, "MATCHES");
	expect_fail("[process:name = 'evil']", KB_EINVAL, "object path process:name");
	expect_fail("[windows-registry-key:key = 'HKLM\\\\x']", KB_EINVAL, "windows-registry-key");
	expect_fail("[ipv4-addr:value = 'not-an-ip']", KB_EINVAL, "not a valid");
	expect_fail("[ipv4-addr:value = '2001:db8::1']", KB_EINVAL, "not an ipv4");
	expect_fail("[file:hashes.MD5 = 'abc']", KB_EINVAL, "not a valid");
	expect_fail("[network-traffic:dst_port = 70000]", KB_EINVAL, "not a valid");
	expect_fail("[EXISTS file:name]", KB_EINVAL, "EXISTS");
	expect_fail("[file:size > 10]", KB_EINVAL, "file:size");
	/* a column is given */
	terms x;
	kb_error err;
	assert_int_equal(pat("[ipv4-addr:value = '10.0.0.1'] AND [x:y = 'z']", &x, &err), KB_EINVAL);
	assert_int_equal(err.column, 32);
}

static void test_syntax(void **state)
{
	(void)state;
	expect_fail("", KB_EPARSE, "expected [");
	expect_fail("ipv4-addr:value = '1.2.3.4'", KB_EPARSE, "expected [");
	expect_fail("[ipv4-addr:value = '1.2.3.4'", KB_EPARSE, "expected ]");
	expect_fail("[ipv4-addr:value '1.2.3.4']", KB_EPARSE, "comparison operator");
	expect_fail("[value = '1.2.3.4']", KB_EPARSE, "object path");
	expect_fail("[ipv4-addr:value = ]", KB_EPARSE, "expected a value");
	expect_fail("[ipv4-addr:value = '1.2.3.4'] junk", KB_EPARSE, "after the pattern");
	expect_fail("[ipv4-addr:value IN ('1.2.3.4' '1.2.3.5')]", KB_EPARSE, "in a set");
	expect_fail("[file:extensions.[x] = 'a']", KB_EPARSE, "property name");
	/* paths with indexes parse, and are unsupported */
	expect_fail("[file:extensions.'windows-pebinary-ext'.sections[*].name = '.text']", KB_EINVAL, "object path");
	terms x;
	kb_error err;
	assert_int_equal(pat("[ipv4-addr:value = '1.2.3.4' ]]", &x, &err), KB_EPARSE);
	assert_int_equal(err.column, 31);
}

static void test_limits(void **state)
{
	(void)state;
	/* depth */
	char deep[512] = "[";
	for (int i = 0; i < KB_STIX_PATTERN_MAX_DEPTH + 1; i++)
		strcat(deep, "(");
	strcat(deep, "file:name = 'x'");
	for (int i = 0; i < KB_STIX_PATTERN_MAX_DEPTH + 1; i++)
		strcat(deep, ")");
	strcat(deep, "]");
	expect_fail(deep, KB_ELIMIT, "nested deeper");
	/* AND sides */
	char *and = malloc(64 * 1024);
	strcpy(and, "[file:name = 'a'");
	for (int i = 0; i < KB_STIX_PATTERN_MAX_AND; i++)
		strcat(and, " AND file:name = 'a'");
	strcat(and, "]");
	expect_fail(and, KB_ELIMIT, "joined by AND");
	/* terms */
	size_t cap = 200000;
	char *big = malloc(cap);
	size_t n = (size_t)snprintf(big, cap, "[file:name IN ('a'");
	for (unsigned i = 0; i < KB_STIX_PATTERN_MAX_TERMS; i++)
		n += (size_t)snprintf(big + n, cap - n, ",'a%u'", i);
	snprintf(big + n, cap - n, ")]");
	expect_fail(big, KB_ELIMIT, "4096");
	/* bytes */
	char *huge = malloc(KB_STIX_PATTERN_MAX_BYTES + 64);
	memset(huge, ' ', KB_STIX_PATTERN_MAX_BYTES + 10);
	memcpy(huge, "[file:name = 'x']", 17);
	huge[KB_STIX_PATTERN_MAX_BYTES + 10] = '\0';
	expect_fail(huge, KB_ELIMIT, "limit");
	free(and);
	free(big);
	free(huge);
}

static const char bundle[] =
	"{\"type\":\"bundle\",\"id\":\"bundle--1\",\"objects\":[\n"
	" {\"type\":\"identity\",\"id\":\"identity--1\",\"name\":\"acme\"},\n"
	" {\"type\":\"indicator\",\"id\":\"indicator--a\",\"pattern_type\":\"stix\",\"confidence\":80,\n"
	"  \"pattern\":\"[domain-name:value = 'c2.evil.example']\",\"valid_from\":\"2021-12-10T00:00:00Z\"},\n"
	" {\"type\":\"indicator\",\"id\":\"indicator--b\",\"pattern_type\":\"stix\",\"revoked\":true,\n"
	"  \"pattern\":\"[ipv4-addr:value = '203.0.113.5']\"},\n"
	" {\"type\":\"indicator\",\"id\":\"indicator--c\",\"pattern_type\":\"stix\",\"valid_until\":\"2022-01-01T00:00:00Z\",\n"
	"  \"pattern\":\"[url:value = 'http://evil.example/a']\"},\n"
	" {\"type\":\"indicator\",\"id\":\"indicator--d\",\"pattern_type\":\"sigma\",\"pattern\":\"title: x\"},\n"
	" {\"type\":\"indicator\",\"id\":\"indicator--e\",\"pattern\":\"[process:pid = 4]\"},\n"
	" {\"type\":\"indicator\",\"id\":\"indicator--f\",\"pattern\":\"[file:name = \"},\n"
	" {\"type\":\"ipv4-addr\",\"id\":\"ipv4-addr--1\",\"value\":\"198.51.100.0/24\"},\n"
	" {\"type\":\"domain-name\",\"id\":\"domain-name--1\",\"value\":\"Bad.Example\"},\n"
	" {\"type\":\"url\",\"id\":\"url--1\",\"value\":\"https://bad.example/x\"},\n"
	" {\"type\":\"file\",\"id\":\"file--1\",\"name\":\"x.exe\",\"hashes\":{\"SHA-256\":"
	"\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\",\"SSDEEP\":\"3:abc\"}},\n"
	" {\"type\":\"file\",\"id\":\"file--2\",\"name\":\"only-name.dll\"},\n"
	" {\"type\":\"mutex\",\"id\":\"mutex--1\",\"name\":\"Global\\\\x\"},\n"
	" {\"type\":\"relationship\",\"id\":\"relationship--1\"}\n"
	"]}\n";

static void test_bundle(void **state)
{
	(void)state;
	got g;
	kb_error err = { 0 };
	assert_int_equal(parse_into(&g, bundle, KB_IOC_FMT_AUTO, &err), 0);
	assert_true(has_line(&g, "domain c2.evil.example"));
	assert_true(has_line(&g, "ipv4 203.0.113.5 revoked"));
	assert_true(has_line(&g, "url http://evil.example/a until=2022-01-01T00:00:00Z"));
	assert_true(has_line(&g, "ipv4 198.51.100.0/24"));
	assert_true(has_line(&g, "domain bad.example"));
	assert_true(has_line(&g, "url https://bad.example/x"));
	assert_true(has_line(&g, "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
	assert_true(has_line(&g, "file-name only-name.dll"));
	assert_false(has_line(&g, "file-name x.exe"));
	assert_true(has_line(&g, "! pattern_type \"sigma\" is not supported (only stix)"));
	assert_true(strstr(g.text, "! pattern: column 2: object path process:pid is not supported"));
	if (!strstr(g.text, "! pattern: column 14: not STIX pattern syntax: expected a value")) fail_msg("%s", g.text);
	assert_true(has_line(&g, "! file hash SSDEEP is not supported"));
	assert_true(has_line(&g, "! observable type mutex is not supported"));
	assert_int_equal(g.n_ioc, 8);
	assert_int_equal(g.n_unsup, 5);
	assert_int_equal(g.ignored, 2);
}

static void test_bundle_errors(void **state)
{
	(void)state;
	got g;
	kb_error err = { 0 };
	assert_int_equal(parse_into(&g, "{\"type\":\"bundle\",\"objects\":[\n{\"type\":1}]}", KB_IOC_FMT_STIX, &err),
	                 KB_EINVAL);
	assert_string_equal(err.msg, "objects[0].type: expected a string");
	assert_int_equal(parse_into(&g, "{\"type\":\"bundle\",\"objects\":{}}", KB_IOC_FMT_STIX, &err), KB_EINVAL);
	assert_string_equal(err.msg, "objects: expected an array of objects");
	assert_int_equal(parse_into(&g, "{\"type\":\"bundle\",\n\"objects\":[,]}", KB_IOC_FMT_STIX, &err), KB_EPARSE);
	assert_int_equal(err.line, 2);
	assert_int_equal(parse_into(&g, "{\"objects\":[]}", KB_IOC_FMT_STIX, &err), KB_EFORMAT);
	assert_int_equal(parse_into(&g, "{\"type\":\"bundle\",\"objects\":[{\"type\":\"indicator\",\"revoked\":\"yes\","
	                                "\"pattern\":\"[file:name = 'a']\"}]}",
	                            KB_IOC_FMT_STIX, &err),
	                 KB_EINVAL);
	assert_string_equal(err.msg, "objects[0].revoked: expected true or false");
	/* a single indicator object, not in a bundle */
	assert_int_equal(parse_into(&g, "{\"type\":\"indicator\",\"id\":\"indicator--z\",\"pattern\":\"[file:name = 'a']\"}",
	                            KB_IOC_FMT_AUTO, &err),
	                 0);
	assert_true(has_line(&g, "file-name a"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equality),    cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_in_and_or),   cmocka_unit_test(test_like),
		cmocka_unit_test(test_unsupported), cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_limits),      cmocka_unit_test(test_bundle),
		cmocka_unit_test(test_bundle_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
