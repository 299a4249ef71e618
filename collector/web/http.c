/*  http.c: the collector's web server and its routes.

    MHD options (docs/ARCHITECTURE.md, "Limits"): external epoll mode with suspend/resume, a
    connection limit a little above --max-clients (so API calls and the overload
    answer still get through), a per-connection memory cap, and
    --http-write-timeout: MHD closes a connection that makes no progress (reads
    nothing, and none of its answer leaves) for that long, which is the write
    deadline for a client that stops reading a large answer, and the idle limit
    between keep-alive requests. Suspended SSE streams never time out in MHD (an
    idle but reading /feed client is safe); the feed's 15 s keep-alive is what
    notices a dead peer, and a stalled one is timed out like any other answer
    once its socket buffer is full.

    Strictness (RFC 9112; docs/SECURITY.md, "HTTP strictness"): Debian's
    libmicrohttpd 0.9.75 offers only MHD_OPTION_STRICT_FOR_CLIENT (no
    MHD_OPTION_CLIENT_DISCIPLINE_LVL); at 1 it refuses an HTTP/1.1 request
    without Host (400, closed) and a request line with spaces in its target
    (closed). What it leaves out is http_strict.h's, in the gate; those get
    400 with Connection: close, counted and logged at most every 10 s. HEAD never has a body: MHD
   leaves it out for every fixed answer, and /feed (a chunked stream, whose end MHD 0.9.75 would
   send after the head) answers HEAD with the head alone.

    Every request passes the gate in s_dispatch's first call, before any
    route: a method other than GET or HEAD gets 405, a malformed head or a
    body 400, and with
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
#include "http_strict.h"
#include "base.h"
#include "metrics.h"
#include "query.h"
#include "reply.h"
#include "store.h"
#include "wire.h"
#include "textbuf.h"

#include <arpa/inet.h>
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HTTP_CONNECTION_MEMORY (16 * 1024)
#define HTTP_EXTRA_CONNECTIONS 64
#define HTTP_HISTORY_DEFAULT_S 600.0
#define HTTP_LOG_GAP_NS        10000000000LL //  one line per kind at most this often

//  TLS 1.2 and 1.3 only, forward-secret AEAD ciphers (Mozilla's "intermediate"
//  profile without finite-field DHE): a GnuTLS priority string.
#define HTTP_TLS_PRIORITIES                                                                        \
    "SECURE256:+SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-256-GCM:"           \
    "+AES-128-GCM:+CHACHA20-POLY1305:-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-RSA:+ECDHE-ECDSA:"              \
    "%SERVER_PRECEDENCE"

//  The dashboard runs only its own scripts and talks only to this server.
#define HTTP_CSP                                                                                   \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "              \
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

struct _http_t {
    struct MHD_Daemon *daemon;    //  the server
    http_routes_t routes;         //  what the routes read
    http_limits_t *limits;        //  the header deadline
    bool resumed;                 //  logins resumed since the last http_run
    query_budget_t *budget;       //  what history answers may hold
    bool head;                    //  the request being dispatched is a HEAD
    struct sockaddr_in address;   //  where it was asked to listen, for messages
    loglimit_t tls_log;           //  failed handshakes, counted (a line per gap at most)
    uint64_t plain_http;          //  of those, plain HTTP (tls.h), since the last line
    char tls_latest[256];         //  the latest failure, for the line
    loglimit_t malformed_log;     //  400s, counted
    char malformed_latest[256];   //  the latest reason, for the line
    loglimit_t write_timeout_log; //  answers that made no progress, counted
    uint32_t metrics_sending;     //  /metrics answers being sent (query_budget_answer)
};

//  The lines of the counted limiters: written at an event, or by http_tick
//  for events held back when no other came (each says how many it covers).
static void
s_say_malformed (http_t *self, uint64_t refused)
{
    if (refused)
        log_warn ("http: refused %lu malformed request%s with 400 (latest: %s)",
                  (unsigned long) refused, refused == 1 ? "" : "s", self->malformed_latest);
}

static void
s_say_tls (http_t *self, uint64_t failed)
{
    if (!failed)
        return;
    char hint[160] = "";
    if (self->plain_http)
        snprintf (hint, sizeof hint,
                  "; %lu of them spoke plain HTTP to this HTTPS port: use an https:// URL",
                  (unsigned long) self->plain_http);
    log_info ("http: %lu failed TLS handshake%s (latest: %s)%s", (unsigned long) failed,
              failed == 1 ? "" : "s", self->tls_latest, hint);
    self->plain_http = 0;
}

static void
s_say_write_timeouts (http_t *self, uint64_t closed)
{
    if (closed)
        log_warn ("http: closed %lu connection%s whose answer made no progress for %u s "
                  "(a client that stopped reading; --http-write-timeout)",
                  (unsigned long) closed, closed == 1 ? "" : "s", self->routes.write_timeout_s);
}

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
    return feed_answer (self->routes.feed, connection, self->head);
}

static enum MHD_Result
s_route_agents (http_t *self, struct MHD_Connection *connection, void **request_state)
{
    (void) request_state;
    api_ingest_t ingest = {.endpoint = self->routes.ingest_endpoint,
                           .curve = self->routes.ingest_curve};
    return query_budget_answer (self->budget, connection,
                                api_agents (self->routes.series, clock_wall_ns (), &ingest),
                                "application/json; charset=utf-8", NULL);
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

//  Memory's answer with the window memory misses from the store (history.h):
//  the request waits suspended for it, or gets memory's alone.
static enum MHD_Result
s_history_joined (http_t *self, struct MHD_Connection *connection, void **request_state,
                  const char *glob, double seconds)
{
    login_t *waiting = *request_state != &s_head_seen ? *request_state : NULL;
    if (!waiting && !(waiting = calloc (1, sizeof *waiting)))
        return MHD_NO;
    *request_state = waiting;
    waiting->connection = connection;
    unsigned status;
    const char *error, *partial;
    waiting->history =
        history_start_memory (self->routes.store, self->routes.series, self->budget, connection,
                              &self->resumed, glob, seconds, &status, &error, &partial);
    if (waiting->history) {
        MHD_suspend_connection (connection);
        return MHD_YES;
    }
    if (partial)
        return history_memory_answer (self->routes.series, self->budget, connection, glob, seconds,
                                      partial);
    (void) status; //  503: the budget is full
    return reply_busy (connection, error);
}

static enum MHD_Result
s_route_history (http_t *self, struct MHD_Connection *connection, void **request_state)
{
    //  HEAD: the headers alone, with no query (a streamed answer would
    //  send the end of its chunks after them).
    if (self->head)
        return reply_buffer (connection, MHD_HTTP_OK, "application/json; charset=utf-8", "",
                             MHD_RESPMEM_PERSISTENT);
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
    if (self->routes.store && history_needs_store (self->routes.series, glob, seconds))
        return s_history_joined (self, connection, request_state, glob, seconds);
    return history_memory_answer (self->routes.series, self->budget, connection, glob, seconds,
                                  NULL);
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
        .series_custom_refused = series_map_custom_refused (self->routes.series),
    };
    char *own = metrics_render (&self->routes.counters, &gauges, NULL);
    //  Every agent's families last, written straight into the page (29 MB at
    //  10,000 series: not copied again). About 3 KiB per live series.
    series_metrics_t agents = {.series = self->routes.series,
                               .latest = self->routes.latest,
                               .now_mono = clock_mono_ns (),
                               .ttl_ns = self->routes.metrics_ttl,
                               .max_names = self->routes.metrics_max_names,
                               .refused = &self->routes.stats->metric_names_refused};
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
    //  After the agents' families: this scrape's refusals are in it.
    metrics_render_refused (&self->routes.counters, &out);
    return query_budget_answer (self->budget, connection,
                                own ? textbuf_take (&out) : (textbuf_free (&out), NULL),
                                "text/plain; version=0.0.4; charset=utf-8", &self->metrics_sending);
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

//  400 and a closed connection, counted and logged at most every 10 s.
static enum MHD_Result
s_refuse_malformed (http_t *self, struct MHD_Connection *connection, const char *why)
{
    self->routes.stats->malformed++;
    snprintf (self->malformed_latest, sizeof self->malformed_latest, "%.*s",
              (int) strcspn (why, "\n"), why);
    s_say_malformed (self, loglimit_count (&self->malformed_log, clock_mono_ns ()));
    return s_answer_plain (connection, MHD_HTTP_BAD_REQUEST, why, MHD_HTTP_HEADER_CONNECTION,
                           "close");
}

//  The gate's first half, on the first call (the head is complete): refusals
//  that need no login. They carry Connection: close, so MHD closes the
//  connection after them; everything else is answered on the next call, so
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
    const char *why = http_strict_check (connection);
    if (why)
        return s_refuse_malformed (self, connection, why);
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
    self->head = strcmp (method, MHD_HTTP_METHOD_HEAD) == 0;
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
    http_t *self = cls;
    //  MHD's connection timeout ends a request in progress only while its
    //  answer is being sent (a suspended one never times out, and the header
    //  deadline comes first for a request head): the write deadline.
    if (code == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED) {
        self->routes.stats->write_timeouts++;
        s_say_write_timeouts (self, loglimit_count (&self->write_timeout_log, clock_mono_ns ()));
    }
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

//  MHD's lines, sorted. A peer that went away (a closed tab, a reload:
//  "Failed to send the chunked response body", "closed by remote side") is
//  routine for an SSE server and not logged. A failed TLS handshake (plain HTTP
//  to the TLS port, a scanner, a refused old protocol), MHD's own 400s and its
//  bind failure are the client's or the operator's business: counted, and
//  logged at most every 10 s with what to do. The rest are warnings, ten a
//  minute and then a summary.
static void
s_mhd_log (void *cls, const char *fmt, va_list args)
{
    http_t *self = cls;
    char line[512];
    vsnprintf (line, sizeof line, fmt, args);
    size_t n = strlen (line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '.'))
        line[--n] = '\0';
    if (strstr (line, "Failed to send") || strstr (line, "closed by remote") ||
        strstr (line, "Connection reset"))
        return;
    if (strncmp (line, "Failed to bind to port", 22) == 0) {
        //  MHD names the port argument, 0 with MHD_OPTION_SOCK_ADDR.
        char address[INET_ADDRSTRLEN] = "?";
        inet_ntop (AF_INET, &self->address.sin_addr, address, sizeof address);
        const char *reason = strchr (line, ':');
        log_warn ("http: cannot bind to %s:%u%s", address,
                  (unsigned) ntohs (self->address.sin_port), reason ? reason : "");
        return;
    }
    if (strstr (line, "handshake") || strstr (line, "TLS")) {
        self->routes.stats->tls_failed++;
        self->plain_http += tls_take_plain_http ();
        snprintf (self->tls_latest, sizeof self->tls_latest, "%s", line);
        s_say_tls (self, loglimit_count (&self->tls_log, clock_mono_ns ()));
        return;
    }
    //  A refusal of MHD's own writes two lines: the reason ("... without
    //  `Host' ..."), then "HTTP response code is 400". The reason is kept for
    //  the line; the refusal is counted once, at the second.
    if (strstr (line, "without `Host'")) {
        snprintf (self->malformed_latest, sizeof self->malformed_latest, "%s", line);
        return;
    }
    if (strstr (line, "HTTP response code is 400")) {
        self->routes.stats->malformed++;
        s_say_malformed (self, loglimit_count (&self->malformed_log, clock_mono_ns ()));
        return;
    }
    //  Anything else could come per connection too: a few a minute (loglimit.h).
    static loglimit_t other_log = LOGLIMIT_INIT ("other http warnings", 10, LOGLIMIT_MINUTE_NS);
    if (loglimit_allow (&other_log, clock_mono_ns ()))
        log_warn ("http: %s", line);
}

http_t *
http_new (const struct sockaddr_in *address, uint32_t max_connections, const http_routes_t *routes)
{
    http_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->routes = *routes;
    self->address = *address;
    self->tls_log = (loglimit_t) LOGLIMIT_COUNTED (HTTP_LOG_GAP_NS);
    self->malformed_log = (loglimit_t) LOGLIMIT_COUNTED (HTTP_LOG_GAP_NS);
    self->write_timeout_log = (loglimit_t) LOGLIMIT_COUNTED (HTTP_LOG_GAP_NS);
    if (!self->routes.write_timeout_s)
        self->routes.write_timeout_s = HTTP_WRITE_TIMEOUT_S;
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
    struct MHD_OptionItem tls[4] = {{MHD_OPTION_END, 0, NULL}};
    if (routes->tls) {
        flags |= MHD_USE_TLS;
        tls_watch_plain_http ();
        tls[0] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, routes->tls->cert};
        tls[1] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, routes->tls->key};
        tls[2] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0, HTTP_TLS_PRIORITIES};
        tls[3] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    }
    self->daemon = MHD_start_daemon (
        flags, 0, NULL, NULL, s_dispatch, self, MHD_OPTION_EXTERNAL_LOGGER, s_mhd_log, self,
        MHD_OPTION_SOCK_ADDR, address, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned) (max_connections + HTTP_EXTRA_CONNECTIONS), MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned) routes->max_per_address, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned) self->routes.write_timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t) HTTP_CONNECTION_MEMORY, MHD_OPTION_LISTEN_BACKLOG_SIZE, 4096u,
        MHD_OPTION_STRICT_FOR_CLIENT, 1, MHD_OPTION_NOTIFY_CONNECTION,
        http_limits_notify_connection, self->limits, MHD_OPTION_NOTIFY_COMPLETED, s_completed, self,
        MHD_OPTION_ARRAY, tls, MHD_OPTION_END);
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
    s_say_malformed (self, loglimit_take (&self->malformed_log, mono_ns));
    s_say_tls (self, loglimit_take (&self->tls_log, mono_ns));
    s_say_write_timeouts (self, loglimit_take (&self->write_timeout_log, mono_ns));
}

int64_t
http_tick_due (http_t *self)
{
    assert (self);
    int64_t due = http_limits_due (self->limits);
    due = loglimit_earlier (due, loglimit_due (&self->malformed_log));
    due = loglimit_earlier (due, loglimit_due (&self->tls_log));
    return loglimit_earlier (due, loglimit_due (&self->write_timeout_log));
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
