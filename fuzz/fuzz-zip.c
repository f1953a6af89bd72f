/*
 * fuzz-zip.c - libFuzzer target for the ZIP reader.
 *
 * Opens the input as an archive with a small budget, walks every entry, reads
 * each one streamed and (when small) whole, and tries every entry as a
 * nested archive, recursively, under the reader's own limits. Beyond "no crash,
 * no hang", it checks the reader's promises: an archive that opened can be
 * walked without error, the walk yields as many entries as opening counted,
 * a streamed and a whole read of one entry give the same bytes,
 * every entry's bytes lie before the central directory, a stored read is a
 * slice of the archive, and every error is located inside the input.
 */
#include "koban/zip.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_BUDGET (8u << 20)
#define FUZZ_WHOLE_MAX (1u << 20)

static int sink(void *userdata, const uint8_t *chunk, size_t n)
{
	uint64_t *sum = userdata;
	for (size_t i = 0; i < n; i++)
		*sum += chunk[i];
	return 0;
}

static void check_error(const kb_error *err, int r, size_t size)
{
	if (r >= 0 || err->code != r || !err->msg[0])
		abort();
	if (err->offset != KB_NO_OFFSET && err->offset > size)
		abort();
}

static void walk(kb_zip *z)
{
	kb_zip_info info;
	kb_zip_get_info(z, &info);
	kb_zip_entry e;
	kb_error err;
	uint64_t seen = 0;
	int r;
	while ((r = kb_zip_next(z, &e, &err)) > 0) {
		seen++;
		if (e.data_offset > info.cd_offset || e.compressed_size > info.cd_offset - e.data_offset ||
		    e.local_offset >= e.data_offset || strlen(e.name) > e.name_len)
			abort();
		/* streamed, then (when small) whole: both must see the same bytes */
		uint64_t streamed = 0, whole = 0;
		int rs = kb_zip_stream(z, &e, sink, &streamed, &err);
		if (rs != 0)
			check_error(&err, rs, info.size);
		kb_zip_data d;
		if (e.uncompressed_size <= FUZZ_WHOLE_MAX) {
			r = kb_zip_read(z, &e, &d, &err);
			if (r == 0) {
				if (!d.owned && d.size && d.bytes + d.size != info.comment - (info.eocd_offset + 22) +
				                                                   e.data_offset + e.compressed_size)
					abort();
				sink(&whole, d.bytes, d.size);
				kb_zip_data_clear(&d);
				if (rs == 0 && whole != streamed)
					abort();
			} else
				check_error(&err, r, info.size);
		}
		kb_zip *child = NULL;
		r = kb_zip_open_entry(z, &e, &child, &err);
		if (r == 0) {
			walk(child);
			kb_zip_free(child);
		}
	}
	if (r < 0 || seen != info.entries)
		abort(); /* an archive that opened walks cleanly */
	if (seen) {
		char *last = strdup(e.name); /* e.name is the archive's buffer, which kb_zip_find reuses */
		kb_zip_entry found;
		if (!last || kb_zip_find(z, last, &found, &err) != 1 || strcmp(found.name, last) != 0)
			abort();
		free(last);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kb_zip_budget budget;
	kb_zip_budget_init(&budget, FUZZ_BUDGET);
	kb_zip *z = NULL;
	kb_error err;
	kb_error_clear(&err);
	int r = kb_zip_open_buffer(data, size, "fuzz.zip", &budget, &z, &err);
	if (r == 0) {
		walk(z);
		kb_zip_free(z);
	} else
		check_error(&err, r, size);
	if (budget.used > budget.max)
		abort();
	return 0;
}
