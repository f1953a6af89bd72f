/*
 * fuzz-nfcsv.c - libFuzzer target for the nfdump CSV reader: the input is
 * split into lines, each copied to a buffer of exactly its length and fed
 * to one reader; records must hold what flow.h promises and errors must
 * name the line and a column inside it.
 */
#include "koban/flow.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_flow(void *ctx, const kb_flow *f)
{
	(void)ctx;
	if (f->uid || f->state[0] || f->service[0] || f->duration_us < -1)
		abort();
	if ((f->flags & KB_FLOW_UNIDIR) != ((f->resp_pkts == 0 && f->resp_bytes == 0) ? KB_FLOW_UNIDIR : 0))
		abort();
	if ((f->proto == 1 || f->proto == 58) && (f->orig_port > 255 || f->resp_port > 255))
		abort();
	char buf[KB_IP_TEXT_MAX];
	kb_ip_format(&f->orig, buf, sizeof buf);
	kb_ip_format(&f->resp, buf, sizeof buf);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kb_nfcsv *r = NULL;
	if (kb_nfcsv_new("fuzz", &r) != 0)
		return 0;
	kb_flow_sink sink = { on_flow, NULL, NULL };
	kb_error err;
	const char *p = (const char *)data, *end = p + size;
	uint64_t lineno = 0;
	while (p <= end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		size_t len = (size_t)(e - p);
		char *line = malloc(len ? len : 1);
		if (!line)
			break;
		memcpy(line, p, len);
		lineno++;
		kb_error_clear(&err);
		int rc = kb_nfcsv_line(r, line, len, lineno, &sink, &err);
		if (rc != 0 && (err.code != rc || err.line != lineno || err.column > len + 1))
			abort();
		free(line);
		if (!nl)
			break;
		p = nl + 1;
	}
	kb_nfcsv_free(r);
	return 0;
}
