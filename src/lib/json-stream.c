/*
 * json-stream.c - item-at-a-time JSON over yajl; see json-stream.h.
 *
 * State: `depth` counts open containers (the top-level object is depth 1).
 * While an item is being built, `stack` holds its open containers and `keys`
 * the pending key of each open object. An item is complete when its stack
 * empties. Locations: yajl reports how many bytes of the current chunk it has
 * consumed; a cursor (`scan_*`) counts newlines forward from the last located
 * byte, so locating every object costs one pass over the input in total.
 */
#include "json-stream.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

enum top_mode { MODE_SKIP, MODE_WANTED, MODE_WHOLE, MODE_ELEMENTS };

struct loc {
	const json_t *obj;
	uint64_t line, column;
};

struct kb_jstream {
	kb_import_ctx *c;
	kb_jstream_want_fn want;
	kb_jstream_item_fn fn;
	kb_jstream_keep_fn keep;
	void *ctx;
	int skip_depth;            /* >0: dropping the value of a key `keep` refused, opened at this depth */
	yajl_handle h;
	int depth;
	char *key;                 /* current top-level key */
	enum top_mode mode;
	int elem_depth;            /* depth of the array whose elements are items */
	size_t index;
	json_t *stack[KB_JSON_MAX_DEPTH + 1];
	char *keys[KB_JSON_MAX_DEPTH + 1];
	int sp;
	uint64_t item_start;       /* byte offset of the item */
	uint64_t item_line, item_col;
	struct loc *locs;
	size_t nlocs, caplocs;
	/* chunk and location cursor */
	const unsigned char *chunk;
	uint64_t chunk_base;
	uint64_t scan_pos, scan_line, scan_line_start;
	uint64_t good;             /* end of the last token yajl handed to a callback */
	uint64_t prev_good;        /* the same for the token before it */
	int r;
};

/* Advance the cursor to absolute offset `off` (within the current chunk). */
static void locate_offset(struct kb_jstream *js, uint64_t off, uint64_t *line, uint64_t *col)
{
	if (off > js->scan_pos && off >= js->chunk_base) {
		uint64_t from = js->scan_pos > js->chunk_base ? js->scan_pos : js->chunk_base;
		const unsigned char *p = js->chunk + (from - js->chunk_base);
		const unsigned char *end = js->chunk + (off - js->chunk_base);
		while (p < end) {
			const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
			if (!nl)
				break;
			js->scan_line++;
			js->scan_line_start = js->chunk_base + (uint64_t)(nl - js->chunk) + 1;
			p = nl + 1;
		}
		js->scan_pos = off;
	}
	*line = js->scan_line;
	*col = off >= js->scan_line_start ? off - js->scan_line_start + 1 : 1;
}

/* Offset of the token yajl just returned (its last byte). */
static uint64_t token_offset(struct kb_jstream *js)
{
	size_t consumed = yajl_get_bytes_consumed(js->h);
	return js->chunk_base + (consumed ? consumed - 1 : 0);
}

bool kb_jstream_locate(kb_jstream *js, const json_t *obj, uint64_t *line, uint64_t *column)
{
	if (!obj) {
		*line = js->item_line;
		*column = js->item_col;
		return true;
	}
	for (size_t i = 0; i < js->nlocs; i++)
		if (js->locs[i].obj == obj) {
			*line = js->locs[i].line;
			*column = js->locs[i].column;
			return true;
		}
	return false;
}

int kb_jstream_fail(kb_jstream *js, const json_t *obj, int code, const char *fmt, ...)
{
	kb_error *e = js->c->err;
	if (e) {
		/* Callers pass "%s", e->msg to keep the model layer's message:
		 * format into a copy, the arguments may point into e->msg. */
		char msg[sizeof e->msg];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, sizeof msg, fmt, ap);
		va_end(ap);
		memcpy(e->msg, msg, sizeof msg);
	}
	uint64_t line = js->item_line, col = js->item_col;
	if (obj)
		kb_jstream_locate(js, obj, &line, &col);
	return kb_import_locate(js->c, code, line, col, KB_NO_OFFSET);
}

/* Remember where the token just handed over ends: a syntax error is after it. */
static void mark_good(struct kb_jstream *js)
{
	js->prev_good = js->good;
	js->good = js->chunk_base + yajl_get_bytes_consumed(js->h);
}

static bool json_space(unsigned char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* Where the scalar just handed over starts (token_offset() is its last
 * byte): after the token before it, past white space and a ':' or ','.
 * Falls back to the last byte when that token ended in an earlier chunk. */
static uint64_t value_offset(struct kb_jstream *js)
{
	uint64_t last = token_offset(js);
	if (js->prev_good < js->chunk_base || js->prev_good > last)
		return last;
	size_t i = (size_t)(js->prev_good - js->chunk_base), e = (size_t)(last - js->chunk_base);
	while (i < e && json_space(js->chunk[i]))
		i++;
	if (i < e && (js->chunk[i] == ',' || js->chunk[i] == ':')) {
		i++;
		while (i < e && json_space(js->chunk[i]))
			i++;
	}
	return js->chunk_base + i;
}

static int stop_at(struct kb_jstream *js, uint64_t off, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int stop_at(struct kb_jstream *js, uint64_t off, int code, const char *fmt, ...)
{
	kb_error *e = js->c->err;
	if (e) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof e->msg, fmt, ap);
		va_end(ap);
	}
	uint64_t line, col;
	locate_offset(js, off, &line, &col);
	js->r = kb_import_locate(js->c, code, line, col, off);
	return 0; /* tells yajl to stop */
}

static void clear_item(struct kb_jstream *js)
{
	js->nlocs = 0;
}

static int emit(struct kb_jstream *js, json_t *v)
{
	kb_jstream_item it = {
		.key = js->key,
		.value = v,
		.element = js->mode == MODE_ELEMENTS,
		.index = js->index,
		.line = js->item_line,
		.column = js->item_col,
	};
	if (it.element)
		js->c->stats->records++;
	int r = js->fn(js, &it, js->ctx);
	json_decref(v);
	clear_item(js);
	if (js->mode == MODE_ELEMENTS)
		js->index++;
	else
		js->mode = MODE_SKIP;
	if (r < 0) {
		js->r = r;
		return 0;
	}
	return 1;
}

/* Is a value starting now at the current depth the start of an item? */
static bool item_starts_here(struct kb_jstream *js)
{
	if (js->sp > 0)
		return false;
	if (js->depth == 1 && (js->mode == MODE_WHOLE || js->mode == MODE_WANTED))
		return true;
	return js->mode == MODE_ELEMENTS && js->depth == js->elem_depth;
}

static int check_item_size(struct kb_jstream *js)
{
	if (js->sp > 0 && token_offset(js) - js->item_start > KB_JSON_MAX_ITEM_BYTES)
		return stop_at(js, token_offset(js), KB_ELIMIT, "one JSON item is larger than the limit of %u bytes",
		            (unsigned)KB_JSON_MAX_ITEM_BYTES);
	return 1;
}

/* Attach a finished value: to the open container, or as a whole item. */
static int add_value(struct kb_jstream *js, json_t *v)
{
	if (!v)
		return stop_at(js, token_offset(js), KB_ENOMEM, "out of memory");
	if (js->sp > 0) {
		json_t *top = js->stack[js->sp - 1];
		int rc;
		if (json_is_object(top)) {
			rc = json_object_set_new(top, js->keys[js->sp - 1] ? js->keys[js->sp - 1] : "", v);
			free(js->keys[js->sp - 1]);
			js->keys[js->sp - 1] = NULL;
		} else {
			rc = json_array_append_new(top, v);
		}
		if (rc != 0)
			return stop_at(js, token_offset(js), KB_ENOMEM, "out of memory");
		return check_item_size(js);
	}
	return emit(js, v);
}

static int on_scalar(struct kb_jstream *js, json_t *v)
{
	if (js->r)
		return 0;
	if (js->depth == 0) {
		json_decref(v);
		return stop_at(js, value_offset(js), KB_EFORMAT, "expected a JSON object at the top level");
	}
	if (js->skip_depth) {
		if (js->depth == js->skip_depth)
			js->skip_depth = 0; /* the refused key's value was this scalar */
		json_decref(v);
		return 1;
	}
	if (js->sp > 0)
		return add_value(js, v);
	if (item_starts_here(js)) {
		if (js->mode == MODE_WANTED)
			js->mode = MODE_WHOLE;
		uint64_t off = value_offset(js);
		locate_offset(js, off, &js->item_line, &js->item_col);
		return emit(js, v);
	}
	json_decref(v);
	return 1;
}

static int cb_null(void *ctx)
{
	mark_good(ctx);
	return on_scalar(ctx, json_null());
}

static int cb_boolean(void *ctx, int b)
{
	mark_good(ctx);
	return on_scalar(ctx, json_boolean(b));
}

static int cb_number(void *ctx, const char *s, size_t len)
{
	struct kb_jstream *js = ctx;
	mark_good(js);
	if ((js->sp == 0 && !item_starts_here(js)) || js->skip_depth)
		return on_scalar(js, json_null());
	char tmp[64];
	if (len >= sizeof tmp)
		return on_scalar(js, json_stringn(s, len));
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	if (!strpbrk(tmp, ".eE")) {
		char *end;
		errno = 0;
		long long v = strtoll(tmp, &end, 10);
		if (!errno && !*end)
			return on_scalar(js, json_integer(v));
	}
	return on_scalar(js, json_real(strtod(tmp, NULL)));
}

static int cb_string(void *ctx, const unsigned char *s, size_t len)
{
	struct kb_jstream *js = ctx;
	mark_good(js);
	if ((js->sp == 0 && !item_starts_here(js)) || js->skip_depth)
		return on_scalar(js, json_null()); /* not wanted: do not copy */
	return on_scalar(js, json_stringn((const char *)s, len));
}

static int open_container(struct kb_jstream *js, bool is_map)
{
	if (js->r)
		return 0;
	if (js->depth >= KB_JSON_MAX_DEPTH)
		return stop_at(js, token_offset(js), KB_ELIMIT, "JSON nested deeper than the limit of %d levels", KB_JSON_MAX_DEPTH);
	if (js->depth == 0 && !is_map)
		return stop_at(js, token_offset(js), KB_EFORMAT, "expected a JSON object at the top level, found an array");
	if (js->skip_depth) {
		js->depth++; /* inside a refused value: parse, do not build */
		return 1;
	}
	if (js->depth == 1 && js->sp == 0 && js->mode == MODE_WANTED) {
		if (is_map) {
			js->mode = MODE_WHOLE; /* a wanted object is handed over whole */
		} else {
			js->mode = MODE_ELEMENTS; /* a wanted array: its elements are the items */
			js->elem_depth = 2;
			js->index = 0;
		}
	}
	bool start = item_starts_here(js);
	if (js->sp > 0 || start) {
		json_t *v = is_map ? json_object() : json_array();
		if (!v)
			return stop_at(js, token_offset(js), KB_ENOMEM, "out of memory");
		uint64_t off = token_offset(js), line, col;
		locate_offset(js, off, &line, &col);
		if (start) {
			js->item_start = off;
			js->item_line = line;
			js->item_col = col;
		}
		if (is_map) {
			if (js->nlocs == js->caplocs) {
				size_t cap = js->caplocs ? js->caplocs * 2 : 64;
				struct loc *l = realloc(js->locs, cap * sizeof *l);
				if (!l) {
					json_decref(v);
					return stop_at(js, token_offset(js), KB_ENOMEM, "out of memory");
				}
				js->locs = l;
				js->caplocs = cap;
			}
			js->locs[js->nlocs++] = (struct loc){ v, line, col };
		}
		if (js->sp > 0) {
			json_incref(v);
			if (!add_value(js, v)) {
				json_decref(v);
				return 0;
			}
		}
		js->stack[js->sp] = v;
		js->keys[js->sp] = NULL;
		js->sp++;
	}
	js->depth++;
	return 1;
}

static int close_container(struct kb_jstream *js)
{
	if (js->r)
		return 0;
	js->depth--;
	if (js->skip_depth) {
		if (js->depth == js->skip_depth)
			js->skip_depth = 0; /* the refused value ends here */
		return 1;
	}
	if (js->sp > 0) {
		js->sp--;
		json_t *v = js->stack[js->sp];
		free(js->keys[js->sp]);
		js->keys[js->sp] = NULL;
		if (js->sp == 0)
			return emit(js, v);
		json_decref(v); /* the parent holds its own reference */
		return 1;
	}
	if (js->depth == 1 && js->sp == 0) {
		js->mode = MODE_SKIP; /* end of a top-level value */
		js->elem_depth = 0;
	}
	return 1;
}

static int cb_start_map(void *ctx)
{
	mark_good(ctx);
	return open_container(ctx, true);
}

static int cb_end_map(void *ctx)
{
	mark_good(ctx);
	return close_container(ctx);
}

static int cb_start_array(void *ctx)
{
	mark_good(ctx);
	return open_container(ctx, false);
}

static int cb_end_array(void *ctx)
{
	mark_good(ctx);
	return close_container(ctx);
}

static int cb_map_key(void *ctx, const unsigned char *s, size_t len)
{
	struct kb_jstream *js = ctx;
	mark_good(js);
	if (js->r)
		return 0;
	if (js->skip_depth)
		return 1;
	if (js->sp > 0 && js->keep && !js->keep((const char *)s, len, js->ctx)) {
		js->skip_depth = js->depth; /* drop the value that follows */
		return 1;
	}
	if (js->sp > 0) {
		char *k = malloc(len + 1);
		if (!k)
			return stop_at(js, token_offset(js), KB_ENOMEM, "out of memory");
		memcpy(k, s, len);
		k[len] = '\0';
		if (memchr(k, '\0', len)) {
			free(k);
			return stop_at(js, token_offset(js), KB_EPARSE, "expected an object key without NUL characters");
		}
		free(js->keys[js->sp - 1]);
		js->keys[js->sp - 1] = k;
		return 1;
	}
	if (js->depth == 1) {
		free(js->key);
		js->key = malloc(len + 1);
		if (!js->key)
			return stop_at(js, token_offset(js), KB_ENOMEM, "out of memory");
		memcpy(js->key, s, len);
		js->key[len] = '\0';
		js->mode = js->want(js->key, js->ctx) ? MODE_WANTED : MODE_SKIP;
		js->elem_depth = 0;
	}
	return 1;
}

/* Where a syntax error in the current chunk is. yajl's byte count does not
 * say it consistently (past the offending token, inside it or at its start,
 * depending on the parser state), so: an error inside a string is where yajl
 * stopped, at the bad byte; any other error is at the first token after the
 * last one yajl accepted, past white space and at most one ',' or ':' (one
 * that yajl went beyond was accepted). */
static uint64_t error_offset(struct kb_jstream *js, size_t consumed, bool in_string)
{
	uint64_t end = js->chunk_base + consumed;
	if (in_string || js->good > end)
		return end;
	size_t i = js->good > js->chunk_base ? (size_t)(js->good - js->chunk_base) : 0;
	while (i < consumed && json_space(js->chunk[i]))
		i++;
	if (i + 1 < consumed && (js->chunk[i] == ',' || js->chunk[i] == ':')) {
		i++;
		while (i < consumed && json_space(js->chunk[i]))
			i++;
	}
	return js->chunk_base + i;
}

static const yajl_callbacks callbacks = {
	cb_null, cb_boolean, NULL, NULL, cb_number, cb_string,
	cb_start_map, cb_map_key, cb_end_map, cb_start_array, cb_end_array,
};

int kb_jstream_run(kb_import_ctx *c, kb_jstream_want_fn want, kb_jstream_keep_fn keep, kb_jstream_item_fn fn,
                   void *ctx)
{
	struct kb_jstream *js = calloc(1, sizeof *js);
	unsigned char *buf = malloc(KB_READ_CHUNK);
	if (!js || !buf) {
		free(js);
		free(buf);
		return KB_ENOMEM;
	}
	js->c = c;
	js->want = want;
	js->fn = fn;
	js->keep = keep;
	js->ctx = ctx;
	js->scan_line = 1;
	js->h = yajl_alloc(&callbacks, NULL, js);
	int r = js->h ? 0 : KB_ENOMEM;
	bool any = false;
	while (r == 0) {
		ssize_t n = kb_reader_read(c->rd, buf, KB_READ_CHUNK, c->err);
		if (n < 0) {
			r = (int)n;
			break;
		}
		js->chunk = buf;
		if (n == 0) {
			js->chunk_base = c->rd->done;
			if (yajl_complete_parse(js->h) != yajl_status_ok && !js->r) {
				uint64_t line, col;
				locate_offset(js, c->rd->done, &line, &col);
				kb_error_set(c->err, KB_EPARSE, NULL, 0, 0, KB_NO_OFFSET,
				             any ? "expected valid JSON: the document ends early (an unclosed object, "
				                   "array or string)"
				                 : "expected JSON, found an empty file");
				r = kb_import_locate(c, KB_EPARSE, line, col, c->rd->done);
			}
			r = r ? r : js->r;
			break;
		}
		/* A UTF-8 byte-order mark (detection skips it too): not JSON, and
		 * columns on line 1 count from after it. */
		size_t skip = 0;
		if (!any && n >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF) {
			skip = 3;
			js->scan_pos = js->scan_line_start = 3;
		}
		any = true;
		js->chunk = buf + skip;
		js->chunk_base = c->rd->done - (uint64_t)n + skip;
		yajl_status st = yajl_parse(js->h, buf + skip, (size_t)n - skip);
		if (js->r) {
			r = js->r;
			break;
		}
		if (st != yajl_status_ok) {
			unsigned char *msg = yajl_get_error(js->h, 0, NULL, 0);
			/* yajl's message is "parse error: what", sometimes with trailing space */
			char what[256];
			snprintf(what, sizeof what, "%s", (const char *)msg);
			size_t wl = strlen(what);
			while (wl && (what[wl - 1] == '\n' || what[wl - 1] == ' '))
				what[--wl] = '\0';
			const char *w = strncmp(what, "parse error: ", 13) == 0 ? what + 13 : what;
			bool lexical = strncmp(w, "lexical error: ", 15) == 0;
			if (lexical)
				w += 15;
			yajl_free_error(js->h, msg);
			/* "invalid character inside string", "invalid bytes in UTF8 string", ... */
			bool in_string = lexical && strstr(w, "string") && !strstr(w, "json text");
			uint64_t off = error_offset(js, yajl_get_bytes_consumed(js->h), in_string), line, col;
			locate_offset(js, off, &line, &col);
			kb_error_set(c->err, KB_EPARSE, NULL, 0, 0, KB_NO_OFFSET, "expected valid JSON: %s", w);
			r = kb_import_locate(c, KB_EPARSE, line, col, off);
			break;
		}
		/* Move the location cursor to the end of the chunk. */
		uint64_t line, col;
		locate_offset(js, c->rd->done, &line, &col);
	}
	if (js->h)
		yajl_free(js->h);
	for (int i = 0; i < js->sp; i++) {
		json_decref(js->stack[i]);
		free(js->keys[i]);
	}
	free(js->key);
	free(js->locs);
	free(js);
	free(buf);
	return r;
}

const char *kb_jstream_string(kb_jstream *js, json_t *obj, const char *key, int *r)
{
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_string(v)) {
		*r = kb_jstream_fail(js, obj, KB_EINVAL, "\"%s\": expected a string", key);
		return NULL;
	}
	return json_string_value(v);
}
