/*
 * ledger-json.c - koban's own ledger JSON, the lossless exchange format.
 *
 *   { "koban": "ledger", "version": 1,
 *     "assets": [ { "name": ..., "category": ..., <other asset fields>,
 *                   "interfaces": [ {address, port, protocol, role, exposure} | "inline" ],
 *                   "components": [ {ecosystem, name, version, purl, cpe, source,
 *                                    evidence, origin} | "purl" ] } ] }
 *
 * Assets are streamed one at a time (json-stream.c). An asset's fields that are
 * absent are left alone, fields that are null are cleared; an `interfaces` or
 * `components` array replaces everything the asset had, because this format is
 * what `ledger export` writes and importing an export must give the same ledger.
 */
#include "json-stream.h"
#include "util-str.h"

#include <stdlib.h>
#include <string.h>

#define KB_LEDGER_JSON_VERSION 1

struct json_state {
	kb_import_ctx *c;
	bool seen_magic;
};

static bool want_key(const char *key, void *ctx)
{
	(void)ctx;
	return strcmp(key, "koban") == 0 || strcmp(key, "version") == 0 || strcmp(key, "assets") == 0;
}

/* A string value, or a list of strings joined with ",", or null. */
static int field_text(kb_jstream *js, json_t *obj, const char *key, json_t *v, char **ret)
{
	*ret = NULL;
	if (json_is_null(v))
		return 0;
	if (json_is_string(v)) {
		*ret = strdup(json_string_value(v));
		return *ret ? 0 : KB_ENOMEM;
	}
	if (json_is_array(v) && (strcmp(key, "modules") == 0 || strcmp(key, "tags") == 0)) {
		size_t i, total = 1;
		json_t *e;
		json_array_foreach (v, i, e) {
			if (!json_is_string(e))
				return kb_jstream_fail(js, obj, KB_EINVAL, "\"%s\": expected a list of strings", key);
			total += strlen(json_string_value(e)) + 1;
		}
		char *s = calloc(1, total);
		if (!s)
			return KB_ENOMEM;
		json_array_foreach (v, i, e) {
			if (i)
				strcat(s, ",");
			strcat(s, json_string_value(e));
		}
		*ret = s;
		return 0;
	}
	if (json_is_number(v)) {
		/* "version": 17.1 written as a number by a hand-made file */
		char tmp[64];
		if (json_is_integer(v)) {
			snprintf(tmp, sizeof tmp, "%lld", (long long)json_integer_value(v));
		} else {
			/* the shortest spelling that reads back the same: 17.1, not 17.100000000000001 */
			double d = json_real_value(v);
			for (int prec = 1; prec <= 17; prec++) {
				snprintf(tmp, sizeof tmp, "%.*g", prec, d);
				if (strtod(tmp, NULL) == d)
					break;
			}
		}
		*ret = strdup(tmp);
		return *ret ? 0 : KB_ENOMEM;
	}
	return kb_jstream_fail(js, obj, KB_EINVAL, "\"%s\": expected a string or null", key);
}

static int put_interface(kb_jstream *js, struct json_state *st, int64_t id, json_t *v)
{
	kb_interface it = { .protocol = "", .role = KB_ROLE_SERVICE };
	char *storage = NULL;
	int r;
	if (json_is_string(v)) {
		r = kb_interface_parse(json_string_value(v), &it, &storage, st->c->err);
		if (r < 0)
			return kb_jstream_fail(js, NULL, r, "%s", st->c->err->msg);
	} else if (json_is_object(v)) {
		r = 0;
		it.address = kb_jstream_string(js, v, "address", &r);
		const char *proto = kb_jstream_string(js, v, "protocol", &r);
		const char *role = kb_jstream_string(js, v, "role", &r);
		const char *exposure = kb_jstream_string(js, v, "exposure", &r);
		json_t *port = json_object_get(v, "port");
		if (r < 0)
			return r;
		if (!it.address || !*it.address)
			return kb_jstream_fail(js, v, KB_EINVAL, "interface: expected an \"address\"");
		if (port && !json_is_null(port)) {
			if (!json_is_integer(port) || json_integer_value(port) < 0 || json_integer_value(port) > 65535)
				return kb_jstream_fail(js, v, KB_EINVAL, "interface: expected \"port\" 0-65535");
			it.port = (int)json_integer_value(port);
		}
		if (proto) {
			storage = strdup(proto);
			if (!storage)
				return KB_ENOMEM;
			for (char *p = storage; *p; p++)
				if (*p >= 'A' && *p <= 'Z')
					*p = (char)(*p + 32);
			it.protocol = storage;
		}
		if (role && kb_role_parse(role, &it.role) < 0) {
			free(storage);
			return kb_jstream_fail(js, v, KB_EINVAL,
			                       "interface: \"role\": expected management or service, found \"%.40s\"", role);
		}
		if (exposure) {
			if (kb_exposure_parse(exposure, &it.exposure) < 0) {
				free(storage);
				return kb_jstream_fail(js, v, KB_EINVAL,
				                       "interface: \"exposure\": expected public, internal or unknown, "
				                       "found \"%.40s\"",
				                       exposure);
			}
			it.exposure_given = true;
		}
	} else {
		return kb_jstream_fail(js, NULL, KB_EINVAL, "interfaces: expected objects or strings");
	}
	r = kb_ledger_put_interface(st->c->w, id, &it, st->c->err);
	free(storage);
	if (r < 0)
		return kb_jstream_fail(js, json_is_object(v) ? v : NULL, r, "%s", st->c->err->msg);
	st->c->stats->interfaces++;
	return 0;
}

static int put_component(kb_jstream *js, struct json_state *st, int64_t id, json_t *v)
{
	kb_component comp = { .source = KB_SOURCE_DECLARED };
	if (json_is_string(v)) {
		comp.purl = json_string_value(v);
		comp.origin = st->c->origin;
	} else if (json_is_object(v)) {
		int r = 0;
		comp.ecosystem = kb_jstream_string(js, v, "ecosystem", &r);
		comp.name = kb_jstream_string(js, v, "name", &r);
		comp.version = kb_jstream_string(js, v, "version", &r);
		comp.purl = kb_jstream_string(js, v, "purl", &r);
		comp.cpe = kb_jstream_string(js, v, "cpe", &r);
		comp.evidence = kb_jstream_string(js, v, "evidence", &r);
		comp.origin = kb_jstream_string(js, v, "origin", &r);
		const char *src = kb_jstream_string(js, v, "source", &r);
		if (r < 0)
			return r;
		if (src && kb_source_parse(src, &comp.source) < 0)
			return kb_jstream_fail(js, v, KB_EINVAL,
			                       "component: \"source\": expected declared, sbom or scan, found \"%.40s\"", src);
	} else {
		return kb_jstream_fail(js, NULL, KB_EINVAL, "components: expected objects or purl strings");
	}
	uint64_t line = 0, col = 0;
	if (!json_is_object(v) || !kb_jstream_locate(js, v, &line, &col))
		kb_jstream_locate(js, NULL, &line, &col);
	int r = kb_ledger_put_component_at(st->c->w, id, &comp, line, col, st->c->err);
	if (r < 0)
		return kb_import_written_fail(st->c, r);
	st->c->stats->components++;
	return 0;
}

static int import_asset(kb_jstream *js, struct json_state *st, json_t *obj)
{
	if (!json_is_object(obj))
		return kb_jstream_fail(js, NULL, KB_EINVAL, "assets: expected an object for each asset");
	kb_asset a = { 0 };
	char *vals[KB_AF__COUNT] = { 0 };
	uint32_t present = 0;
	const char *key;
	json_t *v;
	int r = 0;
	json_object_foreach (obj, key, v) {
		kb_asset_field f;
		if (strcmp(key, "interfaces") == 0 || strcmp(key, "components") == 0)
			continue;
		if (kb_asset_field_lookup(key, &f) < 0) {
			uint64_t line = 0, col = 0;
			kb_jstream_locate(js, obj, &line, &col);
			kb_import_warn(st->c, line, col, "asset key \"%.40s\" is not a ledger field; ignored", key);
			continue;
		}
		if (present & KB_AF_MASK(f)) {
			r = kb_jstream_fail(js, obj, KB_EINVAL, "\"%s\": field %s is given twice in this asset", key,
			                    kb_asset_field_name(f));
			break;
		}
		char *raw = NULL;
		r = field_text(js, obj, key, v, &raw);
		if (r < 0)
			break;
		r = kb_asset_value_normalize(f, raw, &vals[f], st->c->err);
		free(raw);
		if (r < 0) {
			r = kb_jstream_fail(js, obj, r, "%s", st->c->err->msg);
			break;
		}
		a.field[f] = vals[f];
		present |= KB_AF_MASK(f);
	}
	if (r == 0 && !a.field[KB_AF_NAME])
		r = kb_jstream_fail(js, obj, KB_EINVAL, "asset: expected a \"name\"");
	int64_t id = 0;
	kb_put_result put = KB_PUT_UNCHANGED;
	if (r == 0) {
		r = kb_ledger_put_asset(st->c->w, &a, present, &id, &put, st->c->err);
		if (r < 0)
			r = kb_jstream_fail(js, obj, r, "%s", st->c->err->msg);
		else if (put == KB_PUT_CREATED)
			st->c->stats->assets_created++;
		else if (put == KB_PUT_UPDATED)
			st->c->stats->assets_updated++;
		else
			st->c->stats->assets_unchanged++;
	}
	json_t *list = json_object_get(obj, "interfaces");
	if (r == 0 && list && !json_is_null(list)) {
		if (!json_is_array(list))
			r = kb_jstream_fail(js, obj, KB_EINVAL, "\"interfaces\": expected an array");
		else
			r = kb_ledger_clear_interfaces(st->c->w, id, st->c->err);
		size_t i;
		json_t *e;
		json_array_foreach (list, i, e) {
			if (r < 0)
				break;
			r = put_interface(js, st, id, e);
		}
	}
	list = json_object_get(obj, "components");
	if (r == 0 && list && !json_is_null(list)) {
		if (!json_is_array(list))
			r = kb_jstream_fail(js, obj, KB_EINVAL, "\"components\": expected an array");
		else
			r = kb_ledger_clear_components(st->c->w, id, -1, NULL, st->c->err);
		size_t i;
		json_t *e;
		json_array_foreach (list, i, e) {
			if (r < 0)
				break;
			r = put_component(js, st, id, e);
		}
	}
	for (int f = 0; f < KB_AF__COUNT; f++)
		free(vals[f]);
	return r;
}

static int on_item(kb_jstream *js, const kb_jstream_item *it, void *ctx)
{
	struct json_state *st = ctx;
	if (strcmp(it->key, "koban") == 0) {
		if (!json_is_string(it->value) || strcmp(json_string_value(it->value), "ledger") != 0)
			return kb_jstream_fail(js, NULL, KB_EFORMAT, "\"koban\": expected \"ledger\"");
		st->seen_magic = true;
		return 0;
	}
	if (strcmp(it->key, "version") == 0) {
		if (!json_is_integer(it->value) || json_integer_value(it->value) != KB_LEDGER_JSON_VERSION)
			return kb_jstream_fail(js, NULL, KB_EFORMAT,
			                       "\"version\": expected %d (this koban reads ledger JSON version %d)",
			                       KB_LEDGER_JSON_VERSION, KB_LEDGER_JSON_VERSION);
		return 0;
	}
	if (!it->element)
		return kb_jstream_fail(js, NULL, KB_EINVAL, "\"assets\": expected an array of assets");
	return import_asset(js, st, it->value);
}

int kb_import_koban_json(kb_import_ctx *c)
{
	struct json_state st = { .c = c };
	int r = kb_jstream_run(c, want_key, NULL, on_item, &st);
	if (r == 0 && !st.seen_magic) {
		kb_error_set(c->err, KB_EFORMAT, NULL, 0, 0, KB_NO_OFFSET,
		             "expected a koban ledger document: no \"koban\": \"ledger\" key");
		r = kb_import_locate(c, KB_EFORMAT, 1, 1, KB_NO_OFFSET);
	}
	return r;
}
