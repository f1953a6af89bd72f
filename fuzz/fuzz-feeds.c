/*
 * fuzz-feeds.c - libFuzzer target for the KEV, EPSS and end-of-life readers.
 * The input goes through a memory file (the readers take paths); whatever
 * imports is then looked up.
 */
#include "koban/feeds.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("feed", 0);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	kb_store *s = NULL;
	if (kb_store_open(KB_STORE_MEMORY, KB_STORE_CREATE, &s, NULL) < 0)
		abort();
	kb_feed_stats st;
	kb_error err;
	if (kb_feed_import_file(s, path, &st, &err) == 0) {
		kb_kev_entry k;
		kb_eol_info e;
		double a, b;
		kb_kev_lookup(s, "CVE-2021-44228", &k, NULL);
		kb_epss_lookup(s, "CVE-2021-44228", &a, &b, NULL);
		kb_eol_lookup(s, "big-ip", "15.1.10.2", "2026-11-22", &e, NULL);
		kb_eol_lookup(s, "log4j", "2.14.1", "2026-11-22", &e, NULL);
	}
	kb_store_close(s);
	close(fd);
	return 0;
}
