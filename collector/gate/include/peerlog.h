/*  peerlog.h: at most one log line a second per peer address.

    A refused or lost connection is logged with the peer's address, but a
    peer retrying every 100 ms (libzmq's reconnect) or a flood of handshakes
    must not flood the log. A small table remembers, per address, when the
    next line may be written and how many were held back meanwhile; that
    count goes into the next line. Addresses share slots by hash, so many
    peers at once cost a fixed amount of memory, and a collision only lets an
    extra line through. Each slot is a counted loglimit_t (loglimit.h): the
    rule is loglimit's, the key and the fixed table are what this adds.
*/
#ifndef ZAPM_PEERLOG_H
#define ZAPM_PEERLOG_H

#include <stdbool.h>
#include <stdint.h>

typedef struct _peerlog_t peerlog_t;

//  A new, empty table. NULL if out of memory.
peerlog_t *peerlog_new (void);

//  Frees it; sets *self_p to NULL.
void peerlog_destroy (peerlog_t **self_p);

//  True if a line about `address` for `reason` may be written now; then
//  *held is how many were held back since the last one. Otherwise counts this
//  one as held. Each reason has its own limit, so one problem of a peer never
//  hides another.
bool peerlog_allow (peerlog_t *self, const char *address, int reason, int64_t mono_ns,
                    uint64_t *held);

#endif
