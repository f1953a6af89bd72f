/*
 * fuzz-zeek-common.h - the body shared by the Zeek log fuzz targets
 * (fuzz-zeek-tsv.c, fuzz-zeek-json.c): the input is split into lines, each
 * copied to a buffer of exactly its length (so reading past it is caught)
 * and fed to one reader. Records must hold what flow.h promises, errors
 * must name the line and a column inside it, and kb_ip_parse must agree
 * with inet_pton(3) on every tab-separated cell. The targets differ by
 * their seeds (fuzz/seeds/zeek-tsv/, fuzz/seeds/zeek-json/).
 */
#include "koban/flow.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_ip(const kb_ip *a)
{
	char buf[KB_IP_TEXT_MAX];
	kb_ip_format(a, buf, sizeof buf);
	kb_ip back;
	if (kb_ip_parse(buf, strlen(buf), &back) != 0 || memcmp(back.b, a->b, 16) != 0)
		abort();
}

static int on_flow(void *ctx, const kb_flow *f)
{
	(void)ctx;
	if (memchr(f->state, '\0', sizeof f->state) == NULL || memchr(f->service, '\0', sizeof f->service) == NULL)
		abort();
	if (f->state[0] && !(f->flags & KB_FLOW_HAS_STATE))
		abort();
	if (f->start_us < 0 || f->duration_us < -1)
		abort();
	if (f->proto != 0 && f->proto != 1 && f->proto != 6 && f->proto != 17 && f->proto != 58)
		abort();
	if (f->uid)
		(void)strlen(f->uid);
	check_ip(&f->orig);
	check_ip(&f->resp);
	return 0;
}

static int on_name(void *ctx, const kb_flow_name *n)
{
	(void)ctx;
	if (!n->name || !n->name[0])
		abort();
	if (n->kind != KB_FLOW_NAME_SNI && n->kind != KB_FLOW_NAME_HTTP_HOST && n->kind != KB_FLOW_NAME_DNS_QUERY)
		abort();
	if (n->uid)
		(void)strlen(n->uid);
	(void)strlen(n->name);
	check_ip(&n->orig);
	check_ip(&n->resp);
	return 0;
}

static void ip_agrees(const char *s, size_t n)
{
	if (n > 60)
		return;
	char buf[64];
	memcpy(buf, s, n);
	buf[n] = '\0';
	unsigned char ref[16];
	int want = strlen(buf) != n ? 0
	           : memchr(s, ':', n) ? inet_pton(AF_INET6, buf, ref)
	                               : inet_pton(AF_INET, buf, ref);
	kb_ip a;
	if ((want == 1) != (kb_ip_parse(s, n, &a) == 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kb_zeek *z = NULL;
	if (kb_zeek_new("fuzz", KB_ZEEK_UNKNOWN, &z) != 0)
		return 0;
	kb_flow_sink sink = { on_flow, on_name, NULL };
	kb_error err;
	const char *p = (const char *)data, *end = p + size;
	uint64_t lineno = 0;
	while (p <= end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		size_t len = (size_t)(e - p);
		char *line = malloc(len ? len : 1);
		if (!line)
			break;
		memcpy(line, p, len);
		lineno++;
		kb_error_clear(&err);
		int rc = kb_zeek_line(z, line, len, lineno, &sink, &err);
		if (rc != 0 && (err.code != rc || err.line != lineno || err.column > len + 1))
			abort();
		for (const char *c = line, *le = line + len; c <= le;) {
			const char *t = memchr(c, '\t', (size_t)(le - c));
			const char *ce = t ? t : le;
			ip_agrees(c, (size_t)(ce - c));
			if (!t)
				break;
			c = t + 1;
		}
		free(line);
		if (!nl)
			break;
		p = nl + 1;
	}
	kb_zeek_kind(z);
	kb_zeek_free(z);
	return 0;
}
