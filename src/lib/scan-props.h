/*
 * scan-props.h - the two small text formats a jar describes itself in: Java
 * Properties (META-INF/maven/<group>/<artifact>/pom.properties) and the JAR
 * manifest (META-INF/MANIFEST.MF). Internal to libkoban.
 *
 * Both parsers take a buffer and give a kb_kvset: key/value pairs in input
 * order, each with the 1-based line it starts on. Keys and values are decoded
 * (escapes, continuation lines) into one arena the set owns; every string is
 * NUL-terminated UTF-8 without embedded NULs (a NUL in the input, or \u0000,
 * becomes U+FFFD). Memory is bounded by the input size: the arena is at most
 * four times the bytes parsed, and the input is bounded by the limits below.
 *
 * Properties follow java.util.Properties.load(InputStream): ISO-8859-1 bytes,
 * lines ending in LF, CR or CRLF, leading white space skipped, '#' and '!'
 * comment lines, a line ending in an odd number of backslashes continuing on
 * the next (whose leading white space is skipped), the key ending at the
 * first unescaped '=', ':' or white space, escapes \t \n \r \f \uXXXX and
 * \<any>. Keys may repeat (the last wins, as in Java) and any key may be
 * missing: callers look keys up and handle NULL.
 *
 * The manifest follows the JAR File Specification: "Name: value" headers,
 * lines ending in LF, CR or CRLF, a line starting with one space continuing
 * the previous value (the 72-byte wrapping), sections separated by blank
 * lines, the main section first. Header names are matched without regard to
 * case. Longer lines than 72 bytes are accepted, as the JDK does.
 *
 * Errors (kb_error, naming `name` and the line):
 *   KB_EPARSE  a malformed \uXXXX escape; a manifest line that is not a
 *              header, a bad header name, a continuation with nothing before
 *   KB_ELIMIT  one of the limits below
 *   KB_ENOMEM  allocation failed
 */
#ifndef KOBAN_SCAN_PROPS_H
#define KOBAN_SCAN_PROPS_H

#include "koban/koban.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits, each enforced with KB_ELIMIT and a location. */
#define KB_PROPS_MAX_BYTES (64u << 10)   /* bytes in one properties file */
#define KB_PROPS_MAX_LINES 4096u         /* physical lines in one properties file */
#define KB_MANIFEST_MAX_BYTES (1u << 20) /* manifest bytes parsed (up to the sections asked for) */
#define KB_MANIFEST_MAX_LINES 32768u     /* physical lines parsed in one manifest */
#define KB_MANIFEST_MAX_NAME 70          /* bytes in a header name (the JAR specification's bound) */

typedef struct kb_kv {
	const char *key;
	const char *value;
	uint32_t line;    /* 1-based line where the pair starts */
	uint32_t section; /* manifest: 0 for the main section, then 1, 2, ...; properties: 0 */
} kb_kv;

/* Pairs in input order. `kv` and its strings belong to the set and live
 * until kb_kvset_free(). `truncated` (manifest only): parsing stopped after
 * `max_sections` named sections and more followed. */
typedef struct kb_kvset {
	kb_kv *kv;
	size_t n;
	size_t sections; /* named sections parsed (manifest) */
	bool truncated;
	char *arena;
} kb_kvset;

/* Parse a properties file. `name` (may be NULL) names it in errors. *ret is
 * written only on success. Input over KB_PROPS_MAX_BYTES is refused whole
 * (the last of repeated keys wins, so a prefix is not the file). */
int kb_props_parse(const uint8_t *data, size_t len, const char *name, kb_kvset *ret, kb_error *err);

/* The value of the last pair whose key is `key` (exact), or NULL. */
const char *kb_props_get(const kb_kvset *s, const char *key);

/* Parse a manifest's main section and at most `max_sections` named sections
 * after it; the bytes after that are not looked at, so a signed jar's long
 * list of per-entry digests costs nothing when only the main section is
 * wanted. Refused with KB_ELIMIT only when the sections asked for run past
 * KB_MANIFEST_MAX_BYTES or KB_MANIFEST_MAX_LINES; a caller may pass just the
 * first KB_MANIFEST_MAX_BYTES + 1 bytes of a larger manifest. A UTF-8 byte
 * order mark is skipped. */
int kb_manifest_parse(const uint8_t *data, size_t len, const char *name, unsigned max_sections,
                      kb_kvset *ret, kb_error *err);

/* The value of the first header `header` (any case) in section `section`
 * (0 = main), or NULL. */
const char *kb_manifest_get(const kb_kvset *s, uint32_t section, const char *header);

/* Release a set (NULL or a zeroed set is fine); the set is zeroed. */
void kb_kvset_free(kb_kvset *s);

#endif
