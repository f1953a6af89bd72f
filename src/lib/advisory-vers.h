/*
 * advisory-vers.h - version range specifiers ("vers:npm/>=1.0.0|<2.0.0",
 * package-url/vers-spec) read into the events of range.h; internal to the
 * advisory readers (CSAF product_version_range).
 *
 * A kb_vers is one allocation that owns everything it points to: the events,
 * the exact and excluded version lists all point into its `text`. Free it
 * with kb_vers_free().
 */
#ifndef KOBAN_ADVISORY_VERS_H
#define KOBAN_ADVISORY_VERS_H

#include "koban/range.h"

#include <stdbool.h>
#include <stddef.h>

#define KB_VERS_MAX_LEN 4096         /* bytes of one vers string (or free-text range); more gives KB_ELIMIT */
#define KB_VERS_MAX_CONSTRAINTS 128  /* constraints in one vers string; more gives KB_ELIMIT */
#define KB_VERS_MAX_TYPE 32          /* bytes of the versioning scheme's name ("npm", "intdot") */

typedef struct kb_vers {
	char type[KB_VERS_MAX_TYPE + 1]; /* the versioning scheme as written, lower-cased ("generic" for free text) */
	kb_vscheme scheme;               /* the ordering the versions were sorted and validated with */
	/* The type names no ordering koban knows ("generic", "all", a vendor's
	 * name): `scheme` was chosen from the versions themselves (INTDOT when
	 * every one is dotted numbers, GENERIC otherwise). */
	bool by_content;
	/* The range as events, in version order; none when the specifier names
	 * exact versions only. Ends with an INTRODUCED event when the range is
	 * open above. */
	kb_range_event events[KB_VERS_MAX_CONSTRAINTS + 1];
	size_t n_events;
	const char *exact[KB_VERS_MAX_CONSTRAINTS]; /* "=" constraints: versions in the set */
	size_t n_exact;
	/* Versions the events cover that the specifier leaves out: each "!="
	 * inside the set, and each exclusive lower bound (">1.0" is introduced at
	 * 1.0 without 1.0 itself). A "!=" outside the set excludes nothing and is
	 * dropped. */
	const char *excluded[KB_VERS_MAX_CONSTRAINTS];
	size_t n_excluded;
	char text[KB_VERS_MAX_LEN + 2 * KB_VERS_MAX_CONSTRAINTS]; /* decoded versions, each NUL-terminated */
} kb_vers;

/* Does s (after leading blanks) start with "vers:"? */
bool kb_vers_is(const char *s);

/* Read a vers string of `len` bytes (need not be NUL-terminated). Spaces
 * and tabs are ignored, empty constraints between pipes are skipped, versions
 * are percent-decoded. The constraints are sorted by version in the scheme
 * the type implies (the purl type's OSV ecosystem, kb_vscheme_for_ecosystem,
 * then a scheme name, kb_vscheme_parse; "generic" and unknown types by
 * content) and must follow the vers rules: each version once; ignoring "!=",
 * a "=", "<" or "<=" is followed by "=", ">" or ">=", and a ">" or ">=" by
 * "<" or "<=". "*" alone is every version. Errors: KB_ELIMIT past
 * KB_VERS_MAX_LEN or KB_VERS_MAX_CONSTRAINTS, or for a version longer than
 * KB_VERSION_MAX_LEN; KB_EINVAL for anything else the rules reject (a version
 * a strict scheme cannot read included). err (may be NULL) says what, naming
 * the constraint at fault. *ret is the caller's. */
int kb_vers_parse(const char *s, size_t len, kb_vers **ret, kb_error *err);

/* Read a free-text range that is only comparators and versions separated
 * by blanks, commas, semicolons or pipes ("< 17.1.3", ">=2.0, <2.5",
 * "<=4.2 != 4.1"), as the vers string "vers:generic/..." of the same
 * constraints. Every token must be a comparator (<, <=, >, >=, =, ==, !=)
 * followed by a version that starts with a digit (or v and a digit); anything
 * else ("17.x", "all versions before 17.1.3", a bare version) is KB_EINVAL:
 * the caller keeps that text as written. Errors as for kb_vers_parse(). */
int kb_vers_parse_text(const char *s, size_t len, kb_vers **ret, kb_error *err);

/* Accepts NULL; returns NULL. */
kb_vers *kb_vers_free(kb_vers *v);

#endif
