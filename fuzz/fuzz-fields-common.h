/*
 * fuzz-fields-common.h - the body shared by the log-format fuzz targets
 * (fuzz-fields-*.c): the input is split into lines, each parsed with one
 * per-file state, and every field must lie inside its line. The targets
 * differ by their seeds (fuzz/seeds/fields-FORMAT/).
 */
#include "koban/huntfields.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(const char *line, size_t len, kb_hunt_str s)
{
	if (!s.p) {
		if (s.len)
			abort();
		return;
	}
	if (s.p < line || s.len > len || s.p + s.len > line + len)
		abort();
}

static void check(const char *line, size_t len, const kb_hunt_fields *f)
{
	const kb_hunt_str all[] = { f->time, f->client, f->method, f->uri, f->query, f->protocol, f->request,
		                    f->user_agent, f->referer, f->host, f->program, f->message };
	for (size_t i = 0; i < sizeof all / sizeof *all; i++)
		inside(line, len, all[i]);
	if (f->npairs > KB_HUNT_JSON_MAX_PAIRS)
		abort();
	char buf[256];
	for (size_t i = 0; i < f->npairs; i++) {
		inside(line, len, f->pairs[i].key);
		inside(line, len, f->pairs[i].value);
		inside(line, len, f->pairs[i].parent);
		if (f->pairs[i].is_string) {
			size_t n = kb_hunt_json_unescape(f->pairs[i].value, buf, sizeof buf);
			if (n != (size_t)-1 && n > sizeof buf)
				abort();
		}
	}
	if (f->status < 0 || f->status > 999)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kb_hunt_fields_state *st = kb_hunt_fields_state_new();
	if (!st)
		return 0;
	static kb_hunt_fields f;
	const char *p = (const char *)data, *end = p + size;
	while (p <= end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		/* a copy of exactly the line, so reading past it is caught */
		size_t len = (size_t)(e - p);
		char *line = malloc(len ? len : 1);
		if (!line)
			break;
		memcpy(line, p, len);
		if (kb_hunt_fields_parse(st, line, len, &f) == 1)
			check(line, len, &f);
		free(line);
		if (!nl)
			break;
		p = nl + 1;
	}
	kb_hunt_fields_state_free(st);
	return 0;
}
