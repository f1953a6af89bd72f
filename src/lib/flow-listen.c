/*
 * flow-listen.c - `koban flows listen`: a NetFlow v5/v9 and IPFIX
 * collector on one UDP socket (contract in koban/flowstore.h).
 *
 * One thread, one socket, poll(2) with a short timeout so that the stop
 * flag, the time limit and the commit interval are seen even when nothing
 * arrives. Datagrams go to one kb_nf (templates per exporter and domain,
 * data held for late templates) whose records go to a kb_flow_writer; the
 * writer is ended (sorted, committed) every commit interval and a new one
 * begun, so a crash loses at most one interval and readers see data within
 * one. The source names carry the commit time, so they never replace each
 * other.
 */
#include "koban/flowstore.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "HOST:PORT", "[V6]:PORT", ":PORT" into a socket address. */
static int parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	const char *colon = strrchr(s, ':');
	if (!colon || !colon[1])
		return KB_EINVAL;
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (*end || port < 0 || port > 65535)
		return KB_EINVAL;
	char host[64];
	size_t hl = (size_t)(colon - s);
	if (hl >= 2 && s[0] == '[' && s[hl - 1] == ']') {
		s++;
		hl -= 2;
	}
	if (hl >= sizeof host)
		return KB_EINVAL;
	memcpy(host, s, hl);
	host[hl] = '\0';
	memset(ss, 0, sizeof *ss);
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	if (hl == 0 || inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		if (hl == 0)
			a4->sin_addr.s_addr = htonl(INADDR_ANY);
		*len = sizeof *a4;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*len = sizeof *a6;
		return 0;
	}
	return KB_EINVAL;
}

struct sinkctx {
	kb_flow_writer *w;
	kb_error *err;
	int code;
	uint64_t flows;
};

static int on_flow(void *ctx, const kb_flow *f)
{
	struct sinkctx *sc = ctx;
	int r = kb_flow_writer_put(sc->w, f, sc->err);
	if (r < 0)
		sc->code = r;
	else
		sc->flows++;
	return r;
}

static int begin(kb_store *s, const char *addr, kb_flow_writer **w, kb_error *err)
{
	char name[160], t[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(t, sizeof t, "%Y-%m-%dT%H:%M:%SZ", &tm);
	static unsigned seq;
	snprintf(name, sizeof name, "listen %s %s #%u", addr, t, ++seq);
	return kb_flow_writer_begin(s, name, KB_FLOWFMT_NETFLOW, w, err);
}

int kb_flow_listen(kb_store *s, const char *addr_port, const kb_flow_listen_opts *o, kb_flow_listen_stats *ret,
                   kb_error *err)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	if (parse_addr(addr_port, &ss, &sl) < 0)
		return kb_error_set(err, KB_EINVAL, NULL, 0, 0, KB_NO_OFFSET,
		                    "%s: expected ADDRESS:PORT (\"127.0.0.1:2055\", \"[::]:4739\", \":2055\")", addr_port);
	int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		kb_error_set(err, KB_EIO, NULL, 0, 0, KB_NO_OFFSET, "%s: cannot listen: %s", addr_port, strerror(e));
		if (err)
			err->sys_errno = e;
		return KB_EIO;
	}
	int rcvbuf = 8 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	if (o && o->ready) {
		struct sockaddr_storage bound;
		socklen_t bl = sizeof bound;
		int port = 0;
		if (getsockname(fd, (struct sockaddr *)&bound, &bl) == 0)
			port = ntohs(bound.ss_family == AF_INET ? ((struct sockaddr_in *)&bound)->sin_port
			                                        : ((struct sockaddr_in6 *)&bound)->sin6_port);
		o->ready(port, o->ctx);
	}
	kb_nf *nf = NULL;
	kb_flow_writer *w = NULL;
	unsigned char *buf = malloc(KB_FLOW_LISTEN_MAX_PACKET);
	int r = buf ? kb_nf_new(&nf) : KB_ENOMEM;
	if (r < 0)
		kb_error_set(err, r, NULL, 0, 0, KB_NO_OFFSET, "out of memory");
	if (r == 0)
		r = begin(s, addr_port, &w, err);
	kb_flow_listen_stats st = { 0 };
	unsigned commit_s = o && o->commit_s ? o->commit_s : KB_FLOW_LISTEN_COMMIT_S;
	double t0 = mono_s(), last_commit = t0;
	struct sinkctx sc = { .w = w, .err = err };
	kb_flow_sink sink = { .flow = on_flow, .ctx = &sc };
	uint64_t in_source = 0;
	while (r == 0) {
		if (o && o->stop && *o->stop)
			break;
		if (o && o->max_packets && st.packets >= o->max_packets)
			break;
		double t = mono_s();
		if (o && o->max_seconds && t - t0 >= o->max_seconds)
			break;
		if (t - last_commit >= commit_s && in_source) {
			kb_flow_import_stats is;
			r = kb_flow_writer_end(w, &is, err);
			w = NULL;
			if (r == 0) {
				st.sources++;
				in_source = 0;
				if (o && o->progress)
					o->progress(&st, o->ctx);
				r = begin(s, addr_port, &w, err);
				sc.w = w;
			}
			last_commit = t;
			continue;
		}
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int pr = poll(&pfd, 1, 200);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			continue;
		struct sockaddr_storage from;
		socklen_t fl = sizeof from;
		ssize_t n = recvfrom(fd, buf, KB_FLOW_LISTEN_MAX_PACKET, 0, (struct sockaddr *)&from, &fl);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			r = kb_error_set(err, KB_EIO, NULL, 0, 0, KB_NO_OFFSET, "%s: receive: %s", addr_port, strerror(errno));
			break;
		}
		st.packets++;
		kb_ip exporter;
		memset(&exporter, 0, sizeof exporter);
		if (from.ss_family == AF_INET)
			exporter = kb_ip_v4(ntohl(((struct sockaddr_in *)&from)->sin_addr.s_addr));
		else if (from.ss_family == AF_INET6)
			memcpy(exporter.b, &((struct sockaddr_in6 *)&from)->sin6_addr, 16);
		kb_error perr;
		kb_error_clear(&perr);
		uint64_t before = sc.flows;
		int pr2 = kb_nf_packet(nf, &exporter, now_us(), buf, (size_t)n, &sink, &perr);
		in_source += sc.flows - before;
		if (sc.code < 0) {
			r = sc.code;
			break;
		}
		if (pr2 < 0) {
			st.malformed++;
			if (o && o->error) {
				char who[KB_IP_TEXT_MAX];
				kb_ip_format(&exporter, who, sizeof who);
				snprintf(perr.file, sizeof perr.file, "%s datagram %llu from %s", addr_port,
				         (unsigned long long)st.packets, who);
				o->error(&perr, o->ctx);
			}
		}
	}
	if (w) {
		kb_flow_import_stats is;
		if (r == 0) {
			r = kb_flow_writer_end(w, &is, err);
			if (r == 0 && in_source)
				st.sources++;
		} else {
			kb_flow_writer_abort(w);
		}
	}
	st.flows = sc.flows;
	kb_nf_free(nf);
	free(buf);
	close(fd);
	if (ret)
		*ret = st;
	return r;
}
