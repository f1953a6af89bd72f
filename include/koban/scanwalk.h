/*
 * scanwalk.h - the file-tree walker and work queue behind `koban scan`.
 *
 * kb_scan_run() walks roots (directories, single files, or "-": paths read
 * from a FILE*) on the calling thread and hands every regular file to
 * KB_SCAN_THREADS worker threads through a bounded queue. Each file reaches
 * the caller's `file` callback, on a worker, already classified by content
 * (ZIP or other, whatever its name) and readable as bytes in memory, which
 * kb_zip_open_buffer() can take without a copy. Java runtimes met on the way
 * (a directory with bin/java and lib/modules or a `release` file) are
 * reported as "Java present" findings.
 *
 * What the walk never does:
 *   - follow a symbolic link: directories are opened with O_NOFOLLOW |
 *     O_DIRECTORY relative to their parent's descriptor, entries are examined
 *     with AT_SYMLINK_NOFOLLOW, files are opened with O_NOFOLLOW. A root that
 *     is a link is reported as an error (name its target instead);
 *   - open anything but a regular file: fifos, sockets and devices are
 *     skipped by their directory type (or fstatat when the file system gives
 *     none), files are opened O_NONBLOCK (a fifo swapped in cannot hang the
 *     walk), checked with fstat, and O_NONBLOCK is then cleared;
 *   - change access times when it may avoid it: O_NOATIME when running as
 *     root (it is retried without when refused);
 *   - cross into a file system met below a root when `xdev` is set, or into a
 *     pseudo or network file system (the table at kb_scan_fs_class_of()) unless
 *     `include_fs` is set. A root itself is always walked: its owner named it.
 *     Mount points are recognised by device number before they are opened
 *     (AT_NO_AUTOMOUNT, then O_PATH for statfs), so an autofs trigger that
 *     is to be skipped is not mounted. Btrfs subvolumes have devices of their
 *     own and count as other file systems for `xdev`, as with find -xdev.
 *
 * Excludes: a glob that holds a '/' is matched against the whole path as the
 * walk spells it (the root as given, then "/name" per level); one without a
 * '/' is matched against the base name. fnmatch(3) with FNM_PATHNAME: '*',
 * '?' and [...] never match a '/', a leading '.' is matched like any other
 * character, and a backslash escapes. An excluded directory is not entered;
 * roots are matched too. Examples: "*.log" and "node_modules" (any level),
 * "/var/cache" (that path only, when the root is spelled "/" or "/var"),
 * "/home/[a-z]*" (the users' homes; a glob never crosses a '/').
 *
 * Threads and callbacks: `file` runs on a worker thread, concurrently with
 * the other worker, with the context that worker's `worker_init` made (both
 * run on the worker thread itself, so a per-thread store connection is fine).
 * Every other callback - result (through kb_scan_emit()), java, error, skip
 * and progress - is called with one mutex held: never two at once, so the
 * caller prints or stores without locking of its own. They must not call
 * kb_scan_emit() or kb_scan_report() themselves (that would deadlock).
 * Progress is called from the walking thread at most every
 * KB_SCAN_PROGRESS_MS (also while it waits on a full queue), and once at the
 * end.
 *
 * Errors about one file or directory (unreadable, vanished, too deep, a path
 * too long, unmappable, or an error the `file` callback returns) are reported
 * through `error` as located errors - file = the path ("..." and its last
 * bytes when longer than kb_error.file holds), or paths_name and the line
 * for a bad "-" line; sys_errno when the system said why - and counted; the
 * walk goes on. kb_scan_run() fails only
 * when the scan could not run (threads, memory, a bad option) or was stopped
 * with kb_scan_stop().
 *
 * Memory: a file's bytes are a private read-only mapping (or, for files up to
 * KB_SCAN_SMALL_FILE bytes, the worker's own buffer), released when `file`
 * returns. A file truncated by someone else while its mapping is read raises
 * SIGBUS, as with any mapping; the command decides whether to catch it. The
 * queue holds at most KB_SCAN_QUEUE_LEN open files.
 *
 * Ownership: kb_scan owns its threads, queue and buffers; it borrows the
 * options (excludes, the paths FILE*) and userdata for its whole life. A
 * kb_scan_file, a kb_scan_java and every string in them are borrowed for the
 * length of the callback that receives them.
 */
#ifndef KOBAN_SCANWALK_H
#define KOBAN_SCANWALK_H

#include "koban/koban.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Limits and sizes. The depth and path limits are reported per directory or
 * file (KB_ELIMIT through `error`) and the walk goes on. */
#define KB_SCAN_THREADS 2             /* worker threads taking files from the queue */
#define KB_SCAN_QUEUE_LEN 64          /* files opened and waiting for a worker */
#define KB_SCAN_MAX_DEPTH 64          /* directory levels entered below a root (the root is level 0) */
#define KB_SCAN_MAX_PATH 4096         /* bytes in a path, NUL included (PATH_MAX), also per "-" line */
#define KB_SCAN_MAX_EXCLUDES 256      /* exclude globs */
#define KB_SCAN_PROGRESS_MS 100       /* least time between two progress calls */
#define KB_SCAN_SMALL_FILE (128u << 10) /* files up to this size are read, larger ones mapped */
#define KB_SCAN_POPULATE_BYTES (16u << 20) /* mapped files up to this size are read in at once (MAP_POPULATE) */
#define KB_SCAN_ZIP_TAIL 65557        /* bytes at the end searched for a ZIP end record (22 + 65,535) */
#define KB_SCAN_RELEASE_MAX (64u << 10) /* bytes of a Java `release` file read */
#define KB_SCAN_RELEASE_VALUE_MAX 128 /* bytes of one value kept from a `release` file, NUL included */

typedef struct kb_scan kb_scan;

/* What a file is, by content. */
typedef enum kb_scan_kind {
	KB_SCAN_OTHER = 0,
	KB_SCAN_ZIP,   /* a local header at byte 0, or an end record near the end (prefixed jars, .hpi, .bin) */
} kb_scan_kind;

/* Why something was not walked or opened (the `skip` callback). */
typedef enum kb_scan_skip {
	KB_SCAN_SKIP_LINK = 1,      /* a symbolic link below a root (not followed) */
	KB_SCAN_SKIP_SPECIAL,       /* a fifo, socket or device (not opened) */
	KB_SCAN_SKIP_EXCLUDED,      /* matched an exclude glob */
	KB_SCAN_SKIP_OTHER_DEVICE,  /* another file system, with xdev */
	KB_SCAN_SKIP_FS_TYPE,       /* a pseudo or network file system, without include_fs */
} kb_scan_skip;

/* "symbolic link", "special file", ...; never NULL. */
const char *kb_scan_skip_text(kb_scan_skip why);

/* One regular file, given to `file` on a worker. */
typedef struct kb_scan_file {
	const char *path;      /* the root as given, then "/name" per level; NUL-terminated */
	size_t root_len;       /* path[0, root_len) is the root it was found under */
	const char *name;      /* the base name, inside `path` */
	const uint8_t *data;   /* all `size` bytes, read-only; NULL only when size is 0 */
	size_t size;
	kb_scan_kind kind;
	uint64_t dev, ino;
	int64_t mtime;         /* seconds since the epoch */
	unsigned worker;       /* 0 .. KB_SCAN_THREADS-1 */
} kb_scan_file;

/* A Java runtime: `home` holds bin/java (a regular executable file, not a
 * link) and lib/modules (a regular file) or a regular `release` file. */
typedef struct kb_scan_java {
	const char *home;
	const char *version;          /* JAVA_VERSION from `release`; NULL when absent */
	const char *runtime_version;  /* JAVA_RUNTIME_VERSION; NULL when absent */
	const char *implementor;      /* IMPLEMENTOR; NULL when absent */
	bool has_modules;             /* lib/modules (Java 9 and later) */
	bool has_release;
} kb_scan_java;

/* Counters, each read atomically (a snapshot need not be consistent across
 * them). findings and the nested part of archives are the caller's to add. */
typedef struct kb_scan_counters {
	uint64_t files;     /* regular files opened */
	uint64_t bytes;     /* their sizes */
	uint64_t archives;  /* files classified ZIP, plus what kb_scan_add_archives() added */
	uint64_t findings;  /* what kb_scan_add_findings() added */
	uint64_t errors;    /* errors reported */
	uint64_t dirs;      /* directories entered */
	uint64_t skipped;   /* `skip` events */
} kb_scan_counters;

typedef struct kb_scan_callbacks {
	/* Optional. Called on each worker thread before it takes a file; *ret_ctx
	 * is handed to `file`. A negative return stops the scan with that code
	 * and `err`. Without it, `file` gets userdata as its context. */
	int (*worker_init)(void *userdata, unsigned worker, void **ret_ctx, kb_error *err);
	/* Optional. Called on the worker thread after its last file (also when
	 * the scan was stopped), when worker_init succeeded. */
	void (*worker_done)(void *userdata, unsigned worker, void *ctx);
	/* Optional (without it files are only counted). Called on a worker for
	 * each ZIP file, and each other regular file when `all_files` is set. A
	 * negative return is an error about this file: `err` (zeroed before the
	 * call; its file defaults to the path) is reported and counted, and the
	 * walk goes on. */
	int (*file)(kb_scan *scan, void *ctx, const kb_scan_file *f, kb_error *err);
	/* Optional: what kb_scan_emit() hands over, serialized. */
	void (*result)(void *userdata, const kb_scan_file *f, const void *result);
	/* Optional: a Java runtime found, serialized. */
	void (*java)(void *userdata, const kb_scan_java *j);
	/* Optional: a located error, serialized. */
	void (*error)(void *userdata, const kb_error *err);
	/* Optional: something not walked; `detail` is the file system's name for
	 * FS_TYPE ("proc", "nfs", "fuse.sshfs"), the glob for EXCLUDED, else "". */
	void (*skip)(void *userdata, const char *path, kb_scan_skip why, const char *detail);
	/* Optional: counters for a progress line, serialized. */
	void (*progress)(void *userdata, const kb_scan_counters *c);
} kb_scan_callbacks;

typedef struct kb_scan_opts {
	bool xdev;                     /* stay on each root's file system */
	bool include_fs;               /* walk pseudo and network file systems too */
	bool all_files;                /* give `file` every regular file, not only ZIPs */
	const char *const *excludes;   /* globs (borrowed), see the head comment */
	size_t n_excludes;             /* at most KB_SCAN_MAX_EXCLUDES */
	FILE *paths_in;                /* where the root "-" reads paths from (borrowed) */
	bool paths_nul;                /* paths_in holds NUL-separated paths rather than lines */
	const char *paths_name;        /* names paths_in in errors; "-" when NULL */
} kb_scan_opts;

/* Make a scan. `opts` is copied (its excludes and FILE* stay borrowed), as is
 * `cb` (may be NULL: count only). KB_ELIMIT past KB_SCAN_MAX_EXCLUDES or for
 * a glob of KB_SCAN_MAX_PATH bytes or more; KB_ENOMEM. */
int kb_scan_new(const kb_scan_opts *opts, const kb_scan_callbacks *cb, void *userdata, kb_scan **ret,
                kb_error *err);

/* Walk `roots` in order (a root "-" reads paths from opts.paths_in, each one
 * a root; empty lines are skipped, a line's '\n' is removed and nothing
 * else). Returns once every file has been through a worker: 0 - also when
 * files had errors, which the counters and `error` tell -, the code given to
 * kb_scan_stop(), KB_EINVAL for a "-" without paths_in, or KB_ENOMEM /
 * KB_EIO when the threads could not start; `err` says which. A kb_scan runs
 * once. */
int kb_scan_run(kb_scan *s, const char *const *roots, size_t n_roots, kb_error *err);

/* Ask the scan to stop as soon as it can (any thread, any callback): no new
 * file reaches `file`, and kb_scan_run() returns `code` (negative; the first
 * stop wins) with `err` (may be NULL) as its error. */
void kb_scan_stop(kb_scan *s, int code, const kb_error *err);

/* From `file` (on a worker): hand `result` to the `result` callback under the
 * scan's mutex. `result` is borrowed for the call. */
void kb_scan_emit(kb_scan *s, const kb_scan_file *f, const void *result);

/* From `file` (on a worker): report an error (a broken nested archive, say)
 * through `error` and count it, without failing the file. */
void kb_scan_report(kb_scan *s, const kb_error *err);

void kb_scan_add_findings(kb_scan *s, uint64_t n);
void kb_scan_add_archives(kb_scan *s, uint64_t n);  /* nested archives the caller opened */

/* A snapshot of the counters; any thread, any time. */
void kb_scan_get_counters(const kb_scan *s, kb_scan_counters *ret);

/* Free a scan that is not running (NULL is fine); returns NULL. */
kb_scan *kb_scan_free(kb_scan *s);

/* Classify a file by content: KB_SCAN_ZIP when it starts with a local
 * header (PK\3\4), or when an end-of-central-directory record (PK\5\6) in
 * its last KB_SCAN_ZIP_TAIL bytes has a comment that ends at the end of the
 * file and either a central header (PK\1\2) where it says the directory
 * starts, an empty directory, or a ZIP64 locator before it (what cannot be
 * seen in the bytes given is taken on trust). Every buffer that
 * kb_zip_open_buffer() opens is classified ZIP; so is a truncated archive
 * that still has its first local header, so that the reader can report it.
 * The file is `size` bytes; `head` holds its first head_len bytes and `tail`
 * its last tail_len bytes (both at most `size`; they may overlap). */
kb_scan_kind kb_scan_classify(const uint8_t *head, size_t head_len, const uint8_t *tail, size_t tail_len,
                              uint64_t size);

/* The same for bytes all in memory. */
kb_scan_kind kb_scan_classify_buffer(const uint8_t *data, size_t size);

/* What a Java `release` file says. Values are NUL-terminated, "" when absent
 * or unusable (longer than KB_SCAN_RELEASE_VALUE_MAX - 1 bytes, or holding a
 * control character). */
typedef struct kb_scan_release {
	char java_version[KB_SCAN_RELEASE_VALUE_MAX];
	char runtime_version[KB_SCAN_RELEASE_VALUE_MAX];
	char implementor[KB_SCAN_RELEASE_VALUE_MAX];
} kb_scan_release;

/* Parse a `release` file: lines KEY="value" or KEY=value (shell syntax as the
 * JDK writes it; leading blanks and '#' comments allowed, CRLF accepted, a
 * quoted value ends at its closing quote or the end of the line). The last
 * occurrence of a key wins. Reads only `data[0, n)`; never fails. */
void kb_scan_release_parse(const char *data, size_t n, kb_scan_release *ret);

/* File systems by statfs f_type. */
typedef enum kb_scan_fs_class {
	KB_SCAN_FS_LOCAL = 0,  /* anything not in the tables, tmpfs included */
	KB_SCAN_FS_PSEUDO,
	KB_SCAN_FS_NETWORK,
} kb_scan_fs_class;

/* The class of file system `f_type` and its name ("proc", "nfs"; NULL for a
 * local one not in the table). For FUSE (0x65735546) the class comes from
 * `fuse_type` - the mount's type in /proc/self/mountinfo ("fuse.sshfs"), may
 * be NULL - and the name is fuse_type or "fuse". The tables:
 *   pseudo:  proc, sysfs, devpts, cgroup, cgroup2, debugfs, tracefs,
 *            securityfs, pstore, bpf, configfs, fusectl, mqueue, hugetlbfs,
 *            autofs, binfmt_misc, selinuxfs, smackfs, efivarfs, nsfs, resctrl;
 *            FUSE: lxcfs, portal (xdg-document-portal)
 *   network: nfs, cifs, smb2, smbfs, 9p, ceph, afs, kafs, coda, ncpfs,
 *            lustre, gpfs; FUSE: sshfs, rclone, s3fs, gcsfuse, curlftpfs,
 *            glusterfs, ceph-fuse, juicefs, goofys, mountpoint-s3, blobfuse,
 *            blobfuse2, davfs, gvfsd-fuse
 * tmpfs (and devtmpfs, which reports tmpfs) is local: people put
 * applications there. */
kb_scan_fs_class kb_scan_fs_class_of(uint64_t f_type, const char *fuse_type, const char **ret_name);

#ifdef __cplusplus
}
#endif
#endif
