/*
 * fuzz-advisory-cisagov.c - libFuzzer target for the vendor status list
 * reader (cisagov/log4j-affected-db YAML), and for range evaluation over
 * whatever it accepts. The reader promises ranges that always evaluate (lenient
 * schemes, versions shorter than KB_VERSION_MAX_LEN, at most three events), so
 * an evaluation that fails is a bug here: abort.
 */
#include "koban/advisory.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const kb_affected *m, const char *v)
{
	kb_range_verdict out;
	kb_error err;
	if (kb_range_eval(m, v, &out, &err) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kb_advisory **list = NULL;
	size_t n = 0;
	kb_error err;
	if (kb_advisory_parse_cisagov("fuzz.yml", data, size, &list, &n, &err) < 0)
		return 0;
	static const char *const probes[] = { "0", "1.0.0", "2.14.1", "7.5.2", "22.7R2.3", "v1.2.3-rc.1" };
	for (size_t i = 0; i < n; i++) {
		const kb_advisory *a = list[i];
		if (!a->id || !a->summary)
			abort();
		for (size_t j = 0; j < a->n_affected; j++) {
			const kb_affected *sets[2] = { &a->affected[j].match, &a->affected[j].unaffected };
			for (size_t s = 0; s < 2; s++) {
				const kb_affected *m = sets[s];
				if ((m->n_ranges || m->n_versions) && !a->affected[j].statement)
					abort(); /* what was read came from words that are kept */
				for (size_t p = 0; p < sizeof probes / sizeof probes[0]; p++)
					check(m, probes[p]);
				for (size_t r = 0; r < m->n_ranges; r++) {
					if (m->ranges[r].n_events == 0 || m->ranges[r].n_events > 3)
						abort();
					for (size_t e = 0; e < m->ranges[r].n_events; e++)
						check(m, m->ranges[r].events[e].version);
				}
				for (size_t v = 0; v < m->n_versions; v++)
					check(m, m->versions[v]);
			}
		}
	}
	kb_advisory_list_free(list, n);
	return 0;
}
