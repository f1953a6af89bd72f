/*
 * huntio.h - the log input layer of `koban hunt`: compressed inputs read as
 * lines at disk speed, in bounded memory.
 *
 * Two objects. A kb_hunt_input is a byte source (a file, stdin, or a memory
 * buffer) whose compression is told by its first bytes, never by its name:
 * gzip (ISA-L igzip when built with it, zlib otherwise; concatenated members
 * are read whole), zstd (concatenated frames, skippable frames), bzip2
 * (concatenated streams), xz (concatenated streams), plain otherwise. It
 * yields the decompressed stream.
 *
 * A kb_hunt_lines reads a kb_hunt_input (borrowed; it must outlive the
 * reader) as lines. A line is the bytes up to, not including, '\n'; a '\r'
 * before the '\n' is removed and flagged. Bytes are opaque: NUL bytes and
 * bytes that are not UTF-8 are delivered as they are. Lines are not
 * NUL-terminated.
 *
 * Long lines. A line whose content is longer than KB_HUNT_MAX_LINE bytes is
 * delivered in chunks of exactly KB_HUNT_MAX_LINE bytes (the last one
 * shorter). Every chunk after the first starts KB_HUNT_LINE_OVERLAP bytes
 * before the end of the previous one, so any pattern no longer than the
 * overlap lies whole inside at least one chunk. A chunk after the first has
 * KB_HUNT_LINE_CONT set and `overlap` == KB_HUNT_LINE_OVERLAP (those leading
 * bytes were already delivered); every chunk but the last has
 * KB_HUNT_LINE_MORE. All chunks of one line carry the same line number;
 * `offset` is the stream offset of the chunk's first byte. A line of exactly
 * KB_HUNT_MAX_LINE bytes is delivered whole.
 *
 * Errors. A corrupt or truncated compressed stream gives KB_EPARSE with the
 * byte offset in the compressed input where decoding stopped (kb_error.offset)
 * and the line number reached. The lines delivered before it stay valid: the
 * reader first delivers every complete line decoded before the damage, then
 * the decoded bytes of the broken last line flagged KB_HUNT_LINE_PARTIAL,
 * and only then returns the error.
 *
 * Memory: one compressed-input buffer (KB_HUNT_READ_SIZE) per input, one line
 * buffer (KB_HUNT_MAX_LINE + KB_HUNT_READ_SIZE) per reader, plus the
 * decompressor's state (zstd window at most 2^KB_HUNT_ZSTD_WINDOW_LOG_MAX,
 * xz at most KB_HUNT_XZ_MEMLIMIT). No input can make it grow further.
 */
#ifndef KOBAN_HUNTIO_H
#define KOBAN_HUNTIO_H

#include "koban/koban.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Limits. */
#define KB_HUNT_READ_SIZE (1u << 20)          /* bytes per read(2) and per decompressor call */
#define KB_HUNT_MAX_LINE (1u << 20)           /* longest line delivered whole; longer ones are chunked */
#define KB_HUNT_LINE_OVERLAP (8u << 10)       /* bytes each chunk repeats from the previous one */
#define KB_HUNT_ZSTD_WINDOW_LOG_MAX 27        /* zstd frames needing a window > 128 MiB: KB_ELIMIT */
#define KB_HUNT_XZ_MEMLIMIT (256u << 20)      /* xz streams needing more decoder memory: KB_ELIMIT */

typedef enum kb_hunt_compression {
	KB_HUNT_PLAIN = 0,
	KB_HUNT_GZIP,
	KB_HUNT_ZSTD,
	KB_HUNT_BZIP2,
	KB_HUNT_XZ,
} kb_hunt_compression;

/* "plain", "gzip", "zstd", "bzip2", "xz"; never NULL. */
const char *kb_hunt_compression_name(kb_hunt_compression c);

/* Which gzip decoder this build uses: "isa-l" or "zlib". */
const char *kb_hunt_gzip_backend(void);

/* Compression told by the first bytes of a stream (`n` may be short). */
kb_hunt_compression kb_hunt_detect(const void *head, size_t n);

typedef struct kb_hunt_input kb_hunt_input;

/* Open `path` for reading; NULL or "-" is standard input (not closed by
 * kb_hunt_input_free). The first bytes are read to detect the compression.
 * `err` is filled on failure (KB_EIO with sys_errno, KB_ENOMEM). The caller
 * frees *ret with kb_hunt_input_free(). */
int kb_hunt_input_open(const char *path, kb_hunt_input **ret, kb_error *err);

/* Read from an open descriptor, named `name` in errors. The descriptor is
 * borrowed: the caller closes it after kb_hunt_input_free(). */
int kb_hunt_input_open_fd(int fd, const char *name, kb_hunt_input **ret, kb_error *err);

/* Read a memory buffer (borrowed; it must outlive the input). */
int kb_hunt_input_open_mem(const void *data, size_t size, const char *name, kb_hunt_input **ret,
                           kb_error *err);

/* Accepts NULL; returns NULL. */
kb_hunt_input *kb_hunt_input_free(kb_hunt_input *in);

kb_hunt_compression kb_hunt_input_compression(const kb_hunt_input *in);

/* Decode gzip with zlib even when ISA-L is built in (to compare the two and
 * to test the fallback). Call before the first read. */
void kb_hunt_input_use_zlib(kb_hunt_input *in);

/* The gzip decoder this input uses: "isa-l" or "zlib". */
const char *kb_hunt_input_gzip_backend(const kb_hunt_input *in);

/* Bytes of the compressed input consumed so far. */
uint64_t kb_hunt_input_compressed_offset(const kb_hunt_input *in);

/* Read up to `cap` (> 0) decompressed bytes into `buf`. On success *ret_n is
 * the count, 0 only at the end of the stream. When a stream breaks, the bytes
 * decoded before the damage are returned first and the error (KB_EPARSE, or
 * KB_ELIMIT for the window/memory limits, or KB_EIO) on the next call, and on
 * every call after that; err->offset is the compressed offset. */
int kb_hunt_input_read(kb_hunt_input *in, void *buf, size_t cap, size_t *ret_n, kb_error *err);

/* Line flags. */
#define KB_HUNT_LINE_CR 0x01u       /* a '\r' before the '\n' was removed */
#define KB_HUNT_LINE_NOEOL 0x02u    /* last line of the stream, no '\n' after it */
#define KB_HUNT_LINE_MORE 0x04u     /* a chunk of a long line; more chunks follow */
#define KB_HUNT_LINE_CONT 0x08u     /* a later chunk of a long line; starts with `overlap` old bytes */
#define KB_HUNT_LINE_PARTIAL 0x10u  /* the stream broke inside this line; an error follows */

/* One line or chunk. `data` is borrowed until the next call on the reader;
 * it is not NUL-terminated and may be NULL when len == 0. */
typedef struct kb_hunt_line {
	const char *data;
	size_t len;
	uint64_t lineno;   /* 1-based */
	uint64_t offset;   /* offset of data[0] in the decompressed stream */
	size_t overlap;    /* leading bytes repeated from the previous chunk (0 unless CONT) */
	unsigned flags;    /* KB_HUNT_LINE_* */
} kb_hunt_line;

/* Optional tuning, mainly for tests and fuzzing: 0 means the default. A
 * max_line above KB_HUNT_MAX_LINE is clamped to it; overlap must be less than
 * max_line / 2 or it is clamped to that; read_size (the room for decoded
 * bytes behind a partial line) is clamped to 1..KB_HUNT_READ_SIZE. */
typedef struct kb_hunt_lines_opts {
	size_t max_line;
	size_t overlap;
	size_t read_size;
} kb_hunt_lines_opts;

typedef struct kb_hunt_lines kb_hunt_lines;

/* A line reader over `in` (borrowed). `opts` may be NULL. */
int kb_hunt_lines_new(kb_hunt_input *in, const kb_hunt_lines_opts *opts, kb_hunt_lines **ret);

/* Accepts NULL; returns NULL. Does not free the input. */
kb_hunt_lines *kb_hunt_lines_free(kb_hunt_lines *r);

/* The next line: 1 with *ret filled, 0 at the end of the stream, or a
 * negative KB_E* code with `err` filled (file, line reached, compressed
 * offset). After an error every call returns the same error. */
int kb_hunt_lines_next(kb_hunt_lines *r, kb_hunt_line *ret, kb_error *err);

/* Decompressed bytes delivered so far (the stream offset after the last line). */
uint64_t kb_hunt_lines_offset(const kb_hunt_lines *r);

#ifdef __cplusplus
}
#endif
#endif
