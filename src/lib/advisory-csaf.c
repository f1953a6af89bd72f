/*
 * advisory-csaf.c - read one CSAF 2.0 document (OASIS csaf-v2.0, what
 * Red Hat, Siemens, Cisco and the national CERTs publish) into kb_advisory.
 *
 * A CSAF document names its products once, in product_tree, and then says
 * per vulnerability what is true of each product id (product_status). The
 * project's model wants the opposite shape: per product (a package, or a
 * vendor's product), which versions are affected. The mapping:
 *
 * Advisory. document.tracking.id is the id; every vulnerabilities[].cve and
 * ids[].text is an alias; document.title (else the first vulnerability's
 * title or summary note) the summary; tracking.initial_release_date and
 * current_release_date are published and modified; a "csaf_withdrawn"
 * document is withdrawn. The CVSS v3 or v4 score with the highest base score
 * over every vulnerability (scores[], and CSAF 2.1 metrics[].content) gives
 * cvss_vector and cvss_score; severity is document.aggregate_severity.text
 * when it is a word koban knows (Critical; Important or High; Moderate or
 * Medium; Low), else the band of that score (9.0 CRITICAL, 7.0 HIGH, 4.0
 * MEDIUM, above 0 LOW).
 *
 * Products. The branches are walked recursively (at most KB_CSAF_MAX_DEPTH
 * deep) carrying what the path says: vendor, product_name, product_family,
 * product_version, product_version_range (other categories, architecture,
 * patch_level, ..., do not change which product it is). A branch's product,
 * full_product_names[] and every relationship's full_product_name define
 * product ids; an id defined twice, or referred to and never defined, makes
 * the document invalid (CSAF's mandatory tests 6.1.1 and 6.1.2) and is an
 * error. A relationship's product (default_component_of, installed_on, ...)
 * *is* its component, product_reference, followed through chained
 * relationships: Red Hat's "AppStream-9.4.0.Z.MAIN:openssl-1:3.0.7-27.el9"
 * is openssl 3.0.7-27.el9, whatever platform it ships on. A product's
 * identity is ecosystem + package from its purl (purl.c's mapping: "pkg:rpm/
 * redhat/openssl" is "Red Hat" / "openssl") when it has one, and vendor +
 * product otherwise: the branch path's vendor and product_name (else
 * product_family), else the cpe's, else (nothing else naming it) its full
 * name as the product. Its version is the purl's, else the product_version
 * branch, else the cpe's. The purl's epoch qualifier is not folded into the
 * version: the ledger's components carry purl versions as written, and
 * "1:3.0.7" against "3.0.7-30" would always find the advisory's newer.
 *
 * Entries. Per vulnerability, the products it speaks of are grouped by
 * identity, and each group becomes one kb_advisory_affected; a group whose
 * statements equal those of an earlier vulnerability's group (Red Hat lists
 * the same fixed packages under every CVE of an RHSA) is not repeated. One
 * entry per vulnerability, not one per product for the whole document,
 * because the vulnerabilities disagree: 17.1.2 may be the fix of one CVE and
 * affected by the next, and the exposure engine already combines entries the
 * right way (worst status, largest move-to). Statuses:
 *
 *   known_affected, first_affected, last_affected   affected
 *   fixed, first_fixed, recommended                 unaffected (fixed)
 *   known_not_affected                              unaffected
 *   under_investigation                             nothing: the default, unknown
 *   vendor_fix remediation                          fixed, for a product with a
 *                                                   version and no status here
 *
 * A product with a version adds that exact version to `match` (affected) or
 * to `unaffected`. Ranges are then built from the versions, the way a vendor
 * means them, without claiming more than the document says:
 *   - an affected version followed (in version order) by a fixed one gives
 *     the range introduced at the affected version, fixed at the fixed one
 *     (known_affected 17.1.0, fixed 17.1.3: 17.1.1.3 is affected, and moves
 *     to 17.1.3); a last_affected version closes a range the same way, as
 *     last_affected (and, alone, covers its branch up to itself: the spec
 *     says later releases carry the fix); a first_affected version with
 *     nothing after it opens a range with no end ("first affected of the
 *     release");
 *   - a known_affected version with nothing after it stays an exact version:
 *     a list of known affected versions says nothing of later ones;
 *   - for vendor dotted numbers (the INTDOT scheme: F5's 17.5.1.3) this is
 *     done per branch (major.minor) when the document speaks per branch,
 *     that is when some branch has both an affected version and its fix:
 *     then 16.1 with no fix is never "fixed" by 17.1.3, 17.0, never
 *     mentioned, stays unknown, and an open range ends at the next branch
 *     (limit 16.2). Otherwise the versions are one line ("1.0 affected, 1.2
 *     fixed": 1.1 is affected);
 *   - a product named affected with no version (Red Hat's "RHEL 8: openssl,
 *     affected, no fix yet") is affected from the beginning up to each fixed
 *     version, or everywhere when nothing is fixed. On one line every fix
 *     gets its own range from the beginning: a fix on one stream (el8) must
 *     not end another's (el9). Per branch (fixes on two INTDOT branches),
 *     each branch the document names is affected from its start up to its
 *     fix, or to the next branch;
 *   - a fixed version with nothing affected before it says only that it is
 *     fixed: an advisory that lists fixed packages alone (an RHSA) leaves
 *     older versions unknown rather than guessed affected.
 * product_version_range is read as vers (advisory-vers.c) or, when it is only
 * comparators and versions ("< 17.1.3", ">=2.0, <2.5"), as the same
 * constraints. An affected vers range becomes one range of its own; the
 * versions it excludes ("!=", and the bound of ">") are added to
 * `unaffected`, since the vendor took them out of what it calls affected; an
 * affected range open above is closed by the smallest fixed version above its
 * start (across branches: the vendor's own range spans them, and the fix only
 * narrows it). An unaffected vers range becomes an unaffected range, unless
 * it excludes versions: an unaffected range cannot leave a version out, so
 * it is kept as text. Text that is neither ("17.x", "all versions before
 * 17.1.3") is never guessed at: it is kept whole in `statement`
 * ("known_affected: all versions before 17.1.3") and the entry's
 * default_status is UNKNOWN; free text that was read is kept there too.
 *
 * Default status: UNAFFECTED when every statement of the group is an
 * unaffected one without a version or range ("product X is not affected");
 * UNKNOWN otherwise. CSAF says nothing of a version it does not list, and
 * F5-style "not evaluated" is not "not affected".
 *
 * Scheme: the purl's ecosystem's (kb_vscheme_for_ecosystem); else the first
 * vers range with a type koban knows ("vers:maven/..."); else INTDOT when
 * every version of the group is dotted numbers, GENERIC otherwise. A vers
 * range of another known ordering than the group's cannot be compared with
 * its versions and is kept as text.
 *
 * Bounds: KB_CSAF_MAX_DEPTH, KB_CSAF_MAX_PRODUCTS, KB_CSAF_MAX_VULNERABILITIES,
 * KB_CSAF_MAX_STATUSES (references over the whole document, product groups
 * expanded, so that a small document cannot name a large group a million
 * times), KB_ADVISORY_MAX_AFFECTED entries, KB_ADVISORY_MAX_RANGES ranges and
 * versions per entry, the vers limits, and product versions longer than
 * KB_VERSION_MAX_LEN (which could never be compared) are errors. Product ids
 * are found through a jansson object used as a hash table, so the work is
 * near-linear in the document.
 */
#include "advisory-internal.h"
#include "advisory-vers.h"

#include "koban/purl.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NONE SIZE_MAX

/* What product_status (or a vendor_fix remediation) says of a product. */
enum kind { K_AFFECTED, K_FIRST_AFFECTED, K_LAST_AFFECTED, K_FIXED, K_NOT_AFFECTED, K_INVESTIGATING, K_REMEDY };

static const struct {
	const char *key;
	enum kind kind;
} statuses[] = {
	{ "known_affected", K_AFFECTED },
	{ "first_affected", K_FIRST_AFFECTED },
	{ "last_affected", K_LAST_AFFECTED },
	{ "fixed", K_FIXED },
	{ "first_fixed", K_FIXED },
	{ "recommended", K_FIXED },
	{ "known_not_affected", K_NOT_AFFECTED },
	{ "under_investigation", K_INVESTIGATING },
	{ "vendor_fix", K_REMEDY }, /* remediations[], not product_status */
};
#define N_PRODUCT_STATUSES 8 /* the entries above that are product_status lists */
#define S_REMEDY 8

static bool affected_kind(enum kind k)
{
	return k == K_AFFECTED || k == K_FIRST_AFFECTED || k == K_LAST_AFFECTED;
}

/* A product the tree defines. Strings point into the JSON tree unless said. */
typedef struct product {
	const char *id, *name;
	const char *vendor, *product, *family, *version, *range; /* from the branch path */
	const char *purl, *cpe;
	size_t ref;    /* a relationship's product: the product_reference's index; NONE otherwise */
	size_t marked; /* 1 + the vulnerability whose product_status names it */
	bool resolved; /* the fields below are filled */
	const char *eco, *pkg, *pversion;                    /* from the purl; advisory-owned */
	const char *cpe_vendor, *cpe_product, *cpe_version; /* from the cpe; advisory-owned */
} product;

/* One reference of a vulnerability: product group (slot), component, status. */
typedef struct ref {
	size_t slot, comp;
	unsigned status;
} ref;

/* A version with what was said of it, for building ranges. */
enum pkind { P_START, P_OPEN, P_FIRST, P_LAST, P_FIX }; /* order breaks ties */
typedef struct point {
	const char *v;
	enum pkind kind;
	unsigned long maj, min; /* the INTDOT branch */
} point;

typedef struct csaf {
	kb_adv_reader o;
	product *prods;
	size_t n_prods, cap_prods;
	json_t *ids;     /* product_id → index in prods */
	json_t *groups;  /* product_group_id → its product_ids (borrowed) */
	json_t *seen;    /* signatures of the entries kept */
	json_t *aliased; /* aliases kept */
	json_t *slot_of; /* this vulnerability: identity key → slot */
	json_t *texts;   /* this entry: the pieces of its statement */
	size_t n_slots;
	ref *refs;
	size_t n_refs, cap_refs, total_refs;
	kb_advisory_affected *entries;
	size_t n_entries, cap_entries;
	const char **aliases;
	size_t n_aliases, cap_aliases;
	const char *agg_severity;
	double best_score;
	int best_cvss; /* 0 none, 3, 4 */
	kb_buf buf;    /* keys and signatures */
	kb_buf text;   /* an entry's statement */
	/* building one entry; reused */
	const char **mv, **uv;
	size_t n_mv, cap_mv, n_uv, cap_uv;
	kb_range *mr, *ur;
	size_t n_mr, cap_mr, n_ur, cap_ur;
	point *pts;
	size_t n_pts, cap_pts;
	size_t *open_rg; /* affected vers ranges open above (indices into mr) */
	size_t n_open, cap_open;
} csaf;

static int grow_(void **p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap : 16;
	while (n < need)
		n *= 2;
	void *q = realloc(*p, n * size);
	if (!q)
		return KB_ENOMEM;
	*p = q;
	*cap = n;
	return 0;
}
#define GROW(arr, cap, need) grow_((void **)&(arr), &(cap), (need), sizeof *(arr))

/* A copy of s[0..n) owned by the advisory. */
static const char *own(csaf *c, const char *s, size_t n)
{
	char *p = kb_adv_alloc(c->o.a, n + 1, 1);
	if (p)
		memcpy(p, s, n);
	return p;
}

/* kb_adv_bad() with a formatted message. */
static int badf(csaf *c, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int badf(csaf *c, int code, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return kb_adv_bad(&c->o, code, msg);
}

/* ---- the product tree -------------------------------------------------------- */

struct path {
	const char *vendor, *product, *family, *version, *range;
};

static int check_purl(csaf *c, const char *purl)
{
	kb_purl *p = NULL;
	kb_error e;
	kb_error_clear(&e);
	size_t m;
	kb_jpath_key(&c->o.path, "purl", &m);
	int r = kb_purl_parse(purl, strlen(purl), &p, &e);
	if (r < 0)
		r = badf(c, r == KB_ELIMIT ? KB_ELIMIT : KB_EINVAL, "not a valid purl: %s", e.msg);
	else if (p->version && strlen(p->version) > KB_VERSION_MAX_LEN)
		r = badf(c, KB_ELIMIT, "a version longer than the limit of %d bytes", KB_VERSION_MAX_LEN);
	kb_purl_free(p);
	kb_jpath_back(&c->o.path, m);
	return r;
}

/* Define the product of a full_product_name object; *ret (may be NULL) is its index. */
static int define_product(csaf *c, json_t *fpn, const struct path *pa, size_t *ret)
{
	kb_adv_reader *o = &c->o;
	if (!json_is_object(fpn))
		return kb_adv_bad(o, KB_EINVAL, "expected a product object");
	int r = 0;
	const char *id = kb_adv_str(o, fpn, "product_id", &r);
	const char *name = kb_adv_str(o, fpn, "name", &r);
	if (r < 0)
		return r;
	if (!id || !*id)
		return kb_adv_bad(o, KB_EINVAL, "expected \"product_id\"");
	const char *purl = NULL, *cpe = NULL;
	json_t *helper = json_object_get(fpn, "product_identification_helper");
	if (helper && !json_is_null(helper)) {
		size_t m;
		kb_jpath_key(&o->path, "product_identification_helper", &m);
		if (!json_is_object(helper))
			r = kb_adv_bad(o, KB_EINVAL, "expected an object");
		if (r == 0) {
			purl = kb_adv_str(o, helper, "purl", &r);
			cpe = kb_adv_str(o, helper, "cpe", &r);
		}
		json_t *purls = json_object_get(helper, "purls"); /* CSAF 2.1: a list; the first is the product */
		if (r == 0 && !purl && purls && !json_is_null(purls)) {
			size_t mp;
			kb_jpath_key(&o->path, "purls", &mp);
			json_t *p0 = json_array_get(purls, 0);
			if (!json_is_array(purls) || (p0 && !json_is_string(p0)))
				r = kb_adv_bad(o, KB_EINVAL, "expected an array of strings");
			else if (json_array_size(purls))
				purl = json_string_value(json_array_get(purls, 0));
			kb_jpath_back(&o->path, mp);
		}
		if (r == 0 && purl)
			r = check_purl(c, purl);
		kb_jpath_back(&o->path, m);
		if (r < 0)
			return r;
	}
	if (pa->version && strlen(pa->version) > KB_VERSION_MAX_LEN)
		return badf(c, KB_ELIMIT, "product \"%.80s\": a version longer than the limit of %d bytes", id,
		            KB_VERSION_MAX_LEN);
	if (json_object_get(c->ids, id))
		return badf(c, KB_EINVAL, "product id \"%.80s\" is defined twice", id);
	if (c->n_prods == KB_CSAF_MAX_PRODUCTS)
		return badf(c, KB_ELIMIT, "more products than the limit of %d", KB_CSAF_MAX_PRODUCTS);
	if (GROW(c->prods, c->cap_prods, c->n_prods + 1) < 0)
		return KB_ENOMEM;
	size_t i = c->n_prods;
	c->prods[i] = (product){ .id = id, .name = name, .vendor = pa->vendor, .product = pa->product,
		                 .family = pa->family, .version = pa->version, .range = pa->range,
		                 .purl = purl, .cpe = cpe, .ref = NONE };
	json_t *ix = json_integer((json_int_t)i);
	if (!ix || json_object_set_new_nocheck(c->ids, id, ix) < 0)
		return KB_ENOMEM;
	c->n_prods++;
	if (ret)
		*ret = i;
	return 0;
}

static int walk(csaf *c, json_t *branches, const struct path *pa, unsigned depth);

static int walk_one(csaf *c, json_t *b, const struct path *pa, unsigned depth)
{
	kb_adv_reader *o = &c->o;
	if (!json_is_object(b))
		return kb_adv_bad(o, KB_EINVAL, "expected a branch object");
	int r = 0;
	const char *category = kb_adv_str(o, b, "category", &r);
	const char *name = kb_adv_str(o, b, "name", &r);
	if (r < 0)
		return r;
	if (!category || !name)
		return kb_adv_bad(o, KB_EINVAL, "expected \"category\" and \"name\"");
	struct path sub = *pa;
	if (strcmp(category, "vendor") == 0) {
		sub.vendor = name;
	} else if (strcmp(category, "product_name") == 0) {
		sub.product = name;
	} else if (strcmp(category, "product_family") == 0) {
		sub.family = name;
	} else if (strcmp(category, "product_version") == 0) {
		sub.version = name;
		sub.range = NULL;
	} else if (strcmp(category, "product_version_range") == 0) {
		sub.range = name;
		sub.version = NULL;
	}
	json_t *prod = json_object_get(b, "product");
	if (prod && !json_is_null(prod)) {
		size_t m;
		kb_jpath_key(&o->path, "product", &m);
		r = define_product(c, prod, &sub, NULL);
		kb_jpath_back(&o->path, m);
	}
	json_t *kids = json_object_get(b, "branches");
	if (r == 0 && kids && !json_is_null(kids)) {
		size_t m;
		kb_jpath_key(&o->path, "branches", &m);
		r = walk(c, kids, &sub, depth + 1);
		kb_jpath_back(&o->path, m);
	}
	return r;
}

static int walk(csaf *c, json_t *branches, const struct path *pa, unsigned depth)
{
	if (depth > KB_CSAF_MAX_DEPTH)
		return badf(c, KB_ELIMIT, "branches nested deeper than the limit of %d", KB_CSAF_MAX_DEPTH);
	if (!json_is_array(branches))
		return kb_adv_bad(&c->o, KB_EINVAL, "expected an array of branches");
	size_t i;
	json_t *b;
	int r = 0;
	json_array_foreach (branches, i, b) {
		size_t m;
		kb_jpath_index(&c->o.path, i, &m);
		r = walk_one(c, b, pa, depth);
		kb_jpath_back(&c->o.path, m);
		if (r < 0)
			break;
	}
	return r;
}

/* The index of a defined product id at obj[key], or an error naming it. */
static int lookup(csaf *c, json_t *v, size_t *ret)
{
	if (!json_is_string(v))
		return kb_adv_bad(&c->o, KB_EINVAL, "expected a product id");
	json_t *ix = json_object_get(c->ids, json_string_value(v));
	if (!ix)
		return badf(c, KB_EINVAL, "product id \"%.80s\" is not defined in product_tree", json_string_value(v));
	*ret = (size_t)json_integer_value(ix);
	return 0;
}

static int lookup_key(csaf *c, json_t *obj, const char *key, size_t *ret)
{
	size_t m;
	kb_jpath_key(&c->o.path, key, &m);
	json_t *v = json_object_get(obj, key);
	int r = v ? lookup(c, v, ret) : badf(c, KB_EINVAL, "expected a product id");
	kb_jpath_back(&c->o.path, m);
	return r;
}

static int read_relationships(csaf *c, json_t *rels)
{
	kb_adv_reader *o = &c->o;
	if (!json_is_array(rels))
		return kb_adv_bad(o, KB_EINVAL, "expected an array");
	size_t n = json_array_size(rels), i;
	size_t *idx = malloc((n ? n : 1) * sizeof *idx);
	if (!idx)
		return KB_ENOMEM;
	int r = 0;
	json_t *rel;
	static const struct path none;
	/* first define every relationship's product: they may refer to one another */
	json_array_foreach (rels, i, rel) {
		size_t m;
		kb_jpath_index(&o->path, i, &m);
		const char *cat = NULL;
		if (!json_is_object(rel))
			r = kb_adv_bad(o, KB_EINVAL, "expected a relationship object");
		else
			cat = kb_adv_str(o, rel, "category", &r);
		if (r == 0 && !cat)
			r = kb_adv_bad(o, KB_EINVAL, "expected \"category\"");
		if (r == 0) {
			size_t mf;
			kb_jpath_key(&o->path, "full_product_name", &mf);
			r = define_product(c, json_object_get(rel, "full_product_name"), &none, &idx[i]);
			kb_jpath_back(&o->path, mf);
		}
		kb_jpath_back(&o->path, m);
		if (r < 0)
			break;
	}
	/* then resolve the references */
	json_array_foreach (rels, i, rel) {
		if (r < 0)
			break;
		size_t m, comp, platform;
		kb_jpath_index(&o->path, i, &m);
		r = lookup_key(c, rel, "product_reference", &comp);
		if (r == 0)
			r = lookup_key(c, rel, "relates_to_product_reference", &platform);
		if (r == 0)
			c->prods[idx[i]].ref = comp;
		kb_jpath_back(&o->path, m);
	}
	/* chains are bounded, and so never cycle */
	for (i = 0; r == 0 && i < n; i++) {
		size_t j = idx[i], steps = 0;
		while (c->prods[j].ref != NONE && steps <= KB_CSAF_MAX_DEPTH) {
			j = c->prods[j].ref;
			steps++;
		}
		if (steps > KB_CSAF_MAX_DEPTH) {
			size_t m;
			kb_jpath_index(&o->path, i, &m);
			r = badf(c, KB_ELIMIT, "relationships chained deeper than the limit of %d (or in a cycle)",
			         KB_CSAF_MAX_DEPTH);
			kb_jpath_back(&o->path, m);
		}
	}
	free(idx);
	return r;
}

static int read_groups(csaf *c, json_t *groups)
{
	kb_adv_reader *o = &c->o;
	if (!json_is_array(groups))
		return kb_adv_bad(o, KB_EINVAL, "expected an array");
	size_t i;
	json_t *g;
	int r = 0;
	json_array_foreach (groups, i, g) {
		size_t m;
		kb_jpath_index(&o->path, i, &m);
		const char *gid = json_is_object(g) ? kb_adv_str(o, g, "group_id", &r) : NULL;
		json_t *ids = json_object_get(g, "product_ids");
		if (r < 0) {
		} else if (!json_is_object(g)) {
			r = kb_adv_bad(o, KB_EINVAL, "expected a product group object");
		} else if (!gid || !*gid) {
			r = kb_adv_bad(o, KB_EINVAL, "expected \"group_id\"");
		} else {
			size_t mk;
			kb_jpath_key(&o->path, "product_ids", &mk);
			if (!json_is_array(ids))
				r = kb_adv_bad(o, KB_EINVAL, "expected an array of product ids");
			size_t k, x;
			json_t *id;
			json_array_foreach (ids, k, id) {
				if (r < 0)
					break;
				size_t mi;
				kb_jpath_index(&o->path, k, &mi);
				r = lookup(c, id, &x);
				kb_jpath_back(&o->path, mi);
			}
			kb_jpath_back(&o->path, mk);
			if (r == 0 && json_object_get(c->groups, gid))
				r = badf(c, KB_EINVAL, "product group \"%.80s\" is defined twice", gid);
			if (r == 0 && json_object_set_nocheck(c->groups, gid, ids) < 0)
				r = KB_ENOMEM;
		}
		kb_jpath_back(&o->path, m);
		if (r < 0)
			break;
	}
	return r;
}

static int read_product_tree(csaf *c, json_t *tree)
{
	kb_adv_reader *o = &c->o;
	if (!tree || json_is_null(tree))
		return 0;
	size_t m;
	kb_jpath_key(&o->path, "product_tree", &m);
	int r = 0;
	static const struct path none;
	if (!json_is_object(tree))
		r = kb_adv_bad(o, KB_EINVAL, "expected an object");
	json_t *branches = json_object_get(tree, "branches");
	if (r == 0 && branches && !json_is_null(branches)) {
		size_t mb;
		kb_jpath_key(&o->path, "branches", &mb);
		r = walk(c, branches, &none, 1);
		kb_jpath_back(&o->path, mb);
	}
	json_t *fpns = json_object_get(tree, "full_product_names");
	if (r == 0 && fpns && !json_is_null(fpns)) {
		size_t mf;
		kb_jpath_key(&o->path, "full_product_names", &mf);
		if (!json_is_array(fpns))
			r = kb_adv_bad(o, KB_EINVAL, "expected an array");
		size_t i;
		json_t *f;
		json_array_foreach (fpns, i, f) {
			if (r < 0)
				break;
			size_t mi;
			kb_jpath_index(&o->path, i, &mi);
			r = define_product(c, f, &none, NULL);
			kb_jpath_back(&o->path, mi);
		}
		kb_jpath_back(&o->path, mf);
	}
	json_t *rels = json_object_get(tree, "relationships");
	if (r == 0 && rels && !json_is_null(rels)) {
		size_t mr;
		kb_jpath_key(&o->path, "relationships", &mr);
		r = read_relationships(c, rels);
		kb_jpath_back(&o->path, mr);
	}
	json_t *groups = json_object_get(tree, "product_groups");
	if (r == 0 && groups && !json_is_null(groups)) {
		size_t mg;
		kb_jpath_key(&o->path, "product_groups", &mg);
		r = read_groups(c, groups);
		kb_jpath_back(&o->path, mg);
	}
	kb_jpath_back(&o->path, m);
	return r;
}

/* ---- a product's identity ---------------------------------------------------- */

/* Vendor, product and version of a CPE 2.3 formatted string ("cpe:2.3:a:f5:
 * big-ip:17.1.0:*:...") or a CPE 2.2 URI ("cpe:/a:redhat:enterprise_linux:9");
 * "*", "-" and empty fields name nothing. */
static int split_cpe(csaf *c, product *p)
{
	const char *s = p->cpe;
	bool uri;
	if (strncasecmp(s, "cpe:2.3:", 8) == 0)
		s += 8, uri = false;
	else if (strncasecmp(s, "cpe:/", 5) == 0)
		s += 5, uri = true;
	else
		return 0;
	const char **out[] = { NULL, &p->cpe_vendor, &p->cpe_product, &p->cpe_version };
	for (size_t f = 0; f < 4 && *s; f++) {
		kb_buf_reset(&c->buf);
		int r = 0;
		for (; *s && *s != ':' && r == 0; s++) {
			char ch = *s;
			if (!uri && ch == '\\' && s[1]) {
				ch = *++s;
			} else if (uri && ch == '%' && isxdigit((unsigned char)s[1]) && isxdigit((unsigned char)s[2])) {
				char hex[3] = { s[1], s[2], 0 };
				ch = (char)strtol(hex, NULL, 16);
				s += 2;
			}
			r = ch ? kb_buf_putc(&c->buf, ch) : 0;
		}
		if (r < 0)
			return r;
		if (*s == ':')
			s++;
		const char *v = kb_buf_str(&c->buf);
		if (!out[f] || !*v || strcmp(v, "*") == 0 || strcmp(v, "-") == 0)
			continue;
		if (!(*out[f] = own(c, v, c->buf.len)))
			return KB_ENOMEM;
	}
	return 0;
}

/* The component a product is (relationships followed), with its identity filled. */
static int resolve(csaf *c, size_t i, size_t *ret)
{
	size_t j = i;
	while (c->prods[j].ref != NONE) /* bounded by read_relationships() */
		j = c->prods[j].ref;
	product *p = &c->prods[j];
	if (!p->resolved) {
		if (p->purl) {
			kb_purl *pu = NULL;
			char *pkg = NULL;
			/* valid: define_product() checked it */
			int r = kb_purl_parse(p->purl, strlen(p->purl), &pu, NULL);
			if (r == 0)
				r = kb_purl_package_name(pu, &pkg);
			if (r == 0) {
				const char *eco = kb_purl_ecosystem(pu);
				p->eco = own(c, eco, strlen(eco));
				p->pkg = own(c, pkg, strlen(pkg));
				p->pversion = pu->version ? own(c, pu->version, strlen(pu->version)) : NULL;
				if (!p->eco || !p->pkg || (pu->version && !p->pversion))
					r = KB_ENOMEM;
			}
			free(pkg);
			kb_purl_free(pu);
			if (r < 0)
				return r;
		}
		if (p->cpe) {
			int r = split_cpe(c, p);
			if (r < 0)
				return r;
		}
		if (p->cpe_version && strlen(p->cpe_version) > KB_VERSION_MAX_LEN)
			p->cpe_version = NULL; /* could never be compared; the cpe is a hint only */
		p->resolved = true;
	}
	*ret = j;
	return 0;
}

static const char *p_vendor(const product *p)
{
	return p->vendor ? p->vendor : p->cpe_vendor;
}

static const char *p_product(const product *p)
{
	if (p->product)
		return p->product;
	if (p->family)
		return p->family;
	if (p->cpe_product)
		return p->cpe_product;
	return p->eco || p_vendor(p) ? NULL : p->name;
}

static const char *p_version(const product *p)
{
	return p->pversion ? p->pversion : p->version ? p->version : p->range ? NULL : p->cpe_version;
}

static int put_lower(kb_buf *b, const char *s, size_t n)
{
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++)
		r = kb_buf_putc(b, (char)tolower((unsigned char)s[i]));
	return r;
}

/* The key that groups products of one identity ("p\x1fred hat\x1fopenssl"). */
static int identity_key(csaf *c, const product *p)
{
	kb_buf_reset(&c->buf);
	const char *a = p->eco ? p->eco : p_vendor(p), *b = p->eco ? p->pkg : p_product(p);
	int r = kb_buf_puts(&c->buf, p->eco ? "p\x1f" : "v\x1f");
	if (r == 0 && a)
		r = put_lower(&c->buf, a, p->eco ? strcspn(a, ":") : strlen(a));
	if (r == 0)
		r = kb_buf_putc(&c->buf, '\x1f');
	if (r == 0 && b)
		r = put_lower(&c->buf, b, strlen(b));
	return r;
}

/* ---- one vulnerability ------------------------------------------------------- */

/* Count one product reference (every one visited, groups expanded). */
static int count_ref(csaf *c)
{
	if (++c->total_refs > KB_CSAF_MAX_STATUSES)
		return badf(c, KB_ELIMIT, "more product references than the limit of %d", KB_CSAF_MAX_STATUSES);
	return 0;
}

static int add_ref(csaf *c, size_t i, unsigned status)
{
	size_t comp;
	int r = resolve(c, i, &comp);
	if (r == 0)
		r = identity_key(c, &c->prods[comp]);
	if (r < 0)
		return r;
	const char *key = kb_buf_str(&c->buf);
	json_t *s = json_object_get(c->slot_of, key);
	size_t slot;
	if (s) {
		slot = (size_t)json_integer_value(s);
	} else {
		slot = c->n_slots++;
		json_t *ix = json_integer((json_int_t)slot);
		if (!ix || json_object_set_new_nocheck(c->slot_of, key, ix) < 0)
			return KB_ENOMEM;
	}
	if (GROW(c->refs, c->cap_refs, c->n_refs + 1) < 0)
		return KB_ENOMEM;
	c->refs[c->n_refs++] = (ref){ slot, comp, status };
	return 0;
}

/* Each product id of the array obj[key] (absent: none), with `fn`. */
static int each_id(csaf *c, json_t *obj, const char *key, size_t vi, unsigned status, bool groups)
{
	json_t *arr = json_object_get(obj, key);
	if (!arr || json_is_null(arr))
		return 0;
	size_t m;
	kb_jpath_key(&c->o.path, key, &m);
	int r = 0;
	if (!json_is_array(arr))
		r = kb_adv_bad(&c->o, KB_EINVAL, groups ? "expected an array of product group ids"
		                                        : "expected an array of product ids");
	size_t k;
	json_t *v;
	json_array_foreach (arr, k, v) {
		if (r < 0)
			break;
		size_t mi;
		kb_jpath_index(&c->o.path, k, &mi);
		if (groups) {
			json_t *members = json_is_string(v) ? json_object_get(c->groups, json_string_value(v)) : NULL;
			if (!json_is_string(v))
				r = kb_adv_bad(&c->o, KB_EINVAL, "expected a product group id");
			else if (!members)
				r = badf(c, KB_EINVAL, "product group \"%.80s\" is not defined in product_tree",
				         json_string_value(v));
			size_t g;
			json_t *id;
			json_array_foreach (members, g, id) {
				if (r < 0)
					break;
				size_t x = (size_t)json_integer_value(json_object_get(c->ids, json_string_value(id)));
				r = count_ref(c);
				if (r == 0 && c->prods[x].marked != vi + 1)
					r = add_ref(c, x, status);
			}
		} else {
			size_t x;
			r = lookup(c, v, &x);
			if (r == 0)
				r = count_ref(c);
			if (r == 0 && status == S_REMEDY) {
				if (c->prods[x].marked != vi + 1)
					r = add_ref(c, x, status);
			} else if (r == 0) {
				c->prods[x].marked = vi + 1;
				r = add_ref(c, x, status);
			}
		}
		kb_jpath_back(&c->o.path, mi);
	}
	kb_jpath_back(&c->o.path, m);
	return r;
}

static int add_alias(csaf *c, const char *s)
{
	if (!s || !*s || strcmp(s, c->o.a->id) == 0 || json_object_get(c->aliased, s))
		return 0;
	if (json_object_set_new_nocheck(c->aliased, s, json_true()) < 0 ||
	    GROW(c->aliases, c->cap_aliases, c->n_aliases + 1) < 0)
		return KB_ENOMEM;
	c->aliases[c->n_aliases++] = s;
	return 0;
}

/* A CVSS v3 or v4 object: keep it when its base score is the highest yet.
 * Scores are informative: a malformed one is passed over, not fatal. */
static void read_cvss(csaf *c, json_t *cv, int version)
{
	json_t *score = json_object_get(cv, "baseScore"), *vec = json_object_get(cv, "vectorString");
	if (!json_is_number(score))
		return;
	double s = json_number_value(score);
	if (!(s >= 0 && s <= 10))
		return;
	if (c->best_cvss && (s < c->best_score || (s == c->best_score && version <= c->best_cvss)))
		return;
	c->best_score = s;
	c->best_cvss = version;
	c->o.a->cvss_score = s;
	c->o.a->cvss_vector = json_is_string(vec) ? json_string_value(vec) : NULL;
}

static void read_scores(csaf *c, json_t *v)
{
	size_t i;
	json_t *s;
	json_array_foreach (json_object_get(v, "scores"), i, s) {
		read_cvss(c, json_object_get(s, "cvss_v3"), 3);
		read_cvss(c, json_object_get(s, "cvss_v4"), 4);
	}
	json_array_foreach (json_object_get(v, "metrics"), i, s) { /* CSAF 2.1 */
		json_t *content = json_object_get(s, "content");
		read_cvss(c, json_object_get(content, "cvss_v3"), 3);
		read_cvss(c, json_object_get(content, "cvss_v4"), 4);
	}
}

static int build_slot(csaf *c, const ref *rs, size_t n, kb_advisory_affected *out);

static int ref_cmp(const void *x, const void *y)
{
	const ref *a = x, *b = y;
	if (a->slot != b->slot)
		return a->slot < b->slot ? -1 : 1;
	if (a->comp != b->comp)
		return a->comp < b->comp ? -1 : 1;
	return (a->status > b->status) - (a->status < b->status);
}

/* Turn this vulnerability's references into entries, one per identity. */
static int finish_vulnerability(csaf *c)
{
	if (c->n_refs)
		qsort(c->refs, c->n_refs, sizeof *c->refs, ref_cmp);
	size_t n = 0; /* unique */
	for (size_t i = 0; i < c->n_refs; i++)
		if (n == 0 || ref_cmp(&c->refs[n - 1], &c->refs[i]) != 0)
			c->refs[n++] = c->refs[i];
	int r = 0;
	for (size_t a = 0, b; a < n && r == 0; a = b) {
		for (b = a; b < n && c->refs[b].slot == c->refs[a].slot; b++)
			;
		/* the signature: identity and what is said of which component */
		r = identity_key(c, &c->prods[c->refs[a].comp]);
		for (size_t k = a; k < b && r == 0; k++)
			r = kb_buf_printf(&c->buf, "\x1e%zu:%u", c->refs[k].comp, c->refs[k].status);
		if (r < 0)
			break;
		if (json_object_get(c->seen, kb_buf_str(&c->buf)))
			continue;
		if (json_object_set_new_nocheck(c->seen, kb_buf_str(&c->buf), json_true()) < 0)
			return KB_ENOMEM;
		if (c->n_entries == KB_ADVISORY_MAX_AFFECTED)
			return badf(c, KB_ELIMIT, "more affected entries than the limit of %d",
			            KB_ADVISORY_MAX_AFFECTED);
		if (GROW(c->entries, c->cap_entries, c->n_entries + 1) < 0)
			return KB_ENOMEM;
		kb_advisory_affected *e = &c->entries[c->n_entries];
		*e = (kb_advisory_affected){ 0 };
		r = build_slot(c, c->refs + a, b - a, e);
		if (r == 0)
			c->n_entries++;
	}
	c->n_refs = 0;
	c->n_slots = 0;
	json_object_clear(c->slot_of);
	return r;
}

static int read_vulnerability(csaf *c, json_t *v, size_t vi)
{
	kb_adv_reader *o = &c->o;
	if (!json_is_object(v))
		return kb_adv_bad(o, KB_EINVAL, "expected a vulnerability object");
	int r = 0;
	const char *cve = kb_adv_str(o, v, "cve", &r);
	const char *title = kb_adv_str(o, v, "title", &r);
	if (r == 0)
		r = add_alias(c, cve);
	json_t *ids = json_object_get(v, "ids");
	if (r == 0 && ids && !json_is_null(ids)) {
		size_t m;
		kb_jpath_key(&o->path, "ids", &m);
		if (!json_is_array(ids))
			r = kb_adv_bad(o, KB_EINVAL, "expected an array");
		size_t i;
		json_t *id;
		json_array_foreach (ids, i, id) {
			if (r < 0)
				break;
			size_t mi;
			kb_jpath_index(&o->path, i, &mi);
			const char *text = json_is_object(id) ? kb_adv_str(o, id, "text", &r) : NULL;
			if (r == 0 && !text)
				r = kb_adv_bad(o, KB_EINVAL, "expected an object with \"text\"");
			if (r == 0)
				r = add_alias(c, text);
			kb_jpath_back(&o->path, mi);
		}
		kb_jpath_back(&o->path, m);
	}
	if (r == 0 && !o->a->summary) {
		o->a->summary = title;
		size_t i;
		json_t *note;
		json_array_foreach (json_object_get(v, "notes"), i, note) {
			json_t *cat = json_object_get(note, "category"), *text = json_object_get(note, "text");
			if (!o->a->summary && json_is_string(cat) && strcmp(json_string_value(cat), "summary") == 0 &&
			    json_is_string(text))
				o->a->summary = json_string_value(text);
		}
	}
	read_scores(c, v);
	json_t *ps = json_object_get(v, "product_status");
	if (r == 0 && ps && !json_is_null(ps)) {
		size_t m;
		kb_jpath_key(&o->path, "product_status", &m);
		if (!json_is_object(ps))
			r = kb_adv_bad(o, KB_EINVAL, "expected an object");
		for (unsigned s = 0; r == 0 && s < N_PRODUCT_STATUSES; s++)
			r = each_id(c, ps, statuses[s].key, vi, s, false);
		kb_jpath_back(&o->path, m);
	}
	json_t *rems = json_object_get(v, "remediations");
	if (r == 0 && rems && !json_is_null(rems)) {
		size_t m;
		kb_jpath_key(&o->path, "remediations", &m);
		if (!json_is_array(rems))
			r = kb_adv_bad(o, KB_EINVAL, "expected an array");
		size_t i;
		json_t *rem;
		json_array_foreach (rems, i, rem) {
			if (r < 0)
				break;
			size_t mi;
			kb_jpath_index(&o->path, i, &mi);
			const char *cat = json_is_object(rem) ? kb_adv_str(o, rem, "category", &r) : NULL;
			if (r < 0) {
			} else if (!json_is_object(rem)) {
				r = kb_adv_bad(o, KB_EINVAL, "expected a remediation object");
			} else if (cat && strcmp(cat, "vendor_fix") == 0) {
				r = each_id(c, rem, "product_ids", vi, S_REMEDY, false);
				if (r == 0)
					r = each_id(c, rem, "group_ids", vi, S_REMEDY, true);
			}
			kb_jpath_back(&o->path, mi);
		}
		kb_jpath_back(&o->path, m);
	}
	if (r == 0)
		r = finish_vulnerability(c);
	return r;
}

/* ---- building one entry ------------------------------------------------------ */

/* Digits and dots, starting with a digit, after an optional v: INTDOT reads it. */
static bool dotted(const char *s)
{
	if (*s == 'v' || *s == 'V')
		s++;
	if (!isdigit((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s) && *s != '.')
			return false;
	return true;
}

/* The INTDOT branch (major.minor, a missing minor is 0) of v. */
static bool branch_of(const char *v, unsigned long *maj, unsigned long *min)
{
	unsigned long x[2] = { 0, 0 };
	if (*v == 'v' || *v == 'V')
		v++;
	for (int k = 0; k < 2; k++) {
		if (k == 1 && *v != '.')
			break;
		if (k == 1)
			v++;
		if (!isdigit((unsigned char)*v))
			return k == 1;
		for (; isdigit((unsigned char)*v); v++) {
			if (x[k] > 100000000ul)
				return false;
			x[k] = x[k] * 10 + (unsigned long)(*v - '0');
		}
	}
	*maj = x[0];
	*min = x[1];
	return true;
}

static bool valid_in(kb_vscheme scheme, const char *v)
{
	int d = 0;
	return kb_version_cmp(scheme, v, v, &d) == 0;
}

static int pt_cmp(const void *x, const void *y, void *ctx)
{
	const point *a = x, *b = y;
	int d = 0;
	kb_version_cmp(*(const kb_vscheme *)ctx, a->v, b->v, &d);
	if (d == 0)
		d = ((int)a->kind > (int)b->kind) - ((int)a->kind < (int)b->kind);
	return d;
}

static int str_cmp(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static int add_str(const char ***arr, size_t *n, size_t *cap, const char *s)
{
	if (grow_((void **)arr, cap, *n + 1, sizeof **arr) < 0)
		return KB_ENOMEM;
	(*arr)[(*n)++] = s;
	return 0;
}

static int add_range(kb_range **arr, size_t *n, size_t *cap, const kb_range_event *ev, size_t ne)
{
	if (grow_((void **)arr, cap, *n + 1, sizeof **arr) < 0)
		return KB_ENOMEM;
	(*arr)[(*n)++] = (kb_range){ KB_RANGE_ECOSYSTEM, ev, ne };
	return 0;
}

/* Emit a range into c->mr from up to three events (versions advisory-owned). */
static int emit(csaf *c, const kb_range_event *ev, size_t n)
{
	kb_range_event *e = kb_adv_alloc(c->o.a, n, sizeof *e);
	if (!e)
		return KB_ENOMEM;
	memcpy(e, ev, n * sizeof *e);
	return add_range(&c->mr, &c->n_mr, &c->cap_mr, e, n);
}

static const char *branch_str(csaf *c, unsigned long maj, unsigned long min)
{
	char b[48];
	int n = snprintf(b, sizeof b, "%lu.%lu", maj, min);
	return own(c, b, (size_t)n);
}

/* Ranges from the points of one branch (`branch`: an open range ends at the
 * next one), or of the whole line. */
static int intervals(csaf *c, const point *p, size_t n, bool branch)
{
	const char *open = NULL;
	bool open_ended = false;
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		switch (p[i].kind) {
		case P_START:
		case P_OPEN:
		case P_FIRST:
			if (!open)
				open = p[i].v;
			if (p[i].kind != P_OPEN)
				open_ended = true;
			break;
		case P_LAST:
			r = emit(c,
			         (kb_range_event[]){ { KB_EVENT_INTRODUCED, open ? open : p[i].v },
			                             { KB_EVENT_LAST_AFFECTED, p[i].v } },
			         2);
			open = NULL;
			open_ended = false;
			break;
		case P_FIX:
			if (open)
				r = emit(c, (kb_range_event[]){ { KB_EVENT_INTRODUCED, open },
				                                { KB_EVENT_FIXED, p[i].v } },
				         2);
			open = NULL;
			open_ended = false;
			break;
		}
	}
	if (r == 0 && open && open_ended) {
		if (branch) { /* up to the next branch */
			const char *lim = branch_str(c, p[0].maj, p[0].min + 1);
			if (!lim)
				return KB_ENOMEM;
			r = emit(c, (kb_range_event[]){ { KB_EVENT_INTRODUCED, open }, { KB_EVENT_LIMIT, lim } }, 2);
		} else {
			r = emit(c, (kb_range_event[]){ { KB_EVENT_INTRODUCED, open } }, 1);
		}
	}
	return r;
}

static int add_point(csaf *c, const char *v, enum pkind kind, kb_vscheme scheme)
{
	point pt = { v, kind, 0, 0 };
	if (!valid_in(scheme, v))
		return 0; /* stays an exact version, compared as written */
	if (scheme == KB_VS_INTDOT && !branch_of(v, &pt.maj, &pt.min))
		return 0;
	if (GROW(c->pts, c->cap_pts, c->n_pts + 1) < 0)
		return KB_ENOMEM;
	c->pts[c->n_pts++] = pt;
	return 0;
}

static bool same_branch(const point *a, const point *b)
{
	return a->maj == b->maj && a->min == b->min;
}

/* Ranges from the points. `all_affected`: a product named affected without
 * a version. For INTDOT, per branch (major.minor) when the document speaks
 * per branch: some branch has both an affected version and its fix (or its
 * last affected version), or a
 * product affected without a version has fixes on two branches. Otherwise
 * the versions are one line ("1.0 affected, 1.2 fixed"). */
static int build_intervals(csaf *c, kb_vscheme scheme, bool all_affected)
{
	bool any_fix = false;
	for (size_t i = 0; i < c->n_pts; i++)
		any_fix |= c->pts[i].kind == P_FIX;
	if (all_affected && !any_fix)
		return emit(c, (kb_range_event[]){ { KB_EVENT_INTRODUCED, "0" } }, 1);
	if (c->n_pts > 1)
		qsort_r(c->pts, c->n_pts, sizeof *c->pts, pt_cmp, &scheme);
	size_t u = 0; /* the same version said twice (x86_64 and src packages) once */
	for (size_t i = 0; i < c->n_pts; i++)
		if (u == 0 || c->pts[u - 1].kind != c->pts[i].kind || strcmp(c->pts[u - 1].v, c->pts[i].v) != 0)
			c->pts[u++] = c->pts[i];
	c->n_pts = u;

	bool branches = false;
	size_t fix_branches = 0;
	for (size_t a = 0, b; scheme == KB_VS_INTDOT && a < c->n_pts; a = b) {
		bool open = false, close = false, fix = false;
		for (b = a; b < c->n_pts && same_branch(&c->pts[b], &c->pts[a]); b++) {
			fix |= c->pts[b].kind == P_FIX;
			close |= c->pts[b].kind == P_FIX || c->pts[b].kind == P_LAST;
			open |= c->pts[b].kind == P_OPEN || c->pts[b].kind == P_FIRST;
		}
		branches |= open && close;
		fix_branches += fix;
	}
	branches |= all_affected && fix_branches > 1;

	int r = 0;
	/* affected from the beginning up to each fix: on one line, a fix on one
	 * stream (el8) does not end the range of another (el9) */
	for (size_t i = 0; all_affected && !branches && i < c->n_pts && r == 0; i++)
		if (c->pts[i].kind == P_FIX)
			r = emit(c, (kb_range_event[]){ { KB_EVENT_INTRODUCED, "0" }, { KB_EVENT_FIXED, c->pts[i].v } },
			         2);
	for (size_t a = 0, b; a < c->n_pts && r == 0; a = b) {
		for (b = a; b < c->n_pts && (!branches || same_branch(&c->pts[b], &c->pts[a])); b++)
			;
		if (all_affected && branches) { /* the branch from its start: "17.1" == 17.1.0 */
			const char *start = branch_str(c, c->pts[a].maj, c->pts[a].min);
			point *grp = start ? malloc((b - a + 1) * sizeof *grp) : NULL;
			if (!grp)
				return KB_ENOMEM;
			grp[0] = (point){ start, P_START, c->pts[a].maj, c->pts[a].min };
			memcpy(grp + 1, c->pts + a, (b - a) * sizeof *grp);
			r = intervals(c, grp, b - a + 1, true);
			free(grp);
		} else {
			r = intervals(c, c->pts + a, b - a, branches);
		}
	}
	return r;
}

/* Close each affected vers range open above (">=3.0") with the smallest
 * fixed version above its start. Not per branch: the vendor's range itself
 * spans branches, and the fix only narrows it. */
static int close_open_ranges(csaf *c, kb_vscheme scheme)
{
	if (!c->n_open)
		return 0;
	/* the fixed versions in version order (c->pts is sorted by build_intervals()) */
	const char **fx = malloc((c->n_pts ? c->n_pts : 1) * sizeof *fx);
	if (!fx)
		return KB_ENOMEM;
	size_t nf = 0;
	for (size_t i = 0; i < c->n_pts; i++)
		if (c->pts[i].kind == P_FIX)
			fx[nf++] = c->pts[i].v;
	int r = 0;
	for (size_t k = 0; k < c->n_open && nf && r == 0; k++) {
		kb_range *rg = &c->mr[c->open_rg[k]];
		const char *start = rg->events[rg->n_events - 1].version;
		size_t lo = 0, hi = nf; /* the first fix above start */
		while (strcmp(start, "0") != 0 && lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			int d = 0;
			if (kb_version_cmp(scheme, fx[mid], start, &d) == 0 && d > 0)
				hi = mid;
			else
				lo = mid + 1;
		}
		if (lo == nf)
			continue;
		kb_range_event *e = kb_adv_alloc(c->o.a, rg->n_events + 1, sizeof *e);
		if (!e) {
			r = KB_ENOMEM;
			break;
		}
		memcpy(e, rg->events, rg->n_events * sizeof *e);
		e[rg->n_events] = (kb_range_event){ KB_EVENT_FIXED, fx[lo] };
		rg->events = e;
		rg->n_events++;
	}
	free(fx);
	return r;
}

/* An advisory-owned copy of a vers result's versions and events. */
static int own_vers(csaf *c, const kb_vers *v, kb_range_event **ret_ev)
{
	kb_range_event *e = v->n_events ? kb_adv_alloc(c->o.a, v->n_events, sizeof *e) : NULL;
	if (v->n_events && !e)
		return KB_ENOMEM;
	for (size_t i = 0; i < v->n_events; i++) {
		e[i].kind = v->events[i].kind;
		e[i].version = own(c, v->events[i].version, strlen(v->events[i].version));
		if (!e[i].version)
			return KB_ENOMEM;
	}
	*ret_ev = e;
	return 0;
}

/* Add "status: text" to the entry's statement, once. */
static int add_text(csaf *c, unsigned status, const char *text)
{
	char *piece = NULL;
	if (asprintf(&piece, "%s: %s", statuses[status].key, text) < 0)
		return KB_ENOMEM;
	int r = 0;
	if (!json_object_get(c->texts, piece)) {
		r = json_object_set_new_nocheck(c->texts, piece, json_true()) < 0 ? KB_ENOMEM : 0;
		if (r == 0)
			r = kb_buf_printf(&c->text, "%s%s", c->text.len ? "; " : "", piece);
	}
	free(piece);
	return r;
}

static int dedupe(const char **v, size_t *n)
{
	if (*n < 2)
		return 0;
	qsort(v, *n, sizeof *v, str_cmp);
	size_t k = 1;
	for (size_t i = 1; i < *n; i++)
		if (strcmp(v[i], v[k - 1]) != 0)
			v[k++] = v[i];
	*n = k;
	return 0;
}

static int own_array(csaf *c, const void *src, size_t n, size_t size, const void **ret)
{
	*ret = NULL;
	if (!n)
		return 0;
	void *p = kb_adv_alloc(c->o.a, n, size);
	if (!p)
		return KB_ENOMEM;
	memcpy(p, src, n * size);
	*ret = p;
	return 0;
}

/* Read a product's product_version_range (*ret NULL when it has none, or
 * when it cannot be read: then it is kept as text). Only a vers string past a
 * limit is an error. */
static int read_range(csaf *c, const product *p, enum kind kind, kb_vers **ret)
{
	*ret = NULL;
	if (!p->range || kind == K_INVESTIGATING)
		return 0;
	kb_error e;
	kb_error_clear(&e);
	bool vers = kb_vers_is(p->range);
	int r = vers ? kb_vers_parse(p->range, strlen(p->range), ret, &e)
	             : kb_vers_parse_text(p->range, strlen(p->range), ret, &e);
	if (r == KB_ELIMIT && vers)
		return badf(c, KB_ELIMIT, "product \"%.80s\": product_version_range: %s", p->id, e.msg);
	return r == KB_ENOMEM ? r : 0;
}

static bool vers_dotted(const kb_vers *v)
{
	for (size_t i = 0; i < v->n_events; i++)
		if (strcmp(v->events[i].version, "0") != 0 && !dotted(v->events[i].version))
			return false;
	for (size_t i = 0; i < v->n_exact; i++)
		if (!dotted(v->exact[i]))
			return false;
	for (size_t i = 0; i < v->n_excluded; i++)
		if (!dotted(v->excluded[i]))
			return false;
	return true;
}

/* What a product_version_range says, read (v) or not (NULL), under status st. */
static int take_range(csaf *c, unsigned st, const char *text, const kb_vers *v, kb_vscheme scheme, bool *raw)
{
	bool aff = affected_kind(statuses[st].kind);
	if (v && !v->by_content && v->scheme != scheme)
		v = NULL; /* another ordering than the entry's */
	if (v && !aff && v->n_excluded)
		v = NULL; /* an unaffected range cannot leave versions out */
	int r = 0;
	if (!v || !kb_vers_is(text))
		r = add_text(c, st, text);
	if (!v) {
		*raw = true;
		return r;
	}
	kb_range_event *ev = NULL;
	if (r == 0)
		r = own_vers(c, v, &ev);
	for (size_t i = 0; r == 0 && i < v->n_exact; i++) {
		const char *x = own(c, v->exact[i], strlen(v->exact[i]));
		if (!x)
			r = KB_ENOMEM;
		else
			r = aff ? add_str(&c->mv, &c->n_mv, &c->cap_mv, x) : add_str(&c->uv, &c->n_uv, &c->cap_uv, x);
		if (r == 0 && aff)
			r = add_point(c, x, P_OPEN, scheme);
	}
	for (size_t i = 0; r == 0 && i < v->n_excluded; i++) {
		const char *x = own(c, v->excluded[i], strlen(v->excluded[i]));
		r = x ? add_str(&c->uv, &c->n_uv, &c->cap_uv, x) : KB_ENOMEM;
	}
	if (r < 0 || !v->n_events)
		return r;
	if (!aff)
		return add_range(&c->ur, &c->n_ur, &c->cap_ur, ev, v->n_events);
	if (ev[v->n_events - 1].kind == KB_EVENT_INTRODUCED) { /* open above: closed by a fix later */
		r = GROW(c->open_rg, c->cap_open, c->n_open + 1);
		if (r == 0)
			c->open_rg[c->n_open++] = c->n_mr;
	}
	return r < 0 ? r : add_range(&c->mr, &c->n_mr, &c->cap_mr, ev, v->n_events);
}

/* One entry from the references of one identity (sorted by component). */
static int build_slot(csaf *c, const ref *rs, size_t n, kb_advisory_affected *out)
{
	const product *first = &c->prods[rs[0].comp];
	out->ecosystem = first->eco;
	out->package = first->pkg;
	out->vendor = p_vendor(first);
	out->product = p_product(first);
	out->cpe = first->cpe;
	c->n_mv = c->n_uv = c->n_mr = c->n_ur = c->n_pts = c->n_open = 0;
	kb_buf_reset(&c->text);
	json_object_clear(c->texts);

	/* 1. the scheme: the purl's ecosystem's, else the first range type koban
	 * knows, else by content. Ranges are read here and again in step 2, one
	 * at a time: a group can have thousands. */
	int r = 0;
	kb_vscheme scheme = KB_VS_GENERIC;
	bool known = false, all_dotted = true;
	if (out->ecosystem) {
		scheme = kb_vscheme_for_ecosystem(out->ecosystem);
		known = scheme != KB_VS_GENERIC;
	}
	for (size_t k = 0; k < n && r == 0; k++) {
		const product *p = &c->prods[rs[k].comp];
		const char *ver = p_version(p);
		if (ver && !dotted(ver))
			all_dotted = false;
		kb_vers *v = NULL;
		r = read_range(c, p, statuses[rs[k].status].kind, &v);
		if (v && !known && !v->by_content) {
			scheme = v->scheme;
			known = true;
		}
		if (v && all_dotted)
			all_dotted = vers_dotted(v);
		kb_vers_free(v);
	}
	if (r < 0)
		return r;
	if (!known)
		scheme = all_dotted ? KB_VS_INTDOT : KB_VS_GENERIC;
	out->match.scheme = out->unaffected.scheme = scheme;

	/* 2. what each statement says */
	bool raw = false, all_affected = false, any_affected = false, investigating = false;
	bool versioned_unaffected = false;
	for (size_t k = 0; k < n && r == 0; k++) {
		const product *p = &c->prods[rs[k].comp];
		unsigned st = rs[k].status;
		enum kind kind = statuses[st].kind;
		bool aff = affected_kind(kind);
		any_affected |= aff;
		if (kind == K_INVESTIGATING) {
			investigating = true;
			continue;
		}
		if (p->range) {
			if (kind == K_REMEDY)
				continue; /* a fix for "these versions": no version to move to */
			kb_vers *v = NULL;
			r = read_range(c, p, kind, &v);
			if (r == 0)
				r = take_range(c, st, p->range, v, scheme, &raw);
			kb_vers_free(v);
			versioned_unaffected |= !aff;
			continue;
		}
		const char *ver = p_version(p);
		if (!ver) {
			if (aff)
				all_affected = true;
			continue; /* unaffected without a version: see the default below */
		}
		if (aff) {
			enum pkind pk = kind == K_AFFECTED ? P_OPEN : kind == K_FIRST_AFFECTED ? P_FIRST : P_LAST;
			r = add_str(&c->mv, &c->n_mv, &c->cap_mv, ver);
			if (r == 0)
				r = add_point(c, ver, pk, scheme);
		} else {
			r = add_str(&c->uv, &c->n_uv, &c->cap_uv, ver);
			if (r == 0 && (kind == K_FIXED || kind == K_REMEDY))
				r = add_point(c, ver, P_FIX, scheme);
			versioned_unaffected = true;
		}
	}
	if (r < 0)
		return r;

	/* 3. ranges from the versions, and fixes for open ranges */
	r = build_intervals(c, scheme, all_affected);
	if (r == 0)
		r = close_open_ranges(c, scheme);
	if (r < 0)
		return r;
	dedupe(c->mv, &c->n_mv);
	dedupe(c->uv, &c->n_uv);
	if (c->n_mr > KB_ADVISORY_MAX_RANGES || c->n_ur > KB_ADVISORY_MAX_RANGES)
		return badf(c, KB_ELIMIT, "product \"%.80s\": more ranges than the limit of %d", first->id,
		            KB_ADVISORY_MAX_RANGES);
	if (c->n_mv > KB_ADVISORY_MAX_RANGES || c->n_uv > KB_ADVISORY_MAX_RANGES)
		return badf(c, KB_ELIMIT, "product \"%.80s\": more versions than the limit of %d", first->id,
		            KB_ADVISORY_MAX_RANGES);

	/* 4. the default */
	if (raw || any_affected || investigating || versioned_unaffected)
		out->default_status = KB_VSTATUS_UNKNOWN;
	else
		out->default_status = KB_VSTATUS_UNAFFECTED;
	/* a product only named by a remediation says nothing of other versions */
	bool only_remedy = true;
	for (size_t k = 0; k < n; k++)
		only_remedy &= statuses[rs[k].status].kind == K_REMEDY;
	if (only_remedy)
		out->default_status = KB_VSTATUS_UNKNOWN;

	/* 5. into the advisory */
	const void *p;
	r = own_array(c, c->mr, c->n_mr, sizeof *c->mr, &p);
	out->match.ranges = p;
	out->match.n_ranges = c->n_mr;
	if (r == 0)
		r = own_array(c, c->ur, c->n_ur, sizeof *c->ur, &p);
	out->unaffected.ranges = p;
	out->unaffected.n_ranges = c->n_ur;
	if (r == 0)
		r = own_array(c, c->mv, c->n_mv, sizeof *c->mv, &p);
	out->match.versions = p;
	out->match.n_versions = c->n_mv;
	if (r == 0)
		r = own_array(c, c->uv, c->n_uv, sizeof *c->uv, &p);
	out->unaffected.versions = p;
	out->unaffected.n_versions = c->n_uv;
	if (r == 0 && c->text.len && !(out->statement = own(c, c->text.data, c->text.len)))
		r = KB_ENOMEM;
	return r;
}

/* ---- the document ------------------------------------------------------------ */

static int read_document(csaf *c, json_t *root)
{
	kb_adv_reader *o = &c->o;
	kb_advisory *a = o->a;
	json_t *doc = json_object_get(root, "document");
	if (!json_is_object(doc))
		return kb_adv_bad(o, KB_EFORMAT, "expected a CSAF document: no \"document\" object");
	size_t m;
	kb_jpath_key(&o->path, "document", &m);
	int r = 0;
	const char *ver = kb_adv_str(o, doc, "csaf_version", &r);
	if (r == 0 && (!ver || (strcmp(ver, "2.0") != 0 && strcmp(ver, "2.1") != 0)))
		r = kb_adv_bad(o, KB_EFORMAT, "expected a CSAF document: csaf_version 2.0 or 2.1");
	const char *category = NULL;
	if (r == 0) {
		category = kb_adv_str(o, doc, "category", &r);
		a->summary = kb_adv_str(o, doc, "title", &r);
	}
	json_t *tr = json_object_get(doc, "tracking");
	if (r == 0) {
		size_t mt;
		kb_jpath_key(&o->path, "tracking", &mt);
		if (!json_is_object(tr)) {
			r = kb_adv_bad(o, KB_EINVAL, "expected an object");
		} else {
			a->id = kb_adv_str(o, tr, "id", &r);
			a->published = kb_adv_str(o, tr, "initial_release_date", &r);
			a->modified = kb_adv_str(o, tr, "current_release_date", &r);
			if (r == 0 && (!a->id || !*a->id))
				r = kb_adv_bad(o, KB_EINVAL, "expected \"id\"");
		}
		kb_jpath_back(&o->path, mt);
	}
	json_t *agg = json_object_get(doc, "aggregate_severity");
	if (r == 0 && agg && !json_is_null(agg)) {
		size_t ma;
		kb_jpath_key(&o->path, "aggregate_severity", &ma);
		if (!json_is_object(agg))
			r = kb_adv_bad(o, KB_EINVAL, "expected an object");
		else
			c->agg_severity = kb_adv_str(o, agg, "text", &r);
		kb_jpath_back(&o->path, ma);
	}
	if (r == 0 && category && strcmp(category, "csaf_withdrawn") == 0)
		a->withdrawn = a->modified ? a->modified : "withdrawn";
	kb_jpath_back(&o->path, m);
	return r;
}

static const char *severity_word(const char *s)
{
	static const struct {
		const char *word, *severity;
	} words[] = {
		{ "critical", "CRITICAL" }, { "important", "HIGH" }, { "high", "HIGH" },
		{ "moderate", "MEDIUM" },   { "medium", "MEDIUM" },  { "low", "LOW" },
	};
	for (size_t i = 0; s && i < sizeof words / sizeof words[0]; i++)
		if (strcasecmp(s, words[i].word) == 0)
			return words[i].severity;
	return NULL;
}

static int read_vulnerabilities(csaf *c, json_t *vulns)
{
	kb_adv_reader *o = &c->o;
	if (!vulns || json_is_null(vulns))
		return 0; /* an informational advisory names no vulnerability */
	size_t m;
	kb_jpath_key(&o->path, "vulnerabilities", &m);
	int r = 0;
	if (!json_is_array(vulns))
		r = kb_adv_bad(o, KB_EINVAL, "expected an array");
	else if (json_array_size(vulns) > KB_CSAF_MAX_VULNERABILITIES)
		r = badf(c, KB_ELIMIT, "more vulnerabilities than the limit of %d", KB_CSAF_MAX_VULNERABILITIES);
	size_t i;
	json_t *v;
	json_array_foreach (vulns, i, v) {
		if (r < 0)
			break;
		size_t mi;
		kb_jpath_index(&o->path, i, &mi);
		r = read_vulnerability(c, v, i);
		kb_jpath_back(&o->path, mi);
	}
	kb_jpath_back(&o->path, m);
	return r;
}

static int finish(csaf *c)
{
	kb_advisory *a = c->o.a;
	a->severity = severity_word(c->agg_severity);
	if (!a->severity && c->best_cvss) {
		double s = c->best_score;
		a->severity = s >= 9.0 ? "CRITICAL" : s >= 7.0 ? "HIGH" : s >= 4.0 ? "MEDIUM" : s > 0 ? "LOW" : NULL;
	}
	const void *p;
	int r = own_array(c, c->aliases, c->n_aliases, sizeof *c->aliases, &p);
	a->aliases = p;
	a->n_aliases = c->n_aliases;
	if (r == 0)
		r = own_array(c, c->entries, c->n_entries, sizeof *c->entries, &p);
	a->affected = p;
	a->n_affected = c->n_entries;
	return r;
}

static void cleanup(csaf *c)
{
	free(c->prods);
	free(c->refs);
	free(c->entries);
	free(c->aliases);
	free(c->mv);
	free(c->uv);
	free(c->mr);
	free(c->ur);
	free(c->pts);
	free(c->open_rg);
	kb_buf_free(&c->buf);
	kb_buf_free(&c->text);
	json_decref(c->ids);
	json_decref(c->groups);
	json_decref(c->seen);
	json_decref(c->aliased);
	json_decref(c->slot_of);
	json_decref(c->texts);
}

int kb_advisory_parse_csaf(const char *name, const void *data, size_t len, kb_advisory **ret, kb_error *err)
{
	json_t *root = NULL;
	int r = kb_adv_load(name, data, len, "a CSAF document", &root, err);
	if (r < 0)
		return r;
	kb_advisory *a = kb_adv_new(root);
	if (!a) {
		json_decref(root);
		return KB_ENOMEM;
	}
	csaf c = { .o = { .name = name, .a = a, .err = err } };
	c.ids = json_object();
	c.groups = json_object();
	c.seen = json_object();
	c.aliased = json_object();
	c.slot_of = json_object();
	c.texts = json_object();
	kb_buf_init(&c.buf, KB_ADVISORY_MAX_BYTES);
	kb_buf_init(&c.text, KB_ADVISORY_MAX_BYTES);
	if (!c.ids || !c.groups || !c.seen || !c.aliased || !c.slot_of || !c.texts)
		r = KB_ENOMEM;
	if (r == 0)
		r = read_document(&c, root);
	if (r == 0)
		r = read_product_tree(&c, json_object_get(root, "product_tree"));
	if (r == 0)
		r = read_vulnerabilities(&c, json_object_get(root, "vulnerabilities"));
	if (r == 0)
		r = finish(&c);
	cleanup(&c);
	if (r < 0) {
		kb_advisory_free(a);
		return r;
	}
	*ret = a;
	return 0;
}
