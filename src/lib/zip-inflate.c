/*
 * zip-inflate.c - an entry's bytes: read whole, streamed, or opened as a
 * nested archive; the inflated-bytes budget.
 *
 * Whole reads use libdeflate, which inflates a buffer of known size in one
 * call about twice as fast as zlib: the size comes from the central directory
 * and is checked before any memory is taken, against the limit for the kind
 * of read, against the budget, and against what deflate can produce at all
 * from the compressed bytes (1032 to 1), so a stated size cannot make the
 * reader allocate more than the input could ever fill. libdeflate fails when
 * the stream would pass the stated size or ends short of it.
 *
 * Streaming uses zlib with one KB_ZIP_STREAM_CHUNK output buffer, for entries
 * too large to hold: memory stays bounded whatever the entry's size. Output
 * past the stated size stops the stream; each inflate call either consumes
 * input, produces output or ends the loop with an error, so a hostile stream
 * cannot spin it.
 *
 * Stored entries are never copied: a read returns a slice of the archive and
 * a nested stored archive is opened on that slice. Every read checks the CRC
 * (a stream at its end). Inflated bytes are charged to the top-level
 * archive's budget; stored bytes cost nothing and are not charged.
 */
#include "zip-internal.h"

#include <libdeflate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* The most deflate can produce per compressed byte: a 258-byte match coded
 * in two bits. */
#define DEFLATE_MAX_RATIO 1032u

void kb_zip_budget_init(kb_zip_budget *b, uint64_t max)
{
	b->max = max;
	b->used = 0;
}

void kb_zip_data_clear(kb_zip_data *d)
{
	if (!d)
		return;
	free(d->owned);
	*d = (kb_zip_data){ 0 };
}

/* Can `n` more bytes be inflated under the budget? */
static int budget_check(const kb_zip *z, const kb_zip_entry *e, uint64_t n, kb_error *err)
{
	const kb_zip_budget *b = z->root->budget;
	if (b->used > b->max || n > b->max - b->used)
		return zip_err(z, err, KB_ELIMIT, e->data_offset, "entry %llu (%s): inflating %llu more bytes would pass "
		               "the budget of %llu inflated bytes for this archive (KB_ZIP_MAX_INFLATED_TOTAL is %llu; "
		               "%llu used)", (unsigned long long)e->index, e->name, (unsigned long long)n,
		               (unsigned long long)b->max, (unsigned long long)KB_ZIP_MAX_INFLATED_TOTAL,
		               (unsigned long long)b->used);
	return 0;
}

int zip_check_readable(const kb_zip *z, const kb_zip_entry *e, kb_error *err)
{
	if (e->status == KB_ZIP_ENTRY_ENCRYPTED)
		return zip_err(z, err, KB_EFORMAT, e->local_offset, "entry %llu (%s): encrypted",
		               (unsigned long long)e->index, e->name);
	if (e->status != KB_ZIP_ENTRY_OK || (e->method != 0 && e->method != 8))
		return zip_err(z, err, KB_EFORMAT, e->local_offset, "entry %llu (%s): unscannable: method %u (%s)",
		               (unsigned long long)e->index, e->name, e->method, kb_zip_method_name(e->method));
	if (e->data_offset > z->cd_start || e->compressed_size > z->cd_start - e->data_offset)
		return zip_err(z, err, KB_EINVAL, e->data_offset, "entry %llu (%s) is not an entry of this archive",
		               (unsigned long long)e->index, e->name);
	if (e->method == 0 && e->compressed_size != e->uncompressed_size)
		return zip_err(z, err, KB_EPARSE, e->central_offset, "entry %llu (%s): stored, but its compressed size "
		               "(%llu) differs from its size (%llu)", (unsigned long long)e->index, e->name,
		               (unsigned long long)e->compressed_size, (unsigned long long)e->uncompressed_size);
	if (e->method == 8 && e->uncompressed_size / DEFLATE_MAX_RATIO > e->compressed_size)
		return zip_err(z, err, KB_EPARSE, e->central_offset, "entry %llu (%s): a stated size of %llu bytes is "
		               "more than deflate can produce from %llu", (unsigned long long)e->index, e->name,
		               (unsigned long long)e->uncompressed_size, (unsigned long long)e->compressed_size);
	return 0;
}

static int crc_check(const kb_zip *z, const kb_zip_entry *e, uint32_t crc, kb_error *err)
{
	if (crc != e->crc32)
		return zip_err(z, err, KB_EPARSE, e->data_offset, "entry %llu (%s): CRC-32 %08x expected, the data gives "
		               "%08x", (unsigned long long)e->index, e->name, e->crc32, crc);
	return 0;
}

/* Inflate deflated entry `e` whole into a new buffer, charged to the budget,
 * and check its CRC. `limit` (named `what` in the error) bounds its size. */
static int inflate_whole(kb_zip *z, const kb_zip_entry *e, uint64_t limit, const char *what, uint8_t **ret,
                         kb_error *err)
{
	uint64_t n = e->uncompressed_size;
	if (n > limit)
		return zip_err(z, err, KB_ELIMIT, e->central_offset, "entry %llu (%s): %llu bytes inflated is more than "
		               "%s (%llu)", (unsigned long long)e->index, e->name, (unsigned long long)n, what,
		               (unsigned long long)limit);
	if (n > SIZE_MAX - 1)
		return zip_err(z, err, KB_ELIMIT, e->central_offset, "entry %llu (%s): too large for memory",
		               (unsigned long long)e->index, e->name);
	int r = budget_check(z, e, n, err);
	if (r < 0)
		return r;
	kb_zip *root = z->root;
	if (!root->dec && !(root->dec = libdeflate_alloc_decompressor()))
		return zip_err(z, err, KB_ENOMEM, KB_NO_OFFSET, "out of memory for a decompressor");
	uint8_t *out = malloc(n ? (size_t)n : 1);
	if (!out)
		return zip_err(z, err, KB_ENOMEM, e->data_offset, "entry %llu (%s): out of memory for %llu bytes",
		               (unsigned long long)e->index, e->name, (unsigned long long)n);
	root->budget->used += n; /* charged whether or not the data proves good */
	size_t in_used = 0, out_len = 0;
	enum libdeflate_result lr = libdeflate_deflate_decompress_ex(root->dec, z->data + e->data_offset,
	                                                             (size_t)e->compressed_size, out, (size_t)n,
	                                                             &in_used, &out_len);
	if (lr == LIBDEFLATE_SUCCESS && out_len != n)
		r = zip_err(z, err, KB_EPARSE, e->data_offset, "entry %llu (%s): inflates to %zu bytes, %llu stated",
		            (unsigned long long)e->index, e->name, out_len, (unsigned long long)n);
	else if (lr == LIBDEFLATE_INSUFFICIENT_SPACE)
		r = zip_err(z, err, KB_EPARSE, e->data_offset, "entry %llu (%s): inflates to more than its stated %llu "
		            "bytes", (unsigned long long)e->index, e->name, (unsigned long long)n);
	else if (lr != LIBDEFLATE_SUCCESS)
		r = zip_err(z, err, KB_EPARSE, e->data_offset, "entry %llu (%s): corrupt deflate data",
		            (unsigned long long)e->index, e->name);
	else
		r = crc_check(z, e, libdeflate_crc32(0, out, (size_t)n), err);
	if (r < 0) {
		free(out);
		return r;
	}
	*ret = out;
	return 0;
}

int kb_zip_read(kb_zip *z, const kb_zip_entry *e, kb_zip_data *ret, kb_error *err)
{
	int r = zip_check_readable(z, e, err);
	if (r < 0)
		return r;
	const uint8_t *bytes = z->data + e->data_offset;
	if (e->method == 0) {
		r = crc_check(z, e, libdeflate_crc32(0, bytes, (size_t)e->compressed_size), err);
		if (r < 0)
			return r;
		*ret = (kb_zip_data){ .bytes = bytes, .size = (size_t)e->compressed_size };
		return 0;
	}
	uint8_t *out;
	r = inflate_whole(z, e, KB_ZIP_MAX_READ_BYTES, "KB_ZIP_MAX_READ_BYTES (stream it instead)", &out, err);
	if (r < 0)
		return r;
	*ret = (kb_zip_data){ .bytes = out, .size = (size_t)e->uncompressed_size, .owned = out };
	return 0;
}

static int stream_stored(kb_zip *z, const kb_zip_entry *e, kb_zip_chunk_fn fn, void *userdata, kb_error *err)
{
	const uint8_t *p = z->data + e->data_offset;
	uint64_t left = e->compressed_size;
	uint32_t crc = 0;
	while (left) {
		size_t n = left < KB_ZIP_STREAM_CHUNK ? (size_t)left : KB_ZIP_STREAM_CHUNK;
		crc = libdeflate_crc32(crc, p, n);
		int r = fn(userdata, p, n);
		if (r)
			return r;
		p += n;
		left -= n;
	}
	return crc_check(z, e, crc, err);
}

static int stream_deflated(kb_zip *z, const kb_zip_entry *e, kb_zip_chunk_fn fn, void *userdata, kb_error *err)
{
	int r = budget_check(z, e, e->uncompressed_size, err);
	if (r < 0)
		return r;
	uint8_t *out = malloc(KB_ZIP_STREAM_CHUNK);
	if (!out)
		return zip_err(z, err, KB_ENOMEM, KB_NO_OFFSET, "out of memory for a stream buffer");
	z_stream zs;
	memset(&zs, 0, sizeof zs);
	if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) {
		free(out);
		return zip_err(z, err, KB_ENOMEM, KB_NO_OFFSET, "out of memory for an inflate stream");
	}
	const uint8_t *in = z->data + e->data_offset;
	uint64_t in_left = e->compressed_size, produced = 0, consumed = 0;
	uint32_t crc = 0;
	kb_zip_budget *budget = z->root->budget;
	int zr = Z_OK;
	r = 0;
	while (zr != Z_STREAM_END) {
		if (zs.avail_in == 0 && in_left) {
			uInt n = in_left < (1u << 30) ? (uInt)in_left : (1u << 30);
			zs.next_in = (Bytef *)(uintptr_t)in;
			zs.avail_in = n;
			in += n;
			in_left -= n;
		}
		uInt before_in = zs.avail_in;
		zs.next_out = out;
		zs.avail_out = KB_ZIP_STREAM_CHUNK;
		zr = inflate(&zs, Z_NO_FLUSH);
		consumed += before_in - zs.avail_in;
		size_t n = KB_ZIP_STREAM_CHUNK - zs.avail_out;
		if (zr == Z_MEM_ERROR) {
			r = zip_err(z, err, KB_ENOMEM, KB_NO_OFFSET, "out of memory inflating");
			break;
		}
		if (zr != Z_OK && zr != Z_STREAM_END) { /* Z_BUF_ERROR: no progress possible, the input is used up */
			r = zip_err(z, err, KB_EPARSE, e->data_offset + consumed, "entry %llu (%s): %s",
			            (unsigned long long)e->index, e->name,
			            zr == Z_BUF_ERROR ? "deflate data ends early" : "corrupt deflate data");
			break;
		}
		if (n > e->uncompressed_size - produced) {
			r = zip_err(z, err, KB_EPARSE, e->data_offset + consumed, "entry %llu (%s): inflates to more than its "
			            "stated %llu bytes", (unsigned long long)e->index, e->name,
			            (unsigned long long)e->uncompressed_size);
			break;
		}
		if (!n)
			continue;
		produced += n;
		budget->used += n;
		crc = (uint32_t)crc32(crc, out, (uInt)n);
		if ((r = fn(userdata, out, n)) != 0)
			break;
	}
	inflateEnd(&zs);
	free(out);
	if (r)
		return r;
	if (produced != e->uncompressed_size)
		return zip_err(z, err, KB_EPARSE, e->data_offset, "entry %llu (%s): inflates to %llu bytes, %llu stated",
		               (unsigned long long)e->index, e->name, (unsigned long long)produced,
		               (unsigned long long)e->uncompressed_size);
	return crc_check(z, e, crc, err);
}

int kb_zip_stream(kb_zip *z, const kb_zip_entry *e, kb_zip_chunk_fn fn, void *userdata, kb_error *err)
{
	int r = zip_check_readable(z, e, err);
	if (r < 0)
		return r;
	return e->method == 0 ? stream_stored(z, e, fn, userdata, err) : stream_deflated(z, e, fn, userdata, err);
}

/* "parent!/entry" */
static char *child_name(const kb_zip *parent, const kb_zip_entry *e)
{
	size_t a = strlen(parent->name), b = strlen(e->name);
	char *s = malloc(a + b + 3);
	if (s) {
		memcpy(s, parent->name, a);
		memcpy(s + a, "!/", 2);
		memcpy(s + a + 2, e->name, b + 1);
	}
	return s;
}

int kb_zip_open_entry(kb_zip *parent, const kb_zip_entry *e, kb_zip **ret, kb_error *err)
{
	if (parent->depth >= KB_ZIP_MAX_DEPTH)
		return zip_err(parent, err, KB_ELIMIT, e->local_offset, "entry %llu (%s): an archive nested %u deep is "
		               "deeper than KB_ZIP_MAX_DEPTH (%u)", (unsigned long long)e->index, e->name,
		               parent->depth + 1, KB_ZIP_MAX_DEPTH);
	int r = zip_check_readable(parent, e, err);
	if (r < 0)
		return r;
	const uint8_t *bytes = parent->data + e->data_offset;
	uint8_t *owned = NULL;
	if (e->method == 8) {
		r = inflate_whole(parent, e, KB_ZIP_MAX_NESTED_BYTES, "KB_ZIP_MAX_NESTED_BYTES", &owned, err);
		if (r < 0)
			return r;
		bytes = owned;
	}
	size_t size = (size_t)e->uncompressed_size;
	/* an archive that inflates to itself (a quine) or to any archive around it */
	for (const kb_zip *a = parent; a; a = a->parent)
		if (a->size == size && memcmp(a->data, bytes, size) == 0) {
			free(owned);
			return zip_err(parent, err, KB_EINVAL, e->local_offset, "entry %llu (%s) is, byte for byte, the "
			               "archive %s that contains it (a self-nesting archive)", (unsigned long long)e->index,
			               e->name, a->name);
		}
	return zip_open_bytes(bytes, size, owned, child_name(parent, e), parent, NULL, ret, err);
}
