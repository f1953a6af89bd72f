/*
 * advisory-cve5.c - read one CVE JSON 5 record (what F5 and most vendors
 * publish) into kb_advisory.
 *
 * Each containers.cna.affected[] entry becomes one affected entry identified
 * by vendor + product (+ modules, + packageName when present). Its versions[]
 * are sorted into two kb_affected sets by status: "affected" and
 * "unaffected" ("unknown" adds nothing: the default covers it). Within a set,
 * {version, lessThan} is a range introduced at version and fixed at lessThan,
 * {version, lessThanOrEqual} one whose last affected version is
 * lessThanOrEqual, and a bare {version} is an exact version. "0" and "*" as a
 * starting version mean "from the beginning". versionType picks the scheme:
 * maven, python, rpm, deb, semver, git; "custom" and anything else use the
 * vendor dotted-number scheme when every version is digits and dots (F5's
 * 17.5.1.3), the generic one otherwise. defaultStatus absent means "unknown",
 * as the CVE schema says. Severity: the CVSS metric of the highest version in
 * the CNA container, else in an ADP container (CISA's).
 */
#include "advisory-internal.h"
#include "koban/cpe.h"

#include <ctype.h>
#include <string.h>

static bool dotted_numeric(const char *s)
{
	if (!s || !isdigit((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s) && *s != '.')
			return false;
	return true;
}

static kb_vscheme scheme_of(const char *type, bool all_dotted, kb_range_type *rtype)
{
	*rtype = KB_RANGE_ECOSYSTEM;
	if (type) {
		if (strcmp(type, "maven") == 0)
			return KB_VS_MAVEN;
		if (strcmp(type, "python") == 0)
			return KB_VS_PEP440;
		if (strcmp(type, "rpm") == 0)
			return KB_VS_RPM;
		if (strcmp(type, "deb") == 0 || strcmp(type, "debian") == 0)
			return KB_VS_DEBIAN;
		if (strcmp(type, "semver") == 0) {
			*rtype = KB_RANGE_SEMVER;
			return KB_VS_SEMVER;
		}
		if (strcmp(type, "git") == 0) {
			*rtype = KB_RANGE_GIT;
			return KB_VS_GENERIC;
		}
	}
	return all_dotted ? KB_VS_INTDOT : KB_VS_GENERIC;
}

/* "0" and "*" as a starting version both mean "from the beginning". */
static const char *start_of(const char *v)
{
	return (!v || strcmp(v, "*") == 0) ? "0" : v;
}

/* Add one version entry to a set: a range or an exact version. */
static int add_version(kb_adv_reader *o, json_t *ver, kb_affected *set, kb_range *ranges, const char **exact,
                       kb_range_type rtype)
{
	int r = 0;
	const char *version = kb_adv_str(o, ver, "version", &r);
	const char *lt = kb_adv_str(o, ver, "lessThan", &r);
	const char *le = kb_adv_str(o, ver, "lessThanOrEqual", &r);
	if (r < 0)
		return r;
	if (!version)
		return kb_adv_bad(o, KB_EINVAL, "expected \"version\"");
	if (lt && le)
		return kb_adv_bad(o, KB_EINVAL, "expected lessThan or lessThanOrEqual, not both");
	if (!lt && !le) {
		exact[set->n_versions++] = version;
		return 0;
	}
	kb_range_event *ev = kb_adv_alloc(o->a, 2, sizeof *ev);
	if (!ev)
		return KB_ENOMEM;
	ev[0] = (kb_range_event){ KB_EVENT_INTRODUCED, start_of(version) };
	ev[1] = lt ? (kb_range_event){ KB_EVENT_FIXED, lt } : (kb_range_event){ KB_EVENT_LAST_AFFECTED, le };
	/* lessThan "*": every version from `version` on, with no upper bound */
	bool open_ended = (lt && strcmp(lt, "*") == 0) || (le && strcmp(le, "*") == 0);
	ranges[set->n_ranges++] = (kb_range){ rtype, ev, open_ended ? 1 : 2 };
	return 0;
}

static int read_affected(kb_adv_reader *o, json_t *af, kb_advisory_affected *out)
{
	if (!json_is_object(af))
		return kb_adv_bad(o, KB_EINVAL, "expected an affected object");
	int r = 0;
	out->vendor = kb_adv_str(o, af, "vendor", &r);
	out->product = kb_adv_str(o, af, "product", &r);
	out->package = kb_adv_str(o, af, "packageName", &r);
	const char *coll = kb_adv_str(o, af, "collectionURL", &r);
	const char *def = kb_adv_str(o, af, "defaultStatus", &r);
	if (r == 0)
		r = kb_adv_str_array(o, af, "modules", &out->modules, &out->n_modules);
	/* the first CPE that names a vendor and a product (CVE 5.1 "cpes") */
	const char *const *cpes = NULL;
	size_t ncpes = 0;
	if (r == 0)
		r = kb_adv_str_array(o, af, "cpes", &cpes, &ncpes);
	for (size_t i = 0; r == 0 && i < ncpes && !out->cpe; i++) {
		kb_cpe c;
		if (cpes[i] && kb_cpe_parse(cpes[i], &c, NULL) == 0 && kb_cpe_specific(&c))
			out->cpe = cpes[i];
	}
	if (r < 0)
		return r;
	if (!out->product && !out->package)
		return kb_adv_bad(o, KB_EINVAL, "expected \"product\" or \"packageName\"");
	if (coll && out->package) {
		if (strstr(coll, "maven"))
			out->ecosystem = "Maven";
		else if (strstr(coll, "pypi"))
			out->ecosystem = "PyPI";
		else if (strstr(coll, "npmjs"))
			out->ecosystem = "npm";
	}
	if (!def || strcmp(def, "unknown") == 0)
		out->default_status = KB_VSTATUS_UNKNOWN;
	else if (strcmp(def, "affected") == 0)
		out->default_status = KB_VSTATUS_AFFECTED;
	else if (strcmp(def, "unaffected") == 0)
		out->default_status = KB_VSTATUS_UNAFFECTED;
	else
		return kb_adv_bad(o, KB_EINVAL, "defaultStatus: expected affected, unaffected or unknown");

	json_t *versions = json_object_get(af, "versions");
	size_t m;
	kb_jpath_key(&o->path, "versions", &m);
	size_t n = json_is_array(versions) ? json_array_size(versions) : 0;
	if (versions && !json_is_null(versions) && !json_is_array(versions))
		r = kb_adv_bad(o, KB_EINVAL, "expected an array");
	else if (n > KB_ADVISORY_MAX_RANGES)
		r = kb_adv_bad(o, KB_ELIMIT, "more versions than the limit of 1024");
	/* the scheme: the first versionType, and whether every version is dotted digits */
	const char *vtype = NULL;
	bool all_dotted = true;
	size_t i;
	json_t *ver;
	json_array_foreach (versions, i, ver) {
		if (r < 0 || !json_is_object(ver))
			continue;
		json_t *t = json_object_get(ver, "versionType");
		if (!vtype && json_is_string(t))
			vtype = json_string_value(t);
		static const char *const keys[] = { "version", "lessThan", "lessThanOrEqual" };
		for (size_t k = 0; k < 3; k++) {
			json_t *v = json_object_get(ver, keys[k]);
			const char *s = json_is_string(v) ? json_string_value(v) : NULL;
			if (s && strcmp(s, "*") != 0 && strcmp(s, "0") != 0 && !dotted_numeric(s))
				all_dotted = false;
		}
	}
	kb_range_type rtype;
	kb_vscheme scheme = scheme_of(vtype, all_dotted, &rtype);
	out->match.scheme = out->unaffected.scheme = scheme;
	kb_range *ar = NULL, *ur = NULL;
	const char **ae = NULL, **ue = NULL;
	if (r == 0 && n) {
		ar = kb_adv_alloc(o->a, n, sizeof *ar);
		ur = kb_adv_alloc(o->a, n, sizeof *ur);
		ae = kb_adv_alloc(o->a, n, sizeof *ae);
		ue = kb_adv_alloc(o->a, n, sizeof *ue);
		if (!ar || !ur || !ae || !ue)
			r = KB_ENOMEM;
	}
	out->match.ranges = ar;
	out->match.versions = ae;
	out->unaffected.ranges = ur;
	out->unaffected.versions = ue;
	json_array_foreach (versions, i, ver) {
		if (r < 0)
			break;
		size_t mi;
		kb_jpath_index(&o->path, i, &mi);
		const char *status = json_is_object(ver) ? kb_adv_str(o, ver, "status", &r) : NULL;
		if (r < 0) {
		} else if (!json_is_object(ver)) {
			r = kb_adv_bad(o, KB_EINVAL, "expected a version object");
		} else if (!status) {
			r = kb_adv_bad(o, KB_EINVAL, "expected \"status\"");
		} else if (strcmp(status, "affected") == 0) {
			r = add_version(o, ver, &out->match, ar, ae, rtype);
		} else if (strcmp(status, "unaffected") == 0) {
			r = add_version(o, ver, &out->unaffected, ur, ue, rtype);
		} else if (strcmp(status, "unknown") != 0) {
			r = kb_adv_bad(o, KB_EINVAL, "status: expected affected, unaffected or unknown");
		}
		kb_jpath_back(&o->path, mi);
	}
	kb_jpath_back(&o->path, m);
	return r;
}

/* The CVSS metric of the highest version in a container's metrics[]. */
static void read_metrics(kb_advisory *a, json_t *container)
{
	static const char *const order[] = { "cvssV4_0", "cvssV3_1", "cvssV3_0", "cvssV2_0" };
	json_t *metrics = json_object_get(container, "metrics");
	for (size_t k = 0; k < sizeof order / sizeof order[0] && !a->cvss_vector; k++) {
		size_t i;
		json_t *m;
		json_array_foreach (metrics, i, m) {
			json_t *c = json_object_get(m, order[k]);
			json_t *vec = json_object_get(c, "vectorString");
			if (!json_is_string(vec))
				continue;
			a->cvss_vector = json_string_value(vec);
			json_t *score = json_object_get(c, "baseScore");
			if (json_is_number(score))
				a->cvss_score = json_number_value(score);
			json_t *sev = json_object_get(c, "baseSeverity");
			if (json_is_string(sev))
				a->severity = json_string_value(sev);
			break;
		}
	}
}

int kb_advisory_parse_cve5(const char *name, const void *data, size_t len, kb_advisory **ret, kb_error *err)
{
	json_t *root = NULL;
	int r = kb_adv_load(name, data, len, "a CVE JSON 5 record", &root, err);
	if (r < 0)
		return r;
	kb_advisory *a = kb_adv_new(root);
	if (!a) {
		json_decref(root);
		return KB_ENOMEM;
	}
	kb_adv_reader o = { .name = name, .a = a, .err = err };
	const char *type = kb_adv_str(&o, root, "dataType", &r);
	const char *dver = kb_adv_str(&o, root, "dataVersion", &r);
	json_t *meta = json_object_get(root, "cveMetadata");
	json_t *cna = json_object_get(json_object_get(root, "containers"), "cna");
	if (r == 0 && (!type || strcmp(type, "CVE_RECORD") != 0 || !dver || strncmp(dver, "5.", 2) != 0))
		r = kb_adv_bad(&o, KB_EFORMAT, "expected a CVE JSON 5 record: dataType CVE_RECORD, dataVersion 5.x");
	if (r == 0 && (!json_is_object(meta) || !json_is_object(cna)))
		r = kb_adv_bad(&o, KB_EFORMAT, "expected cveMetadata and containers.cna objects");
	if (r == 0) {
		size_t m;
		kb_jpath_key(&o.path, "cveMetadata", &m);
		a->id = kb_adv_str(&o, meta, "cveId", &r);
		a->published = kb_adv_str(&o, meta, "datePublished", &r);
		a->modified = kb_adv_str(&o, meta, "dateUpdated", &r);
		const char *state = kb_adv_str(&o, meta, "state", &r);
		if (r == 0 && !a->id)
			r = kb_adv_bad(&o, KB_EINVAL, "expected \"cveId\"");
		if (r == 0 && state && strcmp(state, "REJECTED") == 0) {
			a->withdrawn = kb_adv_str(&o, meta, "dateRejected", &r);
			if (!a->withdrawn)
				a->withdrawn = "REJECTED";
		}
		kb_jpath_back(&o.path, m);
	}
	size_t m;
	kb_jpath_key(&o.path, "containers.cna", &m);
	if (r == 0) {
		a->summary = kb_adv_str(&o, cna, "title", &r);
		json_t *descs = json_object_get(cna, "descriptions");
		size_t i;
		json_t *d;
		json_array_foreach (descs, i, d) {
			json_t *lang = json_object_get(d, "lang"), *val = json_object_get(d, "value");
			if (!a->summary && json_is_string(val) && json_is_string(lang) &&
			    strncmp(json_string_value(lang), "en", 2) == 0)
				a->summary = json_string_value(val);
		}
		read_metrics(a, cna);
		json_t *adp = json_object_get(json_object_get(root, "containers"), "adp");
		json_array_foreach (adp, i, d)
			read_metrics(a, d);
	}
	if (r == 0)
		r = kb_adv_affected_array(&o, json_object_get(cna, "affected"), read_affected);
	kb_jpath_back(&o.path, m);
	if (r < 0) {
		kb_advisory_free(a);
		return r;
	}
	*ret = a;
	return 0;
}
