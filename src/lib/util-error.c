/*
 * util-error.c - error codes and located errors.
 *
 * The code table is the single place that gives every KB_E* a name and a
 * sentence; kb_error_format() is the single place that decides how a location
 * is written, so every importer reports "file:line:column: what was expected".
 */
#include "koban/koban.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
	int code;
	const char *name;
	const char *text;
} codes[] = {
	{ KB_OK, "KB_OK", "success" },
	{ KB_ENOMEM, "KB_ENOMEM", "out of memory" },
	{ KB_EIO, "KB_EIO", "input/output error" },
	{ KB_EPARSE, "KB_EPARSE", "malformed input" },
	{ KB_EINVAL, "KB_EINVAL", "invalid value" },
	{ KB_ENOTFOUND, "KB_ENOTFOUND", "not found" },
	{ KB_ESTORE, "KB_ESTORE", "store error" },
	{ KB_ELIMIT, "KB_ELIMIT", "limit exceeded" },
	{ KB_EFORMAT, "KB_EFORMAT", "unrecognised format" },
	{ KB_EEXIST, "KB_EEXIST", "already exists" },
	{ KB_ESCHEMA, "KB_ESCHEMA", "store schema is newer than this program" },
};

const char *kb_err_name(int code)
{
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
		if (codes[i].code == code)
			return codes[i].name;
	return "KB_E?";
}

const char *kb_strerror(int code)
{
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
		if (codes[i].code == code)
			return codes[i].text;
	return "unknown error";
}

void kb_error_clear(kb_error *e)
{
	if (!e)
		return;
	memset(e, 0, sizeof *e);
	e->offset = KB_NO_OFFSET;
}

int kb_error_set(kb_error *e, int code, const char *file, uint64_t line, uint64_t column,
                 uint64_t offset, const char *fmt, ...)
{
	if (!e)
		return code;
	e->code = code;
	snprintf(e->file, sizeof e->file, "%s", file ? file : "");
	e->line = line;
	e->column = column;
	e->offset = offset;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return code;
}

void kb_error_format(const kb_error *e, char *buf, size_t size)
{
	if (!size)
		return;
	const char *msg = e->msg[0] ? e->msg : kb_strerror(e->code);
	if (!e->file[0])
		snprintf(buf, size, "%s", msg);
	else if (e->line && e->column)
		snprintf(buf, size, "%s:%llu:%llu: %s", e->file, (unsigned long long)e->line,
		         (unsigned long long)e->column, msg);
	else if (e->line)
		snprintf(buf, size, "%s:%llu: %s", e->file, (unsigned long long)e->line, msg);
	else if (e->offset != KB_NO_OFFSET)
		snprintf(buf, size, "%s: byte %llu: %s", e->file, (unsigned long long)e->offset, msg);
	else
		snprintf(buf, size, "%s: %s", e->file, msg);
}
