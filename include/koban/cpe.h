/*
 * cpe.h - the parts of a CPE name koban matches on: vendor, product and
 * version, from a CPE 2.3 formatted string ("cpe:2.3:a:apache:log4j:2.14.1:
 * *:*:*:*:*:*:*", NIST IR 7695 section 6.2) or a CPE 2.2 URI
 * ("cpe:/a:apache:log4j:2.14.1").
 *
 * Formatted-string escapes ("\:", "\.", ...) are undone, URI percent-escapes
 * are decoded, and each part is lower-cased. A part that is "*" (ANY) or "-"
 * (NA), or empty in a URI, is a wildcard: matching never pairs a wildcard
 * vendor or product with anything (a CPE that names no product names
 * nothing).
 */
#ifndef KOBAN_CPE_H
#define KOBAN_CPE_H

#include "koban/koban.h"

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KB_CPE_MAX_PART 128 /* bytes of one part, after unescaping; longer gives KB_ELIMIT */

typedef struct kb_cpe {
	char part;                         /* 'a', 'o', 'h', or 0 when a wildcard */
	char vendor[KB_CPE_MAX_PART + 1];  /* "" when a wildcard */
	char product[KB_CPE_MAX_PART + 1];
	char version[KB_CPE_MAX_PART + 1];
} kb_cpe;

/* Parse a CPE name. KB_EINVAL (with the byte offset in err, which may be
 * NULL) when it is neither form; *ret is written only on success. */
int kb_cpe_parse(const char *s, kb_cpe *ret, kb_error *err);

/* Does it name a vendor and a product (neither a wildcard)? */
bool kb_cpe_specific(const kb_cpe *c);

#ifdef __cplusplus
}
#endif
#endif
