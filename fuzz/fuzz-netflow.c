/*
 * fuzz-netflow.c - libFuzzer target for the NetFlow v5 / v9 / IPFIX decoder.
 *
 * The input is a series of packets, each as one byte choosing the exporter
 * (its low 2 bits: four exporters, so templates of one are looked up for
 * another), a 2-byte big-endian length and that many bytes (fewer when the
 * input ends), all fed to one decoder so that templates and held data sets
 * carry across packets. Each packet is copied to a buffer of exactly its
 * size, so a read past it is caught. Beyond "no crash, no leak", it checks
 * the decoder's promises: every error is a negative code with a message and
 * an offset inside the packet, every record is one-directional unless
 * biflow, durations are -1 or positive, and the stats count what the sink
 * saw.
 */
#include "koban/flow.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t seen;

static int on_flow(void *ctx, const kb_flow *f)
{
	(void)ctx;
	if (f->duration_us < -1 || f->line != 0 || f->uid != NULL)
		abort();
	if (f->flags & ~(KB_FLOW_UNIDIR | KB_FLOW_PARTIAL))
		abort();
	if ((f->flags & KB_FLOW_UNIDIR) && (f->resp_bytes || f->resp_pkts))
		abort();
	seen++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kb_nf *nf;
	if (kb_nf_new(&nf) != 0)
		return 0;
	const kb_flow_sink sink = { on_flow, NULL, NULL };
	static kb_error err;
	seen = 0;
	size_t off = 0;
	while (size - off >= 3) {
		kb_ip exporter;
		memset(&exporter, 0, sizeof exporter);
		exporter.b[10] = exporter.b[11] = 0xff;
		exporter.b[12] = 192;
		exporter.b[15] = data[off] & 3;
		size_t len = (size_t)data[off + 1] << 8 | data[off + 2];
		off += 3;
		if (len > size - off)
			len = size - off;
		uint8_t *pkt = malloc(len ? len : 1);
		if (!pkt)
			break;
		memcpy(pkt, data + off, len);
		off += len;
		(void)kb_nf_looks_like(pkt, len);
		kb_error_clear(&err);
		int rc = kb_nf_packet(nf, &exporter, 1700000000ll * 1000000, pkt, len, &sink, &err);
		free(pkt);
		if (rc > 0 || (rc < 0 && (err.code != rc || !err.msg[0] || err.offset > len)))
			abort();
	}
	kb_nf_stats st;
	kb_nf_get_stats(nf, &st);
	if (st.records != seen || st.dropped > st.pending)
		abort();
	kb_nf_free(nf);
	return 0;
}
