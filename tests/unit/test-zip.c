/*
 * test-zip.c - the ZIP reader against archives the tests build themselves
 * (zip-test-util.h): stored and deflated entries, nesting to depth 8 and past
 * the limit, ZIP64 with 70,000 entries, prefixed jars, data descriptors, a
 * fake end record in the comment, a self-nesting quine, the overlapping-entry
 * bomb, truncation, bad CRCs, encrypted and bzip2 entries, CP437 names, a
 * large entry streamed, and every limit in zip.h.
 */
#include "koban/zip.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "zip-test-util.h"

/* ---- helpers ------------------------------------------------------------ */

static kb_zip *open_ok(const uint8_t *d, size_t n)
{
	kb_zip *z = NULL;
	kb_error err;
	kb_error_clear(&err);
	int r = kb_zip_open_buffer(d, n, "test.zip", NULL, &z, &err);
	if (r != 0)
		fail_msg("open: %s (%s at byte %llu)", err.msg, kb_err_name(r), (unsigned long long)err.offset);
	return z;
}

/* Open expecting failure `code`; the message must contain `needle`. Returns the error's offset. */
static uint64_t open_fails(const uint8_t *d, size_t n, int code, const char *needle)
{
	kb_zip *z = NULL;
	kb_error err;
	kb_error_clear(&err);
	int r = kb_zip_open_buffer(d, n, "test.zip", NULL, &z, &err);
	if (r != code)
		fail_msg("expected %s, got %s: %s", kb_err_name(code), kb_err_name(r), err.msg);
	assert_null(z);
	if (!strstr(err.msg, needle))
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, needle);
	assert_string_equal(err.file, "test.zip");
	return err.offset;
}

static void next_ok(kb_zip *z, kb_zip_entry *e)
{
	kb_error err;
	int r = kb_zip_next(z, e, &err);
	if (r != 1)
		fail_msg("next: %d %s", r, r < 0 ? err.msg : "(end)");
}

static void find_ok(kb_zip *z, const char *name, kb_zip_entry *e)
{
	kb_error err;
	int r = kb_zip_find(z, name, e, &err);
	if (r != 1)
		fail_msg("find %s: %d", name, r);
}

/* Read entry `name` whole and compare it with `want`. */
static void read_equals(kb_zip *z, const char *name, const void *want, size_t n)
{
	kb_zip_entry e;
	find_ok(z, name, &e);
	kb_zip_data d;
	kb_error err;
	int r = kb_zip_read(z, &e, &d, &err);
	if (r != 0)
		fail_msg("read %s: %s", name, err.msg);
	assert_int_equal(d.size, n);
	assert_memory_equal(d.bytes, want, n);
	kb_zip_data_clear(&d);
}

static uint64_t count_entries(kb_zip *z)
{
	kb_zip_entry e;
	kb_error err;
	uint64_t n = 0;
	int r;
	kb_zip_rewind(z);
	while ((r = kb_zip_next(z, &e, &err)) > 0)
		n++;
	assert_int_equal(r, 0);
	return n;
}

static uint32_t rd32le(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Offset of the (non-ZIP64) end record of an archive made by zt_finish with
 * a comment of `comment_len` bytes. */
static size_t eocd_at(size_t len, size_t comment_len)
{
	return len - 22 - comment_len;
}

/* ---- reading ------------------------------------------------------------ */

static const char manifest[] = "Manifest-Version: 1.0\r\nCreated-By: koban tests\r\n"
                               "Implementation-Title: log4j-core\r\nImplementation-Version: 2.14.1\r\n";

static void test_stored_and_deflated(void **state)
{
	(void)state;
	zt_zip w = { 0 };
	zt_add_str(&w, "META-INF/MANIFEST.MF", manifest, 8);
	zt_add_str(&w, "a/stored.txt", "stored bytes", 0);
	zt_add_str(&w, "dir/", "", 0);
	zt_add_str(&w, "empty.txt", "", 8);
	size_t n;
	uint8_t *zip = zt_finish(&w, "a comment", 9, false, &n);
	kb_zip *z = open_ok(zip, n);

	kb_zip_info info;
	kb_zip_get_info(z, &info);
	assert_int_equal(info.entries, 4);
	assert_int_equal(info.stated_entries, 4);
	assert_int_equal(info.prefix, 0);
	assert_false(info.zip64);
	assert_int_equal(info.depth, 0);
	assert_int_equal(info.anomalies, 0);
	assert_int_equal(info.anomaly_offset, KB_NO_OFFSET);
	assert_int_equal(info.comment_len, 9);
	assert_memory_equal(info.comment, "a comment", 9);
	assert_string_equal(kb_zip_name(z), "test.zip");

	kb_zip_entry e;
	next_ok(z, &e);
	assert_string_equal(e.name, "META-INF/MANIFEST.MF");
	assert_int_equal(e.index, 0);
	assert_int_equal(e.method, 8);
	assert_int_equal(e.status, KB_ZIP_ENTRY_OK);
	assert_int_equal(e.uncompressed_size, strlen(manifest));
	assert_true(e.compressed_size < e.uncompressed_size);
	assert_int_equal(e.anomalies, 0);
	assert_false(e.is_dir);
	assert_int_equal(e.external_attr >> 16, 0100644);
	next_ok(z, &e);
	assert_string_equal(e.name, "a/stored.txt");
	assert_int_equal(e.method, 0);
	next_ok(z, &e);
	assert_true(e.is_dir);
	next_ok(z, &e);
	assert_string_equal(e.name, "empty.txt");
	kb_error err;
	assert_int_equal(kb_zip_next(z, &e, &err), 0);
	assert_int_equal(kb_zip_next(z, &e, &err), 0);

	read_equals(z, "META-INF/MANIFEST.MF", manifest, strlen(manifest));
	read_equals(z, "empty.txt", "", 0);
	read_equals(z, "dir/", "", 0);

	/* stored: a slice of the archive, nothing copied */
	find_ok(z, "a/stored.txt", &e);
	kb_zip_data d;
	assert_int_equal(kb_zip_read(z, &e, &d, &err), 0);
	assert_null(d.owned);
	assert_ptr_equal(d.bytes, zip + e.data_offset);
	assert_memory_equal(d.bytes, "stored bytes", 12);
	kb_zip_data_clear(&d);
	kb_zip_data_clear(NULL);

	assert_int_equal(kb_zip_find(z, "missing", &e, &err), 0);
	assert_null(kb_zip_free(z));
	assert_null(kb_zip_free(NULL));
	free(zip);
}

static void test_empty_and_not_zip(void **state)
{
	(void)state;
	zt_zip w = { 0 };
	size_t n;
	uint8_t *zip = zt_finish(&w, NULL, 0, false, &n);
	assert_int_equal(n, 22);
	kb_zip *z = open_ok(zip, n);
	assert_int_equal(count_entries(z), 0);
	kb_zip_free(z);
	free(zip);

	open_fails((const uint8_t *)"", 0, KB_EFORMAT, "not a ZIP archive");
	open_fails(NULL, 0, KB_EFORMAT, "not a ZIP archive");
	const char text[] = "hello, this is plain text and not an archive at all";
	open_fails((const uint8_t *)text, sizeof text, KB_EFORMAT, "not a ZIP archive");
}

/* ---- nesting ------------------------------------------------------------ */

/* An archive nested `levels` deep: level k holds "level-(k+1).jar" and the
 * innermost holds "leaf.txt". Alternately stored and deflated. */
static uint8_t *make_chain(int levels, size_t *ret_len)
{
	size_t n;
	uint8_t *cur = zt_single("leaf.txt", "the innermost leaf", 18, 8, &n);
	for (int k = levels; k >= 1; k--) {
		char name[32];
		snprintf(name, sizeof name, "level-%d.jar", k);
		zt_zip w = { 0 };
		zt_opts o = { .method = k % 2 ? 0 : 8 };
		zt_add(&w, name, strlen(name), cur, n, &o);
		free(cur);
		cur = zt_finish(&w, "chain", 5, false, &n);
	}
	*ret_len = n;
	return cur;
}

static void test_nested_depth8(void **state)
{
	(void)state;
	size_t n;
	uint8_t *zip = make_chain(8, &n);
	kb_zip *chain[9] = { open_ok(zip, n) };
	for (int k = 1; k <= 8; k++) {
		kb_zip_entry e;
		next_ok(chain[k - 1], &e);
		char name[32];
		snprintf(name, sizeof name, "level-%d.jar", k);
		assert_string_equal(e.name, name);
		kb_error err;
		int r = kb_zip_open_entry(chain[k - 1], &e, &chain[k], &err);
		if (r != 0)
			fail_msg("level %d: %s", k, err.msg);
		kb_zip_info info, pinfo;
		kb_zip_get_info(chain[k], &info);
		kb_zip_get_info(chain[k - 1], &pinfo);
		assert_int_equal(info.depth, k);
		if (e.method == 0) { /* a stored child is a slice of its parent */
			uintptr_t start = (uintptr_t)pinfo.comment - (uintptr_t)(pinfo.eocd_offset + 22);
			assert_true((uintptr_t)info.comment > start && (uintptr_t)info.comment < start + pinfo.size);
		}
	}
	assert_string_equal(kb_zip_name(chain[2]), "test.zip!/level-1.jar!/level-2.jar");
	read_equals(chain[8], "leaf.txt", "the innermost leaf", 18);
	for (int k = 8; k >= 0; k--)
		kb_zip_free(chain[k]);
	free(zip);
}

static void test_nested_past_limit(void **state)
{
	(void)state;
	size_t n;
	uint8_t *zip = make_chain(KB_ZIP_MAX_DEPTH + 1, &n); /* 17 levels */
	kb_zip *chain[KB_ZIP_MAX_DEPTH + 2] = { open_ok(zip, n) };
	int k;
	kb_error err;
	int r = 0;
	for (k = 1; k <= KB_ZIP_MAX_DEPTH + 1; k++) {
		kb_zip_entry e;
		next_ok(chain[k - 1], &e);
		kb_error_clear(&err);
		r = kb_zip_open_entry(chain[k - 1], &e, &chain[k], &err);
		if (r != 0)
			break;
	}
	assert_int_equal(k, KB_ZIP_MAX_DEPTH + 1); /* depth 16 opened, 17 refused */
	assert_int_equal(r, KB_ELIMIT);
	assert_non_null(strstr(err.msg, "KB_ZIP_MAX_DEPTH"));
	assert_non_null(strstr(err.file, "level-16.jar"));
	while (--k >= 0)
		kb_zip_free(chain[k]);
	free(zip);
}

static void test_self_nesting_quine(void **state)
{
	(void)state;
	size_t n;
	uint8_t *zip = zt_quine(&n);
	kb_zip *z = open_ok(zip, n);
	kb_zip_entry e;
	next_ok(z, &e);
	assert_string_equal(e.name, "r.zip");
	assert_int_equal(e.method, 8);
	assert_int_equal(e.anomalies, 0);
	assert_int_equal(e.uncompressed_size, n);
	/* it really is a quine: the entry inflates to the whole archive */
	kb_zip_data d;
	kb_error err;
	assert_int_equal(kb_zip_read(z, &e, &d, &err), 0);
	assert_int_equal(d.size, n);
	assert_memory_equal(d.bytes, zip, n);
	kb_zip_data_clear(&d);
	/* and opening it as an archive stops at once */
	kb_zip *child = NULL;
	assert_int_equal(kb_zip_open_entry(z, &e, &child, &err), KB_EINVAL);
	assert_null(child);
	assert_non_null(strstr(err.msg, "self-nesting"));
	kb_zip_free(z);
	free(zip);
}

/* ---- ZIP64, prefixes, descriptors, the end record ------------------------ */

static void test_zip64_70000(void **state)
{
	(void)state;
	zt_zip w = { 0 };
	for (int i = 0; i < 70000; i++) {
		char name[32], body[32];
		snprintf(name, sizeof name, "org/example/C%05d.class", i);
		snprintf(body, sizeof body, "class %d", i);
		zt_add_str(&w, name, body, i % 2 ? 8 : 0);
	}
	size_t n;
	uint8_t *zip = zt_finish(&w, NULL, 0, false, &n);
	kb_zip *z = open_ok(zip, n);
	kb_zip_info info;
	kb_zip_get_info(z, &info);
	assert_true(info.zip64);
	assert_int_equal(info.entries, 70000);
	assert_int_equal(info.stated_entries, 70000);
	assert_int_equal(info.anomalies, 0);
	assert_int_equal(count_entries(z), 70000);
	read_equals(z, "org/example/C69999.class", "class 69999", 11);
	read_equals(z, "org/example/C00000.class", "class 0", 7);
	kb_zip_free(z);
	free(zip);
}

static void test_zip64_extra_fields(void **state)
{
	(void)state;
	zt_zip w = { 0 };
	zt_opts a = { .method = 8, .zip64 = true };
	zt_opts b = { .method = 0, .zip64 = true, .descriptor = true, .descriptor_sig = true };
	zt_add(&w, "big.txt", 7, manifest, strlen(manifest), &a);
	zt_add(&w, "desc.txt", 8, "zip64 descriptor", 16, &b);
	size_t n;
	uint8_t *zip = zt_finish(&w, NULL, 0, true, &n);
	kb_zip *z = open_ok(zip, n);
	kb_zip_info info;
	kb_zip_get_info(z, &info);
	assert_true(info.zip64);
	assert_int_equal(info.anomalies, 0);
	kb_zip_entry e;
	next_ok(z, &e);
	assert_int_equal(e.anomalies, 0);
	assert_int_equal(e.uncompressed_size, strlen(manifest));
	next_ok(z, &e);
	assert_int_equal(e.anomalies, 0);
	read_equals(z, "big.txt", manifest, strlen(manifest));
	read_equals(z, "desc.txt", "zip64 descriptor", 16);
	kb_zip_free(z);

	/* a saturated size with no ZIP64 extra is an error, located at its header */
	zt_zip v = { 0 };
	zt_add_str(&v, "x", "x", 0);
	uint8_t *bad = zt_finish(&v, NULL, 0, false, &n);
	size_t cd = rd32le(bad + eocd_at(n, 0) + 16);
	zt_set32(bad + cd + 24, 0xFFFFFFFFu);
	assert_int_equal(open_fails(bad, n, KB_EPARSE, "ZIP64 extra field"), cd);
	free(bad);
	free(zip);
}

static const char launcher[] = "#!/bin/sh\nexec java -jar \"$0\" \"$@\"\nexit 1\n";

static uint8_t *prepend(const void *prefix, size_t plen, uint8_t *zip, size_t *n)
{
	uint8_t *out = malloc(plen + *n);
	memcpy(out, prefix, plen);
	memcpy(out + plen, zip, *n);
	free(zip);
	*n += plen;
	return out;
}

static void test_prefixed(void **state)
{
	(void)state;
	for (int zip64 = 0; zip64 < 2; zip64++) {
		zt_zip w = { 0 };
		zt_add_str(&w, "META-INF/MANIFEST.MF", manifest, 8);
		zt_add_str(&w, "Main.class", "\xca\xfe\xba\xbe", 0);
		size_t n;
		uint8_t *zip = zt_finish(&w, NULL, 0, zip64, &n);
		zip = prepend(launcher, strlen(launcher), zip, &n);
		kb_zip *z = open_ok(zip, n);
		kb_zip_info info;
		kb_zip_get_info(z, &info);
		assert_int_equal(info.prefix, strlen(launcher));
		assert_int_equal(info.zip64, zip64);
		assert_int_equal(info.anomalies, 0);
		read_equals(z, "META-INF/MANIFEST.MF", manifest, strlen(manifest));
		read_equals(z, "Main.class", "\xca\xfe\xba\xbe", 4);
		kb_zip_free(z);
		free(zip);
	}
	/* a launcher whose archive's offsets were adjusted to count it (zip -A):
	 * no prefix to add, and its bytes are not a gap */
	zt_zip a = { 0 };
	zt_add_str(&a, "Main.class", "\xca\xfe\xba\xbe", 0);
	zt_add_str(&a, "META-INF/MANIFEST.MF", manifest, 8);
	size_t alen;
	uint8_t *adj = zt_finish(&a, NULL, 0, false, &alen);
	size_t plen = strlen(launcher), eocd = eocd_at(alen, 0), cd = rd32le(adj + eocd + 16);
	for (size_t h = cd; h < eocd; h += 46 + adj[h + 28] + adj[h + 30] + adj[h + 32])
		zt_set32(adj + h + 42, rd32le(adj + h + 42) + (uint32_t)plen);
	zt_set32(adj + eocd + 16, (uint32_t)(cd + plen));
	adj = prepend(launcher, plen, adj, &alen);
	kb_zip *z = open_ok(adj, alen);
	kb_zip_info info;
	kb_zip_get_info(z, &info);
	assert_int_equal(info.prefix, 0);
	assert_int_equal(info.anomalies, 0);
	read_equals(z, "META-INF/MANIFEST.MF", manifest, strlen(manifest));
	kb_zip_free(z);
	free(adj);

	/* JMOD: a 4-byte header */
	size_t n;
	uint8_t *zip = zt_single("classes/module-info.class", "\xca\xfe", 2, 0, &n);
	zip = prepend("JM\1\0", 4, zip, &n);
	z = open_ok(zip, n);
	kb_zip_get_info(z, &info);
	assert_int_equal(info.prefix, 4);
	read_equals(z, "classes/module-info.class", "\xca\xfe", 2);
	kb_zip_free(z);
	free(zip);
}

static void test_data_descriptors(void **state)
{
	(void)state;
	zt_zip w = { 0 };
	zt_opts o1 = { .method = 8, .descriptor = true, .descriptor_sig = true };
	zt_opts o2 = { .method = 8, .descriptor = true };
	zt_opts o3 = { .method = 0, .descriptor = true, .descriptor_sig = true };
	zt_add(&w, "one.txt", 7, manifest, strlen(manifest), &o1);
	zt_add(&w, "two.txt", 7, manifest, strlen(manifest), &o2);
	zt_add(&w, "three.txt", 9, "stored with a descriptor", 24, &o3);
	size_t n;
	uint8_t *zip = zt_finish(&w, NULL, 0, false, &n);
	kb_zip *z = open_ok(zip, n);
	kb_zip_info info;
	kb_zip_get_info(z, &info);
	assert_int_equal(info.anomalies, 0);
	kb_zip_entry e;
	for (int i = 0; i < 3; i++) {
		next_ok(z, &e);
		assert_true(e.flags & 0x0008);
		assert_int_equal(e.anomalies, 0);
		assert_int_equal(rd32le(zip + e.local_offset + 18), 0); /* local sizes are zero */
	}
	read_equals(z, "one.txt", manifest, strlen(manifest));
	read_equals(z, "two.txt", manifest, strlen(manifest));
	read_equals(z, "three.txt", "stored with a descriptor", 24);

	/* a descriptor that does not match is an anomaly, not an error */
	find_ok(z, "one.txt", &e);
	uint64_t desc = e.data_offset + e.compressed_size;
	kb_zip_free(z);
	zip[desc + 4] ^= 0xFF; /* its CRC */
	z = open_ok(zip, n);
	find_ok(z, "one.txt", &e);
	assert_true(e.anomalies & KB_ZIP_ANOMALY_DESCRIPTOR);
	kb_zip_get_info(z, &info);
	assert_true(info.anomalies & KB_ZIP_ANOMALY_GAP);
	assert_int_equal(info.anomaly_offset, desc);
	read_equals(z, "one.txt", manifest, strlen(manifest));
	kb_zip_free(z);
	free(zip);
}

static void test_fake_eocd_in_comment(void **state)
{
	(void)state;
	/* a fake end record in the comment, claiming one entry at offset 0 */
	for (int variant = 0; variant < 3; variant++) {
		zt_zip w = { 0 };
		zt_add_str(&w, "real.txt", "the real entry", 0);
		uint8_t comment[64] = "see: ";
		zt_buf f = { 0 };
		zt_u32(&f, 0x06054b50);
		zt_u16(&f, 0);
		zt_u16(&f, 0);
		zt_u16(&f, 1);
		zt_u16(&f, 1);
		zt_u32(&f, variant == 2 ? 10 : 46);
		zt_u32(&f, 0);
		/* variant 0: its comment does not reach the end; 1 and 2: it does,
		 * but no central header is where it points */
		size_t after = sizeof comment - 5 - 22;
		zt_u16(&f, variant == 0 ? 0 : after);
		memcpy(comment + 5, f.p, 22);
		free(f.p);
		size_t n;
		uint8_t *zip = zt_finish(&w, comment, sizeof comment, false, &n);
		kb_zip *z = open_ok(zip, n);
		kb_zip_info info;
		kb_zip_get_info(z, &info);
		assert_int_equal(info.eocd_offset, eocd_at(n, sizeof comment));
		assert_int_equal(info.entries, 1);
		read_equals(z, "real.txt", "the real entry", 14);
		kb_zip_free(z);
		free(zip);
	}
}

/* ---- hostile and broken archives ---------------------------------------- */

/* Replace the central directory of `zip` with `copies` copies of its first
 * central header: every entry the same bytes (Fifield's full overlap). */
static uint8_t *overlap_bomb(int copies, size_t *n)
{
	size_t len;
	uint8_t *one = zt_single("bomb.txt", manifest, strlen(manifest), 8, &len);
	size_t e = eocd_at(len, 0), cd = rd32le(one + e + 16), cdlen = rd32le(one + e + 12);
	zt_buf b = { 0 };
	zt_put(&b, one, cd);
	for (int i = 0; i < copies; i++)
		zt_put(&b, one + cd, cdlen);
	zt_u32(&b, 0x06054b50);
	zt_u32(&b, 0);
	zt_u16(&b, copies);
	zt_u16(&b, copies);
	zt_u32(&b, cdlen * copies);
	zt_u32(&b, cd);
	zt_u16(&b, 0);
	free(one);
	*n = b.len;
	return b.p;
}

static void test_overlap_bomb(void **state)
{
	(void)state;
	size_t n;
	uint8_t *zip = overlap_bomb(1000, &n);
	assert_int_equal(open_fails(zip, n, KB_EINVAL, "overlap"), 0);
	free(zip);

	/* quoted overlap: entry 2's local header sits inside entry 1's data */
	size_t inner_len;
	uint8_t *inner = zt_single("quoted.txt", "the quoted entry", 16, 0, &inner_len);
	size_t inner_cd = rd32le(inner + eocd_at(inner_len, 0) + 16);
	zt_zip w = { 0 };
	zt_add(&w, "outer.bin", 9, inner, inner_cd, NULL); /* stored: its data is the quoted local entry */
	zt_opts q = { .no_local = true, .set_offset = true, .offset = 30 + 9, .raw = true,
	              .crc = zt_crc("the quoted entry", 16), .usize = 16 };
	zt_add(&w, "quoted.txt", 10, "the quoted entry", 16, &q);
	zip = zt_finish(&w, NULL, 0, false, &n);
	assert_int_equal(open_fails(zip, n, KB_EINVAL, "overlap"), 39);
	free(zip);
	free(inner);

	/* out of order in the central directory but disjoint: fine; overlapping: not */
	zt_zip r = { 0 };
	zt_opts first = { .no_central = true }, c1 = { .no_local = true, .set_offset = true, .offset = 0, .raw = true,
	                                               .crc = zt_crc("aaaa", 4), .usize = 4 };
	zt_add(&r, "a", 1, "aaaa", 4, &first); /* local at 0, 35 bytes */
	zt_add(&r, "b", 1, "bbbb", 4, &first); /* local at 35 */
	zt_opts c0 = c1;
	c0.offset = 35;
	c0.crc = zt_crc("bbbb", 4);
	zt_add(&r, "b", 1, "bbbb", 4, &c0);
	zt_add(&r, "a", 1, "aaaa", 4, &c1);
	zip = zt_finish(&r, NULL, 0, false, &n);
	kb_zip *z = open_ok(zip, n);
	kb_zip_info info;
	kb_zip_get_info(z, &info);
	assert_int_equal(info.anomalies, 0);
	read_equals(z, "a", "aaaa", 4);
	read_equals(z, "b", "bbbb", 4);
	kb_zip_free(z);
	free(zip);
	zt_zip s = { 0 };
	zt_add(&s, "a", 1, "aaaa", 4, &first);
	zt_add(&s, "b", 1, "bbbb", 4, &first);
	zt_add(&s, "b", 1, "bbbb", 4, &c0);
	zt_add(&s, "a", 1, "aaaa", 4, &c1);
	zt_add(&s, "a", 1, "aaaa", 4, &c1);
	zip = zt_finish(&s, NULL, 0, false, &n);
	open_fails(zip, n, KB_EINVAL, "overlap");
	free(zip);
}

static void test_truncated(void **state)
{
	(void)state;
	zt_zip w = { 0 };
	zt_add_str(&w, "META-INF/MANIFEST.MF", manifest, 8);
	zt_add_str(&w, "a.txt", "some text that is stored", 0);
	size_t n;
	uint8_t *zip = zt_finish(&w, NULL, 0, false, &n);
	/* every cut, from one byte to all but one, is refused with a location */
	for (size_t cut = 1; cut < n; cut++) {
		kb_zip *z = NULL;
		kb_error err;
		kb_error_clear(&err);
		int r = kb_zip_open_buffer(zip, cut, "test.zip", NULL, &z, &err);
		assert_true(r == KB_EPARSE || r == KB_EFORMAT);
		assert_null(z);
		assert_true(err.offset <= cut);
	}
	open_fails(zip, n / 2, KB_EPARSE, "truncated");
	/* cut off the front: the end record points before the start */
	open_fails(zip + 40, n - 40, KB_EPARSE, "central directory");
	/* a local header that is not where the central directory says */
	uint8_t *bad = malloc(n);
	memcpy(bad, zip, n);
	bad[0] = 'X';
	assert_int_equal(open_fails(bad, n, KB_EPARSE, "local header"), 0);
	free(bad);
	free(zip);
}

static void test_bad_crc(void **state)
{
	(void)state;
	zt_zip w = { 0 };
	zt_add_str(&w, "stored.txt", "stored text", 0);
	zt_add_str(&w, "deflated.txt", manifest, 8);
	zt_add_str(&w, "corrupt.txt", manifest, 8);
	size_t n;
	uint8_t *zip = zt_finish(&w, NULL, 0, false, &n);
	kb_zip *z = open_ok(zip, n);
	kb_zip_entry s, d, c;
	find_ok(z, "stored.txt", &s);
	find_ok(z, "deflated.txt", &d);
	find_ok(z, "corrupt.txt", &c);
	zip[s.data_offset] ^= 1;
	zt_set32(zip + d.central_offset + 16, d.crc32 ^ 1);
	zt_set32(zip + d.local_offset + 14, d.crc32 ^ 1);
	zip[c.data_offset] = 0xFF; /* block type 3: invalid */
	kb_zip_free(z);

	z = open_ok(zip, n);
	kb_zip_data data;
	kb_error err;
	find_ok(z, "stored.txt", &s);
	assert_int_equal(kb_zip_read(z, &s, &data, &err), KB_EPARSE);
	assert_non_null(strstr(err.msg, "CRC-32"));
	assert_int_equal(err.offset, s.data_offset);
	find_ok(z, "deflated.txt", &d);
	assert_int_equal(d.anomalies, 0);
	assert_int_equal(kb_zip_read(z, &d, &data, &err), KB_EPARSE);
	assert_non_null(strstr(err.msg, "CRC-32"));
	find_ok(z, "corrupt.txt", &c);
	assert_int_equal(kb_zip_read(z, &c, &data, &err), KB_EPARSE);
	assert_non_null(strstr(err.msg, "corrupt deflate data"));
	kb_zip_free(z);
	free(zip);
}

static int count_chunk(void *u, const uint8_t *p, size_t n)
{
	(void)p;
	*(uint64_t *)u += n;
	return 0;
}

static void test_bad_crc_streamed(void **state)
{
	(void)state;
	zt_zip w = { 0 };
	zt_add_str(&w, "s.txt", "stored text", 0);
	zt_add_str(&w, "d.txt", manifest, 8);
	size_t n;
	uint8_t *zip = zt_finish(&w, NULL, 0, false, &n);
	kb_zip *z = open_ok(zip, n);
	kb_zip_entry s, d;
	find_ok(z, "s.txt", &s);
	find_ok(z, "d.txt", &d);
	kb_zip_free(z);
	zip[s.data_offset + 3] ^= 0x20;
	zt_set32(zip + d.central_offset + 16, d.crc32 + 1);
	z = open_ok(zip, n);
	kb_error err;
	uint64_t total = 0;
	find_ok(z, "s.txt", &s);
	assert_int_equal(kb_zip_stream(z, &s, count_chunk, &total, &err), KB_EPARSE);
	assert_non_null(strstr(err.msg, "CRC-32"));
	find_ok(z, "d.txt", &d);
	assert_true(d.anomalies & KB_ZIP_ANOMALY_LOCAL_SIZES); /* the local header still has the right CRC */
	assert_int_equal(kb_zip_stream(z, &d, count_chunk, &total, &err), KB_EPARSE);
	assert_non_null(strstr(err.msg, "CRC-32"));
	kb_zip_free(z);
	free(zip);
}

static void test_unscannable(void **state)
{
	(void)state;
	zt_zip w = { 0 };
	uint8_t junk[64];
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (uint8_t)(i * 37 + 11);
	zt_opts enc = { .method = 8, .flags = 0x0001, .raw = true, .crc = 0x12345678, .usize = 100 };
	zt_opts bz = { .method = 12, .raw = true, .crc = 0x9abcdef0, .usize = 200 };
	zt_add(&w, "secret.class", 12, junk, sizeof junk, &enc);
	zt_add(&w, "lib/inner.jar", 13, junk, sizeof junk, &bz);
	zt_add_str(&w, "plain.txt", "plain", 8);
	size_t n;
	uint8_t *zip = zt_finish(&w, NULL, 0, false, &n);
	kb_zip *z = open_ok(zip, n);
	kb_zip_entry e;
	kb_zip_data d;
	kb_error err;
	uint64_t total = 0;
	kb_zip *child = NULL;

	next_ok(z, &e);
	assert_int_equal(e.status, KB_ZIP_ENTRY_ENCRYPTED);
	assert_int_equal(kb_zip_read(z, &e, &d, &err), KB_EFORMAT);
	assert_non_null(strstr(err.msg, "encrypted"));
	assert_int_equal(err.offset, e.local_offset);
	assert_int_equal(kb_zip_stream(z, &e, count_chunk, &total, &err), KB_EFORMAT);

	next_ok(z, &e);
	assert_int_equal(e.status, KB_ZIP_ENTRY_UNSUPPORTED);
	assert_int_equal(e.method, 12);
	assert_int_equal(kb_zip_read(z, &e, &d, &err), KB_EFORMAT);
	assert_non_null(strstr(err.msg, "unscannable: method 12 (bzip2)"));
	assert_int_equal(kb_zip_open_entry(z, &e, &child, &err), KB_EFORMAT);
	assert_null(child);
	assert_int_equal(kb_zip_stream(z, &e, count_chunk, &total, &err), KB_EFORMAT);
	assert_int_equal(total, 0);

	next_ok(z, &e); /* the walk goes on */
	assert_string_equal(e.name, "plain.txt");
	assert_string_equal(kb_zip_method_name(99), "AES");
	kb_zip_free(z);
	free(zip);
}

static void test_names(void **state)
{
	(void)state;
	zt_zip w = { 0 };
	zt_opts cp = { 0 }, utf = { .flags = 0x0800 };
	zt_add(&w, "caf\x82.txt", 8, "1", 1, &cp);         /* CP437 0x82 = é */
	zt_add(&w, "\x80\x81\xe1\xb0", 4, "2", 1, &cp);     /* Çüß░ */
	zt_add(&w, "na\xc3\xafve.txt", 10, "3", 1, &utf);  /* UTF-8 ï */
	zt_add(&w, "bad\xff\xc0\x80", 6, "4", 1, &utf);    /* not UTF-8 */
	zt_add(&w, "../../etc/passwd", 16, "5", 1, &cp);
	zt_add(&w, "nul\0name", 8, "6", 1, &cp);
	size_t n;
	uint8_t *zip = zt_finish(&w, NULL, 0, false, &n);
	kb_zip *z = open_ok(zip, n);
	kb_zip_entry e;
	next_ok(z, &e);
	assert_string_equal(e.name, "caf\xc3\xa9.txt");
	assert_int_equal(e.anomalies, 0);
	assert_int_equal(e.raw_name_len, 8);
	assert_memory_equal(e.raw_name, "caf\x82.txt", 8);
	next_ok(z, &e);
	assert_string_equal(e.name, "\xc3\x87\xc3\xbc\xc3\x9f\xe2\x96\x91");
	assert_int_equal(e.name_len, 9);
	next_ok(z, &e);
	assert_string_equal(e.name, "na\xc3\xafve.txt");
	assert_int_equal(e.anomalies, 0);
	next_ok(z, &e);
	assert_string_equal(e.name, "bad\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	assert_int_equal(e.anomalies, KB_ZIP_ANOMALY_BAD_UTF8);
	next_ok(z, &e);
	assert_int_equal(e.anomalies, KB_ZIP_ANOMALY_UNSAFE_NAME);
	next_ok(z, &e);
	assert_int_equal(e.anomalies, KB_ZIP_ANOMALY_UNSAFE_NAME);
	assert_string_equal(e.name, "nul\xef\xbf\xbdname");
	read_equals(z, "caf\xc3\xa9.txt", "1", 1);
	kb_zip_free(z);
	free(zip);
	assert_string_equal(kb_zip_anomaly_text(KB_ZIP_ANOMALY_HIDDEN_LOCAL),
	                    "local header that no central entry names (invisible to Java)");
}

static void test_local_mismatch_and_hidden(void **state)
{
	(void)state;
	zt_zip w = { 0 };
	zt_opts o = { .method = 8, .local_name = "Evil.class" };
	zt_add(&w, "Good.class", 10, manifest, strlen(manifest), &o);
	zt_opts hidden = { .no_central = true };
	zt_add(&w, "Hidden.class", 12, "only a local header", 19, &hidden);
	zt_add_str(&w, "after.txt", "after", 0);
	size_t n;
	uint8_t *zip = zt_finish(&w, NULL, 0, false, &n);
	kb_zip *z = open_ok(zip, n);
	kb_zip_info info;
	kb_zip_get_info(z, &info);
	assert_int_equal(info.entries, 2);
	assert_int_equal(info.anomalies, KB_ZIP_ANOMALY_GAP | KB_ZIP_ANOMALY_HIDDEN_LOCAL);
	kb_zip_entry e;
	next_ok(z, &e);
	assert_int_equal(e.anomalies, KB_ZIP_ANOMALY_LOCAL_NAME);
	assert_int_equal(info.anomaly_offset, e.data_offset + e.compressed_size);
	read_equals(z, "Good.class", manifest, strlen(manifest));
	read_equals(z, "after.txt", "after", 5);
	kb_zip_free(z);
	free(zip);

	/* a wrong count in the end record: the central directory is what counts */
	zt_zip v = { 0 };
	zt_add_str(&v, "a", "a", 0);
	zt_add_str(&v, "b", "b", 0);
	zip = zt_finish(&v, NULL, 0, false, &n);
	zip[eocd_at(n, 0) + 10] = 1;
	z = open_ok(zip, n);
	kb_zip_get_info(z, &info);
	assert_int_equal(info.entries, 2);
	assert_int_equal(info.stated_entries, 1);
	assert_int_equal(info.anomalies, KB_ZIP_ANOMALY_COUNT);
	assert_int_equal(count_entries(z), 2);
	kb_zip_free(z);
	free(zip);
}

/* ---- streaming ---------------------------------------------------------- */

struct sink {
	uint64_t total;
	size_t max_chunk, chunks;
	uint32_t crc;
	int stop_after;
};

static int sink_chunk(void *u, const uint8_t *p, size_t n)
{
	struct sink *s = u;
	s->total += n;
	s->chunks++;
	if (n > s->max_chunk)
		s->max_chunk = n;
	s->crc = libdeflate_crc32(s->crc, p, n);
	return s->stop_after && (int)s->chunks >= s->stop_after ? 7 : 0;
}

static void test_stream_large(void **state)
{
	(void)state;
	size_t big = 48u << 20;
	uint8_t *data = malloc(big);
	uint32_t x = 12345;
	for (size_t i = 0; i < big; i++) { /* compressible, not trivially */
		x = x * 1103515245 + 12345;
		data[i] = (uint8_t)"abcdefgh \n"[(x >> 16) % 10];
	}
	zt_zip w = { 0 };
	zt_opts o = { .method = 8 };
	zt_add(&w, "big.log", 7, data, big, &o);
	zt_add(&w, "stored.bin", 10, data, 300000, NULL);
	size_t n;
	uint8_t *zip = zt_finish(&w, NULL, 0, false, &n);
	kb_zip_budget budget;
	kb_zip_budget_init(&budget, 1ull << 30);
	kb_zip *z = NULL;
	kb_error err;
	assert_int_equal(kb_zip_open_buffer(zip, n, "big.zip", &budget, &z, &err), 0);
	kb_zip_entry e;
	find_ok(z, "big.log", &e);
	assert_true(e.compressed_size < big / 2);
	struct sink s = { 0 };
	assert_int_equal(kb_zip_stream(z, &e, sink_chunk, &s, &err), 0);
	assert_int_equal(s.total, big);
	assert_true(s.max_chunk <= KB_ZIP_STREAM_CHUNK);
	assert_true(s.chunks >= big / KB_ZIP_STREAM_CHUNK);
	assert_int_equal(s.crc, zt_crc(data, big));
	assert_int_equal(budget.used, big);
	/* a callback can stop the stream */
	struct sink early = { .stop_after = 3 };
	assert_int_equal(kb_zip_stream(z, &e, sink_chunk, &early, &err), 7);
	assert_int_equal(early.chunks, 3);
	/* stored entries stream too, in chunks, uncharged */
	uint64_t used = budget.used;
	find_ok(z, "stored.bin", &e);
	struct sink st = { 0 };
	assert_int_equal(kb_zip_stream(z, &e, sink_chunk, &st, &err), 0);
	assert_int_equal(st.total, 300000);
	assert_int_equal(st.chunks, 5);
	assert_int_equal(budget.used, used);
	kb_zip_free(z);
	free(zip);
	free(data);
}

/* ---- limits ------------------------------------------------------------- */

static void test_limit_name_length(void **state)
{
	(void)state;
	char *name = malloc(KB_ZIP_MAX_NAME_LEN + 1);
	memset(name, 'n', KB_ZIP_MAX_NAME_LEN + 1);
	for (int over = 0; over < 2; over++) {
		zt_zip w = { 0 };
		zt_add(&w, name, KB_ZIP_MAX_NAME_LEN + over, "x", 1, NULL);
		size_t n;
		uint8_t *zip = zt_finish(&w, NULL, 0, false, &n);
		if (!over) {
			kb_zip *z = open_ok(zip, n);
			kb_zip_entry e;
			next_ok(z, &e);
			assert_int_equal(e.name_len, KB_ZIP_MAX_NAME_LEN);
			kb_zip_free(z);
		} else {
			assert_int_equal(open_fails(zip, n, KB_ELIMIT, "KB_ZIP_MAX_NAME_LEN"),
			                 30 + (KB_ZIP_MAX_NAME_LEN + 1) + 1 + 28);
		}
		free(zip);
	}
	free(name);
}

static void test_limit_entries(void **state)
{
	(void)state;
	zt_zip w = { 0 };
	for (uint32_t i = 0; i <= KB_ZIP_MAX_ENTRIES; i++)
		zt_add(&w, "", 0, "", 0, NULL);
	size_t n;
	uint8_t *zip = zt_finish(&w, NULL, 0, false, &n);
	open_fails(zip, n, KB_ELIMIT, "KB_ZIP_MAX_ENTRIES");
	free(zip);
}

/* An archive with one deflated entry that claims `usize` bytes, backed by
 * just enough junk for deflate to be able to produce that much. */
static uint8_t *claims(const char *name, uint64_t usize, size_t *n)
{
	size_t clen = (size_t)(usize / 1032 + 1);
	uint8_t *junk = calloc(1, clen);
	zt_zip w = { 0 };
	zt_opts o = { .method = 8, .raw = true, .crc = 0, .usize = usize, .zip64 = usize > 0xFFFFFFFFu };
	zt_add(&w, name, strlen(name), junk, clen, &o);
	free(junk);
	return zt_finish(&w, NULL, 0, false, n);
}

static void test_limit_nested_bytes(void **state)
{
	(void)state;
	size_t n;
	uint8_t *zip = claims("huge.war", KB_ZIP_MAX_NESTED_BYTES + 1, &n);
	kb_zip *z = open_ok(zip, n);
	kb_zip_entry e;
	next_ok(z, &e);
	kb_zip *child = NULL;
	kb_error err;
	assert_int_equal(kb_zip_open_entry(z, &e, &child, &err), KB_ELIMIT);
	assert_null(child);
	assert_non_null(strstr(err.msg, "KB_ZIP_MAX_NESTED_BYTES"));
	kb_zip_free(z);
	free(zip);
}

static void test_limit_read_bytes(void **state)
{
	(void)state;
	size_t n;
	uint8_t *zip = claims("huge.log", KB_ZIP_MAX_READ_BYTES + 1, &n);
	kb_zip *z = open_ok(zip, n);
	kb_zip_entry e;
	next_ok(z, &e);
	kb_zip_data d;
	kb_error err;
	assert_int_equal(kb_zip_read(z, &e, &d, &err), KB_ELIMIT);
	assert_non_null(strstr(err.msg, "KB_ZIP_MAX_READ_BYTES"));
	kb_zip_free(z);
	free(zip);

	/* a stated size beyond what deflate could produce is refused before any allocation */
	zt_zip w = { 0 };
	zt_opts o = { .method = 8, .raw = true, .usize = 1u << 20 };
	zt_add(&w, "liar.txt", 8, "\x03\x00", 2, &o);
	zip = zt_finish(&w, NULL, 0, false, &n);
	z = open_ok(zip, n);
	next_ok(z, &e);
	assert_int_equal(kb_zip_read(z, &e, &d, &err), KB_EPARSE);
	assert_non_null(strstr(err.msg, "more than deflate can produce"));
	kb_zip_free(z);
	free(zip);
}

static void test_limit_total_inflated(void **state)
{
	(void)state;
	/* the default budget, KB_ZIP_MAX_INFLATED_TOTAL, refuses before inflating */
	size_t n;
	uint8_t *zip = claims("bomb.bin", KB_ZIP_MAX_INFLATED_TOTAL + 1, &n);
	kb_zip *z = open_ok(zip, n);
	kb_zip_entry e;
	next_ok(z, &e);
	assert_int_equal(e.uncompressed_size, KB_ZIP_MAX_INFLATED_TOTAL + 1);
	kb_error err;
	uint64_t total = 0;
	assert_int_equal(kb_zip_stream(z, &e, count_chunk, &total, &err), KB_ELIMIT);
	assert_int_equal(total, 0);
	assert_non_null(strstr(err.msg, "KB_ZIP_MAX_INFLATED_TOTAL"));
	kb_zip_free(z);
	free(zip);

	/* one budget for a top-level archive and its children */
	static uint8_t zeros[600000];
	zt_zip in = { 0 };
	zt_opts o = { .method = 8 };
	zt_add(&in, "b.bin", 5, zeros, sizeof zeros, &o);
	size_t inner_len;
	uint8_t *inner = zt_finish(&in, NULL, 0, false, &inner_len);
	zt_zip out = { 0 };
	zt_add(&out, "a.bin", 5, zeros, sizeof zeros, &o);
	zt_add(&out, "inner.jar", 9, inner, inner_len, &o);
	zip = zt_finish(&out, NULL, 0, false, &n);
	kb_zip_budget budget;
	kb_zip_budget_init(&budget, 1u << 20);
	assert_int_equal(kb_zip_open_buffer(zip, n, "outer.jar", &budget, &z, &err), 0);
	kb_zip_data d;
	find_ok(z, "a.bin", &e);
	assert_int_equal(kb_zip_read(z, &e, &d, &err), 0);
	kb_zip_data_clear(&d);
	assert_int_equal(budget.used, sizeof zeros);
	find_ok(z, "inner.jar", &e);
	kb_zip *child = NULL;
	assert_int_equal(kb_zip_open_entry(z, &e, &child, &err), 0);
	assert_int_equal(budget.used, sizeof zeros + inner_len);
	find_ok(child, "b.bin", &e);
	assert_int_equal(kb_zip_read(child, &e, &d, &err), KB_ELIMIT);
	assert_string_equal(err.file, "outer.jar!/inner.jar");
	assert_int_equal(budget.used, sizeof zeros + inner_len);
	kb_zip_free(child);
	kb_zip_free(z);
	free(zip);
	free(inner);
}

/* ---- files -------------------------------------------------------------- */

static void test_open_file(void **state)
{
	(void)state;
	char dir[] = "/tmp/koban-zip-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[256], link[256], fifo[256], empty[256];
	snprintf(path, sizeof path, "%s/app.jar", dir);
	snprintf(link, sizeof link, "%s/link.jar", dir);
	snprintf(fifo, sizeof fifo, "%s/fifo.jar", dir);
	snprintf(empty, sizeof empty, "%s/empty.jar", dir);
	size_t n;
	uint8_t *zip = zt_single("META-INF/MANIFEST.MF", manifest, strlen(manifest), 8, &n);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(zip, 1, n, f), n);
	fclose(f);
	free(zip);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	close(open(empty, O_WRONLY | O_CREAT, 0600));

	kb_zip *z = NULL;
	kb_error err;
	assert_int_equal(kb_zip_open_file(path, NULL, &z, &err), 0);
	assert_string_equal(kb_zip_name(z), path);
	read_equals(z, "META-INF/MANIFEST.MF", manifest, strlen(manifest));
	kb_zip_free(z);

	z = NULL;
	assert_int_equal(kb_zip_open_file(link, NULL, &z, &err), KB_EIO);
	assert_int_equal(err.sys_errno, ELOOP);
	assert_null(z);
	assert_int_equal(kb_zip_open_file(fifo, NULL, &z, &err), KB_EINVAL);
	assert_int_equal(kb_zip_open_file(dir, NULL, &z, &err), KB_EINVAL);
	assert_int_equal(kb_zip_open_file(empty, NULL, &z, &err), KB_EFORMAT);
	assert_int_equal(kb_zip_open_file("/nonexistent/x.jar", NULL, &z, &err), KB_EIO);
	assert_int_equal(err.sys_errno, ENOENT);
	assert_null(z);
	unlink(path);
	unlink(link);
	unlink(fifo);
	unlink(empty);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stored_and_deflated),
		cmocka_unit_test(test_empty_and_not_zip),
		cmocka_unit_test(test_nested_depth8),
		cmocka_unit_test(test_nested_past_limit),
		cmocka_unit_test(test_self_nesting_quine),
		cmocka_unit_test(test_zip64_70000),
		cmocka_unit_test(test_zip64_extra_fields),
		cmocka_unit_test(test_prefixed),
		cmocka_unit_test(test_data_descriptors),
		cmocka_unit_test(test_fake_eocd_in_comment),
		cmocka_unit_test(test_overlap_bomb),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_bad_crc),
		cmocka_unit_test(test_bad_crc_streamed),
		cmocka_unit_test(test_unscannable),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_local_mismatch_and_hidden),
		cmocka_unit_test(test_stream_large),
		cmocka_unit_test(test_limit_name_length),
		cmocka_unit_test(test_limit_entries),
		cmocka_unit_test(test_limit_nested_bytes),
		cmocka_unit_test(test_limit_read_bytes),
		cmocka_unit_test(test_limit_total_inflated),
		cmocka_unit_test(test_open_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
