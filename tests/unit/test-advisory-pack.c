/*
 * test-advisory-pack.c - the compact record of an advisory reads back to the
 * same advisory, and a damaged record is refused, never read past.
 */
#include "acme-advisories.h"
#include <sqlite3.h>
#include <unistd.h>
#include "advisory-internal.h"
#include "store-internal.h"

static void same_str(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void same_strs(const char *const *a, size_t na, const char *const *b, size_t nb)
{
	assert_int_equal(na, nb);
	for (size_t i = 0; i < na; i++)
		same_str(a[i], b[i]);
}

static void same_affected(const kb_affected *x, const kb_affected *y)
{
	assert_int_equal(x->scheme, y->scheme);
	assert_int_equal(x->n_ranges, y->n_ranges);
	for (size_t i = 0; i < x->n_ranges; i++) {
		assert_int_equal(x->ranges[i].type, y->ranges[i].type);
		assert_int_equal(x->ranges[i].n_events, y->ranges[i].n_events);
		for (size_t e = 0; e < x->ranges[i].n_events; e++) {
			assert_int_equal(x->ranges[i].events[e].kind, y->ranges[i].events[e].kind);
			same_str(x->ranges[i].events[e].version, y->ranges[i].events[e].version);
		}
	}
	same_strs(x->versions, x->n_versions, y->versions, y->n_versions);
}

static void same(const kb_advisory *a, const kb_advisory *b)
{
	same_str(a->id, b->id);
	same_str(a->summary, b->summary);
	same_str(a->severity, b->severity);
	same_str(a->cvss_vector, b->cvss_vector);
	same_str(a->published, b->published);
	same_str(a->modified, b->modified);
	same_str(a->withdrawn, b->withdrawn);
	assert_true(a->cvss_score == b->cvss_score);
	same_strs(a->aliases, a->n_aliases, b->aliases, b->n_aliases);
	assert_int_equal(a->n_affected, b->n_affected);
	for (size_t i = 0; i < a->n_affected; i++) {
		const kb_advisory_affected *x = &a->affected[i], *y = &b->affected[i];
		same_str(x->ecosystem, y->ecosystem);
		same_str(x->package, y->package);
		same_str(x->purl, y->purl);
		same_str(x->vendor, y->vendor);
		same_str(x->product, y->product);
		same_strs(x->modules, x->n_modules, y->modules, y->n_modules);
		same_affected(&x->match, &y->match);
		same_affected(&x->unaffected, &y->unaffected);
		assert_int_equal(x->default_status, y->default_status);
		same_str(x->statement, y->statement);
		same_str(x->cpe, y->cpe);
	}
}

static const char *const docs[] = {
	"cve/CVE-2025-53521.json", "cve/CVE-2025-53856.json", "cve/CVE-2025-53868.json", "cve/CVE-2025-61955.json",
	"osv/GHSA-jfh8-c2jp-5v3q.json", "osv/GHSA-7rjr-3q55-vv33.json", "osv/GHSA-p6xc-xr62-6r2g.json",
	"osv/GHSA-8489-44mv-ggj8.json",
};

static void test_roundtrip(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
		kb_advisory *a = load(docs[i]), *b = NULL;
		kb_buf rec;
		kb_buf_init(&rec, 1 << 20);
		assert_int_equal(kb_adv_pack(a, &rec), 0);
		assert_int_equal(kb_adv_unpack(rec.data, rec.len, &b), 0);
		same(a, b);
		kb_advisory_free(b);
		kb_buf_free(&rec);
		kb_advisory_free(a);
	}
}

/* Every truncation and a flipped version byte are refused; single-byte damage
 * anywhere either reads back or is refused, and never reads past the end
 * (ASan watches). */
static void test_damaged(void **state)
{
	(void)state;
	kb_advisory *a = load("cve/CVE-2025-53521.json"), *b = NULL;
	kb_buf rec;
	kb_buf_init(&rec, 1 << 20);
	assert_int_equal(kb_adv_pack(a, &rec), 0);
	for (size_t n = 0; n < rec.len; n++)
		assert_int_equal(kb_adv_unpack(rec.data, n, &b), KB_EINVAL);
	unsigned char *copy = malloc(rec.len);
	assert_non_null(copy);
	memcpy(copy, rec.data, rec.len);
	copy[1] = KB_PACK_VERSION + 1;
	assert_int_equal(kb_adv_unpack(copy, rec.len, &b), KB_EINVAL);
	for (size_t i = 0; i < rec.len; i++) {
		memcpy(copy, rec.data, rec.len);
		copy[i] ^= 0xff;
		if (kb_adv_unpack(copy, rec.len, &b) == 0)
			b = kb_advisory_free(b);
	}
	free(copy);
	kb_buf_free(&rec);
	kb_advisory_free(a);
}

/* A row whose record is missing (written by schema 5) or does not read back
 * (another record layout) is read from its document instead. */
static void test_store_falls_back_to_document(void **state)
{
	(void)state;
	kb_store *s = NULL;
	kb_error err;
	assert_int_equal(kb_store_open(KB_STORE_MEMORY, KB_STORE_CREATE, &s, &err), 0);
	char path[1024];
	snprintf(path, sizeof path, "%s%s", ACME, "osv/GHSA-jfh8-c2jp-5v3q.json");
	assert_int_equal(kb_advisories_import_file(s, path, KB_ADV_FMT_AUTO, NULL, &err), 0);
	static const char *const damage[] = { "UPDATE advisory_key SET packed = NULL",
		                              "UPDATE advisory_key SET packed = x'4b7f00'" };
	for (int i = 0; i < 3; i++) {
		if (i > 0)
			assert_int_equal(sqlite3_exec(s->db, damage[i - 1], NULL, NULL, NULL), SQLITE_OK);
		kb_advisory **v = NULL;
		size_t n = 0;
		assert_int_equal(kb_advisories_load(s, "Maven", "org.apache.logging.log4j:log4j-core", &v, &n, &err), 0);
		assert_int_equal(n, 1);
		kb_advisory *a = load("osv/GHSA-jfh8-c2jp-5v3q.json");
		same(a, v[0]);
		kb_advisory_free(a);
		kb_advisory_list_free(v, n);
	}
	kb_store_close(s);
}

/* A file past KB_ADVISORY_MAX_BYTES is refused before it is read, by name. */
static void test_file_limit(void **state)
{
	(void)state;
	char path[] = "/tmp/koban-adv-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)KB_ADVISORY_MAX_BYTES + 1), 0);
	close(fd);
	kb_store *s = NULL;
	kb_error err;
	kb_error_clear(&err);
	assert_int_equal(kb_store_open(KB_STORE_MEMORY, KB_STORE_CREATE, &s, &err), 0);
	assert_int_equal(kb_advisories_import_file(s, path, KB_ADV_FMT_AUTO, NULL, &err), KB_ELIMIT);
	assert_string_equal(err.file, path);
	assert_non_null(strstr(err.msg, "more than the limit of 16777216 for one advisory"));
	unlink(path);
	kb_error_clear(&err);
	assert_int_equal(kb_advisories_import_file(s, "/nonexistent/x.json", KB_ADV_FMT_AUTO, NULL, &err), KB_ENOTFOUND);
	kb_error_clear(&err);
	assert_int_equal(kb_advisories_import_file(s, "/tmp", KB_ADV_FMT_AUTO, NULL, &err), KB_EINVAL);
	assert_string_equal(err.msg, "expected a file");
	kb_store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_damaged),
		cmocka_unit_test(test_store_falls_back_to_document),
		cmocka_unit_test(test_file_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
