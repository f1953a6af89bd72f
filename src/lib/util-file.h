/*
 * util-file.h - read a whole regular file into memory, bounded: what the
 * importers of one-document-per-file formats (advisories, IOC files) share.
 */
#ifndef KOBAN_UTIL_FILE_H
#define KOBAN_UTIL_FILE_H

#include "koban/koban.h"

#include <stddef.h>

/* Read `path` (a regular file of at most `max` bytes) into *ret (malloc'd,
 * NUL-terminated, the caller frees) and its length into *ret_len. Errors
 * name the file: KB_ENOTFOUND / KB_EIO "cannot open: ...", KB_EINVAL
 * "expected a file", KB_ELIMIT "N bytes: more than the limit of MAX for one
 * WHAT", KB_EIO "read failed", KB_ENOMEM. */
int kb_file_read_whole(const char *path, size_t max, const char *what, char **ret, size_t *ret_len, kb_error *err);

#endif
