/*
 * advisory-osv.c - read one OSV document (ossf/osv-schema) into kb_advisory.
 *
 * The document is small (one advisory), so it is parsed whole with jansson,
 * which gives line and column for syntax errors; the strings of the advisory
 * point into the parsed tree, which the advisory owns. Schema errors name the
 * JSON path of the member at fault. Read: id, aliases, summary, severity
 * (the CVSS vector, and database_specific.severity as GitHub writes it),
 * published, modified, withdrawn, and affected[]: package {ecosystem, name,
 * purl}, ranges[] {type ECOSYSTEM | SEMVER | GIT, events[]} and versions[].
 * A range must not mix `fixed` and `last_affected`, every event has exactly
 * one of introduced, fixed, last_affected, limit, and only ECOSYSTEM and
 * SEMVER ranges say anything about package versions (GIT ranges are kept, and
 * skipped by kb_range_eval).
 */
#include "advisory-internal.h"

#include <string.h>

static int read_event(kb_adv_reader *o, json_t *ev, kb_range_event *out, bool *has_fixed, bool *has_last)
{
	static const struct {
		const char *key;
		kb_event_kind kind;
	} kinds[] = {
		{ "introduced", KB_EVENT_INTRODUCED },
		{ "fixed", KB_EVENT_FIXED },
		{ "last_affected", KB_EVENT_LAST_AFFECTED },
		{ "limit", KB_EVENT_LIMIT },
	};
	if (!json_is_object(ev))
		return kb_adv_bad(o, KB_EINVAL, "expected an event object");
	int found = 0;
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		json_t *v = json_object_get(ev, kinds[k].key);
		if (!v)
			continue;
		if (!json_is_string(v) || !*json_string_value(v))
			return kb_adv_bad(o, KB_EINVAL, "expected the event's version as a non-empty string");
		out->kind = kinds[k].kind;
		out->version = json_string_value(v);
		found++;
	}
	if (found != 1)
		return kb_adv_bad(o, KB_EINVAL, "expected exactly one of introduced, fixed, last_affected, limit");
	*has_fixed |= out->kind == KB_EVENT_FIXED;
	*has_last |= out->kind == KB_EVENT_LAST_AFFECTED;
	return 0;
}

static int read_range(kb_adv_reader *o, json_t *rg, kb_range *out)
{
	if (!json_is_object(rg))
		return kb_adv_bad(o, KB_EINVAL, "expected a range object");
	int r = 0;
	const char *type = kb_adv_str(o, rg, "type", &r);
	if (r < 0)
		return r;
	if (type && strcmp(type, "ECOSYSTEM") == 0)
		out->type = KB_RANGE_ECOSYSTEM;
	else if (type && strcmp(type, "SEMVER") == 0)
		out->type = KB_RANGE_SEMVER;
	else if (type && strcmp(type, "GIT") == 0)
		out->type = KB_RANGE_GIT;
	else
		return kb_adv_bad(o, KB_EINVAL, "expected \"type\": ECOSYSTEM, SEMVER or GIT");
	json_t *events = json_object_get(rg, "events");
	size_t m;
	kb_jpath_key(&o->path, "events", &m);
	if (!json_is_array(events) || json_array_size(events) == 0) {
		r = kb_adv_bad(o, KB_EINVAL, "expected a non-empty array of events");
	} else if (json_array_size(events) > KB_RANGE_MAX_EVENTS) {
		r = kb_adv_bad(o, KB_ELIMIT, "more events than the limit of 256");
	} else {
		kb_range_event *evs = kb_adv_alloc(o->a, json_array_size(events), sizeof *evs);
		bool has_fixed = false, has_last = false;
		if (!evs)
			r = KB_ENOMEM;
		size_t i;
		json_t *ev;
		json_array_foreach (events, i, ev) {
			if (r < 0)
				break;
			size_t mi;
			kb_jpath_index(&o->path, i, &mi);
			r = read_event(o, ev, &evs[i], &has_fixed, &has_last);
			kb_jpath_back(&o->path, mi);
		}
		if (r == 0 && has_fixed && has_last)
			r = kb_adv_bad(o, KB_EINVAL, "a range uses fixed or last_affected, never both");
		out->events = evs;
		out->n_events = json_array_size(events);
	}
	kb_jpath_back(&o->path, m);
	return r;
}

static int read_affected(kb_adv_reader *o, json_t *af, kb_advisory_affected *out)
{
	if (!json_is_object(af))
		return kb_adv_bad(o, KB_EINVAL, "expected an affected object");
	int r = 0;
	json_t *pkg = json_object_get(af, "package");
	if (pkg && !json_is_null(pkg)) {
		size_t m;
		kb_jpath_key(&o->path, "package", &m);
		if (!json_is_object(pkg))
			r = kb_adv_bad(o, KB_EINVAL, "expected an object");
		if (r == 0) {
			out->ecosystem = kb_adv_str(o, pkg, "ecosystem", &r);
			out->package = kb_adv_str(o, pkg, "name", &r);
			out->purl = kb_adv_str(o, pkg, "purl", &r);
		}
		if (r == 0 && (!out->ecosystem || !out->package))
			r = kb_adv_bad(o, KB_EINVAL, "expected \"ecosystem\" and \"name\"");
		kb_jpath_back(&o->path, m);
	}
	if (r < 0)
		return r;
	out->match.scheme = kb_vscheme_for_ecosystem(out->ecosystem);
	out->default_status = KB_VSTATUS_UNAFFECTED;
	json_t *ranges = json_object_get(af, "ranges");
	size_t m;
	kb_jpath_key(&o->path, "ranges", &m);
	if (ranges && !json_is_null(ranges)) {
		if (!json_is_array(ranges))
			r = kb_adv_bad(o, KB_EINVAL, "expected an array");
		else if (json_array_size(ranges) > KB_ADVISORY_MAX_RANGES)
			r = kb_adv_bad(o, KB_ELIMIT, "more ranges than the limit of 1024");
		kb_range *rs = r == 0 ? kb_adv_alloc(o->a, json_array_size(ranges), sizeof *rs) : NULL;
		if (r == 0 && !rs)
			r = KB_ENOMEM;
		size_t i;
		json_t *rg;
		json_array_foreach (ranges, i, rg) {
			if (r < 0)
				break;
			size_t mi;
			kb_jpath_index(&o->path, i, &mi);
			r = read_range(o, rg, &rs[i]);
			kb_jpath_back(&o->path, mi);
		}
		if (r == 0) {
			out->match.ranges = rs;
			out->match.n_ranges = json_array_size(ranges);
		}
	}
	kb_jpath_back(&o->path, m);
	if (r == 0)
		r = kb_adv_str_array(o, af, "versions", &out->match.versions, &out->match.n_versions);
	return r;
}

int kb_advisory_parse_osv(const char *name, const void *data, size_t len, kb_advisory **ret, kb_error *err)
{
	json_t *root = NULL;
	int lr = kb_adv_load(name, data, len, "an OSV document", &root, err);
	if (lr < 0)
		return lr;
	kb_advisory *a = kb_adv_new(root);
	if (!a) {
		json_decref(root);
		return KB_ENOMEM;
	}
	kb_adv_reader o = { .name = name, .a = a, .err = err };
	int r = 0;
	a->id = kb_adv_str(&o, root, "id", &r);
	if (r == 0 && (!a->id || !*a->id))
		r = kb_adv_bad(&o, KB_EFORMAT, "expected an OSV document: no \"id\"");
	if (r == 0) {
		a->summary = kb_adv_str(&o, root, "summary", &r);
		a->published = kb_adv_str(&o, root, "published", &r);
		a->modified = kb_adv_str(&o, root, "modified", &r);
		a->withdrawn = kb_adv_str(&o, root, "withdrawn", &r);
	}
	if (r == 0)
		r = kb_adv_str_array(&o, root, "aliases", &a->aliases, &a->n_aliases);
	json_t *sev = json_object_get(root, "severity");
	if (r == 0 && json_is_array(sev)) {
		size_t i;
		json_t *s;
		json_array_foreach (sev, i, s) {
			/* severity is informative: a malformed entry is passed over, not fatal */
			json_t *t = json_object_get(s, "type"), *sc = json_object_get(s, "score");
			const char *type = json_is_string(t) ? json_string_value(t) : NULL;
			const char *score = json_is_string(sc) ? json_string_value(sc) : NULL;
			if (type && score && strncmp(type, "CVSS_V", 6) == 0 &&
			    (!a->cvss_vector || strcmp(type, "CVSS_V4") == 0)) /* v4 first, as for CVE records */
				a->cvss_vector = score;
		}
	}
	json_t *dbs = json_object_get(root, "database_specific");
	if (r == 0 && json_is_object(dbs)) {
		json_t *s = json_object_get(dbs, "severity");
		if (json_is_string(s))
			a->severity = json_string_value(s);
	}
	if (r == 0)
		r = kb_adv_affected_array(&o, json_object_get(root, "affected"), read_affected);
	if (r < 0) {
		kb_advisory_free(a);
		return r;
	}
	*ret = a;
	return 0;
}
