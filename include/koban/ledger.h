/*
 * ledger.h - what we run: assets, their network interfaces and components.
 *
 * An asset is a system the company runs or uses, named uniquely. Its fields are
 * addressed by kb_asset_field so that readers (CSV, JSON), `ledger set` and the
 * exporters share one table of names and one validator. Values are text;
 * category and form factor come from fixed sets; modules and tags are lists
 * kept normalised (sorted, de-duplicated, joined with ",").
 *
 * Records handed to callbacks are borrowed: their strings live until the
 * callback returns. Records handed to writers are borrowed for the call.
 */
#ifndef KOBAN_LEDGER_H
#define KOBAN_LEDGER_H

#include "koban/koban.h"
#include "koban/net.h"
#include "koban/store.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum kb_asset_field {
	KB_AF_NAME,
	KB_AF_CATEGORY,
	KB_AF_BUSINESS_OWNER,
	KB_AF_TECHNICAL_OWNER,
	KB_AF_VENDOR,
	KB_AF_PRODUCT,
	KB_AF_VERSION,
	KB_AF_MODULES,
	KB_AF_FORM_FACTOR,
	KB_AF_ENVIRONMENT,
	KB_AF_TAGS,
	KB_AF_NOTES,
	KB_AF__COUNT
} kb_asset_field;

#define KB_AF_MASK(f) (1u << (f))
#define KB_AF_ALL ((1u << KB_AF__COUNT) - 1)

/* Limits on what one asset may hold; each is documented in koban-ledger(1). */
#define KB_LEDGER_MAX_FIELD_BYTES 65536      /* longest value of any asset field */
#define KB_LEDGER_MAX_NAME_BYTES 255         /* longest asset name */
#define KB_LEDGER_MAX_COMPONENT_BYTES (1u << 20) /* all text of one component together */

typedef struct kb_asset {
	int64_t id;
	const char *field[KB_AF__COUNT]; /* NULL when not set */
	int64_t n_interfaces;            /* filled by queries */
	int64_t n_components;
} kb_asset;

/* Field names as written in CSV headers, JSON keys and `ledger set` ("business_owner"). */
const char *kb_asset_field_name(kb_asset_field f);
/* Look up a field by (folded) name or one of its aliases; KB_ENOTFOUND otherwise. */
int kb_asset_field_lookup(const char *name, kb_asset_field *ret);

/* Validate and normalise one value for field f: trims; category words
 * ("external-facing", "SaaS", "client software") become their canonical name;
 * modules upper-cased and normalised as a list; tags normalised as a list.
 * An empty value gives *ret = NULL (the field is cleared); category and name
 * cannot be empty. *ret is malloc'd. On a bad value returns KB_EINVAL with a
 * message saying what was expected (no location: the caller adds it). */
int kb_asset_value_normalize(kb_asset_field f, const char *in, char **ret, kb_error *err);

typedef enum kb_role { KB_ROLE_SERVICE = 0, KB_ROLE_MANAGEMENT = 1 } kb_role;
const char *kb_role_name(kb_role r);
int kb_role_parse(const char *s, kb_role *ret); /* "management"/"mgmt"/"service"/"data" */

typedef struct kb_interface {
	int64_t id;
	const char *asset;     /* asset name (queries fill it; writers take asset_id) */
	const char *address;   /* never NULL */
	int port;              /* 0 when not given */
	const char *protocol;  /* "" when not given; lower-case */
	kb_role role;
	kb_exposure exposure;
	bool exposure_given;   /* false: derived from the address by kb_net_classify() */
} kb_interface;

/* Parse one interface written inline, "[ROLE] ADDRESS[:PORT][/PROTO] [EXPOSURE]"
 * ("management 203.0.113.5:443/tcp", "[2001:db8::1]:22/tcp internal").
 * Strings in *ret point into *ret_storage, which the caller frees. */
int kb_interface_parse(const char *s, kb_interface *ret, char **ret_storage, kb_error *err);

typedef enum kb_source { KB_SOURCE_DECLARED = 0, KB_SOURCE_SBOM = 1, KB_SOURCE_SCAN = 2 } kb_source;
const char *kb_source_name(kb_source s);
int kb_source_parse(const char *s, kb_source *ret);

typedef struct kb_component {
	const char *asset;      /* asset name (queries) */
	const char *ecosystem;  /* OSV ecosystem ("Maven"), "" when unknown */
	const char *name;       /* never empty */
	const char *version;    /* "" when unknown */
	const char *purl;       /* canonical purl or NULL */
	const char *cpe;        /* CPE 2.3 or 2.2 string or NULL */
	kb_source source;
	const char *evidence;   /* where it was seen ("shop.cdx.json#log4j-core"), "" when not said */
	const char *origin;     /* the document that asserted it; "" for hand-kept rows */
} kb_component;

/* ---- which asset is this host? ----------------------------------------------- */

/* A snapshot of the ledger's asset names and interface addresses, to tell
 * which asset a log names (ledger-resolve.c). Free with
 * kb_asset_resolver_free(), which accepts NULL and returns NULL. */
typedef struct kb_asset_resolver kb_asset_resolver;
int kb_asset_resolver_new(kb_store *s, kb_asset_resolver **ret, kb_error *err);
kb_asset_resolver *kb_asset_resolver_free(kb_asset_resolver *r);
/* The id (> 0) of the asset that `host` (len bytes, not NUL-terminated)
 * names, and its name in *ret_name (borrowed from the resolver), or 0.
 * An IP literal matches an interface address of exactly one asset; a name
 * matches an asset name case-insensitively; a host without a dot matches
 * the one asset whose first label it is ("portal-web-01" for
 * "portal-web-01.acme.example"); a dotted host matches a dotless asset name
 * equal to its first label. Ambiguous answers are no answer. */
int64_t kb_asset_resolve(const kb_asset_resolver *r, const char *host, size_t len, const char **ret_name);

/* ---- reading ---------------------------------------------------------------- */

typedef struct kb_asset_filter {
	const char *category;       /* canonical or alias; NULL for any */
	const char *owner;          /* substring of business or technical owner, case-insensitive */
	const char *tag;            /* exact tag */
	const char *component;      /* has a component with this name (exact, or the artifact
	                               part after ':' or '/', case-insensitive) */
	const char *name_like;      /* substring of the name */
} kb_asset_filter;

typedef int (*kb_asset_cb)(const kb_asset *a, void *ctx);
typedef int (*kb_interface_cb)(const kb_interface *i, void *ctx);
typedef int (*kb_component_cb)(const kb_component *c, void *ctx);

/* Call cb for each asset matching the filter (NULL: all), ordered by name.
 * A non-zero return from cb stops the walk and is returned. */
int kb_ledger_assets(kb_store *s, const kb_asset_filter *f, kb_asset_cb cb, void *ctx, kb_error *err);
/* One asset by name; KB_ENOTFOUND when there is none. */
int kb_ledger_asset(kb_store *s, const char *name, kb_asset_cb cb, void *ctx, kb_error *err);
/* Interfaces / components of one asset (asset_id), or of all assets (asset_id 0),
 * ordered by asset name, then address/port, or ecosystem/name/version. */
int kb_ledger_interfaces(kb_store *s, int64_t asset_id, kb_interface_cb cb, void *ctx, kb_error *err);
int kb_ledger_components(kb_store *s, int64_t asset_id, kb_component_cb cb, void *ctx, kb_error *err);

/* A count of assets per value of one field (category, technical_owner,
 * business_owner, vendor, environment, form_factor). `value` is NULL for assets
 * where the field is not set. Ordered by count, descending, then value. */
typedef int (*kb_count_cb)(const char *value, int64_t count, void *ctx);
int kb_ledger_count_by(kb_store *s, kb_asset_field f, kb_count_cb cb, void *ctx, kb_error *err);

/* Management interfaces whose exposure is public, with their asset, ordered by
 * asset name and address. */
typedef int (*kb_asset_interface_cb)(const kb_asset *a, const kb_interface *i, void *ctx);
int kb_ledger_public_management(kb_store *s, kb_asset_interface_cb cb, void *ctx, kb_error *err);
/* Every management interface, public or not, with its asset. */
int kb_ledger_management(kb_store *s, kb_asset_interface_cb cb, void *ctx, kb_error *err);

/* ---- writing ---------------------------------------------------------------- */

/* A writer holds prepared statements for one import; use it inside a
 * transaction (kb_store_begin). */
typedef struct kb_ledger_writer kb_ledger_writer;
int kb_ledger_writer_new(kb_store *s, kb_ledger_writer **ret, kb_error *err);
kb_ledger_writer *kb_ledger_writer_free(kb_ledger_writer *w);

/* What a put did to the row. */
typedef enum kb_put_result { KB_PUT_UNCHANGED = 0, KB_PUT_CREATED, KB_PUT_UPDATED } kb_put_result;

/* Create or update the asset a->field[KB_AF_NAME]. Only fields in `present` are
 * written; a present field whose value is NULL is cleared. Values must already
 * be normalised (kb_asset_value_normalize). A new asset needs a category.
 * *ret_id (may be NULL) gets its id; *ret_result (may be NULL) says whether the
 * asset was created, changed, or already held these values. */
int kb_ledger_put_asset(kb_ledger_writer *w, const kb_asset *a, uint32_t present, int64_t *ret_id,
                        kb_put_result *ret_result, kb_error *err);
/* The id of an asset by name; KB_ENOTFOUND when there is none. */
int kb_ledger_asset_id(kb_ledger_writer *w, const char *name, int64_t *ret_id, kb_error *err);
/* Insert or update (by asset, address, port, protocol). */
int kb_ledger_put_interface(kb_ledger_writer *w, int64_t asset_id, const kb_interface *i, kb_error *err);
/* Insert or update a component (by asset, source, ecosystem, name, version,
 * evidence). A purl is normalised; ecosystem, name and version left empty are
 * taken from it. asset_id 0 means "the asset named c->asset"; line and column
 * are where the reader found the record, and locate errors found later.
 * Validation errors are returned at once. The write itself may be deferred to
 * the writer's thread: a failure there (a store error, or an asset name that
 * does not exist) is returned by a later call on the writer or by
 * kb_ledger_writer_flush(). */
int kb_ledger_put_component_at(kb_ledger_writer *w, int64_t asset_id, const kb_component *c, uint64_t line,
                               uint64_t column, kb_error *err);
/* Wait until every deferred write is done; returns the first failure. Call it
 * before committing. */
int kb_ledger_writer_flush(kb_ledger_writer *w, kb_error *err);
/* Delete an asset's interfaces. */
int kb_ledger_clear_interfaces(kb_ledger_writer *w, int64_t asset_id, kb_error *err);
/* Delete an asset's components from `source` asserted by `origin` (NULL: any origin);
 * source < 0 means every source. */
int kb_ledger_clear_components(kb_ledger_writer *w, int64_t asset_id, int source, const char *origin,
                               kb_error *err);

/* `koban ledger set NAME field=value...`: validate, normalise and write n fields
 * of one asset in one transaction (all or none). KB_ENOTFOUND when the asset
 * does not exist, KB_EINVAL for an unknown field or a bad value, KB_EEXIST when
 * a rename collides. */
int kb_ledger_set(kb_store *s, const char *asset, size_t n, const char *const fields[],
                  const char *const values[], kb_error *err);
/* Delete an asset and everything attached to it. */
int kb_ledger_delete(kb_store *s, const char *asset, kb_error *err);

/* ---- import ----------------------------------------------------------------- */

typedef enum kb_ledger_format {
	KB_LEDGER_FMT_AUTO = 0,
	KB_LEDGER_FMT_CSV,
	KB_LEDGER_FMT_JSON,      /* koban's own ledger JSON */
	KB_LEDGER_FMT_CYCLONEDX, /* CycloneDX 1.4-1.6 JSON */
	KB_LEDGER_FMT_SPDX,      /* SPDX 2.3 JSON */
} kb_ledger_format;

const char *kb_ledger_format_name(kb_ledger_format f);
int kb_ledger_format_parse(const char *s, kb_ledger_format *ret);

/* What a CSV file holds, read from its header. */
typedef enum kb_sheet { KB_SHEET_NONE = 0, KB_SHEET_ASSETS, KB_SHEET_INTERFACES, KB_SHEET_COMPONENTS } kb_sheet;

typedef struct kb_import_progress {
	const char *file;
	uint64_t bytes_done;
	uint64_t bytes_total; /* 0 when unknown (a pipe) */
	uint64_t records;
} kb_import_progress;

typedef struct kb_import_opts {
	kb_ledger_format format;    /* AUTO: detect by content */
	const char *asset;          /* SBOMs: the asset they describe (required for SBOMs) */
	const char *display_name;   /* name used in errors; default the path */
	/* Called about every 64 KiB of input; may be NULL. */
	void (*progress)(const kb_import_progress *p, void *ctx);
	/* Called for each warning (an ignored column, a skipped entry); may be NULL. */
	void (*warn)(const kb_error *w, void *ctx);
	void *ctx;
} kb_import_opts;

typedef struct kb_import_stats {
	kb_ledger_format format;
	kb_sheet sheet;             /* CSV only */
	uint64_t records;           /* rows / items read */
	uint64_t assets_created;
	uint64_t assets_updated;    /* existed, and a value changed */
	uint64_t assets_unchanged;  /* existed with the same values */
	uint64_t interfaces;        /* written */
	uint64_t components;        /* written */
	uint64_t bytes;
	uint64_t warnings;
} kb_import_stats;

/* Limits on one input file; documented in koban-ledger(1). */
#define KB_IMPORT_MAX_ROW_BYTES (4u << 20)     /* one CSV record */
#define KB_IMPORT_MAX_COLUMNS 256              /* CSV columns */
#define KB_IMPORT_MAX_INLINE 10000             /* entries in one inline interfaces/components cell */
#define KB_IMPORT_SNIFF_BYTES 65536            /* prefix read to detect the format */

/* Detect the format of a prefix of a file. KB_EFORMAT when it is none of ours. */
int kb_ledger_detect(const char *data, size_t len, kb_ledger_format *ret);

/* Read the start of a file and say what it holds: its format and, for CSV, the
 * sheet (so a caller can import assets before the sheets that refer to them). */
int kb_ledger_probe_file(const char *path, kb_ledger_format *ret_format, kb_sheet *ret_sheet);

/* Import one file in one transaction: on any error nothing from it is kept and
 * err says where (file:line:column) and what was expected. `path` "-" reads
 * standard input. */
int kb_ledger_import_file(kb_store *s, const char *path, const kb_import_opts *opts,
                          kb_import_stats *ret_stats, kb_error *err);
/* The same for a buffer (tests, fuzzing). */
int kb_ledger_import_mem(kb_store *s, const char *name, const void *data, size_t len,
                         const kb_import_opts *opts, kb_import_stats *ret_stats, kb_error *err);

/* ---- export ----------------------------------------------------------------- */

/* Write function for exporters: return 0 or a negative code. */
typedef int (*kb_write_fn)(const char *data, size_t len, void *ctx);

/* koban ledger JSON: one document, assets ordered by name, each with its
 * interfaces and components. Imports back to an identical ledger. */
int kb_ledger_export_json(kb_store *s, kb_write_fn w, void *ctx, kb_error *err);
/* One CSV sheet (assets, interfaces or components); the three together import
 * back to an identical ledger. */
int kb_ledger_export_csv(kb_store *s, kb_sheet sheet, kb_write_fn w, void *ctx, kb_error *err);

#ifdef __cplusplus
}
#endif
#endif
