/*
 * cmd-hunt.c - `koban hunt PATH...|-`: were we exploited? Every line of
 * every file (plain, gzip, zstd, bzip2, xz, by magic; directories walked by
 * the scan walker on its two threads, every regular file; "-" is standard
 * input) through the Log4Shell detector and, when the store holds IOCs,
 * through the IOC sets by token. One row per hit: file, line, byte offset,
 * what matched, the class, the decoded payload or the IOC; then a summary by
 * source address (the line's first token when it is an address: the client
 * of access-log formats) and by file. Exit 1 on hits.
 */
#include "cli.h"
#include "exposure-cli.h"
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
#include <unistd.h>

#define HUNT_RELEASE_BYTES (16u << 20) /* read past this much more, give the pages behind back */

static const char usage_hunt[] =
	"koban hunt [--no-iocs] [--emit-iocs FILE] [--exclude GLOB]... [--xdev] PATH...|-";

struct hit_row {
	char *cells[9]; /* file, line, offset, time, source, kind, class, what, detail */
	unsigned long long line;
};

struct hunt {
	cli *c;
	const kb_ioc_set *iocs;
	struct hit_row *rows;
	size_t n, cap;
	bool oom;
	unsigned errors;
	FILE *emit;
	pthread_mutex_t lock; /* rows, when lines come from stdin on the main thread too */
};

struct worker {
	struct hunt *h;
	kb_l4s *l4s;
	void *map;        /* the file's mapping (walker files past KB_SCAN_SMALL_FILE), or NULL */
	size_t map_len;
	kb_hunt_fields_state *fields; /* of the file being read */
	kb_hunt_fields f;             /* the current line's, when has_fields */
	bool has_fields, parsed;
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

static void add(struct hunt *h, const char *file, const kb_hunt_line *ln, size_t off, const char *time,
                const char *source, const char *kind, const char *cls, const char *what, const char *detail)
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
	const char *v[9] = { file, line, offset, time, source, kind, cls, what, detail };
	struct hit_row *r = &h->rows[h->n++];
	for (int i = 0; i < 9; i++)
		r->cells[i] = strdup(v[i] ? v[i] : "");
	r->line = ln->lineno;
	pthread_mutex_unlock(&h->lock);
}

/* The line's fields (time, client), parsed once and only for lines with a
 * hit: the per-file state has seen the W3C #Fields lines (hunt_line feeds
 * every '#' line to it). */
static void fields_of(struct worker *w, const kb_hunt_line *ln, char *time, size_t tsize, char *source,
                      size_t ssize);

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

static void fields_of(struct worker *w, const kb_hunt_line *ln, char *time, size_t tsize, char *source,
                      size_t ssize)
{
	if (!w->parsed) {
		w->parsed = true;
		w->has_fields = w->fields && kb_hunt_fields_parse(w->fields, ln->data, ln->len, &w->f) == 1;
	}
	time[0] = '\0';
	source[0] = '\0';
	if (w->has_fields && w->f.time.p)
		snprintf(time, tsize, "%.*s", (int)w->f.time.len, w->f.time.p);
	if (w->has_fields && w->f.client.p)
		snprintf(source, ssize, "%.*s", (int)w->f.client.len, w->f.client.p);
	else
		source_of(ln, source, ssize);
}

struct tokctx {
	struct worker *w;
	const char *file;
	const kb_hunt_line *ln;
	const char *time;   /* NULL until a token matches (then they point into buf_*) */
	const char *source;
	char buf_time[64], buf_source[128];
};

static int on_token(const kb_ioc_token *t, void *ctx)
{
	struct tokctx *tc = ctx;
	const kb_ioc *ioc = kb_ioc_match_token(tc->w->h->iocs, t);
	if (!ioc)
		return 0;
	if (!tc->source) {
		fields_of(tc->w, tc->ln, tc->buf_time, sizeof tc->buf_time, tc->buf_source, sizeof tc->buf_source);
		tc->time = tc->buf_time;
		tc->source = tc->buf_source;
	}
	char *tok = dupn(t->s, t->len);
	char detail[512];
	snprintf(detail, sizeof detail, "%s %s from %s%s%s", kb_ioc_type_name(ioc->type), ioc->value, ioc->source,
	         ioc->label && *ioc->label ? ": " : "", ioc->label ? ioc->label : "");
	add(tc->w->h, tc->file, tc->ln, t->offset, tc->time, tc->source, "ioc", "ioc", tok ? tok : "", detail);
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
	char source[128], time[64];
	source[0] = time[0] = '\0';
	bool have = false;
	const kb_l4s_hit *hits = NULL;
	size_t nh = 0;
	if (kb_l4s_scan(w->l4s, ln->data, ln->len, &hits, &nh) == 0 && nh) {
		fields_of(w, ln, time, sizeof time, source, sizeof source);
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
			add(w->h, file, ln, hit->offset, time, source, kb_l4s_family_name(hit->family),
			    kb_l4s_class_name(hit->cls), hit->decoded, detail);
			if (w->h->emit && *hit->domain && hit->cls != KB_L4S_SUCCESS) {
				pthread_mutex_lock(&w->h->lock);
				fprintf(w->h->emit, "%s\n", hit->domain);
				pthread_mutex_unlock(&w->h->lock);
			}
		}
	}
	if (w->h->iocs) {
		/* fields only when a token matches: most lines have none */
		struct tokctx tc = { .w = w, .file = file, .ln = ln, .time = have ? time : NULL,
			             .source = have ? source : NULL };
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
	int d = strcmp(a->cells[0], b->cells[0]);
	if (d)
		return d;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	unsigned long long oa = strtoull(a->cells[2], NULL, 10), ob = strtoull(b->cells[2], NULL, 10);
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
		printf("\nby %s:\n", col == 4 ? "source address" : "file");
	table *t = table_new(c, 7, keys, titles);
	table_set_kind(t, kind);
	table_set_numeric(t, 2 | 4 | 8 | 16 | 32 | 64);
	for (size_t i = 0; i < h->n;) {
		size_t j = i;
		unsigned long long n[6] = { 0 };
		for (; j < h->n && strcmp(v[j]->cells[col], v[i]->cells[col]) == 0; j++) {
			const char *cls = v[j]->cells[6];
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

static void summaries(cli *c, struct hunt *h)
{
	summary(c, h, 4, "hit_source", "SOURCE");
	summary(c, h, 0, "hit_file", "FILE");
}

int cli_hunt_run(cli *c, const kb_ioc_set *set, const char *const *roots, size_t nroots, bool from_stdin,
                 const kb_scan_opts *walk, FILE *emit, bool *ret_hits)
{
	struct hunt h = { .c = c, .iocs = set, .emit = emit };
	pthread_mutex_init(&h.lock, NULL);
	int status = EXIT_CLEAN;
	kb_error err;
	kb_error_clear(&err);
	if (nroots) {
		kb_scan_opts wo = *walk;
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
	if (status == EXIT_CLEAN) {
		if (h.n)
			qsort(h.rows, h.n, sizeof *h.rows, cmp_row);
		static const char *const keys[] = { "file", "line", "offset", "time", "source", "kind", "class", "what",
			                            "detail" };
		static const char *const titles[] = { "FILE", "LINE", "OFFSET", "TIME", "SOURCE", "KIND", "CLASS", "WHAT",
			                              "WHY" };
		table *t = table_new(c, 9, keys, titles);
		table_set_kind(t, "hit");
		table_set_numeric(t, 2 | 4);
		for (size_t i = 0; i < h.n; i++)
			table_row(t, (const char *const *)h.rows[i].cells);
		table_end(t);
		if (h.n && c->fmt != OUT_CSV) /* CSV holds one table: the hits */
			summaries(c, &h);
		if (c->fmt == OUT_TABLE && !c->quiet)
			printf("%zu hits%s\n", h.n, h.errors ? "; some inputs could not be read (see above)" : "");
		status = h.oom ? EXIT_ERROR : h.n ? EXIT_FINDINGS : h.errors ? EXIT_ERROR : EXIT_CLEAN;
	}
	if (ret_hits)
		*ret_hits = h.n > 0;
	for (size_t i = 0; i < h.n; i++)
		for (int j = 0; j < 9; j++)
			free(h.rows[i].cells[j]);
	free(h.rows);
	pthread_mutex_destroy(&h.lock);
	return status;
}

int cmd_hunt(cli *c, int argc, char **argv)
{
	const char **roots = calloc((size_t)argc + 1, sizeof *roots);
	const char **excludes = calloc((size_t)argc + 1, sizeof *excludes);
	size_t nroots = 0, nex = 0;
	bool no_iocs = false, from_stdin = false;
	const char *emit_path = NULL;
	kb_scan_opts wo = { .all_files = true };
	int status = roots && excludes ? EXIT_CLEAN : EXIT_ERROR;
	for (int i = 1; status == EXIT_CLEAN && i < argc; i++) {
		const char *v;
		if (opt_value(argc, argv, &i, "--emit-iocs", &v))
			emit_path = v;
		else if (opt_value(argc, argv, &i, "--exclude", &v))
			excludes[nex++] = v;
		else if (strcmp(argv[i], "--no-iocs") == 0)
			no_iocs = true;
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
	if (status == EXIT_CLEAN && !nroots && !from_stdin) {
		cli_usage_error(usage_hunt, "name at least one file or directory (or - for standard input)");
		status = EXIT_ERROR;
	}
	kb_ioc_set *set = NULL;
	kb_error err;
	kb_error_clear(&err);
	/* the IOCs of the store, when there is one (hunting needs none) */
	if (status == EXIT_CLEAN && !no_iocs && access(c->db_path, F_OK) == 0) {
		kb_store *s = NULL;
		if (cli_open_store(c, false, &s) < 0 || kb_iocs_load(s, cli_today(), &set, &err) < 0) {
			if (err.msg[0])
				cli_report(&err);
			status = EXIT_ERROR;
		}
		kb_store_close(s);
	}
	FILE *emit = NULL;
	if (status == EXIT_CLEAN && emit_path && !(emit = fopen(emit_path, "w"))) {
		cli_error("%s: cannot write: %s", emit_path, strerror(errno));
		status = EXIT_ERROR;
	}
	wo.excludes = excludes;
	wo.n_excludes = nex;
	if (status == EXIT_CLEAN)
		status = cli_hunt_run(c, set, roots, nroots, from_stdin, &wo, emit, NULL);
	if (emit && fclose(emit) != 0 && status != EXIT_ERROR) {
		cli_error("%s: cannot write: %s", emit_path, strerror(errno));
		status = EXIT_ERROR;
	}
	kb_ioc_set_free(set);
	free(roots);
	free(excludes);
	return status;
}
