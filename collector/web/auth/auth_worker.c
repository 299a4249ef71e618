/*  auth_worker.c: one thread that runs crypt(3) for the loop (see auth_worker.h).

    Jobs sit in one fixed ring of AUTH_WORKER_QUEUE slots, in three runs:
    [taken .. done) finished, [done .. next) waiting or being hashed; `next`
    is where the loop adds. A mutex and a condition variable guard it; the
    thread holds the mutex only to move indices, never while hashing.
*/
#include "auth_worker.h"

#include <assert.h>
#include <crypt.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
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
    pthread_t thread;              //  the hasher
    pthread_mutex_t lock;          //  guards the indices and stopping
    pthread_cond_t wake;           //  a job was added, or stop
    job_t jobs[AUTH_WORKER_QUEUE]; //  the ring
    uint64_t taken, done, next;    //  see above; each only grows
    bool stopping;                 //  destroy or cancel was called
    bool joined;                   //  the thread has ended
    int event_fd;                  //  readable when done > taken
    struct crypt_data *scratch;    //  crypt_rn's state, the thread's own
};

static void *
s_run (void *arg)
{
    auth_worker_t *self = arg;
    //  Hashing yields to the loop when they share a core: on Linux a thread has
    //  its own nice value.
    setpriority (PRIO_PROCESS, (id_t) gettid (), AUTH_WORKER_NICE);
    pthread_mutex_lock (&self->lock);
    for (;;) {
        while (!self->stopping && self->done == self->next)
            pthread_cond_wait (&self->wake, &self->lock);
        if (self->stopping)
            break;
        job_t *job = &self->jobs[self->done % AUTH_WORKER_QUEUE];
        pthread_mutex_unlock (&self->lock);

        memset (self->scratch, 0, sizeof *self->scratch);
        const char *out = crypt_rn (job->password, job->hash, self->scratch, sizeof *self->scratch);
        job->verified = !job->decoy && out && out[0] == '$' && strlen (out) == strlen (job->hash) &&
                        credentials_equal (out, job->hash, strlen (job->hash));
        explicit_bzero (job->password, sizeof job->password);
        explicit_bzero (self->scratch, sizeof *self->scratch);

        pthread_mutex_lock (&self->lock);
        self->done++;
        uint64_t one = 1;
        if (write (self->event_fd, &one, sizeof one) < 0) {
            //  The counter cannot overflow at this rate; nothing to do.
        }
    }
    pthread_mutex_unlock (&self->lock);
    return NULL;
}

auth_worker_t *
auth_worker_new (void)
{
    auth_worker_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->scratch = calloc (1, sizeof *self->scratch);
    self->event_fd = eventfd (0, EFD_NONBLOCK | EFD_CLOEXEC);
    pthread_mutex_init (&self->lock, NULL);
    pthread_cond_init (&self->wake, NULL);
    if (!self->scratch || self->event_fd < 0 ||
        (errno = pthread_create (&self->thread, NULL, s_run, self)) != 0) {
        if (self->event_fd >= 0)
            close (self->event_fd);
        pthread_cond_destroy (&self->wake);
        pthread_mutex_destroy (&self->lock);
        free (self->scratch);
        free (self);
        return NULL;
    }
    return self;
}

static void
s_stop (auth_worker_t *self)
{
    if (self->joined)
        return;
    pthread_mutex_lock (&self->lock);
    self->stopping = true;
    pthread_cond_signal (&self->wake);
    pthread_mutex_unlock (&self->lock);
    pthread_join (self->thread, NULL);
    self->joined = true;
}

void
auth_worker_destroy (auth_worker_t **self_p)
{
    assert (self_p);
    auth_worker_t *self = *self_p;
    if (self) {
        s_stop (self);
        close (self->event_fd);
        pthread_cond_destroy (&self->wake);
        pthread_mutex_destroy (&self->lock);
        explicit_bzero (self->jobs, sizeof self->jobs);
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
    pthread_mutex_lock (&self->lock);
    bool room = !self->stopping && self->next - self->taken < AUTH_WORKER_QUEUE;
    if (room) {
        job_t *job = &self->jobs[self->next % AUTH_WORKER_QUEUE];
        strcpy (job->password, password);
        strcpy (job->hash, against);
        job->decoy = hash == NULL;
        job->tag = tag;
        job->verified = false;
        self->next++;
        pthread_cond_signal (&self->wake);
    }
    pthread_mutex_unlock (&self->lock);
    return room;
}

int
auth_worker_fd (auth_worker_t *self)
{
    assert (self);
    return self->event_fd;
}

unsigned
auth_worker_take (auth_worker_t *self, auth_worker_done_fn *done, void *arg)
{
    assert (self);
    uint64_t count;
    if (read (self->event_fd, &count, sizeof count) < 0) {
        //  EAGAIN: nothing signalled; the indices below still say what is done.
    }
    pthread_mutex_lock (&self->lock);
    uint64_t from = self->taken, to = self->done;
    pthread_mutex_unlock (&self->lock);
    //  Slots in [from, to) are the loop's until `taken` moves past them.
    for (uint64_t i = from; i < to; i++) {
        job_t *job = &self->jobs[i % AUTH_WORKER_QUEUE];
        done (arg, job->tag, job->verified);
    }
    pthread_mutex_lock (&self->lock);
    self->taken = to;
    pthread_mutex_unlock (&self->lock);
    return (unsigned) (to - from);
}

void
auth_worker_cancel (auth_worker_t *self, auth_worker_done_fn *done, void *arg)
{
    assert (self);
    s_stop (self);
    //  The thread is gone: every slot is the loop's.
    for (uint64_t i = self->taken; i < self->next; i++) {
        job_t *job = &self->jobs[i % AUTH_WORKER_QUEUE];
        explicit_bzero (job->password, sizeof job->password);
        done (arg, job->tag, i < self->done && job->verified);
    }
    self->taken = self->done = self->next;
}

unsigned
auth_worker_pending (auth_worker_t *self)
{
    assert (self);
    pthread_mutex_lock (&self->lock);
    unsigned pending = (unsigned) (self->next - self->taken);
    pthread_mutex_unlock (&self->lock);
    return pending;
}
