/*
 * ledger-import.c - the import driver: open the input, detect its format by
 * content, run the format's reader inside one transaction, commit or roll back.
 *
 * Detection reads a prefix (KB_IMPORT_SNIFF_BYTES) and replays it to the
 * reader, so pipes work too. JSON is told apart by its keys ("bomFormat",
 * "spdxVersion", "koban"); anything else whose first line has a comma is CSV.
 * A name ending in ".json" is always read as JSON, so a broken SBOM gets a JSON
 * syntax error with its line and column rather than a confusing CSV one.
 */
#include "ledger-import.h"

#include "store-internal.h"
#include "util-str.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

ssize_t kb_reader_read(kb_reader *rd, void *buf, size_t n, kb_error *err)
{
	size_t got = 0;
	if (rd->fp) {
		if (rd->pre_pos < rd->pre_len) {
			got = rd->pre_len - rd->pre_pos;
			if (got > n)
				got = n;
			memcpy(buf, rd->pre + rd->pre_pos, got);
			rd->pre_pos += got;
		} else {
			got = fread(buf, 1, n, rd->fp);
			if (got == 0 && ferror(rd->fp))
				return kb_error_set(err, KB_EIO, rd->name, 0, 0, rd->done, "read failed: %s",
				                    strerror(errno));
		}
	} else {
		size_t left = rd->mem_len - (size_t)rd->done;
		got = left < n ? left : n;
		memcpy(buf, rd->mem + rd->done, got);
	}
	rd->done += got;
	if (rd->opts && rd->opts->progress && rd->done >= rd->next_progress) {
		kb_import_progress p = { rd->name, rd->done, rd->total, rd->records ? *rd->records : 0 };
		rd->opts->progress(&p, rd->opts->ctx);
		rd->next_progress = rd->done + KB_READ_CHUNK;
	}
	return (ssize_t)got;
}

void kb_import_warn(kb_import_ctx *c, uint64_t line, uint64_t column, const char *fmt, ...)
{
	c->stats->warnings++;
	if (!c->opts || !c->opts->warn)
		return;
	kb_error w;
	kb_error_clear(&w);
	w.code = 0;
	snprintf(w.file, sizeof w.file, "%s", c->name);
	w.line = line;
	w.column = column;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(w.msg, sizeof w.msg, fmt, ap);
	va_end(ap);
	c->opts->warn(&w, c->opts->ctx);
}

int kb_import_locate(kb_import_ctx *c, int code, uint64_t line, uint64_t column, uint64_t offset)
{
	if (c->err) {
		c->err->code = code;
		snprintf(c->err->file, sizeof c->err->file, "%s", c->name);
		c->err->line = line;
		c->err->column = column;
		c->err->offset = offset;
		if (!c->err->msg[0])
			snprintf(c->err->msg, sizeof c->err->msg, "%s", kb_strerror(code));
	}
	return code;
}

int kb_import_written_fail(kb_import_ctx *c, int code)
{
	return kb_import_locate(c, code, c->err ? c->err->line : 0, c->err ? c->err->column : 0, KB_NO_OFFSET);
}

static bool has_key(const char *data, size_t len, const char *key)
{
	return memmem(data, len, key, strlen(key)) != NULL;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

int kb_ledger_detect(const char *data, size_t len, kb_ledger_format *ret)
{
	size_t i = 0;
	if (len >= 3 && (unsigned char)data[0] == 0xEF && (unsigned char)data[1] == 0xBB &&
	    (unsigned char)data[2] == 0xBF)
		i = 3;
	while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
		i++;
	if (i == len)
		return KB_EFORMAT;
	if (data[i] == '{' || data[i] == '[') {
		if (has_key(data + i, len - i, "\"bomFormat\""))
			*ret = KB_LEDGER_FMT_CYCLONEDX;
		else if (has_key(data + i, len - i, "\"spdxVersion\""))
			*ret = KB_LEDGER_FMT_SPDX;
		else if (has_key(data + i, len - i, "\"koban\""))
			*ret = KB_LEDGER_FMT_JSON;
		else
			return KB_EFORMAT;
		return 0;
	}
	const char *nl = memchr(data + i, '\n', len - i);
	size_t line_len = nl ? (size_t)(nl - (data + i)) : len - i;
	/* The CSV reader takes ',', ';' or tab as the delimiter (pick_delimiter in
	 * ledger-csv.c); a semicolon-delimited sheet is CSV too. */
	if (memchr(data + i, ',', line_len) || memchr(data + i, ';', line_len) || memchr(data + i, '\t', line_len)) {
		*ret = KB_LEDGER_FMT_CSV;
		return 0;
	}
	return KB_EFORMAT;
}

static int run_import(kb_store *s, kb_reader *rd, const kb_import_opts *opts, kb_import_stats *stats,
                      kb_error *err)
{
	const char *name = rd->name;
	kb_ledger_format fmt = opts ? opts->format : KB_LEDGER_FMT_AUTO;
	const char *asset = opts ? opts->asset : NULL;

	/* Sniff the prefix. */
	size_t cap = KB_IMPORT_SNIFF_BYTES;
	const char *prefix;
	size_t plen;
	if (rd->fp) {
		rd->pre = malloc(cap);
		if (!rd->pre)
			return kb_error_set(err, KB_ENOMEM, name, 0, 0, KB_NO_OFFSET, "out of memory");
		rd->pre_len = fread(rd->pre, 1, cap, rd->fp);
		if (rd->pre_len == 0 && ferror(rd->fp))
			return kb_error_set(err, KB_EIO, name, 0, 0, 0, "read failed: %s", strerror(errno));
		prefix = (const char *)rd->pre;
		plen = rd->pre_len;
	} else {
		prefix = (const char *)rd->mem;
		plen = rd->mem_len < cap ? rd->mem_len : cap;
	}
	if (fmt == KB_LEDGER_FMT_AUTO) {
		int r = kb_ledger_detect(prefix, plen, &fmt);
		if (r < 0) {
			if (asset || ends_with(name, ".json")) {
				/* Let the JSON reader say exactly where the text stops being JSON,
				 * or that it is JSON of another kind. */
				fmt = asset ? KB_LEDGER_FMT_CYCLONEDX : KB_LEDGER_FMT_JSON;
				/* Only text that starts like JSON is JSON of another kind; "\n<bom>"
				 * is not JSON at all, and the reader says where. */
				size_t k = 0;
				while (k < plen && (prefix[k] == ' ' || prefix[k] == '\t' || prefix[k] == '\r' ||
				                    prefix[k] == '\n'))
					k++;
				if (k < plen && (prefix[k] == '{' || prefix[k] == '[')) {
					return kb_error_set(err, KB_EFORMAT, name, 1, 1, 0,
					                    "expected %s JSON: found JSON without \"bomFormat\", "
					                    "\"spdxVersion\" or \"koban\" near its start",
					                    asset ? "a CycloneDX or SPDX" : "koban ledger, CycloneDX or SPDX");
				}
			} else if (plen == 0) {
				return kb_error_set(err, KB_EFORMAT, name, 0, 0, KB_NO_OFFSET,
				                    "empty file: expected a ledger CSV or JSON, or an SBOM");
			} else {
				return kb_error_set(err, KB_EFORMAT, name, 1, 1, 0,
				                    "expected a ledger CSV (a header line of column names separated by "
				                    "commas, semicolons or tabs) or JSON "
				                    "(koban ledger, CycloneDX, SPDX)");
			}
		}
	}
	if (stats)
		stats->format = fmt;

	bool sbom = fmt == KB_LEDGER_FMT_CYCLONEDX || fmt == KB_LEDGER_FMT_SPDX;
	if (sbom && !asset)
		return kb_error_set(err, KB_EINVAL, name, 0, 0, KB_NO_OFFSET,
		                    "%s SBOM: say which asset it describes with --asset NAME",
		                    fmt == KB_LEDGER_FMT_SPDX ? "an SPDX" : "a CycloneDX");

	int r = kb_store_begin(s, err);
	if (r < 0)
		return r;
	kb_ledger_writer *w = NULL;
	r = kb_ledger_writer_new(s, &w, err);
	const char *base = strrchr(name, '/');
	kb_import_ctx c = {
		.s = s,
		.w = w,
		.opts = opts,
		.stats = stats,
		.rd = rd,
		.name = name,
		.origin = base ? base + 1 : name,
		.err = err,
	};
	rd->records = &stats->records;
	if (r == 0 && sbom) {
		r = kb_ledger_asset_id(w, asset, &c.asset_id, err);
		if (r < 0)
			kb_error_set(err, r, name, 0, 0, KB_NO_OFFSET,
			             "SBOM for asset \"%.200s\": no such asset in the ledger "
			             "(import the ledger first)",
			             asset);
		/* Replace what this document said last time about this asset. */
		if (r == 0)
			r = kb_ledger_clear_components(w, c.asset_id, KB_SOURCE_SBOM, c.origin, err);
	}
	if (r == 0) {
		switch (fmt) {
		case KB_LEDGER_FMT_CSV: r = kb_import_csv(&c); break;
		case KB_LEDGER_FMT_JSON: r = kb_import_koban_json(&c); break;
		case KB_LEDGER_FMT_CYCLONEDX: r = kb_import_cyclonedx(&c); break;
		case KB_LEDGER_FMT_SPDX: r = kb_import_spdx(&c); break;
		case KB_LEDGER_FMT_AUTO: r = KB_EFORMAT; break;
		}
	}
	if (r == 0 && w) {
		r = kb_ledger_writer_flush(w, err);
		if (r < 0)
			kb_import_locate(&c, r, err ? err->line : 0, err ? err->column : 0, KB_NO_OFFSET);
	}
	kb_ledger_writer_free(w);
	if (r == 0)
		r = kb_store_commit(s, err);
	else
		kb_store_rollback(s);
	stats->bytes = rd->done;
	return r;
}

static int import_reader(kb_store *s, kb_reader *rd, const kb_import_opts *opts, kb_import_stats *ret_stats,
                         kb_error *err)
{
	kb_import_stats stats = { 0 };
	kb_error_clear(err);
	int r = run_import(s, rd, opts, &stats, err);
	free(rd->pre);
	if (r == 0 && ret_stats)
		*ret_stats = stats;
	if (r < 0 && err && !err->file[0])
		snprintf(err->file, sizeof err->file, "%s", rd->name);
	return r;
}

int kb_ledger_import_file(kb_store *s, const char *path, const kb_import_opts *opts,
                          kb_import_stats *ret_stats, kb_error *err)
{
	const char *name = opts && opts->display_name ? opts->display_name : path;
	bool is_stdin = strcmp(path, "-") == 0;
	FILE *fp = is_stdin ? stdin : fopen(path, "rb");
	if (!fp)
		return kb_error_set(err, errno == ENOENT ? KB_ENOTFOUND : KB_EIO, name, 0, 0, KB_NO_OFFSET,
		                    "cannot open: %s", strerror(errno));
	struct stat st;
	kb_reader rd = { .name = is_stdin && !(opts && opts->display_name) ? "<stdin>" : name,
		         .fp = fp,
		         .opts = opts };
	if (fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode))
		rd.total = (uint64_t)st.st_size;
	else if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
		if (!is_stdin)
			fclose(fp);
		return kb_error_set(err, KB_EINVAL, name, 0, 0, KB_NO_OFFSET,
		                    "is a directory: expected a file");
	}
	int r = import_reader(s, &rd, opts, ret_stats, err);
	if (!is_stdin)
		fclose(fp);
	return r;
}

int kb_ledger_import_mem(kb_store *s, const char *name, const void *data, size_t len,
                         const kb_import_opts *opts, kb_import_stats *ret_stats, kb_error *err)
{
	kb_reader rd = { .name = name, .mem = data, .mem_len = len, .total = len, .opts = opts };
	return import_reader(s, &rd, opts, ret_stats, err);
}

int kb_ledger_probe_file(const char *path, kb_ledger_format *ret_format, kb_sheet *ret_sheet)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return errno == ENOENT ? KB_ENOTFOUND : KB_EIO;
	char *buf = malloc(KB_IMPORT_SNIFF_BYTES);
	if (!buf) {
		fclose(fp);
		return KB_ENOMEM;
	}
	size_t n = fread(buf, 1, KB_IMPORT_SNIFF_BYTES, fp);
	fclose(fp);
	kb_ledger_format f;
	int r = kb_ledger_detect(buf, n, &f);
	kb_sheet sheet = KB_SHEET_NONE;
	if (r == 0 && f == KB_LEDGER_FMT_CSV) {
		size_t i = 0;
		if (n >= 3 && (unsigned char)buf[0] == 0xEF)
			i = 3;
		const char *nl = memchr(buf + i, '\n', n - i);
		sheet = kb_csv_sheet_of_line(buf + i, nl ? (size_t)(nl - (buf + i)) : n - i);
	}
	free(buf);
	if (r < 0)
		return r;
	*ret_format = f;
	if (ret_sheet)
		*ret_sheet = sheet;
	return 0;
}
