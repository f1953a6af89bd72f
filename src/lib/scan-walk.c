/*
 * scan-walk.c - the file-tree walker and work queue behind `koban scan`.
 *
 * One walking thread (the caller's) and KB_SCAN_THREADS workers. The walker
 * descends depth first, holding one directory descriptor per level (at most
 * KB_SCAN_MAX_DEPTH + 1), and opens each regular file itself, relative to its
 * directory's descriptor, so that no path is resolved twice and no link in
 * the middle of a path can be swapped in. An open file goes into a slot of a
 * fixed pool (KB_SCAN_QUEUE_LEN slots, each with room for a whole path): the
 * walker takes a free slot (waiting, and calling progress, while none is
 * free), fills it and appends it to the ready ring; a worker takes the oldest
 * ready slots (a few at a time), examines and classifies each file, calls the
 * caller, closes the file and gives the slots back. So the walk never runs
 * more than the pool ahead of the workers, and nothing is allocated per file.
 * The workers are woken when SCAN_BATCH files are ready, at the end of each
 * directory and root, on every tick (KB_SCAN_PROGRESS_MS) and when the pool
 * is full - not for every file, which cost more in wake-ups than the files
 * cost to examine.
 *
 * A worker reads a small file (up to KB_SCAN_SMALL_FILE) whole into its own
 * buffer and hands that buffer over; of a larger one it reads the first bytes
 * and the last KB_SCAN_ZIP_TAIL to classify it and maps it only when the
 * caller is to see it. Reading rather than mapping to classify means that a
 * log file truncated during the scan cannot raise SIGBUS.
 *
 * Directories: a subdirectory's device is read with fstatat (not following
 * links, not triggering automounts) before it is opened; only when it differs
 * from its parent's - a mount point - is its file system examined (O_PATH,
 * fstatfs, and for FUSE the mount's type in /proc/self/mountinfo). The
 * decision itself is scan_dir_decide(), which the tests drive with made-up
 * devices. After a directory has been read, if it held entries named "bin"
 * and "lib" or "release", it is checked for a Java runtime.
 *
 * Locks: q_mu guards the pool (free stack, ready ring, done); out_mu
 * serializes the caller's callbacks; stop_mu guards the stop error. No
 * callback is called with q_mu held, and kb_scan_stop() takes only stop_mu
 * and q_mu, so it can be called from any callback. Counters are atomics.
 */
#include "scan-walk-internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_EOCD 0x06054b50u
#define SIG_LOCATOR64 0x07064b50u
#define EOCD_LEN 22
#define LOCATOR64_LEN 20
#define FUSE_MAGIC 0x65735546u
#define MOUNTINFO_LINE_MAX 8192
#define SCAN_BATCH 16 /* ready files that wake the workers; fewer wait for the end of a directory or a tick */
#define SCAN_TAKE 4   /* files a worker takes from the ready ring at once */

/* ---- classification by content ---------------------------------------- */

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The file's bytes we hold: [0, head_len) and [size - tail_len, size). */
struct view {
	const uint8_t *head, *tail;
	size_t head_len, tail_len;
	uint64_t size;
};

/* `len` bytes at file offset `off`, or NULL when we do not hold them. */
static const uint8_t *view_at(const struct view *v, uint64_t off, size_t len)
{
	if (off > v->size || len > v->size - off)
		return NULL;
	if (off + len <= v->head_len)
		return v->head + off;
	uint64_t t0 = v->size - v->tail_len;
	if (off >= t0)
		return v->tail + (off - t0);
	return NULL;
}

/* Could the end record at `pos` be the archive's? The reader's rules
 * (zip-reader.c, try_eocd), loosened where a byte is out of view. */
static bool eocd_plausible(const struct view *v, uint64_t pos)
{
	const uint8_t *p = view_at(v, pos, EOCD_LEN);
	if (!p || pos + EOCD_LEN + rd16(p + 20) != v->size)
		return false;
	if (pos >= LOCATOR64_LEN) {
		const uint8_t *loc = view_at(v, pos - LOCATOR64_LEN, 4);
		if (!loc || rd32(loc) == SIG_LOCATOR64)
			return true;
	}
	uint64_t entries = rd16(p + 10), cd_size = rd32(p + 12), cd_offset = rd32(p + 16);
	if (cd_size == 0xFFFFFFFFu || cd_offset == 0xFFFFFFFFu)
		return false; /* ZIP64 values without a locator */
	if (cd_size > pos || cd_offset > pos - cd_size)
		return false;
	if (cd_size == 0)
		return entries == 0;
	if (cd_size < 4)
		return false;
	const uint8_t *c = view_at(v, pos - cd_size, 4);
	return !c || rd32(c) == SIG_CENTRAL;
}

kb_scan_kind kb_scan_classify(const uint8_t *head, size_t head_len, const uint8_t *tail, size_t tail_len,
                              uint64_t size)
{
	struct view v = { head, tail, head_len, tail_len, size };
	if (head_len > size || tail_len > size)
		return KB_SCAN_OTHER;
	if (size >= 4 && head_len >= 4 && rd32(head) == SIG_LOCAL)
		return KB_SCAN_ZIP;
	if (tail_len < EOCD_LEN)
		return KB_SCAN_OTHER;
	/* candidates from the end backwards, as the reader searches */
	size_t lo = tail_len > KB_SCAN_ZIP_TAIL ? tail_len - KB_SCAN_ZIP_TAIL : 0;
	size_t end = tail_len - EOCD_LEN + 1; /* a candidate starts before `end` */
	while (end > lo) {
		const uint8_t *p = memrchr(tail + lo, 'P', end - lo);
		if (!p)
			break;
		size_t i = (size_t)(p - tail);
		if (rd32(p) == SIG_EOCD && eocd_plausible(&v, size - tail_len + i))
			return KB_SCAN_ZIP;
		end = i;
	}
	return KB_SCAN_OTHER;
}

kb_scan_kind kb_scan_classify_buffer(const uint8_t *data, size_t size)
{
	return kb_scan_classify(data, size, data, size, size);
}

/* ---- the Java `release` file ------------------------------------------- */

static void release_value(char *dst, const char *v, size_t n)
{
	dst[0] = '\0';
	if (n >= KB_SCAN_RELEASE_VALUE_MAX)
		return;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return;
	memcpy(dst, v, n);
	dst[n] = '\0';
}

void kb_scan_release_parse(const char *data, size_t n, kb_scan_release *ret)
{
	memset(ret, 0, sizeof *ret);
	size_t i = 0;
	while (i < n) {
		const char *line = data + i;
		const char *nl = memchr(line, '\n', n - i);
		size_t len = nl ? (size_t)(nl - line) : n - i;
		i += len + 1;
		if (len && line[len - 1] == '\r')
			len--;
		size_t j = 0;
		while (j < len && (line[j] == ' ' || line[j] == '\t'))
			j++;
		size_t k = j;
		while (k < len && (line[k] == '_' || (line[k] >= 'A' && line[k] <= 'Z') ||
		                   (line[k] >= 'a' && line[k] <= 'z') || (line[k] >= '0' && line[k] <= '9')))
			k++;
		if (k == j || k >= len || line[k] != '=')
			continue; /* a comment, a blank line, or not an assignment */
		const char *key = line + j;
		size_t key_len = k - j;
		const char *v = line + k + 1;
		size_t vlen = len - k - 1;
		if (vlen && (v[0] == '"' || v[0] == '\'')) {
			const char *close = memchr(v + 1, v[0], vlen - 1);
			vlen = close ? (size_t)(close - v - 1) : vlen - 1;
			v++;
		} else {
			size_t e = 0;
			while (e < vlen && v[e] != ' ' && v[e] != '\t')
				e++;
			vlen = e;
		}
		char *dst = NULL;
		if (key_len == 12 && memcmp(key, "JAVA_VERSION", 12) == 0)
			dst = ret->java_version;
		else if (key_len == 20 && memcmp(key, "JAVA_RUNTIME_VERSION", 20) == 0)
			dst = ret->runtime_version;
		else if (key_len == 11 && memcmp(key, "IMPLEMENTOR", 11) == 0)
			dst = ret->implementor;
		if (dst)
			release_value(dst, v, vlen);
	}
}

/* ---- file systems ------------------------------------------------------ */

static const struct {
	uint64_t magic;
	const char *name;
	kb_scan_fs_class cls;
} fs_types[] = {
	{ 0x9fa0, "proc", KB_SCAN_FS_PSEUDO },
	{ 0x62656572, "sysfs", KB_SCAN_FS_PSEUDO },
	{ 0x1cd1, "devpts", KB_SCAN_FS_PSEUDO },
	{ 0x27e0eb, "cgroup", KB_SCAN_FS_PSEUDO },
	{ 0x63677270, "cgroup2", KB_SCAN_FS_PSEUDO },
	{ 0x64626720, "debugfs", KB_SCAN_FS_PSEUDO },
	{ 0x74726163, "tracefs", KB_SCAN_FS_PSEUDO },
	{ 0x73636673, "securityfs", KB_SCAN_FS_PSEUDO },
	{ 0x6165676c, "pstore", KB_SCAN_FS_PSEUDO },
	{ 0xcafe4a11, "bpf", KB_SCAN_FS_PSEUDO },
	{ 0x62656570, "configfs", KB_SCAN_FS_PSEUDO },
	{ 0x65735543, "fusectl", KB_SCAN_FS_PSEUDO },
	{ 0x19800202, "mqueue", KB_SCAN_FS_PSEUDO },
	{ 0x958458f6, "hugetlbfs", KB_SCAN_FS_PSEUDO },
	{ 0x0187, "autofs", KB_SCAN_FS_PSEUDO },
	{ 0x42494e4d, "binfmt_misc", KB_SCAN_FS_PSEUDO },
	{ 0xf97cff8c, "selinuxfs", KB_SCAN_FS_PSEUDO },
	{ 0x43415d53, "smackfs", KB_SCAN_FS_PSEUDO },
	{ 0xde5e81e4, "efivarfs", KB_SCAN_FS_PSEUDO },
	{ 0x6e736673, "nsfs", KB_SCAN_FS_PSEUDO },
	{ 0x7655821, "resctrl", KB_SCAN_FS_PSEUDO },
	{ 0x6969, "nfs", KB_SCAN_FS_NETWORK },
	{ 0xff534d42, "cifs", KB_SCAN_FS_NETWORK },
	{ 0xfe534d42, "smb2", KB_SCAN_FS_NETWORK },
	{ 0x517b, "smbfs", KB_SCAN_FS_NETWORK },
	{ 0x01021997, "9p", KB_SCAN_FS_NETWORK },
	{ 0x00c36400, "ceph", KB_SCAN_FS_NETWORK },
	{ 0x5346414f, "afs", KB_SCAN_FS_NETWORK },
	{ 0x6b414653, "kafs", KB_SCAN_FS_NETWORK },
	{ 0x73757245, "coda", KB_SCAN_FS_NETWORK },
	{ 0x564c, "ncpfs", KB_SCAN_FS_NETWORK },
	{ 0x0bd00bd0, "lustre", KB_SCAN_FS_NETWORK },
	{ 0x47504653, "gpfs", KB_SCAN_FS_NETWORK },
};

/* FUSE file systems by the part of their mount type after "fuse.". */
static const struct {
	const char *name;
	kb_scan_fs_class cls;
} fuse_types[] = {
	{ "lxcfs", KB_SCAN_FS_PSEUDO },      { "portal", KB_SCAN_FS_PSEUDO },
	{ "sshfs", KB_SCAN_FS_NETWORK },     { "rclone", KB_SCAN_FS_NETWORK },
	{ "s3fs", KB_SCAN_FS_NETWORK },      { "gcsfuse", KB_SCAN_FS_NETWORK },
	{ "curlftpfs", KB_SCAN_FS_NETWORK }, { "glusterfs", KB_SCAN_FS_NETWORK },
	{ "ceph-fuse", KB_SCAN_FS_NETWORK }, { "juicefs", KB_SCAN_FS_NETWORK },
	{ "goofys", KB_SCAN_FS_NETWORK },    { "mountpoint-s3", KB_SCAN_FS_NETWORK },
	{ "blobfuse", KB_SCAN_FS_NETWORK },  { "blobfuse2", KB_SCAN_FS_NETWORK },
	{ "davfs", KB_SCAN_FS_NETWORK },     { "gvfsd-fuse", KB_SCAN_FS_NETWORK },
};

kb_scan_fs_class kb_scan_fs_class_of(uint64_t f_type, const char *fuse_type, const char **ret_name)
{
	const char *name = NULL;
	kb_scan_fs_class cls = KB_SCAN_FS_LOCAL;
	if (f_type == FUSE_MAGIC) {
		name = fuse_type && fuse_type[0] ? fuse_type : "fuse";
		if (fuse_type && strncmp(fuse_type, "fuse.", 5) == 0)
			for (size_t i = 0; i < sizeof fuse_types / sizeof fuse_types[0]; i++)
				if (strcmp(fuse_type + 5, fuse_types[i].name) == 0)
					cls = fuse_types[i].cls;
	} else {
		for (size_t i = 0; i < sizeof fs_types / sizeof fs_types[0]; i++)
			if (fs_types[i].magic == (f_type & 0xffffffffu)) {
				name = fs_types[i].name;
				cls = fs_types[i].cls;
				break;
			}
	}
	if (ret_name)
		*ret_name = name;
	return cls;
}

/* The type of the mount on `dev` from /proc/self/mountinfo ("fuse.sshfs"),
 * or "" when it cannot be told. Lines: "36 35 98:0 /root /mnt opts... - TYPE SOURCE SUPER". */
static void mount_type(uint64_t dev, char *buf, size_t size)
{
	buf[0] = '\0';
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return;
	char want[48];
	snprintf(want, sizeof want, "%u:%u", major((dev_t)dev), minor((dev_t)dev));
	char *line = malloc(MOUNTINFO_LINE_MAX);
	while (line && fgets(line, MOUNTINFO_LINE_MAX, f)) {
		size_t len = strlen(line);
		if (len && line[len - 1] != '\n' && !feof(f)) {
			int c; /* an overlong line: skip the rest of it */
			while ((c = getc(f)) != EOF && c != '\n')
				;
			continue;
		}
		char *sp1 = strchr(line, ' ');
		char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
		char *sp3 = sp2 ? strchr(sp2 + 1, ' ') : NULL;
		if (!sp3 || (size_t)(sp3 - sp2 - 1) != strlen(want) || memcmp(sp2 + 1, want, strlen(want)) != 0)
			continue;
		char *sep = strstr(sp3, " - ");
		if (!sep)
			continue;
		char *type = sep + 3;
		size_t tl = strcspn(type, " \n");
		if (tl < size) {
			memcpy(buf, type, tl);
			buf[tl] = '\0';
		}
		break;
	}
	free(line);
	fclose(f);
}

/* ---- decisions --------------------------------------------------------- */

bool scan_dir_needs_class(const kb_scan_opts *o, uint64_t root_dev, uint64_t parent_dev, uint64_t dev)
{
	return dev != parent_dev && !(o->xdev && dev != root_dev) && !o->include_fs;
}

scan_dir_verdict scan_dir_decide(const kb_scan_opts *o, uint64_t root_dev, uint64_t parent_dev, uint64_t dev,
                                 kb_scan_fs_class cls)
{
	if (dev == parent_dev)
		return SCAN_DIR_ENTER;
	if (o->xdev && dev != root_dev)
		return SCAN_DIR_SKIP_DEVICE;
	if (!o->include_fs && cls != KB_SCAN_FS_LOCAL)
		return SCAN_DIR_SKIP_FS;
	return SCAN_DIR_ENTER;
}

const char *scan_excluded(const kb_scan_opts *o, const char *path, const char *name)
{
	for (size_t i = 0; i < o->n_excludes; i++) {
		const char *g = o->excludes[i];
		if (fnmatch(g, strchr(g, '/') ? path : name, FNM_PATHNAME) == 0)
			return g;
	}
	return NULL;
}

const char *kb_scan_skip_text(kb_scan_skip why)
{
	switch (why) {
	case KB_SCAN_SKIP_LINK: return "symbolic link (not followed)";
	case KB_SCAN_SKIP_SPECIAL: return "not a regular file (not opened)";
	case KB_SCAN_SKIP_EXCLUDED: return "excluded";
	case KB_SCAN_SKIP_OTHER_DEVICE: return "another file system (xdev)";
	case KB_SCAN_SKIP_FS_TYPE: return "pseudo or network file system";
	}
	return "skipped";
}

/* ---- the scan ---------------------------------------------------------- */

struct slot {
	int fd;
	int fl;                       /* the file status flags it was opened with, O_NONBLOCK to be cleared */
	size_t root_len;
	char path[KB_SCAN_MAX_PATH];
};

struct worker {
	kb_scan *s;
	unsigned index;
	pthread_t thread;
	uint8_t *buf;   /* KB_SCAN_SMALL_FILE bytes: a small file whole, or a large one's tail */
};

struct kb_scan {
	kb_scan_opts o;
	kb_scan_callbacks cb;
	void *ud;
	bool ran;

	pthread_mutex_t q_mu;
	pthread_cond_t q_ready;       /* a slot is ready, or the walk is done */
	pthread_cond_t q_free;        /* a slot came back (monotonic clock) */
	struct slot *slots;
	unsigned free_stack[KB_SCAN_QUEUE_LEN];
	unsigned n_free;
	unsigned ready[KB_SCAN_QUEUE_LEN];
	unsigned ready_head, n_ready;
	bool done;

	pthread_mutex_t out_mu;
	pthread_mutex_t stop_mu;
	atomic_int stop;              /* 0, or the code kb_scan_run() returns */
	kb_error stop_err;

	atomic_uint_fast64_t files, bytes, archives, findings, errors, dirs, skipped;
	atomic_bool noatime;
	struct timespec last_tick;

	struct worker workers[KB_SCAN_THREADS];

	/* the walker's */
	char path[KB_SCAN_MAX_PATH];
	size_t root_len;
	uint64_t root_dev;
	char *release;                /* KB_SCAN_RELEASE_MAX bytes */
};

static bool stopped(const kb_scan *s)
{
	return atomic_load_explicit(&s->stop, memory_order_relaxed) != 0;
}

static void count(atomic_uint_fast64_t *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

int kb_scan_new(const kb_scan_opts *opts, const kb_scan_callbacks *cb, void *userdata, kb_scan **ret,
                kb_error *err)
{
	kb_scan_opts o = opts ? *opts : (kb_scan_opts){ 0 };
	if (o.n_excludes > KB_SCAN_MAX_EXCLUDES)
		return kb_error_set(err, KB_ELIMIT, "", 0, 0, KB_NO_OFFSET,
		                    "%zu exclude globs: at most KB_SCAN_MAX_EXCLUDES (%d)", o.n_excludes,
		                    KB_SCAN_MAX_EXCLUDES);
	for (size_t i = 0; i < o.n_excludes; i++) {
		if (!o.excludes[i])
			return kb_error_set(err, KB_EINVAL, "", 0, 0, KB_NO_OFFSET, "exclude glob %zu is NULL", i);
		if (strlen(o.excludes[i]) >= KB_SCAN_MAX_PATH)
			return kb_error_set(err, KB_ELIMIT, "", 0, 0, KB_NO_OFFSET,
			                    "exclude glob %zu is longer than KB_SCAN_MAX_PATH (%d bytes)", i,
			                    KB_SCAN_MAX_PATH);
	}
	if (!o.paths_name)
		o.paths_name = "-";
	kb_scan *s = calloc(1, sizeof *s);
	if (!s)
		return kb_error_set(err, KB_ENOMEM, "", 0, 0, KB_NO_OFFSET, "out of memory");
	s->o = o;
	if (cb)
		s->cb = *cb;
	s->ud = userdata;
	s->slots = malloc(KB_SCAN_QUEUE_LEN * sizeof *s->slots);
	s->release = malloc(KB_SCAN_RELEASE_MAX);
	bool ok = s->slots && s->release;
	for (unsigned i = 0; i < KB_SCAN_THREADS; i++) {
		s->workers[i] = (struct worker){ .s = s, .index = i, .buf = malloc(KB_SCAN_SMALL_FILE) };
		ok = ok && s->workers[i].buf;
	}
	pthread_condattr_t ca;
	bool sync_ok = pthread_condattr_init(&ca) == 0;
	if (sync_ok) {
		sync_ok = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0;
		sync_ok = sync_ok && pthread_cond_init(&s->q_free, &ca) == 0;
		pthread_condattr_destroy(&ca);
	}
	if (!ok || !sync_ok || pthread_mutex_init(&s->q_mu, NULL) != 0 ||
	    pthread_cond_init(&s->q_ready, NULL) != 0 || pthread_mutex_init(&s->out_mu, NULL) != 0 ||
	    pthread_mutex_init(&s->stop_mu, NULL) != 0) {
		/* the pthread objects are plain memory on Linux; nothing to destroy */
		for (unsigned i = 0; i < KB_SCAN_THREADS; i++)
			free(s->workers[i].buf);
		free(s->slots);
		free(s->release);
		free(s);
		return kb_error_set(err, KB_ENOMEM, "", 0, 0, KB_NO_OFFSET, "out of memory");
	}
	for (unsigned i = 0; i < KB_SCAN_QUEUE_LEN; i++)
		s->free_stack[i] = KB_SCAN_QUEUE_LEN - 1 - i;
	s->n_free = KB_SCAN_QUEUE_LEN;
	atomic_init(&s->stop, 0);
	atomic_init(&s->noatime, geteuid() == 0);
	kb_error_clear(&s->stop_err);
	*ret = s;
	return 0;
}

kb_scan *kb_scan_free(kb_scan *s)
{
	if (!s)
		return NULL;
	pthread_mutex_destroy(&s->q_mu);
	pthread_cond_destroy(&s->q_ready);
	pthread_cond_destroy(&s->q_free);
	pthread_mutex_destroy(&s->out_mu);
	pthread_mutex_destroy(&s->stop_mu);
	for (unsigned i = 0; i < KB_SCAN_THREADS; i++)
		free(s->workers[i].buf);
	free(s->slots);
	free(s->release);
	free(s);
	return NULL;
}

void kb_scan_stop(kb_scan *s, int code, const kb_error *err)
{
	if (code >= 0)
		code = KB_EINVAL;
	pthread_mutex_lock(&s->stop_mu);
	int expected = 0;
	if (atomic_compare_exchange_strong(&s->stop, &expected, code)) {
		if (err && err->code)
			s->stop_err = *err;
		else
			kb_error_set(&s->stop_err, code, "", 0, 0, KB_NO_OFFSET, "scan stopped: %s", kb_strerror(code));
	}
	pthread_mutex_unlock(&s->stop_mu);
	pthread_mutex_lock(&s->q_mu);
	pthread_cond_broadcast(&s->q_free);
	pthread_cond_broadcast(&s->q_ready);
	pthread_mutex_unlock(&s->q_mu);
}

void kb_scan_add_findings(kb_scan *s, uint64_t n)
{
	count(&s->findings, n);
}

void kb_scan_add_archives(kb_scan *s, uint64_t n)
{
	count(&s->archives, n);
}

void kb_scan_get_counters(const kb_scan *s, kb_scan_counters *ret)
{
	kb_scan *m = (kb_scan *)s; /* atomic loads take non-const pointers in C11 */
	*ret = (kb_scan_counters){
		.files = atomic_load_explicit(&m->files, memory_order_relaxed),
		.bytes = atomic_load_explicit(&m->bytes, memory_order_relaxed),
		.archives = atomic_load_explicit(&m->archives, memory_order_relaxed),
		.findings = atomic_load_explicit(&m->findings, memory_order_relaxed),
		.errors = atomic_load_explicit(&m->errors, memory_order_relaxed),
		.dirs = atomic_load_explicit(&m->dirs, memory_order_relaxed),
		.skipped = atomic_load_explicit(&m->skipped, memory_order_relaxed),
	};
}

/* ---- the serialized callbacks ----------------------------------------- */

void kb_scan_emit(kb_scan *s, const kb_scan_file *f, const void *result)
{
	if (!s->cb.result)
		return;
	pthread_mutex_lock(&s->out_mu);
	s->cb.result(s->ud, f, result);
	pthread_mutex_unlock(&s->out_mu);
}

void kb_scan_report(kb_scan *s, const kb_error *err)
{
	count(&s->errors, 1);
	if (!s->cb.error)
		return;
	pthread_mutex_lock(&s->out_mu);
	s->cb.error(s->ud, err);
	pthread_mutex_unlock(&s->out_mu);
}

/* Name `path` in `e`; a path longer than kb_error has room for keeps its
 * end, which names the file: ".../lib/log4j-core.jar". */
static void set_file(kb_error *e, const char *path)
{
	size_t n = strlen(path);
	if (n < sizeof e->file) {
		memcpy(e->file, path, n + 1);
		return;
	}
	size_t keep = sizeof e->file - 4;
	memcpy(e->file, "...", 3);
	memcpy(e->file + 3, path + n - keep, keep + 1);
}

static void report(kb_scan *s, int code, int sys_errno, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void report(kb_scan *s, int code, int sys_errno, const char *path, const char *fmt, ...)
{
	kb_error e;
	kb_error_clear(&e);
	char msg[KB_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	kb_error_set(&e, code, "", 0, 0, KB_NO_OFFSET, "%s", msg);
	set_file(&e, path);
	e.sys_errno = sys_errno;
	kb_scan_report(s, &e);
}

/* A system call failed on `path`: "cannot open: Permission denied". */
static void report_sys(kb_scan *s, const char *path, int e, const char *what)
{
	report(s, KB_EIO, e, path, "%s: %s", what, strerror(e));
}

static void skip(kb_scan *s, const char *path, kb_scan_skip why, const char *detail)
{
	count(&s->skipped, 1);
	if (!s->cb.skip)
		return;
	pthread_mutex_lock(&s->out_mu);
	s->cb.skip(s->ud, path, why, detail ? detail : "");
	pthread_mutex_unlock(&s->out_mu);
}

static void progress(kb_scan *s)
{
	if (!s->cb.progress)
		return;
	kb_scan_counters c;
	kb_scan_get_counters(s, &c);
	pthread_mutex_lock(&s->out_mu);
	s->cb.progress(s->ud, &c);
	pthread_mutex_unlock(&s->out_mu);
}

/* Wake the workers for what is ready, however little. */
static void flush(kb_scan *s)
{
	pthread_mutex_lock(&s->q_mu);
	if (s->n_ready)
		pthread_cond_broadcast(&s->q_ready);
	pthread_mutex_unlock(&s->q_mu);
}

/* Every KB_SCAN_PROGRESS_MS: progress, and the workers woken for files
 * that wait for a batch to fill. */
static void tick(kb_scan *s)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
	int64_t ms = (int64_t)(now.tv_sec - s->last_tick.tv_sec) * 1000 +
	             (now.tv_nsec - s->last_tick.tv_nsec) / 1000000;
	if (ms < KB_SCAN_PROGRESS_MS)
		return;
	s->last_tick = now;
	flush(s);
	progress(s);
}

/* Wait on q_free (q_mu held) for at most a progress interval; the caller
 * calls progress after releasing q_mu. */
static void wait_free(kb_scan *s)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_nsec += KB_SCAN_PROGRESS_MS * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&s->q_free, &s->q_mu, &t);
}

/* ---- the workers ------------------------------------------------------- */

/* Read `n` bytes at `off`, or fewer at end of file; -1 with errno. */
static ssize_t pread_full(int fd, uint8_t *buf, size_t n, off_t off)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = pread(fd, buf + got, n - got, off + (off_t)got);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static void process(struct worker *w, void *ctx, struct slot *sl)
{
	kb_scan *s = w->s;
	int fd = sl->fd;
	struct stat st;
	if (fstat(fd, &st) != 0) {
		report_sys(s, sl->path, errno, "cannot stat");
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		skip(s, sl->path, KB_SCAN_SKIP_SPECIAL, NULL);
		return;
	}
	if (fcntl(fd, F_SETFL, sl->fl & ~O_NONBLOCK) != 0) {
		report_sys(s, sl->path, errno, "cannot clear O_NONBLOCK");
		return;
	}
	uint64_t size = (uint64_t)st.st_size;
	count(&s->files, 1);
	count(&s->bytes, size);

	/* classify from what we read */
	kb_scan_kind kind;
	const uint8_t *data = NULL;
	if (size <= KB_SCAN_SMALL_FILE) {
		ssize_t n = pread_full(fd, w->buf, (size_t)size, 0);
		if (n < 0) {
			report_sys(s, sl->path, errno, "cannot read");
			return;
		}
		size = (uint64_t)n; /* shorter if it shrank meanwhile */
		kind = kb_scan_classify_buffer(w->buf, (size_t)size);
		data = size ? w->buf : NULL;
	} else {
		uint8_t head[4];
		ssize_t h = pread_full(fd, head, sizeof head, 0);
		ssize_t t = h < 0 ? -1 : pread_full(fd, w->buf, KB_SCAN_ZIP_TAIL, (off_t)(size - KB_SCAN_ZIP_TAIL));
		if (h < 0 || t < 0) {
			report_sys(s, sl->path, errno, "cannot read");
			return;
		}
		if (h < (ssize_t)sizeof head || t < KB_SCAN_ZIP_TAIL) {
			report(s, KB_EIO, 0, sl->path, "the file shrank while it was read: not scanned");
			return;
		}
		kind = kb_scan_classify(head, sizeof head, w->buf, KB_SCAN_ZIP_TAIL, size);
	}
	if (kind == KB_SCAN_ZIP)
		count(&s->archives, 1);
	if (!s->cb.file || (kind != KB_SCAN_ZIP && !s->o.all_files) || stopped(s))
		return;

	void *map = NULL;
	if (size > KB_SCAN_SMALL_FILE) {
		if (size > SIZE_MAX) {
			report(s, KB_ELIMIT, 0, sl->path, "%llu bytes: too large to map", (unsigned long long)size);
			return;
		}
		/* Opening an archive reads every local header, i.e. touches all of
		 * it: a file up to KB_SCAN_POPULATE_BYTES is mapped in one go rather
		 * than a fault per page (resident memory is the same either way). */
		map = mmap(NULL, (size_t)size, PROT_READ,
		           MAP_PRIVATE | (size <= KB_SCAN_POPULATE_BYTES ? MAP_POPULATE : 0), fd, 0);
		if (map == MAP_FAILED) {
			report_sys(s, sl->path, errno, "cannot map");
			return;
		}
		data = map;
	}
	const char *slash = strrchr(sl->path, '/');
	kb_scan_file f = {
		.path = sl->path,
		.root_len = sl->root_len,
		.name = slash && slash[1] ? slash + 1 : sl->path,
		.data = data,
		.size = (size_t)size,
		.kind = kind,
		.dev = (uint64_t)st.st_dev,
		.ino = (uint64_t)st.st_ino,
		.mtime = (int64_t)st.st_mtim.tv_sec,
		.worker = w->index,
	};
	kb_error err;
	kb_error_clear(&err);
	int r = s->cb.file(s, ctx, &f, &err);
	if (map)
		munmap(map, (size_t)size);
	if (r < 0) {
		if (!err.code)
			err.code = r;
		if (!err.file[0])
			set_file(&err, sl->path);
		if (!err.msg[0])
			snprintf(err.msg, sizeof err.msg, "%s", kb_strerror(r));
		kb_scan_report(s, &err);
	}
}

static void *work(void *arg)
{
	struct worker *w = arg;
	kb_scan *s = w->s;
	void *ctx = s->ud;
	bool inited = false;
	if (s->cb.worker_init) {
		kb_error err;
		kb_error_clear(&err);
		int r = s->cb.worker_init(s->ud, w->index, &ctx, &err);
		if (r < 0) {
			if (!err.code)
				kb_error_set(&err, r, "", 0, 0, KB_NO_OFFSET, "worker %u could not start: %s", w->index,
				             kb_strerror(r));
			kb_scan_stop(s, r, &err);
		} else
			inited = true;
	}
	for (;;) {
		/* take up to SCAN_TAKE files, half of what is ready at most */
		unsigned taken[SCAN_TAKE], n = 0;
		pthread_mutex_lock(&s->q_mu);
		while (!s->n_ready && !s->done)
			pthread_cond_wait(&s->q_ready, &s->q_mu);
		unsigned want = (s->n_ready + 1) / 2;
		while (n < want && n < SCAN_TAKE) {
			taken[n++] = s->ready[s->ready_head];
			s->ready_head = (s->ready_head + 1) % KB_SCAN_QUEUE_LEN;
			s->n_ready--;
		}
		pthread_mutex_unlock(&s->q_mu);
		if (!n)
			break; /* done, and nothing left */

		for (unsigned k = 0; k < n; k++) {
			struct slot *sl = &s->slots[taken[k]];
			if (!stopped(s) && (inited || !s->cb.worker_init))
				process(w, ctx, sl);
			close(sl->fd);
			sl->fd = -1;
		}

		pthread_mutex_lock(&s->q_mu);
		for (unsigned k = 0; k < n; k++)
			s->free_stack[s->n_free++] = taken[k];
		pthread_cond_signal(&s->q_free);
		pthread_mutex_unlock(&s->q_mu);
	}
	if (inited && s->cb.worker_done)
		s->cb.worker_done(s->ud, w->index, ctx);
	return NULL;
}

/* Hand the open file `fd` (opened with status flags `fl`), whose path is
 * s->path, to the workers. They are woken a batch at a time. */
static void enqueue(kb_scan *s, int fd, int fl)
{
	pthread_mutex_lock(&s->q_mu);
	while (!s->n_free && !stopped(s)) {
		pthread_cond_broadcast(&s->q_ready);
		wait_free(s);
		pthread_mutex_unlock(&s->q_mu);
		tick(s);
		pthread_mutex_lock(&s->q_mu);
	}
	if (stopped(s)) {
		pthread_mutex_unlock(&s->q_mu);
		close(fd);
		return;
	}
	unsigned i = s->free_stack[--s->n_free];
	struct slot *sl = &s->slots[i];
	sl->fd = fd;
	sl->fl = fl;
	sl->root_len = s->root_len;
	memcpy(sl->path, s->path, strlen(s->path) + 1);
	s->ready[(s->ready_head + s->n_ready) % KB_SCAN_QUEUE_LEN] = i;
	if (++s->n_ready >= SCAN_BATCH)
		pthread_cond_broadcast(&s->q_ready);
	pthread_mutex_unlock(&s->q_mu);
}

/* ---- the walker -------------------------------------------------------- */

/* openat() with O_NOATIME when it may work, without when it is refused;
 * *ret_flags (may be NULL) are the flags used. */
static int open_at(kb_scan *s, int dfd, const char *name, int flags, int *ret_flags)
{
	if (atomic_load_explicit(&s->noatime, memory_order_relaxed)) {
		int fd = openat(dfd, name, flags | O_NOATIME);
		if (fd >= 0 || errno != EPERM) {
			if (ret_flags)
				*ret_flags = flags | O_NOATIME;
			return fd;
		}
	}
	if (ret_flags)
		*ret_flags = flags;
	return openat(dfd, name, flags);
}

/* Open the regular file `name` in `dfd` (s->path names it) and queue it. */
static void open_file(kb_scan *s, int dfd, const char *name)
{
	int fl;
	int fd = open_at(s, dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, &fl);
	if (fd < 0) {
		if (errno == ELOOP)
			skip(s, s->path, KB_SCAN_SKIP_LINK, NULL); /* it became a link since it was listed */
		else
			report_sys(s, s->path, errno, "cannot open");
		return;
	}
	enqueue(s, fd, fl);
}

static void walk_dir(kb_scan *s, int dfd, size_t len, unsigned depth, uint64_t dev);

/* Is `dir` (a directory descriptor) a Java home? s->path names it. */
static void check_java(kb_scan *s, int dfd)
{
	struct stat st;
	int bfd = openat(dfd, "bin", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (bfd < 0)
		return;
	bool java = fstatat(bfd, "java", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
	            (st.st_mode & 0111);
	close(bfd);
	if (!java)
		return;
	bool modules = false;
	int lfd = openat(dfd, "lib", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (lfd >= 0) {
		modules = fstatat(lfd, "modules", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
		close(lfd);
	}
	bool release = false;
	kb_scan_release rel;
	memset(&rel, 0, sizeof rel);
	int rfd = openat(dfd, "release", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (rfd >= 0) {
		if (fstat(rfd, &st) == 0 && S_ISREG(st.st_mode)) {
			release = true;
			ssize_t n = pread_full(rfd, (uint8_t *)s->release, KB_SCAN_RELEASE_MAX, 0);
			if (n > 0)
				kb_scan_release_parse(s->release, (size_t)n, &rel);
		}
		close(rfd);
	}
	if (!modules && !release)
		return;
	if (!s->cb.java)
		return;
	kb_scan_java j = {
		.home = s->path,
		.version = rel.java_version[0] ? rel.java_version : NULL,
		.runtime_version = rel.runtime_version[0] ? rel.runtime_version : NULL,
		.implementor = rel.implementor[0] ? rel.implementor : NULL,
		.has_modules = modules,
		.has_release = release,
	};
	pthread_mutex_lock(&s->out_mu);
	s->cb.java(s->ud, &j);
	pthread_mutex_unlock(&s->out_mu);
}

/* The file system class of `name` in `dfd`, a mount point, without
 * opening it for reading (O_PATH does not trigger an automount). */
static kb_scan_fs_class fs_class_at(int dfd, const char *name, uint64_t dev, char *type, size_t size)
{
	type[0] = '\0';
	int pfd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (pfd < 0)
		return KB_SCAN_FS_LOCAL; /* the open that follows reports why */
	struct statfs sf;
	int r = fstatfs(pfd, &sf);
	close(pfd);
	if (r != 0)
		return KB_SCAN_FS_LOCAL;
	char fuse[256] = "";
	if ((uint64_t)sf.f_type == FUSE_MAGIC)
		mount_type(dev, fuse, sizeof fuse);
	const char *fsname = NULL;
	kb_scan_fs_class cls = kb_scan_fs_class_of((uint64_t)sf.f_type, fuse, &fsname);
	snprintf(type, size, "%s", fsname ? fsname : "");
	return cls;
}

/* The subdirectory `name` of `dfd`, at `depth` (its parent's + 1); s->path
 * names it. `st` is its fstatat (not following links). */
static void enter_dir(kb_scan *s, int dfd, const char *name, const struct stat *st, unsigned depth,
                      uint64_t parent_dev)
{
	uint64_t dev = (uint64_t)st->st_dev;
	kb_scan_fs_class cls = KB_SCAN_FS_LOCAL;
	char fsname[256] = "";
	if (scan_dir_needs_class(&s->o, s->root_dev, parent_dev, dev))
		cls = fs_class_at(dfd, name, dev, fsname, sizeof fsname);
	switch (scan_dir_decide(&s->o, s->root_dev, parent_dev, dev, cls)) {
	case SCAN_DIR_SKIP_DEVICE:
		skip(s, s->path, KB_SCAN_SKIP_OTHER_DEVICE, NULL);
		return;
	case SCAN_DIR_SKIP_FS:
		skip(s, s->path, KB_SCAN_SKIP_FS_TYPE, fsname);
		return;
	case SCAN_DIR_ENTER:
		break;
	}
	if (depth > KB_SCAN_MAX_DEPTH) {
		report(s, KB_ELIMIT, 0, s->path, "directory %u levels below its root: not entered (KB_SCAN_MAX_DEPTH is %d)",
		       depth, KB_SCAN_MAX_DEPTH);
		return;
	}
	int fd = open_at(s, dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, NULL);
	if (fd < 0) {
		if (errno == ELOOP || errno == ENOTDIR)
			skip(s, s->path, errno == ELOOP ? KB_SCAN_SKIP_LINK : KB_SCAN_SKIP_SPECIAL, NULL);
		else
			report_sys(s, s->path, errno, "cannot open directory");
		return;
	}
	struct stat now;
	if (fstat(fd, &now) != 0 || now.st_dev != st->st_dev || now.st_ino != st->st_ino) {
		report(s, KB_EIO, 0, s->path, "the directory was replaced while it was walked: not entered");
		close(fd);
		return;
	}
	walk_dir(s, fd, strlen(s->path), depth, dev);
}

/* One entry `name` of the directory `dfd` (on `dev`, at `depth`); s->path
 * names the entry. */
static void entry(kb_scan *s, int dfd, const char *name, unsigned char type, unsigned depth, uint64_t dev)
{
	const char *glob = scan_excluded(&s->o, s->path, name);
	if (glob) {
		skip(s, s->path, KB_SCAN_SKIP_EXCLUDED, glob);
		return;
	}
	struct stat st;
	if (type == DT_UNKNOWN || type == DT_DIR) {
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT) != 0) {
			report_sys(s, s->path, errno, "cannot stat");
			return;
		}
		type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : S_ISLNK(st.st_mode) ? DT_LNK : DT_FIFO;
	}
	switch (type) {
	case DT_REG:
		open_file(s, dfd, name);
		break;
	case DT_DIR:
		enter_dir(s, dfd, name, &st, depth + 1, dev);
		break;
	case DT_LNK:
		skip(s, s->path, KB_SCAN_SKIP_LINK, NULL);
		break;
	default:
		skip(s, s->path, KB_SCAN_SKIP_SPECIAL, NULL);
		break;
	}
}

/* Walk the directory `dfd` (taken: closed here), named by s->path[0, len),
 * on `dev`, `depth` levels below its root. */
static void walk_dir(kb_scan *s, int dfd, size_t len, unsigned depth, uint64_t dev)
{
	DIR *d = fdopendir(dfd);
	if (!d) {
		report_sys(s, s->path, errno, "cannot read directory");
		close(dfd);
		return;
	}
	count(&s->dirs, 1);
	bool bin = false, lib = false, release = false;
	size_t sep = len && s->path[len - 1] == '/' ? 0 : 1;
	for (;;) {
		if (stopped(s))
			break;
		errno = 0;
		struct dirent *de = readdir(d);
		if (!de) {
			if (errno)
				report_sys(s, s->path, errno, "cannot read directory");
			break;
		}
		const char *name = de->d_name;
		if (name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2])))
			continue;
		bin = bin || strcmp(name, "bin") == 0;
		lib = lib || strcmp(name, "lib") == 0;
		release = release || strcmp(name, "release") == 0;
		size_t nlen = strlen(name);
		if (len + sep + nlen >= KB_SCAN_MAX_PATH) {
			report(s, KB_ELIMIT, 0, s->path,
			       "entry \"%.64s%s\": its path would be %zu bytes, longer than KB_SCAN_MAX_PATH (%d): not walked",
			       name, nlen > 64 ? "..." : "", len + sep + nlen, KB_SCAN_MAX_PATH - 1);
			continue;
		}
		if (sep)
			s->path[len] = '/';
		memcpy(s->path + len + sep, name, nlen + 1);
		entry(s, dfd, name, de->d_type, depth, dev);
		s->path[len] = '\0';
		tick(s);
	}
	if (bin && (lib || release) && !stopped(s))
		check_java(s, dfd);
	closedir(d);
	flush(s);
}

/* Walk one root, a path as the user gave it. */
static void walk_root(kb_scan *s, const char *root)
{
	size_t len = strlen(root);
	while (len > 1 && root[len - 1] == '/')
		len--;
	if (len == 0) {
		report(s, KB_EINVAL, 0, "", "an empty path");
		return;
	}
	if (len >= KB_SCAN_MAX_PATH) {
		report(s, KB_ELIMIT, 0, root, "a path of %zu bytes, longer than KB_SCAN_MAX_PATH (%d)", len,
		       KB_SCAN_MAX_PATH - 1);
		return;
	}
	memcpy(s->path, root, len);
	s->path[len] = '\0';
	s->root_len = len;
	const char *slash = strrchr(s->path, '/');
	const char *glob = scan_excluded(&s->o, s->path, slash && slash[1] ? slash + 1 : s->path);
	if (glob) {
		skip(s, s->path, KB_SCAN_SKIP_EXCLUDED, glob);
		return;
	}
	struct stat st;
	if (fstatat(AT_FDCWD, s->path, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		report_sys(s, s->path, errno, "cannot stat");
		return;
	}
	if (S_ISLNK(st.st_mode)) {
		report(s, KB_EINVAL, 0, s->path, "a symbolic link: not followed (name its target)");
	} else if (S_ISREG(st.st_mode)) {
		open_file(s, AT_FDCWD, s->path);
	} else if (S_ISDIR(st.st_mode)) {
		int fd = open_at(s, AT_FDCWD, s->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, NULL);
		struct stat now;
		if (fd < 0) {
			report_sys(s, s->path, errno, "cannot open directory");
		} else if (fstat(fd, &now) != 0) {
			report_sys(s, s->path, errno, "cannot stat");
			close(fd);
		} else {
			s->root_dev = (uint64_t)now.st_dev;
			walk_dir(s, fd, len, 0, s->root_dev);
		}
	} else {
		report(s, KB_EINVAL, 0, s->path, "not a regular file or directory: not opened");
	}
	flush(s); /* a root read from a pipe may be the last for a while */
	tick(s);
}

/* The root "-": each path in opts.paths_in is a root. */
static void walk_stdin(kb_scan *s)
{
	FILE *in = s->o.paths_in;
	int delim = s->o.paths_nul ? '\0' : '\n';
	char *line = malloc(KB_SCAN_MAX_PATH);
	if (!line) {
		kb_scan_stop(s, KB_ENOMEM, NULL);
		return;
	}
	uint64_t lineno = 0;
	for (;;) {
		size_t n = 0;
		bool overlong = false, nul = false;
		int c;
		lineno++;
		while ((c = getc(in)) != EOF && c != delim) {
			if (c == '\0')
				nul = true;
			if (n < KB_SCAN_MAX_PATH - 1)
				line[n++] = (char)c;
			else
				overlong = true;
		}
		line[n] = '\0';
		if (overlong || nul) {
			kb_error e;
			kb_error_clear(&e);
			if (overlong)
				kb_error_set(&e, KB_ELIMIT, s->o.paths_name, lineno, 0, KB_NO_OFFSET,
				             "a path longer than KB_SCAN_MAX_PATH (%d bytes)", KB_SCAN_MAX_PATH - 1);
			else
				kb_error_set(&e, KB_EINVAL, s->o.paths_name, lineno, 0, KB_NO_OFFSET,
				             "a NUL byte in a path: use NUL-separated input");
			kb_scan_report(s, &e);
		} else if (n)
			walk_root(s, line);
		if (c == EOF || stopped(s))
			break;
	}
	if (ferror(in))
		report_sys(s, s->o.paths_name, errno, "cannot read paths");
	free(line);
}

int kb_scan_run(kb_scan *s, const char *const *roots, size_t n_roots, kb_error *err)
{
	if (s->ran)
		return kb_error_set(err, KB_EINVAL, "", 0, 0, KB_NO_OFFSET, "a scan runs once");
	s->ran = true;
	for (size_t i = 0; i < n_roots; i++)
		if (strcmp(roots[i], "-") == 0 && !s->o.paths_in)
			return kb_error_set(err, KB_EINVAL, "-", 0, 0, KB_NO_OFFSET,
			                    "the root \"-\" reads paths, but no input was given");
	unsigned started = 0;
	for (; started < KB_SCAN_THREADS; started++) {
		int r = pthread_create(&s->workers[started].thread, NULL, work, &s->workers[started]);
		if (r != 0) {
			kb_error e;
			kb_error_clear(&e);
			kb_error_set(&e, KB_EIO, "", 0, 0, KB_NO_OFFSET, "cannot start a worker thread: %s", strerror(r));
			e.sys_errno = r;
			kb_scan_stop(s, KB_EIO, &e);
			break;
		}
	}
	clock_gettime(CLOCK_MONOTONIC_COARSE, &s->last_tick);
	for (size_t i = 0; i < n_roots && !stopped(s); i++) {
		if (strcmp(roots[i], "-") == 0)
			walk_stdin(s);
		else
			walk_root(s, roots[i]);
	}
	/* let the workers drain the queue, with progress meanwhile */
	pthread_mutex_lock(&s->q_mu);
	while (s->n_free < KB_SCAN_QUEUE_LEN && started) {
		pthread_cond_broadcast(&s->q_ready);
		wait_free(s);
		pthread_mutex_unlock(&s->q_mu);
		tick(s);
		pthread_mutex_lock(&s->q_mu);
	}
	s->done = true;
	pthread_cond_broadcast(&s->q_ready);
	pthread_mutex_unlock(&s->q_mu);
	for (unsigned i = 0; i < started; i++)
		pthread_join(s->workers[i].thread, NULL);
	progress(s);
	int code = atomic_load(&s->stop);
	if (code) {
		pthread_mutex_lock(&s->stop_mu);
		if (err)
			*err = s->stop_err;
		pthread_mutex_unlock(&s->stop_mu);
	}
	return code;
}
