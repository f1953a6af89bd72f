/*
 * fuzz-netscan.c - libFuzzer target for the nmap XML reader.
 * The input goes through a memory file (the readers take paths); whatever
 * imports is then looked up.
 */
#include "koban/netscan.h"

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
	kb_netscan_stats st;
	kb_error err;
	if (kb_netscan_import_file(s, path, KB_VANTAGE_EXTERNAL, &st, &err) == 0) {
		bool yes;
		kb_netscan_open_outside(s, "198.51.100.20", 443, "tcp", &yes, NULL, 0, NULL);
	}
	kb_store_close(s);
	close(fd);
	return 0;
}
