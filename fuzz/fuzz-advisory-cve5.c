/*
 * fuzz-advisory-cve5.c - libFuzzer target for the CVE JSON 5 reader, and for range
 * evaluation over whatever ranges it accepts: every affected entry is
 * evaluated at a few versions and at each of its own event versions.
 */
#include "koban/advisory.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kb_advisory *a = NULL;
	kb_error err;
	if (kb_advisory_parse_cve5("fuzz.json", data, size, &a, &err) < 0)
		return 0;
	static const char *const probes[] = { "0", "1.0.0", "2.14.1", "17.5.1.3", "v1.2.3-rc.1", "1:2.3-4" };
	for (size_t i = 0; i < a->n_affected; i++) {
		const kb_affected *m = &a->affected[i].match;
		kb_range_verdict v;
		for (size_t p = 0; p < sizeof probes / sizeof probes[0]; p++)
			kb_range_eval(m, probes[p], &v, &err);
		const kb_affected *u = &a->affected[i].unaffected;
		for (size_t p = 0; p < sizeof probes / sizeof probes[0]; p++)
			kb_range_eval(u, probes[p], &v, &err);
		for (size_t r = 0; r < m->n_ranges; r++)
			for (size_t e = 0; e < m->ranges[r].n_events; e++)
				kb_range_eval(m, m->ranges[r].events[e].version, &v, &err);
	}
	kb_advisory_free(a);
	return 0;
}
