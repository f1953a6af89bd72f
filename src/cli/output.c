/*
 * output.c - tables, NDJSON and CSV from one row API, progress and messages.
 *
 * A verb describes its records once (keys, titles, rows); the global --json
 * and --csv switches decide the shape. Table mode buffers rows to compute the
 * column widths; the other two stream.
 */
#include "cli.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TABLE_MAX_CELL 52 /* display width cap for one cell on a terminal */

struct table {
	cli *c;
	int ncols;
	const char *const *keys;
	const char *const *titles;
	unsigned numeric;
	unsigned hidden; /* columns a terminal does not show */
	const char *kind;
	char **cells; /* rows * ncols */
	size_t nrows, cap;
};

void cli_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("koban: error: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void cli_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("koban: warning: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void cli_report(const kb_error *e)
{
	char buf[KB_ERROR_MSG_MAX + KB_ERROR_FILE_MAX + 64];
	kb_error_format(e, buf, sizeof buf);
	cli_error("%s", buf);
}

void cli_usage_error(const char *usage, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("koban: error: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	fprintf(stderr, "usage: %s\n", usage);
}

int cli_open_store(cli *c, bool create, kb_store **ret)
{
	kb_error err;
	kb_error_clear(&err);
	int r = kb_store_open(c->db_path, create ? KB_STORE_CREATE : 0, ret, &err);
	if (r < 0) {
		if (r == KB_ENOTFOUND)
			cli_error("%s: no store here; import a ledger first (koban ledger import FILE) or give --db PATH",
			          c->db_path);
		else
			cli_report(&err);
	}
	return r;
}

bool opt_value(int argc, char **argv, int *i, const char *name, const char **ret)
{
	size_t n = strlen(name);
	const char *a = argv[*i];
	if (strncmp(a, name, n) != 0)
		return false;
	if (a[n] == '=') {
		*ret = a + n + 1;
		return true;
	}
	if (a[n] != '\0')
		return false;
	if (*i + 1 >= argc) {
		cli_error("%s needs a value", name);
		exit(EXIT_ERROR);
	}
	*ret = argv[++*i];
	return true;
}

table *table_new(cli *c, int ncols, const char *const keys[], const char *const titles[])
{
	table *t = calloc(1, sizeof *t);
	if (!t) {
		cli_error("out of memory");
		exit(EXIT_ERROR);
	}
	t->c = c;
	t->ncols = ncols;
	t->keys = keys;
	t->titles = titles;
	if (c->fmt == OUT_CSV) {
		for (int i = 0; i < ncols; i++)
			printf("%s%s", i ? "," : "", keys[i]);
		putchar('\n');
	}
	return t;
}

void table_set_numeric(table *t, unsigned mask)
{
	t->numeric = mask;
}

void table_set_hidden(table *t, unsigned mask)
{
	t->hidden = mask;
}

void table_set_kind(table *t, const char *kind)
{
	t->kind = kind;
}

static void csv_cell(const char *s)
{
	if (!s)
		return;
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, stdout);
		return;
	}
	/* runs between quotes are written whole: cells can be megabytes long */
	putchar('"');
	for (;;) {
		size_t n = strcspn(s, "\"");
		fwrite(s, 1, n, stdout);
		s += n;
		if (!*s)
			break;
		fputs("\"\"", stdout);
		s++;
	}
	putchar('"');
}

void table_row(table *t, const char *const values[])
{
	if (t->c->fmt == OUT_JSON) {
		json_t *o = json_object();
		if (t->kind)
			json_object_set_new(o, "type", json_string(t->kind));
		for (int i = 0; i < t->ncols; i++) {
			json_t *v;
			if (!values[i])
				v = json_null();
			else if (t->numeric & (1u << i))
				v = json_integer(strtoll(values[i], NULL, 10));
			else
				v = json_string(values[i]);
			json_object_set_new(o, t->keys[i], v ? v : json_null());
		}
		char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (s)
			puts(s);
		free(s);
		json_decref(o);
		return;
	}
	if (t->c->fmt == OUT_CSV) {
		for (int i = 0; i < t->ncols; i++) {
			if (i)
				putchar(',');
			csv_cell(values[i]);
		}
		putchar('\n');
		return;
	}
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 32;
		char **cells = realloc(t->cells, cap * (size_t)t->ncols * sizeof *cells);
		if (!cells) {
			cli_error("out of memory");
			exit(EXIT_ERROR);
		}
		t->cells = cells;
		t->cap = cap;
	}
	for (int i = 0; i < t->ncols; i++)
		t->cells[t->nrows * (size_t)t->ncols + (size_t)i] = values[i] ? strdup(values[i]) : NULL;
	t->nrows++;
}

/* Display width of a UTF-8 string (code points; good enough for names). */
static size_t width(const char *s)
{
	size_t w = 0;
	for (; s && *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	return w;
}

/* Print at most max display columns of s; a cut cell ends in "…". */
static size_t print_cell(const char *s, size_t max)
{
	if (!s || !*s)
		s = "-";
	size_t w = width(s);
	if (w <= max) {
		for (const char *p = s; *p;) {
			size_t n = strcspn(p, "\n\t");
			fwrite(p, 1, n, stdout);
			p += n;
			if (*p) {
				putchar(' ');
				p++;
			}
		}
		return w;
	}
	size_t shown = 0;
	const char *p = s;
	while (*p && shown < max - 1) {
		putchar(*p == '\n' || *p == '\t' ? ' ' : *p);
		p++;
		while (*p && ((unsigned char)*p & 0xC0) == 0x80)
			putchar(*p++);
		shown++;
	}
	fputs("…", stdout);
	return max;
}

void table_end(table *t)
{
	if (!t)
		return;
	if (t->c->fmt == OUT_TABLE && t->nrows) {
		size_t *w = calloc((size_t)t->ncols, sizeof *w);
		int last = -1; /* the last shown column is never cut: nothing follows it */
		for (int i = 0; i < t->ncols; i++)
			if (!(t->hidden & (1u << i)))
				last = i;
		for (int i = 0; i < t->ncols; i++) {
			w[i] = width(t->titles[i]);
			for (size_t r = 0; r < t->nrows; r++) {
				const char *s = t->cells[r * (size_t)t->ncols + (size_t)i];
				size_t cw = width(s && *s ? s : "-");
				if (cw > TABLE_MAX_CELL && i != last)
					cw = TABLE_MAX_CELL;
				if (cw > w[i])
					w[i] = cw;
			}
		}
		for (int i = 0; i < t->ncols; i++) {
			if (t->hidden & (1u << i))
				continue;
			size_t n = print_cell(t->titles[i], w[i]);
			if (i != last)
				printf("%*s", (int)(w[i] - n + 2), "");
		}
		putchar('\n');
		for (size_t r = 0; r < t->nrows; r++) {
			for (int i = 0; i < t->ncols; i++) {
				if (t->hidden & (1u << i))
					continue;
				const char *s = t->cells[r * (size_t)t->ncols + (size_t)i];
				bool num = t->numeric & (1u << i);
				size_t cw = width(s && *s ? s : "-");
				if (num && cw < w[i])
					printf("%*s", (int)(w[i] - cw), "");
				size_t n = print_cell(s, w[i]);
				if (i != last && !num)
					printf("%*s", (int)(w[i] - n + 2), "");
				else if (i != last)
					fputs("  ", stdout);
			}
			putchar('\n');
		}
		free(w);
	}
	for (size_t i = 0; i < t->nrows * (size_t)t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
	fflush(stdout);
}

void cli_iso_time(int64_t us, char *out, size_t size)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;
	if (!gmtime_r(&t, &tm) || !strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, size, "%s", "");
}

void cli_heading(cli *c, const char *title)
{
	if (c->fmt != OUT_TABLE)
		return;
	printf("\n== %s ==\n", title);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double last_progress;
static bool progress_shown;

void progress_update(cli *c, const char *what, uint64_t done, uint64_t total, uint64_t records)
{
	if (!c->progress)
		return;
	double t = now_s();
	if (t - last_progress < 0.2)
		return;
	last_progress = t;
	if (total)
		fprintf(stderr, "\r\033[K%s: %.1f of %.1f MiB (%d%%), %llu records", what, (double)done / 1048576.0,
		        (double)total / 1048576.0, (int)(100.0 * (double)done / (double)total),
		        (unsigned long long)records);
	else
		fprintf(stderr, "\r\033[K%s: %.1f MiB, %llu records", what, (double)done / 1048576.0,
		        (unsigned long long)records);
	progress_shown = true;
}

void progress_clear(cli *c)
{
	if (c->progress && progress_shown)
		fputs("\r\033[K", stderr);
	progress_shown = false;
	last_progress = 0;
}
