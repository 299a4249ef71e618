/*  auth_cache.h: Authorization values already verified, so a slow hash is paid
    once per user and session, not once per request.

    Only values whose password the worker verified go in (a wrong password is
    never cached, so a flood of them cannot fill or churn the cache). An entry
    holds the whole header value, compared in constant time: the index hash
    (SipHash-2-4 with a key drawn at start) only picks the set, so a hash
    collision can never let a different value in. 64 sets of 4 entries; an
    entry lives AUTH_CACHE_TTL_NS, then the password is verified again (so a
    changed file also takes effect for sessions that outlive a reload, which
    clears the cache anyway). A lookup is one SipHash over the value and at
    most four comparisons: well under the 2 us budget (bench/collector/
    bench_auth.c measures it).
*/
#ifndef ZAPM_AUTH_CACHE_H
#define ZAPM_AUTH_CACHE_H

#include "credentials.h"

#include <stdbool.h>
#include <stdint.h>

#define AUTH_CACHE_TTL_NS (300LL * 1000000000LL)

typedef struct _auth_cache_t auth_cache_t;

//  A cache with a fresh random key, or NULL when out of memory.
auth_cache_t *auth_cache_new (void);
void auth_cache_destroy (auth_cache_t **self_p);

//  True when `header` (an Authorization value) was verified and has not
//  expired at monotonic time `now`.
bool auth_cache_find (auth_cache_t *self, const char *header, int64_t now);

//  Remembers `header` as verified at `now`, replacing an expired or the oldest
//  entry of its set.
void auth_cache_add (auth_cache_t *self, const char *header, int64_t now);

//  Forgets everything (the users file changed).
void auth_cache_clear (auth_cache_t *self);

#endif
