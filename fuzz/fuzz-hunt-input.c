/*
 * fuzz-hunt-input.c - libFuzzer target for the hunt input layer: magic
 * detection, the gzip (ISA-L and zlib), zstd, bzip2 and xz decoders, and the
 * line splitter over arbitrary bytes. The first byte picks the gzip backend
 * and small line and read sizes, so chunking with overlap and decoders
 * stopped by a full output are reached with short inputs. The contract of koban/huntio.h is checked on every line.
 */
#include "koban/huntio.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	data++;
	size--;
	kb_hunt_input *in = NULL;
	if (kb_hunt_input_open_mem(data, size, "fuzz", &in, NULL) < 0)
		return 0;
	if (mode & 0x80)
		kb_hunt_input_use_zlib(in);
	/* small buffers: many refills, decoders stopped by a full output */
	kb_hunt_lines_opts o = { 0, 0, 1 + (size_t)(mode & 0x3f) * 64 };
	if (mode & 0x40) {
		o.max_line = 2 + (mode & 0x3f);
		o.overlap = (mode & 0x07);
		o.read_size = 1 + (mode & 0x0f);
	}
	kb_hunt_lines *r = NULL;
	if (kb_hunt_lines_new(in, &o, &r) < 0)
		abort();
	size_t max_line = o.max_line ? o.max_line : KB_HUNT_MAX_LINE;
	kb_hunt_line l;
	kb_error err;
	uint64_t last_line = 0, next_off = 0;
	bool in_long = false;
	int rc;
	while ((rc = kb_hunt_lines_next(r, &l, &err)) == 1) {
		if (l.len > max_line || (l.len && !l.data))
			abort();
		if (in_long) {
			if (l.lineno != last_line || !(l.flags & KB_HUNT_LINE_CONT) || l.offset + l.overlap != next_off)
				abort();
		} else {
			if (l.lineno != last_line + 1 || (l.flags & KB_HUNT_LINE_CONT) || l.offset < next_off)
				abort();
		}
		volatile char sink = 0;
		for (size_t i = 0; i < l.len; i++)
			sink ^= l.data[i];
		(void)sink;
		last_line = l.lineno;
		in_long = (l.flags & KB_HUNT_LINE_MORE) != 0;
		next_off = l.offset + l.len;
	}
	if (rc < 0 && kb_hunt_lines_next(r, &l, &err) != rc)
		abort();
	kb_hunt_lines_free(r);
	kb_hunt_input_free(in);
	return 0;
}
