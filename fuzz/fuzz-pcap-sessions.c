/*
 * fuzz-pcap-sessions.c - libFuzzer target for the session builder
 * (kb_sess_*): the IPv4/IPv6/transport parsers, the fragment table, the
 * hash table and its growth, the LRU lists and every timeout.
 *
 * Input: one options byte (bits 0-2: max_active 1..7, or the default when
 * 0; bit 3: timeouts of 1 ms idle, 2 ms TCP idle, 3 ms active), then
 * records of a 2-byte big-endian length, a 4-byte big-endian time step in
 * microseconds (the top bit makes it a step back) and that many packet
 * bytes, starting at the IP header. Each packet is copied to a buffer of
 * its own size so a read past it is caught. Checked: every packet is
 * counted once, in a flow or as malformed; no flow has a negative
 * duration, no packets, or an unterminated state.
 */
#include "koban/flow.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct tally {
	uint64_t pkts;
} tally;

static int check(void *ctx, const kb_flow *f)
{
	tally *t = ctx;
	if (f->duration_us < 0 || f->orig_pkts + f->resp_pkts == 0)
		abort();
	if (!memchr(f->state, 0, sizeof f->state))
		abort();
	if ((f->flags & KB_FLOW_HAS_STATE) != (f->state[0] ? KB_FLOW_HAS_STATE : 0))
		abort();
	t->pkts += f->orig_pkts + f->resp_pkts;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	kb_sess_opts o = { .max_active = data[0] & 7 };
	if (data[0] & 8) {
		o.idle_us = 1000;
		o.tcp_idle_us = 2000;
		o.active_us = 3000;
	}
	kb_sess *s;
	if (kb_sess_new(&o, &s) < 0)
		abort();
	tally t = { 0 };
	kb_flow_sink sink = { check, NULL, &t };
	int64_t ts = 1700000000ll * 1000000;
	size_t i = 1;
	while (size - i >= 6) {
		size_t len = (size_t)data[i] << 8 | data[i + 1];
		uint32_t step = (uint32_t)data[i + 2] << 24 | (uint32_t)data[i + 3] << 16 | (uint32_t)data[i + 4] << 8 |
		                data[i + 5];
		i += 6;
		if (len > size - i)
			len = size - i;
		ts += step & 0x80000000u ? -(int64_t)(step & 0x7fffffff) : (int64_t)step;
		uint8_t *p = malloc(len ? len : 1);
		if (!p)
			break;
		memcpy(p, data + i, len);
		i += len;
		if (kb_sess_packet(s, ts, p, len, len + (step & 7), &sink, NULL) != 0)
			abort();
		free(p);
	}
	if (kb_sess_flush(s, &sink) != 0)
		abort();
	kb_sess_stats st;
	kb_sess_get_stats(s, &st);
	if (st.active != 0 || t.pkts + st.malformed != st.packets)
		abort();
	kb_sess_free(s);
	return 0;
}
