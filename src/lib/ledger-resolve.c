/*
 * ledger-resolve.c - which ledger asset is this host? A log line or a log
 * file's path names the machine that wrote it by a host name ("portal-web-01",
 * "portal-web-01.acme.example") or an address; the resolver answers with the
 * asset it means, or none.
 *
 * Three maps are loaded once from the store: the lower-cased asset names,
 * the first labels of dotted names (an ambiguous label, shared by two
 * assets, maps to nothing), and the interface addresses in canonical text
 * (inet_ntop of inet_pton). Rules, in order: an IP literal is looked up
 * among the addresses only; a whole name matches case-insensitively, a
 * trailing dot ignored; a host without a dot matches the asset whose first
 * label it is; a dotted host whose first label is a dotless asset name
 * matches that asset. Two dotted names never match by their first labels
 * alone ("web.corp.local" is not "web.acme.example").
 */
#include "koban/ledger.h"
#include "store-internal.h"
#include "util-map.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

struct kb_asset_resolver {
	kb_map names, labels, addrs;
	struct target {
		int64_t id;
		char *name;
	} *targets;
	size_t n;
};

static struct target ambiguous; /* value of a first label two assets share */

/* Lower-cased copy of at most cap-1 bytes, trailing dots dropped; 0 when too long. */
static size_t fold(const char *s, size_t len, char *out, size_t cap)
{
	while (len && s[len - 1] == '.')
		len--;
	if (len == 0 || len >= cap)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		out[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	out[len] = '\0';
	return len;
}

/* Canonical text of an IP literal ("[::1]", "fe80::1%eth0" accepted), or 0. */
static size_t canon_addr(const char *s, size_t len, char *out, size_t cap)
{
	char tmp[64];
	if (len && s[0] == '[' && s[len - 1] == ']')
		s++, len -= 2;
	const char *pct = memchr(s, '%', len);
	if (pct)
		len = (size_t)(pct - s);
	if (len == 0 || len >= sizeof tmp)
		return 0;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	unsigned char b[16];
	if (inet_pton(AF_INET, tmp, b) == 1)
		return inet_ntop(AF_INET, b, out, (socklen_t)cap) ? strlen(out) : 0;
	if (inet_pton(AF_INET6, tmp, b) == 1) {
		static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
		if (memcmp(b, mapped, 12) == 0)
			return inet_ntop(AF_INET, b + 12, out, (socklen_t)cap) ? strlen(out) : 0;
		return inet_ntop(AF_INET6, b, out, (socklen_t)cap) ? strlen(out) : 0;
	}
	return 0;
}

kb_asset_resolver *kb_asset_resolver_free(kb_asset_resolver *r)
{
	if (!r)
		return NULL;
	kb_map_free(&r->names, NULL);
	kb_map_free(&r->labels, NULL);
	kb_map_free(&r->addrs, NULL);
	for (size_t i = 0; i < r->n; i++)
		free(r->targets[i].name);
	free(r->targets);
	free(r);
	return NULL;
}

static int load_names(kb_store *s, kb_asset_resolver *r, kb_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = kb_store_prepare(s, "SELECT id, name FROM asset ORDER BY id", &st, err);
	if (rc < 0)
		return rc;
	size_t cap = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = kb_column_text(st, 1);
		if (!name)
			continue;
		if (r->n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct target *p = realloc(r->targets, ncap * sizeof *p);
			if (!p)
				goto nomem;
			r->targets = p;
			cap = ncap;
		}
		struct target *t = &r->targets[r->n];
		t->id = sqlite3_column_int64(st, 0);
		if (!(t->name = strdup(name)))
			goto nomem;
		r->n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return kb_store_fail(s, err, "read asset names");
	/* maps after the array stops moving: they hold pointers into it */
	for (size_t i = 0; i < r->n; i++) {
		struct target *t = &r->targets[i];
		char key[KB_LEDGER_MAX_NAME_BYTES + 1];
		size_t n = fold(t->name, strlen(t->name), key, sizeof key);
		if (!n)
			continue;
		if (kb_map_put(&r->names, key, n, t, NULL) < 0)
			goto nomem_map;
		const char *dot = memchr(key, '.', n);
		if (dot && dot > key) {
			size_t ln = (size_t)(dot - key);
			void *old = kb_map_get(&r->labels, key, ln);
			if (kb_map_put(&r->labels, key, ln, old && old != t ? &ambiguous : t, NULL) < 0)
				goto nomem_map;
		}
	}
	return 0;
nomem:
	sqlite3_finalize(st);
nomem_map:
	return kb_error_set(err, KB_ENOMEM, NULL, 0, 0, KB_NO_OFFSET, "out of memory");
}

static int load_addrs(kb_store *s, kb_asset_resolver *r, kb_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = kb_store_prepare(s, "SELECT asset_id, address FROM interface ORDER BY asset_id, id", &st, err);
	if (rc < 0)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		const char *a = kb_column_text(st, 1);
		char key[64];
		size_t n = a ? canon_addr(a, strlen(a), key, sizeof key) : 0;
		if (!n)
			continue;
		struct target *t = NULL;
		size_t lo = 0, hi = r->n; /* targets are in ascending id order */
		while (lo < hi && !t) {
			size_t mid = lo + (hi - lo) / 2;
			if (r->targets[mid].id == id)
				t = &r->targets[mid];
			else if (r->targets[mid].id < id)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (!t)
			continue;
		void *old = kb_map_get(&r->addrs, key, n);
		if (kb_map_put(&r->addrs, key, n, old && old != t ? &ambiguous : t, NULL) < 0) {
			sqlite3_finalize(st);
			return kb_error_set(err, KB_ENOMEM, NULL, 0, 0, KB_NO_OFFSET, "out of memory");
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : kb_store_fail(s, err, "read interface addresses");
}

int kb_asset_resolver_new(kb_store *s, kb_asset_resolver **ret, kb_error *err)
{
	kb_asset_resolver *r = calloc(1, sizeof *r);
	if (!r)
		return kb_error_set(err, KB_ENOMEM, NULL, 0, 0, KB_NO_OFFSET, "out of memory");
	int rc = load_names(s, r, err);
	if (rc == 0)
		rc = load_addrs(s, r, err);
	if (rc < 0) {
		kb_asset_resolver_free(r);
		return rc;
	}
	*ret = r;
	return 0;
}

int64_t kb_asset_resolve(const kb_asset_resolver *r, const char *host, size_t len, const char **ret_name)
{
	if (!r || !host)
		return 0;
	char key[KB_LEDGER_MAX_NAME_BYTES + 1];
	const struct target *t = NULL;
	size_t n = canon_addr(host, len, key, sizeof key);
	if (n) {
		t = kb_map_get(&r->addrs, key, n);
	} else if ((n = fold(host, len, key, sizeof key)) != 0) {
		t = kb_map_get(&r->names, key, n);
		const char *dot = memchr(key, '.', n);
		if (!t && !dot)
			t = kb_map_get(&r->labels, key, n);
		else if (!t && dot > key && !memchr(key, '.', (size_t)(dot - key)))
			t = kb_map_get(&r->names, key, (size_t)(dot - key)); /* dotless asset names only */
	}
	if (!t || t == &ambiguous)
		return 0;
	if (ret_name)
		*ret_name = t->name;
	return t->id;
}
