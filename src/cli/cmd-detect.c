/*
 * cmd-detect.c - `koban detect`: behaviours in the stored flows, hosts
 * ranked. Prints the ranked hosts, then every detection (kind, peer,
 * threat, certainty, when, summary; NDJSON and CSV add the evidence, the
 * next step and sample flows). Exit 1 when a host ranks at or above the
 * configuration's report_min_priority.
 */
#include "cli.h"
#include "exposure-cli.h"
#include "koban/detect.h"
#include "koban/flowstore.h"
#include "koban/ioc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char usage_detect[] =
	"koban detect [--config FILE] [--since TIME] [--until TIME] [--host ADDRESS] [--no-iocs]";

/* "2026-11-20", "2026-11-20T02:00", "2026-11-20T02:00:00Z" (UTC). */
static int parse_time(const char *s, int64_t *ret)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, n = 0;
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3)
		return -1;
	const char *p = s + n;
	if (*p == 'T' || *p == ' ') {
		int m = 0;
		if (sscanf(p + 1, "%2d:%2d%n", &h, &mi, &m) != 2)
			return -1;
		p += 1 + m;
		if (*p == ':') {
			if (sscanf(p + 1, "%2d%n", &sec, &m) != 1)
				return -1;
			p += 1 + m;
		}
	}
	if (*p == 'Z')
		p++;
	if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = sec };
	*ret = (int64_t)timegm(&tm) * 1000000;
	return 0;
}

static void iso(int64_t us, char *out, size_t size)
{
	if (us <= 0)
		out[0] = '\0';
	else
		cli_iso_time(us, out, size);
}

static void sample_text(const kb_flow *f, char *out, size_t size)
{
	char a[KB_IP_TEXT_MAX], b[KB_IP_TEXT_MAX], t[32];
	kb_ip_format(&f->orig, a, sizeof a);
	kb_ip_format(&f->resp, b, sizeof b);
	iso(f->start_us, t, sizeof t);
	snprintf(out, size, "%s %s:%u -> %s:%u %s %s %llu/%llu bytes", t, a, f->orig_port, b, f->resp_port,
	         f->proto == 6 ? "tcp" : f->proto == 17 ? "udp" : f->proto == 1 ? "icmp" : "ip",
	         f->state[0] ? f->state : "-", (unsigned long long)f->orig_bytes, (unsigned long long)f->resp_bytes);
}

int cli_detect_report(cli *c, kb_store *s, const kb_detect_config *cfg, const kb_detect_opts *base, bool *ret_alarm)
{
	kb_detect_opts o = *base;
	o.config = cfg;
	kb_detect_result *res = NULL;
	kb_error err;
	kb_error_clear(&err);
	if (c->progress)
		fprintf(stderr, "\r\033[Kdetect: reading flows");
	int r = kb_detect_run(s, &o, &res, &err);
	if (c->progress)
		fputs("\r\033[K", stderr);
	if (r < 0) {
		cli_report(&err);
		return EXIT_ERROR;
	}
	unsigned threshold = cfg ? cfg->report_min_priority : 30;
	bool alarm = false;
	if (c->fmt != OUT_CSV) {
		if (c->fmt == OUT_TABLE)
			printf("hosts ranked (priority = threat x certainty):\n");
		static const char *const keys[] = { "rank", "host", "asset", "priority", "threat", "certainty", "detections",
			                            "kinds" };
		static const char *const titles[] = { "#", "HOST", "ASSET", "PRIORITY", "THREAT", "CERTAINTY", "DETECTIONS",
			                              "KINDS" };
		table *t = table_new(c, 8, keys, titles);
		table_set_kind(t, "host_rank");
		table_set_numeric(t, 1 | 8 | 16 | 32 | 64);
		for (size_t i = 0; i < res->n_hosts; i++) {
			const kb_host_rank *h = &res->hosts[i];
			char rank[24], ip[KB_IP_TEXT_MAX], pr[8], th[8], ce[8], nd[24];
			snprintf(rank, sizeof rank, "%zu", i + 1);
			kb_ip_format(&h->host, ip, sizeof ip);
			snprintf(pr, sizeof pr, "%u", h->priority);
			snprintf(th, sizeof th, "%u", h->threat);
			snprintf(ce, sizeof ce, "%u", h->certainty);
			snprintf(nd, sizeof nd, "%zu", h->n_detections);
			const char *row[] = { rank, ip, h->asset ? h->asset : "", pr, th, ce, nd, h->kinds };
			table_row(t, row);
		}
		table_end(t);
		if (c->fmt == OUT_TABLE && !res->n_hosts)
			printf("none\n");
		if (c->fmt == OUT_TABLE)
			printf("\ndetections:\n");
	}
	for (size_t i = 0; i < res->n_hosts; i++)
		if (res->hosts[i].priority >= threshold)
			alarm = true;
	static const char *const keys[] = { "host", "kind", "category", "peer", "threat", "certainty", "first", "last",
		                            "summary", "evidence", "next_step", "samples" };
	static const char *const titles[] = { "HOST", "KIND", "CATEGORY", "PEER", "THREAT", "CERT", "FIRST", "LAST",
		                              "WHAT", "EVIDENCE", "NEXT STEP", "SAMPLES" };
	table *t = table_new(c, 12, keys, titles);
	table_set_kind(t, "detection");
	table_set_numeric(t, 16 | 32);
	table_set_hidden(t, 4 | 128 | 512 | 1024 | 2048);
	for (size_t i = 0; i < res->n_detections; i++) {
		const kb_detection *d = &res->detections[i];
		char ip[KB_IP_TEXT_MAX], th[8], ce[8], first[32], last[32], samples[3 * 200] = "";
		kb_ip_format(&d->host, ip, sizeof ip);
		snprintf(th, sizeof th, "%u", d->threat);
		snprintf(ce, sizeof ce, "%u", d->certainty);
		iso(d->first_us, first, sizeof first);
		iso(d->last_us, last, sizeof last);
		size_t sl = 0;
		for (size_t k = 0; k < d->n_samples; k++) {
			char one[200];
			sample_text(&d->samples[k], one, sizeof one);
			sl += (size_t)snprintf(samples + sl, sizeof samples - sl, "%s%s", k ? "; " : "", one);
			if (sl >= sizeof samples)
				break;
		}
		const char *row[] = { ip, d->kind, d->category, d->peer, th, ce, first, last, d->summary, d->evidence,
			              d->next_step, samples };
		table_row(t, row);
	}
	table_end(t);
	if (c->fmt == OUT_TABLE && !c->quiet)
		printf("%zu detections on %zu hosts from %llu flows (%llu baseline); %llu pairs, %.1f MiB of state\n",
		       res->n_detections, res->n_hosts, (unsigned long long)res->stats.flows,
		       (unsigned long long)res->stats.baseline_flows, (unsigned long long)res->stats.pairs,
		       (double)res->stats.state_bytes / 1048576.0);
	if (res->stats.dropped_detections)
		cli_warn("%llu more detections were not kept (the limit of detections per run)",
		         (unsigned long long)res->stats.dropped_detections);
	if (ret_alarm)
		*ret_alarm = alarm;
	kb_detect_result_free(res);
	return alarm ? EXIT_FINDINGS : EXIT_CLEAN;
}

int cmd_detect(cli *c, int argc, char **argv)
{
	const char *config = NULL, *since = NULL, *until = NULL, *host = NULL;
	bool no_iocs = false;
	for (int i = 1; i < argc; i++) {
		const char *v;
		if (opt_value(argc, argv, &i, "--config", &v))
			config = v;
		else if (opt_value(argc, argv, &i, "--since", &v))
			since = v;
		else if (opt_value(argc, argv, &i, "--until", &v))
			until = v;
		else if (opt_value(argc, argv, &i, "--host", &v))
			host = v;
		else if (strcmp(argv[i], "--no-iocs") == 0)
			no_iocs = true;
		else {
			cli_usage_error(usage_detect, "unexpected %s", argv[i]);
			return EXIT_ERROR;
		}
	}
	kb_detect_opts o = { 0 };
	kb_ip only;
	if (since && parse_time(since, &o.since_us) < 0) {
		cli_usage_error(usage_detect, "--since %s: expected YYYY-MM-DD[THH:MM[:SS]][Z] (UTC)", since);
		return EXIT_ERROR;
	}
	if (until && parse_time(until, &o.until_us) < 0) {
		cli_usage_error(usage_detect, "--until %s: expected YYYY-MM-DD[THH:MM[:SS]][Z] (UTC)", until);
		return EXIT_ERROR;
	}
	if (host) {
		if (kb_ip_parse(host, strlen(host), &only) < 0) {
			cli_usage_error(usage_detect, "--host %s: expected an IPv4 or IPv6 address", host);
			return EXIT_ERROR;
		}
		o.only_host = &only;
	}
	kb_detect_config *cfg = malloc(sizeof *cfg);
	if (!cfg) {
		cli_error("out of memory");
		return EXIT_ERROR;
	}
	kb_detect_config_default(cfg);
	kb_error err;
	kb_error_clear(&err);
	if (config && kb_detect_config_load(config, cfg, &err) < 0) {
		cli_report(&err);
		free(cfg);
		return EXIT_ERROR;
	}
	kb_store *s = NULL;
	if (cli_open_store(c, false, &s) < 0) {
		free(cfg);
		return EXIT_ERROR;
	}
	kb_ioc_set *set = NULL;
	int status = EXIT_CLEAN;
	if (!no_iocs && kb_iocs_load(s, cli_today(), &set, &err) < 0) {
		cli_report(&err);
		status = EXIT_ERROR;
	}
	o.iocs = set;
	if (status == EXIT_CLEAN)
		status = cli_detect_report(c, s, cfg, &o, NULL);
	kb_ioc_set_free(set);
	kb_store_close(s);
	free(cfg);
	return status;
}
