/*  http.c: the collector's web server and its routes.

    MHD options (docs/ARCHITECTURE.md, "Limits"): external epoll mode with suspend/resume, a
    connection limit a little above --max-clients (so API calls and the overload
    answer still get through), a per-connection memory cap, and a timeout for
    connections that stop reading. Suspended SSE streams never time out in MHD;
    the feed's 15 s keep-alive is what notices a dead peer.

    Every request passes the gate in s_dispatch's first call, before any
    route: a method other than GET or HEAD gets 405, a body 413, and with
    --users a missing or wrong login 401 (everywhere but /healthz). A login
    not verified before is checked on the hashing thread while the request
    waits suspended (auth.h); the loop resumes it in http_take_logins. Limits
    one client cannot exhaust: --max-clients-per-address (MHD's per-IP limit)
    and the header deadline (http_limits.h). MHD answers an over-long URL or
    request head itself, with 414 and 431, inside HTTP_CONNECTION_MEMORY.
    With --tls-cert MHD speaks only TLS on the port, and every reply carries
    Strict-Transport-Security (reply.c).
*/
#include "http.h"
#include "api.h"
#include "assets.h"
#include "clock.h"
#include "history.h"
#include "http_limits.h"
#include "query_budget.h"
#include "base.h"
#include "metrics.h"
#include "query.h"
#include "reply.h"
#include "store.h"
#include "wire.h"
#include "textbuf.h"

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
    http_limits_t *limits;     //  the header deadline
    query_budget_t *budget;    //  what history answers may hold
    bool resumed;              //  logins resumed since the last http_run
};

//  A request that waits suspended: for its login check on the hashing thread,
//  then (or instead) for a history query on the store's thread. Its
//  *request_state from then on; freed when the request completes.
typedef struct {
    struct MHD_Connection *connection; //  to resume
    auth_verdict_t verdict;            //  AUTH_PENDING until the check is done
    history_job_t *history;            //  a store query, or NULL
} login_t;

//  *request_state after the first call, until a login check makes it a login_t.
static char s_head_seen;

typedef enum MHD_Result (route_fn) (http_t *self, struct MHD_Connection *connection,
                                    void **request_state);

static enum MHD_Result
s_answer_json (struct MHD_Connection *connection, char *json)
{
    return reply_buffer (connection, MHD_HTTP_OK, "application/json; charset=utf-8", json,
                         MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result
s_route_feed (http_t *self, struct MHD_Connection *connection, void **request_state)
{
    (void) request_state;
    return feed_answer (self->routes.feed, connection);
}

static enum MHD_Result
s_route_agents (http_t *self, struct MHD_Connection *connection, void **request_state)
{
    (void) request_state;
    return s_answer_json (connection, api_agents (self->routes.series, clock_wall_ns ()));
}

static enum MHD_Result s_answer_plain (struct MHD_Connection *connection, unsigned status,
                                       const char *body, const char *header, const char *value);

//  A history range from the store: the request waits suspended for it.
static enum MHD_Result
s_history_from_store (http_t *self, struct MHD_Connection *connection, void **request_state)
{
    login_t *waiting = *request_state != &s_head_seen ? *request_state : NULL;
    if (!waiting && !(waiting = calloc (1, sizeof *waiting)))
        return MHD_NO;
    *request_state = waiting;
    waiting->connection = connection;
    unsigned status;
    const char *error;
    waiting->history = history_start (self->routes.store, self->routes.series, self->budget,
                                      connection, &self->resumed, &status, &error);
    if (!waiting->history)
        return status == MHD_HTTP_SERVICE_UNAVAILABLE
                   ? s_answer_plain (connection, status, error, MHD_HTTP_HEADER_RETRY_AFTER, "1")
                   : reply_text (connection, status, error);
    MHD_suspend_connection (connection);
    return MHD_YES;
}

static enum MHD_Result
s_route_history (http_t *self, struct MHD_Connection *connection, void **request_state)
{
    if (self->routes.store && history_wants_store (connection))
        return s_history_from_store (self, connection, request_state);
    const char *glob = query_glob (
        MHD_lookup_connection_value (connection, MHD_GET_ARGUMENT_KIND, ZAPM_KEY_AGENT));
    const char *text =
        MHD_lookup_connection_value (connection, MHD_GET_ARGUMENT_KIND, ZAPM_HISTORY_SECONDS);
    double seconds = HTTP_HISTORY_DEFAULT_S;
    if (text && !query_seconds (text, QUERY_SECONDS_MAX, &seconds))
        return reply_text (connection, MHD_HTTP_BAD_REQUEST,
                           "seconds must be a number between 0 and 86400\n");
    return s_answer_json (connection,
                          api_history (self->routes.series, glob, seconds, clock_wall_ns ()));
}

static enum MHD_Result
s_route_health (http_t *self, struct MHD_Connection *connection, void **request_state)
{
    (void) request_state;
    double uptime = (double) (clock_mono_ns () - self->routes.start_mono) / 1e9;
    return s_answer_json (connection, api_health (self->routes.boot, uptime));
}

static enum MHD_Result
s_route_metrics (http_t *self, struct MHD_Connection *connection, void **request_state)
{
    (void) request_state;
    metrics_gauges_t gauges = {
        .clients = feed_clients (self->routes.feed),
        .series = series_map_size (self->routes.series),
        .series_live = series_map_live (self->routes.series),
        .ring_events = ring_head (self->routes.ring) - ring_tail (self->routes.ring),
        .ring_bytes = ring_bytes_used (self->routes.ring),
        .series_recycled = series_map_recycled (self->routes.series),
    };
    char *own = metrics_render (&self->routes.counters, &gauges, NULL);
    //  Every agent's families last, written straight into the page (29 MB at
    //  10,000 series: not copied again). About 3 KiB per live series.
    series_metrics_t agents = {.series = self->routes.series,
                               .latest = self->routes.latest,
                               .now_mono = clock_mono_ns (),
                               .ttl_ns = self->routes.metrics_ttl};
    size_t agents_size = (size_t) series_map_live (self->routes.series) * 3072;
    textbuf_t out = textbuf_growing (own ? strlen (own) + 2048 + agents_size : 2048);
    if (own)
        textbuf_put (&out, own, strlen (own));
    free (own);
    ingest_metrics (self->routes.ingest, &out);
    if (self->routes.store)
        store_report_metrics (self->routes.store, &out);
    if (self->routes.forward)
        forward_metrics (self->routes.forward, &out);
    if (self->routes.remote)
        remote_export_metrics (self->routes.remote, &out);
    series_metrics_render (&agents, &out);
    return reply_buffer (connection, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
                         own ? textbuf_take (&out) : (textbuf_free (&out), NULL),
                         MHD_RESPMEM_MUST_FREE);
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
s_answer_plain (struct MHD_Connection *connection, unsigned status, const char *body,
                const char *header, const char *value)
{
    struct MHD_Response *response =
        MHD_create_response_from_buffer (strlen (body), (void *) body, MHD_RESPMEM_PERSISTENT);
    if (response && header)
        MHD_add_response_header (response, header, value);
    return reply_queue (connection, status, response, "text/plain; charset=utf-8");
}

static enum MHD_Result
s_route (http_t *self, struct MHD_Connection *connection, const char *url, void **request_state)
{
    for (size_t i = 0; i < sizeof s_routes / sizeof s_routes[0]; i++)
        if (strcmp (url, s_routes[i].path) == 0)
            return s_routes[i].handler (self, connection, request_state);
    const asset_t *asset = assets_find (url);
    if (asset)
        return s_answer_asset (connection, asset);
    return reply_text (connection, MHD_HTTP_NOT_FOUND, "not found\n");
}

static enum MHD_Result
s_answer_login (http_t *self, struct MHD_Connection *connection, const char *url,
                auth_verdict_t verdict, void **request_state)
{
    if (verdict == AUTH_ALLOWED)
        return s_route (self, connection, url, request_state);
    return s_answer_plain (connection, MHD_HTTP_UNAUTHORIZED, "login required\n",
                           MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                           "Basic realm=\"zapm\", charset=\"UTF-8\"");
}

//  The gate's first half, on the first call (the head is complete): refusals
//  that need no login. MHD closes the connection after an answer given this
//  early, which suits them; everything else is answered on the next call, so
//  keep-alive holds.
static enum MHD_Result
s_gate_head (http_t *self, struct MHD_Connection *connection, const char *method,
             void **request_state)
{
    http_limits_head_done (self->limits, connection);
    if (strcmp (method, MHD_HTTP_METHOD_GET) != 0 && strcmp (method, MHD_HTTP_METHOD_HEAD) != 0)
        return s_answer_plain (connection, MHD_HTTP_METHOD_NOT_ALLOWED,
                               "method not allowed: use GET or HEAD\n", MHD_HTTP_HEADER_ALLOW,
                               "GET, HEAD");
    const char *length =
        MHD_lookup_connection_value (connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if ((length && strcmp (length, "0") != 0) ||
        MHD_lookup_connection_value (connection, MHD_HEADER_KIND,
                                     MHD_HTTP_HEADER_TRANSFER_ENCODING))
        return s_answer_plain (connection, MHD_HTTP_CONTENT_TOO_LARGE,
                               "a GET or HEAD request takes no body\n", NULL, NULL);
    *request_state = &s_head_seen;
    return MHD_YES;
}

//  The gate's second half: the login, then the route.
static enum MHD_Result
s_gate_login (http_t *self, struct MHD_Connection *connection, const char *url,
              void **request_state)
{
    if (!self->routes.auth || strcmp (url, "/healthz") == 0)
        return s_route (self, connection, url, request_state);
    const char *header =
        MHD_lookup_connection_value (connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (auth_known (self->routes.auth, header))
        return s_route (self, connection, url, request_state);
    const union MHD_ConnectionInfo *peer =
        MHD_get_connection_info (connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    login_t *login = calloc (1, sizeof *login);
    if (!login)
        return MHD_NO;
    login->connection = connection;
    login->verdict = auth_check (self->routes.auth, header, peer ? peer->client_addr : NULL, login);
    if (login->verdict == AUTH_PENDING) {
        *request_state = login;
        MHD_suspend_connection (connection);
        return MHD_YES;
    }
    auth_verdict_t verdict = login->verdict;
    free (login);
    if (verdict == AUTH_BUSY)
        return s_answer_plain (connection, MHD_HTTP_TOO_MANY_REQUESTS,
                               "too many logins being checked: retry in a second\n",
                               MHD_HTTP_HEADER_RETRY_AFTER, "1");
    return s_answer_login (self, connection, url, verdict, request_state);
}

static enum MHD_Result
s_dispatch (void *cls, struct MHD_Connection *connection, const char *url, const char *method,
            const char *version, const char *upload_data, size_t *upload_data_size,
            void **request_state)
{
    (void) version;
    (void) upload_data;
    http_t *self = cls;
    if (*request_state == NULL)
        return s_gate_head (self, connection, method, request_state);
    if (*upload_data_size > 0) {
        *upload_data_size = 0; //  not announced, so not refused: discard
        return MHD_YES;
    }
    if (*request_state == &s_head_seen)
        return s_gate_login (self, connection, url, request_state);
    //  Resumed after its history query (history.h) or its login check (s_login_done).
    login_t *login = *request_state;
    if (login->history)
        return history_answer (login->history, connection);
    return s_answer_login (self, connection, url, login->verdict, request_state);
}

static void
s_completed (void *cls, struct MHD_Connection *connection, void **request_state,
             enum MHD_RequestTerminationCode code)
{
    (void) code;
    http_t *self = cls;
    if (*request_state != &s_head_seen) {
        login_t *waiting = *request_state;
        if (waiting)
            history_destroy (&waiting->history);
        free (waiting);
    }
    *request_state = NULL;
    http_limits_request_done (self->limits, connection);
}

//  A finished login check: record the verdict and resume the request.
static void
s_login_done (void *arg, void *tag, auth_verdict_t verdict)
{
    http_t *self = arg;
    login_t *login = tag;
    login->verdict = verdict;
    MHD_resume_connection (login->connection);
    self->resumed = true;
}

//  MHD reports a peer that went away (a closed tab, a reload) as an error; for an
//  SSE server that is routine, so those lines are info and the rest are warnings.
//  A failed TLS handshake (plain HTTP to the TLS port, a scanner) is the
//  client's doing and costs one line per connection: those are counted and
//  logged at most once per 10 s.
static void
s_mhd_log (void *cls, const char *fmt, va_list args)
{
    http_t *self = cls;
    static uint64_t tls_failures;
    static int64_t tls_logged;
    char line[512];
    vsnprintf (line, sizeof line, fmt, args);
    size_t n = strlen (line);
    while (n > 0 && line[n - 1] == '\n')
        line[--n] = '\0';
    bool peer_gone = strstr (line, "Failed to send") || strstr (line, "closed by remote") ||
                     strstr (line, "Connection reset");
    bool tls_failed = strstr (line, "handshake") || strstr (line, "TLS");
    if (tls_failed) {
        self->routes.stats->tls_failed++;
        tls_failures++;
        int64_t now = clock_mono_ns ();
        if (tls_logged && now - tls_logged < 10000000000LL)
            return;
        log_info ("http: %lu failed TLS handshake%s (latest: %s)", (unsigned long) tls_failures,
                  tls_failures == 1 ? "" : "s", line);
        tls_failures = 0;
        tls_logged = now;
    }
    else if (peer_gone)
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
    self->limits = http_limits_new ((int64_t) HTTP_HEADER_DEADLINE_S * 1000000000LL, routes->stats);
    self->budget = query_budget_new (routes->query_memory, routes->query_answer_max, routes->stats);
    if (!self->limits || !self->budget) {
        http_limits_destroy (&self->limits);
        query_budget_destroy (&self->budget);
        free (self);
        return NULL;
    }
    reply_set_tls (routes->tls != NULL);
    unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    struct MHD_OptionItem tls[3] = {{MHD_OPTION_END, 0, NULL}};
    if (routes->tls) {
        flags |= MHD_USE_TLS;
        tls[0] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, routes->tls->cert};
        tls[1] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, routes->tls->key};
        tls[2] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    }
    self->daemon = MHD_start_daemon (
        flags, 0, NULL, NULL, s_dispatch, self, MHD_OPTION_EXTERNAL_LOGGER, s_mhd_log, self,
        MHD_OPTION_SOCK_ADDR, address, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned) (max_connections + HTTP_EXTRA_CONNECTIONS), MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned) routes->max_per_address, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned) HTTP_CONNECTION_TIMEOUT_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t) HTTP_CONNECTION_MEMORY, MHD_OPTION_LISTEN_BACKLOG_SIZE, 4096u,
        MHD_OPTION_NOTIFY_CONNECTION, http_limits_notify_connection, self->limits,
        MHD_OPTION_NOTIFY_COMPLETED, s_completed, self, MHD_OPTION_ARRAY, tls, MHD_OPTION_END);
    if (!self->daemon) {
        http_limits_destroy (&self->limits);
        query_budget_destroy (&self->budget);
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
        http_limits_destroy (&self->limits);
        query_budget_destroy (&self->budget);
        free (self);
        *self_p = NULL;
    }
}

void
http_tick (http_t *self, int64_t mono_ns)
{
    assert (self);
    http_limits_sweep (self->limits, mono_ns);
}

int64_t
http_tick_due (http_t *self)
{
    assert (self);
    return http_limits_due (self->limits);
}

void
http_cancel_logins (http_t *self)
{
    assert (self);
    if (self->routes.auth)
        auth_cancel (self->routes.auth, s_login_done, self);
}

bool
http_take_logins (http_t *self)
{
    assert (self);
    if (self->routes.auth)
        auth_take (self->routes.auth, s_login_done, self);
    bool resumed = self->resumed;
    self->resumed = false;
    return resumed;
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

void
http_forget_store (http_t *self)
{
    assert (self);
    self->routes.store = NULL;
}

uint16_t
http_port (http_t *self)
{
    assert (self);
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info (self->daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info ? info->port : 0;
}
