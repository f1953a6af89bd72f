/*
 * util-buf.h - a growable byte buffer with a ceiling (after curl's dynbuf).
 *
 * Invariants: `len < cap` whenever `data` is non-NULL, and data[len] == '\0', so
 * the contents are always a C string; `len` never exceeds `max`. An append that
 * would pass `max` fails with KB_ELIMIT and leaves the buffer unchanged, so no
 * input can grow a buffer without bound. The buffer owns `data`;
 * kb_buf_detach() is the only way to take ownership.
 */
#ifndef KOBAN_UTIL_BUF_H
#define KOBAN_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct kb_buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;
} kb_buf;

void kb_buf_init(kb_buf *b, size_t max);
int kb_buf_append(kb_buf *b, const void *p, size_t n);
int kb_buf_puts(kb_buf *b, const char *s);
int kb_buf_putc(kb_buf *b, char c);
int kb_buf_printf(kb_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Empty the buffer, keep its memory. */
void kb_buf_reset(kb_buf *b);
/* The contents ("" when empty); never NULL. Borrowed. */
const char *kb_buf_str(const kb_buf *b);
/* Hand the contents to the caller (malloc'd, NUL-terminated, never NULL on success). */
char *kb_buf_detach(kb_buf *b);
void kb_buf_free(kb_buf *b);

#endif
