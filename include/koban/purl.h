/*
 * purl.h - Package URLs (package-url/purl-spec): parse, normalise, build, and
 * map a purl onto the ecosystem/name pair advisories use (OSV naming).
 *
 * A kb_purl owns all its strings. Components are stored decoded (no percent
 * escapes); kb_purl_format() produces the canonical string: type lower-cased,
 * type-specific normalisation applied (e.g. pypi name lower-cased with '_' -> '-',
 * github/bitbucket namespace+name lower-cased), qualifiers sorted by key with
 * keys lower-cased and empty values dropped, percent-encoding per the spec.
 */
#ifndef KOBAN_PURL_H
#define KOBAN_PURL_H

#include "koban/koban.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KB_PURL_MAX_LEN 4096        /* longest purl string accepted */
#define KB_PURL_MAX_QUALIFIERS 64   /* most qualifiers accepted */

typedef struct kb_purl_qualifier {
	char *key;   /* lower-case, never NULL */
	char *value; /* decoded, never NULL, never empty */
} kb_purl_qualifier;

typedef struct kb_purl {
	char *type;      /* lower-case, never NULL */
	char *namespace_; /* decoded, segments joined by '/', NULL when absent */
	char *name;      /* decoded, never NULL */
	char *version;   /* decoded, NULL when absent */
	char *subpath;   /* decoded, segments joined by '/', NULL when absent */
	size_t n_qualifiers;
	kb_purl_qualifier *qualifiers; /* sorted by key, keys unique */
} kb_purl;

/* Parse `s` (length `len`, need not be NUL-terminated). On success *ret is a new
 * purl the caller frees with kb_purl_free(). On failure returns KB_EPARSE or
 * KB_EINVAL (or KB_ELIMIT) and fills err (file left empty; column = 1-based
 * character position where that is known). KB_ELIMIT: `len` or the canonical
 * form is longer than KB_PURL_MAX_LEN, or there are more than
 * KB_PURL_MAX_QUALIFIERS key=value pairs. Decoded components must be UTF-8
 * without NUL bytes. */
int kb_purl_parse(const char *s, size_t len, kb_purl **ret, kb_error *err);

/* Build a purl from parts (namespace, version, subpath may be NULL; qualifiers
 * may be NULL with n == 0). Applies the same validation and normalisation as
 * parsing. */
int kb_purl_build(const char *type, const char *namespace_, const char *name,
                  const char *version, const kb_purl_qualifier *qualifiers, size_t n,
                  const char *subpath, kb_purl **ret, kb_error *err);

/* Accepts NULL; returns NULL. */
kb_purl *kb_purl_free(kb_purl *p);

/* Canonical string form; *ret is malloc'd, caller frees. */
int kb_purl_format(const kb_purl *p, char **ret);

/* Parse then format: the canonical spelling of `s`. */
int kb_purl_normalize(const char *s, char **ret, kb_error *err);

/* The OSV ecosystem name for the purl's type ("maven" -> "Maven", "pypi" ->
 * "PyPI", "npm" -> "npm", "golang" -> "Go", "cargo" -> "crates.io", "gem" ->
 * "RubyGems", "nuget" -> "NuGet", "composer" -> "Packagist", "deb" -> "Debian"
 * (or "Ubuntu" when namespace says so), "apk" -> "Alpine", "rpm" -> namespace-
 * derived ("Red Hat", "Rocky Linux", ... ; plain "RPM" otherwise), "hex" -> "Hex",
 * "pub" -> "Pub", "swift" -> "SwiftURL", "hackage" -> "Hackage", "cran" -> "CRAN",
 * "conan" -> "ConanCenter", "bitnami" -> "Bitnami"; apk namespaces "wolfi" and
 * "chainguard" -> "Wolfi", "Chainguard"; "github" -> "GitHub Actions" is NOT
 * assumed: unknown types return the type itself). Never NULL; borrowed from p
 * or static. */
const char *kb_purl_ecosystem(const kb_purl *p);

/* The package name as that ecosystem's advisories spell it: Maven
 * "group:artifact", npm "@scope/name" or "name", Go "namespace/name", Debian/
 * Alpine/RPM/alpm just the name, others "namespace/name" when a namespace exists.
 * *ret is malloc'd; caller frees. */
int kb_purl_package_name(const kb_purl *p, char **ret);

#ifdef __cplusplus
}
#endif
#endif
