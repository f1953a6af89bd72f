/*
 * zip.h - koban's own ZIP reader (zip, jar, war, ear): the central directory,
 * entries read whole or streamed, nested archives, and the limits that keep a
 * hostile archive from costing more than it should.
 *
 * The reader trusts the central directory, as the JVM does, and checks every
 * entry's local header against it (a mismatch is an anomaly, not an error).
 * It works on an archive held in memory: kb_zip_open_file() maps a file
 * read-only, kb_zip_open_buffer() takes bytes the caller holds, and
 * kb_zip_open_entry() opens an entry as an archive of its own: a stored entry
 * is a slice of its parent (nothing copied), a deflated one is inflated into a
 * buffer the child owns.
 *
 * Opening an archive validates all of its central directory up front: the
 * end record (found by a backwards search that a fake record in the comment
 * cannot fool), ZIP64, a prefix (a shell-script launcher before the archive),
 * every central header, every local header, and that no two entries' bytes
 * overlap. An archive that opens can be walked without further surprises;
 * reading an entry can still fail (corrupt deflate data, bad CRC).
 *
 * Errors: 0 or a negative KB_E* code, with a kb_error naming the archive
 * (for a nested one, the chain "outer.ear!/lib/inner.jar") and the byte offset
 * in that archive where something else was expected:
 *   KB_EFORMAT  not a ZIP archive; or an entry that cannot be scanned
 *               (encrypted, or a method other than stored and deflate)
 *   KB_EPARSE   a broken archive or entry (truncated, bad header, bad CRC,
 *               corrupt deflate data)
 *   KB_EINVAL   a hostile archive (entries whose bytes overlap, an archive
 *               that contains itself)
 *   KB_ELIMIT   one of the limits below
 *   KB_EIO      a file could not be opened or mapped
 *   KB_ENOMEM   allocation failed
 *
 * Ownership: a kb_zip owns its central-directory state, its inflated buffer
 * (nested, deflated) and its file mapping (kb_zip_open_file). It borrows the
 * caller's buffer (kb_zip_open_buffer), its parent (a child must be freed
 * before its parent) and its budget. Entries and the strings in them are
 * borrowed from the archive and valid until the next kb_zip_next() or
 * kb_zip_find() on it, or kb_zip_free(). Not thread-safe: an archive and its
 * children are used by one thread at a time; separate top-level archives are
 * independent.
 */
#ifndef KOBAN_ZIP_H
#define KOBAN_ZIP_H

#include "koban/koban.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Limits. Each is enforced with KB_ELIMIT and a location. */
#define KB_ZIP_MAX_DEPTH 16                       /* archives nested inside a top-level one (which is depth 0) */
#define KB_ZIP_MAX_ENTRIES (1u << 20)             /* central-directory entries in one archive */
#define KB_ZIP_MAX_NAME_LEN 4096                  /* bytes in one entry name */
#define KB_ZIP_MAX_NESTED_BYTES (512ull << 20)    /* a deflated nested archive, inflated to be opened */
#define KB_ZIP_MAX_READ_BYTES (256ull << 20)      /* a deflated entry read whole; larger ones are streamed */
#define KB_ZIP_MAX_INFLATED_TOTAL (4ull << 30)    /* bytes inflated for one top-level archive and its children */

/* The chunk kb_zip_stream() hands its callback is at most this long. */
#define KB_ZIP_STREAM_CHUNK (64u << 10)

/* The inflated-bytes budget of a top-level archive, shared with every archive
 * nested in it. Every byte inflated by kb_zip_read(), kb_zip_stream() or
 * kb_zip_open_entry() is charged; a charge that would pass `max` fails with
 * KB_ELIMIT before anything is inflated. */
typedef struct kb_zip_budget {
	uint64_t max;
	uint64_t used;
} kb_zip_budget;

void kb_zip_budget_init(kb_zip_budget *b, uint64_t max);

/* How an entry can be read. */
typedef enum kb_zip_entry_status {
	KB_ZIP_ENTRY_OK = 0,      /* stored or deflate */
	KB_ZIP_ENTRY_ENCRYPTED,   /* flag bit 0 or 6, or method 99 (AES) */
	KB_ZIP_ENTRY_UNSUPPORTED, /* any other method: unscannable */
} kb_zip_entry_status;

/* Anomalies: things a well-made archive does not do, that do not stop the
 * archive from being read. Entry bits are in kb_zip_entry.anomalies, archive
 * bits in kb_zip_info.anomalies. */
enum {
	KB_ZIP_ANOMALY_LOCAL_NAME = 1u << 0,   /* local header's name differs from the central one */
	KB_ZIP_ANOMALY_LOCAL_METHOD = 1u << 1, /* local header's method differs */
	KB_ZIP_ANOMALY_LOCAL_FLAGS = 1u << 2,  /* local header's encryption or descriptor flag differs */
	KB_ZIP_ANOMALY_LOCAL_SIZES = 1u << 3,  /* local header's CRC or sizes differ (no data descriptor) */
	KB_ZIP_ANOMALY_DESCRIPTOR = 1u << 4,   /* flag bit 3 set but no matching data descriptor after the data */
	KB_ZIP_ANOMALY_BAD_UTF8 = 1u << 5,     /* a UTF-8 (bit 11) name is not valid UTF-8; bad bytes became U+FFFD */
	KB_ZIP_ANOMALY_UNSAFE_NAME = 1u << 6,  /* a NUL in the name, a leading '/', or a ".." component */
	KB_ZIP_ANOMALY_EXTRA = 1u << 7,        /* an extra field runs past the extra area */
	KB_ZIP_ANOMALY_COUNT = 1u << 16,       /* the end record's entry count differs from the central directory's */
	KB_ZIP_ANOMALY_GAP = 1u << 17,         /* bytes between entries that no central entry covers */
	KB_ZIP_ANOMALY_HIDDEN_LOCAL = 1u << 18 /* a local header in such a gap: an entry Java does not see */
};

/* One sentence for one anomaly bit ("local header name differs"); never NULL. */
const char *kb_zip_anomaly_text(uint32_t bit);

/* One entry of the central directory. Offsets are into the archive's bytes
 * (prefix included). Borrowed: see the head comment. */
typedef struct kb_zip_entry {
	uint64_t index;              /* 0-based position in the central directory */
	const char *name;            /* UTF-8, NUL-terminated; CP437 names are converted */
	size_t name_len;
	const uint8_t *raw_name;     /* the name's bytes as stored (not NUL-terminated) */
	size_t raw_name_len;
	uint16_t flags;              /* general-purpose bit flags */
	uint16_t method;             /* 0 stored, 8 deflate, others unscannable */
	uint32_t crc32;
	uint32_t dos_datetime;       /* DOS date << 16 | DOS time */
	uint32_t external_attr;      /* Unix mode in the upper 16 bits when made on Unix */
	uint64_t compressed_size;
	uint64_t uncompressed_size;
	uint64_t central_offset;     /* of the central header */
	uint64_t local_offset;       /* of the local header */
	uint64_t data_offset;        /* of the entry's (compressed) data */
	kb_zip_entry_status status;
	bool is_dir;                 /* the name ends in '/' */
	uint32_t anomalies;          /* KB_ZIP_ANOMALY_* entry bits */
} kb_zip_entry;

typedef struct kb_zip kb_zip;

/* What opening found. `comment` is borrowed from the archive's bytes. */
typedef struct kb_zip_info {
	size_t size;                 /* bytes in the archive (prefix included) */
	uint64_t entries;            /* central headers found */
	uint64_t stated_entries;     /* what the end record says */
	uint64_t prefix;             /* bytes before the archive proper */
	uint64_t cd_offset;          /* of the central directory, in the archive's bytes */
	uint64_t cd_size;
	uint64_t eocd_offset;        /* of the end record */
	bool zip64;
	unsigned depth;              /* 0 for a top-level archive */
	const uint8_t *comment;
	size_t comment_len;
	uint32_t anomalies;          /* KB_ZIP_ANOMALY_* archive bits */
	uint64_t anomaly_offset;     /* of the first archive anomaly, KB_NO_OFFSET when none */
} kb_zip_info;

/* Open an archive held in `data` (borrowed; must outlive the archive). `name`
 * (may be NULL) names it in errors. `budget` (borrowed, may be NULL for one
 * of KB_ZIP_MAX_INFLATED_TOTAL owned by the archive) is charged for all
 * inflation in this archive and those nested in it. */
int kb_zip_open_buffer(const uint8_t *data, size_t size, const char *name, kb_zip_budget *budget,
                       kb_zip **ret, kb_error *err);

/* Open the regular file `path` without following a symbolic link, map it
 * read-only, and open it as kb_zip_open_buffer() does. A link or anything but
 * a regular file is refused (KB_EIO with ELOOP, KB_EINVAL). The mapping lives
 * as long as the archive; the file must not shrink meanwhile. */
int kb_zip_open_file(const char *path, kb_zip_budget *budget, kb_zip **ret, kb_error *err);

/* Open entry `e` of `parent` as an archive nested one level deeper. A stored
 * entry is read in place (its CRC is not checked: the child's own directory
 * is validated instead); a deflated one is inflated and CRC-checked. Refused
 * past KB_ZIP_MAX_DEPTH, above KB_ZIP_MAX_NESTED_BYTES, beyond the budget,
 * and when the child is byte for byte an archive that encloses it. The child
 * borrows the parent: free it first. */
int kb_zip_open_entry(kb_zip *parent, const kb_zip_entry *e, kb_zip **ret, kb_error *err);

/* Free an archive (NULL is fine); returns NULL. */
kb_zip *kb_zip_free(kb_zip *z);

void kb_zip_get_info(const kb_zip *z, kb_zip_info *ret);
/* "app.ear!/WEB-INF/lib/shop.war"; borrowed, never NULL. */
const char *kb_zip_name(const kb_zip *z);

/* Walk the central directory in order. kb_zip_next() returns 1 and fills
 * *ret with the next entry, 0 at the end, or a negative code. */
void kb_zip_rewind(kb_zip *z);
int kb_zip_next(kb_zip *z, kb_zip_entry *ret, kb_error *err);

/* The first entry whose UTF-8 name is `name`: 1 and *ret filled, 0 when there
 * is none. Moves the walk past the entry found. */
int kb_zip_find(kb_zip *z, const char *name, kb_zip_entry *ret, kb_error *err);

/* An entry's bytes. `bytes` is never NULL on success. For a stored entry it
 * points into the archive (zero-copy) and `owned` is NULL; for a deflated one
 * it is `owned`, a buffer the caller releases with kb_zip_data_clear(). */
typedef struct kb_zip_data {
	const uint8_t *bytes;
	size_t size;
	uint8_t *owned;
} kb_zip_data;

void kb_zip_data_clear(kb_zip_data *d);

/* Read entry `e` whole and check its CRC. A deflated entry larger than
 * KB_ZIP_MAX_READ_BYTES is refused (stream it). Encrypted and unsupported
 * entries give KB_EFORMAT ("encrypted", "unscannable: method 12 (bzip2)"). */
int kb_zip_read(kb_zip *z, const kb_zip_entry *e, kb_zip_data *ret, kb_error *err);

/* Called with each chunk (at most KB_ZIP_STREAM_CHUNK bytes) of an entry.
 * Return 0 to go on; anything else stops the stream and is returned by
 * kb_zip_stream() (a positive value: stopped early, CRC not checked). */
typedef int (*kb_zip_chunk_fn)(void *userdata, const uint8_t *chunk, size_t n);

/* Read entry `e` in chunks, with memory bounded whatever its size, and check
 * its CRC at the end. Returns 0, the callback's nonzero value, or a negative
 * code. */
int kb_zip_stream(kb_zip *z, const kb_zip_entry *e, kb_zip_chunk_fn fn, void *userdata, kb_error *err);

/* "stored", "deflate", "bzip2", ... or "unknown"; never NULL. */
const char *kb_zip_method_name(uint16_t method);

#ifdef __cplusplus
}
#endif
#endif
