/*
 * fuzz-manifest.c - libFuzzer target for the JAR manifest parser
 * (kb_manifest_parse in scan-props.c) and for identification from a
 * manifest.
 *
 * Beyond "no crash, no leak, no read past the input": a failure is
 * KB_EPARSE (with a line) or KB_ELIMIT, with a message; on success header
 * names are 1 to 70 letters, digits, '-' or '_', values are valid UTF-8,
 * lines never go backwards, sections are numbered in order up to the count
 * asked for, the main-section-only parse is a prefix of the full one, and
 * the pairs written back out (wrapped at 72 bytes, splitting UTF-8
 * sequences as the specification allows) parse to the same pairs. Then the
 * input is the manifest of a jar with log4j-core and log4j 1.x classes:
 * identification reports both copies and every finding keeps the promises of
 * javaid.h.
 */
#include "fuzz-javaid-common.h"
#include "scan-props.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_set(const kb_kvset *s, unsigned max_sections)
{
	uint32_t last_line = 0, last_section = 0;
	CHECK(s->sections <= max_sections);
	CHECK(!s->truncated || s->sections == max_sections);
	for (size_t i = 0; i < s->n; i++) {
		const kb_kv *kv = &s->kv[i];
		size_t n = strlen(kv->key);
		CHECK(n >= 1 && n <= KB_MANIFEST_MAX_NAME);
		for (size_t k = 0; k < n; k++) {
			char c = kv->key[k];
			CHECK((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
			      c == '_');
		}
		CHECK(fz_utf8(kv->value));
		CHECK(kv->line > last_line && kv->section >= last_section && kv->section <= s->sections);
		CHECK(kv->section <= last_section + 1);
		last_line = kv->line;
		last_section = kv->section;
		CHECK(kb_manifest_get(s, kv->section, kv->key) != NULL);
	}
	CHECK(last_section == s->sections);
}

/* The pairs written as a manifest, wrapped at 72 bytes. */
static void round_trip(const kb_kvset *s, unsigned max_sections)
{
	zt_buf out = { 0 };
	for (size_t i = 0; i < s->n; i++) {
		if (i && s->kv[i].section != s->kv[i - 1].section)
			zt_put(&out, "\r\n", 2);
		zt_buf line = { 0 };
		zt_put(&line, s->kv[i].key, strlen(s->kv[i].key));
		zt_put(&line, ": ", 2);
		zt_put(&line, s->kv[i].value, strlen(s->kv[i].value));
		size_t at = 0, width = 72;
		while (at < line.len) {
			size_t n = line.len - at < width ? line.len - at : width;
			if (at)
				zt_put(&out, " ", 1);
			zt_put(&out, line.p + at, n);
			zt_put(&out, "\r\n", 2);
			at += n;
			width = 71;
		}
		free(line.p);
	}
	if (out.len > KB_MANIFEST_MAX_BYTES) {
		free(out.p);
		return;
	}
	kb_kvset again;
	kb_error err;
	kb_error_clear(&err);
	int r = kb_manifest_parse(out.p ? out.p : (const uint8_t *)"", out.len, "again", max_sections, &again, &err);
	if (r == KB_ELIMIT) { /* wrapping can add lines past KB_MANIFEST_MAX_LINES */
		free(out.p);
		return;
	}
	CHECK(r == 0);
	CHECK(again.n == s->n && again.sections == s->sections);
	for (size_t i = 0; i < s->n; i++)
		CHECK(strcmp(again.kv[i].key, s->kv[i].key) == 0 && strcmp(again.kv[i].value, s->kv[i].value) == 0 &&
		      again.kv[i].section == s->kv[i].section);
	kb_kvset_free(&again);
	free(out.p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kb_kvset main_only, full;
	kb_error err;
	kb_error_clear(&err);
	int r = kb_manifest_parse(data, size, "fuzz.MF", KB_JAVAID_MANIFEST_SECTIONS, &full, &err);
	if (r != 0) {
		CHECK(r == KB_EPARSE || r == KB_ELIMIT);
		CHECK(err.code == r && err.msg[0] && strcmp(err.file, "fuzz.MF") == 0 && err.line >= 1);
	} else {
		check_set(&full, KB_JAVAID_MANIFEST_SECTIONS);
		round_trip(&full, KB_JAVAID_MANIFEST_SECTIONS);
		/* the main section alone: a prefix of the full parse */
		kb_error_clear(&err);
		CHECK(kb_manifest_parse(data, size, "fuzz.MF", 0, &main_only, &err) == 0);
		check_set(&main_only, 0);
		CHECK(main_only.n <= full.n);
		for (size_t i = 0; i < main_only.n; i++)
			CHECK(full.kv[i].section == 0 && strcmp(full.kv[i].key, main_only.kv[i].key) == 0 &&
			      strcmp(full.kv[i].value, main_only.kv[i].value) == 0);
		CHECK(main_only.n == full.n || full.kv[main_only.n].section == 1);
		kb_kvset_free(&main_only);
		kb_kvset_free(&full);
	}
	static const char *const classes[] = {
		"org/apache/logging/log4j/core/LoggerContext.class",
		"org/apache/log4j/Logger.class",
		"org/apache/log4j/net/JMSAppender.class",
	};
	fz_count n = fz_identify("META-INF/MANIFEST.MF", data, size, classes, 3);
	CHECK(n.core == 1 && n.log4j1 == 1 && n.maven == 0);
	return 0;
}
