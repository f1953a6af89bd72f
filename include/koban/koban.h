/*
 * koban.h - the public face of libkoban: error codes, located errors, version.
 *
 * Every library function returns 0 on success or a negative KB_E* code. Functions
 * that parse outside input also take a `kb_error *` that the caller owns; on
 * failure it is filled with the code, the input's name, a 1-based line and
 * column (0 when unknown), the 0-based byte offset, and one sentence saying what
 * was expected. The library never prints and never exits.
 *
 * Output parameters are named ret_* and written only on success.
 */
#ifndef KOBAN_KOBAN_H
#define KOBAN_KOBAN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KB_VERSION_STRING "0.1.0"

enum {
	KB_OK = 0,
	KB_ENOMEM = -1,     /* allocation failed */
	KB_EIO = -2,        /* reading or writing a file failed (errno kept in kb_error.sys_errno) */
	KB_EPARSE = -3,     /* input is not well-formed in its format */
	KB_EINVAL = -4,     /* input is well-formed but a value is not acceptable */
	KB_ENOTFOUND = -5,  /* a named thing does not exist */
	KB_ESTORE = -6,     /* the store (SQLite) failed */
	KB_ELIMIT = -7,     /* a named limit was hit */
	KB_EFORMAT = -8,    /* the input's format could not be recognised */
	KB_EEXIST = -9,     /* the thing already exists */
	KB_ESCHEMA = -10,   /* the store's schema is newer than this program */
};

/* Name ("KB_EPARSE") and sentence ("malformed input") for a code; never NULL. */
const char *kb_err_name(int code);
const char *kb_strerror(int code);

#define KB_ERROR_MSG_MAX 512
#define KB_ERROR_FILE_MAX 1024

/* A located error. Zero-initialise it; kb_error_set() fills it. `line`, `column`
 * are 1-based, 0 when unknown; `offset` is a byte offset, UINT64_MAX when unknown. */
typedef struct kb_error {
	int code;
	int sys_errno;
	char file[KB_ERROR_FILE_MAX];
	uint64_t line;
	uint64_t column;
	uint64_t offset;
	char msg[KB_ERROR_MSG_MAX];
} kb_error;

#define KB_NO_OFFSET UINT64_MAX

/* Fill `e` (may be NULL) and return `code`, so callers can `return kb_error_set(...)`. */
int kb_error_set(kb_error *e, int code, const char *file, uint64_t line, uint64_t column,
                 uint64_t offset, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

/* Reset to "no error". */
void kb_error_clear(kb_error *e);

/* "FILE:LINE:COLUMN: MSG" (parts that are unknown are left out; a byte offset is
 * shown as "FILE: byte N: MSG" when no line is known). Always NUL-terminates. */
void kb_error_format(const kb_error *e, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif
