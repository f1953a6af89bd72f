/*
 * netscan.h - network scans (nmap XML) in the store, so that a management
 * interface seen open from the internet is an exposure even when the ledger
 * gives it an internal address (NAT, a forgotten firewall rule).
 *
 * An import keeps, per address, port and protocol, the state the scan saw
 * (open, closed, filtered, ...), the service, the scan's start time, and the
 * vantage point it was run from; a scan from the same vantage updates the rows
 * it covers unless it is older than what they hold. An interface is matched
 * by its exact address: an address published through NAT must be in the
 * ledger as an interface of its own to be matched.
 */
#ifndef KOBAN_NETSCAN_H
#define KOBAN_NETSCAN_H

#include "koban/store.h"

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum kb_vantage { KB_VANTAGE_EXTERNAL = 0, KB_VANTAGE_INTERNAL } kb_vantage;

const char *kb_vantage_name(kb_vantage v);
int kb_vantage_parse(const char *s, kb_vantage *ret);

#define KB_NETSCAN_MAX_BYTES (512u << 20) /* one scan file */

typedef struct kb_netscan_stats {
	uint64_t hosts;
	uint64_t ports;
	uint64_t open;
} kb_netscan_stats;

/* Import one nmap XML (-oX) file in one transaction. Malformed XML gives its
 * line and column; a file that is not nmap output gives KB_EFORMAT. */
int kb_netscan_import_file(kb_store *s, const char *path, kb_vantage from, kb_netscan_stats *ret, kb_error *err);

/* Was `address` `port`/`protocol` seen open from outside? On yes, *ret_source
 * (size n) names the scan file and its time. */
int kb_netscan_open_outside(kb_store *s, const char *address, int port, const char *protocol, bool *ret,
                            char *ret_source, size_t n, kb_error *err);

#ifdef __cplusplus
}
#endif
#endif
