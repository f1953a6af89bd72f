/*
 * ioc-value.c - the IOC vocabulary: type names, and the one normalisation
 * every reader and the matching set use, so a value is spelled the same
 * wherever it comes from.
 *
 * Addresses are parsed here by hand (IPv4: four decimal octets, no leading
 * zeros, so "010.1.1.1" is not silently octal) or with inet_pton (IPv6), and
 * printed back canonically; a CIDR is kept as its network address, and a
 * full-length prefix as a plain address. Domains are ASCII (punycode for
 * IDNs), labels of letters, digits, '-' and '_', at least two labels and a
 * top-level label that is not all digits.
 */
#include "ioc-internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const type_names[KB_IOC_TYPE_COUNT] = {
	[KB_IOC_NONE] = "none",       [KB_IOC_IPV4] = "ipv4",     [KB_IOC_IPV6] = "ipv6",
	[KB_IOC_DOMAIN] = "domain",   [KB_IOC_URL] = "url",       [KB_IOC_URL_PREFIX] = "url-prefix",
	[KB_IOC_MD5] = "md5",         [KB_IOC_SHA1] = "sha1",     [KB_IOC_SHA256] = "sha256",
	[KB_IOC_FILENAME] = "file-name", [KB_IOC_EMAIL] = "email", [KB_IOC_PORT] = "port",
};

const char *kb_ioc_type_name(kb_ioc_type t)
{
	return (t > KB_IOC_NONE && t < KB_IOC_TYPE_COUNT) ? type_names[t] : "none";
}

kb_ioc_type kb_ioc_type_named(const char *name)
{
	static const struct {
		const char *name;
		kb_ioc_type t;
	} aliases[] = {
		{ "ip", KB_IOC_IPV4 },          { "ip-src", KB_IOC_IPV4 },        { "ip-dst", KB_IOC_IPV4 },
		{ "ipv4-addr", KB_IOC_IPV4 },   { "ipv6-addr", KB_IOC_IPV6 },     { "cidr", KB_IOC_IPV4 },
		{ "hostname", KB_IOC_DOMAIN },  { "domain-name", KB_IOC_DOMAIN }, { "fqdn", KB_IOC_DOMAIN },
		{ "uri", KB_IOC_URL },          { "link", KB_IOC_NONE },          { "filename", KB_IOC_FILENAME },
		{ "file", KB_IOC_FILENAME },    { "sha-1", KB_IOC_SHA1 },         { "sha-256", KB_IOC_SHA256 },
		{ "email-src", KB_IOC_EMAIL },  { "email-dst", KB_IOC_EMAIL },    { "email-addr", KB_IOC_EMAIL },
		{ "email-reply-to", KB_IOC_EMAIL }, { "dst-port", KB_IOC_PORT },  { "domain_name", KB_IOC_DOMAIN },
		{ "file_name", KB_IOC_FILENAME },
	};
	if (!name)
		return KB_IOC_NONE;
	for (int t = 1; t < KB_IOC_TYPE_COUNT; t++)
		if (strcasecmp(name, type_names[t]) == 0)
			return (kb_ioc_type)t;
	for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
		if (strcasecmp(name, aliases[i].name) == 0)
			return aliases[i].t;
	return KB_IOC_NONE;
}

int kb_ioc_rank(kb_ioc_type t, const char *value)
{
	switch (t) {
	case KB_IOC_MD5:
	case KB_IOC_SHA1:
	case KB_IOC_SHA256: return 6;
	case KB_IOC_URL:
	case KB_IOC_EMAIL: return 5;
	case KB_IOC_URL_PREFIX:
	case KB_IOC_DOMAIN: return 4;
	case KB_IOC_IPV4:
	case KB_IOC_IPV6: return (value && strchr(value, '/')) ? 2 : 4;
	case KB_IOC_FILENAME: return 1;
	case KB_IOC_PORT: return 0;
	default: return -1;
	}
}

size_t kb_ioc_refang(const char *s, size_t n, char *out, size_t size)
{
	static const struct {
		const char *from, *to;
	} subs[] = {
		{ "[.]", "." }, { "(.)", "." }, { "{.}", "." }, { "[dot]", "." }, { "(dot)", "." },
		{ "[:]", ":" }, { "[://]", "://" }, { "[@]", "@" }, { "[at]", "@" }, { "(at)", "@" },
		{ "[/]", "/" },
	};
	size_t o = 0, i = 0;
	if (n >= 4 && strncasecmp(s, "hxxp", 4) == 0) {
		if (size < 5)
			return (size_t)-1;
		memcpy(out, "http", 4);
		o = i = 4;
	} else if (n >= 3 && strncasecmp(s, "fxp", 3) == 0) {
		if (size < 4)
			return (size_t)-1;
		memcpy(out, "ftp", 3);
		o = i = 3;
	}
	while (i < n) {
		bool done = false;
		if (s[i] == '[' || s[i] == '(' || s[i] == '{') {
			for (size_t k = 0; k < sizeof subs / sizeof subs[0]; k++) {
				size_t fl = strlen(subs[k].from), tl = strlen(subs[k].to);
				if (n - i >= fl && strncasecmp(s + i, subs[k].from, fl) == 0) {
					if (o + tl >= size)
						return (size_t)-1;
					memcpy(out + o, subs[k].to, tl);
					o += tl;
					i += fl;
					done = true;
					break;
				}
			}
		}
		if (!done) {
			if (o + 1 >= size)
				return (size_t)-1;
			out[o++] = s[i++];
		}
	}
	out[o] = '\0';
	return o;
}

bool kb_ioc_parse_ipv4(const char *s, size_t n, uint32_t *ret)
{
	uint32_t a = 0;
	size_t i = 0;
	for (int part = 0; part < 4; part++) {
		if (part) {
			if (i >= n || s[i] != '.')
				return false;
			i++;
		}
		size_t st = i;
		unsigned v = 0;
		while (i < n && i - st < 4 && s[i] >= '0' && s[i] <= '9')
			v = v * 10 + (unsigned)(s[i++] - '0');
		size_t d = i - st;
		if (d == 0 || d > 3 || v > 255 || (d > 1 && s[st] == '0'))
			return false;
		a = (a << 8) | v;
	}
	if (i != n)
		return false;
	*ret = a;
	return true;
}

bool kb_ioc_parse_ipv6(const char *s, size_t n, uint8_t ret[16])
{
	char tmp[64];
	if (n == 0 || n >= sizeof tmp || !memchr(s, ':', n))
		return false;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	return inet_pton(AF_INET6, tmp, ret) == 1;
}

static bool label_char(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '_';
}

bool kb_ioc_is_domain(const char *s, size_t n)
{
	if (n == 0 || n > 253)
		return false;
	size_t labels = 0, st = 0;
	bool last_digits = true;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			size_t l = i - st;
			if (l == 0 || l > 63 || s[st] == '-' || s[i - 1] == '-')
				return false;
			last_digits = true;
			for (size_t k = st; k < i; k++)
				if (!isdigit((unsigned char)s[k]))
					last_digits = false;
			labels++;
			st = i + 1;
		} else if (!label_char((unsigned char)s[i])) {
			return false;
		}
	}
	return labels >= 2 && !last_digits;
}

static int norm_ip(kb_ioc_type *type, const char *s, size_t n, char *out, size_t size)
{
	const char *slash = memchr(s, '/', n);
	size_t an = slash ? (size_t)(slash - s) : n;
	int prefix = -1;
	if (slash) {
		size_t pl = n - an - 1;
		if (pl == 0 || pl > 3 || (pl > 1 && slash[1] == '0'))
			return KB_EINVAL;
		prefix = 0;
		for (size_t i = 0; i < pl; i++) {
			if (!isdigit((unsigned char)slash[1 + i]))
				return KB_EINVAL;
			prefix = prefix * 10 + (slash[1 + i] - '0');
		}
	}
	uint32_t v4;
	uint8_t v6[16];
	char txt[INET6_ADDRSTRLEN];
	if (kb_ioc_parse_ipv4(s, an, &v4)) {
		if (prefix > 32)
			return KB_EINVAL;
		if (prefix >= 0 && prefix < 32)
			v4 &= prefix == 0 ? 0 : ~(uint32_t)0 << (32 - prefix);
		if (prefix == 32)
			prefix = -1;
		int w = snprintf(txt, sizeof txt, "%u.%u.%u.%u", v4 >> 24, (v4 >> 16) & 255, (v4 >> 8) & 255, v4 & 255);
		(void)w;
		*type = KB_IOC_IPV4;
	} else if (kb_ioc_parse_ipv6(s, an, v6)) {
		if (prefix > 128)
			return KB_EINVAL;
		if (prefix >= 0) {
			for (int b = 0; b < 16; b++) {
				int keep = prefix - b * 8;
				if (keep <= 0)
					v6[b] = 0;
				else if (keep < 8)
					v6[b] &= (uint8_t)(0xFF << (8 - keep));
			}
		}
		if (prefix == 128)
			prefix = -1;
		if (!inet_ntop(AF_INET6, v6, txt, sizeof txt))
			return KB_EINVAL;
		*type = KB_IOC_IPV6;
	} else {
		return KB_EINVAL;
	}
	int w = prefix >= 0 ? snprintf(out, size, "%s/%d", txt, prefix) : snprintf(out, size, "%s", txt);
	return (w < 0 || (size_t)w >= size) ? KB_EINVAL : 0;
}

static void lower(char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (char)tolower((unsigned char)p[i]);
}

static int norm_domain(const char *s, size_t n, char *out, size_t size)
{
	if (n >= 2 && s[0] == '*' && s[1] == '.') {
		s += 2;
		n -= 2;
	}
	if (n && s[n - 1] == '.')
		n--;
	if (n + 1 > size || !kb_ioc_is_domain(s, n))
		return KB_EINVAL;
	memcpy(out, s, n);
	out[n] = '\0';
	lower(out, n);
	return 0;
}

static size_t scheme_len(const char *s, size_t n)
{
	size_t i = 0;
	if (n == 0 || !isalpha((unsigned char)s[0]))
		return 0;
	while (i < n && i < 32 && (isalnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.'))
		i++;
	if (n - i >= 3 && memcmp(s + i, "://", 3) == 0)
		return i;
	return 0;
}

static int norm_url(const char *s, size_t n, char *out, size_t size, bool prefix)
{
	size_t sl = scheme_len(s, n);
	if (!sl || n + 1 > size)
		return KB_EINVAL;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return KB_EINVAL;
	size_t h = sl + 3, e = h;
	while (e < n && s[e] != '/' && s[e] != '?' && s[e] != '#')
		e++;
	if (e == h && !(prefix && e == n))
		return KB_EINVAL;
	memcpy(out, s, n);
	out[n] = '\0';
	lower(out, e);
	return 0;
}

static int norm_hash(kb_ioc_type t, const char *s, size_t n, char *out, size_t size)
{
	size_t want = t == KB_IOC_MD5 ? 32 : t == KB_IOC_SHA1 ? 40 : 64;
	if (n != want || n + 1 > size)
		return KB_EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return KB_EINVAL;
		out[i] = (char)tolower((unsigned char)s[i]);
	}
	out[n] = '\0';
	return 0;
}

static int norm_email(const char *s, size_t n, char *out, size_t size)
{
	const char *at = NULL;
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)s[i] <= ' ' || s[i] == '<' || s[i] == '>' || s[i] == ',' || s[i] == ';')
			return KB_EINVAL;
		if (s[i] == '@')
			at = s + i;
	}
	if (!at || at == s || n + 1 > size)
		return KB_EINVAL;
	size_t dn = n - (size_t)(at - s) - 1;
	if (!kb_ioc_is_domain(at + 1, dn))
		return KB_EINVAL;
	memcpy(out, s, n);
	out[n] = '\0';
	lower(out, n);
	return 0;
}

int kb_ioc_normalize(kb_ioc_type *type, const char *s, size_t n, char *out, size_t size)
{
	char buf[KB_IOC_MAX_VALUE_BYTES + 1];
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (n == 0 || n > KB_IOC_MAX_VALUE_BYTES || size == 0)
		return KB_EINVAL;
	kb_ioc_type t = *type;
	if (t != KB_IOC_FILENAME && t != KB_IOC_PORT && t != KB_IOC_MD5 && t != KB_IOC_SHA1 && t != KB_IOC_SHA256) {
		size_t m = kb_ioc_refang(s, n, buf, sizeof buf);
		if (m == (size_t)-1)
			return KB_EINVAL;
		s = buf;
		n = m;
	}
	switch (t) {
	case KB_IOC_IPV4:
	case KB_IOC_IPV6: {
		kb_ioc_type got = t;
		int r = norm_ip(&got, s, n, out, size);
		if (r == 0)
			*type = got;
		return r;
	}
	case KB_IOC_DOMAIN: return norm_domain(s, n, out, size);
	case KB_IOC_URL: return norm_url(s, n, out, size, false);
	case KB_IOC_URL_PREFIX: return norm_url(s, n, out, size, true);
	case KB_IOC_MD5:
	case KB_IOC_SHA1:
	case KB_IOC_SHA256: return norm_hash(t, s, n, out, size);
	case KB_IOC_EMAIL: return norm_email(s, n, out, size);
	case KB_IOC_FILENAME:
		if (n + 1 > size)
			return KB_EINVAL;
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)s[i] < ' ' || s[i] == 0x7f)
				return KB_EINVAL;
		memcpy(out, s, n);
		out[n] = '\0';
		return 0;
	case KB_IOC_PORT: {
		unsigned v = 0;
		if (n > 5)
			return KB_EINVAL;
		for (size_t i = 0; i < n; i++) {
			if (!isdigit((unsigned char)s[i]))
				return KB_EINVAL;
			v = v * 10 + (unsigned)(s[i] - '0');
		}
		if (v == 0 || v > 65535)
			return KB_EINVAL;
		int w = snprintf(out, size, "%u", v);
		return (w < 0 || (size_t)w >= size) ? KB_EINVAL : 0;
	}
	default: return KB_EINVAL;
	}
}

int kb_ioc_detect(const char *s, size_t n, kb_ioc_type *ret_type, char *out, size_t size)
{
	char buf[KB_IOC_MAX_VALUE_BYTES + 1];
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (n == 0 || n > KB_IOC_MAX_VALUE_BYTES)
		return KB_EINVAL;
	size_t m = kb_ioc_refang(s, n, buf, sizeof buf);
	if (m == (size_t)-1)
		return KB_EINVAL;
	kb_ioc_type t;
	bool hex = true, ipchars = true;
	for (size_t i = 0; i < m; i++) {
		unsigned char c = (unsigned char)buf[i];
		if (!isxdigit(c))
			hex = false;
		if (!isdigit(c) && c != '.' && c != '/')
			ipchars = false;
	}
	if (scheme_len(buf, m))
		t = KB_IOC_URL;
	else if (memchr(buf, '@', m))
		t = KB_IOC_EMAIL;
	else if (memchr(buf, ':', m))
		t = KB_IOC_IPV4;
	else if (hex && (m == 32 || m == 40 || m == 64))
		t = m == 32 ? KB_IOC_MD5 : m == 40 ? KB_IOC_SHA1 : KB_IOC_SHA256;
	else if (ipchars)
		t = KB_IOC_IPV4;
	else
		t = KB_IOC_DOMAIN;
	int r = kb_ioc_normalize(&t, buf, m, out, size);
	if (r == 0)
		*ret_type = t;
	return r;
}
