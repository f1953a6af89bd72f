/*
 * test-net.c - kb_net_classify (include/koban/net.h): every internal range at
 * its edges and one address past them, IPv6 forms (brackets, zones, IPv4-mapped),
 * the "unknown" cases (names, empty, multicast, unspecified, broadcast), and the
 * exposure words.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "koban/koban.h"
#include "koban/net.h"

#define U KB_EXPOSURE_UNKNOWN
#define I KB_EXPOSURE_INTERNAL
#define P KB_EXPOSURE_PUBLIC

struct ccase {
	const char *addr;
	kb_exposure want;
};

static void run_cases(const struct ccase *c, size_t n)
{
	int failures = 0;
	for (size_t i = 0; i < n; i++) {
		kb_exposure got = kb_net_classify(c[i].addr);
		if (got != c[i].want) {
			print_error("kb_net_classify(\"%s\") = %s, expected %s\n", c[i].addr ? c[i].addr : "(null)",
			            kb_exposure_name(got), kb_exposure_name(c[i].want));
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

#define RUN(cases) run_cases(cases, sizeof cases / sizeof cases[0])

static void test_rfc1918(void **state)
{
	(void)state;
	static const struct ccase cases[] = {
		{ "10.0.0.0", I },        { "10.0.0.1", I },        { "10.255.255.255", I },
		{ "9.255.255.255", P },   { "11.0.0.0", P },
		{ "172.16.0.0", I },      { "172.20.1.2", I },      { "172.31.255.255", I },
		{ "172.15.255.255", P },  { "172.32.0.0", P },
		{ "192.168.0.0", I },     { "192.168.1.1", I },     { "192.168.255.255", I },
		{ "192.167.255.255", P }, { "192.169.0.0", P },
	};
	RUN(cases);
}

static void test_shared_loopback_linklocal(void **state)
{
	(void)state;
	static const struct ccase cases[] = {
		/* RFC 6598 shared address space 100.64/10 */
		{ "100.64.0.0", I },      { "100.100.100.100", I }, { "100.127.255.255", I },
		{ "100.63.255.255", P },  { "100.128.0.0", P },
		/* loopback 127/8 */
		{ "127.0.0.0", I },       { "127.0.0.1", I },       { "127.255.255.255", I },
		{ "126.255.255.255", P }, { "128.0.0.0", P },
		/* link-local 169.254/16 */
		{ "169.254.0.0", I },     { "169.254.169.254", I }, { "169.254.255.255", I },
		{ "169.253.255.255", P }, { "169.255.0.0", P },
	};
	RUN(cases);
}

static void test_public_v4(void **state)
{
	(void)state;
	static const struct ccase cases[] = {
		{ "8.8.8.8", P },
		{ "1.1.1.1", P },
		{ "1.0.0.0", P },
		{ "223.255.255.255", P },
		/* Documentation ranges stand in for public addresses in koban's examples. */
		{ "192.0.2.1", P },
		{ "198.51.100.1", P },
		{ "203.0.113.1", P },
		{ "203.0.113.5", P },
	};
	RUN(cases);
}

static void test_unknown_v4(void **state)
{
	(void)state;
	static const struct ccase cases[] = {
		{ "0.0.0.0", U },         { "0.1.2.3", U },         { "0.255.255.255", U },
		{ "224.0.0.1", U },       { "224.0.0.0", U },       { "239.255.255.250", U },
		{ "240.0.0.1", U },       { "255.255.255.255", U },
		/* Not dotted quads as inet_pton reads them. */
		{ "10.0.0", U },          { "10.0.0.256", U },      { "10.0.0.1.5", U },
		{ "010.0.0.1", U },       { " 10.0.0.1", U },       { "10.0.0.1 ", U },
		{ "10.0.0.1:443", U },
	};
	RUN(cases);
}

static void test_v6(void **state)
{
	(void)state;
	static const struct ccase cases[] = {
		{ "::1", I },
		{ "0:0:0:0:0:0:0:1", I },
		{ "fe80::1", I },
		{ "FE80::1", I },
		{ "febf:ffff::1", I },     /* last of fe80::/10 */
		{ "fec0::1", P },          /* just past fe80::/10 */
		{ "fe7f::1", P },
		{ "fc00::1", I },
		{ "fd12::1", I },
		{ "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", I },
		{ "fbff::1", P },
		{ "fe00::1", P },
		{ "2001:db8::1", P },
		{ "2606:4700:4700::1111", P },
		{ "::2", P },
		{ "::", U },
		{ "ff02::1", U },
		{ "ff05::1:3", U },
		{ "1:2:3:4:5:6:7:8:9", U },
		{ "fe80:::1", U },
	};
	RUN(cases);
}

static void test_v6_brackets_and_zones(void **state)
{
	(void)state;
	static const struct ccase cases[] = {
		{ "[fd00::1]", I },
		{ "[2001:db8::1]", P },
		{ "[::1]", I },
		{ "[10.0.0.1]", I },
		{ "fe80::1%eth0", I },
		{ "[fe80::1%eth0]", I },
		{ "fe80::1%25eth0", I },
		{ "[fd00::1", U },        /* no closing bracket */
		{ "[]", U },
		{ "[", U },
	};
	RUN(cases);
}

static void test_v4_mapped(void **state)
{
	(void)state;
	static const struct ccase cases[] = {
		{ "::ffff:10.0.0.1", I },
		{ "::ffff:192.168.1.1", I },
		{ "::ffff:127.0.0.1", I },
		{ "::FFFF:100.64.0.1", I },
		{ "::ffff:8.8.8.8", P },
		{ "::ffff:203.0.113.1", P },
		{ "::ffff:0a00:0001", I }, /* 10.0.0.1 in hex */
		{ "[::ffff:10.0.0.1]", I },
		{ "::ffff:224.0.0.1", U },
		{ "::ffff:0.0.0.0", U },
	};
	RUN(cases);
}

static void test_names_and_empty(void **state)
{
	(void)state;
	static const struct ccase cases[] = {
		{ NULL, U },
		{ "", U },
		{ " ", U },
		{ "localhost", U },
		{ "example.com", U },
		{ "bigip-mgmt.corp.example", U },
		{ "10.example.com", U },
		{ "%eth0", U },
	};
	RUN(cases);
}

static void test_overlong_input(void **state)
{
	(void)state;
	/* Longer than any address literal: unknown, and no overflow. */
	char big[4096];
	memset(big, '1', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(kb_net_classify(big), U);

	/* A valid address padded with a long zone is still longer than the copy. */
	char zoned[512];
	snprintf(zoned, sizeof zoned, "fe80::1%%");
	size_t n = strlen(zoned);
	memset(zoned + n, 'z', sizeof zoned - n - 1);
	zoned[sizeof zoned - 1] = '\0';
	assert_int_equal(kb_net_classify(zoned), U);
}

static void test_exposure_names(void **state)
{
	(void)state;
	assert_string_equal(kb_exposure_name(KB_EXPOSURE_PUBLIC), "public");
	assert_string_equal(kb_exposure_name(KB_EXPOSURE_INTERNAL), "internal");
	assert_string_equal(kb_exposure_name(KB_EXPOSURE_UNKNOWN), "unknown");
	assert_string_equal(kb_exposure_name((kb_exposure)42), "unknown");
	assert_int_equal(KB_EXPOSURE_UNKNOWN, 0);
	assert_int_equal(KB_EXPOSURE_INTERNAL, 1);
	assert_int_equal(KB_EXPOSURE_PUBLIC, 2);
}

static void test_exposure_round_trip(void **state)
{
	(void)state;
	const kb_exposure all[] = { KB_EXPOSURE_UNKNOWN, KB_EXPOSURE_INTERNAL, KB_EXPOSURE_PUBLIC };
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
		kb_exposure e = (kb_exposure)-1;
		assert_int_equal(kb_exposure_parse(kb_exposure_name(all[i]), &e), 0);
		assert_int_equal(e, all[i]);
	}
}

static void test_exposure_parse_words(void **state)
{
	(void)state;
	static const struct ccase words[] = {
		{ "public", P },   { "PUBLIC", P },   { "Internet", P },
		{ "internal", I }, { "Internal", I }, { "private", I },
		{ "unknown", U },  { "UNKNOWN", U },
	};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		kb_exposure e = (kb_exposure)-1;
		assert_int_equal(kb_exposure_parse(words[i].addr, &e), 0);
		assert_int_equal(e, words[i].want);
	}
}

static void test_exposure_parse_bad(void **state)
{
	(void)state;
	const char *bad[] = { "", "pub", "publicc", " public", "external", "dmz", "0", "2", NULL };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		kb_exposure e = (kb_exposure)77;
		assert_int_equal(kb_exposure_parse(bad[i], &e), KB_EINVAL);
		assert_int_equal(e, (kb_exposure)77); /* untouched on failure */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc1918),
		cmocka_unit_test(test_shared_loopback_linklocal),
		cmocka_unit_test(test_public_v4),
		cmocka_unit_test(test_unknown_v4),
		cmocka_unit_test(test_v6),
		cmocka_unit_test(test_v6_brackets_and_zones),
		cmocka_unit_test(test_v4_mapped),
		cmocka_unit_test(test_names_and_empty),
		cmocka_unit_test(test_overlong_input),
		cmocka_unit_test(test_exposure_names),
		cmocka_unit_test(test_exposure_round_trip),
		cmocka_unit_test(test_exposure_parse_words),
		cmocka_unit_test(test_exposure_parse_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
