/*
 * test-scan-walk.c - the walker and work queue against trees the tests build
 * in a mkdtemp directory: nested directories, links to a directory and to a
 * file (neither followed), a fifo (not hung on), unreadable files and
 * directories (reported, the walk goes on; as root the check runs in a child
 * that has dropped to nobody), excludes, "-" paths (lines and NUL-separated),
 * archives by content (a zip named .txt, prefixed and large ones), Java homes,
 * the depth and path limits, both workers, stopping, progress, and xdev and
 * the file-system table (with /dev/shm when it is a mount of its own, and
 * with made-up devices always). Also content classification and the
 * `release` parser on their own.
 */
#include "koban/scanwalk.h"
#include "koban/zip.h"
#include "scan-walk-internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "zip-test-util.h"

/* ---- building trees ----------------------------------------------------- */

static void write_at(int dfd, const char *name, const void *d, size_t n, mode_t mode)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		fail_msg("create %s: %s", name, strerror(errno));
	const uint8_t *p = d;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w <= 0)
			fail_msg("write %s: %s", name, strerror(errno));
		p += w;
		n -= (size_t)w;
	}
	close(fd);
	if (fchmodat(dfd, name, mode, 0) != 0)
		fail_msg("chmod %s", name);
}

/* Write `text` to root/rel, making the directories on the way. */
static void put(const char *root, const char *rel, const void *d, size_t n, mode_t mode)
{
	char path[8192];
	snprintf(path, sizeof path, "%s/%s", root, rel);
	for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST)
			fail_msg("mkdir %s: %s", path, strerror(errno));
		*p = '/';
	}
	write_at(AT_FDCWD, path, d, n, mode);
}

static void put_text(const char *root, const char *rel, const char *text)
{
	put(root, rel, text, strlen(text), 0644);
}

static void mkdirs(const char *root, const char *rel)
{
	char path[8192];
	snprintf(path, sizeof path, "%s/%s/", root, rel);
	for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST)
			fail_msg("mkdir %s: %s", path, strerror(errno));
		*p = '/';
	}
}

/* Remove a tree, however deep or long its paths (relative to descriptors). */
static void rm_at(int dfd, const char *name)
{
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		fchmodat(dfd, name, 0755, 0);
		int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0) {
			DIR *d = fdopendir(fd);
			struct dirent *de;
			while (d && (de = readdir(d)))
				if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
					rm_at(fd, de->d_name);
			if (d)
				closedir(d);
			else
				close(fd);
		}
		unlinkat(dfd, name, AT_REMOVEDIR);
	} else
		unlinkat(dfd, name, 0);
}

static char *make_root(void)
{
	char *t = strdup("/tmp/kb-scan-XXXXXX");
	if (!t || !mkdtemp(t))
		fail_msg("mkdtemp: %s", strerror(errno));
	chmod(t, 0755);
	return t;
}

static void remove_root(char *root)
{
	rm_at(AT_FDCWD, root);
	free(root);
}

static uint8_t *small_zip(const char *entry, const char *text, size_t *len)
{
	return zt_single(entry, text, strlen(text), 8, len);
}

/* ---- collecting what the walk reports ----------------------------------- */

struct rec {
	char *path;
	size_t root_len;
	char *name;
	kb_scan_kind kind;
	size_t size;
	unsigned worker;
	pthread_t tid;
	int zip; /* kb_zip_open_buffer()'s result for a ZIP */
};

struct skiprec {
	char *path;
	kb_scan_skip why;
	char *detail;
};

struct javarec {
	char *home, *version, *runtime, *implementor;
	bool modules, release;
};

struct col;

/* A worker's context: what worker_init makes and `file` receives. */
struct wctx {
	struct col *c;
	unsigned index;
};

struct col {
	struct rec *files;
	size_t n_files;
	struct skiprec *skips;
	size_t n_skips;
	kb_error *errors;
	size_t n_errors;
	struct javarec *java;
	size_t n_java;
	struct timespec *progress;
	size_t n_progress;

	/* set by the test */
	unsigned sleep_us;
	int fail_with;          /* file returns this for names starting "bad" */
	int stop_with;          /* file stops the scan with this */
	atomic_int file_calls;
	atomic_int inits, dones;
	struct wctx w[KB_SCAN_THREADS];
	bool ctx_mismatch;
};

#define GROW(arr, n) \
	do { \
		arr = realloc(arr, ((n) + 1) * sizeof *(arr)); \
		if (!(arr)) \
			abort(); \
	} while (0)

static char *dup0(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int cb_init(void *ud, unsigned worker, void **ret_ctx, kb_error *err)
{
	struct col *c = ud;
	c->w[worker] = (struct wctx){ c, worker };
	*ret_ctx = &c->w[worker];
	atomic_fetch_add(&c->inits, 1);
	return 0;
}

static void cb_done(void *ud, unsigned worker, void *ctx)
{
	struct col *c = ud;
	if (ctx != &c->w[worker])
		c->ctx_mismatch = true;
	atomic_fetch_add(&c->dones, 1);
}

/* What `file` hands to `result` through kb_scan_emit(). */
struct file_result {
	struct rec r;
};

static int cb_file_collect(kb_scan *s, void *ctx, const kb_scan_file *f, kb_error *err)
{
	struct wctx *w = ctx;
	struct col *c = w->c;
	atomic_fetch_add(&c->file_calls, 1);
	if (w != &c->w[f->worker] || w->index != f->worker)
		c->ctx_mismatch = true;
	if (c->sleep_us)
		usleep(c->sleep_us);
	if (c->stop_with) {
		kb_error e;
		kb_error_clear(&e);
		kb_error_set(&e, c->stop_with, f->path, 0, 0, KB_NO_OFFSET, "stopped by the test");
		kb_scan_stop(s, c->stop_with, &e);
		return 0;
	}
	if (c->fail_with && strncmp(f->name, "bad", 3) == 0)
		return c->fail_with;
	struct file_result fr = { .r = { .path = (char *)f->path, .root_len = f->root_len, .name = (char *)f->name,
	                                 .kind = f->kind, .size = f->size, .worker = f->worker,
	                                 .tid = pthread_self(), .zip = 1 } };
	if (f->kind == KB_SCAN_ZIP) {
		kb_zip *z = NULL;
		kb_error ze;
		fr.r.zip = kb_zip_open_buffer(f->data, f->size, f->path, NULL, &z, &ze);
		kb_zip_free(z);
	}
	if (f->size && !f->data)
		fr.r.zip = -100; /* data promised but missing */
	kb_scan_emit(s, f, &fr);
	return 0;
}

static void cb_result(void *ud, const kb_scan_file *f, const void *result)
{
	struct col *c = ud;
	const struct file_result *fr = result;
	GROW(c->files, c->n_files);
	struct rec *r = &c->files[c->n_files++];
	*r = fr->r;
	r->path = strdup(fr->r.path);
	r->name = strdup(fr->r.name);
}

static void cb_java(void *ud, const kb_scan_java *j)
{
	struct col *c = ud;
	GROW(c->java, c->n_java);
	c->java[c->n_java++] = (struct javarec){ dup0(j->home), dup0(j->version), dup0(j->runtime_version),
	                                          dup0(j->implementor), j->has_modules, j->has_release };
}

static void cb_error(void *ud, const kb_error *err)
{
	struct col *c = ud;
	GROW(c->errors, c->n_errors);
	c->errors[c->n_errors++] = *err;
}

static void cb_skip(void *ud, const char *path, kb_scan_skip why, const char *detail)
{
	struct col *c = ud;
	GROW(c->skips, c->n_skips);
	c->skips[c->n_skips++] = (struct skiprec){ strdup(path), why, strdup(detail) };
}

static void cb_progress(void *ud, const kb_scan_counters *k)
{
	struct col *c = ud;
	GROW(c->progress, c->n_progress);
	clock_gettime(CLOCK_MONOTONIC, &c->progress[c->n_progress++]);
}

static void col_free(struct col *c)
{
	for (size_t i = 0; i < c->n_files; i++) {
		free(c->files[i].path);
		free(c->files[i].name);
	}
	for (size_t i = 0; i < c->n_skips; i++) {
		free(c->skips[i].path);
		free(c->skips[i].detail);
	}
	for (size_t i = 0; i < c->n_java; i++) {
		free(c->java[i].home);
		free(c->java[i].version);
		free(c->java[i].runtime);
		free(c->java[i].implementor);
	}
	free(c->files);
	free(c->skips);
	free(c->errors);
	free(c->java);
	free(c->progress);
	memset(c, 0, sizeof *c);
}

static const kb_scan_callbacks callbacks = {
	.worker_init = cb_init,
	.worker_done = cb_done,
	.file = cb_file_collect,
	.result = cb_result,
	.java = cb_java,
	.error = cb_error,
	.skip = cb_skip,
	.progress = cb_progress,
};

/* Scan `roots` with `o` into `c`; returns kb_scan_run()'s code. */
static int scan(struct col *c, const kb_scan_opts *o, const char *const *roots, size_t n, kb_scan_counters *k,
                kb_error *err)
{
	kb_scan *s = NULL;
	kb_error e;
	kb_error_clear(&e);
	if (kb_scan_new(o, &callbacks, c, &s, &e) != 0)
		fail_msg("kb_scan_new: %s", e.msg);
	int r = kb_scan_run(s, roots, n, err ? err : &e);
	if (k)
		kb_scan_get_counters(s, k);
	kb_scan_free(s);
	assert_int_equal(atomic_load(&c->inits), KB_SCAN_THREADS);
	assert_int_equal(atomic_load(&c->dones), KB_SCAN_THREADS);
	assert_false(c->ctx_mismatch);
	return r;
}

static const struct rec *find_file(const struct col *c, const char *suffix)
{
	size_t sl = strlen(suffix);
	for (size_t i = 0; i < c->n_files; i++) {
		size_t pl = strlen(c->files[i].path);
		if (pl >= sl && strcmp(c->files[i].path + pl - sl, suffix) == 0)
			return &c->files[i];
	}
	return NULL;
}

static bool any_file_contains(const struct col *c, const char *needle)
{
	for (size_t i = 0; i < c->n_files; i++)
		if (strstr(c->files[i].path, needle))
			return true;
	return false;
}

static const struct skiprec *find_skip(const struct col *c, const char *suffix)
{
	size_t sl = strlen(suffix);
	for (size_t i = 0; i < c->n_skips; i++) {
		size_t pl = strlen(c->skips[i].path);
		if (pl >= sl && strcmp(c->skips[i].path + pl - sl, suffix) == 0)
			return &c->skips[i];
	}
	return NULL;
}

static const kb_error *find_error(const struct col *c, int code, const char *file_suffix, const char *msg_part)
{
	size_t sl = file_suffix ? strlen(file_suffix) : 0;
	for (size_t i = 0; i < c->n_errors; i++) {
		const kb_error *e = &c->errors[i];
		size_t fl = strlen(e->file);
		if (e->code == code && (!file_suffix || (fl >= sl && strcmp(e->file + fl - sl, file_suffix) == 0)) &&
		    (!msg_part || strstr(e->msg, msg_part)))
			return e;
	}
	return NULL;
}

/* ---- a tree with everything in it --------------------------------------- */

static void build_tree(const char *root)
{
	size_t n;
	uint8_t *z = small_zip("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n", &n);
	put(root, "a/b/c/lib.jar", z, n, 0644);
	put(root, "a/b/c/zip-named.txt", z, n, 0644);
	/* a launcher script in front of the archive */
	static const char sh[] = "#!/bin/sh\nexec java -jar \"$0\" \"$@\"\n";
	uint8_t *pz = malloc(sizeof sh - 1 + n);
	memcpy(pz, sh, sizeof sh - 1);
	memcpy(pz + sizeof sh - 1, z, n);
	put(root, "a/app.bin", pz, sizeof sh - 1 + n, 0755);
	free(pz);
	/* a truncated archive: its first local header, no end record */
	put(root, "a/truncated.hpi", z, 40, 0644);
	free(z);
	put_text(root, "a/b/readme.txt", "hello\n");
	put_text(root, "a/empty", "");

	/* large files: read head and tail, then mapped */
	size_t big = 300000;
	uint8_t *noise = malloc(big);
	uint32_t x = 12345;
	for (size_t i = 0; i < big; i++) {
		x = x * 1103515245u + 12345u;
		noise[i] = (uint8_t)(x >> 16);
	}
	zt_zip zz = { 0 };
	zt_opts stored = { .method = 0 };
	zt_add(&zz, "blob.bin", 8, noise, big, &stored);
	zt_add_str(&zz, "META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n", 8);
	uint8_t *bz = zt_finish(&zz, NULL, 0, false, &n);
	put(root, "big/plugin.hpi", bz, n, 0644);
	/* a large prefix before a small archive: only the tail tells */
	size_t sn;
	uint8_t *sz = small_zip("a.txt", "a", &sn);
	uint8_t *lp = malloc(big + sn);
	memset(lp, '#', big);
	memcpy(lp + big, sz, sn);
	put(root, "big/installer.run", lp, big + sn, 0755);
	for (size_t i = 0; i < big; i++) /* text that is not an archive */
		noise[i] = (uint8_t)('a' + noise[i] % 26);
	put(root, "big/data.log", noise, big, 0644);
	free(lp);
	free(sz);
	free(bz);
	free(noise);

	/* links and a fifo */
	char p[4096], t[4096];
	snprintf(p, sizeof p, "%s/link-dir", root);
	snprintf(t, sizeof t, "%s/a", root);
	if (symlink(t, p) != 0)
		fail_msg("symlink");
	snprintf(p, sizeof p, "%s/link-file.jar", root);
	snprintf(t, sizeof t, "%s/a/b/c/lib.jar", root);
	if (symlink(t, p) != 0)
		fail_msg("symlink");
	snprintf(p, sizeof p, "%s/a/pipe", root);
	if (mkfifo(p, 0644) != 0)
		fail_msg("mkfifo");
}

static void test_tree(void **state)
{
	char *root = make_root();
	build_tree(root);
	struct col c = { 0 };
	kb_scan_opts o = { .all_files = true };
	const char *roots[] = { root };
	kb_scan_counters k;
	assert_int_equal(scan(&c, &o, roots, 1, &k, NULL), 0);

	/* every regular file, by content */
	static const struct {
		const char *suffix;
		kb_scan_kind kind;
		int zip;
	} want[] = {
		{ "/a/b/c/lib.jar", KB_SCAN_ZIP, 0 },      { "/a/b/c/zip-named.txt", KB_SCAN_ZIP, 0 },
		{ "/a/app.bin", KB_SCAN_ZIP, 0 },          { "/a/truncated.hpi", KB_SCAN_ZIP, KB_EPARSE },
		{ "/a/b/readme.txt", KB_SCAN_OTHER, 1 },   { "/a/empty", KB_SCAN_OTHER, 1 },
		{ "/big/plugin.hpi", KB_SCAN_ZIP, 0 },     { "/big/installer.run", KB_SCAN_ZIP, 0 },
		{ "/big/data.log", KB_SCAN_OTHER, 1 },
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		const struct rec *r = find_file(&c, want[i].suffix);
		if (!r)
			fail_msg("%s not given to the callback", want[i].suffix);
		if (r->kind != want[i].kind)
			fail_msg("%s: kind %d", want[i].suffix, r->kind);
		if (r->zip != want[i].zip)
			fail_msg("%s: kb_zip_open_buffer gave %d", want[i].suffix, r->zip);
		assert_int_equal(r->root_len, strlen(root));
		assert_memory_equal(r->path, root, strlen(root));
		assert_string_equal(r->name, strrchr(want[i].suffix, '/') + 1);
	}
	assert_int_equal(c.n_files, sizeof want / sizeof want[0]);
	assert_int_equal(k.files, sizeof want / sizeof want[0]);
	assert_int_equal(k.archives, 6);
	assert_int_equal(k.dirs, 5); /* root, a, a/b, a/b/c, big; none through the link */
	assert_int_equal(k.errors, 0);
	assert_int_equal(c.n_errors, 0);

	/* links skipped, not followed; the fifo skipped, not opened */
	const struct skiprec *sk = find_skip(&c, "/link-dir");
	assert_non_null(sk);
	assert_int_equal(sk->why, KB_SCAN_SKIP_LINK);
	sk = find_skip(&c, "/link-file.jar");
	assert_non_null(sk);
	assert_int_equal(sk->why, KB_SCAN_SKIP_LINK);
	sk = find_skip(&c, "/a/pipe");
	assert_non_null(sk);
	assert_int_equal(sk->why, KB_SCAN_SKIP_SPECIAL);
	assert_false(any_file_contains(&c, "link-"));
	assert_int_equal(k.skipped, 3);
	assert_int_equal(c.n_skips, 3);
	assert_true(c.n_progress >= 1); /* at least the last one */
	col_free(&c);

	/* only archives reach `file` without all_files; the rest is counted */
	o.all_files = false;
	assert_int_equal(scan(&c, &o, roots, 1, &k, NULL), 0);
	assert_int_equal(c.n_files, 6);
	assert_int_equal(k.files, 9);
	assert_null(find_file(&c, "/a/b/readme.txt"));
	col_free(&c);

	/* single files as roots, a root with a trailing slash, a link and a fifo as roots */
	char f1[4096], f2[4096], f3[4096], f4[4096], f5[4096];
	snprintf(f1, sizeof f1, "%s/a/b/c/zip-named.txt", root);
	snprintf(f2, sizeof f2, "%s/big/", root);
	snprintf(f3, sizeof f3, "%s/link-dir", root);
	snprintf(f4, sizeof f4, "%s/a/pipe", root);
	snprintf(f5, sizeof f5, "%s/missing", root);
	const char *r2[] = { f1, f2, f3, f4, f5 };
	assert_int_equal(scan(&c, &o, r2, 5, &k, NULL), 0);
	const struct rec *r = find_file(&c, "/a/b/c/zip-named.txt");
	assert_non_null(r);
	assert_int_equal(r->root_len, strlen(f1));
	r = find_file(&c, "/big/plugin.hpi");
	assert_non_null(r);
	assert_int_equal(strlen(r->path), strlen(root) + strlen("/big/plugin.hpi"));
	assert_int_equal(r->root_len, strlen(f2) - 1);
	assert_non_null(find_error(&c, KB_EINVAL, "/link-dir", "symbolic link"));
	assert_non_null(find_error(&c, KB_EINVAL, "/a/pipe", "not a regular file"));
	const kb_error *e = find_error(&c, KB_EIO, "/missing", NULL);
	assert_non_null(e);
	assert_int_equal(e->sys_errno, ENOENT);
	assert_int_equal(k.errors, 3);
	col_free(&c);
	remove_root(root);
}

/* ---- unreadable files and directories ------------------------------------ */

/* The checks, as a plain status so a child process can run them: 0 when all hold. */
static int unreadable_checks(const char *root)
{
	struct col c = { 0 };
	kb_scan_opts o = { .all_files = true };
	const char *roots[] = { root };
	kb_scan_counters k;
	kb_scan *s = NULL;
	if (kb_scan_new(&o, &callbacks, &c, &s, NULL) != 0 || kb_scan_run(s, roots, 1, NULL) != 0)
		return 1;
	kb_scan_get_counters(s, &k);
	kb_scan_free(s);
	int bad = 0;
	const kb_error *e = find_error(&c, KB_EIO, "/secret.jar", "cannot open");
	if (!e || e->sys_errno != EACCES)
		bad |= 2;
	e = find_error(&c, KB_EIO, "/locked", "cannot open directory");
	if (!e || e->sys_errno != EACCES)
		bad |= 4;
	if (!find_file(&c, "/z-after.txt") || !find_file(&c, "/a-before.txt"))
		bad |= 8; /* the walk went on */
	if (k.errors != 2 || c.n_errors != 2)
		bad |= 16;
	col_free(&c);
	return bad;
}

static void test_unreadable(void **state)
{
	char *root = make_root();
	put_text(root, "a-before.txt", "x");
	put_text(root, "secret.jar", "x");
	put_text(root, "z-after.txt", "x");
	put_text(root, "locked/inside.txt", "x");
	char p[4096];
	snprintf(p, sizeof p, "%s/secret.jar", root);
	chmod(p, 0);
	snprintf(p, sizeof p, "%s/locked", root);
	chmod(p, 0);
	if (geteuid() != 0) {
		assert_int_equal(unreadable_checks(root), 0);
	} else {
		/* root reads everything: check as nobody, in a child */
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
				_exit(100);
			_exit(unreadable_checks(root));
		}
		int st = 0;
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(WIFEXITED(st));
		if (WEXITSTATUS(st) == 100)
			skip(); /* could not drop privileges here */
		if (WEXITSTATUS(st) != 0)
			fail_msg("unreadable checks failed: %d", WEXITSTATUS(st));
	}
	remove_root(root);
}

/* ---- excludes ----------------------------------------------------------- */

static void test_exclude(void **state)
{
	char *root = make_root();
	size_t n;
	uint8_t *z = small_zip("x", "x", &n);
	put(root, "app/lib/a.jar", z, n, 0644);
	put(root, "app/node_modules/pkg/b.jar", z, n, 0644);
	put(root, "app/deep/node_modules/c.jar", z, n, 0644);
	put(root, "app/logs/d.jar", z, n, 0644);
	put(root, "app/lib/e.jar.log", z, n, 0644);
	put(root, "app/cache/f.jar", z, n, 0644);
	put(root, "other/cache/g.jar", z, n, 0644);
	free(z);
	char full[4096];
	snprintf(full, sizeof full, "%s/app/cache", root);
	const char *ex[] = { "node_modules", "*.log", full, "/nowhere/*/x", "logs" };
	kb_scan_opts o = { .excludes = ex, .n_excludes = 5 };
	struct col c = { 0 };
	const char *roots[] = { root };
	kb_scan_counters k;
	assert_int_equal(scan(&c, &o, roots, 1, &k, NULL), 0);
	assert_non_null(find_file(&c, "/app/lib/a.jar"));
	assert_non_null(find_file(&c, "/other/cache/g.jar")); /* a full-path glob names one place */
	assert_false(any_file_contains(&c, "node_modules"));
	assert_false(any_file_contains(&c, "/logs/"));
	assert_false(any_file_contains(&c, ".log"));
	assert_false(any_file_contains(&c, "/app/cache/"));
	assert_int_equal(c.n_files, 2);
	const struct skiprec *sk = find_skip(&c, "/app/node_modules");
	assert_non_null(sk);
	assert_int_equal(sk->why, KB_SCAN_SKIP_EXCLUDED);
	assert_string_equal(sk->detail, "node_modules");
	assert_non_null(find_skip(&c, "/app/deep/node_modules"));
	sk = find_skip(&c, "/app/cache");
	assert_non_null(sk);
	assert_string_equal(sk->detail, full);
	assert_string_equal(find_skip(&c, "/e.jar.log")->detail, "*.log");
	col_free(&c);

	/* FNM_PATHNAME: '*' does not cross a '/' */
	kb_scan_opts p = { .excludes = (const char *const[]){ "/x/*" }, .n_excludes = 1 };
	assert_non_null(scan_excluded(&p, "/x/y", "y"));
	assert_null(scan_excluded(&p, "/x/y/z", "z"));
	assert_null(scan_excluded(&p, "/a/x/y", "y"));
	/* a root that matches is not walked */
	kb_scan_opts q = { .excludes = (const char *const[]){ "kb-scan-*" }, .n_excludes = 1 };
	assert_int_equal(scan(&c, &q, roots, 1, &k, NULL), 0);
	assert_int_equal(c.n_files, 0);
	assert_int_equal(k.skipped, 1);
	col_free(&c);

	/* KB_SCAN_MAX_EXCLUDES */
	const char *many[KB_SCAN_MAX_EXCLUDES + 1];
	for (size_t i = 0; i <= KB_SCAN_MAX_EXCLUDES; i++)
		many[i] = "*.tmp";
	kb_scan_opts m = { .excludes = many, .n_excludes = KB_SCAN_MAX_EXCLUDES };
	kb_scan *s = NULL;
	kb_error err;
	assert_int_equal(kb_scan_new(&m, NULL, NULL, &s, &err), 0);
	s = kb_scan_free(s);
	m.n_excludes++;
	assert_int_equal(kb_scan_new(&m, NULL, NULL, &s, &err), KB_ELIMIT);
	assert_null(s);
	assert_non_null(strstr(err.msg, "KB_SCAN_MAX_EXCLUDES"));
	remove_root(root);
}

/* ---- "-": paths from a FILE* --------------------------------------------- */

static void test_stdin_paths(void **state)
{
	char *root = make_root();
	size_t n;
	uint8_t *z = small_zip("x", "x", &n);
	put(root, "one.jar", z, n, 0644);
	put(root, "dir/two.jar", z, n, 0644);
	put(root, "new\nline.jar", z, n, 0644);
	put(root, "not-listed.jar", z, n, 0644);
	free(z);

	FILE *in = tmpfile();
	assert_non_null(in);
	fprintf(in, "%s/one.jar\n\n%s/dir\n%s/missing.jar\n", root, root, root);
	for (int i = 0; i < KB_SCAN_MAX_PATH + 10; i++)
		fputc('x', in);
	fwrite("\nnul\0byte\n", 1, 10, in);
	fprintf(in, "%s/one.jar", root); /* the last line has no newline */
	rewind(in);
	kb_scan_opts o = { .paths_in = in, .paths_name = "paths.txt" };
	struct col c = { 0 };
	const char *roots[] = { "-" };
	kb_scan_counters k;
	assert_int_equal(scan(&c, &o, roots, 1, &k, NULL), 0);
	assert_int_equal(c.n_files, 3); /* one.jar twice, dir/two.jar */
	assert_non_null(find_file(&c, "/dir/two.jar"));
	assert_false(any_file_contains(&c, "not-listed"));
	assert_non_null(find_error(&c, KB_EIO, "/missing.jar", NULL));
	const kb_error *e = find_error(&c, KB_ELIMIT, "paths.txt", "KB_SCAN_MAX_PATH");
	assert_non_null(e);
	assert_int_equal(e->line, 5);
	e = find_error(&c, KB_EINVAL, "paths.txt", "NUL");
	assert_non_null(e);
	assert_int_equal(e->line, 6);
	assert_int_equal(c.n_errors, 3);
	fclose(in);
	col_free(&c);

	/* NUL-separated: a name with a newline in it */
	in = tmpfile();
	fprintf(in, "%s/new\nline.jar", root);
	fputc('\0', in);
	fprintf(in, "%s/one.jar", root);
	fputc('\0', in);
	rewind(in);
	o = (kb_scan_opts){ .paths_in = in, .paths_nul = true };
	assert_int_equal(scan(&c, &o, roots, 1, &k, NULL), 0);
	assert_int_equal(c.n_files, 2);
	assert_non_null(find_file(&c, "/new\nline.jar"));
	assert_int_equal(c.n_errors, 0);
	fclose(in);
	col_free(&c);

	/* "-" with nothing to read from */
	kb_scan *s = NULL;
	kb_error err;
	o = (kb_scan_opts){ 0 };
	assert_int_equal(kb_scan_new(&o, NULL, NULL, &s, &err), 0);
	assert_int_equal(kb_scan_run(s, roots, 1, &err), KB_EINVAL);
	kb_scan_free(s);
	remove_root(root);
}

/* ---- Java homes --------------------------------------------------------- */

static void test_java_home(void **state)
{
	char *root = make_root();
	put_text(root, "opt/jdk-17/bin/java", "\x7f" "ELF");
	char p[4096];
	snprintf(p, sizeof p, "%s/opt/jdk-17/bin/java", root);
	chmod(p, 0755);
	put_text(root, "opt/jdk-17/lib/modules", "jimage");
	put_text(root, "opt/jdk-17/release", "IMPLEMENTOR=\"Eclipse Adoptium\"\nJAVA_VERSION=\"17.0.9\"\n"
	                                     "JAVA_RUNTIME_VERSION=\"17.0.9+9\"\nMODULES=\"java.base\"\n");
	/* Java 8: a release file, no lib/modules */
	put(root, "opt/jre8/bin/java", "x", 1, 0755);
	put_text(root, "opt/jre8/release", "JAVA_VERSION=\"1.8.0_392\"\n");
	/* lib/modules only */
	put(root, "usr/lib/jvm/nomark/bin/java", "x", 1, 0755);
	put_text(root, "usr/lib/jvm/nomark/lib/modules", "jimage");
	/* not Java homes: java not executable; no release or modules; java a link */
	put(root, "fake1/bin/java", "x", 1, 0644);
	put_text(root, "fake1/release", "JAVA_VERSION=\"1\"\n");
	put(root, "fake2/bin/java", "x", 1, 0755);
	mkdirs(root, "fake2/lib");
	put_text(root, "fake3/release", "JAVA_VERSION=\"1\"\n");
	mkdirs(root, "fake3/bin");
	snprintf(p, sizeof p, "%s/fake3/bin/java", root);
	assert_int_equal(symlink("/bin/sh", p), 0);

	struct col c = { 0 };
	kb_scan_opts o = { 0 };
	const char *roots[] = { root };
	assert_int_equal(scan(&c, &o, roots, 1, NULL, NULL), 0);
	assert_int_equal(c.n_java, 3);
	bool seen[3] = { false };
	for (size_t i = 0; i < c.n_java; i++) {
		const struct javarec *j = &c.java[i];
		const char *home = j->home + strlen(root);
		if (strcmp(home, "/opt/jdk-17") == 0) {
			seen[0] = true;
			assert_string_equal(j->version, "17.0.9");
			assert_string_equal(j->runtime, "17.0.9+9");
			assert_string_equal(j->implementor, "Eclipse Adoptium");
			assert_true(j->modules && j->release);
		} else if (strcmp(home, "/opt/jre8") == 0) {
			seen[1] = true;
			assert_string_equal(j->version, "1.8.0_392");
			assert_null(j->implementor);
			assert_false(j->modules);
			assert_true(j->release);
		} else if (strcmp(home, "/usr/lib/jvm/nomark") == 0) {
			seen[2] = true;
			assert_null(j->version);
			assert_true(j->modules);
			assert_false(j->release);
		} else
			fail_msg("not a Java home: %s", j->home);
	}
	assert_true(seen[0] && seen[1] && seen[2]);
	col_free(&c);

	/* a root that is itself a Java home */
	snprintf(p, sizeof p, "%s/opt/jdk-17", root);
	const char *r2[] = { p };
	assert_int_equal(scan(&c, &o, r2, 1, NULL, NULL), 0);
	assert_int_equal(c.n_java, 1);
	assert_string_equal(c.java[0].home, p);
	col_free(&c);
	remove_root(root);
}

/* ---- limits ------------------------------------------------------------- */

static void test_depth_limit(void **state)
{
	char *root = make_root();
	char rel[4096] = "";
	size_t len = 0;
	for (int level = 1; level <= KB_SCAN_MAX_DEPTH + 2; level++) {
		len += (size_t)snprintf(rel + len, sizeof rel - len, "%sd", level > 1 ? "/" : "");
		if (level == KB_SCAN_MAX_DEPTH || level == KB_SCAN_MAX_DEPTH + 1) {
			char f[4096];
			snprintf(f, sizeof f, "%s/%s", rel, level == KB_SCAN_MAX_DEPTH ? "deepest.txt" : "too-deep.txt");
			put_text(root, f, "x");
		}
	}
	mkdirs(root, rel);
	struct col c = { 0 };
	kb_scan_opts o = { .all_files = true };
	const char *roots[] = { root };
	kb_scan_counters k;
	assert_int_equal(scan(&c, &o, roots, 1, &k, NULL), 0);
	assert_non_null(find_file(&c, "/deepest.txt"));
	assert_null(find_file(&c, "/too-deep.txt"));
	assert_int_equal(c.n_errors, 1);
	const kb_error *e = &c.errors[0];
	assert_int_equal(e->code, KB_ELIMIT);
	assert_non_null(strstr(e->msg, "KB_SCAN_MAX_DEPTH"));
	/* the directory at level KB_SCAN_MAX_DEPTH + 1 */
	size_t slashes = 0;
	for (const char *q = e->file + strlen(root); *q; q++)
		slashes += *q == '/';
	assert_int_equal(slashes, KB_SCAN_MAX_DEPTH + 1);
	assert_int_equal(k.dirs, KB_SCAN_MAX_DEPTH + 1);
	col_free(&c);
	remove_root(root);
}

static void test_path_limit(void **state)
{
	char *root = make_root();
	char name[201];
	memset(name, 'n', 200);
	name[200] = '\0';
	/* levels of 201 bytes each ("/" + 200) until the next would pass the limit */
	int fd = open(root, O_RDONLY | O_DIRECTORY);
	size_t len = strlen(root);
	int level = 0;
	while (len + 201 < KB_SCAN_MAX_PATH) {
		assert_int_equal(mkdirat(fd, name, 0755), 0);
		int nfd = openat(fd, name, O_RDONLY | O_DIRECTORY);
		close(fd);
		fd = nfd;
		len += 201;
		level++;
	}
	/* a file that just fits, one that does not, and a directory that does not */
	size_t room = KB_SCAN_MAX_PATH - 1 - len - 1; /* bytes left for a name, after the '/' */
	char fits[256], over[256];
	assert_true(room >= 3 && room < 250);
	memset(fits, 'f', room);
	fits[room] = '\0';
	memset(over, 'o', room + 1);
	over[room + 1] = '\0';
	write_at(fd, fits, "x", 1, 0644);
	write_at(fd, over, "x", 1, 0644);
	over[0] = 'D';
	assert_int_equal(mkdirat(fd, over, 0755), 0);
	close(fd);

	struct col c = { 0 };
	kb_scan_opts o = { .all_files = true };
	const char *roots[] = { root };
	assert_int_equal(scan(&c, &o, roots, 1, NULL, NULL), 0);
	assert_int_equal(c.n_files, 1);
	assert_int_equal(strlen(c.files[0].path), KB_SCAN_MAX_PATH - 1);
	assert_int_equal(c.n_errors, 2);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(c.errors[i].code, KB_ELIMIT);
		assert_non_null(strstr(c.errors[i].msg, "KB_SCAN_MAX_PATH"));
		assert_memory_equal(c.errors[i].file, "...", 3); /* the directory's path, its end kept */
	}
	col_free(&c);

	/* a root too long */
	char *longroot = malloc(KB_SCAN_MAX_PATH + 1);
	memset(longroot, 'r', KB_SCAN_MAX_PATH);
	longroot[KB_SCAN_MAX_PATH] = '\0';
	const char *r2[] = { longroot };
	assert_int_equal(scan(&c, &o, r2, 1, NULL, NULL), 0);
	assert_int_equal(c.n_errors, 1);
	assert_int_equal(c.errors[0].code, KB_ELIMIT);
	free(longroot);
	col_free(&c);
	remove_root(root);
	(void)level;
}

/* ---- threads, errors from the callback, stopping, progress --------------- */

static void test_threads(void **state)
{
	char *root = make_root();
	size_t n;
	uint8_t *z = small_zip("x", "x", &n);
	for (int i = 0; i < 200; i++) {
		char rel[64];
		snprintf(rel, sizeof rel, "d%d/%s%03d.jar", i % 7, i % 50 == 0 ? "bad" : "f", i);
		put(root, rel, z, n, 0644);
	}
	free(z);
	struct col c = { .sleep_us = 1500, .fail_with = KB_EPARSE };
	kb_scan_opts o = { 0 };
	const char *roots[] = { root };
	kb_scan_counters k;
	assert_int_equal(scan(&c, &o, roots, 1, &k, NULL), 0);
	assert_int_equal(atomic_load(&c.file_calls), 200);
	assert_int_equal(c.n_files, 196);
	/* both workers, on two threads */
	pthread_t tids[2];
	size_t ntid = 0;
	bool worker_seen[KB_SCAN_THREADS] = { false };
	for (size_t i = 0; i < c.n_files; i++) {
		worker_seen[c.files[i].worker] = true;
		bool known = false;
		for (size_t j = 0; j < ntid; j++)
			known = known || pthread_equal(tids[j], c.files[i].tid);
		if (!known) {
			assert_true(ntid < 2);
			tids[ntid++] = c.files[i].tid;
		}
	}
	assert_int_equal(ntid, KB_SCAN_THREADS);
	assert_true(worker_seen[0] && worker_seen[1]);
	assert_false(pthread_equal(tids[0], pthread_self()) || pthread_equal(tids[1], pthread_self()));
	/* a failing file is a located error, and the walk went on */
	assert_int_equal(c.n_errors, 4);
	assert_int_equal(k.errors, 4);
	for (size_t i = 0; i < c.n_errors; i++) {
		assert_int_equal(c.errors[i].code, KB_EPARSE);
		assert_non_null(strstr(c.errors[i].file, "/bad"));
		assert_string_equal(c.errors[i].msg, kb_strerror(KB_EPARSE));
	}
	assert_int_equal(k.files, 200);
	assert_int_equal(k.archives, 200);
	assert_int_equal(k.bytes, 200 * (uint64_t)n);
	/* ~150 ms of work on two workers: progress at least twice, never closer than the interval */
	assert_true(c.n_progress >= 2);
	for (size_t i = 1; i + 1 < c.n_progress; i++) {
		int64_t ms = (c.progress[i].tv_sec - c.progress[i - 1].tv_sec) * 1000 +
		             (c.progress[i].tv_nsec - c.progress[i - 1].tv_nsec) / 1000000;
		if (ms < KB_SCAN_PROGRESS_MS - 10) /* the coarse clock's granularity */
			fail_msg("progress calls %zu and %zu only %lld ms apart", i - 1, i, (long long)ms);
	}
	col_free(&c);

	/* the findings and nested-archive counters are the caller's */
	kb_scan *s = NULL;
	assert_int_equal(kb_scan_new(NULL, NULL, NULL, &s, NULL), 0);
	kb_scan_add_findings(s, 3);
	kb_scan_add_archives(s, 5);
	assert_int_equal(kb_scan_run(s, roots, 1, NULL), 0);
	kb_scan_get_counters(s, &k);
	assert_int_equal(k.findings, 3);
	assert_int_equal(k.archives, 205);
	assert_int_equal(k.files, 200);
	assert_int_equal(kb_scan_run(s, roots, 1, NULL), KB_EINVAL); /* a scan runs once */
	assert_null(kb_scan_free(s));
	assert_null(kb_scan_free(NULL));

	/* stopping from a callback */
	c = (struct col){ .stop_with = KB_ESTORE };
	kb_error err;
	kb_error_clear(&err);
	assert_int_equal(scan(&c, &o, roots, 1, &k, &err), KB_ESTORE);
	assert_int_equal(err.code, KB_ESTORE);
	assert_string_equal(err.msg, "stopped by the test");
	assert_true(atomic_load(&c.file_calls) <= KB_SCAN_THREADS);
	assert_true(k.files < 200);
	col_free(&c);
	remove_root(root);
}

static int init_fails(void *ud, unsigned worker, void **ret_ctx, kb_error *err)
{
	if (worker == 1)
		return kb_error_set(err, KB_ESTORE, "store.db", 0, 0, KB_NO_OFFSET, "cannot open the store");
	*ret_ctx = NULL;
	return 0;
}

static void test_worker_init_fails(void **state)
{
	char *root = make_root();
	put_text(root, "a.txt", "x");
	kb_scan_callbacks cb = { .worker_init = init_fails };
	kb_scan *s = NULL;
	kb_error err;
	assert_int_equal(kb_scan_new(NULL, &cb, NULL, &s, &err), 0);
	const char *roots[] = { root };
	assert_int_equal(kb_scan_run(s, roots, 1, &err), KB_ESTORE);
	assert_string_equal(err.file, "store.db");
	kb_scan_free(s);
	remove_root(root);
}

/* ---- file systems and xdev ---------------------------------------------- */

static void test_decide(void **state)
{
	kb_scan_opts o = { 0 };
	/* same device as the parent: always entered, no statfs needed */
	assert_false(scan_dir_needs_class(&o, 1, 1, 1));
	assert_int_equal(scan_dir_decide(&o, 1, 1, 1, KB_SCAN_FS_PSEUDO), SCAN_DIR_ENTER);
	/* a mount point: its class decides */
	assert_true(scan_dir_needs_class(&o, 1, 1, 2));
	assert_int_equal(scan_dir_decide(&o, 1, 1, 2, KB_SCAN_FS_LOCAL), SCAN_DIR_ENTER);
	assert_int_equal(scan_dir_decide(&o, 1, 1, 2, KB_SCAN_FS_PSEUDO), SCAN_DIR_SKIP_FS);
	assert_int_equal(scan_dir_decide(&o, 1, 1, 2, KB_SCAN_FS_NETWORK), SCAN_DIR_SKIP_FS);
	/* below a local mount, back on the root's device */
	assert_int_equal(scan_dir_decide(&o, 1, 2, 1, KB_SCAN_FS_LOCAL), SCAN_DIR_ENTER);
	/* include_fs: everything, no statfs */
	o.include_fs = true;
	assert_false(scan_dir_needs_class(&o, 1, 1, 2));
	assert_int_equal(scan_dir_decide(&o, 1, 1, 2, KB_SCAN_FS_NETWORK), SCAN_DIR_ENTER);
	/* xdev: the root's device only, decided without statfs */
	o = (kb_scan_opts){ .xdev = true };
	assert_false(scan_dir_needs_class(&o, 1, 1, 2));
	assert_int_equal(scan_dir_decide(&o, 1, 1, 2, KB_SCAN_FS_LOCAL), SCAN_DIR_SKIP_DEVICE);
	assert_int_equal(scan_dir_decide(&o, 1, 1, 1, KB_SCAN_FS_LOCAL), SCAN_DIR_ENTER);
	o.include_fs = true;
	assert_int_equal(scan_dir_decide(&o, 7, 7, 8, KB_SCAN_FS_LOCAL), SCAN_DIR_SKIP_DEVICE);
}

static void test_fs_class(void **state)
{
	const char *name;
	assert_int_equal(kb_scan_fs_class_of(0x9fa0, NULL, &name), KB_SCAN_FS_PSEUDO);
	assert_string_equal(name, "proc");
	assert_int_equal(kb_scan_fs_class_of(0x62656572, NULL, &name), KB_SCAN_FS_PSEUDO);
	assert_string_equal(name, "sysfs");
	assert_int_equal(kb_scan_fs_class_of(0x1cd1, NULL, &name), KB_SCAN_FS_PSEUDO);
	assert_int_equal(kb_scan_fs_class_of(0x63677270, NULL, &name), KB_SCAN_FS_PSEUDO);
	assert_string_equal(name, "cgroup2");
	assert_int_equal(kb_scan_fs_class_of(0x6969, NULL, &name), KB_SCAN_FS_NETWORK);
	assert_string_equal(name, "nfs");
	assert_int_equal(kb_scan_fs_class_of(0xFF534D42, NULL, &name), KB_SCAN_FS_NETWORK);
	assert_int_equal(kb_scan_fs_class_of(0xFE534D42, NULL, &name), KB_SCAN_FS_NETWORK);
	assert_string_equal(name, "smb2");
	assert_int_equal(kb_scan_fs_class_of(0x01021997, NULL, &name), KB_SCAN_FS_NETWORK);
	assert_string_equal(name, "9p");
	/* tmpfs, ext4, xfs, btrfs, overlay: local */
	assert_int_equal(kb_scan_fs_class_of(0x01021994, NULL, &name), KB_SCAN_FS_LOCAL);
	assert_null(name);
	assert_int_equal(kb_scan_fs_class_of(0xEF53, NULL, NULL), KB_SCAN_FS_LOCAL);
	assert_int_equal(kb_scan_fs_class_of(0x58465342, NULL, NULL), KB_SCAN_FS_LOCAL);
	assert_int_equal(kb_scan_fs_class_of(0x9123683E, NULL, NULL), KB_SCAN_FS_LOCAL);
	assert_int_equal(kb_scan_fs_class_of(0x794c7630, NULL, NULL), KB_SCAN_FS_LOCAL);
	/* FUSE by its mount type */
	assert_int_equal(kb_scan_fs_class_of(0x65735546, "fuse.sshfs", &name), KB_SCAN_FS_NETWORK);
	assert_string_equal(name, "fuse.sshfs");
	assert_int_equal(kb_scan_fs_class_of(0x65735546, "fuse.rclone", NULL), KB_SCAN_FS_NETWORK);
	assert_int_equal(kb_scan_fs_class_of(0x65735546, "fuse.lxcfs", NULL), KB_SCAN_FS_PSEUDO);
	assert_int_equal(kb_scan_fs_class_of(0x65735546, "fuseblk", &name), KB_SCAN_FS_LOCAL);
	assert_string_equal(name, "fuseblk");
	assert_int_equal(kb_scan_fs_class_of(0x65735546, "fuse.squashfuse", NULL), KB_SCAN_FS_LOCAL);
	assert_int_equal(kb_scan_fs_class_of(0x65735546, NULL, &name), KB_SCAN_FS_LOCAL);
	assert_string_equal(name, "fuse");
	assert_string_equal(kb_scan_skip_text(KB_SCAN_SKIP_LINK), "symbolic link (not followed)");
}

/* /dev with /dev/shm (tmpfs) and /dev/pts (devpts) mounted below it, when
 * this machine has them. */
static void test_xdev_real(void **state)
{
	struct stat dev, shm, pts;
	if (stat("/dev", &dev) != 0 || stat("/dev/shm", &shm) != 0 || shm.st_dev == dev.st_dev ||
	    access("/dev/shm", W_OK) != 0)
		skip();
	char path[] = "/dev/shm/kb-xdev-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	size_t n;
	uint8_t *z = small_zip("x", "x", &n);
	assert_int_equal(write(fd, z, n), (ssize_t)n);
	free(z);
	close(fd);
	const char *suffix = path + strlen("/dev/shm");
	const char *roots[] = { "/dev" };
	struct col c = { 0 };

	kb_scan_opts o = { .xdev = true };
	assert_int_equal(scan(&c, &o, roots, 1, NULL, NULL), 0);
	assert_null(find_file(&c, suffix));
	const struct skiprec *sk = find_skip(&c, "/dev/shm");
	assert_non_null(sk);
	assert_int_equal(sk->why, KB_SCAN_SKIP_OTHER_DEVICE);
	col_free(&c);

	o = (kb_scan_opts){ 0 };
	assert_int_equal(scan(&c, &o, roots, 1, NULL, NULL), 0);
	assert_non_null(find_file(&c, suffix)); /* tmpfs is walked */
	if (stat("/dev/pts", &pts) == 0 && pts.st_dev != dev.st_dev) {
		sk = find_skip(&c, "/dev/pts");
		assert_non_null(sk);
		assert_int_equal(sk->why, KB_SCAN_SKIP_FS_TYPE);
		assert_string_equal(sk->detail, "devpts");
	}
	col_free(&c);

	o.include_fs = true;
	assert_int_equal(scan(&c, &o, roots, 1, NULL, NULL), 0);
	assert_null(find_skip(&c, "/dev/pts"));
	col_free(&c);

	/* a root on a pseudo file system is walked: its owner named it */
	const char *proc[] = { "/proc/self/fdinfo" };
	struct stat ps;
	if (stat("/proc/self/fdinfo", &ps) == 0) {
		o = (kb_scan_opts){ .all_files = true };
		kb_scan_counters k;
		assert_int_equal(scan(&c, &o, proc, 1, &k, NULL), 0);
		assert_true(k.files > 0);
		col_free(&c);
	}
	unlink(path);
}

/* ---- classification and the release parser ------------------------------ */

static void test_classify(void **state)
{
	size_t n;
	uint8_t *z = small_zip("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n", &n);
	assert_int_equal(kb_scan_classify_buffer(z, n), KB_SCAN_ZIP);
	/* the end record alone decides when the start is something else */
	uint8_t *p = malloc(n + 100);
	memset(p, 'x', 100);
	memcpy(p + 100, z, n);
	assert_int_equal(kb_scan_classify_buffer(p, n + 100), KB_SCAN_ZIP);
	/* a bad central signature, a comment that does not end at the end, trailing bytes */
	uint8_t *q = malloc(n + 101);
	memcpy(q, p, n + 100);
	size_t eocd = n + 100 - 22;
	uint32_t cd_size = (uint32_t)(q[eocd + 12] | q[eocd + 13] << 8);
	q[eocd - cd_size] = 'X';
	assert_int_equal(kb_scan_classify_buffer(q, n + 100), KB_SCAN_OTHER);
	memcpy(q, p, n + 100);
	q[n + 100] = '\n';
	assert_int_equal(kb_scan_classify_buffer(q, n + 101), KB_SCAN_OTHER);
	memcpy(q, p, n + 100);
	q[eocd + 20] = 1; /* a 1-byte comment that is not there */
	assert_int_equal(kb_scan_classify_buffer(q, n + 100), KB_SCAN_OTHER);
	/* an empty archive; a truncated one with its local header */
	zt_zip e = { 0 };
	size_t en;
	uint8_t *ez = zt_finish(&e, NULL, 0, false, &en);
	assert_int_equal(en, 22);
	assert_int_equal(kb_scan_classify_buffer(ez, en), KB_SCAN_ZIP);
	assert_int_equal(kb_scan_classify_buffer(z, 30), KB_SCAN_ZIP);
	assert_int_equal(kb_scan_classify_buffer(z, 3), KB_SCAN_OTHER);
	assert_int_equal(kb_scan_classify_buffer(NULL, 0), KB_SCAN_OTHER);
	static const char text[] = "PK\x05\x06 in the middle of some text, not an archive\n";
	assert_int_equal(kb_scan_classify_buffer((const uint8_t *)text, sizeof text - 1), KB_SCAN_OTHER);
	/* ZIP64 and a comment */
	zt_zip z64 = { 0 };
	zt_add_str(&z64, "a", "a", 0);
	size_t n64;
	uint8_t *b64 = zt_finish(&z64, "comment", 7, true, &n64);
	assert_int_equal(kb_scan_classify_buffer(b64, n64), KB_SCAN_ZIP);
	uint8_t *pre64 = malloc(n64 + 10);
	memset(pre64, '#', 10);
	memcpy(pre64 + 10, b64, n64);
	assert_int_equal(kb_scan_classify_buffer(pre64, n64 + 10), KB_SCAN_ZIP);
	/* head and tail of a large file, as the walk reads them */
	size_t big = 200000;
	uint8_t *lp = malloc(big + n);
	memset(lp, '#', big);
	memcpy(lp + big, z, n);
	size_t total = big + n;
	assert_int_equal(kb_scan_classify(lp, 4, lp + total - KB_SCAN_ZIP_TAIL, KB_SCAN_ZIP_TAIL, total), KB_SCAN_ZIP);
	lp[big + n - 22] = 'Q'; /* no end record now */
	assert_int_equal(kb_scan_classify(lp, 4, lp + total - KB_SCAN_ZIP_TAIL, KB_SCAN_ZIP_TAIL, total),
	                 KB_SCAN_OTHER);
	/* the farthest an end record can be: a 65,535-byte comment */
	uint8_t *far = calloc(1, KB_SCAN_ZIP_TAIL + 1);
	memcpy(far + 1, ez, 22);
	far[1 + 20] = 0xFF;
	far[1 + 21] = 0xFF;
	assert_int_equal(kb_scan_classify_buffer(far, KB_SCAN_ZIP_TAIL + 1), KB_SCAN_ZIP);
	assert_int_equal(kb_scan_classify(far, 4, far + 1, KB_SCAN_ZIP_TAIL, KB_SCAN_ZIP_TAIL + 1), KB_SCAN_ZIP);
	far[1 + 21] = 0xFE; /* the comment now ends before the end */
	assert_int_equal(kb_scan_classify_buffer(far, KB_SCAN_ZIP_TAIL + 1), KB_SCAN_OTHER);
	free(far);
	free(lp);
	free(pre64);
	free(b64);
	free(ez);
	free(q);
	free(p);
	free(z);
}

static void test_release_parse(void **state)
{
	kb_scan_release r;
	static const char typical[] = "IMPLEMENTOR=\"Eclipse Adoptium\"\n"
	                              "IMPLEMENTOR_VERSION=\"Temurin-17.0.9+9\"\n"
	                              "JAVA_RUNTIME_VERSION=\"17.0.9+9\"\n"
	                              "JAVA_VERSION=\"17.0.9\"\n"
	                              "JAVA_VERSION_DATE=\"2023-10-17\"\n"
	                              "MODULES=\"java.base java.compiler\"\n";
	kb_scan_release_parse(typical, sizeof typical - 1, &r);
	assert_string_equal(r.java_version, "17.0.9");
	assert_string_equal(r.runtime_version, "17.0.9+9");
	assert_string_equal(r.implementor, "Eclipse Adoptium");

	static const char odd[] = "# comment\r\n  JAVA_VERSION=1.8.0_392 trailing\r\n"
	                          "IMPLEMENTOR='Oracle Corporation'\r\nJAVA_RUNTIME_VERSION=\"unterminated\r\n"
	                          "NOT A LINE\n=\"x\"\nJAVA_VERSIONX=\"no\"";
	kb_scan_release_parse(odd, sizeof odd - 1, &r);
	assert_string_equal(r.java_version, "1.8.0_392");
	assert_string_equal(r.implementor, "Oracle Corporation");
	assert_string_equal(r.runtime_version, "unterminated");

	/* the last occurrence wins, and an unusable value empties the field */
	static const char twice[] = "JAVA_VERSION=\"11\"\nJAVA_VERSION=\"17\"\nIMPLEMENTOR=\"a\tb\"\n";
	kb_scan_release_parse(twice, sizeof twice - 1, &r);
	assert_string_equal(r.java_version, "17");
	assert_string_equal(r.implementor, "");
	char longv[300];
	int len = snprintf(longv, sizeof longv, "JAVA_VERSION=\"%0*d\"\n", KB_SCAN_RELEASE_VALUE_MAX, 7);
	kb_scan_release_parse(longv, (size_t)len, &r);
	assert_string_equal(r.java_version, "");
	len = snprintf(longv, sizeof longv, "JAVA_VERSION=\"%0*d\"\n", KB_SCAN_RELEASE_VALUE_MAX - 1, 7);
	kb_scan_release_parse(longv, (size_t)len, &r);
	assert_int_equal(strlen(r.java_version), KB_SCAN_RELEASE_VALUE_MAX - 1);
	/* nothing at all */
	kb_scan_release_parse("", 0, &r);
	assert_string_equal(r.java_version, "");
	kb_scan_release_parse("JAVA_VERSION=\"", 14, &r);
	assert_string_equal(r.java_version, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_exclude),
		cmocka_unit_test(test_stdin_paths),
		cmocka_unit_test(test_java_home),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_path_limit),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_worker_init_fails),
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_fs_class),
		cmocka_unit_test(test_xdev_real),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_release_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
