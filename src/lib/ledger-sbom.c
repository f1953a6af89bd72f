/*
 * ledger-sbom.c - CycloneDX 1.4-1.6 and SPDX 2.3 JSON SBOMs, attached to one asset.
 *
 * Both are streamed (json-stream.c): CycloneDX `components[]` and SPDX
 * `packages[]` arrive one element at a time, so a million-component SBOM needs
 * the memory of one component. CycloneDX components nest (a fat jar holds its
 * libraries in `components`); nested ones are imported too, down to
 * KB_SBOM_MAX_NESTING levels. Every component is stored with source "sbom",
 * origin = the SBOM's file name (the driver deletes what that file said last
 * time before the import, so re-importing replaces rather than adds), and
 * evidence = "FILE#bom-ref" (CycloneDX) or "FILE#SPDXID" (SPDX).
 *
 * SPDX purls are external references of category PACKAGE-MANAGER; real files
 * also write PACKAGE_MANAGER, and both are accepted. CPEs come from SECURITY
 * references (cpe23Type, cpe22Type) and CycloneDX `cpe`.
 */
#include "json-stream.h"
#include "util-buf.h"

#include <stdlib.h>
#include <string.h>

/* Components inside components: a fat jar in a war in an ear is 3; 16 is far
 * past any real SBOM and well inside KB_JSON_MAX_DEPTH (each level costs two
 * JSON levels: the object and its "components" array). */
#define KB_SBOM_MAX_NESTING 16

struct sbom_state {
	kb_import_ctx *c;
	bool spdx;
	char *format_seen;   /* bomFormat / spdxVersion value */
	char *spec_seen;     /* specVersion */
	kb_buf evidence;
};

static bool want_cdx(const char *key, void *ctx)
{
	(void)ctx;
	return strcmp(key, "bomFormat") == 0 || strcmp(key, "specVersion") == 0 ||
	       strcmp(key, "components") == 0;
}

static bool want_spdx(const char *key, void *ctx)
{
	(void)ctx;
	return strcmp(key, "spdxVersion") == 0 || strcmp(key, "packages") == 0;
}

static bool key_is(const char *key, size_t len, const char *want)
{
	return strlen(want) == len && memcmp(key, want, len) == 0;
}

/* The members the readers use; everything else in a component (licenses,
 * hashes, properties, evidence, ...) is parsed but never built. */
static bool keep_cdx(const char *key, size_t len, void *ctx)
{
	(void)ctx;
	static const char *const keys[] = { "name", "group", "version", "purl", "cpe", "bom-ref", "components" };
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (key_is(key, len, keys[i]))
			return true;
	return false;
}

static bool keep_spdx(const char *key, size_t len, void *ctx)
{
	(void)ctx;
	static const char *const keys[] = { "name",          "versionInfo",   "SPDXID",          "externalRefs",
		                            "referenceCategory", "referenceType", "referenceLocator" };
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (key_is(key, len, keys[i]))
			return true;
	return false;
}

static int put(struct sbom_state *st, kb_jstream *js, json_t *obj, kb_component *comp)
{
	comp->source = KB_SOURCE_SBOM;
	comp->origin = st->c->origin;
	uint64_t line = 0, col = 0;
	kb_jstream_locate(js, obj, &line, &col);
	int r = kb_ledger_put_component_at(st->c->w, st->c->asset_id, comp, line, col, st->c->err);
	if (r < 0)
		return kb_import_written_fail(st->c, r);
	st->c->stats->components++;
	return 0;
}

static int cdx_component(struct sbom_state *st, kb_jstream *js, json_t *obj, int depth)
{
	if (!json_is_object(obj))
		return kb_jstream_fail(js, NULL, KB_EINVAL, "components: expected an object for each component");
	if (depth > KB_SBOM_MAX_NESTING)
		return kb_jstream_fail(js, obj, KB_ELIMIT,
		                       "components nested deeper than the limit of %d levels", KB_SBOM_MAX_NESTING);
	int r = 0;
	const char *name = kb_jstream_string(js, obj, "name", &r);
	const char *group = kb_jstream_string(js, obj, "group", &r);
	const char *version = kb_jstream_string(js, obj, "version", &r);
	const char *purl = kb_jstream_string(js, obj, "purl", &r);
	const char *cpe = kb_jstream_string(js, obj, "cpe", &r);
	const char *ref = kb_jstream_string(js, obj, "bom-ref", &r);
	if (r < 0)
		return r;
	if (!name || !*name)
		return kb_jstream_fail(js, obj, KB_EINVAL, "component: expected a \"name\" (CycloneDX requires one)");
	kb_buf_reset(&st->evidence);
	kb_buf_printf(&st->evidence, "%s%s%s", st->c->origin, ref ? "#" : "", ref ? ref : "");
	char *full = NULL;
	if ((!purl || !*purl) && group && *group) {
		size_t n = strlen(group) + strlen(name) + 2;
		full = malloc(n);
		if (!full)
			return KB_ENOMEM;
		snprintf(full, n, "%s:%s", group, name);
	}
	kb_component comp = {
		.name = (purl && *purl) ? NULL : (full ? full : name),
		.version = version,
		.purl = purl,
		.cpe = cpe,
		.evidence = kb_buf_str(&st->evidence),
	};
	r = put(st, js, obj, &comp);
	free(full);
	if (r < 0)
		return r;
	json_t *kids = json_object_get(obj, "components");
	if (kids && !json_is_null(kids)) {
		if (!json_is_array(kids))
			return kb_jstream_fail(js, obj, KB_EINVAL, "\"components\": expected an array");
		size_t i;
		json_t *k;
		json_array_foreach (kids, i, k) {
			r = cdx_component(st, js, k, depth + 1);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int spdx_package(struct sbom_state *st, kb_jstream *js, json_t *obj)
{
	if (!json_is_object(obj))
		return kb_jstream_fail(js, NULL, KB_EINVAL, "packages: expected an object for each package");
	int r = 0;
	const char *name = kb_jstream_string(js, obj, "name", &r);
	const char *version = kb_jstream_string(js, obj, "versionInfo", &r);
	const char *id = kb_jstream_string(js, obj, "SPDXID", &r);
	if (r < 0)
		return r;
	if (!name || !*name)
		return kb_jstream_fail(js, obj, KB_EINVAL, "package: expected a \"name\" (SPDX requires one)");
	const char *purl = NULL, *cpe = NULL;
	json_t *refs = json_object_get(obj, "externalRefs");
	if (refs && !json_is_array(refs))
		return kb_jstream_fail(js, obj, KB_EINVAL, "\"externalRefs\": expected an array");
	size_t i;
	json_t *ref;
	json_array_foreach (refs, i, ref) {
		if (!json_is_object(ref))
			return kb_jstream_fail(js, obj, KB_EINVAL, "\"externalRefs\": expected objects");
		const char *cat = kb_jstream_string(js, ref, "referenceCategory", &r);
		const char *type = kb_jstream_string(js, ref, "referenceType", &r);
		const char *loc = kb_jstream_string(js, ref, "referenceLocator", &r);
		if (r < 0)
			return r;
		if (!cat || !type || !loc)
			continue;
		if ((strcmp(cat, "PACKAGE-MANAGER") == 0 || strcmp(cat, "PACKAGE_MANAGER") == 0) &&
		    strcmp(type, "purl") == 0 && !purl)
			purl = loc;
		else if (strcmp(cat, "SECURITY") == 0 &&
		         (strcmp(type, "cpe23Type") == 0 || (strcmp(type, "cpe22Type") == 0 && !cpe)))
			cpe = loc;
	}
	kb_buf_reset(&st->evidence);
	kb_buf_printf(&st->evidence, "%s%s%s", st->c->origin, id ? "#" : "", id ? id : "");
	kb_component comp = {
		.name = purl ? NULL : name,
		.version = (version && strcmp(version, "NOASSERTION") != 0) ? version : NULL,
		.purl = purl,
		.cpe = cpe,
		.evidence = kb_buf_str(&st->evidence),
	};
	return put(st, js, obj, &comp);
}

static int remember(kb_jstream *js, const kb_jstream_item *it, char **slot)
{
	if (!json_is_string(it->value))
		return kb_jstream_fail(js, NULL, KB_EFORMAT, "\"%s\": expected a string", it->key);
	free(*slot);
	*slot = strdup(json_string_value(it->value));
	return *slot ? 0 : KB_ENOMEM;
}

static int on_cdx(kb_jstream *js, const kb_jstream_item *it, void *ctx)
{
	struct sbom_state *st = ctx;
	if (strcmp(it->key, "bomFormat") == 0) {
		int r = remember(js, it, &st->format_seen);
		if (r == 0 && strcmp(st->format_seen, "CycloneDX") != 0)
			r = kb_jstream_fail(js, NULL, KB_EFORMAT, "\"bomFormat\": expected \"CycloneDX\", found \"%.40s\"",
			                    st->format_seen);
		return r;
	}
	if (strcmp(it->key, "specVersion") == 0) {
		int r = remember(js, it, &st->spec_seen);
		if (r == 0 && strcmp(st->spec_seen, "1.4") != 0 && strcmp(st->spec_seen, "1.5") != 0 &&
		    strcmp(st->spec_seen, "1.6") != 0)
			r = kb_jstream_fail(js, NULL, KB_EFORMAT,
			                    "\"specVersion\": expected 1.4, 1.5 or 1.6, found \"%.20s\"", st->spec_seen);
		return r;
	}
	if (!it->element)
		return kb_jstream_fail(js, NULL, KB_EINVAL, "\"components\": expected an array");
	return cdx_component(st, js, it->value, 1);
}

static int on_spdx(kb_jstream *js, const kb_jstream_item *it, void *ctx)
{
	struct sbom_state *st = ctx;
	if (strcmp(it->key, "spdxVersion") == 0) {
		int r = remember(js, it, &st->format_seen);
		if (r == 0 && strcmp(st->format_seen, "SPDX-2.3") != 0 && strcmp(st->format_seen, "SPDX-2.2") != 0)
			r = kb_jstream_fail(js, NULL, KB_EFORMAT,
			                    "\"spdxVersion\": expected SPDX-2.3 (or SPDX-2.2), found \"%.20s\"",
			                    st->format_seen);
		return r;
	}
	if (!it->element)
		return kb_jstream_fail(js, NULL, KB_EINVAL, "\"packages\": expected an array");
	return spdx_package(st, js, it->value);
}

static int run(kb_import_ctx *c, bool spdx)
{
	struct sbom_state st = { .c = c, .spdx = spdx };
	kb_buf_init(&st.evidence, 8192);
	int r = kb_jstream_run(c, spdx ? want_spdx : want_cdx, spdx ? keep_spdx : keep_cdx, spdx ? on_spdx : on_cdx,
	                       &st);
	if (r == 0 && !st.format_seen) {
		kb_error_set(c->err, KB_EFORMAT, NULL, 0, 0, KB_NO_OFFSET,
		             spdx ? "expected an SPDX document: no \"spdxVersion\""
		                  : "expected a CycloneDX BOM: no \"bomFormat\": \"CycloneDX\"");
		r = kb_import_locate(c, KB_EFORMAT, 1, 1, KB_NO_OFFSET);
	}
	if (r == 0 && !spdx && !st.spec_seen) {
		kb_error_set(c->err, KB_EFORMAT, NULL, 0, 0, KB_NO_OFFSET,
		             "expected a CycloneDX \"specVersion\" (1.4, 1.5 or 1.6)");
		r = kb_import_locate(c, KB_EFORMAT, 1, 1, KB_NO_OFFSET);
	}
	free(st.format_seen);
	free(st.spec_seen);
	kb_buf_free(&st.evidence);
	return r;
}

int kb_import_cyclonedx(kb_import_ctx *c)
{
	return run(c, false);
}

int kb_import_spdx(kb_import_ctx *c)
{
	return run(c, true);
}
