/*
 * exposure-run.c - the exposure engine alone, for bench/exposure.sh: runs
 * kb_exposure_run() over a store, counts the findings and prints the wall
 * time of the run (no table, no sorting, no output formatting).
 */
#include "koban/exposure.h"

#include <stdio.h>
#include <time.h>

static int count(const kb_finding *f, void *ctx)
{
	(void)f;
	(*(long *)ctx)++;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: exposure-run STORE\n");
		return 2;
	}
	kb_store *s = NULL;
	kb_error err;
	kb_error_clear(&err);
	if (kb_store_open(argv[1], KB_STORE_READONLY, &s, &err) < 0) {
		fprintf(stderr, "%s: %s\n", argv[1], err.msg);
		return 2;
	}
	struct timespec a, b;
	long n = 0;
	clock_gettime(CLOCK_MONOTONIC, &a);
	int r = kb_exposure_run(s, NULL, count, &n, &err);
	clock_gettime(CLOCK_MONOTONIC, &b);
	kb_store_close(s);
	if (r < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return 2;
	}
	printf("  %ld findings in %.3f s\n", n, (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9);
	return 0;
}
