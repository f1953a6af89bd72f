/*
 * hunt-input.c - compressed log inputs read as lines, at disk speed, in
 * bounded memory (the design and the line contract are in koban/huntio.h).
 *
 * kb_hunt_input. Compressed bytes go through one buffer `ibuf` of
 * KB_HUNT_READ_SIZE (a memory input points `ibuf` at the caller's buffer
 * instead, so it is never copied). ibuf[ipos..ilen) is what is buffered and
 * not yet consumed, and `in_off` is the offset of ibuf[ipos] in the
 * compressed input, which is what errors report. Plain input bypasses the
 * buffer once the few sniffed bytes are handed out: read(2) goes straight
 * into the caller's buffer.
 *
 * Each decompressor is one `step` function: consume some input, produce some
 * output, say whether a member (gzip member, zstd frame, bzip2 stream, xz
 * stream) ended. One driver (dec_read) refills, restarts the decoder when
 * another member follows, and turns "end of input, no progress, member not
 * finished" into a truncation error. When a stream breaks, the bytes decoded
 * before the damage are returned first; the error is sticky and comes on the
 * next call.
 *
 * kb_hunt_lines. One buffer of max_line + KB_HUNT_READ_SIZE bytes;
 * buf[start..end) is unread data and buf[start..scan) is known to hold no
 * '\n', so memchr never rescans a byte. When no '\n' is in sight and more
 * than max_line bytes are buffered, a chunk of max_line bytes is delivered
 * and `start` moves on by max_line - overlap. Otherwise the unread tail
 * (never more than max_line bytes) moves to the front and the decoder writes
 * straight after it, so there is always room for a whole read.
 */
#include "koban/huntio.h"

#include <assert.h>
#include <bzlib.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <lzma.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#if HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

/* Bytes that may be put back in front of ibuf[ipos] (ISA-L's bit buffer). */
#define IBUF_SLACK 16
/* Bytes sniffed at open and between members. */
#define SNIFF 6

enum { ST_CONT = 0, ST_END = 1 };

struct kb_hunt_input {
	kb_hunt_compression comp;
	int fd;
	bool own_fd;
	bool eof_in;       /* nothing more to read into ibuf */
	bool started;      /* a member is open in the decoder */
	bool done;         /* the stream ended cleanly */
	int err_code;      /* sticky error, 0 when none */
	uint8_t *ialloc;   /* owned buffer, NULL for memory inputs */
	uint8_t *ibuf;
	size_t ipos, ilen;
	uint64_t in_off;
	char name[KB_ERROR_FILE_MAX];
	kb_error saved;
	union {
		z_stream z;
		bz_stream bz;
		lzma_stream xz;
	} u;
	bool z_init, bz_init, xz_init;
	bool gzip_zlib;    /* decode gzip with zlib even when ISA-L is built in */
	ZSTD_DCtx *zs;
#if HAVE_ISAL
	struct inflate_state *isal;
#endif
};

const char *kb_hunt_compression_name(kb_hunt_compression c)
{
	switch (c) {
	case KB_HUNT_PLAIN: return "plain";
	case KB_HUNT_GZIP: return "gzip";
	case KB_HUNT_ZSTD: return "zstd";
	case KB_HUNT_BZIP2: return "bzip2";
	case KB_HUNT_XZ: return "xz";
	}
	return "unknown";
}

const char *kb_hunt_gzip_backend(void)
{
#if HAVE_ISAL
	return "isa-l";
#else
	return "zlib";
#endif
}

static bool is_gzip(const uint8_t *p, size_t n)
{
	return n >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

static bool is_zstd(const uint8_t *p, size_t n)
{
	if (n < 4)
		return false;
	if (p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd)
		return true;
	/* skippable frame: 0x184D2A50..0x184D2A5F little-endian */
	return (p[0] & 0xf0) == 0x50 && p[1] == 0x2a && p[2] == 0x4d && p[3] == 0x18;
}

static bool is_bzip2(const uint8_t *p, size_t n)
{
	return n >= 4 && p[0] == 'B' && p[1] == 'Z' && p[2] == 'h' && p[3] >= '1' && p[3] <= '9';
}

static bool is_xz(const uint8_t *p, size_t n)
{
	static const uint8_t m[6] = { 0xfd, '7', 'z', 'X', 'Z', 0x00 };
	return n >= 6 && memcmp(p, m, 6) == 0;
}

kb_hunt_compression kb_hunt_detect(const void *head, size_t n)
{
	const uint8_t *p = head;
	if (is_gzip(p, n))
		return KB_HUNT_GZIP;
	if (is_zstd(p, n))
		return KB_HUNT_ZSTD;
	if (is_bzip2(p, n))
		return KB_HUNT_BZIP2;
	if (is_xz(p, n))
		return KB_HUNT_XZ;
	return KB_HUNT_PLAIN;
}

static bool member_magic(kb_hunt_compression c, const uint8_t *p, size_t n)
{
	switch (c) {
	case KB_HUNT_GZIP: return is_gzip(p, n);
	case KB_HUNT_ZSTD: return is_zstd(p, n);
	case KB_HUNT_BZIP2: return is_bzip2(p, n);
	case KB_HUNT_XZ: return is_xz(p, n);
	case KB_HUNT_PLAIN: return true;
	}
	return false;
}

/* Record a sticky error at the current compressed offset. */
__attribute__((format(printf, 3, 4)))
static int fail(kb_hunt_input *in, int code, const char *fmt, ...)
{
	char msg[KB_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	int sys = code == KB_EIO ? errno : 0;
	kb_error_set(&in->saved, code, in->name, 0, 0, in->in_off, "%s", msg);
	in->saved.sys_errno = sys;
	in->err_code = code;
	return code;
}

static void consume(kb_hunt_input *in, size_t n)
{
	assert(n <= in->ilen - in->ipos);
	in->ipos += n;
	in->in_off += n;
}

/* Read more compressed bytes behind the buffered ones (compacting first). */
static int refill(kb_hunt_input *in)
{
	if (in->eof_in)
		return 0;
	if (in->ipos > IBUF_SLACK && in->ipos == in->ilen) {
		in->ipos = in->ilen = IBUF_SLACK;
	} else if (in->ipos > IBUF_SLACK) {
		size_t n = in->ilen - in->ipos;
		memmove(in->ibuf + IBUF_SLACK, in->ibuf + in->ipos, n);
		in->ipos = IBUF_SLACK;
		in->ilen = IBUF_SLACK + n;
	}
	size_t room = IBUF_SLACK + KB_HUNT_READ_SIZE - in->ilen;
	if (room == 0)
		return 0;
	for (;;) {
		ssize_t r = read(in->fd, in->ibuf + in->ilen, room);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return fail(in, KB_EIO, "cannot read: %s", strerror(errno));
		if (r == 0)
			in->eof_in = true;
		in->ilen += (size_t)r;
		return 0;
	}
}

/* Make at least `n` bytes available unless the input ends first. */
static int need(kb_hunt_input *in, size_t n)
{
	while (in->ilen - in->ipos < n && !in->eof_in) {
		int rc = refill(in);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ---- decoders: one step each ------------------------------------------ */

typedef struct step_io {
	const uint8_t *src;
	size_t src_len;
	uint8_t *dst;
	size_t dst_len;
	bool eof;          /* no input will follow src */
	size_t used, made; /* out */
} step_io;

static int start_member(kb_hunt_input *in)
{
	switch (in->comp) {
	case KB_HUNT_GZIP:
#if HAVE_ISAL
		if (!in->gzip_zlib) {
			if (!in->isal && !(in->isal = malloc(sizeof *in->isal)))
				return fail(in, KB_ENOMEM, "out of memory for the gzip decoder");
			isal_inflate_init(in->isal);
			in->isal->crc_flag = ISAL_GZIP;
			return 0;
		}
#endif
		if (in->z_init) {
			if (inflateReset(&in->u.z) != Z_OK)
				return fail(in, KB_EPARSE, "cannot reset the gzip decoder");
		} else {
			memset(&in->u.z, 0, sizeof in->u.z);
			if (inflateInit2(&in->u.z, 15 + 16) != Z_OK)
				return fail(in, KB_ENOMEM, "cannot start the gzip decoder");
			in->z_init = true;
		}
		return 0;
	case KB_HUNT_ZSTD:
		if (!in->zs) {
			if (!(in->zs = ZSTD_createDCtx()))
				return fail(in, KB_ENOMEM, "cannot start the zstd decoder");
			ZSTD_DCtx_setParameter(in->zs, ZSTD_d_windowLogMax, KB_HUNT_ZSTD_WINDOW_LOG_MAX);
		}
		return 0;
	case KB_HUNT_BZIP2:
		if (in->bz_init) {
			BZ2_bzDecompressEnd(&in->u.bz);
			in->bz_init = false;
		}
		memset(&in->u.bz, 0, sizeof in->u.bz);
		if (BZ2_bzDecompressInit(&in->u.bz, 0, 0) != BZ_OK)
			return fail(in, KB_ENOMEM, "cannot start the bzip2 decoder");
		in->bz_init = true;
		return 0;
	case KB_HUNT_XZ:
		if (in->xz_init)
			return 0;
		in->u.xz = (lzma_stream)LZMA_STREAM_INIT;
		if (lzma_stream_decoder(&in->u.xz, KB_HUNT_XZ_MEMLIMIT, LZMA_CONCATENATED) != LZMA_OK)
			return fail(in, KB_ENOMEM, "cannot start the xz decoder");
		in->xz_init = true;
		return 0;
	case KB_HUNT_PLAIN:
		return 0;
	}
	return 0;
}

static unsigned clamp_uint(size_t n)
{
	return n > UINT_MAX ? UINT_MAX : (unsigned)n;
}

#if HAVE_ISAL
static int step_isal(kb_hunt_input *in, step_io *io)
{
	struct inflate_state *s = in->isal;
	uint32_t in_len = io->src_len > UINT32_MAX ? UINT32_MAX : (uint32_t)io->src_len;
	uint32_t out_len = io->dst_len > UINT32_MAX ? UINT32_MAX : (uint32_t)io->dst_len;
	s->next_in = (uint8_t *)io->src;
	s->avail_in = in_len;
	s->next_out = io->dst;
	s->avail_out = out_len;
	int rc = isal_inflate(s);
	/* On some errors ISA-L leaves avail_in wrapped below zero (fuzz-found):
	 * never count more than was given. */
	io->used = s->avail_in <= in_len ? in_len - s->avail_in : in_len;
	io->made = s->avail_out <= out_len ? out_len - s->avail_out : out_len;
	if (rc < 0)
		return fail(in, KB_EPARSE, "corrupt gzip data (%s)",
		            rc == ISAL_INCORRECT_CHECKSUM ? "checksum mismatch"
		            : rc == ISAL_INVALID_WRAPPER || rc == ISAL_UNSUPPORTED_METHOD ? "bad header"
		            : "invalid deflate stream");
	if (s->block_state == ISAL_BLOCK_FINISH) {
		/* ISA-L reads ahead into a 64-bit bit buffer; whole bytes left
		 * there belong to whatever follows this member. */
		size_t back = (size_t)(s->read_in_length > 0 ? s->read_in_length / 8 : 0);
		if (back > io->used) {
			/* They were consumed by an earlier call: put them back from the bit buffer. */
			size_t extra = back - io->used;
			assert(extra <= in->ipos);
			/* A memory input still holds them in place; an owned buffer may
			 * have been compacted since, but always keeps IBUF_SLACK in front. */
			if (in->ialloc)
				for (size_t i = 0; i < back; i++)
					in->ibuf[in->ipos - extra + i] = (uint8_t)(s->read_in >> (8 * i));
			in->ipos -= extra;
			in->in_off -= extra;
			io->used = 0;
		} else {
			io->used -= back;
		}
		return ST_END;
	}
	return ST_CONT;
}
#endif

static int step_zlib(kb_hunt_input *in, step_io *io)
{
	z_stream *z = &in->u.z;
	unsigned in_len = clamp_uint(io->src_len), out_len = clamp_uint(io->dst_len);
	z->next_in = (Bytef *)io->src;
	z->avail_in = in_len;
	z->next_out = io->dst;
	z->avail_out = out_len;
	int rc = inflate(z, Z_NO_FLUSH);
	io->used = in_len - z->avail_in;
	io->made = out_len - z->avail_out;
	if (rc == Z_STREAM_END)
		return ST_END;
	if (rc == Z_OK || rc == Z_BUF_ERROR)
		return ST_CONT;
	if (rc == Z_MEM_ERROR)
		return fail(in, KB_ENOMEM, "out of memory in the gzip decoder");
	return fail(in, KB_EPARSE, "corrupt gzip data (%s)", z->msg ? z->msg : "invalid stream");
}

static int step_gzip(kb_hunt_input *in, step_io *io)
{
#if HAVE_ISAL
	if (!in->gzip_zlib)
		return step_isal(in, io);
#endif
	return step_zlib(in, io);
}

/* zstd leaves the input position unspecified on error, so it is fed slices
 * of this size: an error is then located to within one slice. */
#define ZSTD_SLICE (64u << 10)

static int step_zstd(kb_hunt_input *in, step_io *io)
{
	ZSTD_inBuffer src = { io->src, io->src_len < ZSTD_SLICE ? io->src_len : ZSTD_SLICE, 0 };
	ZSTD_outBuffer dst = { io->dst, io->dst_len, 0 };
	size_t rc = ZSTD_decompressStream(in->zs, &dst, &src);
	io->used = src.pos;
	io->made = dst.pos;
	if (ZSTD_isError(rc)) {
		ZSTD_ErrorCode ec = ZSTD_getErrorCode(rc);
		if (ec == ZSTD_error_frameParameter_windowTooLarge)
			return fail(in, KB_ELIMIT, "zstd frame needs a window larger than 2^%d bytes (KB_HUNT_ZSTD_WINDOW_LOG_MAX)",
			            KB_HUNT_ZSTD_WINDOW_LOG_MAX);
		if (ec == ZSTD_error_memory_allocation)
			return fail(in, KB_ENOMEM, "out of memory in the zstd decoder");
		return fail(in, KB_EPARSE, "corrupt zstd data (%s)", ZSTD_getErrorName(rc));
	}
	/* rc == 0: a frame ended and everything it held was flushed. */
	return rc == 0 ? ST_END : ST_CONT;
}

static int step_bzip2(kb_hunt_input *in, step_io *io)
{
	bz_stream *b = &in->u.bz;
	unsigned in_len = clamp_uint(io->src_len), out_len = clamp_uint(io->dst_len);
	b->next_in = (char *)io->src;
	b->avail_in = in_len;
	b->next_out = (char *)io->dst;
	b->avail_out = out_len;
	int rc = BZ2_bzDecompress(b);
	io->used = in_len - b->avail_in;
	io->made = out_len - b->avail_out;
	if (rc == BZ_STREAM_END)
		return ST_END;
	if (rc == BZ_OK)
		return ST_CONT;
	if (rc == BZ_MEM_ERROR)
		return fail(in, KB_ENOMEM, "out of memory in the bzip2 decoder");
	return fail(in, KB_EPARSE, "corrupt bzip2 data (%s)",
	            rc == BZ_DATA_ERROR_MAGIC ? "bad stream header" : "invalid block or checksum");
}

static int step_xz(kb_hunt_input *in, step_io *io)
{
	lzma_stream *x = &in->u.xz;
	x->next_in = io->src;
	x->avail_in = io->src_len;
	x->next_out = io->dst;
	x->avail_out = io->dst_len;
	lzma_ret rc = lzma_code(x, io->eof ? LZMA_FINISH : LZMA_RUN);
	io->used = io->src_len - x->avail_in;
	io->made = io->dst_len - x->avail_out;
	switch (rc) {
	case LZMA_OK:
		return ST_CONT;
	case LZMA_STREAM_END:
		return ST_END;
	case LZMA_BUF_ERROR:
		return fail(in, KB_EPARSE, "truncated xz stream");
	case LZMA_MEMLIMIT_ERROR:
		return fail(in, KB_ELIMIT, "xz stream needs %llu bytes of decoder memory, over KB_HUNT_XZ_MEMLIMIT (%u)",
		            (unsigned long long)lzma_memusage(x), KB_HUNT_XZ_MEMLIMIT);
	case LZMA_MEM_ERROR:
		return fail(in, KB_ENOMEM, "out of memory in the xz decoder");
	default:
		return fail(in, KB_EPARSE, "corrupt xz data (%s)",
		            rc == LZMA_FORMAT_ERROR ? "bad stream header"
		            : rc == LZMA_OPTIONS_ERROR ? "unsupported options" : "invalid data");
	}
}

static int step(kb_hunt_input *in, step_io *io)
{
	switch (in->comp) {
	case KB_HUNT_GZIP: return step_gzip(in, io);
	case KB_HUNT_ZSTD: return step_zstd(in, io);
	case KB_HUNT_BZIP2: return step_bzip2(in, io);
	case KB_HUNT_XZ: return step_xz(in, io);
	case KB_HUNT_PLAIN: break;
	}
	return fail(in, KB_EINVAL, "no decoder");
}

/* The driver for compressed inputs: fills out[0..cap) as far as it can
 * without waiting for input once something was produced. */
static int dec_read(kb_hunt_input *in, uint8_t *out, size_t cap, size_t *made)
{
	*made = 0;
	while (!in->done && *made < cap) {
		if (!in->started) {
			int rc = need(in, SNIFF);
			if (rc < 0)
				return rc;
			size_t avail = in->ilen - in->ipos;
			if (avail == 0) {
				in->done = true;
				break;
			}
			if (!member_magic(in->comp, in->ibuf + in->ipos, avail))
				return fail(in, KB_EPARSE, "%zu bytes after the last %s member are not another member",
				            avail, kb_hunt_compression_name(in->comp));
			if ((rc = start_member(in)) < 0)
				return rc;
			in->started = true;
		}
		if (in->ipos == in->ilen && !in->eof_in) {
			if (*made > 0)
				break;
			int rc = refill(in);
			if (rc < 0)
				return rc;
			continue;
		}
		step_io io = {
			.src = in->ibuf + in->ipos, .src_len = in->ilen - in->ipos,
			.dst = out + *made, .dst_len = cap - *made,
			.eof = in->eof_in,
		};
		int st = step(in, &io);
		consume(in, io.used);
		*made += io.made;
		if (st < 0) {
			/* located where decoding stopped, after what this step consumed */
			in->saved.offset = in->in_off;
			return st;
		}
		if (st == ST_END) {
			/* xz reads its concatenated streams itself and ends once. */
			if (in->comp == KB_HUNT_XZ)
				in->done = true;
			in->started = false;
			continue;
		}
		if (in->eof_in && io.used == 0 && io.made == 0)
			return fail(in, KB_EPARSE, "truncated %s stream (it ends inside a member)",
			            kb_hunt_compression_name(in->comp));
	}
	return 0;
}

static int plain_read(kb_hunt_input *in, uint8_t *out, size_t cap, size_t *made)
{
	*made = 0;
	if (in->ipos < in->ilen) {
		size_t n = in->ilen - in->ipos;
		if (n > cap)
			n = cap;
		memcpy(out, in->ibuf + in->ipos, n);
		consume(in, n);
		*made = n;
		return 0;
	}
	if (in->eof_in) {
		in->done = true;
		return 0;
	}
	for (;;) {
		ssize_t r = read(in->fd, out, cap);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return fail(in, KB_EIO, "cannot read: %s", strerror(errno));
		if (r == 0) {
			in->eof_in = in->done = true;
			return 0;
		}
		in->in_off += (uint64_t)r;
		*made = (size_t)r;
		return 0;
	}
}

int kb_hunt_input_read(kb_hunt_input *in, void *buf, size_t cap, size_t *ret_n, kb_error *err)
{
	assert(in && buf && cap > 0 && ret_n);
	if (in->err_code) {
		if (err)
			*err = in->saved;
		return in->err_code;
	}
	if (in->done) {
		*ret_n = 0;
		return 0;
	}
	size_t made = 0;
	int rc = in->comp == KB_HUNT_PLAIN ? plain_read(in, buf, cap, &made)
	                                   : dec_read(in, buf, cap, &made);
	if (rc < 0 && made == 0) {
		if (err)
			*err = in->saved;
		return rc;
	}
	/* Bytes decoded before an error are handed out; the error is sticky. */
	*ret_n = made;
	return 0;
}

static void set_name(kb_hunt_input *in, const char *name)
{
	snprintf(in->name, sizeof in->name, "%s", name ? name : "-");
}

static int finish_open(kb_hunt_input *in, kb_hunt_input **ret, kb_error *err)
{
	if (need(in, SNIFF) < 0) {
		if (err)
			*err = in->saved;
		int rc = in->err_code;
		kb_hunt_input_free(in);
		return rc;
	}
	in->comp = kb_hunt_detect(in->ibuf + in->ipos, in->ilen - in->ipos);
	*ret = in;
	return 0;
}

static kb_hunt_input *input_alloc(void)
{
	kb_hunt_input *in = calloc(1, sizeof *in);
	if (!in)
		return NULL;
	in->fd = -1;
	return in;
}

int kb_hunt_input_open_fd(int fd, const char *name, kb_hunt_input **ret, kb_error *err)
{
	kb_hunt_input *in = input_alloc();
	if (!in || !(in->ialloc = malloc(IBUF_SLACK + KB_HUNT_READ_SIZE))) {
		free(in);
		return kb_error_set(err, KB_ENOMEM, name, 0, 0, KB_NO_OFFSET, "out of memory");
	}
	in->fd = fd;
	in->ibuf = in->ialloc;
	in->ipos = in->ilen = IBUF_SLACK;
	set_name(in, name);
	return finish_open(in, ret, err);
}

int kb_hunt_input_open(const char *path, kb_hunt_input **ret, kb_error *err)
{
	if (!path || strcmp(path, "-") == 0)
		return kb_hunt_input_open_fd(STDIN_FILENO, "-", ret, err);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		int rc = kb_error_set(err, KB_EIO, path, 0, 0, KB_NO_OFFSET, "cannot open: %s", strerror(e));
		if (err)
			err->sys_errno = e;
		return rc;
	}
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	kb_hunt_input *in = NULL;
	int rc = kb_hunt_input_open_fd(fd, path, &in, err);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	in->own_fd = true;
	*ret = in;
	return 0;
}

int kb_hunt_input_open_mem(const void *data, size_t size, const char *name, kb_hunt_input **ret,
                           kb_error *err)
{
	kb_hunt_input *in = input_alloc();
	if (!in)
		return kb_error_set(err, KB_ENOMEM, name, 0, 0, KB_NO_OFFSET, "out of memory");
	/* Never written: bytes are put back only in front of ipos in an owned buffer. */
	in->ibuf = (uint8_t *)(uintptr_t)data;
	in->ilen = size;
	in->eof_in = true;
	set_name(in, name);
	return finish_open(in, ret, err);
}

kb_hunt_input *kb_hunt_input_free(kb_hunt_input *in)
{
	if (!in)
		return NULL;
	if (in->z_init)
		inflateEnd(&in->u.z);
	if (in->bz_init)
		BZ2_bzDecompressEnd(&in->u.bz);
	if (in->xz_init)
		lzma_end(&in->u.xz);
	ZSTD_freeDCtx(in->zs);
#if HAVE_ISAL
	free(in->isal);
#endif
	if (in->own_fd)
		close(in->fd);
	free(in->ialloc);
	free(in);
	return NULL;
}

void kb_hunt_input_use_zlib(kb_hunt_input *in)
{
	assert(!in->started && in->in_off == 0);
	in->gzip_zlib = true;
}

const char *kb_hunt_input_gzip_backend(const kb_hunt_input *in)
{
	return HAVE_ISAL && !in->gzip_zlib ? "isa-l" : "zlib";
}

kb_hunt_compression kb_hunt_input_compression(const kb_hunt_input *in)
{
	return in->comp;
}

uint64_t kb_hunt_input_compressed_offset(const kb_hunt_input *in)
{
	return in->in_off;
}

/* ---- lines --------------------------------------------------------------- */

struct kb_hunt_lines {
	kb_hunt_input *in;
	char *buf;
	size_t cap;        /* max_line + read size (KB_HUNT_READ_SIZE by default) */
	size_t start, scan, end;
	uint64_t base;     /* stream offset of buf[0] */
	uint64_t lineno;   /* number of the line at `start` */
	bool in_long;      /* `start` is inside a line already partly delivered */
	bool eof;
	int err_code;      /* input error, reported after the buffered lines */
	bool err_due;      /* the buffered lines are out: report it now */
	kb_error saved;
	size_t max_line, overlap;
};

int kb_hunt_lines_new(kb_hunt_input *in, const kb_hunt_lines_opts *opts, kb_hunt_lines **ret)
{
	size_t max_line = KB_HUNT_MAX_LINE, overlap = KB_HUNT_LINE_OVERLAP;
	if (opts && opts->max_line)
		max_line = opts->max_line < KB_HUNT_MAX_LINE ? opts->max_line : KB_HUNT_MAX_LINE;
	if (max_line < 2)
		max_line = 2;
	if (opts && opts->overlap)
		overlap = opts->overlap;
	if (overlap >= max_line / 2)
		overlap = max_line / 2 - 1;
	size_t read_size = KB_HUNT_READ_SIZE;
	if (opts && opts->read_size && opts->read_size < read_size)
		read_size = opts->read_size;
	kb_hunt_lines *r = calloc(1, sizeof *r);
	if (!r)
		return KB_ENOMEM;
	r->cap = max_line + read_size;
	if (!(r->buf = malloc(r->cap))) {
		free(r);
		return KB_ENOMEM;
	}
	r->in = in;
	r->max_line = max_line;
	r->overlap = overlap;
	r->lineno = 1;
	*ret = r;
	return 0;
}

kb_hunt_lines *kb_hunt_lines_free(kb_hunt_lines *r)
{
	if (!r)
		return NULL;
	free(r->buf);
	free(r);
	return NULL;
}

uint64_t kb_hunt_lines_offset(const kb_hunt_lines *r)
{
	return r->base + r->start;
}

static int lines_error(kb_hunt_lines *r, kb_error *err)
{
	if (err) {
		*err = r->saved;
		err->line = r->lineno;
	}
	return r->err_code;
}

int kb_hunt_lines_next(kb_hunt_lines *r, kb_hunt_line *ret, kb_error *err)
{
	if (r->err_due)
		return lines_error(r, err);
	for (;;) {
		assert(r->start <= r->scan && r->scan <= r->end && r->end <= r->cap);
		char *nl = r->scan < r->end ? memchr(r->buf + r->scan, '\n', r->end - r->scan) : NULL;
		size_t avail = nl ? (size_t)(nl - (r->buf + r->start)) : r->end - r->start;
		if (!nl)
			r->scan = r->end;
		if (avail > r->max_line) {
			/* A chunk of a long line. [start, nl) holds no '\n'. */
			if (nl)
				r->scan = (size_t)(nl - r->buf);
			ret->data = r->buf + r->start;
			ret->len = r->max_line;
			ret->lineno = r->lineno;
			ret->offset = r->base + r->start;
			ret->overlap = r->in_long ? r->overlap : 0;
			ret->flags = KB_HUNT_LINE_MORE | (r->in_long ? KB_HUNT_LINE_CONT : 0);
			r->start += r->max_line - r->overlap;
			r->in_long = true;
			return 1;
		}
		if (nl) {
			size_t len = avail;
			unsigned flags = r->in_long ? KB_HUNT_LINE_CONT : 0;
			if (len > 0 && r->buf[r->start + len - 1] == '\r') {
				len--;
				flags |= KB_HUNT_LINE_CR;
			}
			ret->data = r->buf + r->start;
			ret->len = len;
			ret->lineno = r->lineno;
			ret->offset = r->base + r->start;
			ret->overlap = r->in_long ? r->overlap : 0;
			ret->flags = flags;
			r->start = r->scan = (size_t)(nl - r->buf) + 1;
			r->lineno++;
			r->in_long = false;
			return 1;
		}
		if (r->eof) {
			if (r->end > r->start) {
				ret->data = r->buf + r->start;
				ret->len = r->end - r->start;
				ret->lineno = r->lineno;
				ret->offset = r->base + r->start;
				ret->overlap = r->in_long ? r->overlap : 0;
				ret->flags = KB_HUNT_LINE_NOEOL | (r->in_long ? KB_HUNT_LINE_CONT : 0) |
				             (r->err_code ? KB_HUNT_LINE_PARTIAL : 0);
				r->start = r->scan = r->end;
				r->in_long = false;
				return 1;
			}
			if (r->err_code) {
				r->err_due = true;
				return lines_error(r, err);
			}
			return 0;
		}
		/* Move the unread tail (at most max_line bytes) to the front and read behind it. */
		if (r->start > 0) {
			size_t n = r->end - r->start;
			if (n)
				memmove(r->buf, r->buf + r->start, n);
			r->base += r->start;
			r->scan -= r->start;
			r->end = n;
			r->start = 0;
		}
		size_t got = 0;
		int rc = kb_hunt_input_read(r->in, r->buf + r->end, r->cap - r->end, &got, &r->saved);
		if (rc < 0) {
			r->err_code = rc;
			r->eof = true;
		} else if (got == 0) {
			r->eof = true;
		}
		r->end += got;
	}
}
