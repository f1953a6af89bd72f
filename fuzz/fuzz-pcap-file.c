/*
 * fuzz-pcap-file.c - libFuzzer target for the pcap reader
 * (kb_flows_read_pcap): the input is a whole capture file, written to a
 * temporary file (libpcap reads paths), so libpcap's file parsing, koban's
 * link layers (Ethernet with VLAN and QinQ tags, MPLS, PPPoE, Linux cooked
 * v1 and v2, raw IP, BSD loopback), the NetFlow/IPFIX export packets found
 * in UDP and the session builder are all run. Checked: every flow handed
 * over has a non-negative duration and a terminated state.
 */
#include "koban/flow.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check(void *ctx, const kb_flow *f)
{
	(void)ctx;
	if (f->duration_us < -1 || !memchr(f->state, 0, sizeof f->state))
		abort();
	return 0;
}

static char path[64];

static void cleanup(void)
{
	remove(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!path[0]) {
		snprintf(path, sizeof path, "/tmp/kb-fuzz-pcap-%d.pcap", (int)getpid());
		atexit(cleanup);
	}
	FILE *f = fopen(path, "wb");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	kb_flow_sink sink = { .flow = check };
	kb_pcap_opts o = { .all_udp_export = size && (data[size - 1] & 1) };
	kb_error err;
	kb_flows_read_pcap(path, &o, &sink, &err);
	return 0;
}
