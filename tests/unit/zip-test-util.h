/*
 * zip-test-util.h - a small ZIP writer for the tests and the fuzz seeds, so
 * that every archive the tests read is made at test time by code in this
 * project.
 *
 * zt_zip appends entries (local header, data, optional data descriptor) to
 * one buffer and their central headers to another; zt_finish() joins them
 * and adds the end record (ZIP64 when asked or needed). Options bend the
 * writer the ways hostile and odd archives do: raw (pre-made) data, a
 * different local name, zeroed local sizes with a descriptor, ZIP64 extra
 * fields, any flags and method. Deflate is libdeflate's compressor.
 *
 * zt_quine() builds an archive whose one deflated entry inflates to the
 * archive itself, byte for byte: the construction of Russ Cox's "Zip Files
 * All The Way Down" (2010), derived and written here from its description,
 * with a CRC-32 that is its own checksum found by solving the GF(2) system.
 *
 * Everything is static inline so a test can include it and use a part. Out
 * of memory aborts: this is test code.
 */
#ifndef KOBAN_ZIP_TEST_UTIL_H
#define KOBAN_ZIP_TEST_UTIL_H

#include <libdeflate.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct zt_buf {
	uint8_t *p;
	size_t len, cap;
} zt_buf;

static inline void zt_put(zt_buf *b, const void *d, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		if (!b->p)
			abort();
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->len, d, n);
	b->len += n;
}

static inline void zt_u16(zt_buf *b, uint64_t v)
{
	uint8_t x[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
	zt_put(b, x, 2);
}

static inline void zt_u32(zt_buf *b, uint64_t v)
{
	uint8_t x[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	zt_put(b, x, 4);
}

static inline void zt_u64(zt_buf *b, uint64_t v)
{
	zt_u32(b, v);
	zt_u32(b, v >> 32);
}

static inline void zt_set32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline uint32_t zt_crc(const void *d, size_t n)
{
	return libdeflate_crc32(0, d, n);
}

/* Raw deflate of d[0, n) into a new buffer. */
static inline uint8_t *zt_deflate(const void *d, size_t n, int level, size_t *ret_len)
{
	struct libdeflate_compressor *c = libdeflate_alloc_compressor(level);
	if (!c)
		abort();
	size_t bound = libdeflate_deflate_compress_bound(c, n);
	uint8_t *out = malloc(bound);
	if (!out)
		abort();
	size_t len = libdeflate_deflate_compress(c, d, n, out, bound);
	libdeflate_free_compressor(c);
	if (!len)
		abort();
	*ret_len = len;
	return out;
}

typedef struct zt_opts {
	uint16_t method;        /* 0 stored, 8 deflated by the writer; others need `raw` */
	uint16_t flags;         /* added to the flags the writer sets (bit 3 with `descriptor`) */
	bool raw;               /* data is written as given; `crc` and `usize` describe it */
	uint32_t crc;
	uint64_t usize;
	bool descriptor;        /* flag bit 3: local CRC and sizes zero, a descriptor after the data */
	bool descriptor_sig;    /* ... with its optional signature */
	bool zip64;             /* 0xFFFFFFFF sizes and offset, real values in extra 0x0001 */
	const char *local_name; /* a different name in the local header */
	bool no_local;          /* write only the central header ... */
	bool no_central;        /* ... or only the local header and data */
	bool set_offset;        /* the central header names local header `offset` */
	uint64_t offset;
} zt_opts;

typedef struct zt_zip {
	zt_buf out; /* local headers and data */
	zt_buf cd;  /* central headers */
	uint64_t count;
} zt_zip;

/* Append an entry named name[0, name_len) holding d[0, n). */
static inline void zt_add(zt_zip *z, const void *name, size_t name_len, const void *d, size_t n, const zt_opts *o)
{
	static const zt_opts defaults = { 0 };
	if (!o)
		o = &defaults;
	const uint8_t *data = d;
	uint8_t *packed = NULL;
	size_t clen = n;
	uint64_t usize = n;
	uint32_t crc = zt_crc(d, n);
	if (o->raw) {
		crc = o->crc;
		usize = o->usize;
	} else if (o->method == 8) {
		packed = zt_deflate(d, n, 6, &clen);
		data = packed;
	}
	uint16_t flags = o->flags | (o->descriptor ? 0x0008 : 0);
	uint64_t offset = o->set_offset ? o->offset : z->out.len;
	const char *lname = o->local_name ? o->local_name : NULL;
	size_t lname_len = lname ? strlen(lname) : name_len;

	if (o->no_local)
		goto central;
	/* local header */
	zt_u32(&z->out, 0x04034b50);
	zt_u16(&z->out, o->zip64 ? 45 : 20);
	zt_u16(&z->out, flags);
	zt_u16(&z->out, o->method);
	zt_u32(&z->out, 0x5a210000); /* 2025-01-01 00:00 */
	if (o->descriptor) {
		zt_u32(&z->out, 0);
		zt_u32(&z->out, o->zip64 ? 0xFFFFFFFFu : 0);
		zt_u32(&z->out, o->zip64 ? 0xFFFFFFFFu : 0);
	} else {
		zt_u32(&z->out, crc);
		zt_u32(&z->out, o->zip64 ? 0xFFFFFFFFu : clen);
		zt_u32(&z->out, o->zip64 ? 0xFFFFFFFFu : usize);
	}
	zt_u16(&z->out, lname_len);
	zt_u16(&z->out, o->zip64 ? 20 : 0);
	zt_put(&z->out, lname ? (const void *)lname : name, lname_len);
	if (o->zip64) {
		zt_u16(&z->out, 0x0001);
		zt_u16(&z->out, 16);
		zt_u64(&z->out, o->descriptor ? 0 : usize);
		zt_u64(&z->out, o->descriptor ? 0 : clen);
	}
	zt_put(&z->out, data, clen);
	if (o->descriptor) {
		if (o->descriptor_sig)
			zt_u32(&z->out, 0x08074b50);
		zt_u32(&z->out, crc);
		if (o->zip64) {
			zt_u64(&z->out, clen);
			zt_u64(&z->out, usize);
		} else {
			zt_u32(&z->out, clen);
			zt_u32(&z->out, usize);
		}
	}

	if (o->no_central) {
		free(packed);
		return;
	}
central:
	/* central header */
	zt_u32(&z->cd, 0x02014b50);
	zt_u16(&z->cd, 0x0300 | (o->zip64 ? 45 : 20)); /* made on Unix */
	zt_u16(&z->cd, o->zip64 ? 45 : 20);
	zt_u16(&z->cd, flags);
	zt_u16(&z->cd, o->method);
	zt_u32(&z->cd, 0x5a210000);
	zt_u32(&z->cd, crc);
	zt_u32(&z->cd, o->zip64 ? 0xFFFFFFFFu : clen);
	zt_u32(&z->cd, o->zip64 ? 0xFFFFFFFFu : usize);
	zt_u16(&z->cd, name_len);
	zt_u16(&z->cd, o->zip64 ? 28 : 0);
	zt_u16(&z->cd, 0);
	zt_u16(&z->cd, 0);
	zt_u16(&z->cd, 0);
	zt_u32(&z->cd, 0100644u << 16);
	zt_u32(&z->cd, o->zip64 ? 0xFFFFFFFFu : offset);
	zt_put(&z->cd, name, name_len);
	if (o->zip64) {
		zt_u16(&z->cd, 0x0001);
		zt_u16(&z->cd, 24);
		zt_u64(&z->cd, usize);
		zt_u64(&z->cd, clen);
		zt_u64(&z->cd, offset);
	}
	z->count++;
	free(packed);
}

static inline void zt_add_str(zt_zip *z, const char *name, const char *text, uint16_t method)
{
	zt_opts o = { .method = method };
	zt_add(z, name, strlen(name), text, strlen(text), &o);
}

/* Join the parts and add the end record (ZIP64 when `zip64` or when the
 * count needs it). Returns a malloc'd archive; the writer is emptied. */
static inline uint8_t *zt_finish(zt_zip *z, const void *comment, size_t comment_len, bool zip64, size_t *ret_len)
{
	zt_buf b = z->out;
	uint64_t cd_offset = b.len, cd_size = z->cd.len;
	zt_put(&b, z->cd.p, z->cd.len);
	if (zip64 || z->count > 0xFFFF) {
		uint64_t rec = b.len;
		zt_u32(&b, 0x06064b50);
		zt_u64(&b, 44);
		zt_u16(&b, 45);
		zt_u16(&b, 45);
		zt_u32(&b, 0);
		zt_u32(&b, 0);
		zt_u64(&b, z->count);
		zt_u64(&b, z->count);
		zt_u64(&b, cd_size);
		zt_u64(&b, cd_offset);
		zt_u32(&b, 0x07064b50);
		zt_u32(&b, 0);
		zt_u64(&b, rec);
		zt_u32(&b, 1);
		zip64 = true;
	}
	zt_u32(&b, 0x06054b50);
	zt_u16(&b, 0);
	zt_u16(&b, 0);
	zt_u16(&b, zip64 ? 0xFFFF : z->count);
	zt_u16(&b, zip64 ? 0xFFFF : z->count);
	zt_u32(&b, zip64 ? 0xFFFFFFFFu : cd_size);
	zt_u32(&b, zip64 ? 0xFFFFFFFFu : cd_offset);
	zt_u16(&b, comment_len);
	zt_put(&b, comment, comment_len);
	free(z->cd.p);
	*z = (zt_zip){ 0 };
	if (!b.p)
		zt_put(&b, "", 0);
	*ret_len = b.len;
	return b.p;
}

/* An archive holding one entry `name` with d[0, n), stored or deflated. */
static inline uint8_t *zt_single(const char *name, const void *d, size_t n, uint16_t method, size_t *ret_len)
{
	zt_zip z = { 0 };
	zt_opts o = { .method = method };
	zt_add(&z, name, strlen(name), d, n, &o);
	return zt_finish(&z, NULL, 0, false, ret_len);
}

/* ---- the quine ---------------------------------------------------------- */

/* Bits written least significant first, as deflate packs them. */
typedef struct zt_bits {
	uint8_t b[64];
	size_t n;
} zt_bits;

static inline void zt_bits_put(zt_bits *w, uint32_t v, int n)
{
	for (int i = 0; i < n; i++, w->n++)
		if (v >> i & 1)
			w->b[w->n / 8] |= (uint8_t)(1u << (w->n % 8));
}

/* A Huffman code, most significant bit first. */
static inline void zt_bits_code(zt_bits *w, uint32_t code, int n)
{
	for (int i = n - 1; i >= 0; i--)
		zt_bits_put(w, code >> i & 1, 1);
}

/* Deflate length and distance symbols: base value and extra bits. */
static const uint16_t zt_len_base[29] = { 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59,
	                                  67, 83, 99, 115, 131, 163, 195, 227, 258 };
static const uint8_t zt_len_extra[29] = { 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3,
	                                  4, 4, 4, 4, 5, 5, 5, 5, 0 };
static const uint16_t zt_dist_base[30] = { 1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385,
	                                   513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577 };
static const uint8_t zt_dist_extra[30] = { 0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7,
	                                   8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13 };

/* A copy of `len` bytes from `dist` back, in the fixed Huffman code. */
static inline void zt_bits_copy(zt_bits *w, unsigned len, unsigned dist)
{
	int s = 28;
	while (zt_len_base[s] > len)
		s--;
	unsigned sym = 257 + (unsigned)s;
	if (sym < 280)
		zt_bits_code(w, sym - 256, 7);
	else
		zt_bits_code(w, 0xC0 + sym - 280, 8);
	zt_bits_put(w, len - zt_len_base[s], zt_len_extra[s]);
	int d = 29;
	while (zt_dist_base[d] > dist)
		d--;
	zt_bits_code(w, (uint32_t)d, 5);
	zt_bits_put(w, dist - zt_dist_base[d], zt_dist_extra[d]);
}

/* The "repeat the last n bytes" op: a fixed-Huffman block of copies from n
 * back, ending on a byte boundary (exactly, or through an empty stored block)
 * and exactly `size` bytes long. Returns false when no split of n into up to
 * three copies gives that size. */
static inline bool zt_op_repeat(uint8_t *out, unsigned n, size_t size, bool final)
{
	for (int trailer = 0; trailer < 2; trailer++)
		for (unsigned a = 3; a <= n && a <= 258; a++)
			for (unsigned b = 0; b <= n - a && b <= 258; b++) {
				unsigned c = n - a - b;
				if ((b && b < 3) || (c && c < 3) || c > 258 || (c && !b))
					continue;
				zt_bits w = { 0 };
				zt_bits_put(&w, final && !trailer, 1);
				zt_bits_put(&w, 1, 2); /* fixed Huffman */
				zt_bits_copy(&w, a, n);
				if (b)
					zt_bits_copy(&w, b, n);
				if (c)
					zt_bits_copy(&w, c, n);
				zt_bits_code(&w, 0, 7); /* end of block */
				size_t bytes;
				if (trailer) {
					zt_bits_put(&w, final, 1);
					zt_bits_put(&w, 0, 2); /* stored */
					bytes = (w.n + 7) / 8 + 4;
				} else {
					if (w.n % 8)
						continue;
					bytes = w.n / 8;
				}
				if (bytes != size)
					continue;
				memcpy(out, w.b, bytes);
				if (trailer) {
					static const uint8_t empty[4] = { 0, 0, 0xFF, 0xFF };
					memcpy(out + bytes - 4, empty, 4);
				}
				return true;
			}
	return false;
}

/* The "literal n bytes follow" op: a stored block header. */
static inline void zt_op_literal(zt_buf *b, unsigned n)
{
	uint8_t h[5] = { 0, (uint8_t)n, (uint8_t)(n >> 8), (uint8_t)~n, (uint8_t)(~n >> 8) };
	zt_put(b, h, 5);
}

/* Solve (A + I) x = v over GF(2), A given by its columns; false if singular. */
static inline bool zt_gf2_solve(const uint32_t col[32], uint32_t v, uint32_t *ret)
{
	uint64_t rows[32]; /* bits 0-31: the row of A + I; bit 32: the right-hand side */
	for (int r = 0; r < 32; r++) {
		rows[r] = (uint64_t)(v >> r & 1) << 32;
		for (int c = 0; c < 32; c++)
			if (((col[c] >> r) & 1) ^ (r == c))
				rows[r] |= 1ull << c;
	}
	for (int c = 0; c < 32; c++) {
		int p = c;
		while (p < 32 && !(rows[p] >> c & 1))
			p++;
		if (p == 32)
			return false;
		uint64_t t = rows[p];
		rows[p] = rows[c];
		rows[c] = t;
		for (int r = 0; r < 32; r++)
			if (r != c && (rows[r] >> c & 1))
				rows[r] ^= rows[c];
	}
	uint32_t x = 0;
	for (int r = 0; r < 32; r++)
		x |= (uint32_t)(rows[r] >> 32 & 1) << r;
	*ret = x;
	return true;
}

/* The quine's layout: P (local header), the deflate program, S (central
 * header and end record). */
typedef struct zt_quine_plan {
	const char *name;
	size_t p, s;        /* bytes in P and S */
	size_t r1, rw, rs;  /* sizes of the repeat ops for P, the core, and S */
	uint32_t time;      /* varied when the CRC system is singular */
} zt_quine_plan;

static inline void zt_quine_ps(const zt_quine_plan *q, uint32_t crc, size_t code_len, zt_buf *P, zt_buf *S)
{
	size_t nlen = strlen(q->name), total = q->p + code_len + q->s;
	zt_u32(P, 0x04034b50);
	zt_u16(P, 20);
	zt_u16(P, 0);
	zt_u16(P, 8);
	zt_u32(P, q->time);
	zt_u32(P, crc);
	zt_u32(P, code_len);
	zt_u32(P, total);
	zt_u16(P, nlen);
	zt_u16(P, 0);
	zt_put(P, q->name, nlen);
	zt_u32(S, 0x02014b50);
	zt_u16(S, 20);
	zt_u16(S, 20);
	zt_u16(S, 0);
	zt_u16(S, 8);
	zt_u32(S, q->time);
	zt_u32(S, crc);
	zt_u32(S, code_len);
	zt_u32(S, total);
	zt_u16(S, nlen);
	zt_u16(S, 0);
	zt_u16(S, 0);
	zt_u16(S, 0);
	zt_u16(S, 0);
	zt_u32(S, 0);
	zt_u32(S, 0);
	zt_put(S, q->name, nlen);
	zt_u32(S, 0x06054b50);
	zt_u32(S, 0);
	zt_u16(S, 1);
	zt_u16(S, 1);
	zt_u32(S, 46 + nlen);
	zt_u32(S, q->p + code_len);
	zt_u16(S, 0);
}

/* The whole file for CRC `crc`. The program (each line prints the text
 * after it on the right; Ln = literal of n bytes, Rn = repeat the last n):
 *
 *   L(p+5) P L(p+5)              P L(p+5)
 *   R(p+5)                       P L(p+5)
 *   L(r1) R(p+5)                 R(p+5)
 *   L5 L(r1)                     L(r1)
 *   L0                           -
 *   L(w) R(p+5) L5 L(r1) L0 L(w) R(p+5) L5 L(r1) L0 L(w)
 *   R(w)                         R(p+5) L5 L(r1) L0 L(w)
 *   L(w) R(w) L(w) R(w) L(w)     R(w) L(w) R(w) L(w)
 *   R(w)                         R(w) L(w) R(w) L(w)
 *   L(w) R(w) L0 L0 L0 L(z)      R(w) L0 L0 L0 L(z)
 *   R(w)                         R(w) L0 L0 L0 L(z)
 *   L0 L0 L0                     -
 *   L(z) R(z) S                  R(z) S
 *   R(z)                         R(z) S
 *
 * with w = r1 + 20 = 2 rw + 10 = rw + 20 (so rw = 10, r1 = 10) and
 * z = rs + s. Preceded by P and followed by S, the output is the file. */
static inline uint8_t *zt_quine_file(const zt_quine_plan *q, uint32_t crc, size_t *ret_len)
{
	const unsigned p = (unsigned)q->p, s = (unsigned)q->s, w = 30, z = (unsigned)(q->rs + q->s);
	uint8_t rp[16], rw[16], rz[16];
	if (!zt_op_repeat(rp, p + 5, q->r1, false) || !zt_op_repeat(rw, w, q->rw, false) ||
	    !zt_op_repeat(rz, z, q->rs, true))
		abort();
	/* the program's length does not depend on P's and S's contents */
	size_t code_len = 5 + p + 5 + 10 + 5 + 10 + 5 + 5 + 5 + (5 + 10 + 5 + 5 + 5 + 5) + 10 +
	                  (5 + 10 + 5 + 10 + 5) + 10 + (5 + 10 + 15 + 5) + 10 + 15 + (5 + q->rs + s) + q->rs;
	zt_buf P = { 0 }, S = { 0 }, f = { 0 };
	zt_quine_ps(q, crc, code_len, &P, &S);
	uint8_t L0[5], Lp[5], Lr1[5], L5[5], Lw[5], Lz[5];
	zt_buf t = { 0 };
	zt_op_literal(&t, 0);
	zt_op_literal(&t, p + 5);
	zt_op_literal(&t, (unsigned)q->r1);
	zt_op_literal(&t, 5);
	zt_op_literal(&t, w);
	zt_op_literal(&t, z);
	memcpy(L0, t.p, 5);
	memcpy(Lp, t.p + 5, 5);
	memcpy(Lr1, t.p + 10, 5);
	memcpy(L5, t.p + 15, 5);
	memcpy(Lw, t.p + 20, 5);
	memcpy(Lz, t.p + 25, 5);
	free(t.p);
#define ZQ(x, n) zt_put(&f, x, n)
	ZQ(P.p, P.len);
	ZQ(Lp, 5), ZQ(P.p, P.len), ZQ(Lp, 5);
	ZQ(rp, q->r1);
	ZQ(Lr1, 5), ZQ(rp, q->r1);
	ZQ(L5, 5), ZQ(Lr1, 5);
	ZQ(L0, 5);
	ZQ(Lw, 5), ZQ(rp, q->r1), ZQ(L5, 5), ZQ(Lr1, 5), ZQ(L0, 5), ZQ(Lw, 5);
	ZQ(rw, q->rw);
	ZQ(Lw, 5), ZQ(rw, q->rw), ZQ(Lw, 5), ZQ(rw, q->rw), ZQ(Lw, 5);
	ZQ(rw, q->rw);
	ZQ(Lw, 5), ZQ(rw, q->rw), ZQ(L0, 5), ZQ(L0, 5), ZQ(L0, 5), ZQ(Lz, 5);
	ZQ(rw, q->rw);
	ZQ(L0, 5), ZQ(L0, 5), ZQ(L0, 5);
	ZQ(Lz, 5), ZQ(rz, q->rs), ZQ(S.p, S.len);
	ZQ(rz, q->rs);
	ZQ(S.p, S.len);
#undef ZQ
	if (f.len != P.len + code_len + S.len)
		abort();
	free(P.p);
	free(S.p);
	*ret_len = f.len;
	return f.p;
}

/* An archive with one deflated entry `r.zip` that inflates to the archive. */
static inline uint8_t *zt_quine(size_t *ret_len)
{
	zt_quine_plan q = { .name = "r.zip", .r1 = 10, .rw = 10 };
	q.p = 30 + strlen(q.name);
	q.s = 46 + strlen(q.name) + 22;
	for (q.rs = 5; q.rs < 16; q.rs++) {
		uint8_t probe[16];
		if (zt_op_repeat(probe, (unsigned)(q.rs + q.s), q.rs, true))
			break;
	}
	for (q.time = 0x5a210000; q.time < 0x5a210000 + 64; q.time++) {
		size_t n;
		uint8_t *f0 = zt_quine_file(&q, 0, &n);
		uint32_t base = zt_crc(f0, n), col[32];
		free(f0);
		for (int j = 0; j < 32; j++) {
			uint8_t *fj = zt_quine_file(&q, 1u << j, &n);
			col[j] = zt_crc(fj, n) ^ base;
			free(fj);
		}
		uint32_t crc;
		if (zt_gf2_solve(col, base, &crc))
			return zt_quine_file(&q, crc, ret_len);
	}
	abort();
}

#endif
