/*  allowlist.h: the public keys of the agents allowed in, from --curve-allow DIR.

    Every file in DIR is a public certificate (zapm-keygen's PATH, or any
    czmq/pyzmq certificate); its public key admits that agent. Hidden files
    are ignored; a *_secret file is skipped with a warning (a secret key does
    not belong there). A file that cannot be read or is not a certificate
    gets one log line and the others still load.

    allowlist_refresh rereads DIR when its modification time changed (a file
    added, removed or renamed) and every few seconds anyway (a file edited in
    place), so adding a certificate admits an agent and removing one revokes
    it without a restart. If DIR itself cannot be read, the last keys read
    stay in force and the error is logged: a passing failure must not lock
    the whole fleet out. The read runs on the collector's loop: a directory of
    small files, a few hundred microseconds for a hundred certificates.
*/
#ifndef ZAPM_ALLOWLIST_H
#define ZAPM_ALLOWLIST_H

#include "cert.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct _allowlist_t allowlist_t;

//  Reads DIR once. Returns NULL (and logs why) if DIR cannot be read.
allowlist_t *allowlist_new (const char *dir);

//  Frees the list; sets *self_p to NULL.
void allowlist_destroy (allowlist_t **self_p);

//  Rereads DIR if it changed (checked at most once a second). Returns true
//  when the set of keys changed.
bool allowlist_refresh (allowlist_t *self, int64_t mono_ns);

//  True if `key` (CERT_KEY_BYTES) is allowed.
bool allowlist_has (const allowlist_t *self, const uint8_t *key);

//  How many keys are allowed.
uint32_t allowlist_size (const allowlist_t *self);

//  A number that changes whenever the set of keys changes.
uint64_t allowlist_generation (const allowlist_t *self);

//  The directory, for messages.
const char *allowlist_dir (const allowlist_t *self);

#endif
