/*  http_limits.c: the header deadline (see http_limits.h). */
#include "http_limits.h"
#include "clock.h"
#include "base.h"

#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>

#define HTTP_LIMITS_LOG_GAP_NS 10000000000LL //  one log line at most this often

typedef struct waiter_s waiter_t;
struct waiter_s {
    waiter_t *prev, *next; //  in the list, oldest first
    int64_t since;         //  when it started waiting for a head
    int fd;                //  its socket
    bool listed;           //  in the list
};

struct _http_limits_t {
    waiter_t *head, *tail; //  connections waiting for a head, oldest first
    int64_t deadline_ns;   //  how long they may wait
    web_stats_t *stats;    //  header_timeouts
    loglimit_t log;        //  closures, counted: a line per gap at most
};

http_limits_t *
http_limits_new (int64_t deadline_ns, web_stats_t *stats)
{
    http_limits_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->deadline_ns = deadline_ns;
    self->stats = stats;
    self->log = (loglimit_t) LOGLIMIT_COUNTED (HTTP_LIMITS_LOG_GAP_NS);
    return self;
}

void
http_limits_destroy (http_limits_t **self_p)
{
    assert (self_p);
    http_limits_t *self = *self_p;
    if (self) {
        free (self);
        *self_p = NULL;
    }
}

static void
s_unlink (http_limits_t *self, waiter_t *waiter)
{
    if (!waiter->listed)
        return;
    if (waiter->prev)
        waiter->prev->next = waiter->next;
    else
        self->head = waiter->next;
    if (waiter->next)
        waiter->next->prev = waiter->prev;
    else
        self->tail = waiter->prev;
    waiter->prev = waiter->next = NULL;
    waiter->listed = false;
}

static void
s_append (http_limits_t *self, waiter_t *waiter, int64_t now)
{
    s_unlink (self, waiter);
    waiter->since = now;
    waiter->prev = self->tail;
    waiter->next = NULL;
    if (self->tail)
        self->tail->next = waiter;
    else
        self->head = waiter;
    self->tail = waiter;
    waiter->listed = true;
}

static waiter_t *
s_waiter (struct MHD_Connection *connection)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info (connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info ? info->socket_context : NULL;
}

void
http_limits_notify_connection (void *cls, struct MHD_Connection *connection, void **socket_context,
                               enum MHD_ConnectionNotificationCode code)
{
    http_limits_t *self = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        waiter_t *waiter = calloc (1, sizeof *waiter);
        if (!waiter)
            return; //  untracked: MHD's idle timeout still applies
        const union MHD_ConnectionInfo *info =
            MHD_get_connection_info (connection, MHD_CONNECTION_INFO_CONNECTION_FD);
        waiter->fd = info ? info->connect_fd : -1;
        s_append (self, waiter, clock_mono_ns ());
        *socket_context = waiter;
    }
    else if (code == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context) {
        waiter_t *waiter = *socket_context;
        s_unlink (self, waiter);
        free (waiter);
        *socket_context = NULL;
    }
}

void
http_limits_request_done (http_limits_t *self, struct MHD_Connection *connection)
{
    assert (self);
    waiter_t *waiter = s_waiter (connection);
    if (waiter)
        s_append (self, waiter, clock_mono_ns ());
}

void
http_limits_head_done (http_limits_t *self, struct MHD_Connection *connection)
{
    assert (self);
    waiter_t *waiter = s_waiter (connection);
    if (waiter)
        s_unlink (self, waiter);
}

unsigned
http_limits_sweep (http_limits_t *self, int64_t now)
{
    assert (self);
    unsigned closed = 0;
    while (self->head && now - self->head->since >= self->deadline_ns) {
        waiter_t *waiter = self->head;
        s_unlink (self, waiter);
        //  MHD sees end of file at its next read and closes the connection
        //  itself (and frees the waiter through the CLOSED notification).
        if (waiter->fd >= 0)
            shutdown (waiter->fd, SHUT_RDWR);
        closed++;
    }
    self->stats->header_timeouts += closed;
    loglimit_hold (&self->log, closed);
    uint64_t told = loglimit_take (&self->log, now);
    if (told)
        log_warn ("http: closed %lu connection%s that sent no complete request within %lld s",
                  (unsigned long) told, told == 1 ? "" : "s",
                  (long long) (self->deadline_ns / 1000000000LL));
    return closed;
}

int64_t
http_limits_due (http_limits_t *self)
{
    assert (self);
    int64_t due = self->head ? self->head->since + self->deadline_ns : 0;
    return loglimit_earlier (due, loglimit_due (&self->log));
}
