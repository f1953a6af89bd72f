/*
 * import.h - importing several ledger files in dependency order (cli layer).
 */
#ifndef KOBAN_CLI_IMPORT_H
#define KOBAN_CLI_IMPORT_H

#include "cli.h"

typedef struct import_totals {
	bool silent;            /* no per-file lines in table mode */
	unsigned files, failed;
	uint64_t assets_created, assets_updated, assets_unchanged, interfaces, components, warnings;
} import_totals;

/* Import n files (assets[i] names the asset of an SBOM, or NULL). Returns
 * EXIT_CLEAN, or EXIT_ERROR when any file failed (the others are imported). */
int cli_import_files(cli *c, kb_store *s, int n, const char *const paths[], const char *const assets[],
                     kb_ledger_format fmt, import_totals *tot);

#endif
