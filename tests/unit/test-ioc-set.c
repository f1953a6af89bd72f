/*
 * test-ioc-set.c - the matching set (exact values, domains by label suffix,
 * CIDRs of both families, URL prefixes, ports, file names, lookups from many
 * threads) and the token extractor on tricky lines; and a million IOCs
 * loaded from the store, timed.
 */
#include "ioc-internal.h"
#include "koban/ioc.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include <cmocka.h>
#include <sqlite3.h>

static kb_ioc_set *make(const char *const *spec, size_t n)
{
	kb_ioc_set_builder *b = NULL;
	assert_int_equal(kb_ioc_set_builder_new(&b), 0);
	for (size_t i = 0; i < n; i++) {
		char type[32], value[512];
		assert_int_equal(sscanf(spec[i], "%31s %511s", type, value), 2);
		kb_ioc ioc = { .type = kb_ioc_type_named(type), .value = value, .source = "t", .confidence = -1,
			       .to_ids = true };
		if (kb_ioc_set_add(b, &ioc) != 0)
			fail_msg("add %s", spec[i]);
	}
	kb_ioc_set *s = NULL;
	assert_int_equal(kb_ioc_set_build(b, &s), 0);
	return s;
}

static uint32_t v4(const char *s)
{
	struct in_addr a;
	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return ntohl(a.s_addr);
}

static const uint8_t *v6(const char *s)
{
	static uint8_t b[16];
	assert_int_equal(inet_pton(AF_INET6, s, b), 1);
	return b;
}

static const char *const spec[] = {
	"ipv4 198.51.100.7",
	"ipv4 10.0.0.0/8",
	"ipv4 10.1.0.0/16", /* inside 10/8 */
	"ipv4 192.0.2.128/25",
	"ipv4 172.16.0.0/12",
	"ipv6 2001:db8::1",
	"ipv6 2001:db8:aa::/48",
	"ipv6 2001:db8:aa:1::/64",
	"domain evil.example",
	"domain c2.bad.example",
	"url http://x.example/a?b=1",
	"url-prefix http://gate.example/drop/",
	"url-prefix http://gate.example/d",
	"md5 d41d8cd98f00b204e9800998ecf8427e",
	"sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709",
	"sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	"file-name Exploit.class",
	"email bad@evil.example",
	"port 1389",
};

static void test_lookups(void **state)
{
	(void)state;
	kb_ioc_set *s = make(spec, sizeof spec / sizeof spec[0]);
	assert_int_equal(kb_ioc_set_size(s), sizeof spec / sizeof spec[0]);
	assert_non_null(kb_ioc_match_ipv4(s, v4("198.51.100.7")));
	assert_null(kb_ioc_match_ipv4(s, v4("198.51.100.8")));
	const kb_ioc *m = kb_ioc_match_ipv4(s, v4("10.1.2.3"));
	assert_non_null(m);
	assert_string_equal(m->value, "10.0.0.0/8"); /* the widest holding CIDR */
	assert_non_null(kb_ioc_match_ipv4(s, v4("10.255.255.255")));
	assert_null(kb_ioc_match_ipv4(s, v4("11.0.0.0")));
	assert_non_null(kb_ioc_match_ipv4(s, v4("172.31.255.255")));
	assert_null(kb_ioc_match_ipv4(s, v4("172.32.0.0")));
	assert_non_null(kb_ioc_match_ipv4(s, v4("192.0.2.200")));
	assert_null(kb_ioc_match_ipv4(s, v4("192.0.2.127")));
	assert_null(kb_ioc_match_ipv4(s, v4("200.0.0.1")));
	assert_non_null(kb_ioc_match_ipv6(s, v6("2001:db8::1")));
	assert_null(kb_ioc_match_ipv6(s, v6("2001:db8::2")));
	m = kb_ioc_match_ipv6(s, v6("2001:db8:aa:1::5"));
	assert_non_null(m);
	assert_string_equal(m->value, "2001:db8:aa::/48");
	assert_non_null(kb_ioc_match_ipv6(s, v6("2001:db8:aa:ffff:ffff:ffff:ffff:ffff")));
	assert_null(kb_ioc_match_ipv6(s, v6("2001:db8:ab::")));
	/* domains by label suffix */
	assert_non_null(kb_ioc_match_domain(s, "evil.example", 12));
	assert_non_null(kb_ioc_match_domain(s, "A.B.Evil.Example.", 17));
	assert_null(kb_ioc_match_domain(s, "notevil.example", 15));
	assert_null(kb_ioc_match_domain(s, "evil.example.org", 16));
	assert_null(kb_ioc_match_domain(s, "bad.example", 11));
	assert_non_null(kb_ioc_match_domain(s, "x.c2.bad.example", 16));
	/* hashes by length, any case */
	assert_non_null(kb_ioc_match_hash(s, "D41D8CD98F00B204E9800998ECF8427E", 32));
	assert_non_null(kb_ioc_match_hash(s, "da39a3ee5e6b4b0d3255bfef95601890afd80709", 40));
	assert_non_null(kb_ioc_match_hash(s, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 64));
	assert_null(kb_ioc_match_hash(s, "d41d8cd98f00b204e9800998ecf8427f", 32));
	/* URLs: exact with the host in any case, and prefixes */
	assert_non_null(kb_ioc_match_url(s, "HTTP://X.Example/a?b=1", 22));
	assert_null(kb_ioc_match_url(s, "http://x.example/A?b=1", 22));
	m = kb_ioc_match_url(s, "http://gate.example/drop/x.sh", 29);
	assert_non_null(m);
	assert_non_null(kb_ioc_match_url(s, "http://gate.example/dz", 22));
	assert_null(kb_ioc_match_url(s, "http://gate.example/", 20));
	assert_non_null(kb_ioc_match_email(s, "Bad@Evil.example", 16));
	assert_non_null(kb_ioc_match_filename(s, "Exploit.class", 13));
	assert_null(kb_ioc_match_filename(s, "exploit.class", 13));
	assert_non_null(kb_ioc_match_port(s, 1389));
	assert_null(kb_ioc_match_port(s, 443));
	/* values must be normalised */
	kb_ioc_set_builder *b = NULL;
	assert_int_equal(kb_ioc_set_builder_new(&b), 0);
	kb_ioc bad = { .type = KB_IOC_DOMAIN, .value = "Evil.Example" };
	assert_int_equal(kb_ioc_set_add(b, &bad), KB_EINVAL);
	kb_ioc bad2 = { .type = KB_IOC_IPV4, .value = "10.0.0.1/8" };
	assert_int_equal(kb_ioc_set_add(b, &bad2), KB_EINVAL);
	kb_ioc_set_builder_free(b);
	kb_ioc_set_free(s);
	/* an empty set */
	assert_int_equal(kb_ioc_set_builder_new(&b), 0);
	assert_int_equal(kb_ioc_set_build(b, &s), 0);
	assert_null(kb_ioc_match_ipv4(s, 1));
	assert_null(kb_ioc_match_domain(s, "a.b", 3));
	assert_null(kb_ioc_match_url(s, "http://a/", 9));
	kb_ioc_set_free(s);
}

/* --- tokens -------------------------------------------------------- */

typedef struct toks {
	char text[4096];
	size_t len;
} toks;

static int tok_cb(const kb_ioc_token *t, void *ctx)
{
	toks *x = ctx;
	int w = snprintf(x->text + x->len, sizeof x->text - x->len, "%s%s=%.*s@%zu", x->len ? " " : "",
	                 kb_ioc_type_name(t->type), (int)t->len, t->s, t->offset);
	if (w > 0 && (size_t)w < sizeof x->text - x->len)
		x->len += (size_t)w;
	return 0;
}

static void expect_tokens(const char *line, const char *want)
{
	toks x = { .len = 0 };
	x.text[0] = '\0';
	assert_int_equal(kb_ioc_tokens(line, strlen(line), tok_cb, &x), 0);
	if (strcmp(x.text, want) != 0)
		fail_msg("line \"%s\"\n got \"%s\"\nwant \"%s\"", line, x.text, want);
}

static void test_tokens(void **state)
{
	(void)state;
	expect_tokens("src=1.2.3.4 dst=11.2.3.45", "ipv4=1.2.3.4@4 ipv4=11.2.3.45@16");
	/* an IP inside a longer IP, a version, or a word is no IP */
	expect_tokens("ver 1.2.3.4.5 and 21.2.3.4 and a1.2.3.4", "ipv4=21.2.3.4@18");
	expect_tokens("1.2.3.4:8080 [10.0.0.1] (192.0.2.1).", "ipv4=1.2.3.4@0 ipv4=10.0.0.1@14 ipv4=192.0.2.1@25");
	expect_tokens("end of sentence 10.0.0.1.", "ipv4=10.0.0.1@16");
	expect_tokens("256.1.1.1 01.2.3.4", "");
	/* IPv6 */
	expect_tokens("from [2001:db8::1]:443 to ::ffff:192.0.2.5 at 12:30:45",
	              "ipv6=2001:db8::1@6 ipv6=::ffff:192.0.2.5@26");
	/* hashes only as whole runs of 32, 40 or 64 */
	expect_tokens("md5=d41d8cd98f00b204e9800998ecf8427e x",
	              "md5=d41d8cd98f00b204e9800998ecf8427e@4");
	expect_tokens("d41d8cd98f00b204e9800998ecf8427e0 0d41d8cd98f00b204e9800998ecf8427e", "");
	expect_tokens("id_da39a3ee5e6b4b0d3255bfef95601890afd80709", "sha1=da39a3ee5e6b4b0d3255bfef95601890afd80709@3");
	expect_tokens("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	              "sha256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855@0");
	/* URLs first, then their hosts among the other tokens */
	expect_tokens("GET http://evil.example/x.class?a=1, then",
	              "url=http://evil.example/x.class?a=1@4 domain=evil.example@11 domain=x.class@24");
	expect_tokens("${jndi:ldap://198.51.100.7:1389/a}",
	              "url=ldap://198.51.100.7:1389/a@7 ipv4=198.51.100.7@14");
	/* e-mail addresses, and their domains */
	expect_tokens("mail from <Bad@Evil.Example>", "email=Bad@Evil.Example@11 domain=Evil.Example@15");
	/* domains need an alphabetic top-level label */
	expect_tokens("log4j-core-2.14.1.jar and host.local and 1.2.3.x4", "domain=log4j-core-2.14.1.jar@0 domain=host.local@26");
	expect_tokens("", "");
	/* percent escapes are cut out whole, also escaped twice */
	expect_tokens("q=%24%7Bjndi%3Aldap%3A%2F%2Fx5e9.evil.example%2Fa%7D", "domain=x5e9.evil.example@28");
	expect_tokens("q=%252Fx5e9.evil.example%2520", "domain=x5e9.evil.example@7");
	expect_tokens("a%41b.example.com %", "domain=b.example.com@4");
}

/* Every token of a line as text, for comparing the two walks. */
struct toklist {
	char text[8192];
	size_t len;
};

static int list_tok(const kb_ioc_token *t, void *ctx)
{
	struct toklist *l = ctx;
	int w = snprintf(l->text + l->len, sizeof l->text - l->len, "%d:%zu:%zu ", (int)t->type, t->offset, t->len);
	if (w > 0 && (size_t)w < sizeof l->text - l->len)
		l->len += (size_t)w;
	return 0;
}

/* The fast walk finds exactly what the byte-wise reference finds, on lines
 * made of the characters tokens are made of (hex runs around 32, 40 and 64
 * long, dots, colons, '@', escapes and separators). */
static void test_tokens_differential(void **state)
{
	(void)state;
	static const char *const parts[] = {
		"d41d8cd98f00b204e9800998ecf8427e", "da39a3ee5e6b4b0d3255bfef95601890afd80709",
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "abc", "0", "9f",
		".", ":", "@", "%", "%2F", "_", "+", "-", " ", "/", "\"", "[", "]", "::", "://", "http",
		"evil", "example", "com", "10.0.0.1", "192.0.2.66", "2001:db8::1", "x@y.example", "\xff", "\t",
	};
	unsigned seed = 12345;
	char line[600];
	for (int n = 0; n < 200000; n++) {
		size_t len = 0;
		seed = seed * 1103515245u + 12345u;
		size_t k = (seed >> 16) % 24;
		for (size_t i = 0; i < k; i++) {
			seed = seed * 1103515245u + 12345u;
			const char *p = parts[(seed >> 16) % (sizeof parts / sizeof *parts)];
			size_t pl = strlen(p);
			if (len + pl >= sizeof line)
				break;
			memcpy(line + len, p, pl);
			len += pl;
		}
		struct toklist a = { .len = 0 }, b = { .len = 0 };
		a.text[0] = b.text[0] = '\0';
		kb_ioc_tokens(line, len, list_tok, &a);
		kb_ioc_tokens_bytewise(line, len, list_tok, &b);
		if (strcmp(a.text, b.text) != 0)
			fail_msg("line \"%.*s\"\n fast %s\n  ref %s", (int)len, line, a.text, b.text);
	}
}

static int find_url(const kb_ioc_token *t, void *ctx)
{
	if (t->type == KB_IOC_URL)
		*(size_t *)ctx = t->offset;
	return 0;
}

/* A URL is found wherever its "://" falls against the 16-byte blocks, also
 * with a ':' and a '/' that are not one just before it. */
static void test_tokens_url_alignment(void **state)
{
	(void)state;
	for (size_t pad = 0; pad < 40; pad++)
		for (size_t tail = 0; tail < 20; tail++) {
			char line[128];
			size_t n = 0;
			for (size_t i = 0; i < pad; i++)
				line[n++] = i % 7 == 3 ? ':' : i % 5 == 1 ? '/' : ' ';
			memcpy(line + n, " ldap://evil.example/a", 22);
			n += 22;
			for (size_t i = 0; i < tail; i++)
				line[n++] = i % 3 ? ':' : '/';
			size_t at = (size_t)-1;
			kb_ioc_tokens(line, n, find_url, &at);
			assert_int_equal(at, pad + 1);
		}
	const char *l = "x:/ y:/";
	size_t at = (size_t)-1;
	kb_ioc_tokens(l, strlen(l), find_url, &at);
	assert_int_equal(at, (size_t)-1);
}

/* KB_IOC_SET_MAX: one IOC past the builder's limit is refused. */
static void test_set_limit(void **state)
{
	(void)state;
	kb_ioc_set_builder *b = NULL;
	assert_int_equal(kb_ioc_set_builder_new(&b), 0);
	kb_ioc_set_builder_limit(b, 3);
	const char *v[] = { "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4" };
	for (int i = 0; i < 4; i++) {
		kb_ioc ioc = { .type = KB_IOC_IPV4, .value = v[i], .source = "t", .to_ids = true };
		assert_int_equal(kb_ioc_set_add(b, &ioc), i < 3 ? 0 : KB_ELIMIT);
	}
	kb_ioc_set *set = NULL;
	assert_int_equal(kb_ioc_set_build(b, &set), 0);
	assert_int_equal(kb_ioc_set_size(set), 3);
	kb_ioc_set_free(set);
}

static int stop_cb(const kb_ioc_token *t, void *ctx)
{
	(void)t;
	(*(int *)ctx)++;
	return 7;
}

static void test_tokens_stop(void **state)
{
	(void)state;
	int n = 0;
	const char *l = "1.2.3.4 5.6.7.8";
	assert_int_equal(kb_ioc_tokens(l, strlen(l), stop_cb, &n), 7);
	assert_int_equal(n, 1);
}

typedef struct hunt {
	const kb_ioc_set *s;
	int hits;
} hunt;

static int hunt_cb(const kb_ioc_token *t, void *ctx)
{
	hunt *h = ctx;
	if (kb_ioc_match_token(h->s, t))
		h->hits++;
	return 0;
}

static void *thread_main(void *arg)
{
	hunt *h = arg;
	const char *line = "GET http://gate.example/drop/x from 10.9.9.9 ref a.evil.example ua Exploit.class "
	                   "md5 d41d8cd98f00b204e9800998ecf8427e v6 2001:db8:aa::7 mapped ::ffff:198.51.100.7";
	for (int i = 0; i < 20000; i++)
		kb_ioc_tokens(line, strlen(line), hunt_cb, h);
	return NULL;
}

static void test_match_tokens_threads(void **state)
{
	(void)state;
	kb_ioc_set *s = make(spec, sizeof spec / sizeof spec[0]);
	pthread_t th[4];
	hunt h[4];
	for (int i = 0; i < 4; i++) {
		h[i] = (hunt){ .s = s };
		pthread_create(&th[i], NULL, thread_main, &h[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		/* url, gate.example? no; 10.9.9.9 (10/8), a.evil.example, Exploit.class, md5, v6, mapped v4 */
		assert_int_equal(h[i].hits, 20000 * 7);
	}
	kb_ioc_set_free(s);
}

/* A million IOCs from the store into a set, timed. */
static void test_million(void **state)
{
	(void)state;
	char path[64];
	snprintf(path, sizeof path, "/tmp/koban-ioc-million-%d.db", (int)getpid()); /* runs in parallel must not share it */
	remove(path);
	kb_store *s = NULL;
	kb_error err = { 0 };
	assert_int_equal(kb_store_open(path, KB_STORE_CREATE, &s, &err), 0);
	kb_store_close(s);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	const char *sql =
		"BEGIN;"
		"WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 249999)"
		" INSERT INTO ioc(type, value, source, ref, label, first_seen)"
		" SELECT 'ipv4', ((i >> 16 & 255) + 1) || '.' || (i >> 8 & 255) || '.' || (i & 255) || '.7', 'bulk.txt',"
		"  'indicator--' || i, 'bulk', '2021-12-10' FROM n"
		" UNION ALL SELECT 'domain', 'host' || i || '.bad.example', 'bulk.txt', 'indicator--d' || i, 'bulk',"
		"  '2021-12-10' FROM n"
		" UNION ALL SELECT 'sha256', printf('%016x%016x%016x%016x', i, i * 3, i * 7, i * 11), 'bulk.txt', 'indicator--h' || i, 'bulk',"
		"  '2021-12-10' FROM n"
		" UNION ALL SELECT 'url', 'http://u' || i || '.example/p', 'bulk.txt', 'indicator--u' || i, 'bulk',"
		"  '2021-12-10' FROM n;"
		"COMMIT;";
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s", msg);
	sqlite3_close(db);
	assert_int_equal(kb_store_open(path, 0, &s, &err), 0);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	kb_ioc_set *set = NULL;
	assert_int_equal(kb_iocs_load(s, "2026-01-01", &set, &err), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	print_message("kb_iocs_load: %zu IOCs in %.3f s\n", kb_ioc_set_size(set), secs);
	assert_int_equal(kb_ioc_set_size(set), 1000000);
	assert_non_null(kb_ioc_match_domain(set, "a.host4242.bad.example", 22));
	assert_non_null(kb_ioc_match_ipv4(set, v4("1.16.146.7")));
	assert_null(kb_ioc_match_ipv4(set, v4("1.16.146.8")));
	assert_non_null(kb_ioc_match_url(set, "http://u77.example/p", 20));
	/* lookups cost the same as in a small set: a million misses, timed */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	size_t hits = 0;
	for (uint32_t i = 0; i < 1000000; i++)
		hits += kb_ioc_match_ipv4(set, 0xC0000000u + i) != NULL;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	print_message("1,000,000 IPv4 lookups: %.3f s\n", secs);
	assert_int_equal(hits, 0);
	kb_ioc_set_free(set);
	kb_store_close(s);
	remove(path);
	char side[80];
	snprintf(side, sizeof side, "%s-wal", path);
	remove(side);
	snprintf(side, sizeof side, "%s-shm", path);
	remove(side);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_tokens_stop),
		cmocka_unit_test(test_tokens_differential),
		cmocka_unit_test(test_set_limit),
		cmocka_unit_test(test_tokens_url_alignment),
		cmocka_unit_test(test_match_tokens_threads),
		cmocka_unit_test(test_million),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
