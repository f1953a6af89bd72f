/*
 * fuzz-javaid-common.h - shared by fuzz-pom-properties.c and fuzz-manifest.c:
 * a UTF-8 check, and running Java identification over a small jar made
 * around the input (with the tests' ZIP writer) with every finding checked
 * against the promises of javaid.h.
 */
#ifndef KOBAN_FUZZ_JAVAID_COMMON_H
#define KOBAN_FUZZ_JAVAID_COMMON_H

#include "koban/javaid.h"

#include "../tests/unit/zip-test-util.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                     \
	do {                                                                            \
		if (!(cond)) {                                                          \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
			        #cond);                                                 \
			abort();                                                        \
		}                                                                       \
	} while (0)

/* Is s a valid UTF-8 string (no overlongs, surrogates or bytes past U+10FFFF)? */
static inline bool fz_utf8(const char *s)
{
	const uint8_t *p = (const uint8_t *)s;
	while (*p) {
		uint32_t cp, min;
		size_t k;
		if (*p < 0x80) {
			p++;
			continue;
		} else if ((*p & 0xE0) == 0xC0) {
			k = 2, cp = *p & 0x1F, min = 0x80;
		} else if ((*p & 0xF0) == 0xE0) {
			k = 3, cp = *p & 0x0F, min = 0x800;
		} else if ((*p & 0xF8) == 0xF0) {
			k = 4, cp = *p & 0x07, min = 0x10000;
		} else {
			return false;
		}
		for (size_t i = 1; i < k; i++) {
			if ((p[i] & 0xC0) != 0x80)
				return false;
			cp = cp << 6 | (p[i] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		p += k;
	}
	return true;
}

typedef struct fz_count {
	int maven, core, log4j1;
} fz_count;

static inline int fz_check_finding(void *ctx, const kb_javaid_finding *f)
{
	fz_count *n = ctx;
	CHECK(f->cves && f->cves_possible && f->cves_mitigated && f->notes && f->path);
	CHECK(fz_utf8(f->notes) && fz_utf8(f->path));
	CHECK((f->anomalies == 0) == (f->notes[0] == '\0') || f->notes[0]);
	CHECK(!f->version || (f->version_min && f->version_max));
	switch (f->kind) {
	case KB_JAVAID_MAVEN:
		n->maven++;
		CHECK(f->group && f->artifact && f->status == KB_JAVAID_NOT_JUDGED);
		CHECK(fz_utf8(f->group) && fz_utf8(f->artifact));
		CHECK((f->version != NULL) == (f->how == KB_JAVAID_HOW_POM));
		break;
	case KB_JAVAID_LOG4J_CORE:
		n->core++;
		CHECK(f->status != KB_JAVAID_NOT_JUDGED);
		CHECK(f->status != KB_JAVAID_VULNERABLE || f->cves[0]);
		CHECK(f->status != KB_JAVAID_SAFE || (!f->cves[0] && !f->cves_possible[0]));
		CHECK(f->jndi != KB_JAVAID_JNDI_PRESENT || f->status != KB_JAVAID_MITIGATED);
		CHECK((f->how == KB_JAVAID_HOW_NONE) == (f->version_min == NULL));
		break;
	case KB_JAVAID_LOG4J1:
	case KB_JAVAID_RELOAD4J:
	case KB_JAVAID_LOG4J1_BRIDGE:
		n->log4j1++;
		CHECK(f->status != KB_JAVAID_NOT_JUDGED);
		CHECK(f->version == NULL || fz_utf8(f->version));
		break;
	default:
		CHECK(f->status != KB_JAVAID_NOT_JUDGED);
		break;
	}
	return 0;
}

/* A jar with `name` holding the input (stored) beside the given classes,
 * identified; the counts of findings are returned. */
static inline fz_count fz_identify(const char *name, const uint8_t *data, size_t size, const char *const *classes,
                                   size_t nclasses)
{
	static const char body[] = "\xca\xfe\xba\xbe javax/naming/Context org/apache/logging/log4j/core/net/JndiManager";
	static const char l1body[] = "\xca\xfe\xba\xbe log4j 1.x"; /* calls no Log4j 2: not a bridge */
	zt_zip z = { 0 };
	zt_opts o = { 0 };
	zt_add(&z, name, strlen(name), data, size, &o);
	for (size_t i = 0; i < nclasses; i++) {
		bool l1 = strstr(classes[i], "org/apache/log4j/") != NULL;
		zt_add(&z, classes[i], strlen(classes[i]), l1 ? l1body : body, (l1 ? sizeof l1body : sizeof body) - 1, &o);
	}
	size_t len;
	uint8_t *jar = zt_finish(&z, NULL, 0, false, &len);
	kb_zip *zip = NULL;
	kb_error err;
	kb_error_clear(&err);
	fz_count n = { 0 };
	CHECK(kb_zip_open_buffer(jar, len, "fuzz.jar", NULL, &zip, &err) == 0);
	int r = kb_javaid_archive(zip, fz_check_finding, &n, &err);
	CHECK(r == 0);
	kb_zip_free(zip);
	free(jar);
	return n;
}

#endif
