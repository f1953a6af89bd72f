/*
 * util-str.h - small string helpers shared by the readers: trimming, case-
 * insensitive comparison, list normalisation (the "LTM, apm;ASM" cells that
 * spreadsheets hold) and header-name folding.
 */
#ifndef KOBAN_UTIL_STR_H
#define KOBAN_UTIL_STR_H

#include <stdbool.h>
#include <stddef.h>

/* Pointer to the first non-space byte of s; *len (if given) set to the length
 * without trailing space. Does not modify s. */
const char *kb_str_trim(const char *s, size_t *len);
bool kb_str_ieq(const char *a, const char *b);
bool kb_str_empty(const char *s); /* NULL or only white space */
char *kb_strndup(const char *s, size_t n);

/* Fold a spreadsheet header ("Business Owner", "business-owner") to
 * "business_owner": lower-case, runs of non-alphanumerics become one '_',
 * no leading or trailing '_'. *ret is malloc'd. */
int kb_str_fold_header(const char *s, char **ret);

/* Normalise a list cell: split on ',' ';' and newlines, trim, drop empties,
 * optionally upper-case, sort, de-duplicate, join with ",". NULL or an empty
 * list gives *ret = NULL. */
int kb_str_normalize_list(const char *s, bool upper, char **ret);

/* Does the normalised list `list` ("a,b,c") contain `item` (case-insensitive)? */
bool kb_str_list_has(const char *list, const char *item);

#endif
