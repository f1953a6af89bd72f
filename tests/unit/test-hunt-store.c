/*
 * test-hunt-store.c - hunt hits in the store, callback hosts kept as IOCs,
 * and the resolver that links a log's host to a ledger asset.
 */
#include "koban/hunt.h"
#include "koban/ioc.h"
#include "koban/ledger.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static const char ledger_csv[] =
	"name,category,interfaces\n"
	"web-01.corp.example,external,service 10.9.0.5:443/tcp; management [2001:db8::5]:22/tcp\n"
	"web-01.lab.example,internal,\n" /* shares the first label web-01 */
	"db-01.corp.example,internal,service 10.9.0.6:5432/tcp\n"
	"db-02.corp.example,internal,service 10.9.0.6:5433/tcp\n" /* shares an address */
	"gw,internal,service 192.0.2.1:22/tcp\n";

static kb_store *store_with_ledger(void)
{
	kb_store *s = NULL;
	kb_error err;
	kb_error_clear(&err);
	assert_int_equal(kb_store_open(KB_STORE_MEMORY, KB_STORE_CREATE, &s, &err), 0);
	int r = kb_ledger_import_mem(s, "ledger.csv", ledger_csv, strlen(ledger_csv), NULL, NULL, &err);
	if (r < 0)
		fail_msg("%s", err.msg);
	return s;
}

static const char *resolve(const kb_asset_resolver *r, const char *host)
{
	const char *name = NULL;
	int64_t id = kb_asset_resolve(r, host, strlen(host), &name);
	if (id <= 0)
		return "";
	assert_non_null(name);
	return name;
}

static void test_resolver(void **state)
{
	(void)state;
	kb_store *s = store_with_ledger();
	kb_asset_resolver *r = NULL;
	kb_error err;
	assert_int_equal(kb_asset_resolver_new(s, &r, &err), 0);
	/* whole names, any case, a trailing dot */
	assert_string_equal(resolve(r, "db-01.corp.example"), "db-01.corp.example");
	assert_string_equal(resolve(r, "DB-01.Corp.Example."), "db-01.corp.example");
	/* a short name: the one asset with that first label */
	assert_string_equal(resolve(r, "db-01"), "db-01.corp.example");
	assert_string_equal(resolve(r, "web-01"), ""); /* two assets: no answer */
	/* a dotted host and a dotless asset name */
	assert_string_equal(resolve(r, "gw.corp.example"), "gw");
	assert_string_equal(resolve(r, "gw"), "gw");
	/* two dotted names never match by their first labels */
	assert_string_equal(resolve(r, "db-01.other.example"), "");
	/* addresses: IPv4, IPv6 in brackets, IPv4-mapped, a zone; a shared one is no answer */
	assert_string_equal(resolve(r, "10.9.0.5"), "web-01.corp.example");
	assert_string_equal(resolve(r, "[2001:DB8::5]"), "web-01.corp.example");
	assert_string_equal(resolve(r, "::ffff:192.0.2.1"), "gw");
	assert_string_equal(resolve(r, "2001:db8::5%eth0"), "web-01.corp.example");
	assert_string_equal(resolve(r, "10.9.0.6"), "");
	assert_string_equal(resolve(r, "10.9.0.7"), "");
	/* an address is never a name; nothing, and too long, is nothing */
	assert_string_equal(resolve(r, ""), "");
	char big[600];
	memset(big, 'a', sizeof big);
	assert_int_equal(kb_asset_resolve(r, big, sizeof big, NULL), 0);
	assert_int_equal(kb_asset_resolve(NULL, "gw", 2, NULL), 0);
	assert_null(kb_asset_resolver_free(r));
	assert_null(kb_asset_resolver_free(NULL));
	kb_store_close(s);
}

struct seen {
	size_t n;
	char what[8][64], asset[8][64], cls[8][16];
	int64_t epoch[8];
};

static int collect(const kb_hunt_hit *h, void *ctx)
{
	struct seen *sn = ctx;
	if (sn->n < 8) {
		snprintf(sn->what[sn->n], sizeof sn->what[0], "%s", h->what);
		snprintf(sn->asset[sn->n], sizeof sn->asset[0], "%s", h->asset ? h->asset : "");
		snprintf(sn->cls[sn->n], sizeof sn->cls[0], "%s", h->cls);
		sn->epoch[sn->n] = h->has_epoch ? h->epoch : -1;
		assert_non_null(h->first_hunted);
		assert_non_null(h->last_hunted);
	}
	sn->n++;
	return 0;
}

static void test_hits(void **state)
{
	(void)state;
	kb_store *s = store_with_ledger();
	kb_asset_resolver *r = NULL;
	kb_error err;
	assert_int_equal(kb_asset_resolver_new(s, &r, &err), 0);
	int64_t web = kb_asset_resolve(r, "10.9.0.5", 8, NULL);
	assert_true(web > 0);
	kb_hunt_hit h[3] = {
		{ .file = "a.log", .line = 2, .offset = 90, .kind = "log4shell", .cls = "attempt",
		  .what = "${jndi:ldap://x/a}", .detail = "CVE-2021-44228", .has_epoch = true, .epoch = 1763518447,
		  .asset_id = web, .host = "web-01" },
		{ .file = "a.log", .line = 1, .offset = 10, .kind = "ioc", .cls = "ioc", .what = "192.0.2.66" },
		{ .file = "b.log", .line = 1, .offset = 0, .kind = "log4shell", .cls = "success",
		  .what = "com.sun.jndi.ldap.LdapCtx@1" },
	};
	assert_int_equal(kb_hunt_hits_put(s, h, 3, &err), 0);
	int64_t n = 0;
	assert_int_equal(kb_hunt_hits_count(s, &n, &err), 0);
	assert_int_equal(n, 3);
	struct seen sn = { 0 };
	assert_int_equal(kb_hunt_hits_list(s, NULL, collect, &sn, &err), 0);
	assert_int_equal(sn.n, 3);
	assert_string_equal(sn.what[0], "192.0.2.66"); /* by file, line, offset */
	assert_string_equal(sn.what[1], "${jndi:ldap://x/a}");
	assert_string_equal(sn.asset[1], "web-01.corp.example");
	assert_int_equal(sn.epoch[1], 1763518447);
	assert_int_equal(sn.epoch[0], -1);

	/* the same hits again: updated, not added; a new asset link is taken, a missing one keeps the old */
	h[0].cls = "scanner";
	h[0].asset_id = 0;
	h[1].asset_id = web;
	assert_int_equal(kb_hunt_hits_put(s, h, 2, &err), 0);
	assert_int_equal(kb_hunt_hits_count(s, &n, &err), 0);
	assert_int_equal(n, 3);
	memset(&sn, 0, sizeof sn);
	kb_hunt_hit_filter f = { .asset = "web-01.corp.example" };
	assert_int_equal(kb_hunt_hits_list(s, &f, collect, &sn, &err), 0);
	assert_int_equal(sn.n, 2);
	assert_string_equal(sn.cls[1], "scanner");
	memset(&sn, 0, sizeof sn);
	f = (kb_hunt_hit_filter){ .unlinked = true };
	assert_int_equal(kb_hunt_hits_list(s, &f, collect, &sn, &err), 0);
	assert_int_equal(sn.n, 1);
	assert_string_equal(sn.cls[0], "success");
	memset(&sn, 0, sizeof sn);
	f = (kb_hunt_hit_filter){ .cls = "ioc" };
	assert_int_equal(kb_hunt_hits_list(s, &f, collect, &sn, &err), 0);
	assert_int_equal(sn.n, 1);

	/* a bad hit in a batch: nothing of the batch is kept */
	kb_hunt_hit bad[2] = {
		{ .file = "c.log", .line = 1, .offset = 0, .kind = "ioc", .cls = "ioc", .what = "10.0.0.1" },
		{ .file = "c.log", .line = 2, .offset = 9, .kind = "ioc", .cls = "maybe", .what = "10.0.0.2" },
	};
	kb_error_clear(&err);
	assert_int_equal(kb_hunt_hits_put(s, bad, 2, &err), KB_EINVAL);
	assert_non_null(strstr(err.msg, "maybe"));
	bad[1].cls = "ioc";
	bad[1].what = "";
	assert_int_equal(kb_hunt_hits_put(s, bad, 2, &err), KB_EINVAL);
	assert_int_equal(kb_hunt_hits_count(s, &n, &err), 0);
	assert_int_equal(n, 3);

	/* deleting the asset unlinks its hits, it does not lose them */
	assert_int_equal(kb_ledger_delete(s, "web-01.corp.example", &err), 0);
	assert_int_equal(kb_hunt_hits_count(s, &n, &err), 0);
	assert_int_equal(n, 3);
	memset(&sn, 0, sizeof sn);
	f = (kb_hunt_hit_filter){ .unlinked = true };
	assert_int_equal(kb_hunt_hits_list(s, &f, collect, &sn, &err), 0);
	assert_int_equal(sn.n, 3);
	kb_asset_resolver_free(r);
	kb_store_close(s);
}

static void test_callbacks_as_iocs(void **state)
{
	(void)state;
	kb_store *s = store_with_ledger();
	kb_error err;
	kb_ioc iocs[3] = {
		{ .type = KB_IOC_DOMAIN, .value = "CB1.Evil.Example", .source = "koban hunt", .first_seen = "2026-11-19T02:00:00Z",
		  .last_seen = "2026-11-19T02:00:00Z", .confidence = -1, .to_ids = true, .label = "seen in a.log:1" },
		{ .type = KB_IOC_IPV4, .value = "192.0.2.66", .source = "koban hunt", .confidence = -1, .to_ids = true },
		{ .type = KB_IOC_DOMAIN, .value = "cb1.evil.example", .source = "koban hunt", .first_seen = "2026-11-18T00:00:00Z",
		  .last_seen = "2026-11-20T00:00:00Z", .confidence = -1, .to_ids = true },
	};
	assert_int_equal(kb_iocs_put(s, iocs, 3, &err), 0);
	/* again, and a file import of another source: nothing of the hunt's is deleted */
	assert_int_equal(kb_iocs_put(s, iocs, 1, &err), 0);
	const char list[] = "10.0.0.1\n";
	assert_int_equal(kb_iocs_import_mem(s, "feed.txt", list, strlen(list), NULL, NULL, &err), 0);
	int64_t n = 0;
	assert_int_equal(kb_iocs_count(s, &n, &err), 0);
	assert_int_equal(n, 3);
	kb_ioc_set *set = NULL;
	assert_int_equal(kb_iocs_load(s, "2026-11-22", &set, &err), 0);
	const kb_ioc *m = kb_ioc_match_domain(set, "x.cb1.evil.example", 18);
	assert_non_null(m);
	assert_string_equal(m->source, "koban hunt");
	assert_string_equal(m->first_seen, "2026-11-18T00:00:00Z"); /* merged: the earliest and the latest */
	assert_string_equal(m->last_seen, "2026-11-20T00:00:00Z");
	kb_ioc_set_free(set);
	/* a value that is not of its type: nothing kept */
	kb_ioc bad[2] = { iocs[1], { .type = KB_IOC_IPV4, .value = "not-an-ip", .source = "koban hunt" } };
	bad[0].value = "198.51.100.9";
	assert_int_equal(kb_iocs_put(s, bad, 2, &err), KB_EINVAL);
	assert_int_equal(kb_iocs_count(s, &n, &err), 0);
	assert_int_equal(n, 3);
	kb_store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolver),
		cmocka_unit_test(test_hits),
		cmocka_unit_test(test_callbacks_as_iocs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
