/*  peerlog.c: one log line a second per peer address (peerlog.h).

    Each slot is a counted loglimit_t (loglimit.h, the one home of "at most
    so many lines") keyed by address and reason: the rule of when a line may
    go out and what it counts is loglimit's; what this file adds is only the
    key, a fixed table of slots by hash, because a loglimit_t per peer would
    need a table that grows with the peers, which is what a flood of
    handshakes from many addresses must not make. It stays its own class for
    that key, not for a rule of its own.
*/
#include "peerlog.h"
#include "loglimit.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define PEERLOG_SLOTS  256
#define PEERLOG_GAP_NS 1000000000LL
#define PEERLOG_ADDR   64

typedef struct {
    char address[PEERLOG_ADDR]; //  the peer this slot holds
    int reason;                 //  and the kind of line
    loglimit_t log;             //  its lines, counted: one a second at most
} s_slot_t;

struct _peerlog_t {
    s_slot_t slots[PEERLOG_SLOTS]; //  by hash of the address
};

peerlog_t *
peerlog_new (void)
{
    return calloc (1, sizeof (peerlog_t));
}

void
peerlog_destroy (peerlog_t **self_p)
{
    assert (self_p);
    free (*self_p);
    *self_p = NULL;
}

bool
peerlog_allow (peerlog_t *self, const char *address, int reason, int64_t mono_ns, uint64_t *held)
{
    assert (self);
    uint32_t hash = 2166136261u ^ (uint32_t) reason;
    for (const char *p = address; *p; p++)
        hash = (hash ^ (uint8_t) *p) * 16777619u;
    s_slot_t *slot = &self->slots[hash % PEERLOG_SLOTS];
    if (slot->log.window_ns == 0 || slot->reason != reason ||
        strncmp (slot->address, address, PEERLOG_ADDR - 1) != 0) {
        slot->reason = reason;
        strncpy (slot->address, address, PEERLOG_ADDR - 1);
        slot->address[PEERLOG_ADDR - 1] = '\0';
        slot->log = (loglimit_t) LOGLIMIT_COUNTED (PEERLOG_GAP_NS);
    }
    uint64_t lines = loglimit_count (&slot->log, mono_ns);
    if (!lines)
        return false;
    *held = lines - 1; //  this one is written
    return true;
}
