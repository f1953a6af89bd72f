/*
 * fuzz-ledger-common.h - shared body of the ledger importer fuzz targets: a
 * fresh in-memory store per input, optionally a one-asset ledger for SBOMs to
 * attach to, then one import of the input in the given format. Any result is
 * fine except a crash, a sanitizer report, or a failed import that leaves rows
 * behind (checked: a failed import must not change the asset count).
 */
#ifndef KOBAN_FUZZ_LEDGER_COMMON_H
#define KOBAN_FUZZ_LEDGER_COMMON_H

#include "koban/ledger.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

static int count_cb(const kb_asset *a, void *ctx)
{
	(void)a;
	(*(int *)ctx)++;
	return 0;
}

static int count_assets(kb_store *s)
{
	int n = 0;
	kb_ledger_assets(s, NULL, count_cb, &n, NULL);
	return n;
}

static int discard(const char *data, size_t len, void *ctx)
{
	(void)data;
	(void)len;
	(void)ctx;
	return 0;
}

static void fuzz_import(const uint8_t *data, size_t size, kb_ledger_format fmt, const char *name, bool sbom)
{
	kb_store *s = NULL;
	kb_error err;
	kb_error_clear(&err);
	if (kb_store_open(KB_STORE_MEMORY, KB_STORE_CREATE, &s, &err) < 0)
		abort();
	kb_import_opts opts = { .format = fmt };
	if (sbom) {
		static const char base[] = "name,category\nfuzz-app,internal\n";
		kb_import_opts base_opts = { .format = KB_LEDGER_FMT_CSV };
		if (kb_ledger_import_mem(s, "base.csv", base, sizeof base - 1, &base_opts, NULL, &err) < 0)
			abort();
		opts.asset = "fuzz-app";
	}
	int before = count_assets(s);
	kb_import_stats st;
	int r = kb_ledger_import_mem(s, name, data, size, &opts, &st, &err);
	if (r < 0) {
		if (count_assets(s) != before)
			abort(); /* a failed import left rows behind */
		char buf[2048];
		kb_error_format(&err, buf, sizeof buf);
	} else {
		/* what was imported exports without error */
		if (kb_ledger_export_json(s, discard, NULL, &err) < 0)
			abort(); /* what imported must export */
	}
	kb_store_close(s);
}

#endif
