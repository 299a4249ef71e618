/*  http.h: the collector's web server, libmicrohttpd in external epoll mode.

    MHD runs no thread of its own: the collector's loop polls MHD's epoll fd next
    to the SUB socket and calls http_run. Routes: /feed (SSE), / and the embedded
    dashboard assets, /api/agents, /api/history, /healthz, /metrics. Everything
    else is 404, and methods other than GET and HEAD are 405.
*/
#ifndef ZAPM_HTTP_H
#define ZAPM_HTTP_H

#include "auth.h"
#include "feed.h"
#include "forward.h"
#include "ingest.h"
#include "remote_export.h"
#include "series.h"
#include "stream.h"
#include "metrics.h"
#include "web_stats.h"
#include "store.h"

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct _http_t http_t;

//  --http-write-timeout's default: seconds a connection may make no progress.
#define HTTP_WRITE_TIMEOUT_S 30

//  What the routes read. All of it outlives the server.
typedef struct {
    feed_t *feed;                //  /feed
    series_map_t *series;        //  /api/*
    ring_t *ring;                //  /metrics
    web_stats_t *stats;          //  the web side counts into it
    metrics_counters_t counters; //  /metrics: every part's counters
    latest_t *latest;            //  /metrics: each series' latest values
    int64_t metrics_ttl;         //  /metrics: ns a series stays after its last sample
    uint32_t metrics_max_names;  //  /metrics: custom families at most (--max-metric-names)
    const char *boot;            //  /healthz
    const char *ingest_endpoint; //  /api/agents: the agents' socket (--bind)
    bool ingest_curve;           //  /api/agents: agents must speak CURVE
    int64_t start_mono;          //  /healthz uptime
    ingest_t *ingest;            //  /metrics: batches forwarded here
    forward_t *forward;          //  /metrics: batches forwarded upstream, or NULL
    remote_export_t *remote;     // /metrics: remote write senders, or NULL
    store_t *store;              //  /api/history ranges and /metrics, or NULL (--store none)
    //  Security: all optional.
    auth_t *auth;             //  logins for every route but /healthz, or NULL
    const tls_pem_t *tls;     //  certificate and key to serve HTTPS with, or NULL
    uint32_t max_per_address; //  connections from one client address (0: no limit)
    size_t query_memory;      //  bytes history answers in flight may hold (--query-memory)
    size_t query_answer_max;  //  bytes one history answer may hold (--query-answer-max)
    uint32_t write_timeout_s; //  s an answer may make no progress (0: HTTP_WRITE_TIMEOUT_S)
} http_routes_t;

//  Starts listening on `address` (port 0 picks a free one) with room for
//  `max_connections`. Returns NULL and logs why on failure.
http_t *http_new (const struct sockaddr_in *address, uint32_t max_connections,
                  const http_routes_t *routes);

//  Stops the server and sets *self_p to NULL. Streams must have ended (feed_close
//  and a few http_run calls), since MHD aborts on suspended connections.
void http_destroy (http_t **self_p);

//  The fd to poll for readability, and how long the loop may wait (ms, -1 = no limit).
int http_poll_fd (http_t *self);
long http_timeout_ms (http_t *self);

//  Runs MHD's pending work without blocking.
void http_run (http_t *self);

//  Runs the header deadline (http_limits.h): call it when http_tick_due says.
void http_tick (http_t *self, int64_t mono_ns);

//  When http_tick must run next (clock_mono_ns), 0 when no connection waits
//  for its request head (nothing to time out). Changes only in http_run.
int64_t http_tick_due (http_t *self);

//  Takes finished login checks and resumes their requests; true when any were
//  resumed, so http_run must follow.
bool http_take_logins (http_t *self);

//  For shutdown: ends every login check in flight (unfinished ones get 401) and
//  resumes their requests, so none is suspended when the server stops.
void http_cancel_logins (http_t *self);

//  For shutdown, before the store is destroyed: routes stop using it
//  (history is answered from memory, /metrics leaves out the store).
void http_forget_store (http_t *self);

//  The port actually listened on.
uint16_t http_port (http_t *self);

#endif
