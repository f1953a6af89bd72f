/*
 * version-internal.h - one comparator per scheme (version-SCHEME.c), called by
 * kb_version_cmp() in version.c after the length check. Each returns 0 and
 * sets *ret (<0, 0, >0), or KB_EINVAL for a version its scheme rejects.
 */
#ifndef KOBAN_VERSION_INTERNAL_H
#define KOBAN_VERSION_INTERNAL_H

#include "koban/version.h"

int kb_vcmp_generic(const char *a, const char *b, int *ret);
int kb_vcmp_maven(const char *a, const char *b, int *ret);
int kb_vcmp_semver(const char *a, const char *b, int *ret);
int kb_vcmp_pep440(const char *a, const char *b, int *ret);
int kb_vcmp_debian(const char *a, const char *b, int *ret);
int kb_vcmp_rpm(const char *a, const char *b, int *ret);
int kb_vcmp_alpine(const char *a, const char *b, int *ret);
int kb_vcmp_intdot(const char *a, const char *b, int *ret);

/* A sort key for the common case: the leading dotted numbers of a version
 * ("1.10.2-rc1" -> 1, 10, 2, 0), for the schemes where two versions whose
 * leading numbers differ (trailing zeros added) are ordered by them alone:
 * Maven, SemVer, PEP 440. False when the key cannot decide (another scheme,
 * a version that does not start with a digit, an epoch, more than
 * KB_VPREFIX_PARTS numbers, a number of more than 9 digits): compare with
 * kb_version_cmp(). Equal keys decide nothing either. The exposure engine
 * sorts thousands of versions per package with it; test-version.c holds it
 * to kb_version_cmp on generated pairs. */
#define KB_VPREFIX_PARTS 4
#include <stdbool.h>
#include <stdint.h>
bool kb_version_prefix(kb_vscheme scheme, const char *s, uint32_t ret[KB_VPREFIX_PARTS]);

#endif
