/*
 * zip-reader.c - the ZIP central directory: finding it, validating it whole,
 * and walking it.
 *
 * A JVM reads a jar through its central directory, so that is the truth here
 * too; local headers are only used to find where an entry's data starts and
 * are compared with the central entry (differences are anomalies).
 *
 * Opening an archive:
 *   1. The end record (EOCD, 22 bytes + comment) is searched for backwards
 *      over the last 65,557 bytes. A candidate is accepted only when its
 *      comment runs exactly to the end of the bytes and a central header
 *      signature sits where it says the central directory starts, so an EOCD
 *      planted in the comment does not win. Rejected candidates are kept in
 *      mind to say why nothing was accepted.
 *   2. ZIP64: a locator right before the EOCD names the ZIP64 end record,
 *      looked for right before the locator (where a prefix does not move it)
 *      and then at its stated offset; when found, its counts, size and offset
 *      replace the 32-bit ones and the central directory ends where it starts.
 *   3. Prefix (a launcher script, JMOD's header): the central directory
 *      starts at its end minus its size; the stated offset subtracted from
 *      that is the prefix, added to every stated offset.
 *   4. Every central header is parsed (bounds, ZIP64 extra 0x0001 with only the
 *      saturated members, the name limit), its local header is read, and the
 *      entry's bytes [local header, end of data + data descriptor) must lie
 *      between the prefix and the central directory. Sizes come from the
 *      central directory; nothing is inflated to find an end.
 *   5. No two entries' bytes may overlap (the overlapping-entry bomb). In the
 *      usual archive they come in order and one pass checks that; otherwise
 *      their ranges are collected, sorted and compared. Bytes no entry covers
 *      are an anomaly, and a local header hidden there another.
 *
 * After that, kb_zip_next() re-parses one central header per call (the same
 * code, which cannot fail differently) and converts its name to UTF-8 into the
 * archive's name buffer. Every length read from the input is checked against
 * the bytes left before it is used; offsets are 64-bit throughout.
 */
#include "zip-internal.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <libdeflate.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_EOCD 0x06054b50u
#define SIG_EOCD64 0x06064b50u
#define SIG_LOCATOR64 0x07064b50u
#define SIG_DESCRIPTOR 0x08074b50u
#define SIG_DIGITAL_SIG 0x05054b50u

#define LOCAL_LEN 30
#define CENTRAL_LEN 46
#define EOCD_LEN 22
#define EOCD64_LEN 56
#define LOCATOR64_LEN 20
#define EOCD_SEARCH (EOCD_LEN + 0xFFFF) /* 65,557: an EOCD with the longest comment */

#define FLAG_ENCRYPTED 0x0001u
#define FLAG_DESCRIPTOR 0x0008u
#define FLAG_STRONG_ENCRYPTION 0x0040u
#define FLAG_UTF8 0x0800u

#define EXTRA_ZIP64 0x0001u

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* [off, off + len) lies inside [0, limit). */
static inline bool within(uint64_t off, uint64_t len, uint64_t limit)
{
	return off <= limit && len <= limit - off;
}

int zip_err(const kb_zip *z, kb_error *err, int code, uint64_t offset, const char *fmt, ...)
{
	if (!err)
		return code;
	char msg[KB_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return kb_error_set(err, code, z && z->name ? z->name : "", 0, 0, offset, "%s", msg);
}

const char *kb_zip_anomaly_text(uint32_t bit)
{
	switch (bit) {
	case KB_ZIP_ANOMALY_LOCAL_NAME: return "local header name differs from the central directory's";
	case KB_ZIP_ANOMALY_LOCAL_METHOD: return "local header method differs from the central directory's";
	case KB_ZIP_ANOMALY_LOCAL_FLAGS: return "local header encryption or descriptor flag differs";
	case KB_ZIP_ANOMALY_LOCAL_SIZES: return "local header CRC or sizes differ from the central directory's";
	case KB_ZIP_ANOMALY_DESCRIPTOR: return "no matching data descriptor after the data";
	case KB_ZIP_ANOMALY_BAD_UTF8: return "UTF-8 name is not valid UTF-8";
	case KB_ZIP_ANOMALY_UNSAFE_NAME: return "name has a NUL, a leading '/' or a '..' component";
	case KB_ZIP_ANOMALY_EXTRA: return "extra field runs past the extra area";
	case KB_ZIP_ANOMALY_COUNT: return "end record's entry count differs from the central directory's";
	case KB_ZIP_ANOMALY_GAP: return "bytes between entries that no entry covers";
	case KB_ZIP_ANOMALY_HIDDEN_LOCAL: return "local header that no central entry names (invisible to Java)";
	default: return "unknown anomaly";
	}
}

const char *kb_zip_method_name(uint16_t method)
{
	switch (method) {
	case 0: return "stored";
	case 1: return "shrink";
	case 2: case 3: case 4: case 5: return "reduce";
	case 6: return "implode";
	case 8: return "deflate";
	case 9: return "deflate64";
	case 10: return "PKWARE DCL implode";
	case 12: return "bzip2";
	case 14: return "lzma";
	case 18: return "IBM TERSE";
	case 19: return "IBM LZ77";
	case 20: case 93: return "zstd";
	case 94: return "mp3";
	case 95: return "xz";
	case 96: return "jpeg";
	case 97: return "wavpack";
	case 98: return "ppmd";
	case 99: return "AES";
	default: return "unknown";
	}
}

/* ---- names ------------------------------------------------------------- */

/* CP437 0x80-0xFF as Unicode code points. */
static const uint16_t cp437_high[128] = {
	0x00c7, 0x00fc, 0x00e9, 0x00e2, 0x00e4, 0x00e0, 0x00e5, 0x00e7,
	0x00ea, 0x00eb, 0x00e8, 0x00ef, 0x00ee, 0x00ec, 0x00c4, 0x00c5,
	0x00c9, 0x00e6, 0x00c6, 0x00f4, 0x00f6, 0x00f2, 0x00fb, 0x00f9,
	0x00ff, 0x00d6, 0x00dc, 0x00a2, 0x00a3, 0x00a5, 0x20a7, 0x0192,
	0x00e1, 0x00ed, 0x00f3, 0x00fa, 0x00f1, 0x00d1, 0x00aa, 0x00ba,
	0x00bf, 0x2310, 0x00ac, 0x00bd, 0x00bc, 0x00a1, 0x00ab, 0x00bb,
	0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x2561, 0x2562, 0x2556,
	0x2555, 0x2563, 0x2551, 0x2557, 0x255d, 0x255c, 0x255b, 0x2510,
	0x2514, 0x2534, 0x252c, 0x251c, 0x2500, 0x253c, 0x255e, 0x255f,
	0x255a, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256c, 0x2567,
	0x2568, 0x2564, 0x2565, 0x2559, 0x2558, 0x2552, 0x2553, 0x256b,
	0x256a, 0x2518, 0x250c, 0x2588, 0x2584, 0x258c, 0x2590, 0x2580,
	0x03b1, 0x00df, 0x0393, 0x03c0, 0x03a3, 0x03c3, 0x00b5, 0x03c4,
	0x03a6, 0x0398, 0x03a9, 0x03b4, 0x221e, 0x03c6, 0x03b5, 0x2229,
	0x2261, 0x00b1, 0x2265, 0x2264, 0x2320, 0x2321, 0x00f7, 0x2248,
	0x00b0, 0x2219, 0x00b7, 0x221a, 0x207f, 0x00b2, 0x25a0, 0x00a0,
};

/* Write code point `c` (< 0x10000) as UTF-8; returns the bytes written. */
static size_t put_bmp(char *out, uint32_t c)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xC0 | c >> 6);
		out[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	out[0] = (char)(0xE0 | c >> 12);
	out[1] = (char)(0x80 | (c >> 6 & 0x3F));
	out[2] = (char)(0x80 | (c & 0x3F));
	return 3;
}

/* Length of the valid UTF-8 sequence at s[0, n), or 0 (RFC 3629: no
 * overlongs, no surrogates, nothing past U+10FFFF). */
static size_t utf8_seq(const uint8_t *s, size_t n)
{
	uint8_t c = s[0];
	size_t len;
	uint8_t lo = 0x80, hi = 0xBF;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return len;
}

/* Convert a raw name to UTF-8 in `out` (room for 3 * n + 1 bytes); returns
 * anomaly bits. NUL and invalid bytes become U+FFFD. */
static uint32_t convert_name(const uint8_t *raw, size_t n, bool utf8, char *out, size_t *ret_len)
{
	uint32_t anomalies = 0;
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		uint8_t c = raw[i];
		if (c == 0) {
			anomalies |= KB_ZIP_ANOMALY_UNSAFE_NAME;
			o += put_bmp(out + o, 0xFFFD);
			i++;
		} else if (c < 0x80) {
			out[o++] = (char)c;
			i++;
		} else if (!utf8) {
			o += put_bmp(out + o, cp437_high[c - 0x80]);
			i++;
		} else {
			size_t len = utf8_seq(raw + i, n - i);
			if (len) {
				memcpy(out + o, raw + i, len);
				o += len;
				i += len;
			} else {
				anomalies |= KB_ZIP_ANOMALY_BAD_UTF8;
				o += put_bmp(out + o, 0xFFFD);
				i++;
			}
		}
	}
	out[o] = '\0';
	*ret_len = o;
	return anomalies;
}

/* A leading '/' or '\', or a ".." component. */
static bool unsafe_path(const uint8_t *raw, size_t n)
{
	if (n && (raw[0] == '/' || raw[0] == '\\'))
		return true;
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || raw[i] == '/' || raw[i] == '\\') {
			if (i - start == 2 && raw[start] == '.' && raw[start + 1] == '.')
				return true;
			start = i + 1;
		}
	}
	return false;
}

/* ---- extra fields ------------------------------------------------------ */

/* The data of extra block `id` in extra[0, n), or NULL; *malformed is set
 * when a block runs past the end. */
static const uint8_t *find_extra(const uint8_t *extra, size_t n, uint16_t id, size_t *ret_len, bool *malformed)
{
	size_t i = 0;
	while (n - i >= 4) {
		uint16_t bid = rd16(extra + i), blen = rd16(extra + i + 2);
		if (blen > n - i - 4) {
			*malformed = true;
			return NULL;
		}
		if (bid == id) {
			*ret_len = blen;
			return extra + i + 4;
		}
		i += 4 + (size_t)blen;
	}
	return NULL;
}

/* Replace each saturated value with the next 8 bytes of the ZIP64 extra, in
 * the order of the format (uncompressed size, compressed size, offset).
 * Returns false when the extra is missing or too short. */
static bool apply_zip64(const uint8_t *extra, size_t n, uint64_t *usize, uint64_t *csize, uint64_t *offset,
                        bool *malformed)
{
	uint64_t *v[3] = { usize, csize, offset };
	size_t need = 0;
	for (int i = 0; i < 3; i++)
		if (v[i] && *v[i] == 0xFFFFFFFFu)
			need += 8;
	if (!need)
		return true;
	size_t xlen = 0;
	const uint8_t *x = find_extra(extra, n, EXTRA_ZIP64, &xlen, malformed);
	if (!x || xlen < need)
		return false;
	for (int i = 0; i < 3; i++)
		if (v[i] && *v[i] == 0xFFFFFFFFu) {
			*v[i] = rd64(x);
			x += 8;
		}
	return true;
}

/* ---- the end record ---------------------------------------------------- */

struct eocd {
	uint64_t eocd, cd_start, cd_end, cd_size, prefix, stated_entries;
	bool zip64;
	uint16_t comment_len;
};

/* Why the candidate nearest the end was rejected, for the error message. */
struct rejection {
	uint64_t offset;
	char why[200];
};

static bool reject(struct rejection *r, uint64_t offset, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static bool reject(struct rejection *r, uint64_t offset, const char *fmt, ...)
{
	if (r->offset == KB_NO_OFFSET) {
		r->offset = offset;
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(r->why, sizeof r->why, fmt, ap);
		va_end(ap);
	}
	return false;
}

/* Is the EOCD signature at `pos` the archive's end record? */
static bool try_eocd(const uint8_t *d, uint64_t size, uint64_t pos, struct eocd *f, struct rejection *r)
{
	const uint8_t *p = d + pos;
	uint16_t comment_len = rd16(p + 20);
	if (pos + EOCD_LEN + comment_len != size)
		return reject(r, pos, "an end-of-central-directory record whose %u-byte comment does not end at the end "
		              "of the archive (%llu bytes follow the record)", comment_len,
		              (unsigned long long)(size - pos - EOCD_LEN));
	uint64_t entries = rd16(p + 10), cd_size = rd32(p + 12), cd_offset = rd32(p + 16);
	/* 65,535 entries is possible without ZIP64 (and the walk counts them
	 * anyway); a saturated size or offset is not */
	bool need64 = cd_size == 0xFFFFFFFFu || cd_offset == 0xFFFFFFFFu;
	uint64_t cd_end = pos;
	bool zip64 = false;
	if (pos >= LOCATOR64_LEN && rd32(d + pos - LOCATOR64_LEN) == SIG_LOCATOR64) {
		uint64_t loc = pos - LOCATOR64_LEN;
		uint64_t stated = rd64(d + loc + 8);
		uint64_t rec = KB_NO_OFFSET;
		if (loc >= EOCD64_LEN && rd32(d + loc - EOCD64_LEN) == SIG_EOCD64 &&
		    rd64(d + loc - EOCD64_LEN + 4) == EOCD64_LEN - 12)
			rec = loc - EOCD64_LEN;
		else if (stated < loc && loc - stated >= EOCD64_LEN && rd32(d + stated) == SIG_EOCD64 &&
		         rd64(d + stated + 4) == loc - stated - 12)
			rec = stated;
		if (rec != KB_NO_OFFSET) {
			zip64 = true;
			entries = rd64(d + rec + 32);
			cd_size = rd64(d + rec + 40);
			cd_offset = rd64(d + rec + 48);
			cd_end = rec;
		} else if (need64)
			return reject(r, loc, "a ZIP64 end-of-central-directory record before the locator or at byte %llu",
			              (unsigned long long)stated);
	} else if (need64) {
		return reject(r, pos, "a ZIP64 locator before the end-of-central-directory record, which has "
		              "0xFFFFFFFF values");
	}
	if (cd_size > cd_end)
		return reject(r, pos, "a central directory no larger than the %llu bytes before its end (it claims %llu)",
		              (unsigned long long)cd_end, (unsigned long long)cd_size);
	uint64_t cd_start = cd_end - cd_size;
	if (cd_offset > cd_start)
		return reject(r, pos, "a central directory offset no larger than %llu (it claims %llu)",
		              (unsigned long long)cd_start, (unsigned long long)cd_offset);
	if (cd_size == 0) {
		if (entries != 0)
			return reject(r, pos, "an empty central directory to hold no entries (it claims %llu)",
			              (unsigned long long)entries);
	} else if (cd_size < 4 || rd32(d + cd_start) != SIG_CENTRAL)
		return reject(r, cd_start, "a central directory header where the end record at byte %llu says the "
		              "central directory starts", (unsigned long long)pos);
	f->eocd = pos;
	f->cd_start = cd_start;
	f->cd_end = cd_end;
	f->cd_size = cd_size;
	f->prefix = cd_start - cd_offset;
	f->stated_entries = entries;
	f->zip64 = zip64;
	f->comment_len = comment_len;
	return true;
}

static int find_eocd(const kb_zip *z, struct eocd *f, kb_error *err)
{
	const uint8_t *d = z->data;
	uint64_t size = z->size;
	struct rejection r = { .offset = KB_NO_OFFSET };
	if (size >= EOCD_LEN) {
		uint64_t lo = size > EOCD_SEARCH ? size - EOCD_SEARCH : 0;
		for (uint64_t pos = size - EOCD_LEN + 1; pos-- > lo;)
			if (d[pos] == 'P' && rd32(d + pos) == SIG_EOCD && try_eocd(d, size, pos, f, &r))
				return 0;
	}
	if (r.offset != KB_NO_OFFSET)
		return zip_err(z, err, KB_EPARSE, r.offset, "no usable end-of-central-directory record: expected %s",
		               r.why);
	if (size >= 4 && rd32(d) == SIG_LOCAL)
		return zip_err(z, err, KB_EPARSE, size, "no end-of-central-directory record in the last %llu bytes "
		               "(a truncated archive?)", (unsigned long long)(size < EOCD_SEARCH ? size : EOCD_SEARCH));
	return zip_err(z, err, KB_EFORMAT, size, "not a ZIP archive: no end-of-central-directory record");
}

/* ---- central and local headers ----------------------------------------- */

/* The data descriptor after an entry's data, if one matches; its length or 0. */
static uint64_t descriptor_len(const kb_zip *z, uint64_t at, uint32_t crc, uint64_t csize, uint64_t usize)
{
	const uint8_t *d = z->data;
	for (int sig = 1; sig >= 0; sig--) {
		uint64_t q = at;
		if (sig) {
			if (!within(q, 4, z->cd_start) || rd32(d + q) != SIG_DESCRIPTOR)
				continue;
			q += 4;
		}
		if (within(q, 12, z->cd_start) && rd32(d + q) == crc && rd32(d + q + 4) == (uint32_t)csize &&
		    rd32(d + q + 8) == (uint32_t)usize && csize <= 0xFFFFFFFFu && usize <= 0xFFFFFFFFu)
			return q + 12 - at;
		if (within(q, 20, z->cd_start) && rd32(d + q) == crc && rd64(d + q + 4) == csize &&
		    rd64(d + q + 12) == usize)
			return q + 20 - at;
	}
	return 0;
}

/* Parse the central header at `pos` into *e (the name converted only when
 * `names`), read its local header, and give the end of the entry's bytes.
 * *ret_next is the offset of the next central header. */
static int parse_entry(kb_zip *z, uint64_t pos, uint64_t index, bool names, kb_zip_entry *e, uint64_t *ret_next,
                       uint64_t *ret_end, kb_error *err)
{
	const uint8_t *d = z->data;
	if (!within(pos, CENTRAL_LEN, z->cd_end))
		return zip_err(z, err, KB_EPARSE, pos, "central header %llu: 46 bytes expected, %llu left in the central "
		               "directory", (unsigned long long)index, (unsigned long long)(z->cd_end - pos));
	const uint8_t *p = d + pos;
	if (rd32(p) != SIG_CENTRAL)
		return zip_err(z, err, KB_EPARSE, pos, "central header %llu: signature PK\\1\\2 expected",
		               (unsigned long long)index);
	uint16_t name_len = rd16(p + 28), extra_len = rd16(p + 30), comment_len = rd16(p + 32);
	if (!within(pos + CENTRAL_LEN, (uint64_t)name_len + extra_len + comment_len, z->cd_end))
		return zip_err(z, err, KB_EPARSE, pos, "central header %llu: its name, extra field and comment (%u bytes) "
		               "run past the central directory", (unsigned long long)index,
		               (unsigned)(name_len + extra_len + comment_len));
	if (name_len > KB_ZIP_MAX_NAME_LEN)
		return zip_err(z, err, KB_ELIMIT, pos + 28, "entry %llu: a name of %u bytes is longer than "
		               "KB_ZIP_MAX_NAME_LEN (%u)", (unsigned long long)index, name_len, KB_ZIP_MAX_NAME_LEN);
	const uint8_t *raw_name = p + CENTRAL_LEN, *extra = raw_name + name_len;

	memset(e, 0, sizeof *e);
	e->index = index;
	e->flags = rd16(p + 8);
	e->method = rd16(p + 10);
	e->dos_datetime = (uint32_t)rd16(p + 14) << 16 | rd16(p + 12);
	e->crc32 = rd32(p + 16);
	e->external_attr = rd32(p + 38);
	e->central_offset = pos;
	uint64_t csize = rd32(p + 20), usize = rd32(p + 24), offset = rd32(p + 42);
	bool malformed = false;
	if (!apply_zip64(extra, extra_len, &usize, &csize, &offset, &malformed))
		return zip_err(z, err, KB_EPARSE, pos, "central header %llu: a ZIP64 extra field (0x0001) with a member for "
		               "each 0xFFFFFFFF size or offset", (unsigned long long)index);
	if (!malformed) {
		size_t ignored;
		find_extra(extra, extra_len, 0xFFFF, &ignored, &malformed); /* walk it all */
	}
	if (malformed)
		e->anomalies |= KB_ZIP_ANOMALY_EXTRA;
	e->compressed_size = csize;
	e->uncompressed_size = usize;

	/* the local header */
	if (offset >= z->cd_start - z->prefix)
		return zip_err(z, err, KB_EPARSE, pos + 42, "entry %llu: a local header offset below %llu (it says %llu)",
		               (unsigned long long)index, (unsigned long long)(z->cd_start - z->prefix),
		               (unsigned long long)offset);
	uint64_t loc = z->prefix + offset;
	if (!within(loc, LOCAL_LEN, z->cd_start) || rd32(d + loc) != SIG_LOCAL)
		return zip_err(z, err, KB_EPARSE, loc, "entry %llu: a local header (PK\\3\\4) where the central directory "
		               "says it is", (unsigned long long)index);
	const uint8_t *l = d + loc;
	uint16_t lflags = rd16(l + 6), lmethod = rd16(l + 8), lname_len = rd16(l + 26), lextra_len = rd16(l + 28);
	uint64_t data = loc + LOCAL_LEN + lname_len + lextra_len;
	if (data > z->cd_start)
		return zip_err(z, err, KB_EPARSE, loc, "entry %llu: a local header whose name and extra field end before "
		               "the central directory", (unsigned long long)index);
	if (!within(data, csize, z->cd_start))
		return zip_err(z, err, KB_EPARSE, data, "entry %llu: %llu bytes of data before the central directory at "
		               "byte %llu", (unsigned long long)index, (unsigned long long)csize,
		               (unsigned long long)z->cd_start);
	e->local_offset = loc;
	e->data_offset = data;
	if (lname_len != name_len || memcmp(l + LOCAL_LEN, raw_name, name_len) != 0)
		e->anomalies |= KB_ZIP_ANOMALY_LOCAL_NAME;
	if (lmethod != e->method)
		e->anomalies |= KB_ZIP_ANOMALY_LOCAL_METHOD;
	if ((lflags ^ e->flags) & (FLAG_ENCRYPTED | FLAG_DESCRIPTOR | FLAG_STRONG_ENCRYPTION))
		e->anomalies |= KB_ZIP_ANOMALY_LOCAL_FLAGS;
	if (!(lflags & FLAG_DESCRIPTOR)) {
		uint64_t lc = rd32(l + 18), lu = rd32(l + 22);
		bool lmalformed = false;
		if (rd32(l + 14) != e->crc32 ||
		    !apply_zip64(l + LOCAL_LEN + lname_len, lextra_len, &lu, &lc, NULL, &lmalformed) || lc != csize ||
		    lu != usize)
			e->anomalies |= KB_ZIP_ANOMALY_LOCAL_SIZES;
	}
	uint64_t end = data + csize;
	if (e->flags & FLAG_DESCRIPTOR) {
		uint64_t dl = descriptor_len(z, end, e->crc32, csize, usize);
		if (!dl)
			e->anomalies |= KB_ZIP_ANOMALY_DESCRIPTOR;
		end += dl;
	}

	e->raw_name = raw_name;
	e->raw_name_len = name_len;
	e->is_dir = name_len && raw_name[name_len - 1] == '/';
	if (unsafe_path(raw_name, name_len))
		e->anomalies |= KB_ZIP_ANOMALY_UNSAFE_NAME;
	if (names) {
		e->anomalies |= convert_name(raw_name, name_len, e->flags & FLAG_UTF8, z->namebuf, &e->name_len);
		e->name = z->namebuf;
	} else {
		e->name = "";
	}
	if ((e->flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION)) || e->method == 99)
		e->status = KB_ZIP_ENTRY_ENCRYPTED;
	else if (e->method == 0 || e->method == 8)
		e->status = KB_ZIP_ENTRY_OK;
	else
		e->status = KB_ZIP_ENTRY_UNSUPPORTED;

	*ret_next = pos + CENTRAL_LEN + name_len + extra_len + comment_len;
	*ret_end = end;
	return 0;
}

/* A digital signature record closing the central directory at `pos`? */
static bool at_digital_signature(const kb_zip *z, uint64_t pos)
{
	return within(pos, 6, z->cd_end) && rd32(z->data + pos) == SIG_DIGITAL_SIG &&
	       pos + 6 + rd16(z->data + pos + 4) == z->cd_end;
}

/* ---- opening: the whole directory, overlap and gaps -------------------- */

struct range {
	uint64_t start, end, index;
};

static int range_cmp(const void *a, const void *b)
{
	const struct range *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

static void note_anomaly(kb_zip *z, uint32_t bits, uint64_t offset)
{
	if (!bits)
		return;
	if (!z->anomalies)
		z->anomaly_offset = offset;
	z->anomalies |= bits;
}

/* Anomalies found so far, and the offset of the first. */
struct gaps {
	uint32_t bits;
	uint64_t offset;
};

/* Bytes [from, to) that no entry covers. Bytes before the first entry are
 * a launcher's (an archive whose offsets were adjusted for its prefix, as
 * `zip -A` does) unless a local header hides among them. */
static void note_gap(const kb_zip *z, struct gaps *g, uint64_t from, uint64_t to)
{
	if (from >= to)
		return;
	static const uint8_t sig[4] = { 'P', 'K', 3, 4 };
	bool hidden = memmem(z->data + from, to - from, sig, sizeof sig) != NULL;
	if (from == z->prefix && !hidden)
		return;
	if (!g->bits)
		g->offset = from;
	g->bits |= KB_ZIP_ANOMALY_GAP | (hidden ? KB_ZIP_ANOMALY_HIDDEN_LOCAL : 0);
}

static int overlap_error(kb_zip *z, const struct range *a, const struct range *b, kb_error *err)
{
	return zip_err(z, err, KB_EINVAL, b->start, "entry %llu's bytes (%llu-%llu) overlap entry %llu's (%llu-%llu): "
	               "entries that share data (an overlapping zip bomb?)", (unsigned long long)b->index,
	               (unsigned long long)b->start, (unsigned long long)b->end, (unsigned long long)a->index,
	               (unsigned long long)a->start, (unsigned long long)a->end);
}

/* Walk the whole central directory once; check overlaps in the same pass
 * when the entries come in order, else collect and sort their ranges. */
static int check_directory(kb_zip *z, kb_error *err)
{
	kb_zip_entry e;
	struct range prev = { z->prefix, z->prefix, 0 };
	bool ordered = true;
	struct gaps gaps = { 0, KB_NO_OFFSET }; /* kept only if the entries prove ordered */
	uint64_t n = 0, pos = z->cd_start, next, end;
	while (pos < z->cd_end && !at_digital_signature(z, pos)) {
		if (n == KB_ZIP_MAX_ENTRIES)
			return zip_err(z, err, KB_ELIMIT, pos, "more than KB_ZIP_MAX_ENTRIES (%u) entries",
			               KB_ZIP_MAX_ENTRIES);
		int r = parse_entry(z, pos, n, false, &e, &next, &end, err);
		if (r < 0)
			return r;
		if (ordered) {
			struct range cur = { e.local_offset, end, n };
			if (cur.start < prev.start)
				ordered = false;
			else if (cur.start < prev.end)
				return overlap_error(z, &prev, &cur, err);
			else {
				note_gap(z, &gaps, prev.end, cur.start);
				prev = cur;
			}
		}
		pos = next;
		n++;
	}
	z->entries = n;
	if (ordered) {
		note_gap(z, &gaps, prev.end, z->cd_start);
		note_anomaly(z, gaps.bits, gaps.offset);
		return 0;
	}

	/* out of order: a second pass that cannot fail differently */
	struct range *ranges = malloc(n * sizeof *ranges);
	if (!ranges)
		return zip_err(z, err, KB_ENOMEM, KB_NO_OFFSET, "out of memory for %llu entry ranges",
		               (unsigned long long)n);
	pos = z->cd_start;
	for (uint64_t i = 0; i < n; i++) {
		int r = parse_entry(z, pos, i, false, &e, &next, &end, err);
		if (r < 0) {
			free(ranges);
			return r;
		}
		ranges[i] = (struct range){ e.local_offset, end, i };
		pos = next;
	}
	qsort(ranges, n, sizeof *ranges, range_cmp);
	int r = 0;
	uint64_t covered = z->prefix;
	gaps = (struct gaps){ 0, KB_NO_OFFSET };
	for (uint64_t i = 0; i < n; i++) {
		if (i > 0 && ranges[i].start < ranges[i - 1].end) {
			r = overlap_error(z, &ranges[i - 1], &ranges[i], err);
			break;
		}
		note_gap(z, &gaps, covered, ranges[i].start);
		covered = ranges[i].end;
	}
	if (r == 0) {
		note_gap(z, &gaps, covered, z->cd_start);
		note_anomaly(z, gaps.bits, gaps.offset);
	}
	free(ranges);
	return r;
}

kb_zip *kb_zip_free(kb_zip *z)
{
	if (!z)
		return NULL;
	assert(z->children == 0);
	if (z->parent)
		z->parent->children--;
	if (z->root == z && z->dec)
		libdeflate_free_decompressor(z->dec);
	if (z->map)
		munmap(z->map, z->map_size);
	free(z->owned);
	free(z->name);
	free(z);
	return NULL;
}

int zip_open_bytes(const uint8_t *data, size_t size, uint8_t *owned, char *name, kb_zip *parent,
                   kb_zip_budget *budget, kb_zip **ret, kb_error *err)
{
	static const uint8_t empty[1];
	kb_zip *z = calloc(1, sizeof *z);
	if (!z || !name) {
		free(z);
		free(owned);
		free(name);
		return kb_error_set(err, KB_ENOMEM, "", 0, 0, KB_NO_OFFSET, "out of memory opening an archive");
	}
	z->data = data ? data : empty;
	z->size = data ? size : 0;
	z->owned = owned;
	z->name = name;
	z->anomaly_offset = KB_NO_OFFSET;
	if (parent) {
		z->parent = parent;
		z->root = parent->root;
		z->depth = parent->depth + 1;
		assert(z->depth <= KB_ZIP_MAX_DEPTH);
	} else {
		z->root = z;
		kb_zip_budget_init(&z->own_budget, KB_ZIP_MAX_INFLATED_TOTAL);
		z->budget = budget ? budget : &z->own_budget;
	}

	struct eocd f = { 0 };
	int r = find_eocd(z, &f, err);
	if (r == 0) {
		z->prefix = f.prefix;
		z->cd_start = f.cd_start;
		z->cd_end = f.cd_end;
		z->cd_size = f.cd_size;
		z->eocd = f.eocd;
		z->stated_entries = f.stated_entries;
		z->zip64 = f.zip64;
		z->comment = z->data + f.eocd + EOCD_LEN;
		z->comment_len = f.comment_len;
		r = check_directory(z, err);
	}
	if (r < 0) {
		z->parent = NULL; /* never counted as the parent's child */
		kb_zip_free(z);
		return r;
	}
	if (z->entries != z->stated_entries)
		note_anomaly(z, KB_ZIP_ANOMALY_COUNT, z->eocd);
	z->cursor = z->cd_start;
	if (parent)
		parent->children++;
	*ret = z;
	return 0;
}

int kb_zip_open_buffer(const uint8_t *data, size_t size, const char *name, kb_zip_budget *budget, kb_zip **ret,
                       kb_error *err)
{
	return zip_open_bytes(data, size, NULL, strdup(name ? name : ""), NULL, budget, ret, err);
}

int kb_zip_open_file(const char *path, kb_zip_budget *budget, kb_zip **ret, kb_error *err)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;
		kb_error_set(err, KB_EIO, path, 0, 0, KB_NO_OFFSET, "%s",
		             e == ELOOP ? "a symbolic link (not followed)" : strerror(e));
		if (err)
			err->sys_errno = e;
		return KB_EIO;
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int e = errno;
		close(fd);
		kb_error_set(err, KB_EIO, path, 0, 0, KB_NO_OFFSET, "%s", strerror(e));
		if (err)
			err->sys_errno = e;
		return KB_EIO;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return kb_error_set(err, KB_EINVAL, path, 0, 0, KB_NO_OFFSET, "not a regular file");
	}
	if ((uint64_t)st.st_size > SIZE_MAX) {
		close(fd);
		return kb_error_set(err, KB_ELIMIT, path, 0, 0, KB_NO_OFFSET, "too large to map");
	}
	size_t size = (size_t)st.st_size;
	void *map = NULL;
	if (size) {
		map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED) {
			int e = errno;
			close(fd);
			kb_error_set(err, KB_EIO, path, 0, 0, KB_NO_OFFSET, "cannot map: %s", strerror(e));
			if (err)
				err->sys_errno = e;
			return KB_EIO;
		}
	}
	close(fd);
	kb_zip *z = NULL;
	int r = zip_open_bytes(map, size, NULL, strdup(path), NULL, budget, &z, err);
	if (r < 0) {
		if (map)
			munmap(map, size);
		return r;
	}
	z->map = map;
	z->map_size = size;
	*ret = z;
	return 0;
}

/* ---- the walk ---------------------------------------------------------- */

void kb_zip_get_info(const kb_zip *z, kb_zip_info *ret)
{
	*ret = (kb_zip_info){
		.size = z->size,
		.entries = z->entries,
		.stated_entries = z->stated_entries,
		.prefix = z->prefix,
		.cd_offset = z->cd_start,
		.cd_size = z->cd_size,
		.eocd_offset = z->eocd,
		.zip64 = z->zip64,
		.depth = z->depth,
		.comment = z->comment,
		.comment_len = z->comment_len,
		.anomalies = z->anomalies,
		.anomaly_offset = z->anomaly_offset,
	};
}

const char *kb_zip_name(const kb_zip *z)
{
	return z->name;
}

void kb_zip_rewind(kb_zip *z)
{
	z->cursor = z->cd_start;
	z->cursor_index = 0;
}

int kb_zip_next(kb_zip *z, kb_zip_entry *ret, kb_error *err)
{
	if (z->cursor_index >= z->entries)
		return 0;
	uint64_t next, end;
	kb_zip_entry e;
	int r = parse_entry(z, z->cursor, z->cursor_index, true, &e, &next, &end, err);
	if (r < 0)
		return r;
	*ret = e;
	z->cursor = next;
	z->cursor_index++;
	return 1;
}

int kb_zip_find(kb_zip *z, const char *name, kb_zip_entry *ret, kb_error *err)
{
	kb_zip_rewind(z);
	size_t len = strlen(name);
	kb_zip_entry e;
	int r;
	while ((r = kb_zip_next(z, &e, err)) > 0)
		if (e.name_len == len && memcmp(e.name, name, len) == 0) {
			*ret = e;
			return 1;
		}
	return r;
}
