/*
 * flow-ip.c - the kb_ip address of flow records: IPv4 held as IPv4-mapped
 * IPv6 (::ffff:a.b.c.d), so one 16-byte key serves both families.
 *
 * Parsing takes a span that is not NUL-terminated (a field inside a log
 * line). A dotted quad is read by hand, with inet_pton(3)'s rules (exactly
 * four parts, 0-255, no leading zeros), because the Zeek reader parses two
 * addresses per row; anything with a ':' is copied to a bounded NUL-
 * terminated buffer and given to inet_pton(AF_INET6). A literal longer than
 * the longest IPv6 text (45 bytes) or holding a NUL is refused before any
 * copy.
 */
#include "koban/flow.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#define IP_TEXT_LONGEST 45 /* "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255" */

static const uint8_t v4_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

kb_ip kb_ip_v4(uint32_t v4)
{
	kb_ip a;
	memcpy(a.b, v4_prefix, sizeof v4_prefix);
	a.b[12] = (uint8_t)(v4 >> 24);
	a.b[13] = (uint8_t)(v4 >> 16);
	a.b[14] = (uint8_t)(v4 >> 8);
	a.b[15] = (uint8_t)v4;
	return a;
}

bool kb_ip_is_v4(const kb_ip *a)
{
	return memcmp(a->b, v4_prefix, sizeof v4_prefix) == 0;
}

/* inet_pton(AF_INET) without the copy: 0 or -1. */
static int parse_v4(const char *s, size_t len, uint32_t *ret)
{
	const char *p = s, *end = s + len;
	uint32_t v = 0;
	for (int part = 0; part < 4; part++) {
		if (part) {
			if (p == end || *p != '.')
				return -1;
			p++;
		}
		if (p == end)
			return -1;
		unsigned x = (unsigned)(unsigned char)*p++ - '0';
		if (x > 9)
			return -1;
		for (int k = 1; k < 3 && p < end; k++) {
			unsigned d = (unsigned)(unsigned char)*p - '0';
			if (d > 9)
				break;
			if (x == 0)
				return -1; /* leading zero */
			x = x * 10 + d;
			p++;
		}
		if (x > 255)
			return -1;
		v = v << 8 | x;
	}
	if (p != end)
		return -1;
	*ret = v;
	return 0;
}

int kb_ip_parse(const char *s, size_t len, kb_ip *ret)
{
	if (!s || len == 0 || len > IP_TEXT_LONGEST)
		return KB_EINVAL;
	uint32_t v4;
	if (parse_v4(s, len, &v4) == 0) { /* refuses every byte but digits and dots */
		*ret = kb_ip_v4(v4);
		return 0;
	}
	if (!memchr(s, ':', len) || memchr(s, '\0', len))
		return KB_EINVAL;
	char buf[IP_TEXT_LONGEST + 1];
	memcpy(buf, s, len);
	buf[len] = '\0';
	kb_ip a;
	if (inet_pton(AF_INET6, buf, a.b) != 1)
		return KB_EINVAL;
	*ret = a;
	return 0;
}

void kb_ip_format(const kb_ip *a, char *buf, size_t size)
{
	if (!size)
		return;
	char text[KB_IP_TEXT_MAX];
	const char *ok = kb_ip_is_v4(a) ? inet_ntop(AF_INET, a->b + 12, text, sizeof text)
	                                : inet_ntop(AF_INET6, a->b, text, sizeof text);
	snprintf(buf, size, "%s", ok ? text : "");
}
