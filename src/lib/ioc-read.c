/*
 * ioc-read.c - reading an IOC document: its format told from its bytes, the
 * reader for it, and what the readers share (emitting an IOC, reporting what
 * is unsupported, located errors, JSON loading).
 */
#include "ioc-internal.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *kb_ioc_format_name(kb_ioc_format f)
{
	switch (f) {
	case KB_IOC_FMT_STIX: return "stix";
	case KB_IOC_FMT_MISP: return "misp";
	case KB_IOC_FMT_CSV: return "csv";
	case KB_IOC_FMT_LIST: return "list";
	case KB_IOC_FMT_AUTO: break;
	}
	return "auto";
}

/* Does the first non-comment line name a value column? */
static bool csv_header(const char *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		size_t e = i;
		while (e < n && p[e] != '\n')
			e++;
		size_t s = i;
		while (s < e && isspace((unsigned char)p[s]))
			s++;
		if (s < e && p[s] != '#') {
			if (!memchr(p + s, ',', e - s) && !memchr(p + s, ';', e - s) && !memchr(p + s, '\t', e - s))
				return false;
			static const char *const names[] = { "value", "indicator", "ioc", "observable" };
			for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
				size_t kl = strlen(names[k]);
				for (size_t j = s; j + kl <= e; j++) {
					if (strncasecmp(p + j, names[k], kl) != 0)
						continue;
					bool before = j == s || !isalnum((unsigned char)p[j - 1]);
					bool after = j + kl == e || !isalnum((unsigned char)p[j + kl]);
					if (before && after)
						return true;
				}
			}
			return false;
		}
		i = e + 1;
	}
	return false;
}

kb_ioc_format kb_ioc_sniff(const void *data, size_t len)
{
	const char *p = data;
	size_t n = len < 65536 ? len : 65536, i = 0;
	if (n >= 3 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB && (unsigned char)p[2] == 0xBF)
		i = 3;
	while (i < n && isspace((unsigned char)p[i]))
		i++;
	if (i < n && (p[i] == '{' || p[i] == '[')) {
		if (memmem(p, n, "\"Event\"", 7) || memmem(p, n, "\"Attribute\"", 11) || memmem(p, n, "\"response\"", 10))
			return KB_IOC_FMT_MISP;
		return KB_IOC_FMT_STIX;
	}
	return csv_header(p + i, n - i) ? KB_IOC_FMT_CSV : KB_IOC_FMT_LIST;
}

int kb_ioc_parse(const char *name, const void *data, size_t len, kb_ioc_format fmt, const kb_ioc_sink *sink,
                 kb_error *err)
{
	if (!name)
		name = "-";
	if (len > KB_IOC_MAX_FILE_BYTES)
		return kb_error_set(err, KB_ELIMIT, name, 0, 0, KB_NO_OFFSET,
		                    "%zu bytes: more than the limit of %u for one IOC file", len,
		                    (unsigned)KB_IOC_MAX_FILE_BYTES);
	kb_ioc_reader rd = { .name = name, .sink = sink, .err = err };
	if (fmt == KB_IOC_FMT_AUTO)
		fmt = kb_ioc_sniff(data, len);
	switch (fmt) {
	case KB_IOC_FMT_STIX: return kb_ioc_read_stix(&rd, data, len);
	case KB_IOC_FMT_MISP: return kb_ioc_read_misp(&rd, data, len);
	case KB_IOC_FMT_CSV: return kb_ioc_read_csv(&rd, data, len);
	case KB_IOC_FMT_LIST: return kb_ioc_read_list(&rd, data, len);
	case KB_IOC_FMT_AUTO: break;
	}
	return kb_error_set(err, KB_EINVAL, name, 0, 0, KB_NO_OFFSET, "unknown IOC format");
}

int kb_ioc_emit(kb_ioc_reader *rd, kb_ioc *ioc)
{
	ioc->source = rd->name;
	if (!rd->sink || !rd->sink->ioc)
		return 0;
	int r = rd->sink->ioc(ioc, rd->sink->ctx);
	if (r < 0 && rd->err && rd->err->code == 0)
		kb_error_set(rd->err, r, rd->name, ioc->line, 0, KB_NO_OFFSET, "%s%sstoring %s %s failed",
		             rd->path.buf, rd->path.len ? ": " : "", kb_ioc_type_name(ioc->type), ioc->value);
	return r;
}

void kb_ioc_unsup(kb_ioc_reader *rd, const char *ref, uint64_t line, const char *fmt, ...)
{
	rd->n_unsupported++;
	if (!rd->sink || !rd->sink->unsupported)
		return;
	char why[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	kb_ioc_unsupported u = {
		.source = rd->name,
		.ref = ref,
		.where = rd->path.len ? rd->path.buf : NULL,
		.line = line,
		.reason = why,
	};
	rd->sink->unsupported(&u, rd->sink->ctx);
}

int kb_ioc_bad(kb_ioc_reader *rd, int code, const char *fmt, ...)
{
	char what[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return kb_error_set(rd->err, code, rd->name, 0, 0, KB_NO_OFFSET, "%s%s%s", rd->path.buf,
	                    rd->path.len ? ": " : "", what);
}

int kb_ioc_json_load(kb_ioc_reader *rd, const void *data, size_t len, json_t **ret)
{
	json_error_t je;
	json_t *root = json_loadb(data, len, JSON_DECODE_ANY, &je);
	if (!root)
		return kb_error_set(rd->err, KB_EPARSE, rd->name, (uint64_t)(je.line > 0 ? je.line : 0),
		                    (uint64_t)(je.column > 0 ? je.column : 0),
		                    je.position >= 0 ? (uint64_t)je.position : KB_NO_OFFSET, "expected valid JSON: %s",
		                    je.text);
	*ret = root;
	return 0;
}
