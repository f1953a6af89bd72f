/*
 * flow-pcap.c - flows from a pcap or pcapng file (kb_flows_read_pcap).
 *
 * libpcap reads the file (pcap_open_offline handles both formats; times
 * are asked for in microseconds, so nanosecond pcaps are converted by
 * libpcap). Each packet's link header is taken off to reach the IP header:
 * Ethernet (with any number of 802.1Q / 802.1ad / QinQ tags, MPLS label
 * stacks and PPPoE sessions), Linux cooked capture v1 and v2, raw IP
 * (DLT_RAW, DLT_IPV4, DLT_IPV6) and BSD loopback (DLT_NULL in either byte
 * order, DLT_LOOP). Another link type is KB_EFORMAT before any packet.
 *
 * A UDP datagram (not a fragment) to a NetFlow/IPFIX/sFlow collector port,
 * or any UDP datagram with all_udp_export, whose payload
 * kb_nf_looks_like() is an export packet for kb_nf_packet (the exporter is
 * its source address); its records reach the sink with `line` set to the
 * packet number. A malformed export packet is counted by kb_nf and skipped.
 * Every other packet goes to the session builder (flow-session.c), whose
 * flows carry the number of their first packet. Frames that are not IP
 * are skipped.
 *
 * Errors name the file; a truncated or damaged file is KB_EPARSE at the
 * packet number where reading stopped, after the sessions built from the
 * packets before it were flushed to the sink.
 */
#include "flow-session-internal.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

static const uint16_t export_ports[] = { 2055, 2056, 4739, 6343, 9995, 9996 };

typedef struct reader {
	const char *path;
	const kb_flow_sink *sink;
	kb_nf *nf;
	kb_sess *sess;
	uint64_t pktno;
	bool stopped;             /* the sink asked to stop; `stop` is what it returned */
	int stop;
} reader;

static inline uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Export records: numbered by the packet that carried them. */
static int nf_flow(void *ctx, const kb_flow *f)
{
	reader *rd = ctx;
	if (!rd->sink->flow)
		return 0;
	kb_flow g = *f;
	g.line = rd->pktno;
	int r = rd->sink->flow(rd->sink->ctx, &g);
	if (r) {
		rd->stopped = true;
		rd->stop = r;
	}
	return r;
}

static bool link_supported(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
	case DLT_NULL:
	case DLT_LOOP:
		return true;
	default:
		return false;
	}
}

/* After an ethertype at p[0..1] (and its header up to *off), the offset of
 * the IP header, or 0 when the frame is not IP. */
static size_t after_ethertype(const uint8_t *d, size_t len, size_t off)
{
	for (;;) {
		if (len - off < 2)
			return 0;
		uint16_t type = be16(d + off);
		off += 2;
		switch (type) {
		case 0x0800:
		case 0x86dd:
			return off;
		case 0x8100: /* 802.1Q */
		case 0x88a8: /* 802.1ad */
		case 0x9100: /* old QinQ */
			if (len - off < 4)
				return 0;
			off += 2; /* the tag; the next ethertype follows */
			continue;
		case 0x8847: /* MPLS unicast: labels until bottom of stack, then IP by version */
		case 0x8848:
			for (;;) {
				if (len - off < 4)
					return 0;
				bool bos = d[off + 2] & 1;
				off += 4;
				if (bos)
					break;
			}
			if (off < len && ((d[off] >> 4) == 4 || (d[off] >> 4) == 6))
				return off;
			return 0;
		case 0x8864: /* PPPoE session: 6-byte header, then the PPP protocol */
			if (len - off < 8)
				return 0;
			type = be16(d + off + 6);
			off += 8;
			return type == 0x0021 || type == 0x0057 ? off : 0;
		default:
			return 0;
		}
	}
}

/* The offset of the IP header in a frame, or 0 when it is not IP. */
static size_t ip_offset(int dlt, const uint8_t *d, size_t len)
{
	switch (dlt) {
	case DLT_EN10MB:
		if (len < 14)
			return 0;
		return after_ethertype(d, len, 12);
	case DLT_LINUX_SLL:
		if (len < 16)
			return 0;
		return after_ethertype(d, len, 14);
	case DLT_LINUX_SLL2:
		if (len < 20)
			return 0;
		{
			uint16_t type = be16(d);
			return type == 0x0800 || type == 0x86dd ? 20 : 0;
		}
	case DLT_NULL:
	case DLT_LOOP: {
		if (len < 4)
			return 0;
		uint32_t le = (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 | (uint32_t)d[3] << 24;
		uint32_t be = (uint32_t)d[3] | (uint32_t)d[2] << 8 | (uint32_t)d[1] << 16 | (uint32_t)d[0] << 24;
		/* AF_INET 2 everywhere; AF_INET6 10 Linux, 24 NetBSD/OpenBSD, 28 FreeBSD, 30 Darwin */
		for (int i = 0; i < 2; i++) {
			uint32_t af = i ? be : le;
			if (af == 2 || af == 10 || af == 24 || af == 28 || af == 30)
				return 4;
		}
		return 0;
	}
	default: /* raw IP */
		return len ? (size_t)-1 : 0;
	}
}

static bool is_export_port(uint16_t port)
{
	for (size_t i = 0; i < sizeof export_ports / sizeof *export_ports; i++)
		if (export_ports[i] == port)
			return true;
	return false;
}

/* One packet. 0, a sink's stop value, or KB_ENOMEM. */
static int packet(reader *rd, int dlt, const kb_pcap_opts *o, const struct pcap_pkthdr *h, const uint8_t *d,
                  kb_error *err)
{
	size_t caplen = h->caplen, wire = h->len;
	size_t off = ip_offset(dlt, d, caplen);
	if (off == (size_t)-1)
		off = 0;
	else if (off == 0)
		return 0;
	const uint8_t *ip = d + off;
	size_t ipcap = caplen - off, ipwire = wire > off ? wire - off : ipcap;
	int64_t ts = (int64_t)h->ts.tv_sec * 1000000 + (int64_t)h->ts.tv_usec;

	kb_pkt p;
	if (kb_pkt_parse(ip, ipcap, ipwire, &p) == 0 && p.proto == 17 && p.ports_ok && !p.fragmented &&
	    (o->all_udp_export || is_export_port(p.dport)) && kb_nf_looks_like(p.payload, p.payload_len)) {
		if (!rd->nf && kb_nf_new(&rd->nf) < 0)
			return kb_error_set(err, KB_ENOMEM, rd->path, rd->pktno, 0, KB_NO_OFFSET,
			                    "out of memory for the NetFlow/IPFIX decoder");
		kb_flow_sink s = { nf_flow, rd->sink->name, rd };
		kb_error nferr;
		kb_error_clear(&nferr);
		int r = kb_nf_packet(rd->nf, &p.src, ts, p.payload, p.payload_len, &s, &nferr);
		if (rd->stopped)
			return rd->stop;
		if (r == KB_ENOMEM)
			return kb_error_set(err, r, rd->path, rd->pktno, 0, KB_NO_OFFSET,
			                    "out of memory decoding the export packet");
		return 0; /* a malformed export packet is counted by kb_nf and skipped */
	}
	kb_sess_set_packet_number(rd->sess, rd->pktno);
	int r = kb_sess_packet(rd->sess, ts, ip, ipcap, ipwire, rd->sink, err);
	if (r == KB_ENOMEM)
		kb_error_set(err, r, rd->path, rd->pktno, 0, KB_NO_OFFSET, "out of memory for a new session");
	return r;
}

int kb_flows_read_pcap(const char *path, const kb_pcap_opts *opts, const kb_flow_sink *sink, kb_error *err)
{
	static const kb_pcap_opts defaults;
	static const kb_flow_sink no_sink;
	const kb_pcap_opts *o = opts ? opts : &defaults;
	if (!sink)
		sink = &no_sink;

	FILE *f = fopen(path, "rb");
	if (!f) {
		int e = errno;
		kb_error_set(err, KB_EIO, path, 0, 0, KB_NO_OFFSET, "cannot open: %s", strerror(e));
		if (err)
			err->sys_errno = e;
		return KB_EIO;
	}
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *pc = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	if (!pc) {
		fclose(f);
		return kb_error_set(err, KB_EFORMAT, path, 0, 0, 0, "expected a pcap or pcapng file: %s", ebuf);
	}
	int dlt = pcap_datalink(pc);
	if (!link_supported(dlt)) {
		const char *name = pcap_datalink_val_to_name(dlt);
		pcap_close(pc);
		return kb_error_set(err, KB_EFORMAT, path, 0, 0, KB_NO_OFFSET,
		                    "link type %s (%d) is not supported; expected Ethernet, Linux cooked, raw IP "
		                    "or BSD loopback", name ? name : "unknown", dlt);
	}

	reader rd = { .path = path, .sink = sink };
	int r = kb_sess_new(&o->sess, &rd.sess);
	if (r < 0) {
		pcap_close(pc);
		return kb_error_set(err, r, path, 0, 0, KB_NO_OFFSET, "invalid session options");
	}
	struct pcap_pkthdr *h;
	const u_char *d;
	int n = 0;
	while (!r && (n = pcap_next_ex(pc, &h, &d)) == 1) {
		rd.pktno++;
		r = packet(&rd, dlt, o, h, d, err);
	}
	if (!r && n == PCAP_ERROR) {
		/* deliver what came before, then report */
		char msg[PCAP_ERRBUF_SIZE + 1];
		snprintf(msg, sizeof msg, "%s", pcap_geterr(pc));
		r = kb_sess_flush(rd.sess, sink);
		if (!r)
			r = kb_error_set(err, KB_EPARSE, path, rd.pktno + 1, 0, KB_NO_OFFSET,
			                 "packet %llu: expected a whole packet record: %s",
			                 (unsigned long long)rd.pktno + 1, msg);
	} else if (!r) {
		r = kb_sess_flush(rd.sess, sink);
	}
	kb_sess_free(rd.sess);
	if (rd.nf)
		kb_nf_free(rd.nf);
	pcap_close(pc);
	return r;
}
