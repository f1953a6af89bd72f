/*
 * netscan.c - nmap XML into the store; see netscan.h.
 *
 * The file is read with expat (events, constant memory, no external entities
 * or DTD loaded): <nmaprun> must be the root; each <host> gives one or more
 * <address addrtype="ipv4|ipv6"> (MAC addresses are skipped) and
 * <port protocol portid><state state/><service name product/></port>
 * elements, written when the port closes; ports nmap folds into
 * <extraports state=S><extrareasons proto ports="22,80,8000-8010"/> are
 * written with state S, so a port once seen open and now filtered is updated.
 * The scan time is <nmaprun start> (seconds since the epoch).
 */
#include "koban/netscan.h"
#include "store-internal.h"

#include <errno.h>
#include <stdarg.h>
#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define HOST_MAX_ADDRESSES 8 /* addresses of one host kept */

const char *kb_vantage_name(kb_vantage v)
{
	return v == KB_VANTAGE_INTERNAL ? "internal" : "external";
}

int kb_vantage_parse(const char *s, kb_vantage *ret)
{
	if (s && strcmp(s, "external") == 0)
		*ret = KB_VANTAGE_EXTERNAL;
	else if (s && strcmp(s, "internal") == 0)
		*ret = KB_VANTAGE_INTERNAL;
	else
		return KB_EINVAL;
	return 0;
}

struct scan {
	kb_store *s;
	const char *path;
	kb_vantage from;
	XML_Parser xp;
	sqlite3_stmt *ins;
	kb_error *err;
	kb_netscan_stats st;
	bool root_seen;
	char scanned[32];
	char addr[HOST_MAX_ADDRESSES][64];
	int naddr;
	bool in_port;
	char proto[16];
	int port;
	char state[32], service[64], product[128];
	char extra_state[32];         /* inside <extraports> */
	int r;
};

static void write_port(struct scan *sc);

static const char *attr(const XML_Char **a, const char *name)
{
	for (; a && a[0]; a += 2)
		if (strcmp(a[0], name) == 0)
			return a[1];
	return NULL;
}

static void fail(struct scan *sc, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(struct scan *sc, int code, const char *fmt, ...)
{
	if (sc->r)
		return;
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	sc->r = kb_error_set(sc->err, code, sc->path, (uint64_t)XML_GetCurrentLineNumber(sc->xp),
	                     (uint64_t)XML_GetCurrentColumnNumber(sc->xp) + 1, (uint64_t)XML_GetCurrentByteIndex(sc->xp),
	                     "%s", msg);
	XML_StopParser(sc->xp, XML_FALSE);
}

static void on_start(void *ud, const XML_Char *name, const XML_Char **a)
{
	struct scan *sc = ud;
	if (sc->r)
		return;
	if (!sc->root_seen) {
		if (strcmp(name, "nmaprun") != 0) {
			fail(sc, KB_EFORMAT, "expected nmap XML output: the root element is <%s>, not <nmaprun>", name);
			return;
		}
		sc->root_seen = true;
		const char *start = attr(a, "start");
		if (start) {
			time_t t = (time_t)strtoll(start, NULL, 10);
			struct tm tm;
			if (gmtime_r(&t, &tm))
				strftime(sc->scanned, sizeof sc->scanned, "%Y-%m-%dT%H:%M:%SZ", &tm);
		}
		return;
	}
	if (strcmp(name, "host") == 0) {
		sc->naddr = 0;
		sc->st.hosts++;
	} else if (strcmp(name, "address") == 0) {
		const char *type = attr(a, "addrtype"), *addr = attr(a, "addr");
		if (!addr || !type) {
			fail(sc, KB_EINVAL, "<address>: expected addr and addrtype attributes");
			return;
		}
		if ((strcmp(type, "ipv4") == 0 || strcmp(type, "ipv6") == 0) && sc->naddr < HOST_MAX_ADDRESSES)
			snprintf(sc->addr[sc->naddr++], sizeof sc->addr[0], "%s", addr);
	} else if (strcmp(name, "port") == 0) {
		const char *proto = attr(a, "protocol"), *portid = attr(a, "portid");
		char *end = NULL;
		long p = portid ? strtol(portid, &end, 10) : -1;
		if (!proto || !portid || *end || p < 0 || p > 65535) {
			fail(sc, KB_EINVAL, "<port>: expected protocol and a portid of 0-65535");
			return;
		}
		sc->in_port = true;
		snprintf(sc->proto, sizeof sc->proto, "%s", proto);
		sc->port = (int)p;
		sc->state[0] = sc->service[0] = sc->product[0] = '\0';
	} else if (strcmp(name, "extraports") == 0) {
		snprintf(sc->extra_state, sizeof sc->extra_state, "%s", attr(a, "state") ? attr(a, "state") : "");
	} else if (strcmp(name, "extrareasons") == 0 && sc->extra_state[0]) {
		const char *ports = attr(a, "ports"), *proto = attr(a, "proto");
		snprintf(sc->proto, sizeof sc->proto, "%s", proto ? proto : "tcp");
		snprintf(sc->state, sizeof sc->state, "%s", sc->extra_state);
		sc->service[0] = sc->product[0] = '\0';
		unsigned count = 0;
		for (const char *p = ports; p && *p && !sc->r;) {
			char *end;
			long lo = strtol(p, &end, 10), hi = lo;
			if (end == p || lo < 0 || lo > 65535) {
				fail(sc, KB_EINVAL, "<extrareasons ports>: expected port numbers and ranges, found \"%.40s\"", p);
				return;
			}
			if (*end == '-') {
				p = end + 1;
				hi = strtol(p, &end, 10);
				if (end == p || hi < lo || hi > 65535) {
					fail(sc, KB_EINVAL, "<extrareasons ports>: expected a range LOW-HIGH within 0-65535");
					return;
				}
			}
			for (long v = lo; v <= hi && !sc->r; v++) {
				if (++count > 65536) { /* more than every port of a protocol: not nmap output */
					fail(sc, KB_ELIMIT, "<extrareasons ports>: more than 65536 ports");
					return;
				}
				sc->port = (int)v;
				write_port(sc);
			}
			p = *end == ',' ? end + 1 : end;
			if (*end && *end != ',') {
				fail(sc, KB_EINVAL, "<extrareasons ports>: expected ',' between ports, found \"%.20s\"", end);
				return;
			}
		}
	} else if (sc->in_port && strcmp(name, "state") == 0) {
		snprintf(sc->state, sizeof sc->state, "%s", attr(a, "state") ? attr(a, "state") : "");
	} else if (sc->in_port && strcmp(name, "service") == 0) {
		snprintf(sc->service, sizeof sc->service, "%s", attr(a, "name") ? attr(a, "name") : "");
		snprintf(sc->product, sizeof sc->product, "%s", attr(a, "product") ? attr(a, "product") : "");
	}
}

static void on_end(void *ud, const XML_Char *name)
{
	struct scan *sc = ud;
	if (!sc->r && strcmp(name, "extraports") == 0)
		sc->extra_state[0] = '\0';
	if (sc->r || !sc->in_port || strcmp(name, "port") != 0)
		return;
	sc->in_port = false;
	if (!sc->state[0]) {
		fail(sc, KB_EINVAL, "<port>: expected a <state> element");
		return;
	}
	write_port(sc);
}

/* Store sc->port/proto/state/service for every address of the host. */
static void write_port(struct scan *sc)
{
	for (int i = 0; i < sc->naddr && !sc->r; i++) {
		sqlite3_stmt *st = sc->ins;
		sqlite3_reset(st);
		kb_bind_text(st, 1, sc->addr[i]);
		sqlite3_bind_int(st, 2, sc->port);
		kb_bind_text(st, 3, sc->proto);
		kb_bind_text(st, 4, kb_vantage_name(sc->from));
		kb_bind_text(st, 5, sc->state);
		kb_bind_text_or_null(st, 6, sc->service);
		kb_bind_text_or_null(st, 7, sc->product);
		kb_bind_text_or_null(st, 8, sc->scanned);
		kb_bind_text(st, 9, sc->path);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sc->r = kb_store_fail(sc->s, sc->err, "store scanned port");
			XML_StopParser(sc->xp, XML_FALSE);
		}
	}
	sc->st.ports++;
	if (strcmp(sc->state, "open") == 0)
		sc->st.open++;
}

int kb_netscan_import_file(kb_store *s, const char *path, kb_vantage from, kb_netscan_stats *ret, kb_error *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return kb_error_set(err, errno == ENOENT ? KB_ENOTFOUND : KB_EIO, path, 0, 0, KB_NO_OFFSET,
		                    "cannot open: %s", strerror(errno));
	struct scan sc = { .s = s, .path = path, .from = from, .err = err };
	sc.xp = XML_ParserCreate("UTF-8");
	int r = sc.xp ? kb_store_begin(s, err) : KB_ENOMEM;
	if (r == 0)
		r = kb_store_prepare(s,
		                     "INSERT INTO scan_port(address, port, protocol, vantage, state, service, product,"
		                     " scanned, source) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
		                     " ON CONFLICT(address, port, protocol, vantage) DO UPDATE SET state = excluded.state,"
		                     " service = excluded.service, product = excluded.product, scanned = excluded.scanned,"
		                     " source = excluded.source, imported = strftime('%Y-%m-%dT%H:%M:%SZ','now')"
		                     " WHERE coalesce(excluded.scanned, '') >= coalesce(scan_port.scanned, '')",
		                     &sc.ins, err);
	if (r == 0) {
		XML_SetUserData(sc.xp, &sc);
		XML_SetElementHandler(sc.xp, on_start, on_end);
		char buf[65536];
		uint64_t total = 0;
		for (;;) {
			size_t n = fread(buf, 1, sizeof buf, f);
			total += n;
			if (total > KB_NETSCAN_MAX_BYTES) {
				r = kb_error_set(err, KB_ELIMIT, path, 0, 0, KB_NO_OFFSET,
				                 "more than the limit of %u bytes for one scan", (unsigned)KB_NETSCAN_MAX_BYTES);
				break;
			}
			bool last = n < sizeof buf;
			if (XML_Parse(sc.xp, buf, (int)n, last) == XML_STATUS_ERROR) {
				if (!sc.r)
					r = kb_error_set(err, KB_EPARSE, path, (uint64_t)XML_GetCurrentLineNumber(sc.xp),
					                 (uint64_t)XML_GetCurrentColumnNumber(sc.xp) + 1,
					                 (uint64_t)XML_GetCurrentByteIndex(sc.xp), "expected well-formed XML: %s",
					                 XML_ErrorString(XML_GetErrorCode(sc.xp)));
				else
					r = sc.r;
				break;
			}
			if (sc.r) {
				r = sc.r;
				break;
			}
			if (last)
				break;
		}
		if (r == 0 && !sc.root_seen)
			r = kb_error_set(err, KB_EFORMAT, path, 1, 1, 0, "expected nmap XML output (<nmaprun>)");
	}
	sqlite3_finalize(sc.ins);
	if (r == 0)
		r = kb_store_commit(s, err);
	else
		kb_store_rollback(s);
	if (sc.xp)
		XML_ParserFree(sc.xp);
	fclose(f);
	if (r == 0 && ret)
		*ret = sc.st;
	return r;
}

static const char sql_kb_netscan_open_outside[] =
	"SELECT source, scanned FROM scan_port WHERE address = ?1 AND port = ?2"
	                         " AND (?3 = '' OR protocol = ?3) AND vantage = 'external' AND state = 'open'";

int kb_netscan_open_outside(kb_store *s, const char *address, int port, const char *protocol, bool *ret,
                            char *ret_source, size_t n, kb_error *err)
{
	sqlite3_stmt *st;
	int r = kb_store_cached(s, sql_kb_netscan_open_outside, &st, err);
	if (r < 0)
		return r;
	kb_bind_text(st, 1, address);
	sqlite3_bind_int(st, 2, port);
	kb_bind_text(st, 3, protocol);
	int rc = sqlite3_step(st);
	*ret = rc == SQLITE_ROW;
	if (rc == SQLITE_ROW && ret_source && n) {
		const char *src = kb_column_text(st, 0), *when = kb_column_text(st, 1);
		const char *base = strrchr(src, '/');
		snprintf(ret_source, n, "%s%s%s", base ? base + 1 : src, when ? " at " : "", when ? when : "");
	} else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		r = kb_store_fail(s, err, "read scans");
	}
	sqlite3_reset(st);
	return r;
}
