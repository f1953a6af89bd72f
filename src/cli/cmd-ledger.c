/*
 * cmd-ledger.c - `koban ledger import|list|show|set|delete|export`.
 */
#include "cli.h"
#include "import.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char usage_import[] = "koban ledger import [--format csv|json|cyclonedx|spdx] [--asset NAME] FILE...";
static const char usage_list[] =
	"koban ledger list [--category C] [--owner TEXT] [--tag TAG] [--component NAME] [--name TEXT]";
static const char usage_show[] = "koban ledger show NAME";
static const char usage_set[] = "koban ledger set NAME FIELD=VALUE...";
static const char usage_delete[] = "koban ledger delete NAME";
static const char usage_export[] =
	"koban ledger export [--format json|csv] [--sheet assets|interfaces|components] [-o PATH]";

static int ledger_import(cli *c, int argc, char **argv)
{
	kb_ledger_format fmt = KB_LEDGER_FMT_AUTO;
	const char *asset = NULL;
	const char **files = calloc((size_t)argc + 1, sizeof *files);
	int nfiles = 0;
	bool opts_done = false;
	for (int i = 1; i < argc; i++) {
		const char *v;
		if (opts_done) {
			files[nfiles++] = argv[i];
		} else if (strcmp(argv[i], "--") == 0) {
			opts_done = true;
		} else if (opt_value(argc, argv, &i, "--format", &v)) {
			if (kb_ledger_format_parse(v, &fmt) < 0) {
				cli_usage_error(usage_import, "--format: expected csv, json, cyclonedx or spdx, found \"%s\"", v);
				free(files);
				return EXIT_ERROR;
			}
		} else if (opt_value(argc, argv, &i, "--asset", &v)) {
			asset = v;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			cli_usage_error(usage_import, "unknown option %s", argv[i]);
			free(files);
			return EXIT_ERROR;
		} else {
			files[nfiles++] = argv[i];
		}
	}
	if (!nfiles) {
		cli_usage_error(usage_import, "name at least one file to import");
		free(files);
		return EXIT_ERROR;
	}
	const char **assets = NULL;
	if (asset) {
		assets = calloc((size_t)nfiles, sizeof *assets);
		for (int i = 0; i < nfiles; i++)
			assets[i] = asset;
	}
	kb_store *s;
	int r = cli_open_store(c, true, &s);
	if (r < 0) {
		free(files);
		free(assets);
		return EXIT_ERROR;
	}
	import_totals tot = { 0 };
	int status = cli_import_files(c, s, nfiles, files, assets, fmt, &tot);
	if (c->fmt == OUT_TABLE && !c->quiet && nfiles > 1)
		printf("%u of %d files imported: %llu assets new, %llu updated, %llu unchanged, %llu interfaces, "
		       "%llu components%s\n",
		       tot.files, nfiles, (unsigned long long)tot.assets_created,
		       (unsigned long long)tot.assets_updated, (unsigned long long)tot.assets_unchanged,
		       (unsigned long long)tot.interfaces,
		       (unsigned long long)tot.components, tot.failed ? "; see the errors above" : "");
	kb_store_close(s);
	free(files);
	free(assets);
	return status;
}

static const char *const list_keys[] = { "name",    "category", "vendor",          "product",    "version",
	                                 "modules", "technical_owner", "business_owner", "interfaces", "components" };
static const char *const list_titles[] = { "NAME",    "CATEGORY",        "VENDOR",         "PRODUCT", "VERSION",
	                                   "MODULES", "TECHNICAL OWNER", "BUSINESS OWNER", "IFACES",  "COMPONENTS" };

static int list_row(const kb_asset *a, void *ctx)
{
	table *t = ctx;
	char ni[24], nc[24];
	snprintf(ni, sizeof ni, "%lld", (long long)a->n_interfaces);
	snprintf(nc, sizeof nc, "%lld", (long long)a->n_components);
	const char *v[] = { a->field[KB_AF_NAME],    a->field[KB_AF_CATEGORY],        a->field[KB_AF_VENDOR],
		            a->field[KB_AF_PRODUCT], a->field[KB_AF_VERSION],         a->field[KB_AF_MODULES],
		            a->field[KB_AF_TECHNICAL_OWNER], a->field[KB_AF_BUSINESS_OWNER], ni, nc };
	table_row(t, v);
	return 0;
}

static int ledger_list(cli *c, int argc, char **argv)
{
	kb_asset_filter f = { 0 };
	for (int i = 1; i < argc; i++) {
		const char *v;
		if (opt_value(argc, argv, &i, "--category", &v))
			f.category = v;
		else if (opt_value(argc, argv, &i, "--owner", &v))
			f.owner = v;
		else if (opt_value(argc, argv, &i, "--tag", &v))
			f.tag = v;
		else if (opt_value(argc, argv, &i, "--component", &v))
			f.component = v;
		else if (opt_value(argc, argv, &i, "--name", &v))
			f.name_like = v;
		else {
			cli_usage_error(usage_list, "unexpected argument %s", argv[i]);
			return EXIT_ERROR;
		}
	}
	kb_store *s;
	if (cli_open_store(c, false, &s) < 0)
		return EXIT_ERROR;
	table *t = table_new(c, 10, list_keys, list_titles);
	table_set_numeric(t, 3u << 8);
	table_set_kind(t, "asset");
	kb_error err;
	kb_error_clear(&err);
	int r = kb_ledger_assets(s, &f, list_row, t, &err);
	table_end(t);
	kb_store_close(s);
	if (r < 0) {
		cli_report(&err);
		return EXIT_ERROR;
	}
	return EXIT_CLEAN;
}

struct show {
	cli *c;
	json_t *obj;
	int64_t id;
	table *t;
	int64_t n_if, n_comp;
};

static int show_asset(const kb_asset *a, void *ctx)
{
	struct show *sh = ctx;
	sh->id = a->id;
	if (sh->c->fmt == OUT_JSON) {
		sh->obj = json_object();
		json_object_set_new(sh->obj, "type", json_string("asset"));
		for (int f = 0; f < KB_AF__COUNT; f++)
			json_object_set_new(sh->obj, kb_asset_field_name((kb_asset_field)f),
			                    a->field[f] ? json_string(a->field[f]) : json_null());
		return 0;
	}
	if (sh->c->fmt == OUT_CSV) {
		static const char *const keys[] = { "field", "value" };
		table *t = table_new(sh->c, 2, keys, keys);
		for (int f = 0; f < KB_AF__COUNT; f++) {
			const char *v[] = { kb_asset_field_name((kb_asset_field)f), a->field[f] };
			table_row(t, v);
		}
		table_end(t);
		return 0;
	}
	for (int f = 0; f < KB_AF__COUNT; f++)
		printf("%-16s %s\n", kb_asset_field_name((kb_asset_field)f), a->field[f] ? a->field[f] : "-");
	return 0;
}

static int show_iface(const kb_interface *i, void *ctx)
{
	struct show *sh = ctx;
	sh->n_if++;
	char port[16] = "";
	if (i->port)
		snprintf(port, sizeof port, "%d", i->port);
	const char *exp = kb_exposure_name(i->exposure);
	if (sh->obj) {
		json_t *arr = json_object_get(sh->obj, "interfaces");
		json_t *o = json_pack("{s:s, s:o, s:s, s:s, s:s, s:b}", "address", i->address, "port",
		                      i->port ? json_integer(i->port) : json_null(), "protocol", i->protocol, "role",
		                      kb_role_name(i->role), "exposure", exp, "exposure_given", i->exposure_given);
		json_array_append_new(arr, o);
		return 0;
	}
	if (sh->t) {
		char ebuf[32];
		snprintf(ebuf, sizeof ebuf, "%s%s", exp, i->exposure_given ? " (given)" : "");
		const char *v[] = { kb_role_name(i->role), i->address, port, i->protocol, ebuf };
		table_row(sh->t, v);
	}
	return 0;
}

static int show_comp(const kb_component *cp, void *ctx)
{
	struct show *sh = ctx;
	sh->n_comp++;
	if (sh->obj) {
		json_t *arr = json_object_get(sh->obj, "components");
		json_t *o = json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s, s:s, s:s}", "ecosystem", cp->ecosystem, "name",
		                      cp->name, "version", cp->version, "purl", cp->purl, "cpe", cp->cpe, "source",
		                      kb_source_name(cp->source), "evidence", cp->evidence, "origin", cp->origin);
		json_array_append_new(arr, o);
		return 0;
	}
	if (sh->t) {
		const char *v[] = { cp->ecosystem, cp->name, cp->version, kb_source_name(cp->source),
			            cp->evidence && *cp->evidence ? cp->evidence : cp->origin };
		table_row(sh->t, v);
	}
	return 0;
}

static int ledger_show(cli *c, int argc, char **argv)
{
	if (argc != 2) {
		cli_usage_error(usage_show, "name one asset");
		return EXIT_ERROR;
	}
	kb_store *s;
	if (cli_open_store(c, false, &s) < 0)
		return EXIT_ERROR;
	struct show sh = { .c = c };
	kb_error err;
	kb_error_clear(&err);
	int r = kb_ledger_asset(s, argv[1], show_asset, &sh, &err);
	if (r == 0 && sh.obj) {
		json_object_set_new(sh.obj, "interfaces", json_array());
		json_object_set_new(sh.obj, "components", json_array());
	}
	if (r == 0 && c->fmt != OUT_CSV) {
		static const char *const ik[] = { "role", "address", "port", "protocol", "exposure" };
		static const char *const it[] = { "ROLE", "ADDRESS", "PORT", "PROTO", "EXPOSURE" };
		if (c->fmt == OUT_TABLE) {
			printf("\ninterfaces\n");
			sh.t = table_new(c, 5, ik, it);
		}
		r = kb_ledger_interfaces(s, sh.id, show_iface, &sh, &err);
		if (sh.t) {
			table_end(sh.t);
			sh.t = NULL;
		}
		if (c->fmt == OUT_TABLE && sh.n_if == 0)
			printf("none\n");
		static const char *const ck[] = { "ecosystem", "name", "version", "source", "evidence" };
		static const char *const ct[] = { "ECOSYSTEM", "NAME", "VERSION", "SOURCE", "EVIDENCE" };
		if (r == 0 && c->fmt == OUT_TABLE) {
			printf("\ncomponents\n");
			sh.t = table_new(c, 5, ck, ct);
		}
		if (r == 0)
			r = kb_ledger_components(s, sh.id, show_comp, &sh, &err);
		if (sh.t)
			table_end(sh.t);
		if (r == 0 && c->fmt == OUT_TABLE && sh.n_comp == 0)
			printf("none\n");
	}
	if (r == 0 && sh.obj) {
		char *js = json_dumps(sh.obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (js)
			puts(js);
		free(js);
	}
	json_decref(sh.obj);
	kb_store_close(s);
	if (r < 0) {
		cli_report(&err);
		return EXIT_ERROR;
	}
	return EXIT_CLEAN;
}

static int ledger_set(cli *c, int argc, char **argv)
{
	if (argc < 3) {
		cli_usage_error(usage_set, "name an asset and at least one FIELD=VALUE");
		return EXIT_ERROR;
	}
	int n = argc - 2;
	char **fields = calloc((size_t)n, sizeof *fields);
	const char **values = calloc((size_t)n, sizeof *values);
	for (int i = 0; i < n; i++) {
		char *eq = strchr(argv[i + 2], '=');
		if (!eq || eq == argv[i + 2]) {
			cli_usage_error(usage_set, "expected FIELD=VALUE, found \"%s\"", argv[i + 2]);
			for (int j = 0; j < i; j++)
				free(fields[j]);
			free(fields);
			free(values);
			return EXIT_ERROR;
		}
		fields[i] = strndup(argv[i + 2], (size_t)(eq - argv[i + 2]));
		values[i] = eq + 1;
	}
	kb_store *s;
	int status = EXIT_CLEAN;
	if (cli_open_store(c, false, &s) < 0) {
		status = EXIT_ERROR;
	} else {
		kb_error err;
		kb_error_clear(&err);
		if (kb_ledger_set(s, argv[1], (size_t)n, (const char *const *)fields, values, &err) < 0) {
			cli_report(&err);
			status = EXIT_ERROR;
		}
		kb_store_close(s);
	}
	for (int i = 0; i < n; i++)
		free(fields[i]);
	free(fields);
	free(values);
	return status;
}

static int ledger_delete(cli *c, int argc, char **argv)
{
	if (argc != 2) {
		cli_usage_error(usage_delete, "name one asset");
		return EXIT_ERROR;
	}
	kb_store *s;
	if (cli_open_store(c, false, &s) < 0)
		return EXIT_ERROR;
	kb_error err;
	kb_error_clear(&err);
	int r = kb_ledger_delete(s, argv[1], &err);
	kb_store_close(s);
	if (r < 0) {
		cli_report(&err);
		return EXIT_ERROR;
	}
	return EXIT_CLEAN;
}

static int write_file(const char *data, size_t len, void *ctx)
{
	return fwrite(data, 1, len, ctx) == len ? 0 : KB_EIO;
}

static int export_to(kb_store *s, const char *path, bool json, kb_sheet sheet)
{
	FILE *f = path ? fopen(path, "wb") : stdout;
	if (!f) {
		cli_error("%s: cannot create: %s", path, strerror(errno));
		return EXIT_ERROR;
	}
	kb_error err;
	kb_error_clear(&err);
	int r = json ? kb_ledger_export_json(s, write_file, f, &err) : kb_ledger_export_csv(s, sheet, write_file, f, &err);
	if (path && fclose(f) != 0 && r == 0)
		r = kb_error_set(&err, KB_EIO, path, 0, 0, KB_NO_OFFSET, "write failed: %s", strerror(errno));
	if (r < 0) {
		if (!err.file[0] && path)
			snprintf(err.file, sizeof err.file, "%s", path);
		cli_report(&err);
		return EXIT_ERROR;
	}
	return EXIT_CLEAN;
}

static int ledger_export(cli *c, int argc, char **argv)
{
	const char *format = c->fmt == OUT_CSV ? "csv" : "json";
	const char *out = NULL, *sheet_s = NULL;
	for (int i = 1; i < argc; i++) {
		const char *v;
		if (opt_value(argc, argv, &i, "--format", &v))
			format = v;
		else if (opt_value(argc, argv, &i, "--sheet", &v))
			sheet_s = v;
		else if (opt_value(argc, argv, &i, "-o", &v) || opt_value(argc, argv, &i, "--output", &v))
			out = v;
		else {
			cli_usage_error(usage_export, "unexpected argument %s", argv[i]);
			return EXIT_ERROR;
		}
	}
	bool json = strcmp(format, "json") == 0;
	if (!json && strcmp(format, "csv") != 0) {
		cli_usage_error(usage_export, "--format: expected json or csv, found \"%s\"", format);
		return EXIT_ERROR;
	}
	kb_sheet sheet = KB_SHEET_NONE;
	if (sheet_s && json) {
		cli_usage_error(usage_export, "--sheet picks one CSV sheet; it does not apply to JSON (add --format csv)");
		return EXIT_ERROR;
	}
	if (sheet_s) {
		if (strcmp(sheet_s, "assets") == 0)
			sheet = KB_SHEET_ASSETS;
		else if (strcmp(sheet_s, "interfaces") == 0)
			sheet = KB_SHEET_INTERFACES;
		else if (strcmp(sheet_s, "components") == 0)
			sheet = KB_SHEET_COMPONENTS;
		else {
			cli_usage_error(usage_export, "--sheet: expected assets, interfaces or components");
			return EXIT_ERROR;
		}
	}
	kb_store *s;
	if (cli_open_store(c, false, &s) < 0)
		return EXIT_ERROR;
	int status;
	if (json) {
		status = export_to(s, out, true, KB_SHEET_NONE);
	} else if (sheet != KB_SHEET_NONE || !out) {
		status = export_to(s, out, false, sheet != KB_SHEET_NONE ? sheet : KB_SHEET_ASSETS);
	} else {
		/* CSV to a directory: the three sheets that import back to this ledger. */
		if (mkdir(out, 0777) != 0 && errno != EEXIST) {
			cli_error("%s: cannot create directory: %s", out, strerror(errno));
			kb_store_close(s);
			return EXIT_ERROR;
		}
		static const struct {
			const char *file;
			kb_sheet sheet;
		} sheets[] = { { "assets.csv", KB_SHEET_ASSETS },
			       { "interfaces.csv", KB_SHEET_INTERFACES },
			       { "components.csv", KB_SHEET_COMPONENTS } };
		status = EXIT_CLEAN;
		for (size_t i = 0; i < 3 && status == EXIT_CLEAN; i++) {
			char path[4096];
			snprintf(path, sizeof path, "%s/%s", out, sheets[i].file);
			status = export_to(s, path, false, sheets[i].sheet);
		}
	}
	kb_store_close(s);
	return status;
}

int cmd_ledger(cli *c, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(cli *, int, char **);
	} subs[] = {
		{ "import", ledger_import }, { "list", ledger_list },     { "show", ledger_show },
		{ "set", ledger_set },       { "delete", ledger_delete }, { "export", ledger_export },
	};
	if (argc < 2) {
		fprintf(stderr, "usage: %s\n       %s\n       %s\n       %s\n       %s\n       %s\n", usage_import,
		        usage_list, usage_show, usage_set, usage_delete, usage_export);
		return EXIT_ERROR;
	}
	for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
		if (strcmp(argv[1], subs[i].name) == 0)
			return subs[i].fn(c, argc - 1, argv + 1);
	cli_error("unknown ledger command \"%s\": expected import, list, show, set, delete or export", argv[1]);
	return EXIT_ERROR;
}
