/*
 * version.h - compare package versions the way each ecosystem does.
 *
 * One entry point, kb_version_cmp(), dispatches on a scheme. Schemes and the
 * ordering each follows:
 *   MAVEN   Maven's ComparableVersion (qualifiers alpha < beta < milestone <
 *           rc < snapshot < "" < sp; "2.4" == "2.4.0")
 *   SEMVER  Semantic Versioning 2.0.0 (npm, Go with a leading "v", crates.io);
 *           build metadata ignored; invalid input is an error
 *   PEP440  Python packaging (epochs, pre/post/dev releases, local versions);
 *           invalid input is an error
 *   DEBIAN  dpkg (epoch:upstream-revision, '~' before everything)
 *   RPM     rpmvercmp (epoch:version-release, '~' and '^')
 *   ALPINE  apk-tools (letters, suffixes _alpha .. _p, -rN)
 *   INTDOT  vendor dotted numbers (F5 17.5.1.3): numeric per part, missing
 *           trailing parts are 0, so 17.5.1 == 17.5.1.0 < 17.5.1.3
 *   GENERIC the fallback: digit runs compare as numbers, other runs as text
 * Lenient schemes (MAVEN, DEBIAN, RPM, ALPINE, INTDOT, GENERIC) order any two
 * strings; strict ones (SEMVER, PEP440) return KB_EINVAL for a version that is
 * not valid in them, and the caller decides whether to fall back.
 */
#ifndef KOBAN_VERSION_H
#define KOBAN_VERSION_H

#include "koban/koban.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum kb_vscheme {
	KB_VS_GENERIC = 0,
	KB_VS_MAVEN,
	KB_VS_SEMVER,
	KB_VS_PEP440,
	KB_VS_DEBIAN,
	KB_VS_RPM,
	KB_VS_ALPINE,
	KB_VS_INTDOT,
	KB_VS__COUNT
} kb_vscheme;

#define KB_VERSION_MAX_LEN 256 /* longest version string compared; longer gives KB_ELIMIT */

/* *ret < 0, 0 or > 0 as a sorts before, equal to or after b. */
int kb_version_cmp(kb_vscheme scheme, const char *a, const char *b, int *ret);

/* The scheme of an OSV ecosystem ("Maven", "npm", "Go", "crates.io", "PyPI",
 * "Debian:12", "Ubuntu", "Alpine:v3.19", "Red Hat", "Rocky Linux", ...);
 * the text after a ':' is ignored. Unknown ecosystems give KB_VS_GENERIC. */
kb_vscheme kb_vscheme_for_ecosystem(const char *ecosystem);

/* "maven", "semver", ... and back. */
const char *kb_vscheme_name(kb_vscheme s);
int kb_vscheme_parse(const char *name, kb_vscheme *ret);

#ifdef __cplusplus
}
#endif
#endif
