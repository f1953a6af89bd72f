/*
 * net-addr.c - classify an address literal as internal, public or unknown.
 *
 * The address is parsed with inet_pton(3) (no resolver is ever consulted: a
 * name gives "unknown"), then tested against a short table of prefixes. The
 * table is the whole policy; see net.h for what it holds and why.
 */
#include "koban/net.h"

#include "koban/koban.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

struct prefix4 {
	uint32_t net;
	unsigned bits;
	kb_exposure exposure;
};

static const struct prefix4 v4_table[] = {
	{ 0x0A000000u, 8, KB_EXPOSURE_INTERNAL },  /* 10/8, RFC 1918 */
	{ 0xAC100000u, 12, KB_EXPOSURE_INTERNAL }, /* 172.16/12, RFC 1918 */
	{ 0xC0A80000u, 16, KB_EXPOSURE_INTERNAL }, /* 192.168/16, RFC 1918 */
	{ 0x64400000u, 10, KB_EXPOSURE_INTERNAL }, /* 100.64/10, RFC 6598 */
	{ 0x7F000000u, 8, KB_EXPOSURE_INTERNAL },  /* 127/8 loopback */
	{ 0xA9FE0000u, 16, KB_EXPOSURE_INTERNAL }, /* 169.254/16 link-local */
	{ 0x00000000u, 8, KB_EXPOSURE_UNKNOWN },   /* 0/8 "this network" */
	{ 0xE0000000u, 4, KB_EXPOSURE_UNKNOWN },   /* 224/4 multicast */
	{ 0xF0000000u, 4, KB_EXPOSURE_UNKNOWN },   /* 240/4 reserved, broadcast */
};

static kb_exposure classify_v4(uint32_t a)
{
	for (size_t i = 0; i < sizeof v4_table / sizeof v4_table[0]; i++) {
		uint32_t mask = v4_table[i].bits ? ~0u << (32 - v4_table[i].bits) : 0;
		if ((a & mask) == v4_table[i].net)
			return v4_table[i].exposure;
	}
	return KB_EXPOSURE_PUBLIC;
}

static kb_exposure classify_v6(const unsigned char a[16])
{
	static const unsigned char zero[16];
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (memcmp(a, mapped, 12) == 0) {
		uint32_t v4 = (uint32_t)a[12] << 24 | (uint32_t)a[13] << 16 | (uint32_t)a[14] << 8 | a[15];
		return classify_v4(v4);
	}
	if (memcmp(a, zero, 15) == 0 && a[15] == 1)
		return KB_EXPOSURE_INTERNAL; /* ::1 */
	if (memcmp(a, zero, 16) == 0)
		return KB_EXPOSURE_UNKNOWN; /* :: */
	if ((a[0] & 0xfe) == 0xfc)
		return KB_EXPOSURE_INTERNAL; /* fc00::/7 unique local */
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return KB_EXPOSURE_INTERNAL; /* fe80::/10 link-local */
	if (a[0] == 0xff)
		return KB_EXPOSURE_UNKNOWN; /* multicast */
	return KB_EXPOSURE_PUBLIC;
}

kb_exposure kb_net_classify(const char *address)
{
	if (!address)
		return KB_EXPOSURE_UNKNOWN;
	char tmp[INET6_ADDRSTRLEN + 64];
	size_t n = strlen(address);
	if (n >= sizeof tmp)
		return KB_EXPOSURE_UNKNOWN;
	memcpy(tmp, address, n + 1);
	char *s = tmp;
	if (s[0] == '[') {
		char *close = strchr(s, ']');
		if (!close)
			return KB_EXPOSURE_UNKNOWN;
		*close = '\0';
		s++;
	}
	char *zone = strchr(s, '%');
	if (zone)
		*zone = '\0';
	struct in_addr a4;
	if (inet_pton(AF_INET, s, &a4) == 1)
		return classify_v4(ntohl(a4.s_addr));
	struct in6_addr a6;
	if (inet_pton(AF_INET6, s, &a6) == 1)
		return classify_v6(a6.s6_addr);
	return KB_EXPOSURE_UNKNOWN;
}

const char *kb_exposure_name(kb_exposure e)
{
	switch (e) {
	case KB_EXPOSURE_PUBLIC: return "public";
	case KB_EXPOSURE_INTERNAL: return "internal";
	case KB_EXPOSURE_UNKNOWN: break;
	}
	return "unknown";
}

int kb_exposure_parse(const char *s, kb_exposure *ret)
{
	static const struct {
		const char *word;
		kb_exposure e;
	} words[] = {
		{ "public", KB_EXPOSURE_PUBLIC },     { "internet", KB_EXPOSURE_PUBLIC },
		{ "internal", KB_EXPOSURE_INTERNAL }, { "private", KB_EXPOSURE_INTERNAL },
		{ "unknown", KB_EXPOSURE_UNKNOWN },
	};
	for (size_t i = 0; s && i < sizeof words / sizeof words[0]; i++)
		if (strcasecmp(s, words[i].word) == 0) {
			*ret = words[i].e;
			return 0;
		}
	return KB_EINVAL;
}
