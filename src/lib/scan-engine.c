/*
 * scan-engine.c - `koban scan` below the command: the walker's files opened
 * as archives, each archive level identified (javaid), nested archives
 * entered, results handed on; and a scan's components written to the ledger.
 *
 * One top-level file is one unit of work on a walker thread: it gets its own
 * inflation budget (KB_ZIP_MAX_INFLATED_TOTAL for it and everything nested in
 * it), and its archives are opened one level at a time, depth first, each
 * freed before its parent (a stored nested archive is a slice of its parent's
 * bytes, so memory is the open chain's inflated levels, not the tree's).
 * Every failure below the top - a nested archive that does not open, an
 * identification that stops at a limit, a central directory that breaks
 * half-way - becomes a BROKEN result naming the chain and the byte offset,
 * and the walk of the level above goes on.
 */
#include "koban/scan.h"
#include "koban/purl.h"
#include "store-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

/* Files at least this large give their mapped pages back as the scan goes
 * (each madvise costs a TLB shootdown on every core: not worth it for the
 * megabyte jars that are most files). */
#define KB_SCAN_RELEASE_BYTES (16u << 20)

struct engine {
	const kb_scanner_opts *o;
	kb_scan_result_cb cb;
	void *ctx;
	kb_scan *scan;
};

/* What a worker needs while it walks one file: the file, its root (as a
 * string of its own) and where results go. */
struct walk {
	struct engine *en;
	const kb_scan_file *f;
	void *map;          /* the file's mapping, when the walker mapped it */
	size_t map_len;
	char root[KB_SCAN_MAX_PATH];
};

/* Give back the pages of the file's mapping: opening an archive checks every
 * local header, which touches all of it, and a stored nested archive is read
 * in place. The pages stay in the page cache and come back on the next
 * touch; what the process holds stays the size of the level at hand, not of
 * the file (peak RSS under 64 MB however large an archive is). */
static void release(struct walk *w)
{
	if (w->map && w->map_len >= KB_SCAN_RELEASE_BYTES)
		madvise(w->map, w->map_len, MADV_DONTNEED);
}

static const char *const archive_ext[] = { ".jar", ".war", ".ear", ".zip", ".hpi", ".jpi", ".aar",
	                                   ".nar", ".sar", ".rar", ".par", ".kar", ".apk", ".jmod" };

static bool archive_name(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof archive_ext / sizeof archive_ext[0]; i++) {
		size_t n = strlen(archive_ext[i]);
		if (len > n && strcasecmp(name + len - n, archive_ext[i]) == 0)
			return true;
	}
	return false;
}

/* Is this entry an archive to go into? By name, or, stored, by its bytes. */
static bool nested(kb_zip *z, const kb_zip_entry *e)
{
	if (e->is_dir || e->status != KB_ZIP_ENTRY_OK || e->uncompressed_size < 22)
		return false;
	if (archive_name(e->name, e->name_len))
		return true;
	if (e->method != 0)
		return false; /* finding out would mean inflating every entry */
	kb_zip_data d = { 0 };
	kb_error err;
	bool zip = kb_zip_read(z, e, &d, &err) == 0 && d.size >= 4 && memcmp(d.bytes, "PK\3\4", 4) == 0;
	kb_zip_data_clear(&d);
	return zip;
}

static void emit(struct walk *w, const kb_scan_result *r)
{
	kb_scan_emit(w->en->scan, w->f, r);
}

static void broken(struct walk *w, const char *chain, const kb_error *err)
{
	kb_error e = *err;
	if (!e.file[0])
		snprintf(e.file, sizeof e.file, "%s", chain);
	kb_scan_result r = { .kind = KB_SCAN_RESULT_BROKEN, .root = w->root, .chain = chain, .error = &e };
	emit(w, &r);
}

struct idctx {
	struct walk *w;
	const char *chain;
};

static int on_id(void *ctx, const kb_javaid_finding *id)
{
	struct idctx *ic = ctx;
	kb_scan_result r = { .kind = KB_SCAN_RESULT_LIBRARY, .root = ic->w->root, .chain = ic->chain,
		             .inner = id->path ? id->path : "", .id = id };
	emit(ic->w, &r);
	kb_scan_add_findings(ic->w->en->scan, 1);
	return 0;
}

static void walk_archive(struct walk *w, kb_zip *z)
{
	const char *chain = kb_zip_name(z);
	kb_javaid_opts jo = { .hashes = w->en->o->hashes };
	struct idctx ic = { w, chain };
	kb_error err;
	kb_error_clear(&err);
	if (kb_javaid_archive_opts(z, &jo, on_id, &ic, &err) < 0)
		broken(w, chain, &err);
	release(w);
	kb_zip_rewind(z);
	kb_zip_entry e;
	int r;
	kb_error_clear(&err);
	while ((r = kb_zip_next(z, &e, &err)) == 1) {
		if (!nested(z, &e))
			continue;
		kb_zip *child = NULL;
		kb_error cerr;
		kb_error_clear(&cerr);
		if (kb_zip_open_entry(z, &e, &child, &cerr) < 0) {
			size_t n = strlen(chain) + e.name_len + 3;
			char *sub = malloc(n);
			if (sub)
				snprintf(sub, n, "%s!/%s", chain, e.name);
			broken(w, sub ? sub : chain, &cerr);
			free(sub);
			continue;
		}
		kb_scan_add_archives(w->en->scan, 1);
		release(w); /* opening it read all its headers */
		walk_archive(w, child);
		kb_zip_free(child);
		release(w);
		kb_error_clear(&err);
	}
	if (r < 0)
		broken(w, chain, &err);
}

static int on_file(kb_scan *scan, void *ctx, const kb_scan_file *f, kb_error *err)
{
	(void)err;
	struct engine *en = ctx;
	if (f->kind != KB_SCAN_ZIP || !f->data)
		return 0;
	struct walk w = { .en = en, .f = f };
	size_t rl = f->root_len < sizeof w.root ? f->root_len : sizeof w.root - 1;
	memcpy(w.root, f->path, rl);
	w.root[rl] = '\0';
	kb_zip_budget budget;
	kb_zip_budget_init(&budget, KB_ZIP_MAX_INFLATED_TOTAL);
	kb_zip *z = NULL;
	kb_error zerr;
	kb_error_clear(&zerr);
	(void)scan;
	/* files past KB_SCAN_SMALL_FILE are a read-only mapping from its start */
	long page = sysconf(_SC_PAGESIZE);
	if (f->size > KB_SCAN_SMALL_FILE && page > 0 && (uintptr_t)f->data % (uintptr_t)page == 0) {
		w.map = (void *)(uintptr_t)f->data;
		w.map_len = f->size;
	}
	if (kb_zip_open_buffer(f->data, f->size, f->path, &budget, &z, &zerr) < 0) {
		broken(&w, f->path, &zerr);
		return 0;
	}
	release(&w);
	walk_archive(&w, z);
	kb_zip_free(z);
	return 0;
}

static void on_result(void *userdata, const kb_scan_file *f, const void *result)
{
	(void)f;
	struct engine *en = userdata;
	en->cb(en->ctx, result);
}

static void on_java(void *userdata, const kb_scan_java *j)
{
	struct engine *en = userdata;
	kb_scan_result r = { .kind = KB_SCAN_RESULT_JAVA, .root = "", .chain = j->home, .inner = "", .java = j };
	en->cb(en->ctx, &r);
}

static void on_error(void *userdata, const kb_error *err)
{
	struct engine *en = userdata;
	if (en->o->error)
		en->o->error(en->ctx, err);
}

static void on_progress(void *userdata, const kb_scan_counters *c)
{
	struct engine *en = userdata;
	if (en->o->progress)
		en->o->progress(en->ctx, c);
}

int kb_scanner_run(const char *const *roots, size_t n_roots, const kb_scanner_opts *opts, kb_scan_result_cb cb,
                   void *ctx, kb_scan_counters *ret_counters, kb_error *err)
{
	kb_scanner_opts none = { 0 };
	struct engine en = { .o = opts ? opts : &none, .cb = cb, .ctx = ctx };
	kb_scan_callbacks cbs = {
		.file = on_file,
		.result = on_result,
		.java = on_java,
		.error = on_error,
		.progress = on_progress,
	};
	int r = kb_scan_new(&en.o->walk, &cbs, &en, &en.scan, err);
	if (r < 0)
		return r;
	r = kb_scan_run(en.scan, roots, n_roots, err);
	if (ret_counters)
		kb_scan_get_counters(en.scan, ret_counters);
	kb_scan_free(en.scan);
	return r;
}

bool kb_scan_result_component(const kb_scan_result *r, kb_component *ret, char **ret_mem)
{
	if (r->kind != KB_SCAN_RESULT_LIBRARY || !r->id->group || !r->id->artifact || !r->id->version ||
	    !*r->id->group || !*r->id->artifact)
		return false;
	const kb_javaid_finding *id = r->id;
	kb_purl *p = NULL;
	char *purl = NULL;
	if (kb_purl_build("maven", id->group, id->artifact, id->version, NULL, 0, NULL, &p, NULL) < 0 ||
	    kb_purl_format(p, &purl) < 0) {
		kb_purl_free(p);
		return false;
	}
	kb_purl_free(p);
	const char *inner = r->inner && *r->inner ? r->inner : NULL;
	size_t pl = strlen(purl) + 1, nl = strlen(id->group) + strlen(id->artifact) + 2;
	size_t el = strlen(r->chain) + (inner ? strlen(inner) + 2 : 0) + 1;
	size_t vl = strlen(id->version) + 1, ol = strlen(r->root) + 1;
	char *mem = malloc(pl + nl + el + vl + ol);
	if (!mem) {
		free(purl);
		return false;
	}
	char *name = mem + pl, *evidence = name + nl, *version = evidence + el, *origin = version + vl;
	memcpy(mem, purl, pl);
	free(purl);
	snprintf(name, nl, "%s:%s", id->group, id->artifact);
	if (inner)
		snprintf(evidence, el, "%s!/%s", r->chain, inner);
	else
		memcpy(evidence, r->chain, el);
	memcpy(version, id->version, vl);
	memcpy(origin, r->root, ol);
	*ret = (kb_component){
		.ecosystem = "Maven",
		.name = name,
		.version = version,
		.purl = mem,
		.source = KB_SOURCE_SCAN,
		.evidence = evidence,
		.origin = origin,
	};
	*ret_mem = mem;
	return true;
}

int kb_scan_store(kb_store *s, const char *asset, const char *const *roots, size_t n_roots,
                  const kb_component *comps, size_t n, kb_error *err)
{
	kb_ledger_writer *w = NULL;
	int r = kb_store_begin(s, err);
	if (r < 0)
		return r;
	r = kb_ledger_writer_new(s, &w, err);
	int64_t id = 0;
	if (r == 0 && (r = kb_ledger_asset_id(w, asset, &id, err)) == KB_ENOTFOUND)
		r = kb_error_set(err, KB_ENOTFOUND, NULL, 0, 0, KB_NO_OFFSET,
		                 "no asset \"%s\" in the ledger: add it first (koban ledger import)", asset);
	for (size_t i = 0; r == 0 && i < n_roots; i++)
		r = kb_ledger_clear_components(w, id, KB_SOURCE_SCAN, roots[i], err);
	for (size_t i = 0; r == 0 && i < n; i++)
		r = kb_ledger_put_component_at(w, id, &comps[i], 0, 0, err);
	if (r == 0)
		r = kb_ledger_writer_flush(w, err);
	kb_ledger_writer_free(w);
	if (r == 0)
		r = kb_store_commit(s, err);
	else
		kb_store_rollback(s);
	return r;
}
