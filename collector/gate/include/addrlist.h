/*  addrlist.h: which addresses may publish in plaintext (--plaintext-from).

    Redis' "protected mode" is the model: with no authentication configured,
    only loopback peers are served unless the operator widens it on purpose.
    A list is comma-separated IPv4 or IPv6 addresses and CIDR ranges
    ("10.0.0.0/8,192.168.1.7,fd00::/8"), or "any". The default is loopback
    (127.0.0.0/8 and ::1). Peers over ipc:// (no address) are local.
*/
#ifndef ZAPM_ADDRLIST_H
#define ZAPM_ADDRLIST_H

#include <stdbool.h>
#include <stddef.h>

typedef struct _addrlist_t addrlist_t;

//  Parses LIST; NULL means loopback only. Returns NULL with a sentence saying
//  what is wrong in `why` (`why_size` bytes) for a malformed entry.
addrlist_t *addrlist_new (const char *list, char *why, size_t why_size);

//  Frees the list; sets *self_p to NULL.
void addrlist_destroy (addrlist_t **self_p);

//  True if `address` (as ZAP gives it: "10.1.2.3", "::1", or "" for ipc)
//  may publish.
bool addrlist_match (const addrlist_t *self, const char *address);

//  The list as given ("loopback" for the default), for log lines.
const char *addrlist_text (const addrlist_t *self);

#endif
