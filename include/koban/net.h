/*
 * net.h - where an address sits: the exposure of an interface derived from its
 * address when the ledger does not say.
 *
 * Internal: RFC 1918 (10/8, 172.16/12, 192.168/16), RFC 6598 shared address
 * space (100.64/10), loopback (127/8, ::1), link-local (169.254/16, fe80::/10)
 * and unique local (fc00::/7); IPv4-mapped IPv6 addresses are judged by their
 * IPv4 part. Unknown: anything that is not an IP literal (a host name), the
 * unspecified address, multicast, and 0/8 and 240/4. Everything else is public.
 */
#ifndef KOBAN_NET_H
#define KOBAN_NET_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum kb_exposure {
	KB_EXPOSURE_UNKNOWN = 0,
	KB_EXPOSURE_INTERNAL = 1,
	KB_EXPOSURE_PUBLIC = 2,
} kb_exposure;

/* Exposure implied by an address literal (IPv4 dotted quad or IPv6, optionally
 * in brackets, optionally with a %zone). Never fails. */
kb_exposure kb_net_classify(const char *address);

/* "public", "internal", "unknown". */
const char *kb_exposure_name(kb_exposure e);
/* 0 and *ret on a known word (case-insensitive), KB_EINVAL otherwise. */
int kb_exposure_parse(const char *s, kb_exposure *ret);

#ifdef __cplusplus
}
#endif
#endif
