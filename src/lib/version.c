/*
 * version.c - kb_version_cmp(): length check, then the scheme's comparator;
 * and the mapping from OSV ecosystem names to schemes.
 */
#include "version-internal.h"

#include <string.h>
#include <strings.h>

static const struct {
	const char *name;
	int (*cmp)(const char *, const char *, int *);
} schemes[KB_VS__COUNT] = {
	[KB_VS_GENERIC] = { "generic", kb_vcmp_generic }, [KB_VS_MAVEN] = { "maven", kb_vcmp_maven },
	[KB_VS_SEMVER] = { "semver", kb_vcmp_semver },    [KB_VS_PEP440] = { "pep440", kb_vcmp_pep440 },
	[KB_VS_DEBIAN] = { "debian", kb_vcmp_debian },    [KB_VS_RPM] = { "rpm", kb_vcmp_rpm },
	[KB_VS_ALPINE] = { "alpine", kb_vcmp_alpine },    [KB_VS_INTDOT] = { "intdot", kb_vcmp_intdot },
};

int kb_version_cmp(kb_vscheme scheme, const char *a, const char *b, int *ret)
{
	if ((unsigned)scheme >= KB_VS__COUNT || !a || !b)
		return KB_EINVAL;
	if (strlen(a) > KB_VERSION_MAX_LEN || strlen(b) > KB_VERSION_MAX_LEN)
		return KB_ELIMIT;
	int r = 0;
	int rc = schemes[scheme].cmp(a, b, &r);
	if (rc < 0)
		return rc;
	*ret = r < 0 ? -1 : r > 0;
	return 0;
}

/* OSV ecosystem names (ossf/osv-schema ecosystems) and their orderings. */
static const struct {
	const char *ecosystem;
	kb_vscheme scheme;
} ecosystems[] = {
	{ "Maven", KB_VS_MAVEN },
	{ "npm", KB_VS_SEMVER },
	{ "Go", KB_VS_SEMVER },
	{ "crates.io", KB_VS_SEMVER },
	{ "NuGet", KB_VS_SEMVER },
	{ "Hex", KB_VS_SEMVER },
	{ "Pub", KB_VS_SEMVER },
	{ "PyPI", KB_VS_PEP440 },
	{ "Debian", KB_VS_DEBIAN },
	{ "Ubuntu", KB_VS_DEBIAN },
	{ "Alpine", KB_VS_ALPINE },
	{ "Wolfi", KB_VS_ALPINE },
	{ "Chainguard", KB_VS_ALPINE },
	{ "Red Hat", KB_VS_RPM },
	{ "Rocky Linux", KB_VS_RPM },
	{ "AlmaLinux", KB_VS_RPM },
	{ "SUSE", KB_VS_RPM },
	{ "openSUSE", KB_VS_RPM },
	{ "Photon OS", KB_VS_RPM },
	{ "Mageia", KB_VS_RPM },
	{ "openEuler", KB_VS_RPM },
	{ "RPM", KB_VS_RPM },
};

kb_vscheme kb_vscheme_for_ecosystem(const char *ecosystem)
{
	if (!ecosystem)
		return KB_VS_GENERIC;
	size_t n = strcspn(ecosystem, ":"); /* "Debian:12", "Alpine:v3.19" */
	for (size_t i = 0; i < sizeof ecosystems / sizeof ecosystems[0]; i++)
		if (strlen(ecosystems[i].ecosystem) == n && strncasecmp(ecosystem, ecosystems[i].ecosystem, n) == 0)
			return ecosystems[i].scheme;
	return KB_VS_GENERIC;
}

const char *kb_vscheme_name(kb_vscheme s)
{
	return (unsigned)s < KB_VS__COUNT ? schemes[s].name : "generic";
}

int kb_vscheme_parse(const char *name, kb_vscheme *ret)
{
	for (int i = 0; name && i < KB_VS__COUNT; i++)
		if (strcasecmp(name, schemes[i].name) == 0) {
			*ret = (kb_vscheme)i;
			return 0;
		}
	return KB_EINVAL;
}

bool kb_version_prefix(kb_vscheme scheme, const char *s, uint32_t ret[KB_VPREFIX_PARTS])
{
	if (scheme != KB_VS_MAVEN && scheme != KB_VS_SEMVER && scheme != KB_VS_PEP440)
		return false;
	if (!(*s >= '0' && *s <= '9'))
		return false;
	uint32_t part[KB_VPREFIX_PARTS] = { 0 };
	size_t n = 0;
	const char *p = s;
	for (;;) {
		if (n == KB_VPREFIX_PARTS)
			return false; /* a fifth number: let the scheme decide */
		uint32_t v = 0;
		int digits = 0;
		while (*p >= '0' && *p <= '9') {
			if (++digits > 9)
				return false;
			v = v * 10 + (uint32_t)(*p++ - '0');
		}
		part[n++] = v;
		if (p[0] == '.' && p[1] >= '0' && p[1] <= '9') {
			p++;
			continue;
		}
		break;
	}
	if (*p == '!')
		return false; /* a PEP 440 epoch outranks every number */
	memcpy(ret, part, sizeof part);
	return true;
}
