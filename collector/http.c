/*  http.c: the collector's web server and its routes.

    MHD options (docs/ARCHITECTURE.md, "Limits"): external epoll mode with suspend/resume, a
    connection limit a little above --max-clients (so API calls and the overload
    answer still get through), a per-connection memory cap, and a timeout for
    connections that stop reading. Suspended SSE streams never time out in MHD;
    the feed's 15 s keep-alive is what notices a dead peer.
*/
#include "http.h"
#include "api.h"
#include "assets.h"
#include "clock.h"
#include "log.h"
#include "metrics.h"
#include "query.h"
#include "reply.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HTTP_CONNECTION_MEMORY    (16 * 1024)
#define HTTP_CONNECTION_TIMEOUT_S 60
#define HTTP_EXTRA_CONNECTIONS    64
#define HTTP_HISTORY_DEFAULT_S    600.0

//  The dashboard runs only its own scripts and talks only to this server.
#define HTTP_CSP                                                                                   \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "              \
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

struct _http_t {
    struct MHD_Daemon *daemon; //  the server
    http_routes_t routes;      //  what the routes read
};

typedef enum MHD_Result (route_fn) (http_t *self, struct MHD_Connection *connection);

static enum MHD_Result
s_answer_json (struct MHD_Connection *connection, char *json)
{
    return reply_buffer (connection, MHD_HTTP_OK, "application/json; charset=utf-8", json,
                         MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result
s_route_feed (http_t *self, struct MHD_Connection *connection)
{
    return feed_answer (self->routes.feed, connection);
}

static enum MHD_Result
s_route_agents (http_t *self, struct MHD_Connection *connection)
{
    return s_answer_json (connection, api_agents (self->routes.series, clock_wall_ns ()));
}

static enum MHD_Result
s_route_history (http_t *self, struct MHD_Connection *connection)
{
    const char *glob =
        query_glob (MHD_lookup_connection_value (connection, MHD_GET_ARGUMENT_KIND, "agent"));
    const char *text = MHD_lookup_connection_value (connection, MHD_GET_ARGUMENT_KIND, "seconds");
    double seconds = HTTP_HISTORY_DEFAULT_S;
    if (text && !query_seconds (text, QUERY_SECONDS_MAX, &seconds))
        return reply_text (connection, MHD_HTTP_BAD_REQUEST,
                           "seconds must be a number between 0 and 86400\n");
    return s_answer_json (connection,
                          api_history (self->routes.series, glob, seconds, clock_wall_ns ()));
}

static enum MHD_Result
s_route_health (http_t *self, struct MHD_Connection *connection)
{
    double uptime = (double) (clock_mono_ns () - self->routes.start_mono) / 1e9;
    return s_answer_json (connection, api_health (self->routes.boot, uptime));
}

static enum MHD_Result
s_route_metrics (http_t *self, struct MHD_Connection *connection)
{
    metrics_gauges_t gauges = {
        .clients = feed_clients (self->routes.feed),
        .series = series_map_size (self->routes.series),
        .series_live = series_map_live (self->routes.series),
        .ring_events = ring_head (self->routes.ring) - ring_tail (self->routes.ring),
        .ring_bytes = ring_bytes_used (self->routes.ring),
        .series_recycled = series_map_recycled (self->routes.series),
    };
    return reply_buffer (connection, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
                         metrics_render (self->routes.stats, &gauges), MHD_RESPMEM_MUST_FREE);
}

static const struct {
    const char *path;
    route_fn *handler;
} s_routes[] = {
    {"/feed", s_route_feed},           {"/api/agents", s_route_agents},
    {"/api/history", s_route_history}, {"/healthz", s_route_health},
    {"/metrics", s_route_metrics},
};

static enum MHD_Result
s_answer_asset (struct MHD_Connection *connection, const asset_t *asset)
{
    struct MHD_Response *response =
        MHD_create_response_from_buffer (asset->size, (void *) asset->data, MHD_RESPMEM_PERSISTENT);
    if (response) {
        MHD_add_response_header (response, "Content-Security-Policy", HTTP_CSP);
        MHD_add_response_header (response, "Referrer-Policy", "no-referrer");
    }
    return reply_queue (connection, MHD_HTTP_OK, response, asset->content_type);
}

static enum MHD_Result
s_answer_method_not_allowed (struct MHD_Connection *connection)
{
    static const char body[] = "method not allowed: use GET or HEAD\n";
    struct MHD_Response *response =
        MHD_create_response_from_buffer (sizeof body - 1, (void *) body, MHD_RESPMEM_PERSISTENT);
    if (response)
        MHD_add_response_header (response, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    return reply_queue (connection, MHD_HTTP_METHOD_NOT_ALLOWED, response,
                        "text/plain; charset=utf-8");
}

static enum MHD_Result
s_dispatch (void *cls, struct MHD_Connection *connection, const char *url, const char *method,
            const char *version, const char *upload_data, size_t *upload_data_size,
            void **request_state)
{
    (void) version;
    (void) upload_data;
    http_t *self = cls;
    //  First call: headers only. Wait for the body (if any) to be read.
    if (*request_state == NULL) {
        *request_state = self;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        *upload_data_size = 0; //  bodies are not used; discard
        return MHD_YES;
    }
    if (strcmp (method, MHD_HTTP_METHOD_GET) != 0 && strcmp (method, MHD_HTTP_METHOD_HEAD) != 0)
        return s_answer_method_not_allowed (connection);
    for (size_t i = 0; i < sizeof s_routes / sizeof s_routes[0]; i++)
        if (strcmp (url, s_routes[i].path) == 0)
            return s_routes[i].handler (self, connection);
    const asset_t *asset = assets_find (url);
    if (asset)
        return s_answer_asset (connection, asset);
    return reply_text (connection, MHD_HTTP_NOT_FOUND, "not found\n");
}

//  MHD reports a peer that went away (a closed tab, a reload) as an error; for an
//  SSE server that is routine, so those lines are info and the rest are warnings.
static void
s_mhd_log (void *cls, const char *fmt, va_list args)
{
    (void) cls;
    char line[512];
    vsnprintf (line, sizeof line, fmt, args);
    size_t n = strlen (line);
    while (n > 0 && line[n - 1] == '\n')
        line[--n] = '\0';
    bool peer_gone = strstr (line, "Failed to send") || strstr (line, "closed by remote") ||
                     strstr (line, "Connection reset");
    if (peer_gone)
        log_info ("http: %s", line);
    else
        log_warn ("http: %s", line);
}

http_t *
http_new (const struct sockaddr_in *address, uint32_t max_connections, const http_routes_t *routes)
{
    http_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->routes = *routes;
    self->daemon = MHD_start_daemon (
        MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG, 0, NULL, NULL, s_dispatch,
        self, MHD_OPTION_EXTERNAL_LOGGER, s_mhd_log, NULL, MHD_OPTION_SOCK_ADDR, address,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned) (max_connections + HTTP_EXTRA_CONNECTIONS),
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned) HTTP_CONNECTION_TIMEOUT_S,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t) HTTP_CONNECTION_MEMORY,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 4096u, MHD_OPTION_END);
    if (!self->daemon) {
        free (self);
        return NULL;
    }
    return self;
}

void
http_destroy (http_t **self_p)
{
    assert (self_p);
    http_t *self = *self_p;
    if (self) {
        MHD_stop_daemon (self->daemon);
        free (self);
        *self_p = NULL;
    }
}

int
http_poll_fd (http_t *self)
{
    assert (self);
    const union MHD_DaemonInfo *info = MHD_get_daemon_info (self->daemon, MHD_DAEMON_INFO_EPOLL_FD);
    return info ? info->epoll_fd : -1;
}

long
http_timeout_ms (http_t *self)
{
    assert (self);
    MHD_UNSIGNED_LONG_LONG timeout;
    if (MHD_get_timeout (self->daemon, &timeout) != MHD_YES)
        return -1;
    return timeout > 60000 ? 60000 : (long) timeout;
}

void
http_run (http_t *self)
{
    assert (self);
    MHD_run (self->daemon);
}

uint16_t
http_port (http_t *self)
{
    assert (self);
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info (self->daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info ? info->port : 0;
}
