/*
 * detect.h - is someone inside and moving? Behaviours in the flow records
 * of the store (koban/flowstore.h), scored and ranked by host.
 *
 * A run reads the flows of an analysis window in time order (and, when the
 * configuration names one, of a baseline window first), keeps bounded
 * state per host and per (source, destination) pair, and lets each
 * detector (ndr-*.c, registered in one table) emit detections. Every
 * detection names its internal host, carries threat and certainty
 * (0..100), evidence (counts, subscores, sample flows) and a next step.
 * Hosts are then ranked (see kb_detect_run for the formula).
 *
 * Context comes from a small configuration file (kb_detect_config_parse):
 * internal networks, time zone and business hours, known admin sources,
 * the baseline window; and from the store: the ledger's management
 * interfaces and asset addresses, and the IOCs.
 */
#ifndef KOBAN_DETECT_H
#define KOBAN_DETECT_H

#include "koban/flow.h"
#include "koban/koban.h"
#include "koban/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Limits. */
#define KB_DETECT_CONFIG_MAX_BYTES (1u << 20)  /* a configuration file */
#define KB_DETECT_MAX_NETS 1024                /* internal networks configured */
#define KB_DETECT_MAX_ADMINS 1024              /* admin sources configured (addresses or networks) */
#define KB_DETECT_MAX_SAMPLES 3                /* sample flows kept per detection */

typedef struct kb_cidr {
	kb_ip net;          /* the network address (host bits zero) */
	uint8_t prefix;     /* 0..128, counted on the IPv6 form (IPv4 /24 is 120) */
} kb_cidr;

/* Parse "10.0.0.0/8", "2001:db8::/32" or a bare address (a /32 or /128). */
int kb_cidr_parse(const char *s, size_t len, kb_cidr *ret);
bool kb_cidr_contains(const kb_cidr *c, const kb_ip *a);

typedef struct kb_detect_config {
	kb_cidr internal[KB_DETECT_MAX_NETS]; /* besides RFC 1918, RFC 6598, loopback, link-local, ULA */
	size_t n_internal;
	char timezone[64];          /* IANA name ("Europe/Berlin"); "UTC" when not given */
	uint8_t business_days;      /* bit d: day d is a business day (0 Sunday .. 6 Saturday); Mon-Fri default */
	uint16_t business_start;    /* minutes after local midnight; 08:00 default */
	uint16_t business_end;      /* 18:00 default; a time in [start, end) is business hours */
	kb_cidr admins[KB_DETECT_MAX_ADMINS];
	size_t n_admins;
	int64_t baseline_since_us;  /* both 0: no baseline */
	int64_t baseline_until_us;
	/* thresholds (defaults documented in koban-detect(1)) */
	unsigned beacon_min_score;      /* percent; 70 */
	unsigned fanout_min_hosts;      /* distinct internal hosts on admin ports; 10 */
	unsigned scan_min_targets;      /* distinct hosts (horizontal) or ports (vertical); 50 */
	uint64_t upload_min_bytes;      /* one bulk upload; 100 MB */
	unsigned long_conn_min_s;       /* summed duration of a pair; 3600 */
	unsigned dns_min_subdomains;    /* under one registered domain; 100 */
	unsigned rare_port_max_sources; /* a port used by at most this many internal hosts is rare; 2 */
	unsigned report_min_priority;   /* exit 1 when a host ranks at or above; 30 */
} kb_detect_config;

/* The defaults (no file). */
void kb_detect_config_default(kb_detect_config *c);
/* Read a configuration (`text`, len bytes, named `name` for errors) over
 * the defaults. Lines are "key = value" with '#' comments; see
 * koban-detect(1) for the keys. Unknown keys and bad values are errors with
 * their line and column. */
int kb_detect_config_parse(const char *name, const char *text, size_t len, kb_detect_config *ret, kb_error *err);
int kb_detect_config_load(const char *path, kb_detect_config *ret, kb_error *err);
/* Whether an address is internal under this configuration. */
bool kb_detect_is_internal(const kb_detect_config *c, const kb_ip *a);

typedef struct kb_detection {
	const char *kind;        /* "beacon", "uncommon-port", "long-connection", "exfiltration", "staging",
	                            "lateral-fanout", "lateral-new-admin", "scan-horizontal", "scan-vertical",
	                            "console-off-hours", "console-non-admin", "ioc-contact", "dns-c2" */
	const char *category;    /* "command-and-control", "exfiltration", "lateral-movement", "reconnaissance" */
	kb_ip host;              /* the internal host it is about */
	const char *host_asset;  /* its ledger asset, or NULL */
	const char *peer;        /* the other side: an address, "30 hosts", a domain, an asset */
	unsigned threat;         /* 0..100: how bad if true */
	unsigned certainty;      /* 0..100: how sure */
	int64_t first_us, last_us;
	const char *summary;     /* one sentence */
	const char *evidence;    /* "key=value; ..." counts and subscores */
	const char *next_step;   /* what to look at first */
	kb_flow samples[KB_DETECT_MAX_SAMPLES];
	size_t n_samples;
} kb_detection;

typedef struct kb_host_rank {
	kb_ip host;
	const char *asset;       /* NULL when the ledger has none at this address */
	unsigned threat, certainty, priority; /* 0..100 */
	size_t n_detections;
	const char *kinds;       /* "beacon,console-off-hours" */
} kb_host_rank;

typedef struct kb_detect_stats {
	uint64_t flows, baseline_flows, paired, stitched;
	uint64_t hosts, pairs, beacon_states;
	uint64_t state_bytes;    /* peak bytes of per-host and per-pair state */
	uint64_t dropped_detections; /* past the limit of detections kept (koban-detect(1)) */
} kb_detect_stats;

typedef struct kb_detect_result {
	kb_detection *detections; /* ranked hosts' detections first, by priority then threat */
	size_t n_detections;
	kb_host_rank *hosts;      /* by priority, highest first */
	size_t n_hosts;
	kb_detect_stats stats;
} kb_detect_result;

struct kb_ioc_set;

typedef struct kb_detect_opts {
	const kb_detect_config *config;   /* NULL: the defaults */
	int64_t since_us, until_us;       /* the analysis window; 0: from the first flow after the baseline,
	                                     to the last flow */
	const kb_ip *only_host;           /* report this host only (NULL: all) */
	const struct kb_ioc_set *iocs;    /* NULL: no IOC detector */
} kb_detect_opts;

/*
 * Run every detector. Host priority: each detection i has threat t_i and
 * certainty c_i (0..1); a host's threat is max t_i + 0.25 * the sum of the
 * others, at most 1; its certainty is 1 - prod(1 - c_i); its priority is
 * 100 * threat * certainty. Hosts are ranked by priority, then threat.
 * The result is the caller's: free it with kb_detect_result_free().
 */
int kb_detect_run(kb_store *s, const kb_detect_opts *o, kb_detect_result **ret, kb_error *err);
kb_detect_result *kb_detect_result_free(kb_detect_result *r);

#ifdef __cplusplus
}
#endif
#endif
