/*
 * huntfields.h - fields of one log line for `koban hunt`: time, client
 * address, method, URI, user agent, status, host, server address, for the
 * common formats.
 *
 * Formats: Apache/nginx combined and common log format; JSON lines; syslog
 * RFC 3164 (with or without <PRI>, also with an RFC 3339 time as rsyslog
 * writes it) and RFC 5424; IIS / W3C extended log format, whose `#Fields:`
 * directive gives the columns of the lines after it (and may change mid-file).
 * Any other line gives no fields; the caller still scans it as text.
 *
 * Zero-copy: every kb_hunt_str points into the line passed in (borrowed; it
 * lives as long as the line), so a caller reports a field's byte offset as
 * `s.p - line`. An absent field has p == NULL, len == 0. JSON string values
 * are the raw text between the quotes, escapes not undone
 * (kb_hunt_json_unescape() undoes them into a caller buffer).
 *
 * Detection is per file and per line: a kb_hunt_fields_state (one per input
 * file) remembers the format of the last line that parsed and tries it first,
 * then the others, so a file is recognised from its first lines and a stray
 * line of another format still parses. It also holds the W3C columns.
 *
 * JSON keys (ASCII case-insensitive; for nested objects the leaf key under
 * the parent named):
 *   time:       time @timestamp timestamp ts datetime date time_local time_iso8601 eventtime
 *   client:     remote_addr client_ip clientip client_addr src_ip source_ip remote_ip ip c-ip
 *               real_ip x_real_ip; {source,client}.{ip,address}
 *   method:     method request_method http_method verb; http.request.method (parent request)
 *   uri:        uri request_uri url path uri_path; url.{original,path}; "request" when it is
 *               a request line ("GET /x HTTP/1.1") also gives method and protocol
 *   user agent: user_agent http_user_agent useragent agent ua; user_agent.original
 *   status:     status status_code response_code http_status; http.response.status_code
 *   host:       hostname host_name host server_name; host.name, host.hostname
 *   server:     server_addr server_ip s-ip local_addr dest_ip dst_ip; {server,destination}.{ip,address}
 *   referer:    referer referrer http_referer
 * Time: epoch seconds from ISO 8601 / RFC 3339 ("2021-12-10T10:00:00.5+01:00",
 * "2021-12-10 10:00:00" as UTC), CLF ("10/Dec/2021:10:00:00 +0000"), W3C
 * date + time (UTC), JSON numbers (seconds, or milliseconds when > 10^11).
 * RFC 3164 times carry no year: given as text, no epoch.
 */
#ifndef KOBAN_HUNTFIELDS_H
#define KOBAN_HUNTFIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Limits. */
#define KB_HUNT_JSON_MAX_PAIRS 64    /* key/value pairs kept per JSON line; later ones are not kept */
#define KB_HUNT_JSON_MAX_DEPTH 32    /* deeper JSON: the line gives no fields */
#define KB_HUNT_W3C_MAX_FIELDS 64    /* columns of a #Fields: directive; more: the directive is ignored */
#define KB_HUNT_FIELDS_MAX_LINE (64u << 10) /* longer lines (or chunks) are not parsed for fields */

typedef enum kb_log_format {
	KB_LOG_NONE = 0,
	KB_LOG_CLF,         /* Apache/nginx common or combined */
	KB_LOG_JSON,
	KB_LOG_SYSLOG3164,
	KB_LOG_SYSLOG5424,
	KB_LOG_W3C,
} kb_log_format;

/* "none", "clf", "json", "syslog3164", "syslog5424", "w3c"; never NULL. */
const char *kb_log_format_name(kb_log_format f);

typedef struct kb_hunt_str {
	const char *p;
	size_t len;
} kb_hunt_str;

typedef struct kb_hunt_kv {
	kb_hunt_str key;      /* between the quotes */
	kb_hunt_str value;    /* string: between the quotes; other: the raw token, object or array */
	kb_hunt_str parent;   /* key of the enclosing object; p == NULL at the top level */
	bool is_string;
	bool escaped;         /* the string value holds backslash escapes */
	uint8_t depth;        /* 1 at the top level */
} kb_hunt_kv;

typedef struct kb_hunt_fields {
	kb_log_format format;
	kb_hunt_str time;      /* as given (CLF without the brackets; W3C date and time when adjacent) */
	bool has_epoch;
	int64_t epoch;         /* seconds since 1970-01-01 UTC, when has_epoch */
	kb_hunt_str client;    /* client address as given (IPv4, IPv6, or a name) */
	kb_hunt_str method;
	kb_hunt_str uri;       /* W3C: cs-uri-stem */
	kb_hunt_str query;     /* W3C: cs-uri-query */
	kb_hunt_str protocol;
	kb_hunt_str request;   /* CLF / JSON: the whole request line */
	kb_hunt_str user_agent;
	kb_hunt_str referer;
	int status;            /* 0 when absent */
	kb_hunt_str host;      /* syslog host name, JSON host, W3C s-computername */
	kb_hunt_str server;    /* the logging server's own address: W3C s-ip, JSON server address */
	kb_hunt_str program;   /* syslog tag / APP-NAME */
	kb_hunt_str message;   /* syslog MSG */
	size_t npairs;         /* JSON: pairs[0..npairs) */
	kb_hunt_kv pairs[KB_HUNT_JSON_MAX_PAIRS];
} kb_hunt_fields;

typedef struct kb_hunt_fields_state kb_hunt_fields_state;

/* Per-file state; NULL on allocation failure. Free with kb_hunt_fields_state_free(). */
kb_hunt_fields_state *kb_hunt_fields_state_new(void);
/* Accepts NULL; returns NULL. */
kb_hunt_fields_state *kb_hunt_fields_state_free(kb_hunt_fields_state *st);
/* The format most lines so far parsed as (KB_LOG_NONE before any). */
kb_log_format kb_hunt_fields_state_format(const kb_hunt_fields_state *st);

/* Parse one line (`line` borrowed, not NUL-terminated, any bytes). Returns 1
 * with *ret filled when the line has fields, 0 when it has none (other
 * formats, W3C directives, lines longer than KB_HUNT_FIELDS_MAX_LINE); *ret
 * is then zeroed. Never fails; never allocates. */
int kb_hunt_fields_parse(kb_hunt_fields_state *st, const char *line, size_t len, kb_hunt_fields *ret);

/* Undo JSON string escapes of `s` into dst (cap bytes); \u escapes become
 * UTF-8 (surrogate pairs joined, lone ones as U+FFFD). Returns the length
 * written, or (size_t)-1 when dst is too small or an escape is malformed.
 * Never NUL-terminates. */
size_t kb_hunt_json_unescape(kb_hunt_str s, char *dst, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
