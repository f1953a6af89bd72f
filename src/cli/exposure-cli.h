/*
 * exposure-cli.h - the exposure report and advisory import, shared by
 * `koban exposure`, `koban advisories` and `koban triage`.
 */
#ifndef KOBAN_CLI_EXPOSURE_H
#define KOBAN_CLI_EXPOSURE_H

#include "cli.h"
#include "koban/advisory.h"
#include "koban/exposure.h"

/* Print the exposure table; *ret_findings true when anything is affected or
 * exposed. Returns 0 or a negative code (already reported). */
int cli_exposure_report(cli *c, kb_store *s, const kb_exposure_filter *f, bool *ret_findings);

/* Import advisory files and directories (walked for *.json). */
int cli_import_advisories(cli *c, kb_store *s, int n, char *const paths[], kb_advisory_format fmt, unsigned *ok,
                          unsigned *failed);

/* $KOBAN_TODAY checked (YYYY-MM-DD), or NULL for the current date. */
const char *cli_today(void);

#endif
