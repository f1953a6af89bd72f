/*
 * util-buf.c - bounded growable buffer; see util-buf.h for the invariants.
 * Growth doubles capacity (capped at max + 1 for the terminator), so appends
 * are amortised O(1).
 */
#include "util-buf.h"

#include "koban/koban.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kb_buf_init(kb_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

static int grow(kb_buf *b, size_t need)
{
	if (need > b->max)
		return KB_ELIMIT;
	if (need + 1 <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need + 1)
		cap = cap > SIZE_MAX / 2 ? need + 1 : cap * 2;
	if (cap > b->max + 1)
		cap = b->max + 1;
	char *p = realloc(b->data, cap);
	if (!p)
		return KB_ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int kb_buf_append(kb_buf *b, const void *p, size_t n)
{
	if (n > b->max - b->len)
		return KB_ELIMIT;
	int r = grow(b, b->len + n);
	if (r < 0)
		return r;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	assert(b->len < b->cap);
	return 0;
}

int kb_buf_puts(kb_buf *b, const char *s)
{
	return kb_buf_append(b, s, strlen(s));
}

int kb_buf_putc(kb_buf *b, char c)
{
	return kb_buf_append(b, &c, 1);
}

int kb_buf_printf(kb_buf *b, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return KB_EINVAL;
	if ((size_t)n < sizeof small)
		return kb_buf_append(b, small, (size_t)n);
	char *big = malloc((size_t)n + 1);
	if (!big)
		return KB_ENOMEM;
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	int r = kb_buf_append(b, big, (size_t)n);
	free(big);
	return r;
}

void kb_buf_reset(kb_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

const char *kb_buf_str(const kb_buf *b)
{
	return b->data ? b->data : "";
}

char *kb_buf_detach(kb_buf *b)
{
	char *p = b->data ? b->data : strdup("");
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

void kb_buf_free(kb_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
