/*  auth_worker.c: one thread that runs crypt(3) for the loop (see auth_worker.h).

    The thread is a worker (collector/base/include/worker.h: `zapm-auth`, signals blocked) and
    the jobs are the messages of its queue with answers: the loop builds a
    job in place, the thread writes the verdict into it and wipes the
    password, the queue's eventfd tells the loop, which takes the verdicts.
    A job counts against AUTH_WORKER_QUEUE from its submit until the loop
    takes its verdict. Nothing is locked while hashing.
*/
#include "auth_worker.h"
#include "worker.h"

#include <assert.h>
#include <crypt.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define AUTH_WORKER_NICE 10

typedef struct {
    char password[CREDENTIALS_PASSWORD_MAX + 1]; //  wiped once hashed
    char hash[USERS_HASH_MAX + 1];               //  what to compare with
    bool decoy;                                  //  unknown user: always fails
    void *tag;                                   //  the caller's
    bool verified;                               //  the verdict
} job_t;

struct _auth_worker_t {
    worker_t *thread;           //  the hasher, NULL once stopped
    worker_queue_t *jobs;       //  job_t messages, answered in place
    struct crypt_data *scratch; //  crypt_rn's state, the thread's own
};

static void
s_run (void *arg)
{
    auth_worker_t *self = arg;
    //  Hashing yields to the loop when they share a core: on Linux a thread has
    //  its own nice value.
    setpriority (PRIO_PROCESS, (id_t) gettid (), AUTH_WORKER_NICE);
    while (!worker_queue_closed (self->jobs)) {
        job_t *job = worker_queue_next (self->jobs, NULL);
        if (!job) {
            worker_queue_wait (self->jobs, INT64_MAX, 1);
            continue;
        }
        memset (self->scratch, 0, sizeof *self->scratch);
        const char *out = crypt_rn (job->password, job->hash, self->scratch, sizeof *self->scratch);
        job->verified = !job->decoy && out && out[0] == '$' && strlen (out) == strlen (job->hash) &&
                        credentials_equal (out, job->hash, strlen (job->hash));
        explicit_bzero (job->password, sizeof job->password);
        explicit_bzero (self->scratch, sizeof *self->scratch);
        worker_queue_done (self->jobs);
    }
}

auth_worker_t *
auth_worker_new (void)
{
    auth_worker_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->scratch = calloc (1, sizeof *self->scratch);
    self->jobs = worker_queue_new (AUTH_WORKER_QUEUE * WORKER_QUEUE_ROOM (sizeof (job_t)),
                                   AUTH_WORKER_QUEUE, true);
    if (!self->scratch || !self->jobs || !(self->thread = worker_new ("zapm-auth", s_run, self))) {
        int error = errno;
        worker_queue_destroy (&self->jobs);
        free (self->scratch);
        free (self);
        errno = error;
        return NULL;
    }
    return self;
}

//  Stops the thread after the job in hand; then every job is the caller's.
static void
s_stop (auth_worker_t *self)
{
    worker_queue_close (self->jobs);
    worker_destroy (&self->thread);
}

//  Stopped: fails every job not hashed, wiping its password, so that every
//  job waits as an answer.
static void
s_fail_rest (auth_worker_t *self)
{
    job_t *job;
    while ((job = worker_queue_next (self->jobs, NULL))) {
        explicit_bzero (job->password, sizeof job->password);
        job->verified = false;
        worker_queue_done (self->jobs);
    }
}

void
auth_worker_destroy (auth_worker_t **self_p)
{
    assert (self_p);
    auth_worker_t *self = *self_p;
    if (self) {
        s_stop (self);
        s_fail_rest (self);
        while (worker_queue_answer (self->jobs, NULL))
            worker_queue_release (self->jobs);
        worker_queue_destroy (&self->jobs);
        explicit_bzero (self->scratch, sizeof *self->scratch);
        free (self->scratch);
        free (self);
        *self_p = NULL;
    }
}

bool
auth_worker_submit (auth_worker_t *self, const char *password, const char *hash, const char *decoy,
                    void *tag)
{
    assert (self);
    const char *against = hash ? hash : decoy;
    if (!against || strlen (against) > USERS_HASH_MAX ||
        strlen (password) > CREDENTIALS_PASSWORD_MAX)
        return false;
    job_t *job = worker_queue_reserve (self->jobs, sizeof *job);
    if (!job)
        return false; //  AUTH_WORKER_QUEUE jobs held (counted by the queue), or stopped
    strcpy (job->password, password);
    strcpy (job->hash, against);
    job->decoy = hash == NULL;
    job->tag = tag;
    job->verified = false;
    worker_queue_push (self->jobs);
    return true;
}

int
auth_worker_fd (auth_worker_t *self)
{
    assert (self);
    return worker_queue_fd (self->jobs);
}

unsigned
auth_worker_take (auth_worker_t *self, auth_worker_done_fn *done, void *arg)
{
    assert (self);
    unsigned taken = 0;
    job_t *job;
    while ((job = worker_queue_answer (self->jobs, NULL))) {
        //  Off the queue before the callback, which may submit again.
        void *tag = job->tag;
        bool verified = job->verified;
        worker_queue_release (self->jobs);
        done (arg, tag, verified);
        taken++;
    }
    return taken;
}

void
auth_worker_cancel (auth_worker_t *self, auth_worker_done_fn *done, void *arg)
{
    assert (self);
    s_stop (self);
    //  The thread is gone: finished jobs keep their verdicts, the rest fail.
    s_fail_rest (self);
    auth_worker_take (self, done, arg);
}

unsigned
auth_worker_pending (auth_worker_t *self)
{
    assert (self);
    worker_queue_stats_t stats;
    worker_queue_stats (self->jobs, &stats);
    return (unsigned) stats.messages;
}
