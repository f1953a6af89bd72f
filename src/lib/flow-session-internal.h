/*
 * flow-session-internal.h - what the pcap reader shares with the session
 * builder: the IP header parser (to tell NetFlow/IPFIX export packets from
 * traffic without parsing twice in two ways) and the packet numbering that
 * gives kb_flow.line the pcap's own packet number.
 */
#ifndef KOBAN_FLOW_SESSION_INTERNAL_H
#define KOBAN_FLOW_SESSION_INTERNAL_H

#include "koban/flow.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One IP packet's headers. Every pointer points into the parsed buffer. */
typedef struct kb_pkt {
	kb_ip src, dst;
	uint64_t ip_len;        /* the IP header's length field; the wire length when it says 0 */
	uint32_t frag_id;       /* IPv4 identification or IPv6 fragment header id */
	uint8_t version;        /* 4 or 6 */
	uint8_t proto;          /* transport protocol (after any IPv6 extension headers) */
	bool fragmented;        /* part of a fragmented datagram (first or later) */
	bool frag_later;        /* a fragment other than the first: carries no transport header */
	bool ported;            /* proto is TCP, UDP, ICMP or ICMPv6 */
	bool ports_ok;          /* ... and its header was read: sport/dport/tcp_flags are set */
	uint16_t sport, dport;  /* ICMP: type and code */
	uint8_t tcp_flags;
	const uint8_t *payload; /* UDP: the payload, bounded by the captured bytes and the UDP length */
	size_t payload_len;
} kb_pkt;

/* Parse the IPv4 or IPv6 header at `ip` (caplen bytes captured, wire_len
 * on the wire), following IPv6 extension headers (at most
 * KB_SESS_MAX_EXT_HEADERS). 0, or KB_EPARSE when the headers are cut short
 * or inconsistent; a fragment whose transport header is cut is not an
 * error (ports_ok is false). */
int kb_pkt_parse(const uint8_t *ip, size_t caplen, size_t wire_len, kb_pkt *ret);

/* The next packet given to kb_sess_packet is number `n` (1-based); later
 * ones count on from it. Without this call packets are numbered from 1. */
void kb_sess_set_packet_number(kb_sess *s, uint64_t n);

#endif
