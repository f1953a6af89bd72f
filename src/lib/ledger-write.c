/*
 * ledger-write.c - the one place that writes ledger rows.
 *
 * A kb_ledger_writer owns the prepared statements an import needs, so a
 * million-row import prepares each statement once. Asset writes are partial:
 * a reader says which fields it has (`present`), and only those columns are
 * written; the UPDATE is skipped when nothing changed, so `updated` means a
 * value really changed. Statements for each field mask are built on first use
 * and cached (a file has one mask, so the cache is tiny).
 *
 * Components and interfaces are upserts keyed by the UNIQUE constraints in
 * store-migrate.c; re-importing a file therefore updates rows, never
 * duplicates them.
 *
 * Component writes are pipelined, because a million-row import would
 * otherwise spend half its time with one core idle: kb_ledger_put_component_at()
 * validates and normalises on the caller's thread (purl parsing, the CPU-heavy
 * part), copies the result into a batch and returns; a writer thread resolves
 * asset names and runs the upserts. Invariants: the SQLite connection is used
 * by one thread at a time — every other writer operation first waits for the
 * queue to drain (flush), and the caller's transaction is only committed after
 * kb_ledger_writer_flush(); batches are written in the order they were filled;
 * after the writer thread fails it writes nothing more, and the failure (with
 * the line and column the caller gave for that record) is returned by the next
 * call. Memory is bounded: KB_WRITE_BATCHES batches of KB_WRITE_BATCH records.
 */
#include "koban/ledger.h"
#include "koban/purl.h"
#include "store-internal.h"
#include "util-buf.h"

#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MASK_CACHE 8
#define KB_WRITE_BATCH 1024     /* component records per batch */
#define KB_WRITE_BATCHES 4      /* batches in flight: memory bound of the pipeline */
/* String bytes per batch. A batch is handed over once its arena is half full,
 * and one component is at most KB_LEDGER_MAX_COMPONENT_BYTES, so a component
 * that passed the limit always fits. */
#define KB_WRITE_ARENA (8u << 20)
_Static_assert(KB_WRITE_ARENA / 2 + KB_LEDGER_MAX_COMPONENT_BYTES + 16 <= KB_WRITE_ARENA,
               "a component within its limit must fit in a half-full arena");
#define KB_WRITE_ROWS 64        /* rows per multi-row INSERT: one statement step per 64 components */

enum { Q_ASSET, Q_ECO, Q_NAME, Q_VERSION, Q_EVIDENCE, Q_PURL, Q_CPE, Q_ORIGIN, Q__N };

struct qrec {
	int64_t asset_id;        /* 0: resolve the name in off[Q_ASSET] */
	uint32_t off[Q__N];      /* offsets into the arena; UINT32_MAX for NULL */
	kb_source source;
	uint64_t line, column;   /* where the caller found it, for late errors */
};

struct batch {
	struct qrec rec[KB_WRITE_BATCH];
	size_t n;
	kb_buf arena;
};

struct mask_stmts {
	uint32_t mask;
	sqlite3_stmt *insert;
	sqlite3_stmt *update;
	int nfields;
	kb_asset_field fields[KB_AF__COUNT];
};

struct kb_ledger_writer {
	kb_store *s;
	sqlite3_stmt *find_asset;
	sqlite3_stmt *put_iface;
	sqlite3_stmt *put_comp;
	sqlite3_stmt *put_comp_multi; /* KB_WRITE_ROWS rows; prepared on first use */
	sqlite3_stmt *clear_ifaces;
	sqlite3_stmt *clear_comps;
	struct mask_stmts cache[MASK_CACHE];
	int ncache;
	char *last_name; /* one-entry cache of name -> id for sheets sorted by asset */
	int64_t last_id;
	/* the component pipeline */
	pthread_mutex_t mu;
	pthread_cond_t cv_work, cv_done;
	pthread_t thread;
	bool started, quit;
	atomic_bool failed;      /* set by the thread under mu; read without it as a fast path */
	struct batch *b[KB_WRITE_BATCHES];
	int fill;                /* batch the caller fills */
	int tail;                /* next batch the thread writes */
	int pending;             /* batches handed over and not yet written */
	kb_error async_err;      /* first failure of the thread */
	char *t_last_name;       /* the thread's own name -> id cache */
	int64_t t_last_id;
};

static const char comp_insert[] =
	"INSERT INTO component(asset_id, source, ecosystem, name, version, evidence, purl, cpe, origin) VALUES ";
static const char comp_upsert[] =
	" ON CONFLICT(asset_id, source, ecosystem, name, version, evidence)"
	" DO UPDATE SET purl = excluded.purl, cpe = excluded.cpe, origin = excluded.origin";

static int writer_flush(kb_ledger_writer *w, kb_error *err);

int kb_ledger_writer_new(kb_store *s, kb_ledger_writer **ret, kb_error *err)
{
	kb_ledger_writer *w = calloc(1, sizeof *w);
	if (!w)
		return KB_ENOMEM;
	w->s = s;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv_work, NULL);
	pthread_cond_init(&w->cv_done, NULL);
	kb_error_clear(&w->async_err);
	for (int i = 0; i < KB_WRITE_BATCHES; i++) {
		w->b[i] = malloc(sizeof *w->b[i]); /* not calloc: 360 KiB of records need no zeroing */
		if (!w->b[i]) {
			kb_ledger_writer_free(w);
			return KB_ENOMEM;
		}
		w->b[i]->n = 0;
		kb_buf_init(&w->b[i]->arena, KB_WRITE_ARENA);
	}
	int r = kb_store_prepare(s, "SELECT id FROM asset WHERE name = ?1", &w->find_asset, err);
	if (r == 0)
		r = kb_store_prepare(s,
		                     "INSERT INTO interface(asset_id, address, port, protocol, role, exposure,"
		                     " exposure_given) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
		                     " ON CONFLICT(asset_id, address, port, protocol) DO UPDATE SET"
		                     " role = excluded.role, exposure = excluded.exposure,"
		                     " exposure_given = excluded.exposure_given",
		                     &w->put_iface, err);
	if (r == 0)
	{
		char sql[512];
		snprintf(sql, sizeof sql, "%s(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)%s", comp_insert, comp_upsert);
		r = kb_store_prepare(s, sql, &w->put_comp, err);
	}
	if (r == 0)
		r = kb_store_prepare(s, "DELETE FROM interface WHERE asset_id = ?1", &w->clear_ifaces, err);
	if (r == 0)
		r = kb_store_prepare(s,
		                     "DELETE FROM component WHERE asset_id = ?1"
		                     " AND (?2 IS NULL OR source = ?2) AND (?3 IS NULL OR origin = ?3)",
		                     &w->clear_comps, err);
	if (r < 0) {
		kb_ledger_writer_free(w);
		return r;
	}
	*ret = w;
	return 0;
}

kb_ledger_writer *kb_ledger_writer_free(kb_ledger_writer *w)
{
	if (!w)
		return NULL;
	if (w->started) {
		writer_flush(w, NULL);
		pthread_mutex_lock(&w->mu);
		w->quit = true;
		pthread_cond_broadcast(&w->cv_work);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->thread, NULL);
	}
	for (int i = 0; i < KB_WRITE_BATCHES; i++)
		if (w->b[i]) {
			kb_buf_free(&w->b[i]->arena);
			free(w->b[i]);
		}
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv_work);
	pthread_cond_destroy(&w->cv_done);
	free(w->t_last_name);
	sqlite3_finalize(w->find_asset);
	sqlite3_finalize(w->put_iface);
	sqlite3_finalize(w->put_comp);
	sqlite3_finalize(w->put_comp_multi);
	sqlite3_finalize(w->clear_ifaces);
	sqlite3_finalize(w->clear_comps);
	for (int i = 0; i < w->ncache; i++) {
		sqlite3_finalize(w->cache[i].insert);
		sqlite3_finalize(w->cache[i].update);
	}
	free(w->last_name);
	free(w);
	return NULL;
}

static int build_mask_stmts(kb_ledger_writer *w, uint32_t mask, struct mask_stmts **ret, kb_error *err)
{
	for (int i = 0; i < w->ncache; i++)
		if (w->cache[i].mask == mask) {
			*ret = &w->cache[i];
			return 0;
		}
	if (w->ncache == MASK_CACHE) {
		/* Evict the oldest; masks change at most once per file. */
		sqlite3_finalize(w->cache[0].insert);
		sqlite3_finalize(w->cache[0].update);
		memmove(&w->cache[0], &w->cache[1], sizeof w->cache[0] * (MASK_CACHE - 1));
		w->ncache--;
	}
	struct mask_stmts *m = &w->cache[w->ncache];
	memset(m, 0, sizeof *m);
	m->mask = mask;
	for (int f = 0; f < KB_AF__COUNT; f++)
		if (f != KB_AF_NAME && (mask & KB_AF_MASK(f)))
			m->fields[m->nfields++] = (kb_asset_field)f;

	kb_buf ins, upd;
	kb_buf_init(&ins, 4096);
	kb_buf_init(&upd, 4096);
	int r = kb_buf_puts(&ins, "INSERT INTO asset(name");
	for (int i = 0; i < m->nfields && r == 0; i++)
		r = kb_buf_printf(&ins, ", %s", kb_asset_field_name(m->fields[i]));
	if (r == 0)
		r = kb_buf_puts(&ins, ") VALUES (?1");
	for (int i = 0; i < m->nfields && r == 0; i++)
		r = kb_buf_printf(&ins, ", ?%d", i + 2);
	if (r == 0)
		r = kb_buf_puts(&ins, ")");

	if (r == 0)
		r = kb_buf_puts(&upd, "UPDATE asset SET updated = strftime('%Y-%m-%dT%H:%M:%SZ','now')");
	for (int i = 0; i < m->nfields && r == 0; i++)
		r = kb_buf_printf(&upd, ", %s = ?%d", kb_asset_field_name(m->fields[i]), i + 2);
	if (r == 0)
		r = kb_buf_puts(&upd, " WHERE id = ?1 AND (0");
	for (int i = 0; i < m->nfields && r == 0; i++)
		r = kb_buf_printf(&upd, " OR %s IS NOT ?%d", kb_asset_field_name(m->fields[i]), i + 2);
	if (r == 0)
		r = kb_buf_puts(&upd, ")");
	if (r == 0)
		r = kb_store_prepare(w->s, kb_buf_str(&ins), &m->insert, err);
	if (r == 0 && m->nfields)
		r = kb_store_prepare(w->s, kb_buf_str(&upd), &m->update, err);
	kb_buf_free(&ins);
	kb_buf_free(&upd);
	if (r < 0) {
		sqlite3_finalize(m->insert);
		return r;
	}
	w->ncache++;
	*ret = m;
	return 0;
}

static int lookup_asset(kb_ledger_writer *w, const char *name, int64_t *ret_id, kb_error *err)
{
	sqlite3_stmt *st = w->find_asset;
	sqlite3_reset(st);
	kb_bind_text(st, 1, name);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return kb_error_set(err, KB_ENOTFOUND, NULL, 0, 0, KB_NO_OFFSET,
		                    "no asset named \"%.200s\" in the ledger", name);
	if (rc != SQLITE_ROW)
		return kb_store_fail(w->s, err, "find asset");
	*ret_id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 0;
}

int kb_ledger_asset_id(kb_ledger_writer *w, const char *name, int64_t *ret_id, kb_error *err)
{
	if (w->last_name && strcmp(w->last_name, name) == 0) {
		*ret_id = w->last_id;
		return 0;
	}
	int64_t id;
	int r = writer_flush(w, err);
	if (r == 0)
		r = lookup_asset(w, name, &id, err);
	if (r < 0)
		return r;
	char *copy = strdup(name);
	if (copy) {
		free(w->last_name);
		w->last_name = copy;
		w->last_id = id;
	}
	*ret_id = id;
	return 0;
}

int kb_ledger_put_asset(kb_ledger_writer *w, const kb_asset *a, uint32_t present, int64_t *ret_id,
                        kb_put_result *ret_result, kb_error *err)
{
	const char *name = a->field[KB_AF_NAME];
	assert(name && *name);
	struct mask_stmts *m = NULL;
	int r = writer_flush(w, err);
	if (r == 0)
		r = build_mask_stmts(w, present & KB_AF_ALL, &m, err);
	if (r < 0)
		return r;
	int64_t id;
	kb_error lookup_err;
	lookup_err.msg[0] = '\0';
	r = kb_ledger_asset_id(w, name, &id, &lookup_err);
	if (r == KB_ENOTFOUND) {
		if (!(present & KB_AF_MASK(KB_AF_CATEGORY)) || !a->field[KB_AF_CATEGORY])
			return kb_error_set(err, KB_EINVAL, NULL, 0, 0, KB_NO_OFFSET,
			                    "asset \"%.200s\" is new: expected a category "
			                    "(external, internal, saas, client)",
			                    name);
		sqlite3_stmt *st = m->insert;
		sqlite3_reset(st);
		kb_bind_text(st, 1, name);
		for (int i = 0; i < m->nfields; i++)
			kb_bind_text_or_null(st, i + 2, a->field[m->fields[i]]);
		if (sqlite3_step(st) != SQLITE_DONE) {
			r = kb_store_fail(w->s, err, "insert asset");
			sqlite3_reset(st);
			return r;
		}
		sqlite3_reset(st);
		id = sqlite3_last_insert_rowid(w->s->db);
		if (ret_result)
			*ret_result = KB_PUT_CREATED;
	} else if (r < 0) {
		if (err)
			*err = lookup_err;
		return r;
	} else {
		kb_put_result result = KB_PUT_UNCHANGED;
		if (m->update) {
			sqlite3_stmt *st = m->update;
			sqlite3_reset(st);
			sqlite3_bind_int64(st, 1, id);
			for (int i = 0; i < m->nfields; i++)
				kb_bind_text_or_null(st, i + 2, a->field[m->fields[i]]);
			if (sqlite3_step(st) != SQLITE_DONE) {
				r = kb_store_fail(w->s, err, "update asset");
				sqlite3_reset(st);
				return r;
			}
			sqlite3_reset(st);
			if (sqlite3_changes(w->s->db) > 0)
				result = KB_PUT_UPDATED; /* the UPDATE only matches when a value differs */
		}
		if (ret_result)
			*ret_result = result;
	}
	if (ret_id)
		*ret_id = id;
	return 0;
}

int kb_ledger_put_interface(kb_ledger_writer *w, int64_t asset_id, const kb_interface *i, kb_error *err)
{
	if (!i->address || !*i->address)
		return kb_error_set(err, KB_EINVAL, NULL, 0, 0, KB_NO_OFFSET,
		                    "interface: expected an address, found none");
	if (i->port < 0 || i->port > 65535)
		return kb_error_set(err, KB_EINVAL, NULL, 0, 0, KB_NO_OFFSET,
		                    "interface %s: expected a port 1-65535, found %d", i->address, i->port);
	int r = writer_flush(w, err);
	if (r < 0)
		return r;
	sqlite3_stmt *st = w->put_iface;
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, asset_id);
	kb_bind_text(st, 2, i->address);
	sqlite3_bind_int(st, 3, i->port);
	kb_bind_text(st, 4, i->protocol);
	kb_bind_text(st, 5, kb_role_name(i->role));
	kb_exposure e = i->exposure_given ? i->exposure : kb_net_classify(i->address);
	kb_bind_text(st, 6, kb_exposure_name(e));
	sqlite3_bind_int(st, 7, i->exposure_given ? 1 : 0);
	if (sqlite3_step(st) != SQLITE_DONE)
		r = kb_store_fail(w->s, err, "write interface");
	sqlite3_reset(st);
	return r;
}

/* ---- the component pipeline ------------------------------------------- */

static const char *qstr(const struct batch *b, const struct qrec *q, int i)
{
	return q->off[i] == UINT32_MAX ? NULL : b->arena.data + q->off[i];
}

/* The asset id of a queued record; runs on the writer thread. */
static int resolve_id(kb_ledger_writer *w, const struct batch *b, const struct qrec *q, int64_t *ret, kb_error *err)
{
	if (q->asset_id) {
		*ret = q->asset_id;
		return 0;
	}
	const char *name = qstr(b, q, Q_ASSET);
	if (w->t_last_name && strcmp(w->t_last_name, name) == 0) {
		*ret = w->t_last_id;
		return 0;
	}
	int r = lookup_asset(w, name, ret, err);
	if (r < 0)
		return r;
	free(w->t_last_name);
	w->t_last_name = strdup(name);
	w->t_last_id = *ret;
	return 0;
}

static void bind_rec(sqlite3_stmt *st, int base, int64_t id, const struct batch *b, const struct qrec *q)
{
	sqlite3_bind_int64(st, base + 1, id);
	kb_bind_text(st, base + 2, kb_source_name(q->source));
	kb_bind_text(st, base + 3, qstr(b, q, Q_ECO));
	kb_bind_text(st, base + 4, qstr(b, q, Q_NAME));
	kb_bind_text(st, base + 5, qstr(b, q, Q_VERSION));
	kb_bind_text(st, base + 6, qstr(b, q, Q_EVIDENCE));
	kb_bind_text_or_null(st, base + 7, qstr(b, q, Q_PURL));
	kb_bind_text_or_null(st, base + 8, qstr(b, q, Q_CPE));
	kb_bind_text(st, base + 9, qstr(b, q, Q_ORIGIN));
}

/* Write one record; runs on the writer thread. */
static int write_rec(kb_ledger_writer *w, const struct batch *b, const struct qrec *q, kb_error *err)
{
	int64_t id;
	int r = resolve_id(w, b, q, &id, err);
	if (r < 0)
		return r;
	sqlite3_stmt *st = w->put_comp;
	bind_rec(st, 0, id, b, q);
	if (sqlite3_step(st) != SQLITE_DONE)
		r = kb_store_fail(w->s, err, "write component");
	sqlite3_reset(st);
	return r;
}

/* Write KB_WRITE_ROWS records with one statement. On any failure nothing of
 * the group is written (a statement is atomic) and the caller redoes it row
 * by row, which names the failing record. */
static int write_group(kb_ledger_writer *w, const struct batch *b, const struct qrec *q)
{
	if (!w->put_comp_multi) {
		kb_buf sql;
		kb_buf_init(&sql, 65536);
		kb_buf_puts(&sql, comp_insert);
		for (int i = 0; i < KB_WRITE_ROWS; i++)
			kb_buf_puts(&sql, i ? ",(?,?,?,?,?,?,?,?,?)" : "(?,?,?,?,?,?,?,?,?)");
		kb_buf_puts(&sql, comp_upsert);
		int rc = sqlite3_prepare_v3(w->s->db, kb_buf_str(&sql), -1, SQLITE_PREPARE_PERSISTENT,
		                            &w->put_comp_multi, NULL);
		kb_buf_free(&sql);
		if (rc != SQLITE_OK)
			return KB_ESTORE;
	}
	sqlite3_stmt *st = w->put_comp_multi;
	for (int i = 0; i < KB_WRITE_ROWS; i++) {
		int64_t id;
		if (resolve_id(w, b, &q[i], &id, NULL) < 0) {
			sqlite3_reset(st);
			return KB_ENOTFOUND;
		}
		bind_rec(st, 9 * i, id, b, &q[i]);
	}
	int r = sqlite3_step(st) == SQLITE_DONE ? 0 : KB_ESTORE;
	sqlite3_reset(st);
	return r;
}

static void *writer_thread(void *arg)
{
	kb_ledger_writer *w = arg;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->pending && !w->quit)
			pthread_cond_wait(&w->cv_work, &w->mu);
		if (!w->pending && w->quit)
			break;
		struct batch *b = w->b[w->tail];
		bool failed = w->failed;
		pthread_mutex_unlock(&w->mu);
		kb_error e;
		int r = 0;
		size_t i = 0;
		while (!failed && i < b->n && r == 0) {
			if (b->n - i >= KB_WRITE_ROWS && write_group(w, b, &b->rec[i]) == 0) {
				i += KB_WRITE_ROWS;
				continue;
			}
			size_t end = i + KB_WRITE_ROWS < b->n ? i + KB_WRITE_ROWS : b->n;
			for (; i < end && r == 0; i++)
				r = write_rec(w, b, &b->rec[i], &e);
		}
		pthread_mutex_lock(&w->mu);
		if (r < 0 && !w->failed) {
			e.line = b->rec[i - 1].line;
			e.column = b->rec[i - 1].column;
			e.file[0] = '\0';
			w->async_err = e;
			w->failed = true;
		}
		b->n = 0;
		kb_buf_reset(&b->arena);
		w->tail = (w->tail + 1) % KB_WRITE_BATCHES;
		w->pending--;
		pthread_cond_broadcast(&w->cv_done);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

static int async_error(kb_ledger_writer *w, kb_error *err)
{
	if (err)
		*err = w->async_err;
	return w->async_err.code ? w->async_err.code : KB_ESTORE;
}

/* Hand the batch being filled to the writer thread; wait for a free one. */
static int submit(kb_ledger_writer *w, kb_error *err)
{
	struct batch *b = w->b[w->fill];
	if (!b->n)
		return 0;
	if (!w->started) {
		if (pthread_create(&w->thread, NULL, writer_thread, w) != 0)
			return kb_error_set(err, KB_ENOMEM, NULL, 0, 0, KB_NO_OFFSET, "cannot start the writer thread");
		w->started = true;
	}
	pthread_mutex_lock(&w->mu);
	w->pending++;
	pthread_cond_signal(&w->cv_work);
	while (w->pending == KB_WRITE_BATCHES)
		pthread_cond_wait(&w->cv_done, &w->mu);
	w->fill = (w->fill + 1) % KB_WRITE_BATCHES;
	bool failed = w->failed;
	pthread_mutex_unlock(&w->mu);
	return failed ? async_error(w, err) : 0;
}

/* Wait until every queued component is written; the first failure, if any. */
static int writer_flush(kb_ledger_writer *w, kb_error *err)
{
	int r = submit(w, err);
	if (r < 0)
		return r;
	if (!w->started)
		return 0;
	pthread_mutex_lock(&w->mu);
	while (w->pending)
		pthread_cond_wait(&w->cv_done, &w->mu);
	bool failed = w->failed;
	pthread_mutex_unlock(&w->mu);
	return failed ? async_error(w, err) : 0;
}

int kb_ledger_writer_flush(kb_ledger_writer *w, kb_error *err)
{
	return writer_flush(w, err);
}

static int arena_put(struct batch *b, const char *s, uint32_t *off)
{
	if (!s) {
		*off = UINT32_MAX;
		return 0;
	}
	*off = (uint32_t)b->arena.len;
	return kb_buf_append(&b->arena, s, strlen(s) + 1);
}

int kb_ledger_put_component_at(kb_ledger_writer *w, int64_t asset_id, const kb_component *c, uint64_t line,
                               uint64_t column, kb_error *err)
{
	if (w->failed) {
		pthread_mutex_lock(&w->mu);
		pthread_mutex_unlock(&w->mu);
		return async_error(w, err);
	}
	const char *ecosystem = c->ecosystem ? c->ecosystem : "";
	const char *name = c->name ? c->name : "";
	const char *version = c->version ? c->version : "";
	char *canon = NULL, *pkgname = NULL;
	kb_purl *p = NULL;
	int r = 0;
	if (!asset_id && (!c->asset || !*c->asset))
		return kb_error_set(err, KB_EINVAL, NULL, line, column, KB_NO_OFFSET,
		                    "component: expected the asset it belongs to");
	if (c->purl && *c->purl) {
		kb_error perr; /* filled on failure only: clearing 1.6 KiB per row shows in profiles */
		perr.msg[0] = '\0';
		r = kb_purl_parse(c->purl, strlen(c->purl), &p, &perr);
		if (r < 0)
			return kb_error_set(err, r, NULL, line, column, KB_NO_OFFSET, "purl \"%.200s\": %s", c->purl,
			                    perr.msg[0] ? perr.msg : kb_strerror(r));
		r = kb_purl_format(p, &canon);
		if (r == 0 && !*name)
			r = kb_purl_package_name(p, &pkgname);
		if (r < 0)
			goto out;
		if (!*ecosystem)
			ecosystem = kb_purl_ecosystem(p);
		if (!*name)
			name = pkgname;
		if (!*version && p->version)
			version = p->version;
	}
	if (!*name) {
		r = kb_error_set(err, KB_EINVAL, NULL, line, column, KB_NO_OFFSET,
		                 "component: expected a name (or a purl), found none");
		goto out;
	}
	size_t bytes = strlen(ecosystem) + strlen(name) + strlen(version) + (canon ? strlen(canon) : 0) +
	               (c->cpe ? strlen(c->cpe) : 0) + (c->evidence ? strlen(c->evidence) : 0) +
	               (c->origin ? strlen(c->origin) : 0) + (asset_id || !c->asset ? 0 : strlen(c->asset));
	if (bytes > KB_LEDGER_MAX_COMPONENT_BYTES) {
		r = kb_error_set(err, KB_ELIMIT, NULL, line, column, KB_NO_OFFSET,
		                 "component: its fields hold %zu bytes, more than the limit of %u", bytes,
		                 (unsigned)KB_LEDGER_MAX_COMPONENT_BYTES);
		goto out;
	}
	struct batch *b = w->b[w->fill];
	if (b->n == KB_WRITE_BATCH || b->arena.len > KB_WRITE_ARENA / 2) {
		r = submit(w, err);
		if (r < 0)
			goto out;
		b = w->b[w->fill];
	}
	struct qrec *q = &b->rec[b->n];
	q->asset_id = asset_id;
	q->source = c->source;
	q->line = line;
	q->column = column;
	size_t mark = b->arena.len;
	r = arena_put(b, asset_id ? NULL : c->asset, &q->off[Q_ASSET]);
	if (r == 0)
		r = arena_put(b, ecosystem, &q->off[Q_ECO]);
	if (r == 0)
		r = arena_put(b, name, &q->off[Q_NAME]);
	if (r == 0)
		r = arena_put(b, version, &q->off[Q_VERSION]);
	if (r == 0)
		r = arena_put(b, c->evidence ? c->evidence : "", &q->off[Q_EVIDENCE]);
	if (r == 0)
		r = arena_put(b, canon, &q->off[Q_PURL]);
	if (r == 0)
		r = arena_put(b, c->cpe && *c->cpe ? c->cpe : NULL, &q->off[Q_CPE]);
	if (r == 0)
		r = arena_put(b, c->origin ? c->origin : "", &q->off[Q_ORIGIN]);
	if (r < 0) {
		b->arena.len = mark;
		assert(r != KB_ELIMIT); /* see the _Static_assert on KB_WRITE_ARENA */
		r = kb_error_set(err, r, NULL, line, column, KB_NO_OFFSET, "out of memory");
		goto out;
	}
	b->n++;
out:
	free(canon);
	free(pkgname);
	kb_purl_free(p);
	return r;
}


int kb_ledger_clear_interfaces(kb_ledger_writer *w, int64_t asset_id, kb_error *err)
{
	int fr = writer_flush(w, err);
	if (fr < 0)
		return fr;
	sqlite3_stmt *st = w->clear_ifaces;
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, asset_id);
	int r = sqlite3_step(st) == SQLITE_DONE ? 0 : kb_store_fail(w->s, err, "clear interfaces");
	sqlite3_reset(st);
	return r;
}

int kb_ledger_clear_components(kb_ledger_writer *w, int64_t asset_id, int source, const char *origin,
                               kb_error *err)
{
	int fr = writer_flush(w, err);
	if (fr < 0)
		return fr;
	sqlite3_stmt *st = w->clear_comps;
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, asset_id);
	if (source >= 0)
		kb_bind_text(st, 2, kb_source_name((kb_source)source));
	else
		sqlite3_bind_null(st, 2);
	if (origin)
		kb_bind_text(st, 3, origin);
	else
		sqlite3_bind_null(st, 3);
	int r = sqlite3_step(st) == SQLITE_DONE ? 0 : kb_store_fail(w->s, err, "clear components");
	sqlite3_reset(st);
	return r;
}

static int set_one(kb_store *s, const char *asset, const char *field, const char *value, kb_error *err)
{
	kb_asset_field f;
	if (kb_asset_field_lookup(field, &f) < 0) {
		kb_buf names;
		kb_buf_init(&names, 1024);
		for (int i = 0; i < KB_AF__COUNT; i++)
			kb_buf_printf(&names, "%s%s", i ? ", " : "", kb_asset_field_name((kb_asset_field)i));
		int r = kb_error_set(err, KB_EINVAL, NULL, 0, 0, KB_NO_OFFSET,
		                     "unknown field \"%.64s\": expected one of %s", field, kb_buf_str(&names));
		kb_buf_free(&names);
		return r;
	}
	char *norm = NULL;
	int r = kb_asset_value_normalize(f, value, &norm, err);
	if (r < 0)
		return r;
	char sql[160];
	snprintf(sql, sizeof sql,
	         "UPDATE asset SET %s = ?1, updated = strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ','now') WHERE name = ?2",
	         kb_asset_field_name(f));
	sqlite3_stmt *st = NULL;
	r = kb_store_prepare(s, sql, &st, err);
	if (r == 0) {
		kb_bind_text_or_null(st, 1, norm);
		kb_bind_text(st, 2, asset);
		int rc = sqlite3_step(st);
		if (rc == SQLITE_CONSTRAINT_UNIQUE)
			r = kb_error_set(err, KB_EEXIST, NULL, 0, 0, KB_NO_OFFSET,
			                 "an asset named \"%.200s\" already exists", norm);
		else if (rc != SQLITE_DONE)
			r = kb_store_fail(s, err, "update asset");
		else if (sqlite3_changes(s->db) == 0)
			r = kb_error_set(err, KB_ENOTFOUND, NULL, 0, 0, KB_NO_OFFSET,
			                 "no asset named \"%.200s\" in the ledger", asset);
	}
	sqlite3_finalize(st);
	free(norm);
	return r;
}

int kb_ledger_set(kb_store *s, const char *asset, size_t n, const char *const fields[],
                  const char *const values[], kb_error *err)
{
	int r = kb_store_begin(s, err);
	if (r < 0)
		return r;
	/* A rename changes the name later fields must find the asset by. */
	const char *current = asset;
	char *renamed = NULL;
	for (size_t i = 0; i < n && r == 0; i++) {
		r = set_one(s, current, fields[i], values[i], err);
		kb_asset_field f;
		if (r == 0 && kb_asset_field_lookup(fields[i], &f) == 0 && f == KB_AF_NAME) {
			char *norm = NULL;
			kb_asset_value_normalize(f, values[i], &norm, NULL);
			free(renamed);
			renamed = norm;
			current = renamed;
		}
	}
	if (r == 0)
		r = kb_store_commit(s, err);
	else
		kb_store_rollback(s);
	free(renamed);
	return r;
}

int kb_ledger_delete(kb_store *s, const char *asset, kb_error *err)
{
	sqlite3_stmt *st = NULL;
	int r = kb_store_begin(s, err);
	if (r == 0)
		r = kb_store_prepare(s, "DELETE FROM asset WHERE name = ?1", &st, err);
	if (r == 0) {
		kb_bind_text(st, 1, asset);
		if (sqlite3_step(st) != SQLITE_DONE)
			r = kb_store_fail(s, err, "delete asset");
		else if (sqlite3_changes(s->db) == 0)
			r = kb_error_set(err, KB_ENOTFOUND, NULL, 0, 0, KB_NO_OFFSET,
			                 "no asset named \"%.200s\" in the ledger", asset);
	}
	sqlite3_finalize(st);
	if (r == 0)
		r = kb_store_commit(s, err);
	else
		kb_store_rollback(s);
	return r;
}
