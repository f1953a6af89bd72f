/*
 * test-store.c - the embedded store (include/koban/store.h): opening in memory
 * and on disk (WAL, foreign keys, migrations), the failures a user can cause
 * (missing file, newer schema, a file that is not a database), and
 * transactions (begin twice, commit, rollback, close with a transaction open).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "koban/koban.h"
#include "koban/ledger.h"
#include "koban/store.h"
#include "store-internal.h"

/* ------------------------------------------------------------- fixtures */

typedef struct tmpdir {
	char dir[256];
	char db[320];
} tmpdir;

static int setup_tmpdir(void **state)
{
	tmpdir *t = calloc(1, sizeof *t);
	if (!t)
		return -1;
	const char *base = getenv("TMPDIR");
	if (!base || !*base)
		base = "/tmp";
	snprintf(t->dir, sizeof t->dir, "%s/koban-test-store-XXXXXX", base);
	if (!mkdtemp(t->dir)) {
		free(t);
		return -1;
	}
	snprintf(t->db, sizeof t->db, "%s/koban.db", t->dir);
	*state = t;
	return 0;
}

static int teardown_tmpdir(void **state)
{
	tmpdir *t = *state;
	DIR *d = opendir(t->dir);
	if (d) {
		struct dirent *de;
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			char p[600];
			snprintf(p, sizeof p, "%s/%s", t->dir, de->d_name);
			unlink(p);
		}
		closedir(d);
	}
	rmdir(t->dir);
	free(t);
	return 0;
}

static bool file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Run one query returning one text/int value on a separate raw connection. */
static char *raw_query_text(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	const unsigned char *txt = sqlite3_column_text(st, 0);
	assert_non_null(txt);
	char *out = strdup((const char *)txt);
	assert_non_null(out);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return out;
}

static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
	                 SQLITE_OK);
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		print_error("raw_exec: %s\n", msg ? msg : "?");
	sqlite3_free(msg);
	assert_int_equal(rc, SQLITE_OK);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static int conn_pragma_int(kb_store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(s->db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Asset lookups: remember what the callback saw. */
typedef struct seen {
	int calls;
	char name[64];
	char category[32];
} seen;

static int remember_asset(const kb_asset *a, void *ctx)
{
	seen *s = ctx;
	s->calls++;
	snprintf(s->name, sizeof s->name, "%s", a->field[KB_AF_NAME] ? a->field[KB_AF_NAME] : "(null)");
	snprintf(s->category, sizeof s->category, "%s",
	         a->field[KB_AF_CATEGORY] ? a->field[KB_AF_CATEGORY] : "(null)");
	return 0;
}

static int put_asset(kb_store *s, const char *name, const char *category, kb_put_result *result)
{
	kb_ledger_writer *w = NULL;
	kb_error err;
	kb_error_clear(&err);
	assert_int_equal(kb_ledger_writer_new(s, &w, &err), 0);
	kb_asset a;
	memset(&a, 0, sizeof a);
	a.field[KB_AF_NAME] = name;
	a.field[KB_AF_CATEGORY] = category;
	int64_t id = 0;
	int r = kb_ledger_put_asset(w, &a, KB_AF_MASK(KB_AF_NAME) | KB_AF_MASK(KB_AF_CATEGORY), &id, result,
	                            &err);
	if (r == 0)
		assert_true(id > 0);
	kb_ledger_writer_free(w);
	return r;
}

static int lookup_asset(kb_store *s, const char *name, seen *out)
{
	kb_error err;
	kb_error_clear(&err);
	memset(out, 0, sizeof *out);
	int r = kb_ledger_asset(s, name, remember_asset, out, &err);
	if (r == KB_ENOTFOUND) {
		assert_int_equal(err.code, KB_ENOTFOUND);
		assert_int_equal(out->calls, 0);
	}
	return r;
}

/* ------------------------------------------------------------------ tests */

static void test_open_memory(void **state)
{
	(void)state;
	kb_store *s = NULL;
	kb_error err;
	kb_error_clear(&err);
	assert_int_equal(kb_store_open(KB_STORE_MEMORY, KB_STORE_CREATE, &s, &err), 0);
	assert_non_null(s);
	assert_true(kb_store_schema_latest() >= 1);
	assert_int_equal(kb_store_schema_version(s), kb_store_schema_latest());
	assert_int_equal(conn_pragma_int(s, "PRAGMA foreign_keys"), 1);
	/* The ledger tables exist. */
	assert_int_equal(conn_pragma_int(s, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
	                                    " AND name IN ('asset', 'interface', 'component')"),
	                 3);
	assert_null(kb_store_close(s));
}

static void test_close_null(void **state)
{
	(void)state;
	assert_null(kb_store_close(NULL));
}

static void test_open_file_wal_and_foreign_keys(void **state)
{
	tmpdir *t = *state;
	kb_store *s = NULL;
	kb_error err;
	kb_error_clear(&err);
	assert_false(file_exists(t->db));
	assert_int_equal(kb_store_open(t->db, KB_STORE_CREATE, &s, &err), 0);
	assert_non_null(s);
	assert_true(file_exists(t->db));
	assert_int_equal(kb_store_schema_version(s), kb_store_schema_latest());

	/* WAL is a property of the file: a second connection sees it. */
	char *mode = raw_query_text(t->db, "PRAGMA journal_mode");
	assert_string_equal(mode, "wal");
	free(mode);
	char *uv = raw_query_text(t->db, "PRAGMA user_version");
	char want[16];
	snprintf(want, sizeof want, "%d", kb_store_schema_latest());
	assert_string_equal(uv, want);
	free(uv);

	/* Foreign keys are per connection: check ours, and that they bite. */
	assert_int_equal(conn_pragma_int(s, "PRAGMA foreign_keys"), 1);
	assert_int_equal(conn_pragma_int(s, "PRAGMA synchronous"), 1); /* NORMAL */
	kb_ledger_writer *w = NULL;
	assert_int_equal(kb_ledger_writer_new(s, &w, &err), 0);
	kb_interface it = { .address = "10.0.0.1", .protocol = "" };
	assert_int_equal(kb_ledger_put_interface(w, 424242, &it, &err), KB_ESTORE);
	assert_int_equal(err.code, KB_ESTORE);
	assert_non_null(strstr(err.msg, "FOREIGN KEY"));
	kb_ledger_writer_free(w);
	assert_null(kb_store_close(s));

	/* Reopening an up-to-date store needs no CREATE and migrates nothing. */
	kb_error_clear(&err);
	assert_int_equal(kb_store_open(t->db, 0, &s, &err), 0);
	assert_int_equal(kb_store_schema_version(s), kb_store_schema_latest());
	kb_store_close(s);

	/* Read-only opening works too. */
	assert_int_equal(kb_store_open(t->db, KB_STORE_READONLY, &s, &err), 0);
	assert_int_equal(kb_store_schema_version(s), kb_store_schema_latest());
	kb_store_close(s);
}

static void test_open_missing_without_create(void **state)
{
	tmpdir *t = *state;
	kb_store *s = (kb_store *)0x1; /* must stay untouched on failure */
	kb_error err;
	kb_error_clear(&err);
	assert_int_equal(kb_store_open(t->db, 0, &s, &err), KB_ENOTFOUND);
	assert_ptr_equal(s, (kb_store *)0x1);
	assert_int_equal(err.code, KB_ENOTFOUND);
	assert_string_equal(err.file, t->db);
	assert_non_null(strstr(err.msg, "cannot open store"));
	assert_false(file_exists(t->db));

	kb_error_clear(&err);
	assert_int_equal(kb_store_open(t->db, KB_STORE_READONLY, &s, &err), KB_ENOTFOUND);
	assert_ptr_equal(s, (kb_store *)0x1);
	assert_false(file_exists(t->db));

	/* A directory that does not exist cannot be created into. */
	char deep[400];
	snprintf(deep, sizeof deep, "%s/no/such/dir/koban.db", t->dir);
	kb_error_clear(&err);
	assert_int_equal(kb_store_open(deep, KB_STORE_CREATE, &s, &err), KB_ENOTFOUND);
	assert_ptr_equal(s, (kb_store *)0x1);
}

static void test_open_newer_schema(void **state)
{
	tmpdir *t = *state;
	raw_exec(t->db, "CREATE TABLE future(x); PRAGMA user_version=999;");

	kb_store *s = (kb_store *)0x1;
	kb_error err;
	kb_error_clear(&err);
	assert_int_equal(kb_store_open(t->db, 0, &s, &err), KB_ESCHEMA);
	assert_ptr_equal(s, (kb_store *)0x1);
	assert_int_equal(err.code, KB_ESCHEMA);
	assert_string_equal(err.file, t->db);
	char want[128];
	snprintf(want, sizeof want, "store schema 999 is newer than this koban (%d)", kb_store_schema_latest());
	assert_string_equal(err.msg, want);

	kb_error_clear(&err);
	assert_int_equal(kb_store_open(t->db, KB_STORE_CREATE, &s, &err), KB_ESCHEMA);
	assert_string_equal(err.msg, want);

	kb_error_clear(&err);
	assert_int_equal(kb_store_open(t->db, KB_STORE_READONLY, &s, &err), KB_ESCHEMA);
	assert_ptr_equal(s, (kb_store *)0x1);
	assert_string_equal(err.msg, want);

	/* The newer store was not migrated or damaged. */
	char *uv = raw_query_text(t->db, "PRAGMA user_version");
	assert_string_equal(uv, "999");
	free(uv);
	char *n = raw_query_text(t->db, "SELECT count(*) FROM sqlite_master WHERE name = 'asset'");
	assert_string_equal(n, "0");
	free(n);
}

static void test_open_not_a_database(void **state)
{
	tmpdir *t = *state;
	write_file(t->db, "hello", 5);

	const unsigned flags[] = { 0, KB_STORE_CREATE, KB_STORE_READONLY };
	for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
		kb_store *s = (kb_store *)0x1;
		kb_error err;
		kb_error_clear(&err);
		int r = kb_store_open(t->db, flags[i], &s, &err);
		assert_true(r < 0);
		assert_int_equal(r, KB_ESTORE);
		assert_int_equal(err.code, r);
		assert_true(err.msg[0] != '\0');
		assert_ptr_equal(s, (kb_store *)0x1);
	}

	/* The file is left as it was. */
	FILE *f = fopen(t->db, "rb");
	assert_non_null(f);
	char buf[16] = { 0 };
	assert_int_equal(fread(buf, 1, sizeof buf, f), 5);
	fclose(f);
	assert_memory_equal(buf, "hello", 5);

	/* A bigger text file (several pages) fails the same way. */
	char big[10000];
	memset(big, 'x', sizeof big);
	write_file(t->db, big, sizeof big);
	kb_store *s = NULL;
	kb_error err;
	kb_error_clear(&err);
	assert_int_equal(kb_store_open(t->db, 0, &s, &err), KB_ESTORE);
	assert_true(err.msg[0] != '\0');
}

static void test_open_empty_file(void **state)
{
	tmpdir *t = *state;
	/* A zero-byte file is an empty SQLite database: it is migrated in place. */
	write_file(t->db, "", 0);
	kb_store *s = NULL;
	kb_error err;
	kb_error_clear(&err);
	assert_int_equal(kb_store_open(t->db, 0, &s, &err), 0);
	assert_int_equal(kb_store_schema_version(s), kb_store_schema_latest());
	kb_store_close(s);
}

static int64_t count_rows(kb_store *s)
{
	sqlite3 *db = s->db;
	sqlite3_stmt *st;
	int64_t n = -1;
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM nest", -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* An inner transaction is a savepoint: rolling it back keeps the outer one's
 * work; nesting stops at KB_STORE_MAX_NESTING. */
static void test_nested_transactions(void **state)
{
	(void)state;
	kb_store *s = NULL;
	kb_error err;
	kb_error_clear(&err);
	assert_int_equal(kb_store_open(KB_STORE_MEMORY, KB_STORE_CREATE, &s, &err), 0);
	assert_int_equal(sqlite3_exec(s->db, "CREATE TABLE nest(x)", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(kb_store_begin(s, &err), 0);
	assert_int_equal(sqlite3_exec(s->db, "INSERT INTO nest VALUES (1)", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(kb_store_begin(s, &err), 0);
	assert_int_equal(sqlite3_exec(s->db, "INSERT INTO nest VALUES (2)", NULL, NULL, NULL), SQLITE_OK);
	kb_store_rollback(s); /* the inner one only */
	assert_int_equal(kb_store_begin(s, &err), 0);
	assert_int_equal(sqlite3_exec(s->db, "INSERT INTO nest VALUES (3)", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(kb_store_commit(s, &err), 0);
	assert_int_equal(kb_store_commit(s, &err), 0);
	assert_int_equal(count_rows(s), 2);
	/* the limit */
	for (unsigned i = 0; i < KB_STORE_MAX_NESTING; i++)
		assert_int_equal(kb_store_begin(s, &err), 0);
	kb_error_clear(&err);
	assert_int_equal(kb_store_begin(s, &err), KB_ELIMIT);
	assert_non_null(strstr(err.msg, "the limit is 8"));
	for (unsigned i = 0; i < KB_STORE_MAX_NESTING; i++)
		kb_store_rollback(s);
	kb_error_clear(&err);
	assert_int_equal(kb_store_commit(s, &err), KB_EINVAL);
	assert_string_equal(err.msg, "no transaction is open");
	assert_int_equal(count_rows(s), 2);
	kb_store_close(s);
}

static void test_rollback_without_transaction(void **state)
{
	(void)state;
	kb_store *s = NULL;
	kb_error err;
	kb_error_clear(&err);
	assert_int_equal(kb_store_open(KB_STORE_MEMORY, KB_STORE_CREATE, &s, &err), 0);
	kb_store_rollback(s);
	kb_store_rollback(s);
	/* COMMIT with nothing open is an error, and leaves the store usable. */
	kb_error_clear(&err);
	assert_int_equal(kb_store_commit(s, &err), KB_EINVAL);
	assert_int_equal(err.code, KB_EINVAL);
	assert_true(err.msg[0] != '\0');
	assert_int_equal(kb_store_begin(s, &err), 0);
	assert_int_equal(kb_store_commit(s, &err), 0);
	kb_store_close(s);
}

static void test_rollback_undoes_writes(void **state)
{
	(void)state;
	kb_store *s = NULL;
	kb_error err;
	kb_error_clear(&err);
	assert_int_equal(kb_store_open(KB_STORE_MEMORY, KB_STORE_CREATE, &s, &err), 0);
	assert_int_equal(kb_store_begin(s, &err), 0);
	kb_put_result put = KB_PUT_UNCHANGED;
	assert_int_equal(put_asset(s, "web-1", "external", &put), 0);
	assert_int_equal(put, KB_PUT_CREATED);

	seen got;
	assert_int_equal(lookup_asset(s, "web-1", &got), 0); /* visible inside the transaction */
	assert_int_equal(got.calls, 1);
	assert_string_equal(got.name, "web-1");
	assert_string_equal(got.category, "external");

	kb_store_rollback(s);
	assert_int_equal(lookup_asset(s, "web-1", &got), KB_ENOTFOUND);
	assert_int_equal(conn_pragma_int(s, "SELECT count(*) FROM asset"), 0);
	kb_store_close(s);
}

static void test_commit_keeps_writes(void **state)
{
	tmpdir *t = *state;
	kb_store *s = NULL;
	kb_error err;
	kb_error_clear(&err);
	assert_int_equal(kb_store_open(t->db, KB_STORE_CREATE, &s, &err), 0);
	assert_int_equal(kb_store_begin(s, &err), 0);
	kb_put_result put = KB_PUT_UNCHANGED;
	assert_int_equal(put_asset(s, "crm", "saas", &put), 0);
	assert_int_equal(put, KB_PUT_CREATED);
	assert_int_equal(kb_store_commit(s, &err), 0);
	/* A second put of the same values changes nothing; a new value updates. */
	assert_int_equal(kb_store_begin(s, &err), 0);
	assert_int_equal(put_asset(s, "crm", "saas", &put), 0);
	assert_int_equal(put, KB_PUT_UNCHANGED);
	assert_int_equal(put_asset(s, "crm", "internal", &put), 0);
	assert_int_equal(put, KB_PUT_UPDATED);
	assert_int_equal(put_asset(s, "crm", "saas", &put), 0);
	assert_int_equal(put, KB_PUT_UPDATED);
	assert_int_equal(kb_store_commit(s, &err), 0);
	kb_store_close(s);

	/* Survives closing and reopening. */
	assert_int_equal(kb_store_open(t->db, 0, &s, &err), 0);
	seen got;
	assert_int_equal(lookup_asset(s, "crm", &got), 0);
	assert_int_equal(got.calls, 1);
	assert_string_equal(got.category, "saas");
	kb_store_close(s);
}

static void test_close_rolls_back(void **state)
{
	tmpdir *t = *state;
	kb_store *s = NULL;
	kb_error err;
	kb_error_clear(&err);
	assert_int_equal(kb_store_open(t->db, KB_STORE_CREATE, &s, &err), 0);
	assert_int_equal(kb_store_begin(s, &err), 0);
	assert_int_equal(put_asset(s, "half-done", "internal", NULL), 0);
	assert_null(kb_store_close(s)); /* transaction still open */

	assert_int_equal(kb_store_open(t->db, 0, &s, &err), 0);
	seen got;
	assert_int_equal(lookup_asset(s, "half-done", &got), KB_ENOTFOUND);
	/* And the store is writable again (no lock left behind). */
	assert_int_equal(kb_store_begin(s, &err), 0);
	assert_int_equal(put_asset(s, "done", "internal", NULL), 0);
	assert_int_equal(kb_store_commit(s, &err), 0);
	assert_int_equal(lookup_asset(s, "done", &got), 0);
	kb_store_close(s);
}

static void test_new_asset_needs_category(void **state)
{
	(void)state;
	kb_store *s = NULL;
	kb_error err;
	kb_error_clear(&err);
	assert_int_equal(kb_store_open(KB_STORE_MEMORY, KB_STORE_CREATE, &s, &err), 0);
	assert_int_equal(kb_store_begin(s, &err), 0);
	assert_int_equal(put_asset(s, "nocat", NULL, NULL), KB_EINVAL);
	kb_store_rollback(s);
	seen got;
	assert_int_equal(lookup_asset(s, "nocat", &got), KB_ENOTFOUND);
	kb_store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_memory),
		cmocka_unit_test(test_close_null),
		cmocka_unit_test_setup_teardown(test_open_file_wal_and_foreign_keys, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_open_missing_without_create, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_open_newer_schema, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_open_not_a_database, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_open_empty_file, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test(test_nested_transactions),
		cmocka_unit_test(test_rollback_without_transaction),
		cmocka_unit_test(test_rollback_undoes_writes),
		cmocka_unit_test_setup_teardown(test_commit_keeps_writes, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_close_rolls_back, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test(test_new_asset_needs_category),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
