/*  peerlog.c: one log line a second per peer address (peerlog.h). */
#include "peerlog.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define PEERLOG_SLOTS  256
#define PEERLOG_GAP_NS 1000000000LL
#define PEERLOG_ADDR   64

typedef struct {
    char address[PEERLOG_ADDR]; //  the peer this slot holds
    int64_t next;               //  earliest time of its next line
    int reason;                 //  and the kind of line
    uint64_t held;              //  lines held back since its last one
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
    if (slot->reason != reason || strncmp (slot->address, address, PEERLOG_ADDR - 1) != 0) {
        slot->reason = reason;
        strncpy (slot->address, address, PEERLOG_ADDR - 1);
        slot->address[PEERLOG_ADDR - 1] = '\0';
        slot->next = 0;
        slot->held = 0;
    }
    if (mono_ns < slot->next) {
        slot->held++;
        return false;
    }
    *held = slot->held;
    slot->held = 0;
    slot->next = mono_ns + PEERLOG_GAP_NS;
    return true;
}
