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
