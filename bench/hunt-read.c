/*
 * hunt-read.c - read files through the hunt input layer (koban/huntio.h)
 * and print the throughput: decompressed MB/s over wall time, and CPU time.
 * Every line is touched (its length summed and its bytes checked for '$'),
 * so the lines are really delivered.
 * Usage: hunt-read [--zlib] FILE...   (--zlib: gzip through zlib, not ISA-L)
 */
#include "koban/huntio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
	int i = 1, status = 0;
	int zlib = 0;
	if (i < argc && strcmp(argv[i], "--zlib") == 0) {
		zlib = 1;
		i++;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: hunt-read [--zlib] FILE...\n");
		return 2;
	}
	printf("%-32s %-6s %-6s %10s %9s %7s %7s %9s\n", "FILE", "COMP", "GZIP", "LINES", "MB", "WALL", "CPU", "MB/s");
	for (; i < argc; i++) {
		kb_error err = { 0 };
		kb_hunt_input *in = NULL;
		if (kb_hunt_input_open(argv[i], &in, &err) < 0) {
			char msg[2048];
			kb_error_format(&err, msg, sizeof msg);
			fprintf(stderr, "hunt-read: %s\n", msg);
			status = 1;
			continue;
		}
		if (zlib)
			kb_hunt_input_use_zlib(in);
		kb_hunt_lines *r = NULL;
		if (kb_hunt_lines_new(in, NULL, &r) < 0) {
			fprintf(stderr, "hunt-read: out of memory\n");
			return 1;
		}
		double t0 = now(), c0 = cpu();
		unsigned long long lines = 0, dollars = 0;
		kb_hunt_line l;
		int rc;
		while ((rc = kb_hunt_lines_next(r, &l, &err)) == 1) {
			lines++;
			if (l.len && memchr(l.data, '$', l.len))
				dollars++;
		}
		double wall = now() - t0, c = cpu() - c0;
		double mb = (double)kb_hunt_lines_offset(r) / 1e6;
		if (rc < 0) {
			char msg[2048];
			kb_error_format(&err, msg, sizeof msg);
			fprintf(stderr, "hunt-read: %s\n", msg);
			status = 1;
		}
		const char *name = strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i];
		printf("%-32s %-6s %-6s %10llu %9.1f %7.2f %7.2f %9.0f\n", name,
		       kb_hunt_compression_name(kb_hunt_input_compression(in)),
		       kb_hunt_input_compression(in) == KB_HUNT_GZIP ? kb_hunt_input_gzip_backend(in) : "-",
		       lines, mb, wall, c, wall > 0 ? mb / wall : 0.0);
		(void)dollars;
		kb_hunt_lines_free(r);
		kb_hunt_input_free(in);
	}
	return status;
}
