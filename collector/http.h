/*  http.h: the collector's web server, libmicrohttpd in external epoll mode.

    MHD runs no thread of its own: the collector's loop polls MHD's epoll fd next
    to the SUB socket and calls http_run. Routes: /feed (SSE), / and the embedded
    dashboard assets, /api/agents, /api/history, /healthz, /metrics. Everything
    else is 404, and methods other than GET and HEAD are 405.
*/
#ifndef ZAPM_HTTP_H
#define ZAPM_HTTP_H

#include "feed.h"
#include "latest.h"
#include "ring.h"
#include "series_map.h"
#include "stats.h"

#include <netinet/in.h>
#include <stdint.h>

typedef struct _http_t http_t;

//  What the routes read. All of it outlives the server.
typedef struct {
    feed_t *feed;         //  /feed
    series_map_t *series; //  /api/*
    ring_t *ring;         //  /metrics
    stats_t *stats;       //  /metrics
    latest_t *latest;     //  /metrics: each series' latest values
    int64_t metrics_ttl;  //  /metrics: ns a series stays after its last sample
    const char *boot;     //  /healthz
    int64_t start_mono;   //  /healthz uptime
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

//  The port actually listened on.
uint16_t http_port (http_t *self);

#endif
