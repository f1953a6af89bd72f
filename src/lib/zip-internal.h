/*
 * zip-internal.h - what zip-reader.c (the directory) and zip-inflate.c (the
 * entries' bytes) share: the archive object and a few helpers.
 *
 * Invariants, established by zip_open_bytes() and kept until kb_zip_free():
 *   - data[0, size) is readable; every offset stored below is <= size;
 *   - prefix <= cd_start <= cd_end <= eocd <= size, cd_end - cd_start == cd_size;
 *   - every central entry in [cd_start, cd_end) parsed once already, so its
 *     local header and data lie inside [prefix, cd_start) and no two entries'
 *     bytes overlap;
 *   - `root` is the top-level archive (itself for a top-level one); its
 *     budget and decompressor serve the whole tree.
 */
#ifndef KOBAN_ZIP_INTERNAL_H
#define KOBAN_ZIP_INTERNAL_H

#include "koban/zip.h"

struct libdeflate_decompressor;

struct kb_zip {
	const uint8_t *data;
	size_t size;
	uint8_t *owned;              /* inflated bytes of a nested deflated entry, or NULL */
	void *map;                   /* file mapping (kb_zip_open_file), or NULL */
	size_t map_size;
	char *name;                  /* for errors; never NULL once open */
	unsigned depth;
	kb_zip *parent;
	kb_zip *root;
	unsigned children;           /* open children; 0 when freed */

	/* root only */
	kb_zip_budget own_budget;
	kb_zip_budget *budget;
	struct libdeflate_decompressor *dec;

	/* what opening found */
	uint64_t prefix;
	uint64_t cd_start, cd_end, cd_size;
	uint64_t eocd;
	uint64_t entries, stated_entries;
	bool zip64;
	const uint8_t *comment;
	size_t comment_len;
	uint32_t anomalies;
	uint64_t anomaly_offset;

	/* the walk */
	uint64_t cursor;             /* offset of the next central header */
	uint64_t cursor_index;
	char namebuf[3 * KB_ZIP_MAX_NAME_LEN + 1];
};

/* Open `data` as an archive at `depth` under `parent` (NULL for a top-level
 * one); on success the new archive takes `owned` (which may be NULL). */
int zip_open_bytes(const uint8_t *data, size_t size, uint8_t *owned, char *name, kb_zip *parent,
                   kb_zip_budget *budget, kb_zip **ret, kb_error *err);

/* Fill a located error about `z`. */
int zip_err(const kb_zip *z, kb_error *err, int code, uint64_t offset, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Check that `e` (as returned by kb_zip_next) is readable: status, bounds.
 * Encrypted and unsupported entries give KB_EFORMAT. */
int zip_check_readable(const kb_zip *z, const kb_zip_entry *e, kb_error *err);

#endif
