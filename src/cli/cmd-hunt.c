/*
 * cmd-hunt.c - `koban hunt PATH...|-`: were we exploited? Every line of
 * every file (plain, gzip, zstd, bzip2, xz, by magic; directories walked by
 * the scan walker on its two threads, every regular file; "-" is standard
 * input) through the Log4Shell detector and, when the store holds IOCs,
 * through the IOC sets by token. One row per hit: file, line, byte offset,
 * time, the host the log came from and its ledger asset, the source
 * address, what matched, the class, the decoded payload or the IOC; then a
 * summary by source address and by file. Exit 1 on hits.
 *
 * With a store, the hits are kept (kb_hunt_hits_put) and the callback hosts
 * of attempts become IOCs of source "koban hunt" (kb_iocs_put), all in one
 * transaction after the hunt. The host of a hit is, in order: the line's
 * own host field (syslog HOSTNAME, JSON host, W3C s-computername), its
 * server address (W3C s-ip, JSON server address), a directory or file name
 * of its path that names a ledger asset ("logs/portal-web-01/access.log"),
 * or --asset; the asset is what the ledger says that host is (--asset wins).
 */
#include "cli.h"
#include "exposure-cli.h"
#include "koban/hunt.h"
#include "koban/huntfields.h"
#include "koban/huntio.h"
#include "koban/ioc.h"
#include "koban/log4shell.h"
#include "koban/scanwalk.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define HUNT_RELEASE_BYTES (16u << 20) /* read past this much more, give the pages behind back */
#define HUNT_SELF_SOURCE "koban hunt"  /* source of the IOCs the hunt itself finds */

static const char usage_hunt[] =
	"koban hunt [--asset NAME] [--no-iocs] [--no-store] [--emit-iocs FILE] [--exclude GLOB]... [--xdev] PATH...|-\n"
	"       koban hunt --stored [--asset NAME] [--class CLASS]";

enum { C_FILE, C_LINE, C_OFFSET, C_TIME, C_HOST, C_ASSET, C_SOURCE, C_KIND, C_CLASS, C_WHAT, C_DETAIL, NCOLS };

struct hit_row {
	char *cells[NCOLS];
	unsigned long long line;
	int64_t epoch, asset_id;
	bool has_epoch;
};

struct callback {
	kb_ioc_type type;   /* domain, ipv4 or ipv6 */
	char *value;
	char *label;
	char *first, *last; /* ISO 8601 date-times of the lines, or NULL */
};

struct hunt {
	cli *c;
	const cli_hunt_opts *o;
	struct hit_row *rows;
	size_t n, cap;
	struct callback *cbs; /* callback hosts to keep as IOCs (o->store only) */
	size_t ncb, capcb;
	bool oom;
	unsigned errors;
	pthread_mutex_t lock; /* rows, callbacks, emit: the walker's two workers share them */
};

/* What a hit's line says beyond the hit: parsed once per line, and only for
 * lines with a hit. */
struct lineinfo {
	char time[64], source[128], host[256], asset[256];
	int64_t epoch, asset_id;
	bool has_epoch;
};

struct worker {
	struct hunt *h;
	kb_l4s *l4s;
	void *map;        /* the file's mapping (walker files past KB_SCAN_SMALL_FILE), or NULL */
	size_t map_len;
	kb_hunt_fields_state *fields; /* of the file being read */
	kb_hunt_fields f;             /* the current line's, when has_fields */
	bool has_fields, parsed;
	bool path_done;               /* path_host/path_asset computed for the current file */
	char path_host[256];
	const char *path_asset;
	int64_t path_asset_id;
};

static char *dupn(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

static void add(struct hunt *h, const char *file, const kb_hunt_line *ln, size_t off, const struct lineinfo *li,
                const char *kind, const char *cls, const char *what, const char *detail)
{
	pthread_mutex_lock(&h->lock);
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 64;
		struct hit_row *p = realloc(h->rows, cap * sizeof *p);
		if (!p) {
			h->oom = true;
			pthread_mutex_unlock(&h->lock);
			return;
		}
		h->rows = p;
		h->cap = cap;
	}
	char line[24], offset[24];
	snprintf(line, sizeof line, "%llu", (unsigned long long)ln->lineno);
	snprintf(offset, sizeof offset, "%llu", (unsigned long long)(ln->offset + off));
	const char *v[NCOLS] = { file, line, offset, li->time, li->host, li->asset, li->source, kind, cls, what, detail };
	struct hit_row *r = &h->rows[h->n++];
	for (int i = 0; i < NCOLS; i++)
		if (!(r->cells[i] = strdup(v[i] ? v[i] : "")))
			h->oom = true;
	r->line = ln->lineno;
	r->epoch = li->epoch;
	r->has_epoch = li->has_epoch;
	r->asset_id = li->asset_id;
	pthread_mutex_unlock(&h->lock);
}

/* The client address of an access-log line: its first token, when that is
 * an IPv4 or IPv6 address. */
static void source_of(const kb_hunt_line *ln, char *out, size_t size)
{
	size_t n = 0;
	while (n < ln->len && n < 64 && ln->data[n] != ' ' && ln->data[n] != '\t')
		n++;
	char tok[65];
	memcpy(tok, ln->data, n);
	tok[n] = '\0';
	unsigned char buf[16];
	if (n && (inet_pton(AF_INET, tok, buf) == 1 || inet_pton(AF_INET6, tok, buf) == 1))
		snprintf(out, size, "%s", tok);
	else
		out[0] = '\0';
}

/* The asset a component of the file's path names: directories from the
 * deepest up, then the file name without its extensions, longest first. */
static void path_asset(struct worker *w, const char *file)
{
	w->path_done = true;
	w->path_host[0] = '\0';
	w->path_asset = NULL;
	w->path_asset_id = 0;
	const kb_asset_resolver *r = w->h->o->assets;
	if (!r)
		return;
	const char *base = strrchr(file, '/');
	base = base ? base + 1 : file;
	/* directories, deepest first */
	const char *end = base > file ? base - 1 : NULL;
	while (end && end > file) {
		const char *start = end;
		while (start > file && start[-1] != '/')
			start--;
		size_t n = (size_t)(end - start);
		const char *name = NULL;
		int64_t id = n ? kb_asset_resolve(r, start, n, &name) : 0;
		if (id > 0) {
			snprintf(w->path_host, sizeof w->path_host, "%.*s", (int)n, start);
			w->path_asset = name;
			w->path_asset_id = id;
			return;
		}
		end = start > file ? start - 1 : NULL;
	}
	/* the file name: "portal-web-01.acme.example.log.1.gz", cut at each dot from the right */
	size_t n = strlen(base);
	while (n) {
		const char *name = NULL;
		int64_t id = kb_asset_resolve(r, base, n, &name);
		if (id > 0) {
			snprintf(w->path_host, sizeof w->path_host, "%.*s", (int)n, base);
			w->path_asset = name;
			w->path_asset_id = id;
			return;
		}
		const char *dot = NULL;
		for (size_t i = n; i-- > 0;)
			if (base[i] == '.') {
				dot = base + i;
				break;
			}
		n = dot ? (size_t)(dot - base) : 0;
	}
}

/* The line's fields (time, client, host), parsed once and only for lines
 * with a hit (the per-file state has seen the W3C #Fields lines: hunt_line
 * feeds every '#' line to it), and the asset the hit belongs to. */
static void line_info(struct worker *w, const char *file, const kb_hunt_line *ln, struct lineinfo *li)
{
	memset(li, 0, sizeof *li);
	if (!w->parsed) {
		w->parsed = true;
		w->has_fields = w->fields && kb_hunt_fields_parse(w->fields, ln->data, ln->len, &w->f) == 1;
	}
	const kb_hunt_fields *f = w->has_fields ? &w->f : NULL;
	if (f && f->time.p)
		snprintf(li->time, sizeof li->time, "%.*s", (int)f->time.len, f->time.p);
	if (f && f->has_epoch) {
		li->epoch = f->epoch;
		li->has_epoch = true;
	}
	if (f && f->client.p)
		snprintf(li->source, sizeof li->source, "%.*s", (int)f->client.len, f->client.p);
	else
		source_of(ln, li->source, sizeof li->source);

	const cli_hunt_opts *o = w->h->o;
	const char *name = NULL;
	int64_t id = 0;
	const kb_hunt_str *cand[2] = { f && f->host.p ? &f->host : NULL, f && f->server.p ? &f->server : NULL };
	for (int i = 0; i < 2; i++) {
		if (!cand[i])
			continue;
		if (!li->host[0])
			snprintf(li->host, sizeof li->host, "%.*s", (int)cand[i]->len, cand[i]->p);
		if (!id && o->assets && (id = kb_asset_resolve(o->assets, cand[i]->p, cand[i]->len, &name)) > 0)
			snprintf(li->host, sizeof li->host, "%.*s", (int)cand[i]->len, cand[i]->p);
	}
	if (!id) {
		if (!w->path_done)
			path_asset(w, file);
		if (w->path_asset_id > 0) {
			id = w->path_asset_id;
			name = w->path_asset;
			if (!li->host[0])
				snprintf(li->host, sizeof li->host, "%s", w->path_host);
		}
	}
	if (o->asset_id > 0) {
		id = o->asset_id;
		name = o->asset;
		if (!li->host[0])
			snprintf(li->host, sizeof li->host, "%s", o->asset);
	}
	if (id > 0) {
		li->asset_id = id;
		snprintf(li->asset, sizeof li->asset, "%s", name);
	}
}

/* A callback host to keep as an IOC, once per value. */
static void keep_callback(struct hunt *h, const char *file, const kb_hunt_line *ln, const struct lineinfo *li,
                          const kb_l4s_hit *hit)
{
	kb_ioc_type t;
	char v[KB_IOC_MAX_VALUE_BYTES + 1];
	if (kb_ioc_detect(hit->domain, strlen(hit->domain), &t, v, sizeof v) < 0 ||
	    (t != KB_IOC_DOMAIN && t != KB_IOC_IPV4 && t != KB_IOC_IPV6))
		return;
	char seen[32] = "";
	if (li->has_epoch && li->epoch > -(INT64_C(1) << 40) && li->epoch < (INT64_C(1) << 40)) /* no overflow in us */
		cli_iso_time(li->epoch * 1000000, seen, sizeof seen);
	char label[1200];
	snprintf(label, sizeof label, "Log4Shell callback (%s) in %s:%llu", kb_l4s_class_name(hit->cls), file,
	         (unsigned long long)ln->lineno);
	pthread_mutex_lock(&h->lock);
	for (size_t i = 0; i < h->ncb; i++)
		if (strcmp(h->cbs[i].value, v) == 0) {
			/* the same host again: widen the dates */
			struct callback *cb = &h->cbs[i];
			if (*seen && (!cb->first || strcmp(seen, cb->first) < 0)) {
				free(cb->first);
				cb->first = strdup(seen);
			}
			if (*seen && (!cb->last || strcmp(seen, cb->last) > 0)) {
				free(cb->last);
				cb->last = strdup(seen);
			}
			pthread_mutex_unlock(&h->lock);
			return;
		}
	if (h->ncb == h->capcb) {
		size_t cap = h->capcb ? h->capcb * 2 : 16;
		struct callback *p = realloc(h->cbs, cap * sizeof *p);
		if (!p) {
			h->oom = true;
			pthread_mutex_unlock(&h->lock);
			return;
		}
		h->cbs = p;
		h->capcb = cap;
	}
	struct callback *cb = &h->cbs[h->ncb++];
	cb->type = t;
	cb->value = strdup(v);
	cb->label = strdup(label);
	cb->first = *seen ? strdup(seen) : NULL;
	cb->last = *seen ? strdup(seen) : NULL;
	if (!cb->value || !cb->label)
		h->oom = true;
	pthread_mutex_unlock(&h->lock);
}

struct tokctx {
	struct worker *w;
	const char *file;
	const kb_hunt_line *ln;
	struct lineinfo *li;     /* filled on the first token that matches */
	bool have;
	const kb_l4s_hit *hits;  /* the line's Log4Shell hits */
	size_t nh;
};

static int on_token(const kb_ioc_token *t, void *ctx)
{
	struct tokctx *tc = ctx;
	const kb_ioc *ioc = kb_ioc_match_token(tc->w->h->o->iocs, t);
	if (!ioc)
		return 0;
	/* a callback host an earlier hunt kept, inside the payload it came from: already a hit */
	if (strcmp(ioc->source, HUNT_SELF_SOURCE) == 0)
		for (size_t i = 0; i < tc->nh; i++)
			if (t->offset >= tc->hits[i].offset && t->offset < tc->hits[i].offset + tc->hits[i].raw_len)
				return 0;
	if (!tc->have) {
		line_info(tc->w, tc->file, tc->ln, tc->li);
		tc->have = true;
	}
	char *tok = dupn(t->s, t->len);
	char detail[512];
	snprintf(detail, sizeof detail, "%s %s from %s%s%s", kb_ioc_type_name(ioc->type), ioc->value, ioc->source,
	         ioc->label && *ioc->label ? ": " : "", ioc->label ? ioc->label : "");
	add(tc->w->h, tc->file, tc->ln, t->offset, tc->li, "ioc", "ioc", tok ? tok : "", detail);
	free(tok);
	return 0;
}

static void hunt_line(struct worker *w, const char *file, const kb_hunt_line *ln)
{
	if (!ln->len)
		return;
	w->parsed = false;
	if (ln->data[0] == '#' && w->fields) /* W3C directives set the columns of the lines after them */
		w->parsed = true, w->has_fields = kb_hunt_fields_parse(w->fields, ln->data, ln->len, &w->f) == 1;
	struct hunt *h = w->h;
	struct lineinfo li;
	bool have = false;
	const kb_l4s_hit *hits = NULL;
	size_t nh = 0;
	if (kb_l4s_scan(w->l4s, ln->data, ln->len, &hits, &nh) == 0 && nh) {
		line_info(w, file, ln, &li);
		have = true;
		for (size_t i = 0; i < nh; i++) {
			const kb_l4s_hit *hit = &hits[i];
			if ((ln->flags & KB_HUNT_LINE_CONT) && hit->offset + hit->raw_len <= ln->overlap)
				continue; /* seen whole in the chunk before */
			char detail[1024];
			size_t d = (size_t)snprintf(detail, sizeof detail, "%s", hit->cve ? hit->cve : "");
			char port[16] = "";
			if (hit->port >= 0)
				snprintf(port, sizeof port, ":%d", hit->port);
			if (*hit->protocol && d < sizeof detail)
				d += (size_t)snprintf(detail + d, sizeof detail - d, "; callback %s://%s%s%s", hit->protocol,
				                      hit->host, port, hit->path);
			for (size_t k = 0; k < hit->n_exfil && d < sizeof detail; k++)
				d += (size_t)snprintf(detail + d, sizeof detail - d, "%sexfiltrates %s", k ? ", " : "; ",
				                      hit->exfil[k]);
			if (*hit->command && d < sizeof detail)
				d += (size_t)snprintf(detail + d, sizeof detail - d, "; command: %s", hit->command);
			if (*hit->indicator && d < sizeof detail)
				snprintf(detail + d, sizeof detail - d, "; %s", hit->indicator);
			add(h, file, ln, hit->offset, &li, kb_l4s_family_name(hit->family), kb_l4s_class_name(hit->cls),
			    hit->decoded, detail);
			if (*hit->domain && hit->cls != KB_L4S_SUCCESS) {
				if (h->o->emit) {
					pthread_mutex_lock(&h->lock);
					fprintf(h->o->emit, "%s\n", hit->domain);
					pthread_mutex_unlock(&h->lock);
				}
				if (h->o->store)
					keep_callback(h, file, ln, &li, hit);
			}
		}
	}
	if (h->o->iocs) {
		/* fields only when a token matches: most lines have none */
		struct tokctx tc = { .w = w, .file = file, .ln = ln, .li = &li, .have = have, .hits = hits, .nh = nh };
		kb_ioc_tokens(ln->data, ln->len, on_token, &tc);
	}
}

/* Every line of one input. */
static int hunt_input(struct worker *w, kb_hunt_input *in, const char *name, kb_error *err)
{
	kb_hunt_lines *lr = NULL;
	int r = kb_hunt_lines_new(in, NULL, &lr);
	if (r < 0)
		return kb_error_set(err, r, name, 0, 0, KB_NO_OFFSET, "cannot read lines");
	w->fields = kb_hunt_fields_state_new(); /* NULL: no fields, the hunt goes on */
	w->path_done = false;
	kb_hunt_line ln;
	uint64_t released = 0;
	long page = sysconf(_SC_PAGESIZE);
	while ((r = kb_hunt_lines_next(lr, &ln, err)) == 1) {
		hunt_line(w, name, &ln);
		/* give back the mapped pages the reader has passed: a log file is
		 * read once, front to back, and would otherwise stay resident whole */
		uint64_t done = kb_hunt_input_compressed_offset(in);
		if (w->map && page > 0 && done > released + HUNT_RELEASE_BYTES + KB_HUNT_READ_SIZE) {
			uint64_t upto = (done - KB_HUNT_READ_SIZE) / (uint64_t)page * (uint64_t)page;
			if (upto > released && upto <= w->map_len) {
				madvise((char *)w->map + released, (size_t)(upto - released), MADV_DONTNEED);
				released = upto;
			}
		}
	}
	kb_hunt_lines_free(lr);
	w->fields = kb_hunt_fields_state_free(w->fields);
	if (r < 0 && !err->file[0])
		snprintf(err->file, sizeof err->file, "%s", name);
	return r < 0 ? r : 0;
}

static int worker_init(void *userdata, unsigned worker, void **ret_ctx, kb_error *err)
{
	(void)worker;
	struct worker *w = calloc(1, sizeof *w);
	if (w)
		w->l4s = kb_l4s_new();
	if (!w || !w->l4s) {
		free(w);
		return kb_error_set(err, KB_ENOMEM, NULL, 0, 0, KB_NO_OFFSET, "out of memory");
	}
	w->h = userdata;
	*ret_ctx = w;
	return 0;
}

static void worker_done(void *userdata, unsigned worker, void *ctx)
{
	(void)userdata;
	(void)worker;
	struct worker *w = ctx;
	kb_l4s_free(w->l4s);
	free(w);
}

static int on_file(kb_scan *scan, void *ctx, const kb_scan_file *f, kb_error *err)
{
	(void)scan;
	struct worker *w = ctx;
	kb_hunt_input *in = NULL;
	long page = sysconf(_SC_PAGESIZE);
	w->map = NULL;
	if (f->data && f->size > KB_SCAN_SMALL_FILE && page > 0 && (uintptr_t)f->data % (uintptr_t)page == 0) {
		w->map = (void *)(uintptr_t)f->data;
		w->map_len = f->size;
	}
	int r = kb_hunt_input_open_mem(f->data ? (const void *)f->data : "", f->size, f->path, &in, err);
	if (r == 0)
		r = hunt_input(w, in, f->path, err);
	kb_hunt_input_free(in);
	w->map = NULL;
	return r;
}

static void on_error(void *userdata, const kb_error *err)
{
	struct hunt *h = userdata;
	h->errors++;
	cli_report(err);
}

static void on_progress(void *userdata, const kb_scan_counters *k)
{
	struct hunt *h = userdata;
	if (h->c->progress)
		fprintf(stderr, "\r\033[Khunt: %llu files, %.1f MiB, %zu hits", (unsigned long long)k->files,
		        (double)k->bytes / 1048576.0, h->n);
}

static int cmp_row(const void *x, const void *y)
{
	const struct hit_row *a = x, *b = y;
	int d = strcmp(a->cells[C_FILE], b->cells[C_FILE]);
	if (d)
		return d;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	unsigned long long oa = strtoull(a->cells[C_OFFSET], NULL, 10), ob = strtoull(b->cells[C_OFFSET], NULL, 10);
	return (oa > ob) - (oa < ob);
}

/* Hits counted by one column (source address, or file), by class: who to
 * look at first. Rows are sorted, so equal keys are adjacent once sorted by
 * that column. */
static int cmp_by_col(const void *x, const void *y, void *col)
{
	const struct hit_row *a = *(struct hit_row *const *)x, *b = *(struct hit_row *const *)y;
	return strcmp(a->cells[*(int *)col], b->cells[*(int *)col]);
}

static void summary(cli *c, struct hunt *h, int col, const char *kind, const char *title)
{
	struct hit_row **v = malloc(h->n * sizeof *v);
	if (!v)
		return;
	for (size_t i = 0; i < h->n; i++)
		v[i] = &h->rows[i];
	qsort_r(v, h->n, sizeof *v, cmp_by_col, &col);
	static const char *const keys[] = { "key", "hits", "attempts", "scanners", "success", "second_stage", "iocs" };
	const char *titles[] = { title, "HITS", "ATTEMPTS", "SCANNER", "SUCCESS", "2ND STAGE", "IOCS" };
	if (c->fmt == OUT_TABLE)
		printf("\nby %s:\n", col == C_SOURCE ? "source address" : "file");
	table *t = table_new(c, 7, keys, titles);
	table_set_kind(t, kind);
	table_set_numeric(t, 2 | 4 | 8 | 16 | 32 | 64);
	for (size_t i = 0; i < h->n;) {
		size_t j = i;
		unsigned long long n[6] = { 0 };
		for (; j < h->n && strcmp(v[j]->cells[col], v[i]->cells[col]) == 0; j++) {
			const char *cls = v[j]->cells[C_CLASS];
			n[0]++;
			n[strcmp(cls, "attempt") == 0 ? 1 : strcmp(cls, "scanner") == 0 ? 2 : strcmp(cls, "success") == 0 ? 3
			  : strcmp(cls, "second-stage") == 0 ? 4 : 5]++;
		}
		char num[6][24];
		for (int k = 0; k < 6; k++)
			snprintf(num[k], sizeof num[k], "%llu", n[k]);
		const char *row[] = { *v[i]->cells[col] ? v[i]->cells[col] : "-", num[0], num[1], num[2], num[3], num[4], num[5] };
		table_row(t, row);
		i = j;
	}
	table_end(t);
	free(v);
}

static const char *const hit_keys[NCOLS] = { "file", "line", "offset", "time", "host", "asset", "source", "kind",
	                                     "class", "what", "detail" };
static const char *const hit_titles[NCOLS] = { "FILE", "LINE", "OFFSET", "TIME", "HOST", "ASSET", "SOURCE", "KIND",
	                                       "CLASS", "WHAT", "WHY" };

/* The hits table; a terminal shows the asset, or the host when no asset is linked. */
static table *hit_table(cli *c)
{
	table *t = table_new(c, NCOLS, hit_keys, hit_titles);
	table_set_kind(t, "hit");
	table_set_numeric(t, 1u << C_LINE | 1u << C_OFFSET);
	table_set_hidden(t, 1u << C_HOST);
	return t;
}

static void hit_table_row(cli *c, table *t, char *const cells[NCOLS])
{
	const char *v[NCOLS];
	for (int i = 0; i < NCOLS; i++)
		v[i] = cells[i];
	if (c->fmt == OUT_TABLE && !*v[C_ASSET])
		v[C_ASSET] = v[C_HOST];
	table_row(t, v);
}

/* Keep the hits and the callback hosts, all or nothing. */
static int keep(struct hunt *h, kb_error *err)
{
	kb_store *s = h->o->store;
	kb_hunt_hit *hits = calloc(h->n ? h->n : 1, sizeof *hits);
	kb_ioc *iocs = calloc(h->ncb ? h->ncb : 1, sizeof *iocs);
	int r = hits && iocs ? 0 : kb_error_set(err, KB_ENOMEM, NULL, 0, 0, KB_NO_OFFSET, "out of memory");
	for (size_t i = 0; r == 0 && i < h->n; i++) {
		char *const *cl = h->rows[i].cells;
		hits[i] = (kb_hunt_hit){
			.file = cl[C_FILE], .line = h->rows[i].line, .offset = strtoull(cl[C_OFFSET], NULL, 10),
			.time = cl[C_TIME], .has_epoch = h->rows[i].has_epoch, .epoch = h->rows[i].epoch,
			.source = cl[C_SOURCE], .host = cl[C_HOST], .asset_id = h->rows[i].asset_id,
			.kind = cl[C_KIND], .cls = cl[C_CLASS], .what = cl[C_WHAT], .detail = cl[C_DETAIL],
		};
	}
	for (size_t i = 0; r == 0 && i < h->ncb; i++)
		iocs[i] = (kb_ioc){ .type = h->cbs[i].type, .value = h->cbs[i].value, .source = HUNT_SELF_SOURCE,
			            .first_seen = h->cbs[i].first, .last_seen = h->cbs[i].last, .confidence = -1,
			            .to_ids = true, .label = h->cbs[i].label };
	if (r == 0)
		r = kb_store_begin(s, err);
	if (r == 0) {
		r = kb_hunt_hits_put(s, hits, h->n, err);
		if (r == 0)
			r = kb_iocs_put(s, iocs, h->ncb, err);
		if (r == 0)
			r = kb_store_commit(s, err);
		else
			kb_store_rollback(s);
	}
	free(hits);
	free(iocs);
	return r;
}

int cli_hunt_run(cli *c, const cli_hunt_opts *o, const char *const *roots, size_t nroots, bool from_stdin,
                 bool *ret_hits)
{
	struct hunt h = { .c = c, .o = o };
	pthread_mutex_init(&h.lock, NULL);
	int status = EXIT_CLEAN;
	kb_error err;
	kb_error_clear(&err);
	if (nroots) {
		kb_scan_opts wo = o->walk ? *o->walk : (kb_scan_opts){ 0 };
		wo.all_files = true;
		kb_scan_callbacks cb = { .worker_init = worker_init, .worker_done = worker_done, .file = on_file,
			                 .error = on_error, .progress = on_progress };
		kb_scan *scan = NULL;
		if (kb_scan_new(&wo, &cb, &h, &scan, &err) < 0 || kb_scan_run(scan, roots, nroots, &err) < 0) {
			cli_report(&err);
			status = EXIT_ERROR;
		}
		kb_scan_free(scan);
	}
	if (status == EXIT_CLEAN && from_stdin) {
		void *ctx = NULL;
		kb_hunt_input *in = NULL;
		kb_error_clear(&err);
		if (worker_init(&h, 0, &ctx, &err) < 0 || kb_hunt_input_open(NULL, &in, &err) < 0 ||
		    hunt_input(ctx, in, "-", &err) < 0) {
			cli_report(&err);
			h.errors++;
		}
		kb_hunt_input_free(in);
		if (ctx)
			worker_done(&h, 0, ctx);
	}
	if (c->progress)
		fputs("\r\033[K", stderr);
	if (status == EXIT_CLEAN && h.oom) {
		cli_error("out of memory while collecting hits");
		status = EXIT_ERROR;
	}
	if (status == EXIT_CLEAN && o->store) {
		kb_error_clear(&err);
		if (keep(&h, &err) < 0) {
			cli_report(&err);
			status = EXIT_ERROR;
		}
	}
	if (status == EXIT_CLEAN) {
		if (h.n)
			qsort(h.rows, h.n, sizeof *h.rows, cmp_row);
		table *t = hit_table(c);
		for (size_t i = 0; i < h.n; i++)
			hit_table_row(c, t, h.rows[i].cells);
		table_end(t);
		if (h.n && c->fmt != OUT_CSV) { /* CSV holds one table: the hits */
			summary(c, &h, C_SOURCE, "hit_source", "SOURCE");
			summary(c, &h, C_FILE, "hit_file", "FILE");
		}
		if (c->fmt == OUT_TABLE && !c->quiet)
			printf("%zu hits%s%s\n", h.n, o->store && h.n ? ", kept in the store" : "",
			       h.errors ? "; some inputs could not be read (see above)" : "");
		status = h.n ? EXIT_FINDINGS : h.errors ? EXIT_ERROR : EXIT_CLEAN;
	}
	if (ret_hits)
		*ret_hits = h.n > 0;
	for (size_t i = 0; i < h.n; i++)
		for (int j = 0; j < NCOLS; j++)
			free(h.rows[i].cells[j]);
	free(h.rows);
	for (size_t i = 0; i < h.ncb; i++) {
		free(h.cbs[i].value);
		free(h.cbs[i].label);
		free(h.cbs[i].first);
		free(h.cbs[i].last);
	}
	free(h.cbs);
	pthread_mutex_destroy(&h.lock);
	return status;
}

/* `koban hunt --stored`: the kept hits, no logs read. */
struct stored {
	cli *c;
	table *t;
	size_t n;
};

static int stored_row(const kb_hunt_hit *hh, void *ctx)
{
	struct stored *st = ctx;
	char line[24], offset[24];
	snprintf(line, sizeof line, "%llu", (unsigned long long)hh->line);
	snprintf(offset, sizeof offset, "%llu", (unsigned long long)hh->offset);
	const char *v[NCOLS] = { hh->file, line, offset, hh->time, hh->host, hh->asset, hh->source, hh->kind, hh->cls,
		                 hh->what, hh->detail };
	char *cells[NCOLS];
	for (int i = 0; i < NCOLS; i++)
		cells[i] = (char *)(v[i] ? v[i] : "");
	hit_table_row(st->c, st->t, cells);
	st->n++;
	return 0;
}

static int list_stored(cli *c, const char *asset, const char *cls)
{
	kb_store *s = NULL;
	if (cli_open_store(c, false, &s) < 0)
		return EXIT_ERROR;
	kb_error err;
	kb_error_clear(&err);
	struct stored st = { .c = c, .t = hit_table(c) };
	kb_hunt_hit_filter f = { .asset = asset, .cls = cls };
	int r = kb_hunt_hits_list(s, &f, stored_row, &st, &err);
	table_end(st.t);
	kb_store_close(s);
	if (r < 0) {
		cli_report(&err);
		return EXIT_ERROR;
	}
	if (c->fmt == OUT_TABLE && !c->quiet)
		printf("%zu hits kept\n", st.n);
	return st.n ? EXIT_FINDINGS : EXIT_CLEAN;
}

static int asset_id_of(const kb_asset *a, void *ctx)
{
	*(int64_t *)ctx = a->id;
	return 0;
}

int cmd_hunt(cli *c, int argc, char **argv)
{
	const char **roots = calloc((size_t)argc + 1, sizeof *roots);
	const char **excludes = calloc((size_t)argc + 1, sizeof *excludes);
	size_t nroots = 0, nex = 0;
	bool no_iocs = false, no_store = false, from_stdin = false, stored = false;
	const char *emit_path = NULL, *asset = NULL, *cls = NULL;
	kb_scan_opts wo = { .all_files = true };
	int status = roots && excludes ? EXIT_CLEAN : EXIT_ERROR;
	for (int i = 1; status == EXIT_CLEAN && i < argc; i++) {
		const char *v;
		if (opt_value(argc, argv, &i, "--emit-iocs", &v))
			emit_path = v;
		else if (opt_value(argc, argv, &i, "--exclude", &v))
			excludes[nex++] = v;
		else if (opt_value(argc, argv, &i, "--asset", &v))
			asset = v;
		else if (opt_value(argc, argv, &i, "--class", &v))
			cls = v;
		else if (strcmp(argv[i], "--no-iocs") == 0)
			no_iocs = true;
		else if (strcmp(argv[i], "--no-store") == 0)
			no_store = true;
		else if (strcmp(argv[i], "--stored") == 0)
			stored = true;
		else if (strcmp(argv[i], "--xdev") == 0)
			wo.xdev = true;
		else if (strcmp(argv[i], "-") == 0)
			from_stdin = true;
		else if (argv[i][0] == '-' && argv[i][1] == '-') {
			cli_usage_error(usage_hunt, "unknown option %s", argv[i]);
			status = EXIT_ERROR;
		} else
			roots[nroots++] = argv[i];
	}
	if (status == EXIT_CLEAN && stored) {
		if (nroots || from_stdin || emit_path || no_store) {
			cli_usage_error(usage_hunt, "--stored lists the kept hits: it takes no paths");
			status = EXIT_ERROR;
		} else {
			status = list_stored(c, asset, cls);
		}
		free(roots);
		free(excludes);
		return status;
	}
	if (status == EXIT_CLEAN && cls) {
		cli_usage_error(usage_hunt, "--class goes with --stored");
		status = EXIT_ERROR;
	}
	if (status == EXIT_CLEAN && !nroots && !from_stdin) {
		cli_usage_error(usage_hunt, "name at least one file or directory (or - for standard input)");
		status = EXIT_ERROR;
	}
	cli_hunt_opts o = { .asset = asset };
	kb_ioc_set *set = NULL;
	kb_asset_resolver *res = NULL;
	kb_store *s = NULL;
	kb_error err;
	kb_error_clear(&err);
	/* the store, when there is one: its IOCs, its assets, and it keeps the hits (hunting needs none) */
	bool have_store = access(c->db_path, F_OK) == 0;
	if (status == EXIT_CLEAN && asset && !have_store) {
		cli_error("--asset %s: there is no store (%s) whose ledger could hold it", asset, c->db_path);
		status = EXIT_ERROR;
	}
	if (status == EXIT_CLEAN && have_store && (!no_iocs || !no_store || asset)) {
		if (cli_open_store(c, false, &s) < 0 || (!no_iocs && kb_iocs_load(s, cli_today(), &set, &err) < 0) ||
		    (!no_store && kb_asset_resolver_new(s, &res, &err) < 0)) {
			if (err.msg[0])
				cli_report(&err);
			status = EXIT_ERROR;
		}
	}
	if (status == EXIT_CLEAN && asset) {
		int64_t id = 0;
		if (kb_ledger_asset(s, asset, asset_id_of, &id, &err) < 0 || id <= 0) {
			if (err.msg[0] && err.code != KB_ENOTFOUND)
				cli_report(&err);
			else
				cli_error("--asset %s: no such asset in the ledger", asset);
			status = EXIT_ERROR;
		}
		o.asset_id = id;
	}
	FILE *emit = NULL;
	if (status == EXIT_CLEAN && emit_path && !(emit = fopen(emit_path, "w"))) {
		cli_error("%s: cannot write: %s", emit_path, strerror(errno));
		status = EXIT_ERROR;
	}
	wo.excludes = excludes;
	wo.n_excludes = nex;
	o.iocs = set;
	o.store = no_store ? NULL : s;
	o.assets = res;
	o.walk = &wo;
	o.emit = emit;
	if (status == EXIT_CLEAN)
		status = cli_hunt_run(c, &o, roots, nroots, from_stdin, NULL);
	if (emit && fclose(emit) != 0 && status != EXIT_ERROR) {
		cli_error("%s: cannot write: %s", emit_path, strerror(errno));
		status = EXIT_ERROR;
	}
	kb_asset_resolver_free(res);
	kb_ioc_set_free(set);
	kb_store_close(s);
	free(roots);
	free(excludes);
	return status;
}
