/*
 * fuzz-advisory-csaf.c - libFuzzer target for the CSAF reader, and for range
 * evaluation over whatever it accepts: every affected entry is evaluated at a
 * few versions and at each of its own event versions, through the exposure
 * rules too. The same bytes are also read as a vers string and as a
 * free-text range (advisory-vers.c), which the reader reaches only through
 * product_version_range.
 */
#include "advisory-vers.h"
#include "koban/advisory.h"
#include "koban/exposure.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kb_error err;
	kb_vers *v = NULL;
	if (kb_vers_parse((const char *)data, size, &v, &err) == 0)
		v = kb_vers_free(v);
	if (kb_vers_parse_text((const char *)data, size, &v, &err) == 0)
		v = kb_vers_free(v);

	kb_advisory *a = NULL;
	if (kb_advisory_parse_csaf("fuzz.json", data, size, &a, &err) < 0)
		return 0;
	static const char *const probes[] = { "0", "1.0.0", "2.14.1", "17.5.1.3", "v1.2.3-rc.1", "1:2.3-4", "3.0.7-6.el9_2" };
	for (size_t i = 0; i < a->n_affected; i++) {
		const kb_advisory_affected *af = &a->affected[i];
		const kb_affected *m = &af->match, *u = &af->unaffected;
		kb_range_verdict rv;
		kb_fstatus st;
		const char *fix;
		for (size_t p = 0; p < sizeof probes / sizeof probes[0]; p++) {
			kb_range_eval(m, probes[p], &rv, &err);
			kb_range_eval(u, probes[p], &rv, &err);
			kb_exposure_status(af, probes[p], NULL, &st, &fix, &err);
		}
		for (size_t r = 0; r < m->n_ranges; r++)
			for (size_t e = 0; e < m->ranges[r].n_events; e++)
				kb_range_eval(m, m->ranges[r].events[e].version, &rv, &err);
		for (size_t k = 0; k < m->n_versions; k++)
			kb_exposure_status(af, m->versions[k], NULL, &st, &fix, &err);
	}
	kb_advisory_free(a);
	return 0;
}
