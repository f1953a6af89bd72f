/*
 * ioc-misp.c - MISP event JSON: `{"Event": {...}}`, `{"response": [{"Event":
 * {...}}, ...]}`, a bare event (an object with Attribute or Object), or an
 * array of wrapped events.
 *
 * Every attribute of the event, and of each of its objects
 * (Object[].Attribute[]), is read: its type says the IOC type (ip-src,
 * ip-dst → an address or CIDR of either family; domain, hostname; url; md5,
 * sha1, sha256; filename; email-src, email-dst...; port). A composite type
 * ("domain|ip", "ip-dst|port", "filename|sha256", malware-sample) splits its
 * value on '|' into parts; like an AND in a STIX pattern, a composite keeps
 * its most specific parts (the hash of filename|sha256, the address of
 * ip-dst|port, both parts of domain|ip), so that a port or a file name alone
 * never becomes an IOC that would match everything. to_ids, first_seen,
 * last_seen (else the attribute's timestamp) are kept; deleted attributes are
 * skipped and counted; other types are reported unsupported.
 */
#include "ioc-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static kb_ioc_type misp_type(const char *t)
{
	static const struct {
		const char *name;
		kb_ioc_type t;
	} map[] = {
		{ "ip-src", KB_IOC_IPV4 },    { "ip-dst", KB_IOC_IPV4 },      { "ip", KB_IOC_IPV4 },
		{ "domain", KB_IOC_DOMAIN },  { "hostname", KB_IOC_DOMAIN },  { "url", KB_IOC_URL },
		{ "md5", KB_IOC_MD5 },        { "sha1", KB_IOC_SHA1 },        { "sha256", KB_IOC_SHA256 },
		{ "filename", KB_IOC_FILENAME }, { "email-src", KB_IOC_EMAIL }, { "email-dst", KB_IOC_EMAIL },
		{ "email", KB_IOC_EMAIL },    { "email-reply-to", KB_IOC_EMAIL }, { "whois-registrant-email", KB_IOC_EMAIL },
		{ "port", KB_IOC_PORT },      { "dst-port", KB_IOC_PORT },
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcasecmp(t, map[i].name) == 0)
			return map[i].t;
	return KB_IOC_NONE;
}

/* MISP writes booleans as true/false, 0/1 or "0"/"1". */
static bool misp_bool(json_t *v, bool dflt)
{
	if (json_is_boolean(v))
		return json_is_true(v);
	if (json_is_integer(v))
		return json_integer_value(v) != 0;
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		return strcmp(s, "1") == 0 || strcasecmp(s, "true") == 0;
	}
	return dflt;
}

static const char *str_of(kb_ioc_reader *rd, json_t *obj, const char *key, int *r)
{
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_string(v)) {
		size_t m;
		kb_jpath_key(&rd->path, key, &m);
		*r = kb_ioc_bad(rd, KB_EINVAL, "expected a string");
		kb_jpath_back(&rd->path, m);
		return NULL;
	}
	return json_string_value(v);
}

#define MISP_MAX_PARTS 4

static int read_attribute(kb_ioc_reader *rd, json_t *a, const char *info)
{
	if (!json_is_object(a))
		return kb_ioc_bad(rd, KB_EINVAL, "expected an attribute object");
	int r = 0;
	const char *type = str_of(rd, a, "type", &r);
	const char *value = str_of(rd, a, "value", &r);
	const char *uuid = str_of(rd, a, "uuid", &r);
	const char *comment = str_of(rd, a, "comment", &r);
	const char *first = str_of(rd, a, "first_seen", &r);
	const char *last = str_of(rd, a, "last_seen", &r);
	if (r < 0)
		return r;
	if (!type || !value)
		return kb_ioc_bad(rd, KB_EINVAL, "expected \"type\" and \"value\" strings");
	if (misp_bool(json_object_get(a, "deleted"), false)) {
		if (rd->sink && rd->sink->n_ignored)
			(*rd->sink->n_ignored)++;
		return 0;
	}
	char stamp[32] = "";
	json_t *ts = json_object_get(a, "timestamp");
	long long epoch = json_is_integer(ts) ? json_integer_value(ts) : json_is_string(ts) ? atoll(json_string_value(ts)) : 0;
	if (!last && epoch > 0 && epoch < 32503680000LL) {
		time_t t = (time_t)epoch;
		struct tm tm;
		if (gmtime_r(&t, &tm))
			strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
		if (stamp[0])
			last = stamp;
	}
	const char *eff_type = strcasecmp(type, "malware-sample") == 0 ? "filename|md5" : type;
	const char *tp[MISP_MAX_PARTS], *vp[MISP_MAX_PARTS];
	size_t tl[MISP_MAX_PARTS], vl[MISP_MAX_PARTS], nt = 0, nv = 0;
	for (const char *s = eff_type;; nt++) {
		const char *bar = strchr(s, '|');
		if (nt == MISP_MAX_PARTS)
			break;
		tp[nt] = s;
		tl[nt] = bar ? (size_t)(bar - s) : strlen(s);
		if (!bar) {
			nt++;
			break;
		}
		s = bar + 1;
	}
	for (const char *s = value;; nv++) {
		const char *bar = strchr(s, '|');
		if (nv == MISP_MAX_PARTS)
			break;
		vp[nv] = s;
		vl[nv] = bar ? (size_t)(bar - s) : strlen(s);
		if (!bar) {
			nv++;
			break;
		}
		s = bar + 1;
	}
	if (nt != nv || nt == MISP_MAX_PARTS) {
		kb_ioc_unsup(rd, uuid, 0, "attribute type %.60s: value '%.80s' does not split into as many parts", type,
		             value);
		return 0;
	}
	char norm[MISP_MAX_PARTS][KB_IOC_MAX_VALUE_BYTES + 1];
	kb_ioc_type got[MISP_MAX_PARTS];
	int rank[MISP_MAX_PARTS], best = -1;
	for (size_t i = 0; i < nt; i++) {
		char tn[64];
		snprintf(tn, sizeof tn, "%.*s", (int)(tl[i] < 63 ? tl[i] : 63), tp[i]);
		got[i] = misp_type(tn);
		rank[i] = -1;
		if (got[i] == KB_IOC_NONE) {
			kb_ioc_unsup(rd, uuid, 0, "attribute type %.60s is not supported", nt > 1 ? tn : type);
			continue;
		}
		if (kb_ioc_normalize(&got[i], vp[i], vl[i], norm[i], sizeof norm[i]) < 0) {
			kb_ioc_unsup(rd, uuid, 0, "attribute %.60s: '%.*s' is not a valid %s", type,
			             (int)(vl[i] < 80 ? vl[i] : 80), vp[i], kb_ioc_type_name(got[i]));
			continue;
		}
		rank[i] = kb_ioc_rank(got[i], norm[i]);
		if (rank[i] > best)
			best = rank[i];
	}
	for (size_t i = 0; i < nt && r == 0; i++) {
		if (rank[i] < 0 || rank[i] < best)
			continue;
		kb_ioc ioc = {
			.type = got[i],
			.value = norm[i],
			.first_seen = first,
			.last_seen = last,
			.confidence = -1,
			.to_ids = misp_bool(json_object_get(a, "to_ids"), false),
			.ref = uuid,
			.label = comment && *comment ? comment : info,
		};
		r = kb_ioc_emit(rd, &ioc);
	}
	return r;
}

static int read_attributes(kb_ioc_reader *rd, json_t *parent, const char *info)
{
	json_t *attrs = json_object_get(parent, "Attribute");
	if (!attrs || json_is_null(attrs))
		return 0;
	size_t m;
	kb_jpath_key(&rd->path, "Attribute", &m);
	int r = 0;
	if (!json_is_array(attrs))
		r = kb_ioc_bad(rd, KB_EINVAL, "expected an array of attributes");
	size_t i;
	json_t *a;
	if (r == 0)
		json_array_foreach (attrs, i, a) {
			size_t mi;
			kb_jpath_index(&rd->path, i, &mi);
			r = read_attribute(rd, a, info);
			kb_jpath_back(&rd->path, mi);
			if (r < 0)
				break;
		}
	kb_jpath_back(&rd->path, m);
	return r;
}

static int read_event(kb_ioc_reader *rd, json_t *ev)
{
	if (!json_is_object(ev))
		return kb_ioc_bad(rd, KB_EINVAL, "expected an event object");
	int r = 0;
	const char *info = str_of(rd, ev, "info", &r);
	if (r < 0)
		return r;
	r = read_attributes(rd, ev, info);
	json_t *objs = json_object_get(ev, "Object");
	if (r < 0 || !objs || json_is_null(objs))
		return r;
	size_t m;
	kb_jpath_key(&rd->path, "Object", &m);
	if (!json_is_array(objs))
		r = kb_ioc_bad(rd, KB_EINVAL, "expected an array of objects");
	size_t i;
	json_t *o;
	if (r == 0)
		json_array_foreach (objs, i, o) {
			size_t mi;
			kb_jpath_index(&rd->path, i, &mi);
			if (!json_is_object(o))
				r = kb_ioc_bad(rd, KB_EINVAL, "expected a MISP object");
			else
				r = read_attributes(rd, o, info);
			kb_jpath_back(&rd->path, mi);
			if (r < 0)
				break;
		}
	kb_jpath_back(&rd->path, m);
	return r;
}

/* {"Event": {...}} or a bare event */
static int read_wrapped(kb_ioc_reader *rd, json_t *w)
{
	if (!json_is_object(w))
		return kb_ioc_bad(rd, KB_EINVAL, "expected {\"Event\": ...}");
	json_t *ev = json_object_get(w, "Event");
	if (!ev)
		return read_event(rd, w);
	size_t m;
	kb_jpath_key(&rd->path, "Event", &m);
	int r = read_event(rd, ev);
	kb_jpath_back(&rd->path, m);
	return r;
}

static int read_event_array(kb_ioc_reader *rd, json_t *arr)
{
	if (json_array_size(arr) > KB_MISP_MAX_EVENTS)
		return kb_ioc_bad(rd, KB_ELIMIT, "%zu events: more than the limit of %u", json_array_size(arr),
		                  (unsigned)KB_MISP_MAX_EVENTS);
	size_t i;
	json_t *w;
	int r = 0;
	json_array_foreach (arr, i, w) {
		size_t mi;
		kb_jpath_index(&rd->path, i, &mi);
		r = read_wrapped(rd, w);
		kb_jpath_back(&rd->path, mi);
		if (r < 0)
			break;
	}
	return r;
}

int kb_ioc_read_misp(kb_ioc_reader *rd, const void *data, size_t len)
{
	json_t *root = NULL;
	int r = kb_ioc_json_load(rd, data, len, &root);
	if (r < 0)
		return r;
	if (json_is_array(root)) {
		r = read_event_array(rd, root);
	} else if (!json_is_object(root)) {
		r = kb_error_set(rd->err, KB_EFORMAT, rd->name, 1, 1, 0, "expected a MISP event: a JSON object");
	} else if (json_object_get(root, "response")) {
		json_t *resp = json_object_get(root, "response");
		size_t m;
		kb_jpath_key(&rd->path, "response", &m);
		if (json_is_array(resp))
			r = read_event_array(rd, resp);
		else
			r = read_wrapped(rd, resp);
		kb_jpath_back(&rd->path, m);
	} else if (json_object_get(root, "Event") || json_object_get(root, "Attribute") ||
	           json_object_get(root, "Object")) {
		r = read_wrapped(rd, root);
	} else {
		r = kb_error_set(rd->err, KB_EFORMAT, rd->name, 1, 1, 0,
		                 "expected a MISP event: {\"Event\": ...}, {\"response\": [...]} or an event");
	}
	json_decref(root);
	return r;
}
