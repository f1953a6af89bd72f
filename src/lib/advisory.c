/*
 * advisory.c - ownership of parsed advisories, and JSON paths for errors.
 */
#include "advisory-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

kb_advisory *kb_adv_new(json_t *root)
{
	kb_advisory *a = calloc(1, sizeof *a);
	kb_adv_owner *o = calloc(1, sizeof *o);
	if (!a || !o) {
		free(a);
		free(o);
		return NULL;
	}
	o->root = root;
	a->owner_ = o;
	return a;
}

void *kb_adv_alloc(kb_advisory *a, size_t n, size_t size)
{
	kb_adv_owner *o = a->owner_;
	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 16;
		void **b = realloc(o->blocks, cap * sizeof *b);
		if (!b)
			return NULL;
		o->blocks = b;
		o->cap = cap;
	}
	void *p = calloc(n ? n : 1, size);
	if (p)
		o->blocks[o->n++] = p;
	return p;
}

kb_advisory *kb_advisory_free(kb_advisory *a)
{
	if (!a)
		return NULL;
	kb_adv_owner *o = a->owner_;
	if (o) {
		for (size_t i = 0; i < o->n; i++)
			free(o->blocks[i]);
		free(o->blocks);
		json_decref(o->root);
		free(o);
	}
	free(a);
	return NULL;
}

static void put(kb_jpath *p, const char *s, size_t *ret_mark)
{
	*ret_mark = p->len;
	size_t n = strlen(s);
	if (p->len + n >= sizeof p->buf)
		n = sizeof p->buf - 1 - p->len;
	memcpy(p->buf + p->len, s, n);
	p->len += n;
	p->buf[p->len] = '\0';
}

void kb_jpath_key(kb_jpath *p, const char *key, size_t *ret_mark)
{
	char tmp[96];
	snprintf(tmp, sizeof tmp, "%s%.80s", p->len ? "." : "", key);
	put(p, tmp, ret_mark);
}

void kb_jpath_index(kb_jpath *p, size_t i, size_t *ret_mark)
{
	char tmp[32];
	snprintf(tmp, sizeof tmp, "[%zu]", i);
	put(p, tmp, ret_mark);
}

void kb_jpath_back(kb_jpath *p, size_t mark)
{
	p->len = mark;
	p->buf[mark] = '\0';
}

int kb_adv_bad(kb_adv_reader *o, int code, const char *what)
{
	return kb_error_set(o->err, code, o->name, 0, 0, KB_NO_OFFSET, "%s%s%s", o->path.buf,
	                    o->path.len ? ": " : "", what);
}

const char *kb_adv_str(kb_adv_reader *o, json_t *obj, const char *key, int *r)
{
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_string(v)) {
		size_t m;
		kb_jpath_key(&o->path, key, &m);
		*r = kb_adv_bad(o, KB_EINVAL, "expected a string");
		kb_jpath_back(&o->path, m);
		return NULL;
	}
	return json_string_value(v);
}

int kb_adv_str_array(kb_adv_reader *o, json_t *obj, const char *key, const char *const **ret, size_t *ret_n)
{
	json_t *v = json_object_get(obj, key);
	*ret = NULL;
	*ret_n = 0;
	if (!v || json_is_null(v))
		return 0;
	size_t m;
	kb_jpath_key(&o->path, key, &m);
	int r = 0;
	if (!json_is_array(v)) {
		r = kb_adv_bad(o, KB_EINVAL, "expected an array of strings");
	} else {
		const char **arr = kb_adv_alloc(o->a, json_array_size(v), sizeof *arr);
		if (!arr)
			r = KB_ENOMEM;
		size_t i;
		json_t *e;
		json_array_foreach (v, i, e) {
			if (r < 0)
				break;
			if (!json_is_string(e)) {
				size_t mi;
				kb_jpath_index(&o->path, i, &mi);
				r = kb_adv_bad(o, KB_EINVAL, "expected a string");
				kb_jpath_back(&o->path, mi);
				break;
			}
			arr[i] = json_string_value(e);
		}
		if (r == 0) {
			*ret = arr;
			*ret_n = json_array_size(v);
		}
	}
	kb_jpath_back(&o->path, m);
	return r;
}

int kb_adv_load(const char *name, const void *data, size_t len, const char *what, json_t **ret, kb_error *err)
{
	if (len > KB_ADVISORY_MAX_BYTES)
		return kb_error_set(err, KB_ELIMIT, name, 0, 0, KB_NO_OFFSET,
		                    "%s of %zu bytes: more than the limit of %u", what, len, (unsigned)KB_ADVISORY_MAX_BYTES);
	json_error_t je;
	json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return kb_error_set(err, KB_EPARSE, name, (uint64_t)(je.line > 0 ? je.line : 0),
		                    (uint64_t)(je.column > 0 ? je.column : 0),
		                    je.position >= 0 ? (uint64_t)je.position : KB_NO_OFFSET, "expected valid JSON: %s",
		                    je.text);
	if (!json_is_object(root)) {
		json_decref(root);
		return kb_error_set(err, KB_EFORMAT, name, 1, 1, 0, "expected %s: a JSON object", what);
	}
	*ret = root;
	return 0;
}

int kb_adv_affected_array(kb_adv_reader *o, json_t *aff, kb_adv_entry_fn fn)
{
	if (!aff || json_is_null(aff))
		return 0;
	size_t m;
	kb_jpath_key(&o->path, "affected", &m);
	int r = 0;
	if (!json_is_array(aff))
		r = kb_adv_bad(o, KB_EINVAL, "expected an array");
	else if (json_array_size(aff) > KB_ADVISORY_MAX_AFFECTED)
		r = kb_adv_bad(o, KB_ELIMIT, "more affected entries than the limit of 4096");
	kb_advisory_affected *arr = r == 0 ? kb_adv_alloc(o->a, json_array_size(aff), sizeof *arr) : NULL;
	if (r == 0 && !arr)
		r = KB_ENOMEM;
	size_t i;
	json_t *e;
	json_array_foreach (aff, i, e) {
		if (r < 0)
			break;
		size_t mi;
		kb_jpath_index(&o->path, i, &mi);
		r = fn(o, e, &arr[i]);
		kb_jpath_back(&o->path, mi);
	}
	if (r == 0) {
		o->a->affected = arr;
		o->a->n_affected = json_array_size(aff);
	}
	kb_jpath_back(&o->path, m);
	return r;
}
