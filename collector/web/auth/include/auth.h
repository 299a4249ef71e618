/*  auth.h: HTTP Basic logins for the collector's web routes (--users FILE).

    The loop's side of logging in. auth_check answers at once when it can: a
    missing or malformed header is refused, a header verified before (the
    cache, auth_cache.h) is let in for the cost of one keyed hash; anything
    else goes to the hashing thread (auth_worker.h) and the request waits,
    suspended, until auth_take hands back the verdict. Nothing slow ever runs
    on the loop; the users file is read only at start and on auth_reload
    (SIGHUP), and a file that does not parse keeps the old users.

    Failed logins are counted and logged, at most one line per 10 s.

    The face of collector/web/auth/ (with tls.h). Takes in the
    Authorization header of requests, and the users file; hands out verdicts
    to the web routes, on the loop, and its counters (auth_stats_t). Owns one
    thread, the password hasher (auth_worker.c).
*/
#ifndef ZAPM_AUTH_H
#define ZAPM_AUTH_H

#include <stdbool.h>
#include <sys/socket.h>
#include <stdint.h>

typedef struct _auth_t auth_t;

//  The logins' counters, for /metrics. Plain integers, written by the loop
//  thread only.
typedef struct {
    uint64_t auth_failed; //  logins refused (bad header, wrong password)
    uint64_t auth_busy;   //  logins answered 429: hashing queue full
} auth_stats_t;

typedef enum {
    AUTH_ALLOWED, //  verified (from the cache)
    AUTH_DENIED,  //  no header, a malformed one, or (from auth_take) a wrong login
    AUTH_PENDING, //  being verified: suspend the request and wait for auth_take
    AUTH_BUSY     //  the hashing queue is full: answer 429
} auth_verdict_t;

//  Called by auth_take for each pending check, on the loop's thread.
typedef void (auth_done_fn) (void *arg, void *tag, auth_verdict_t verdict);

//  Loads the users file at `path` and starts the hashing thread. Returns NULL
//  after logging why. `stats` (outliving it) gets the failure counters.
auth_t *auth_new (const char *path, auth_stats_t *stats);
void auth_destroy (auth_t **self_p);

//  True when Authorization value `header` was verified recently: the cost of
//  a login on every request but a user's first (bench/collector/bench_auth.c).
bool auth_known (auth_t *self, const char *header);

//  Checks an Authorization value (NULL when absent). For AUTH_PENDING `tag`
//  comes back through auth_take. `peer` (may be NULL) names the client in log
//  lines.
auth_verdict_t auth_check (auth_t *self, const char *header, const struct sockaddr *peer,
                           void *tag);

//  Re-reads the users file; on any error keeps the current users and logs why.
void auth_reload (auth_t *self);

//  Readable when verdicts are waiting; auth_take hands them to `done`.
int auth_fd (auth_t *self);
unsigned auth_take (auth_t *self, auth_done_fn *done, void *arg);

//  For shutdown: stops the hashing thread and hands every check still in
//  flight to `done` (unfinished ones as AUTH_DENIED), so no request stays
//  suspended. Later checks answer AUTH_BUSY.
void auth_cancel (auth_t *self, auth_done_fn *done, void *arg);

//  The rest of the face: the TLS certificate and key of the HTTP port.
#include "tls.h"

#endif
