/*
 * scan-walk-internal.h - the walker's decisions, separated from the system
 * calls that feed them so that tests can give them device numbers and file
 * system classes no test machine has.
 */
#ifndef KOBAN_SCAN_WALK_INTERNAL_H
#define KOBAN_SCAN_WALK_INTERNAL_H

#include "koban/scanwalk.h"

typedef enum scan_dir_verdict {
	SCAN_DIR_ENTER = 0,
	SCAN_DIR_SKIP_DEVICE,   /* xdev, and another device than the root's */
	SCAN_DIR_SKIP_FS,       /* a pseudo or network file system, without include_fs */
} scan_dir_verdict;

/* Whether deciding about a directory on `dev` below a directory on
 * `parent_dev` needs its file system's class (a statfs): only at a mount
 * point, and only when xdev has not already decided. */
bool scan_dir_needs_class(const kb_scan_opts *o, uint64_t root_dev, uint64_t parent_dev, uint64_t dev);

/* Enter a directory on `dev`, found in one on `parent_dev`, under a root on
 * `root_dev`? `cls` is the class of its file system; it is read only when
 * scan_dir_needs_class() said so. A root itself is always entered. */
scan_dir_verdict scan_dir_decide(const kb_scan_opts *o, uint64_t root_dev, uint64_t parent_dev, uint64_t dev,
                                 kb_scan_fs_class cls);

/* The glob in o->excludes that `path` (whose base name is `name`) matches,
 * or NULL. */
const char *scan_excluded(const kb_scan_opts *o, const char *path, const char *name);

#endif
