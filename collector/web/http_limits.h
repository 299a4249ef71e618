/*  http_limits.h: the header deadline, which libmicrohttpd does not have.

    MHD closes a connection that stays *idle* past its timeout, but a client
    that opens connections and sends a header byte now and then (or never
    finishes its TLS handshake) holds each one for as long as it likes: 10,100
    of them once locked every other user out. So every connection must have
    sent a whole request head within HTTP_HEADER_DEADLINE_S of being accepted,
    or of its previous request finishing (keep-alive), else its socket is shut
    down and MHD closes it.

    Connections waiting for a request head sit in one list in the order they
    started waiting, so the sweep looks only at the overdue front. A request
    whose head is complete leaves the list: a /feed stream, suspended and
    never timed out by MHD, is never touched by the deadline.
*/
#ifndef ZAPM_HTTP_LIMITS_H
#define ZAPM_HTTP_LIMITS_H

#include "web_stats.h"

#include <microhttpd.h>
#include <stdint.h>

#define HTTP_HEADER_DEADLINE_S 10

typedef struct _http_limits_t http_limits_t;

//  A tracker that counts closures in stats->header_timeouts.
http_limits_t *http_limits_new (int64_t deadline_ns, web_stats_t *stats);

//  Frees the tracker; MHD must have closed every connection. Sets *self_p NULL.
void http_limits_destroy (http_limits_t **self_p);

//  MHD_OPTION_NOTIFY_CONNECTION callback (cls: the tracker).
void http_limits_notify_connection (void *cls, struct MHD_Connection *connection,
                                    void **socket_context,
                                    enum MHD_ConnectionNotificationCode code);

//  MHD_OPTION_NOTIFY_COMPLETED calls this: the connection waits for a new head.
void http_limits_request_done (http_limits_t *self, struct MHD_Connection *connection);

//  The access handler's first call: the head is complete.
void http_limits_head_done (http_limits_t *self, struct MHD_Connection *connection);

//  Shuts down connections past the deadline at monotonic time `now`. Returns
//  how many.
unsigned http_limits_sweep (http_limits_t *self, int64_t now);

//  When http_limits_sweep must run next: the oldest waiting connection's
//  deadline, or the time the pending log line is due; 0 when neither waits.
int64_t http_limits_due (http_limits_t *self);

#endif
