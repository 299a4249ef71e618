/*  auth.c: HTTP Basic logins on the loop's side (see auth.h). */
#include "auth.h"
#include "auth_cache.h"
#include "auth_worker.h"
#include "clock.h"
#include "credentials.h"
#include "base.h"
#include "users.h"

#include <arpa/inet.h>
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AUTH_LOG_GAP_NS (10LL * 1000000000LL)

//  A check in flight: what to cache when it succeeds, and whom to tell.
typedef struct {
    char header[CREDENTIALS_HEADER_MAX + 1]; //  the Authorization value
    void *tag;                               //  the caller's
    char peer[64];                           //  the client, for log lines
    uint64_t generation;                     //  users generation it was checked against
} pending_t;

struct _auth_t {
    char *path;                         //  the users file
    users_t *users;                     //  current table
    uint64_t generation;                //  bumped by each reload that takes
    auth_cache_t *cache;                //  verified headers
    auth_worker_t *worker;              //  the hashing thread
    auth_stats_t *stats;                //  failure counters
    loglimit_t failed_log;              //  failures, counted: a line per gap at most
    char last_peer[64];                 //  the latest failure's client, for the line
    char last_user[USERS_NAME_MAX + 1]; //  and the user it tried
    auth_done_fn *done;                 //  during auth_take
    void *done_arg;                     //  during auth_take
};

auth_t *
auth_new (const char *path, auth_stats_t *stats)
{
    auth_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    char error[512];
    self->stats = stats;
    self->failed_log = (loglimit_t) LOGLIMIT_COUNTED (AUTH_LOG_GAP_NS);
    self->path = strdup (path);
    self->users = users_load (path, error, sizeof error);
    if (!self->users)
        log_error ("--users: %s", error);
    else if (!(self->cache = auth_cache_new ()) || !(self->worker = auth_worker_new ()))
        log_error ("cannot start the login checker: out of memory or threads");
    if (!self->path || !self->worker) {
        auth_destroy (&self);
        return NULL;
    }
    log_info ("logins required: %zu user%s from %s", users_count (self->users),
              users_count (self->users) == 1 ? "" : "s", path);
    return self;
}

void
auth_destroy (auth_t **self_p)
{
    assert (self_p);
    auth_t *self = *self_p;
    if (self) {
        auth_worker_destroy (&self->worker);
        auth_cache_destroy (&self->cache);
        users_destroy (&self->users);
        free (self->path);
        free (self);
        *self_p = NULL;
    }
}

//  Counts a failed login; logs at most one line per AUTH_LOG_GAP_NS.
static void
s_failed (auth_t *self, const char *peer, const char *user)
{
    self->stats->auth_failed++;
    snprintf (self->last_peer, sizeof self->last_peer, "%s", peer);
    snprintf (self->last_user, sizeof self->last_user, "%s", user ? user : "");
    uint64_t failed = loglimit_count (&self->failed_log, clock_mono_ns ());
    if (failed)
        log_warn ("http: %lu failed login%s (latest from %s%s%s)", (unsigned long) failed,
                  failed == 1 ? "" : "s", self->last_peer, *self->last_user ? ", user " : "",
                  self->last_user);
}

//  The client's address as text, for log lines.
static void
s_peer_text (const struct sockaddr *peer, char *text, size_t size)
{
    snprintf (text, size, "?");
    if (peer && peer->sa_family == AF_INET)
        inet_ntop (AF_INET, &((const struct sockaddr_in *) peer)->sin_addr, text, (socklen_t) size);
    else if (peer && peer->sa_family == AF_INET6)
        inet_ntop (AF_INET6, &((const struct sockaddr_in6 *) peer)->sin6_addr, text,
                   (socklen_t) size);
}

bool
auth_known (auth_t *self, const char *header)
{
    assert (self);
    return header && auth_cache_find (self->cache, header, clock_mono_ns ());
}

auth_verdict_t
auth_check (auth_t *self, const char *header, const struct sockaddr *address, void *tag)
{
    assert (self);
    if (auth_known (self, header))
        return AUTH_ALLOWED;
    char peer[64];
    s_peer_text (address, peer, sizeof peer);
    credentials_t credentials;
    if (!credentials_parse (header, &credentials)) {
        //  A browser's first request carries no header: not worth a log line.
        if (header)
            s_failed (self, peer, NULL);
        return AUTH_DENIED;
    }
    pending_t *pending = calloc (1, sizeof *pending);
    bool queued = false;
    if (pending) {
        snprintf (pending->header, sizeof pending->header, "%s", header);
        pending->tag = tag;
        snprintf (pending->peer, sizeof pending->peer, "%s", peer);
        pending->generation = self->generation;
        queued = auth_worker_submit (self->worker, credentials.password,
                                     users_hash (self->users, credentials.user),
                                     users_any_hash (self->users), pending);
    }
    credentials_wipe (&credentials);
    if (queued)
        return AUTH_PENDING;
    free (pending);
    self->stats->auth_busy++;
    return AUTH_BUSY;
}

static void
s_verdict (void *arg, void *tag, bool verified)
{
    auth_t *self = arg;
    pending_t *pending = tag;
    //  A reload since the check: the user may be gone; ask again next time.
    verified = verified && pending->generation == self->generation;
    if (verified)
        auth_cache_add (self->cache, pending->header, clock_mono_ns ());
    else {
        credentials_t credentials;
        bool parsed = credentials_parse (pending->header, &credentials);
        s_failed (self, pending->peer, parsed ? credentials.user : NULL);
        credentials_wipe (&credentials);
    }
    self->done (self->done_arg, pending->tag, verified ? AUTH_ALLOWED : AUTH_DENIED);
    explicit_bzero (pending, sizeof *pending);
    free (pending);
}

unsigned
auth_take (auth_t *self, auth_done_fn *done, void *arg)
{
    assert (self);
    self->done = done;
    self->done_arg = arg;
    return auth_worker_take (self->worker, s_verdict, self);
}

void
auth_reload (auth_t *self)
{
    assert (self);
    char error[512];
    users_t *users = users_load (self->path, error, sizeof error);
    if (!users) {
        log_error ("reload: keeping the %zu current user%s: %s", users_count (self->users),
                   users_count (self->users) == 1 ? "" : "s", error);
        return;
    }
    users_destroy (&self->users);
    self->users = users;
    self->generation++;
    auth_cache_clear (self->cache);
    log_info ("reload: %zu user%s from %s", users_count (users),
              users_count (users) == 1 ? "" : "s", self->path);
}

int
auth_fd (auth_t *self)
{
    assert (self);
    return auth_worker_fd (self->worker);
}

void
auth_cancel (auth_t *self, auth_done_fn *done, void *arg)
{
    assert (self);
    self->done = done;
    self->done_arg = arg;
    auth_worker_cancel (self->worker, s_verdict, self);
}
