/*
 * fuzz-ndr-config.c - libFuzzer target for the `koban detect` configuration
 * (kb_detect_config_parse). On success the configuration must keep its
 * invariants: counts within their limits, networks with no host bits, a
 * known time zone, business hours with start < end <= 24:00 on at least one
 * day, no baseline or one with 0 <= start < end, thresholds in range; and a
 * time-zone table over the baseline (or a day) must give local times in
 * range. On failure the error must carry the code, and (but for the size
 * limit) a line and column inside the input, and the output must be
 * untouched.
 */
#include "koban/detect.h"
#include "ndr-config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static kb_detect_config cfg, before;

static void check_nets(const kb_cidr *n, size_t count, size_t max)
{
	if (count > max)
		abort();
	for (size_t i = 0; i < count; i++) {
		if (n[i].prefix > 128 || !kb_cidr_contains(&n[i], &n[i].net))
			abort();
		kb_cidr again;
		char buf[KB_IP_TEXT_MAX];
		kb_ip_format(&n[i].net, buf, sizeof buf);
		if (kb_cidr_parse(buf, strlen(buf), &again) != 0 || memcmp(again.net.b, n[i].net.b, 16) != 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	memset(&cfg, 0x5c, sizeof cfg);
	memcpy(&before, &cfg, sizeof cfg);
	kb_error err;
	kb_error_clear(&err);
	int rc = kb_detect_config_parse("fuzz", (const char *)data, size, &cfg, &err);
	if (rc != 0) {
		if (err.code != rc || memcmp(&cfg, &before, sizeof cfg) != 0)
			abort();
		if (rc != KB_ENOMEM && size <= KB_DETECT_CONFIG_MAX_BYTES &&
		    (err.line == 0 || err.column == 0 || err.offset > size || err.column > err.offset + 1))
			abort();
		return 0;
	}
	const kb_detect_config *c = &cfg;
	check_nets(c->internal, c->n_internal, KB_DETECT_MAX_NETS);
	check_nets(c->admins, c->n_admins, KB_DETECT_MAX_ADMINS);
	if (!memchr(c->timezone, '\0', sizeof c->timezone) || !ndr_tz_known(c->timezone))
		abort();
	if (c->business_days == 0 || c->business_days > 0x7f || c->business_start >= c->business_end ||
	    c->business_end > 1440)
		abort();
	bool no_baseline = c->baseline_since_us == 0 && c->baseline_until_us == 0;
	if (!no_baseline && (c->baseline_since_us < 0 || c->baseline_since_us >= c->baseline_until_us))
		abort();
	if (c->beacon_min_score > 100 || c->report_min_priority > 100 || c->fanout_min_hosts == 0 ||
	    c->scan_min_targets == 0 || c->dns_min_subdomains == 0 || c->upload_min_bytes == 0 || c->long_conn_min_s == 0)
		abort();

	int64_t since = no_baseline ? 1795000000 : c->baseline_since_us / 1000000;
	int64_t until = no_baseline ? since + 86400 : c->baseline_until_us / 1000000;
	if (until - since > 86400 * 3)
		until = since + 86400 * 3; /* keep each run short */
	ndr_tz_table *t = NULL;
	if (ndr_tz_table_new(c->timezone, since, until, &t) != 0)
		abort();
	for (int64_t s = since; s <= until; s += 3571) {
		int wday, minute;
		int mow = ndr_local_minute_of_week(t, s, &wday, &minute);
		int32_t off = ndr_tz_offset(t, s);
		if (wday < 0 || wday > 6 || minute < 0 || minute >= 1440 || mow != wday * 1440 + minute ||
		    off < -26 * 3600 || off > 26 * 3600)
			abort();
		(void)ndr_business_hours(c, t, s);
	}
	ndr_tz_table_free(t);
	return 0;
}
