/*
 * range.h - is a version inside an advisory's affected ranges, and which
 * version fixes it? The pure core of the exposure engine (issue 3).
 *
 * One model for every feed: OSV ranges are taken as they are; CVE JSON 5
 * `version` + `lessThan` / `lessThanOrEqual` become introduced + fixed /
 * last_affected; CSAF `vers` ranges likewise. A range is a list of events
 * under one version scheme. OSV semantics (ossf/osv-schema): events sorted by
 * version, "introduced: 0" first when present; walking them, `introduced`
 * with v >= e makes v vulnerable, `fixed` with v >= e makes it not,
 * `last_affected` with v > e makes it not, and `limit` bounds the range from
 * above. A range of type GIT (commit hashes) cannot be evaluated against a
 * package version: it is skipped, and evaluation goes on to the next range
 * (one popular scanner answers "not affected" at the first GIT range and never
 * reads the ECOSYSTEM range after it; koban does not).
 *
 * Everything here is borrowed: the caller owns the strings and arrays.
 */
#ifndef KOBAN_RANGE_H
#define KOBAN_RANGE_H

#include "koban/version.h"

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum kb_event_kind {
	KB_EVENT_INTRODUCED,
	KB_EVENT_FIXED,
	KB_EVENT_LAST_AFFECTED,
	KB_EVENT_LIMIT,
} kb_event_kind;

typedef struct kb_range_event {
	kb_event_kind kind;
	const char *version; /* "0" with INTRODUCED means "from the beginning" */
} kb_range_event;

typedef enum kb_range_type { KB_RANGE_ECOSYSTEM, KB_RANGE_SEMVER, KB_RANGE_GIT } kb_range_type;

typedef struct kb_range {
	kb_range_type type;
	const kb_range_event *events;
	size_t n_events;
} kb_range;

/* One package (or product) and the versions of it an advisory affects. */
typedef struct kb_affected {
	kb_vscheme scheme;             /* how this package orders its versions */
	const kb_range *ranges;
	size_t n_ranges;
	const char *const *versions;   /* versions listed one by one (OSV `versions`) */
	size_t n_versions;
} kb_affected;

#define KB_RANGE_MAX_EVENTS 256 /* events in one range; more gives KB_ELIMIT */

typedef struct kb_range_verdict {
	bool affected;
	/* When affected by a range: the smallest `fixed` version above v on that
	 * range (the fix on v's own branch), or NULL when the range has none
	 * (last_affected only, or never fixed). Borrowed from the events. */
	const char *fixed;
	/* When not affected: true when v sorts below every introduced event of
	 * every evaluable range (older than anything the advisory speaks of),
	 * false otherwise. */
	bool before_all;
	/* v sorts above every event of every evaluable range. */
	bool after_all;
} kb_range_verdict;

/* Evaluate `version` against `a`. KB_EINVAL when the version (or an event's
 * version) is not valid in a strict scheme, KB_ELIMIT past
 * KB_RANGE_MAX_EVENTS; err (may be NULL) says which. */
int kb_range_eval(const kb_affected *a, const char *version, kb_range_verdict *ret, kb_error *err);

#ifdef __cplusplus
}
#endif
#endif
