/*
 * ledger-import.h - what the ledger readers share: the input reader (file,
 * pipe or buffer, with the sniffed prefix replayed), the import context, and
 * one entry point per format.
 *
 * A reader fills ctx->stats and writes through ctx->w; the driver in
 * ledger-import.c owns the transaction around it. A reader returns 0 or a
 * negative code with ctx->err located (file:line:column).
 */
#ifndef KOBAN_LEDGER_IMPORT_H
#define KOBAN_LEDGER_IMPORT_H

#include "koban/ledger.h"

#include <stdio.h>
#include <sys/types.h>

#define KB_READ_CHUNK 65536

typedef struct kb_reader {
	const char *name;          /* for errors */
	FILE *fp;                  /* NULL when reading from memory */
	const unsigned char *mem;  /* memory input */
	size_t mem_len;
	unsigned char *pre;        /* sniffed prefix of fp, replayed first */
	size_t pre_len, pre_pos;
	uint64_t done;             /* bytes handed out */
	uint64_t total;            /* size when known, else 0 */
	uint64_t next_progress;
	const kb_import_opts *opts;
	uint64_t *records;         /* for progress reports */
} kb_reader;

/* Read up to n bytes; returns the count, 0 at end, or a negative code (err filled). */
ssize_t kb_reader_read(kb_reader *rd, void *buf, size_t n, kb_error *err);

typedef struct kb_import_ctx {
	kb_store *s;
	kb_ledger_writer *w;
	const kb_import_opts *opts;
	kb_import_stats *stats;
	kb_reader *rd;
	const char *name;     /* display name for errors */
	const char *origin;   /* basename of name: identifies the document */
	int64_t asset_id;     /* SBOM target, resolved by the driver */
	kb_error *err;
} kb_import_ctx;

/* Report a warning through opts->warn. */
void kb_import_warn(kb_import_ctx *c, uint64_t line, uint64_t column, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Locate an error from kb_ledger_put_component_at(): it carries the line and
 * column the reader gave for the record (perhaps an earlier one). */
int kb_import_written_fail(kb_import_ctx *c, int code);

/* Re-locate an error the model layer raised without a location. */
int kb_import_locate(kb_import_ctx *c, int code, uint64_t line, uint64_t column, uint64_t offset);

int kb_import_csv(kb_import_ctx *c);
/* The sheet a CSV header line describes. */
kb_sheet kb_csv_sheet_of_line(const char *line, size_t len);
int kb_import_koban_json(kb_import_ctx *c);
int kb_import_cyclonedx(kb_import_ctx *c);
int kb_import_spdx(kb_import_ctx *c);

#endif
