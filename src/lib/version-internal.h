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

#endif
