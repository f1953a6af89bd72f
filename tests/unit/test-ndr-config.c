/*
 * test-ndr-config.c - the configuration of `koban detect` (koban/detect.h,
 * ndr-config.h): CIDR parsing (host bits, prefixes, garbage) and
 * containment for IPv4, IPv6 and IPv4-mapped addresses; the built-in
 * internal ranges at their edges; the defaults; every key of the file with
 * its units and forms; every error with its code, line and column; the
 * size and count limits; *ret untouched on error; loading from a file; the
 * time-zone table across Europe/Berlin's DST changes of 2026, its span
 * limit and clamping; business hours around a Friday evening, a Saturday
 * and a Monday morning; and TZ left as it was, set or unset.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

#include "koban/detect.h"
#include "flow-text.h"
#include "ndr-config.h"

static kb_ip ip(const char *s)
{
	kb_ip a;
	if (kb_ip_parse(s, strlen(s), &a) != 0)
		fail_msg("bad test address %s", s);
	return a;
}

static kb_cidr cidr(const char *s)
{
	kb_cidr c;
	if (kb_cidr_parse(s, strlen(s), &c) != 0)
		fail_msg("bad test network %s", s);
	return c;
}

static int64_t utc_s(const char *iso)
{
	int64_t us;
	if (kb_ftext_datetime_us(iso, strlen(iso), true, &us) != 0)
		fail_msg("bad test time %s", iso);
	return us / 1000000;
}

static int parse(const char *text, kb_detect_config *c, kb_error *err)
{
	kb_error_clear(err);
	return kb_detect_config_parse("t.conf", text, strlen(text), c, err);
}

/* ---- networks ---- */

static void test_cidr_parse(void **state)
{
	(void)state;
	kb_cidr c = cidr("10.1.2.3/8"); /* host bits zeroed */
	assert_int_equal(c.prefix, 104);
	kb_ip want = ip("10.0.0.0");
	assert_memory_equal(c.net.b, want.b, 16);

	c = cidr("192.168.7.9");
	assert_int_equal(c.prefix, 128);
	want = ip("192.168.7.9");
	assert_memory_equal(c.net.b, want.b, 16);

	c = cidr("0.0.0.0/0");
	assert_int_equal(c.prefix, 96);

	c = cidr("2001:db8:ffff::1/33");
	assert_int_equal(c.prefix, 33);
	want = ip("2001:db8:8000::");
	assert_memory_equal(c.net.b, want.b, 16);

	c = cidr("fe80::1");
	assert_int_equal(c.prefix, 128);
	c = cidr("::/0");
	assert_int_equal(c.prefix, 0);
	assert_memory_equal(c.net.b, ip("::").b, 16);
	c = cidr("::ffff:10.9.8.7/104"); /* IPv6 text: the prefix counts on the v6 form */
	assert_int_equal(c.prefix, 104);
	assert_memory_equal(c.net.b, ip("10.0.0.0").b, 16);

	const char *bad[] = { "", "/8", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/08", "10.0.0.0/-1", "10.0.0.0/+8",
	                      "10.0.0.0/8/8", "10.0.0/8", "10.0.0.0 /8", "::/129", "::/1000", "x::/8", "10.0.0.0/8a",
	                      "010.0.0.0/8", "fe80::1%eth0", "[::1]", "10.0.0.256", "localhost" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		kb_cidr r = { .prefix = 77 };
		if (kb_cidr_parse(bad[i], strlen(bad[i]), &r) != KB_EINVAL)
			fail_msg("accepted '%s'", bad[i]);
		assert_int_equal(r.prefix, 77);
	}
	assert_int_equal(kb_cidr_parse(NULL, 0, &c), KB_EINVAL);
	/* The span is what counts, not a NUL. */
	c = cidr("10.0.0.0");
	assert_int_equal(kb_cidr_parse("10.0.0.0/8xyz", 10, &c), 0);
	assert_int_equal(c.prefix, 104);
}

static void test_cidr_contains(void **state)
{
	(void)state;
	kb_cidr c = cidr("172.16.0.0/12");
	kb_ip in = ip("172.31.255.255"), out = ip("172.32.0.0"), lo = ip("172.15.255.255");
	assert_true(kb_cidr_contains(&c, &in));
	assert_false(kb_cidr_contains(&c, &out));
	assert_false(kb_cidr_contains(&c, &lo));
	kb_ip v6 = ip("::ac10:1"); /* the same low 32 bits, not mapped */
	assert_false(kb_cidr_contains(&c, &v6));

	c = cidr("2001:db8::/32");
	kb_ip a = ip("2001:db8:ffff::1"), b = ip("2001:db9::");
	assert_true(kb_cidr_contains(&c, &a));
	assert_false(kb_cidr_contains(&c, &b));

	c = cidr("2001:db8::/33");
	a = ip("2001:db8:7fff::");
	b = ip("2001:db8:8000::");
	assert_true(kb_cidr_contains(&c, &a));
	assert_false(kb_cidr_contains(&c, &b));

	/* IPv4-mapped addresses against v4 and v6 networks. */
	c = cidr("::ffff:0:0/96");
	a = ip("8.8.8.8");
	assert_true(kb_cidr_contains(&c, &a));
	c = cidr("::/0");
	assert_true(kb_cidr_contains(&c, &a));
	c = cidr("0.0.0.0/0");
	assert_true(kb_cidr_contains(&c, &a));
	b = ip("2001:db8::1");
	assert_false(kb_cidr_contains(&c, &b));
	a = ip("::ffff:192.0.2.1");
	c = cidr("192.0.2.0/24");
	assert_true(kb_cidr_contains(&c, &a));
	c = cidr("192.0.2.1");
	assert_true(kb_cidr_contains(&c, &a));
	b = ip("192.0.2.2");
	assert_false(kb_cidr_contains(&c, &b));

	c.prefix = 129; /* not a network: contains nothing */
	assert_false(kb_cidr_contains(&c, &a));
}

static void test_internal(void **state)
{
	(void)state;
	const char *in[] = { "10.0.0.0", "10.255.255.255", "172.16.0.1", "172.31.255.255", "192.168.0.1",
	                     "192.168.255.255", "100.64.0.0", "100.127.255.255", "127.0.0.1", "127.255.255.255",
	                     "169.254.0.1", "169.254.255.255", "::1", "fe80::1", "febf:ffff::1", "fc00::1",
	                     "fd12:3456::1", "::ffff:10.1.2.3" };
	const char *out[] = { "9.255.255.255", "11.0.0.0", "172.15.255.255", "172.32.0.0", "192.167.255.255",
	                      "192.169.0.0", "100.63.255.255", "100.128.0.0", "126.255.255.255", "128.0.0.0",
	                      "169.253.255.255", "169.255.0.0", "8.8.8.8", "::", "::2", "fec0::1", "fe00::1",
	                      "fbff::1", "fe::1", "2001:db8::1", "::a00:1" /* 10.0.0.1, IPv4-compatible: not mapped */ };
	kb_detect_config *c = malloc(sizeof *c);
	assert_non_null(c);
	kb_detect_config_default(c);
	for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
		kb_ip a = ip(in[i]);
		if (!kb_detect_is_internal(c, &a) || !kb_detect_is_internal(NULL, &a))
			fail_msg("%s should be internal", in[i]);
	}
	for (size_t i = 0; i < sizeof out / sizeof out[0]; i++) {
		kb_ip a = ip(out[i]);
		if (kb_detect_is_internal(c, &a) || kb_detect_is_internal(NULL, &a))
			fail_msg("%s should not be internal", out[i]);
	}
	kb_error err;
	assert_int_equal(parse("internal = 203.0.113.0/24 2001:db8::/48\n", c, &err), 0);
	kb_ip a = ip("203.0.113.77"), b = ip("2001:db8:0:ffff::1"), x = ip("203.0.114.1"), y = ip("2001:db8:1::1");
	assert_true(kb_detect_is_internal(c, &a));
	assert_true(kb_detect_is_internal(c, &b));
	assert_false(kb_detect_is_internal(c, &x));
	assert_false(kb_detect_is_internal(c, &y));
	assert_false(kb_detect_is_internal(NULL, &a));
	free(c);
}

/* ---- the file ---- */

static void test_defaults(void **state)
{
	(void)state;
	kb_detect_config *c = malloc(sizeof *c);
	assert_non_null(c);
	memset(c, 0xa5, sizeof *c);
	kb_detect_config_default(c);
	assert_int_equal(c->n_internal, 0);
	assert_int_equal(c->n_admins, 0);
	assert_string_equal(c->timezone, "UTC");
	assert_int_equal(c->business_days, 0x3e);
	assert_int_equal(c->business_start, 480);
	assert_int_equal(c->business_end, 1080);
	assert_int_equal(c->baseline_since_us, 0);
	assert_int_equal(c->baseline_until_us, 0);
	assert_int_equal(c->beacon_min_score, 70);
	assert_int_equal(c->fanout_min_hosts, 10);
	assert_int_equal(c->scan_min_targets, 50);
	assert_int_equal(c->upload_min_bytes, 100000000);
	assert_int_equal(c->long_conn_min_s, 3600);
	assert_int_equal(c->dns_min_subdomains, 100);
	assert_int_equal(c->rare_port_max_sources, 2);
	assert_int_equal(c->report_min_priority, 30);

	/* An empty file, and one of comments and blank lines, give the defaults. */
	kb_detect_config *d = malloc(sizeof *d);
	assert_non_null(d);
	kb_error err;
	memset(d, 0x5a, sizeof *d);
	assert_int_equal(kb_detect_config_parse("t", "", 0, d, &err), 0);
	assert_memory_equal(c, d, sizeof *c);
	memset(d, 0x5a, sizeof *d);
	assert_int_equal(parse("# nothing\n\n   \t\n  # indented comment\r\n", d, &err), 0);
	assert_memory_equal(c, d, sizeof *c);
	free(c);
	free(d);
}

static void test_every_key(void **state)
{
	(void)state;
	const char *text = "\xef\xbb\xbf# koban detect configuration\n"
	                   "internal = 203.0.113.0/24 2001:db8::/32\n"
	                   "internal=198.51.100.7   # a bare address, a comment after white space\n"
	                   "timezone\t=\tEurope/Berlin\r\n"
	                   "business_hours = Mon,Wed-Fri 07:30-24:00\n"
	                   "  admin_sources = 203.0.113.10 2001:db8::10/128 192.0.2.0/28\n"
	                   "baseline = 2026-11-19T00:00:00Z 2026-11-20T01:00:00.5+01:00\n"
	                   "beacon_min_score = 80%\n"
	                   "fanout_min_hosts = 12\n"
	                   "scan_min_targets = 40\n"
	                   "upload_min_bytes = 512MiB\n"
	                   "long_conn_min_s = 2h\n"
	                   "dns_min_subdomains = 150\n"
	                   "rare_port_max_sources = 0\n"
	                   "report_min_priority = 45";
	kb_detect_config *c = malloc(sizeof *c);
	assert_non_null(c);
	kb_error err;
	assert_int_equal(parse(text, c, &err), 0);
	assert_int_equal(c->n_internal, 3);
	assert_int_equal(c->internal[0].prefix, 120);
	assert_memory_equal(c->internal[0].net.b, ip("203.0.113.0").b, 16);
	assert_int_equal(c->internal[1].prefix, 32);
	assert_memory_equal(c->internal[1].net.b, ip("2001:db8::").b, 16);
	assert_int_equal(c->internal[2].prefix, 128);
	assert_memory_equal(c->internal[2].net.b, ip("198.51.100.7").b, 16);
	assert_string_equal(c->timezone, "Europe/Berlin");
	assert_int_equal(c->business_days, 0x3a); /* Mon, Wed, Thu, Fri */
	assert_int_equal(c->business_start, 450);
	assert_int_equal(c->business_end, 1440);
	assert_int_equal(c->n_admins, 3);
	assert_int_equal(c->admins[0].prefix, 128);
	assert_int_equal(c->admins[1].prefix, 128);
	assert_int_equal(c->admins[2].prefix, 124);
	assert_memory_equal(c->admins[1].net.b, ip("2001:db8::10").b, 16);
	assert_int_equal(c->baseline_since_us, utc_s("2026-11-19T00:00:00Z") * 1000000);
	assert_int_equal(c->baseline_until_us, utc_s("2026-11-20T00:00:00Z") * 1000000 + 500000);
	assert_int_equal(c->beacon_min_score, 80);
	assert_int_equal(c->fanout_min_hosts, 12);
	assert_int_equal(c->scan_min_targets, 40);
	assert_int_equal(c->upload_min_bytes, 512u * 1024 * 1024);
	assert_int_equal(c->long_conn_min_s, 7200);
	assert_int_equal(c->dns_min_subdomains, 150);
	assert_int_equal(c->rare_port_max_sources, 0);
	assert_int_equal(c->report_min_priority, 45);
	free(c);
}

static void test_value_forms(void **state)
{
	(void)state;
	kb_detect_config *c = malloc(sizeof *c);
	assert_non_null(c);
	kb_error err;
	char line[128];

	struct { const char *v; uint64_t want; } bytes[] = {
		{ "7", 7 }, { "7B", 7 }, { "100k", 100000 }, { "100K", 100000 }, { "100kB", 100000 },
		{ "100M", 100000000 }, { "100MB", 100000000 }, { "2G", 2000000000 }, { "2GB", 2000000000 },
		{ "3T", 3000000000000 }, { "1KiB", 1024 }, { "3MiB", 3145728 }, { "1GiB", 1073741824 },
		{ "2TiB", 2199023255552 }, { "18446744073709551615", UINT64_MAX },
	};
	for (size_t i = 0; i < sizeof bytes / sizeof bytes[0]; i++) {
		snprintf(line, sizeof line, "upload_min_bytes = %s\n", bytes[i].v);
		assert_int_equal(parse(line, c, &err), 0);
		if (c->upload_min_bytes != bytes[i].want)
			fail_msg("%s: %llu", bytes[i].v, (unsigned long long)c->upload_min_bytes);
	}
	struct { const char *v; unsigned want; } secs[] = {
		{ "3600", 3600 }, { "90s", 90 }, { "30m", 1800 }, { "1h", 3600 }, { "2d", 172800 },
		{ "4294967295", 4294967295u },
	};
	for (size_t i = 0; i < sizeof secs / sizeof secs[0]; i++) {
		snprintf(line, sizeof line, "long_conn_min_s = %s", secs[i].v);
		assert_int_equal(parse(line, c, &err), 0);
		assert_int_equal(c->long_conn_min_s, secs[i].want);
	}
	struct { const char *v; uint8_t days; unsigned start, end; } bh[] = {
		{ "Mon-Fri 08:00-18:00", 0x3e, 480, 1080 },
		{ "daily 00:00-24:00", 0x7f, 0, 1440 },
		{ "Sat-Sun 10:00-10:01", 0x41, 600, 601 },
		{ "Fri-Mon 09:15-17:45", 0x63, 555, 1065 }, /* wraps past Saturday */
		{ "mon,TUE,sat 08:00-12:00", 0x46, 480, 720 },
		{ "Wed-Wed 08:00-12:00", 0x08, 480, 720 },
		{ "Sun 23:59-24:00", 0x01, 1439, 1440 },
	};
	for (size_t i = 0; i < sizeof bh / sizeof bh[0]; i++) {
		snprintf(line, sizeof line, "business_hours = %s", bh[i].v);
		assert_int_equal(parse(line, c, &err), 0);
		assert_int_equal(c->business_days, bh[i].days);
		assert_int_equal(c->business_start, bh[i].start);
		assert_int_equal(c->business_end, bh[i].end);
	}
	assert_int_equal(parse("baseline = 2026-11-19 2026-11-20", c, &err), 0);
	assert_int_equal(c->baseline_since_us, utc_s("2026-11-19T00:00:00Z") * 1000000);
	assert_int_equal(c->baseline_until_us, utc_s("2026-11-20T00:00:00Z") * 1000000);
	assert_int_equal(parse("baseline = 1970-01-01T00:00:00 1970-01-01T00:00:00.000001", c, &err), 0);
	assert_int_equal(c->baseline_since_us, 0);
	assert_int_equal(c->baseline_until_us, 1);
	assert_int_equal(parse("beacon_min_score = 0\nreport_min_priority = 100%", c, &err), 0);
	assert_int_equal(c->beacon_min_score, 0);
	assert_int_equal(c->report_min_priority, 100);
	assert_int_equal(parse("scan_min_targets = 1000000000\nfanout_min_hosts = 1", c, &err), 0);
	assert_int_equal(c->scan_min_targets, 1000000000);
	assert_int_equal(c->fanout_min_hosts, 1);
	assert_int_equal(parse("timezone = UTC\n", c, &err), 0);
	assert_string_equal(c->timezone, "UTC");
	assert_int_equal(parse("timezone = America/Argentina/Buenos_Aires", c, &err), 0);
	assert_string_equal(c->timezone, "America/Argentina/Buenos_Aires");
	assert_int_equal(parse("timezone = Etc/GMT+5", c, &err), 0);
	assert_string_equal(c->timezone, "Etc/GMT+5");
	free(c);
}

typedef struct err_case {
	const char *text;
	int code;
	uint64_t line, column;
	const char *msg; /* a part of the message */
} err_case;

static void test_errors(void **state)
{
	(void)state;
	static const err_case cases[] = {
		{ "timezone UTC", KB_EPARSE, 1, 10, "expected '=' after the key 'timezone'" },
		{ "timezone", KB_EPARSE, 1, 9, "expected '='" },
		{ "\n = UTC", KB_EPARSE, 2, 2, "expected a key" },
		{ "# c\n\ncolour = red", KB_EINVAL, 3, 1, "unknown key 'colour'" },
		{ "Timezone = UTC", KB_EINVAL, 1, 1, "unknown key 'Timezone'" },
		{ "timezone =", KB_EPARSE, 1, 11, "expected a value" },
		{ "timezone =   # nothing", KB_EPARSE, 1, 14, "expected a value" },
		{ "internal = # nothing", KB_EPARSE, 1, 12, "expected a value" },
		{ "timezone = UTC#c", KB_EINVAL, 1, 12, "unknown time zone 'UTC#c'" },
		{ "timezone = Mars/Olympus_Mons", KB_EINVAL, 1, 12, "unknown time zone" },
		{ "timezone = ../../../etc/passwd", KB_EINVAL, 1, 12, "unknown time zone" },
		{ "timezone = Europe/../Europe/Berlin", KB_EINVAL, 1, 12, "unknown time zone" },
		{ "timezone = /usr/share/zoneinfo/UTC", KB_EINVAL, 1, 12, "unknown time zone" },
		{ "timezone = Europe", KB_EINVAL, 1, 12, "unknown time zone" },
		{ "timezone = zone.tab", KB_EINVAL, 1, 12, "unknown time zone" },
		{ "timezone = iso3166.tab", KB_EINVAL, 1, 12, "unknown time zone" },
		{ "timezone = Europe/Berlin/", KB_EINVAL, 1, 12, "unknown time zone" },
		{ "timezone = AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", KB_EINVAL, 1, 12,
		  "unknown time zone 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA...'" },
		{ "timezone = UTC UTC", KB_EPARSE, 1, 16, "expected the end of the line after the value of 'timezone'" },
		{ "timezone = UTC\ntimezone = UTC", KB_EINVAL, 2, 1, "'timezone' is set twice" },
		{ "business_hours = Mon-Fri", KB_EPARSE, 1, 25, "expected hours" },
		{ "business_hours =", KB_EPARSE, 1, 17, "expected days and hours" },
		{ "business_hours = Mon-Fry 08:00-18:00", KB_EINVAL, 1, 18, "expected days such as Mon-Fri" },
		{ "business_hours = Mon,,Tue 08:00-18:00", KB_EINVAL, 1, 22, "got ''" },
		{ "business_hours = Mon, 08:00-18:00", KB_EINVAL, 1, 22, "expected days" },
		{ "business_hours = Mon-Tue-Wed 08:00-18:00", KB_EINVAL, 1, 18, "expected days" },
		{ "business_hours = Monday 08:00-18:00", KB_EINVAL, 1, 18, "expected days" },
		{ "business_hours = 08:00-18:00 Mon-Fri", KB_EINVAL, 1, 18, "expected days" },
		{ "business_hours = Mon-Fri 18:00-08:00", KB_EINVAL, 1, 26, "start of business hours before their end" },
		{ "business_hours = Mon-Fri 08:00-08:00", KB_EINVAL, 1, 26, "before their end" },
		{ "business_hours = Mon-Fri 8:00-18:00", KB_EINVAL, 1, 26, "expected hours such as 08:00-18:00" },
		{ "business_hours = Mon-Fri 08:00-24:01", KB_EINVAL, 1, 26, "expected hours" },
		{ "business_hours = Mon-Fri 08:60-18:00", KB_EINVAL, 1, 26, "expected hours" },
		{ "business_hours = Mon-Fri 08:00-25:00", KB_EINVAL, 1, 26, "expected hours" },
		{ "business_hours = Mon-Fri 08:00~18:00", KB_EINVAL, 1, 26, "expected hours" },
		{ "business_hours = Mon-Fri 08:00-18:00 x", KB_EPARSE, 1, 38, "expected the end of the line" },
		{ "baseline = 2026-11-20T00:00:00Z 2026-11-19T00:00:00Z", KB_EINVAL, 1, 33,
		  "expected the end of the baseline after its start" },
		{ "baseline = 2026-11-19T00:00:00Z 2026-11-19T00:00:00Z", KB_EINVAL, 1, 33, "after its start" },
		{ "baseline = 2026-11-19T00:00:00Z", KB_EPARSE, 1, 32, "expected the end of the baseline" },
		{ "baseline =", KB_EPARSE, 1, 11, "expected the baseline's start and end" },
		{ "baseline = yesterday today", KB_EINVAL, 1, 12, "expected a time from 1970 on" },
		{ "baseline = 1969-12-31 1970-01-02", KB_EINVAL, 1, 12, "from 1970 on" },
		{ "baseline = 2026-11-19T00:00:00Z 2026-11-31T00:00:00Z", KB_EINVAL, 1, 33, "expected a time" },
		{ "baseline = 2026-11-19T00:00Z 2026-11-20T00:00:00Z", KB_EINVAL, 1, 12, "expected a time" },
		{ "baseline = 2026-11-19T00:00:00Z 2026-11-20T00:00:00Z 2026-11-21", KB_EPARSE, 1, 54, "end of the line" },
		{ "beacon_min_score = 101", KB_EINVAL, 1, 20, "expected a percentage from 0 to 100" },
		{ "beacon_min_score = %", KB_EINVAL, 1, 20, "percentage" },
		{ "report_min_priority = 30%%", KB_EINVAL, 1, 23, "percentage" },
		{ "report_min_priority = 0.5", KB_EINVAL, 1, 23, "percentage" },
		{ "fanout_min_hosts = 0", KB_EINVAL, 1, 20, "expected a whole number from 1 to 1000000000" },
		{ "scan_min_targets = -5", KB_EINVAL, 1, 20, "whole number" },
		{ "dns_min_subdomains = 1000000001", KB_EINVAL, 1, 22, "whole number" },
		{ "rare_port_max_sources = 99999999999999999999999", KB_EINVAL, 1, 25, "from 0 to 1000000000" },
		{ "upload_min_bytes = 10 MB", KB_EPARSE, 1, 23, "got 'MB'" },
		{ "upload_min_bytes = 10XB", KB_EINVAL, 1, 20, "expected a byte count" },
		{ "upload_min_bytes = 0", KB_EINVAL, 1, 20, "at least 1" },
		{ "upload_min_bytes = 1.5G", KB_EINVAL, 1, 20, "byte count" },
		{ "upload_min_bytes = 18446744073709551616", KB_EINVAL, 1, 20, "byte count" },
		{ "upload_min_bytes = 20000000000T", KB_EINVAL, 1, 20, "byte count" },
		{ "upload_min_bytes = M", KB_EINVAL, 1, 20, "byte count" },
		{ "long_conn_min_s = 1y", KB_EINVAL, 1, 19, "expected a duration" },
		{ "long_conn_min_s = 0s", KB_EINVAL, 1, 19, "duration" },
		{ "long_conn_min_s = 4294967296", KB_EINVAL, 1, 19, "duration" },
		{ "long_conn_min_s = 1h30m", KB_EINVAL, 1, 19, "duration" },
		{ "internal = 10.0.0.0/33", KB_EINVAL, 1, 12, "expected an address or a network" },
		{ "internal = 10.0.0.0/8 bogus", KB_EINVAL, 1, 23, "got 'bogus'" },
		{ "internal = 10.0.0.0/8,10.1.0.0/16", KB_EINVAL, 1, 12, "network" },
		{ "admin_sources = 10.0.0.1 ::1/129", KB_EINVAL, 1, 26, "got '::1/129'" },
		{ "dns_min_subdomains = 1\xff", KB_EPARSE, 1, 23, "expected UTF-8 text" },
		{ "# comment \xc3", KB_EPARSE, 1, 11, "UTF-8" },
		{ "# \xed\xa0\x80 surrogate", KB_EPARSE, 1, 3, "UTF-8" },
		{ "# \xc0\xaf overlong", KB_EPARSE, 1, 3, "UTF-8" },
		{ "# \xf4\x90\x80\x80 past U+10FFFF", KB_EPARSE, 1, 3, "UTF-8" },
		{ "\xef\xbb\xbfx = 1", KB_EINVAL, 1, 1, "unknown key 'x'" },
		{ "timezone = UTC\n\n\n  beacon_min_score = high # why", KB_EINVAL, 4, 22, "got 'high'" },
		{ "timezone = Europe/Berlin \xe2\x82\xac", KB_EPARSE, 1, 26, "got '?\?\?'" },
	};
	kb_detect_config *c = malloc(sizeof *c);
	assert_non_null(c);
	kb_error err;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const err_case *e = &cases[i];
		int rc = parse(e->text, c, &err);
		if (rc != e->code || err.code != e->code || err.line != e->line || err.column != e->column ||
		    !strstr(err.msg, e->msg) || strcmp(err.file, "t.conf") != 0)
			fail_msg("case %zu '%s': rc %d code %d at %llu:%llu: %s", i, e->text, rc, err.code,
			         (unsigned long long)err.line, (unsigned long long)err.column, err.msg);
		/* The offset is that of the same byte. */
		const char *ls = e->text;
		for (uint64_t l = 1; l < e->line; l++)
			ls = strchr(ls, '\n') + 1;
		if (e->line == 1 && strncmp(ls, "\xef\xbb\xbf", 3) == 0)
			ls += 3;
		assert_int_equal(err.offset, (uint64_t)(ls - e->text) + e->column - 1);
	}
	/* A NUL byte (strlen would stop at it). */
	const char nul[] = "timezone = U\0TC";
	assert_int_equal(kb_detect_config_parse("t.conf", nul, sizeof nul - 1, c, &err), KB_EPARSE);
	assert_int_equal(err.line, 1);
	assert_int_equal(err.column, 13);
	assert_non_null(strstr(err.msg, "NUL"));
	free(c);
}

static void test_untouched_on_error(void **state)
{
	(void)state;
	kb_detect_config *c = malloc(sizeof *c), *before = malloc(sizeof *c);
	assert_non_null(c);
	assert_non_null(before);
	memset(c, 0x3c, sizeof *c);
	memcpy(before, c, sizeof *c);
	kb_error err;
	assert_int_equal(parse("internal = 10.0.0.0/8\ntimezone = Europe/Berlin\nfanout_min_hosts = many\n", c, &err),
	                 KB_EINVAL);
	assert_int_equal(err.line, 3);
	assert_memory_equal(c, before, sizeof *c);
	free(c);
	free(before);
}

/* ---- limits ---- */

static void test_limits(void **state)
{
	(void)state;
	kb_detect_config *c = malloc(sizeof *c);
	assert_non_null(c);
	kb_error err;
	/* KB_DETECT_MAX_NETS networks over as many lines, then one more. */
	size_t cap = (KB_DETECT_MAX_NETS + 1) * 40;
	char *t = malloc(cap);
	assert_non_null(t);
	size_t n = 0;
	for (unsigned i = 0; i < KB_DETECT_MAX_NETS; i++)
		n += (size_t)snprintf(t + n, cap - n, "internal = 10.%u.%u.0/24\n", i / 256, i % 256);
	assert_int_equal(kb_detect_config_parse("t.conf", t, n, c, &err), 0);
	assert_int_equal(c->n_internal, KB_DETECT_MAX_NETS);
	assert_int_equal(c->internal[KB_DETECT_MAX_NETS - 1].prefix, 120);
	n += (size_t)snprintf(t + n, cap - n, "internal = 192.0.2.0/24\n");
	assert_int_equal(kb_detect_config_parse("t.conf", t, n, c, &err), KB_ELIMIT);
	assert_int_equal(err.code, KB_ELIMIT);
	assert_int_equal(err.line, KB_DETECT_MAX_NETS + 1);
	assert_int_equal(err.column, 12);
	assert_non_null(strstr(err.msg, "KB_DETECT_MAX_NETS"));

	/* KB_DETECT_MAX_ADMINS sources on one line, then one more. */
	n = (size_t)snprintf(t, cap, "admin_sources =");
	size_t col = 0;
	for (unsigned i = 0; i <= KB_DETECT_MAX_ADMINS; i++) {
		if (i == KB_DETECT_MAX_ADMINS) {
			t[n] = '\0';
			assert_int_equal(kb_detect_config_parse("t.conf", t, n, c, &err), 0);
			assert_int_equal(c->n_admins, KB_DETECT_MAX_ADMINS);
			col = n + 2;
		}
		n += (size_t)snprintf(t + n, cap - n, " 2001:db8::%x", i);
	}
	assert_int_equal(kb_detect_config_parse("t.conf", t, n, c, &err), KB_ELIMIT);
	assert_int_equal(err.line, 1);
	assert_int_equal(err.column, col);
	assert_non_null(strstr(err.msg, "KB_DETECT_MAX_ADMINS"));
	free(t);

	/* KB_DETECT_CONFIG_MAX_BYTES of comments, then one byte more. */
	size_t max = KB_DETECT_CONFIG_MAX_BYTES;
	t = malloc(max + 1);
	assert_non_null(t);
	memset(t, '#', max + 1);
	for (size_t i = 79; i < max + 1; i += 80)
		t[i] = '\n';
	assert_int_equal(kb_detect_config_parse("t.conf", t, max, c, &err), 0);
	assert_int_equal(kb_detect_config_parse("t.conf", t, max + 1, c, &err), KB_ELIMIT);
	assert_int_equal(err.code, KB_ELIMIT);
	assert_int_equal(err.line, 0);
	assert_non_null(strstr(err.msg, "KB_DETECT_CONFIG_MAX_BYTES"));

	/* The same bound when loading: one byte too many in a file. */
	char path[] = "/tmp/test-ndr-config-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, t, max + 1), (ssize_t)(max + 1));
	close(fd);
	kb_error_clear(&err);
	assert_int_equal(kb_detect_config_load(path, c, &err), KB_ELIMIT);
	assert_string_equal(err.file, path);
	unlink(path);
	free(t);
	free(c);
}

static void test_load(void **state)
{
	(void)state;
	kb_detect_config *c = malloc(sizeof *c);
	assert_non_null(c);
	kb_error err;
	char path[] = "/tmp/test-ndr-config-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char *text = "timezone = Europe/Berlin\nscan_min_targets = 20\n";
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	kb_error_clear(&err);
	assert_int_equal(kb_detect_config_load(path, c, &err), 0);
	assert_string_equal(c->timezone, "Europe/Berlin");
	assert_int_equal(c->scan_min_targets, 20);
	assert_int_equal(c->fanout_min_hosts, 10);

	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	text = "timezone = Europe/Berlin\nscan_min_targets = 20 30\n";
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(kb_detect_config_load(path, c, &err), KB_EPARSE);
	assert_string_equal(err.file, path);
	assert_int_equal(err.line, 2);
	assert_int_equal(err.column, 23);
	unlink(path);

	assert_int_equal(kb_detect_config_load(path, c, &err), KB_ENOTFOUND);
	assert_int_equal(kb_detect_config_load("/tmp", c, &err), KB_EINVAL);
	free(c);
}

/* ---- time zones ---- */

static void test_tz_known(void **state)
{
	(void)state;
	assert_true(ndr_tz_known("UTC"));
	assert_true(ndr_tz_known("Europe/Berlin"));
	assert_true(ndr_tz_known("America/Port-au-Prince"));
	assert_true(ndr_tz_known("Etc/GMT-14"));
	const char *bad[] = { "", "utc/", "Europe", "Europe/", "/Europe/Berlin", "Europe//Berlin", "../zoneinfo/UTC",
	                      "Europe/./Berlin", "zone.tab", "tzdata.zi", "Europe/Nowhere", "Europe/Berlin ",
	                      "Europe\\Berlin", ".hidden" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (ndr_tz_known(bad[i]))
			fail_msg("'%s' should be unknown", bad[i]);
	assert_false(ndr_tz_known(NULL));
}

static void test_tz_berlin(void **state)
{
	(void)state;
	int64_t since = utc_s("2026-01-01T00:00:00Z"), until = utc_s("2026-12-31T23:59:59Z");
	ndr_tz_table *t = NULL;
	assert_int_equal(ndr_tz_table_new("Europe/Berlin", since, until, &t), 0);
	assert_non_null(t);
	/* Summer time ends 2026-10-25 at 03:00 CEST = 01:00 UTC. */
	assert_int_equal(ndr_tz_offset(t, utc_s("2026-10-25T00:59:59Z")), 7200);
	assert_int_equal(ndr_tz_offset(t, utc_s("2026-10-25T01:00:00Z")), 3600);
	/* It began 2026-03-29 at 02:00 CET = 01:00 UTC. */
	assert_int_equal(ndr_tz_offset(t, utc_s("2026-03-29T00:59:59Z")), 3600);
	assert_int_equal(ndr_tz_offset(t, utc_s("2026-03-29T01:00:00Z")), 7200);
	/* Exactly two changes in the year, every hour 1 or 2 hours east. */
	int changes = 0;
	int32_t prev = ndr_tz_offset(t, since);
	for (int64_t s = since; s <= until; s += 3600) {
		int32_t o = ndr_tz_offset(t, s);
		assert_true(o == 3600 || o == 7200);
		changes += o != prev;
		prev = o;
	}
	assert_int_equal(changes, 2);
	/* Clamped at both ends: the first and last hours' offsets. */
	assert_int_equal(ndr_tz_offset(t, utc_s("2025-07-01T00:00:00Z")), 3600);
	assert_int_equal(ndr_tz_offset(t, utc_s("2027-07-01T00:00:00Z")), 3600);

	/* Local days and minutes across the change. */
	int wday, minute;
	assert_int_equal(ndr_local_minute_of_week(t, utc_s("2026-10-25T00:30:00Z"), &wday, &minute), 2 * 60 + 30);
	assert_int_equal(wday, 0);
	assert_int_equal(minute, 150); /* 02:30 CEST, Sunday */
	assert_int_equal(ndr_local_minute_of_week(t, utc_s("2026-10-25T01:30:00Z"), &wday, &minute), 150);
	assert_int_equal(minute, 150); /* 02:30 CET, the second time */
	assert_int_equal(ndr_local_minute_of_week(t, utc_s("2026-10-24T22:00:00Z"), NULL, NULL), 0); /* Sun 00:00 */
	assert_int_equal(ndr_local_minute_of_week(t, utc_s("2026-10-24T21:59:00Z"), &wday, &minute), 6 * 1440 + 1439);
	assert_int_equal(wday, 6);

	/* Business hours Mon-Fri 08:00-18:00 local. */
	kb_detect_config *c = malloc(sizeof *c);
	assert_non_null(c);
	kb_detect_config_default(c);
	assert_true(ndr_business_hours(c, t, utc_s("2026-10-23T15:59:00Z")));  /* Fri 17:59 CEST */
	assert_true(ndr_business_hours(c, t, utc_s("2026-10-23T15:59:59Z")));
	assert_false(ndr_business_hours(c, t, utc_s("2026-10-23T16:00:00Z"))); /* Fri 18:00 CEST */
	assert_true(ndr_business_hours(c, t, utc_s("2026-10-23T06:00:00Z")));  /* Fri 08:00 CEST */
	assert_false(ndr_business_hours(c, t, utc_s("2026-10-23T05:59:59Z")));
	assert_false(ndr_business_hours(c, t, utc_s("2026-10-24T09:00:00Z"))); /* Sat 11:00 */
	assert_false(ndr_business_hours(c, t, utc_s("2026-10-25T09:00:00Z"))); /* Sun 10:00 */
	assert_false(ndr_business_hours(c, t, utc_s("2026-10-26T06:59:59Z"))); /* Mon 07:59 CET */
	assert_true(ndr_business_hours(c, t, utc_s("2026-10-26T07:00:00Z")));  /* Mon 08:00 CET */
	assert_true(ndr_business_hours(c, t, utc_s("2026-10-26T16:59:00Z")));  /* Mon 17:59 CET */
	assert_false(ndr_business_hours(c, t, utc_s("2026-10-26T17:00:00Z"))); /* Mon 18:00 CET */
	c->business_days = 0x40; /* Saturday only */
	assert_true(ndr_business_hours(c, t, utc_s("2026-10-24T09:00:00Z")));
	assert_false(ndr_business_hours(c, t, utc_s("2026-10-23T09:00:00Z")));
	free(c);
	ndr_tz_table_free(t);
	ndr_tz_table_free(NULL);
}

static void test_tz_utc_and_limits(void **state)
{
	(void)state;
	ndr_tz_table *t = NULL;
	assert_int_equal(ndr_tz_table_new("UTC", -86400, 86400, &t), 0);
	assert_int_equal(ndr_tz_offset(t, 0), 0);
	int wday, minute;
	assert_int_equal(ndr_local_minute_of_week(t, 0, &wday, &minute), 4 * 1440); /* 1970-01-01, Thursday */
	assert_int_equal(wday, 4);
	assert_int_equal(minute, 0);
	ndr_local_minute_of_week(t, -60, &wday, &minute); /* 1969-12-31 23:59 */
	assert_int_equal(wday, 3);
	assert_int_equal(minute, 1439);
	ndr_local_minute_of_week(t, INT64_MAX, &wday, &minute); /* clamped, no overflow */
	assert_true(wday >= 0 && wday < 7 && minute >= 0 && minute < 1440);
	ndr_local_minute_of_week(t, INT64_MIN, &wday, &minute);
	assert_true(wday >= 0 && wday < 7 && minute >= 0 && minute < 1440);
	ndr_tz_table_free(t);

	/* NDR_TZ_MAX_HOURS hours, then one more; UTC has no table and no limit. */
	int64_t s0 = utc_s("2026-01-01T00:00:00Z");
	int64_t last = s0 + (int64_t)(NDR_TZ_MAX_HOURS - 1) * 3600 + 3599;
	t = NULL;
	assert_int_equal(ndr_tz_table_new("Europe/Berlin", s0, last, &t), 0);
	assert_int_equal(ndr_tz_offset(t, last), 3600); /* 2027-02-04: winter time */
	ndr_tz_table_free(t);
	t = NULL;
	assert_int_equal(ndr_tz_table_new("Europe/Berlin", s0, last + 1, &t), KB_ELIMIT);
	assert_null(t);
	assert_int_equal(ndr_tz_table_new("UTC", s0, s0 + (INT64_C(1) << 36), &t), 0);
	assert_int_equal(ndr_tz_offset(t, s0 + (INT64_C(1) << 35)), 0);
	ndr_tz_table_free(t);
	t = NULL;
	assert_int_equal(ndr_tz_table_new("Europe/Berlin", s0 + 1, s0, &t), KB_EINVAL);
	assert_int_equal(ndr_tz_table_new("Europe/Atlantis", s0, s0, &t), KB_EINVAL);
	assert_int_equal(ndr_tz_table_new("Europe/Berlin", -NDR_TZ_TIME_MAX - 1, -NDR_TZ_TIME_MAX, &t), KB_EINVAL);
	assert_int_equal(ndr_tz_table_new("Europe/Berlin", NDR_TZ_TIME_MAX, NDR_TZ_TIME_MAX + 1, &t), KB_EINVAL);
	assert_null(t);
	/* One instant: a table of one hour. */
	assert_int_equal(ndr_tz_table_new("Asia/Kolkata", s0, s0, &t), 0);
	assert_int_equal(ndr_tz_offset(t, s0), 19800);
	assert_int_equal(ndr_tz_offset(t, 0), 19800);
	ndr_tz_table_free(t);
}

static void test_tz_restored(void **state)
{
	(void)state;
	const char *old = getenv("TZ");
	char *saved = old ? strdup(old) : NULL;
	ndr_tz_table *t;

	assert_int_equal(setenv("TZ", "America/New_York", 1), 0);
	tzset();
	assert_int_equal(ndr_tz_table_new("Europe/Berlin", 0, 86400, &t), 0);
	assert_non_null(getenv("TZ"));
	assert_string_equal(getenv("TZ"), "America/New_York");
	time_t at = 0;
	struct tm tm;
	assert_non_null(localtime_r(&at, &tm));
	assert_int_equal(tm.tm_gmtoff, -5 * 3600); /* the process's zone is New York again */
	ndr_tz_table_free(t);

	assert_int_equal(unsetenv("TZ"), 0);
	tzset();
	assert_int_equal(ndr_tz_table_new("Asia/Tokyo", 0, 86400, &t), 0);
	assert_int_equal(ndr_tz_offset(t, 0), 9 * 3600);
	assert_null(getenv("TZ"));
	ndr_tz_table_free(t);

	/* A refused build leaves it alone. */
	assert_int_equal(setenv("TZ", "UTC0", 1), 0);
	assert_int_equal(ndr_tz_table_new("Europe/Berlin", 0, INT64_C(1) << 30, &t), KB_ELIMIT);
	assert_string_equal(getenv("TZ"), "UTC0");

	if (saved)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	tzset();
	free(saved);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cidr_parse),
		cmocka_unit_test(test_cidr_contains),
		cmocka_unit_test(test_internal),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_value_forms),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_untouched_on_error),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_tz_known),
		cmocka_unit_test(test_tz_berlin),
		cmocka_unit_test(test_tz_utc_and_limits),
		cmocka_unit_test(test_tz_restored),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
