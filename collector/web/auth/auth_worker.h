/*  auth_worker.h: password hashing off the collector's loop.

    yescrypt or bcrypt cost 10-100 ms by design; the collector's one loop must
    never pay that. The loop hands a job (password, the hash to check it
    against, an opaque tag) to one worker thread and suspends the request;
    the worker runs crypt_rn and posts the verdict; an eventfd wakes the loop,
    which takes the verdicts and resumes the requests (libmicrohttpd in
    external mode must be resumed from the loop's own thread).

    The queue is bounded (AUTH_WORKER_QUEUE jobs waiting or done but not yet
    taken): when it is full auth_worker_submit refuses at once, so a flood of
    wrong passwords costs the flooder 429s and at most one core of hashing,
    and never memory or the loop's time.
*/
#ifndef ZAPM_AUTH_WORKER_H
#define ZAPM_AUTH_WORKER_H

#include "credentials.h"

#include <stdbool.h>

#define AUTH_WORKER_QUEUE 64

typedef struct _auth_worker_t auth_worker_t;

//  Called by auth_worker_take for each finished job, on the loop's thread.
typedef void (auth_worker_done_fn) (void *arg, void *tag, bool verified);

//  Starts the worker thread. NULL (errno set) if it cannot.
auth_worker_t *auth_worker_new (void);

//  Stops the thread (after the job in hand) and frees everything; verdicts not
//  yet taken are dropped. Sets *self_p to NULL.
void auth_worker_destroy (auth_worker_t **self_p);

//  Queues a check of `password` against crypt(3) string `hash`; `tag` comes
//  back with the verdict. A NULL hash (an unknown user) is checked against
//  `decoy` and always fails, so it costs what a known user costs. Returns
//  false when the queue is full.
bool auth_worker_submit (auth_worker_t *self, const char *password, const char *hash,
                         const char *decoy, void *tag);

//  Readable when verdicts are waiting.
int auth_worker_fd (auth_worker_t *self);

//  Calls done (arg, tag, verified) for each finished job; returns how many.
unsigned auth_worker_take (auth_worker_t *self, auth_worker_done_fn *done, void *arg);

//  Stops the thread (after the job in hand) and calls done (arg, tag, false)
//  for every job not yet taken, finished or not; later submits are refused.
//  For shutdown: no request may stay suspended when the server stops.
void auth_worker_cancel (auth_worker_t *self, auth_worker_done_fn *done, void *arg);

//  Jobs queued or running or finished but not taken.
unsigned auth_worker_pending (auth_worker_t *self);

#endif
