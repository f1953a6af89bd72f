/*
 * fuzz-pom-properties.c - libFuzzer target for the Java Properties parser
 * (kb_props_parse in scan-props.c) and for identification from a
 * pom.properties.
 *
 * Beyond "no crash, no leak, no read past the input": a failure is
 * KB_EPARSE (with a line) or KB_ELIMIT, with a message; on success every key
 * and value is valid UTF-8, lines never go backwards, lookups give the last
 * pair with a key, and the pairs written back out as properties (every
 * special character escaped, everything past ASCII as \uXXXX) parse to the
 * same pairs. Then the input is the log4j-core pom.properties of a jar that
 * also holds a JndiLookup: identification reports exactly one Maven artifact
 * and one log4j-core copy, and every finding keeps the promises of
 * javaid.h.
 */
#include "fuzz-javaid-common.h"
#include "scan-props.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Decode one UTF-8 code point at *p (the string is valid). */
static uint32_t next_cp(const uint8_t **p)
{
	const uint8_t *s = *p;
	uint32_t cp;
	size_t k;
	if (s[0] < 0x80)
		cp = s[0], k = 1;
	else if ((s[0] & 0xE0) == 0xC0)
		cp = s[0] & 0x1F, k = 2;
	else if ((s[0] & 0xF0) == 0xE0)
		cp = s[0] & 0x0F, k = 3;
	else
		cp = s[0] & 0x07, k = 4;
	for (size_t i = 1; i < k; i++)
		cp = cp << 6 | (s[i] & 0x3F);
	*p = s + k;
	return cp;
}

static void put_u(zt_buf *b, uint32_t unit)
{
	char x[16];
	snprintf(x, sizeof x, "\\u%04X", (unsigned)(unit & 0xFFFF));
	zt_put(b, x, 6);
}

/* s escaped so that Properties.load gives it back. */
static void escape(zt_buf *b, const char *s, bool key)
{
	const uint8_t *p = (const uint8_t *)s;
	bool first = true;
	while (*p) {
		uint32_t cp = next_cp(&p);
		if (cp >= 0x10000) {
			put_u(b, 0xD800 + ((cp - 0x10000) >> 10));
			put_u(b, 0xDC00 + ((cp - 0x10000) & 0x3FF));
		} else if (cp >= 0x7F || cp < 0x20) {
			put_u(b, cp);
		} else if (cp == '\\' || ((key || first) && (cp == ' ' || cp == '#' || cp == '!')) ||
		           (key && (cp == '=' || cp == ':'))) {
			char x[2] = { '\\', (char)cp };
			zt_put(b, x, 2);
		} else {
			char c = (char)cp;
			zt_put(b, &c, 1);
		}
		first = false;
	}
}

static void check_set(const kb_kvset *s, const uint8_t *data, size_t size)
{
	size_t lines = 1;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n' || (data[i] == '\r' && !(i + 1 < size && data[i + 1] == '\n'));
	uint32_t last = 0;
	for (size_t i = 0; i < s->n; i++) {
		const kb_kv *kv = &s->kv[i];
		CHECK(fz_utf8(kv->key) && fz_utf8(kv->value));
		CHECK(kv->line >= 1 && kv->line >= last && kv->line <= lines && kv->section == 0);
		last = kv->line;
		const char *got = kb_props_get(s, kv->key);
		CHECK(got != NULL);
		bool later = false;
		for (size_t j = i + 1; j < s->n; j++)
			later = later || strcmp(s->kv[j].key, kv->key) == 0;
		CHECK(later || got == kv->value);
	}
}

static void round_trip(const kb_kvset *s)
{
	zt_buf out = { 0 };
	for (size_t i = 0; i < s->n; i++) {
		escape(&out, s->kv[i].key, true);
		zt_put(&out, "=", 1);
		escape(&out, s->kv[i].value, false);
		zt_put(&out, "\n", 1);
	}
	if (out.len > KB_PROPS_MAX_BYTES || s->n >= KB_PROPS_MAX_LINES) {
		free(out.p);
		return;
	}
	kb_kvset again;
	kb_error err;
	kb_error_clear(&err);
	CHECK(kb_props_parse(out.p ? out.p : (const uint8_t *)"", out.len, "again", &again, &err) == 0);
	CHECK(again.n == s->n);
	for (size_t i = 0; i < s->n; i++)
		CHECK(strcmp(again.kv[i].key, s->kv[i].key) == 0 && strcmp(again.kv[i].value, s->kv[i].value) == 0);
	kb_kvset_free(&again);
	free(out.p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kb_kvset s;
	kb_error err;
	kb_error_clear(&err);
	int r = kb_props_parse(data, size, "fuzz.properties", &s, &err);
	if (r == 0) {
		check_set(&s, data, size);
		round_trip(&s);
		kb_kvset_free(&s);
	} else {
		CHECK(r == KB_EPARSE || r == KB_ELIMIT);
		CHECK(err.code == r && err.msg[0] && strcmp(err.file, "fuzz.properties") == 0);
		CHECK(r != KB_EPARSE || err.line >= 1);
	}
	if (size <= KB_PROPS_MAX_BYTES + 16) {
		static const char *const classes[] = { "org/apache/logging/log4j/core/lookup/JndiLookup.class" };
		fz_count n = fz_identify("META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties", data, size,
		                         classes, 1);
		CHECK(n.maven == 1 && n.core == 1);
	}
	return 0;
}
