/*
 * util-file.c - see util-file.h.
 */
#include "util-file.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int kb_file_read_whole(const char *path, size_t max, const char *what, char **ret, size_t *ret_len, kb_error *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return kb_error_set(err, errno == ENOENT ? KB_ENOTFOUND : KB_EIO, path, 0, 0, KB_NO_OFFSET,
		                    "cannot open: %s", strerror(errno));
	struct stat sb;
	if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
		fclose(f);
		return kb_error_set(err, KB_EINVAL, path, 0, 0, KB_NO_OFFSET, "expected a file");
	}
	if ((uint64_t)sb.st_size > max) {
		fclose(f);
		return kb_error_set(err, KB_ELIMIT, path, 0, 0, KB_NO_OFFSET, "%lld bytes: more than the limit of %zu for one %s",
		                    (long long)sb.st_size, max, what);
	}
	size_t n = (size_t)sb.st_size;
	char *buf = malloc(n + 1);
	if (!buf) {
		fclose(f);
		return KB_ENOMEM;
	}
	size_t got = fread(buf, 1, n, f);
	fclose(f);
	if (got != n) {
		free(buf);
		return kb_error_set(err, KB_EIO, path, 0, 0, KB_NO_OFFSET, "read failed");
	}
	buf[n] = '\0';
	*ret = buf;
	*ret_len = n;
	return 0;
}
