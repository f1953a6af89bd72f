/*
 * util-str.c - string helpers; see util-str.h.
 */
#include "util-str.h"

#include "koban/koban.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *kb_str_trim(const char *s, size_t *len)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (len)
		*len = n;
	return s;
}

bool kb_str_ieq(const char *a, const char *b)
{
	return a && b && strcasecmp(a, b) == 0;
}

bool kb_str_empty(const char *s)
{
	if (!s)
		return true;
	size_t n;
	kb_str_trim(s, &n);
	return n == 0;
}

char *kb_strndup(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

int kb_str_fold_header(const char *s, char **ret)
{
	size_t n = strlen(s);
	char *out = malloc(n + 1);
	if (!out)
		return KB_ENOMEM;
	size_t o = 0;
	bool sep = false;
	/* Skip a UTF-8 byte-order mark: spreadsheets write one. */
	if ((unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB && (unsigned char)s[2] == 0xBF)
		s += 3;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c)) {
			if (sep && o)
				out[o++] = '_';
			sep = false;
			out[o++] = (char)tolower(c);
		} else {
			sep = true;
		}
	}
	out[o] = '\0';
	*ret = out;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int kb_str_normalize_list(const char *s, bool upper, char **ret)
{
	if (!s) {
		*ret = NULL;
		return 0;
	}
	char *copy = strdup(s);
	if (!copy)
		return KB_ENOMEM;
	size_t cap = 8, n = 0;
	char **items = malloc(cap * sizeof *items);
	if (!items) {
		free(copy);
		return KB_ENOMEM;
	}
	char *save = NULL;
	size_t total = 0;
	for (char *tok = strtok_r(copy, ",;\n\r", &save); tok; tok = strtok_r(NULL, ",;\n\r", &save)) {
		size_t len;
		char *t = (char *)kb_str_trim(tok, &len);
		if (!len)
			continue;
		t[len] = '\0';
		if (upper)
			for (char *q = t; *q; q++)
				*q = (char)toupper((unsigned char)*q);
		if (n == cap) {
			char **grown = realloc(items, 2 * cap * sizeof *items);
			if (!grown) {
				free(items);
				free(copy);
				return KB_ENOMEM;
			}
			items = grown;
			cap *= 2;
		}
		items[n++] = t;
		total += len + 1;
	}
	if (!n) {
		free(items);
		free(copy);
		*ret = NULL;
		return 0;
	}
	qsort(items, n, sizeof *items, cmp_str);
	char *out = malloc(total + 1);
	if (!out) {
		free(items);
		free(copy);
		return KB_ENOMEM;
	}
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (i && strcmp(items[i], items[i - 1]) == 0)
			continue;
		if (o)
			out[o++] = ',';
		size_t len = strlen(items[i]);
		memcpy(out + o, items[i], len);
		o += len;
	}
	out[o] = '\0';
	free(items);
	free(copy);
	*ret = out;
	return 0;
}

bool kb_str_list_has(const char *list, const char *item)
{
	if (!list || !item)
		return false;
	size_t n = strlen(item);
	for (const char *p = list; *p;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == n && strncasecmp(p, item, n) == 0)
			return true;
		if (!e)
			break;
		p = e + 1;
	}
	return false;
}
