/*  zapm-ssesink.c: K concurrent server-sent-events clients for benchmarking zapm-collector.

    Opens K streams on the collector's GET /feed over raw non-blocking loopback
    sockets (epoll, one to a few threads), decodes chunked transfer encoding and
    the SSE framing, and for each sample event reads three fields from its data:
    "t_send" (the sender's CLOCK_REALTIME ns, put there by zapm-loadgen), "agent"
    ("load-<i>") and "seq". From them it measures, over a window that starts after
    a warm-up:
      - events received per second, all clients together, and per client min/max;
      - loss: gaps in seq per agent per client (duplicates and reorders apart),
        and `event: reset` (the client fell behind the ring and was skipped ahead);
      - latency, receive wall time minus t_send, in a log-linear histogram
        (about 6% resolution, fixed memory): p50, p90, p99 and the exact max.
    The receive time is taken once per read(), after it returns.

    Clients connect at a bounded rate, never reconnect, and the run ends after
    warm-up + duration whatever happens. Prints one line of key=value results on
    stdout. Loopback addresses only.

    With --tls each client speaks TLS (GnuTLS, non-blocking handshake; the
    server's certificate is not verified: this is a load tool on loopback),
    and with the environment variable SSESINK_AUTH=user:password each request
    carries HTTP Basic credentials (an environment variable, so the password
    is not on the command line).
*/
#include "base64.h"
#include "cli.h"
#include "clock.h"

#include <gnutls/gnutls.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define SINK_SCRATCH    (256 * 1024)  //  bytes read at once per client
#define SINK_CARRY_MAX  (1024 * 1024) //  longest partial line kept between reads
#define SINK_HEADER_MAX (16 * 1024)   //  longest HTTP response head
#define SINK_HIST_SUB   16            //  histogram sub-buckets per power of two
#define SINK_HIST_SIZE  (64 * SINK_HIST_SUB)
#define SINK_MAX_EVENTS 256

typedef enum {
    CL_IDLE,
    CL_CONNECTING,
    CL_HANDSHAKE,
    CL_HEADERS,
    CL_BODY,
    CL_DONE
} sink_client_state_t;
typedef enum { CH_SIZE, CH_EXT, CH_DATA, CH_DATA_CR, CH_DATA_LF, CH_END } sink_chunk_state_t;
typedef enum { EV_MESSAGE, EV_AGENT, EV_RESET, EV_OTHER } sink_event_type_t;

typedef struct {
    uint64_t events;       //  data events of any type
    uint64_t samples;      //  default events
    uint64_t agent_events; //  event: agent
    uint64_t resets;       //  event: reset
    uint64_t lost;         //  sum of seq gaps
    uint64_t out_of_order; //  seq at or below the last one seen
    uint64_t foreign;      //  samples without a load-<i> identity or seq
    uint64_t keepalives;   //  comment lines
    uint64_t bytes;        //  raw bytes read
    uint64_t lat_count;
    int64_t lat_max;
    uint64_t hist[SINK_HIST_SIZE];
} sink_stats_t;

struct _sink_thread_t;

typedef struct {
    int fd;
    gnutls_session_t tls; //  with --tls, else NULL
    sink_client_state_t state;
    sink_chunk_state_t chunk_state;
    sink_event_type_t event_type;
    bool chunked;
    bool rejected;
    uint64_t chunk_left;
    char *carry; //  partial line (or partial response head) from the last read
    size_t carry_len;
    size_t carry_cap;
    uint32_t *next_seq; //  per agent index: last seq + 1, 0 when not seen yet
    uint32_t seq_cap;
    uint64_t window_events;
    struct _sink_thread_t *thread;
} sink_client_t;

typedef struct {
    //  Settings
    struct sockaddr_in addr;
    const char *hostport;
    const char *path;
    long clients;
    long threads;
    double warmup;
    double duration;
    double connect_rate;
    long max_agents;
    bool tls;                                     //  --tls
    gnutls_certificate_credentials_t credentials; //  with --tls
    char authorization[600];                      //  "Authorization: ...\r\n" or ""
    //  Timeline, CLOCK_MONOTONIC ns
    int64_t start;
    int64_t window_start;
    int64_t window_end;
} sink_config_t;

typedef struct _sink_thread_t {
    const sink_config_t *config;
    pthread_t thread;
    int epoll_fd;
    sink_client_t *client; //  this thread's clients
    long clients;
    long started;
    double connect_rate; //  this thread's share, per second
    bool in_window;
    char *scratch;
    //  Results
    long connected; //  TCP connected and request sent
    long streaming; //  got a 200 response head
    long ended;     //  the server closed the stream
    long rejected;  //  ended after retry: >= 15000 (over the connection limit)
    long errors;
    sink_stats_t stats;
} sink_thread_t;

static void
s_usage (const char *prog)
{
    printf (
        "Usage: %s [OPTION]...\n"
        "Open K server-sent-event streams on zapm-collector and measure rate, loss, latency.\n"
        "\n"
        "  --http ADDR:PORT     collector HTTP address, loopback only (default 127.0.0.1:8088)\n"
        "  --path PATH          request path and query (default /feed)\n"
        "  --clients K          concurrent streams (default 1)\n"
        "  --threads T          client threads (default 1)\n"
        "  --warmup W           seconds before measuring (default 2)\n"
        "  --duration D         seconds measured (default 5)\n"
        "  --connect-rate C     new connections per second (default 5000)\n"
        "  --max-agents N       agents load-0..N-1 tracked for loss (default 10000)\n"
        "  --tls yes            speak TLS (certificate not verified)\n"
        "  --help               show this help and exit\n"
        "\n"
        "Latency needs the samples' \"t_send\" field (zapm-loadgen); loss needs\n"
        "\"agent\":\"load-<i>\" and \"seq\". Output: one line of key=value on stdout.\n",
        prog);
}

//  Histogram bucket of a non-negative value: 16 linear sub-buckets per power of two.
static int
s_hist_index (int64_t v)
{
    if (v < SINK_HIST_SUB)
        return (int) v;
    int bit = 63 - __builtin_clzll ((unsigned long long) v);
    int sub = (int) ((v >> (bit - 4)) & (SINK_HIST_SUB - 1));
    int index = (bit - 3) * SINK_HIST_SUB + sub;
    return index < SINK_HIST_SIZE ? index : SINK_HIST_SIZE - 1;
}

//  The middle of a bucket's range.
static double
s_hist_value (int index)
{
    if (index < SINK_HIST_SUB)
        return index;
    int bit = index / SINK_HIST_SUB + 3;
    int sub = index % SINK_HIST_SUB;
    double low = (double) (1ULL << bit) + (double) sub * (double) (1ULL << (bit - 4));
    return low + (double) (1ULL << (bit - 4)) / 2;
}

static double
s_hist_quantile (const sink_stats_t *stats, double q)
{
    if (stats->lat_count == 0)
        return 0;
    uint64_t rank = (uint64_t) (q * (double) stats->lat_count);
    if (rank >= stats->lat_count)
        rank = stats->lat_count - 1;
    uint64_t seen = 0;
    for (int i = 0; i < SINK_HIST_SIZE; i++) {
        seen += stats->hist[i];
        if (seen > rank) {
            double v = s_hist_value (i);
            return v < (double) stats->lat_max ? v : (double) stats->lat_max;
        }
    }
    return (double) stats->lat_max;
}

//  Parses an unsigned decimal at p (bounded by end). Returns false if none.
static bool
s_parse_u64 (const char *p, const char *end, uint64_t *value)
{
    uint64_t v = 0;
    const char *start = p;
    while (p < end && *p >= '0' && *p <= '9')
        v = v * 10 + (uint64_t) (*p++ - '0');
    *value = v;
    return p > start;
}

//  Finds `"key":` in [p, end) and returns a pointer just past it, or NULL.
static const char *
s_find_key (const char *p, const char *end, const char *key, size_t key_len)
{
    const char *hit = memmem (p, (size_t) (end - p), key, key_len);
    return hit ? hit + key_len : NULL;
}

//  t_send as integer ns, or as float seconds. Returns false if absent.
static bool
s_parse_t_send (const char *p, const char *end, int64_t *wall_ns)
{
    uint64_t whole;
    if (!s_parse_u64 (p, end, &whole))
        return false;
    while (p < end && *p >= '0' && *p <= '9')
        p++;
    if (p < end && *p == '.') {
        double frac = 0, scale = 0.1;
        for (p++; p < end && *p >= '0' && *p <= '9' && scale > 1e-10; p++, scale /= 10)
            frac += (*p - '0') * scale;
        *wall_ns = (int64_t) whole * 1000000000LL + (int64_t) (frac * 1e9);
    }
    else
        *wall_ns = (int64_t) whole;
    return true;
}

static void
s_client_sample (sink_client_t *self, const char *data, const char *end, int64_t now)
{
    sink_thread_t *thread = self->thread;
    sink_stats_t *stats = &thread->stats;
    bool window = thread->in_window;
    if (window) {
        stats->samples++;
        self->window_events++;
    }
    int64_t t_send;
    const char *p = s_find_key (data, end, "\"t_send\":", 9);
    if (p && s_parse_t_send (p, end, &t_send) && window) {
        int64_t latency = now - t_send;
        if (latency < 0)
            latency = 0;
        stats->hist[s_hist_index (latency)]++;
        stats->lat_count++;
        if (latency > stats->lat_max)
            stats->lat_max = latency;
    }
    uint64_t index, seq;
    p = s_find_key (data, end, "\"agent\":\"load-", 14);
    if (!p || !s_parse_u64 (p, end, &index) || index >= (uint64_t) thread->config->max_agents) {
        stats->foreign += window;
        return;
    }
    p = s_find_key (data, end, "\"seq\":", 6);
    if (!p || !s_parse_u64 (p, end, &seq) || seq >= UINT32_MAX) {
        stats->foreign += window;
        return;
    }
    if (index >= self->seq_cap) {
        uint32_t cap = self->seq_cap ? self->seq_cap : 16;
        while (cap <= index)
            cap *= 2;
        uint32_t *table = realloc (self->next_seq, cap * sizeof (uint32_t));
        if (!table)
            return;
        memset (table + self->seq_cap, 0, (cap - self->seq_cap) * sizeof (uint32_t));
        self->next_seq = table;
        self->seq_cap = cap;
    }
    uint32_t next = self->next_seq[index];
    if (next == 0 || seq >= next) {
        if (next != 0 && window)
            stats->lost += seq - next;
        self->next_seq[index] = (uint32_t) seq + 1;
    }
    else
        stats->out_of_order += window;
}

//  One SSE line, without its line ending.
static void
s_client_line (sink_client_t *self, const char *line, size_t len, int64_t now)
{
    sink_stats_t *stats = &self->thread->stats;
    bool window = self->thread->in_window;
    if (len == 0) {
        self->event_type = EV_MESSAGE; //  blank line: the event is over
        return;
    }
    if (line[0] == ':') {
        stats->keepalives += window;
        return;
    }
    const char *end = line + len;
    if (len >= 5 && memcmp (line, "data:", 5) == 0) {
        if (window)
            stats->events++;
        if (self->event_type == EV_MESSAGE)
            s_client_sample (self, line + 5, end, now);
        else if (self->event_type == EV_AGENT) {
            if (window) {
                stats->agent_events++;
                self->window_events++;
            }
        }
        else if (self->event_type == EV_RESET)
            stats->resets += window;
    }
    else if (len >= 6 && memcmp (line, "event:", 6) == 0) {
        const char *v = line + 6;
        while (v < end && *v == ' ')
            v++;
        size_t n = (size_t) (end - v);
        if (n == 5 && memcmp (v, "agent", 5) == 0)
            self->event_type = EV_AGENT;
        else if (n == 5 && memcmp (v, "reset", 5) == 0)
            self->event_type = EV_RESET;
        else if (n == 7 && memcmp (v, "message", 7) == 0)
            self->event_type = EV_MESSAGE;
        else
            self->event_type = EV_OTHER;
    }
    else if (len >= 6 && memcmp (line, "retry:", 6) == 0) {
        uint64_t ms;
        const char *v = line + 6;
        while (v < end && *v == ' ')
            v++;
        if (s_parse_u64 (v, end, &ms) && ms >= 15000)
            self->rejected = true;
    }
}

static bool
s_client_keep (sink_client_t *self, const char *data, size_t len)
{
    if (len > SINK_CARRY_MAX)
        return false;
    if (len > self->carry_cap) {
        size_t cap = len < 1024 ? 1024 : len;
        char *carry = realloc (self->carry, cap);
        if (!carry)
            return false;
        self->carry = carry;
        self->carry_cap = cap;
    }
    memmove (self->carry, data, len);
    self->carry_len = len;
    return true;
}

static void
s_client_close (sink_client_t *self, bool ended)
{
    sink_thread_t *thread = self->thread;
    if (self->fd >= 0) {
        epoll_ctl (thread->epoll_fd, EPOLL_CTL_DEL, self->fd, NULL);
        close (self->fd);
        self->fd = -1;
    }
    if (self->tls) {
        gnutls_deinit (self->tls);
        self->tls = NULL;
    }
    if (ended) {
        thread->ended++;
        if (self->rejected)
            thread->rejected++;
    }
    else
        thread->errors++;
    self->state = CL_DONE;
    free (self->carry);
    self->carry = NULL;
    self->carry_len = self->carry_cap = 0;
}

//  Removes chunked framing in place from buf[from, to); returns the new end.
static size_t
s_client_dechunk (sink_client_t *self, char *buf, size_t from, size_t to)
{
    size_t r = from, w = from;
    while (r < to) {
        char c = buf[r];
        switch (self->chunk_state) {
        case CH_SIZE:
            r++;
            if (c >= '0' && c <= '9')
                self->chunk_left = self->chunk_left * 16 + (uint64_t) (c - '0');
            else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
                self->chunk_left = self->chunk_left * 16 + (uint64_t) ((c | 0x20) - 'a' + 10);
            else if (c == '\n')
                self->chunk_state = self->chunk_left ? CH_DATA : CH_END;
            else
                self->chunk_state = CH_EXT; //  ';' extension or '\r'
            break;
        case CH_EXT:
            r++;
            if (c == '\n')
                self->chunk_state = self->chunk_left ? CH_DATA : CH_END;
            break;
        case CH_DATA: {
            size_t n = to - r < self->chunk_left ? to - r : (size_t) self->chunk_left;
            if (w != r)
                memmove (buf + w, buf + r, n);
            w += n;
            r += n;
            self->chunk_left -= n;
            if (self->chunk_left == 0)
                self->chunk_state = CH_DATA_CR;
            break;
        }
        case CH_DATA_CR:
            r++;
            self->chunk_state = c == '\r' ? CH_DATA_LF : CH_SIZE;
            if (c == '\n')
                self->chunk_state = CH_SIZE;
            break;
        case CH_DATA_LF:
            r++;
            self->chunk_state = CH_SIZE;
            break;
        case CH_END:
            r = to;
            break;
        }
    }
    return w;
}

//  Reads the response head from buf[0, len). Returns bytes consumed, 0 if
//  incomplete, -1 if bad.
static long
s_client_head (sink_client_t *self, const char *buf, size_t len)
{
    const char *end = memmem (buf, len, "\r\n\r\n", 4);
    if (!end)
        return len > SINK_HEADER_MAX ? -1 : 0;
    if (len < 12 || memcmp (buf, "HTTP/1.", 7) != 0 || memcmp (buf + 8, " 200", 4) != 0)
        return -1;
    //  Transfer-Encoding: chunked?
    for (const char *p = buf; p < end; p++) {
        if ((*p == 't' || *p == 'T') && (size_t) (end - p) > 26 &&
            strncasecmp (p, "transfer-encoding:", 18) == 0) {
            const char *eol = memchr (p, '\r', (size_t) (end - p) + 1);
            if (eol && memmem (p + 18, (size_t) (eol - p - 18), "chunked", 7))
                self->chunked = true;
        }
    }
    return (long) (end + 4 - buf);
}

//  Reads what is there, through TLS with --tls: up to `max` bytes; 0 at end
//  of stream; -1 with errno EAGAIN when nothing is there yet.
static ssize_t
s_client_recv (sink_client_t *self, char *buf, size_t max)
{
    if (!self->tls)
        return read (self->fd, buf, max);
    //  GnuTLS hands out one record per call and may hold more that epoll will
    //  not signal again: read until it has nothing left.
    size_t got = 0;
    while (got < max) {
        ssize_t n = gnutls_record_recv (self->tls, buf + got, max - got);
        if (n > 0) {
            got += (size_t) n;
            continue;
        }
        if (n == 0)
            return got ? (ssize_t) got : 0;
        if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
            if (got)
                return (ssize_t) got;
            errno = EAGAIN;
            return -1;
        }
        if (got)
            return (ssize_t) got;
        errno = EIO;
        return -1;
    }
    return (ssize_t) got;
}

static void
s_client_read (sink_client_t *self)
{
    sink_thread_t *thread = self->thread;
    char *buf = thread->scratch;
    size_t have = self->carry_len;
    if (have)
        memcpy (buf, self->carry, have);
    ssize_t n = s_client_recv (self, buf + have, SINK_SCRATCH);
    if (n < 0) {
        if (errno != EAGAIN && errno != EINTR)
            s_client_close (self, false);
        return;
    }
    if (n == 0) {
        s_client_close (self, self->state == CL_BODY);
        return;
    }
    int64_t now = clock_wall_ns ();
    if (thread->in_window)
        thread->stats.bytes += (uint64_t) n;
    size_t len = have + (size_t) n;
    size_t body = have; //  where undecoded body bytes start
    if (self->state == CL_HEADERS) {
        long used = s_client_head (self, buf, len);
        if (used < 0) {
            s_client_close (self, false);
            return;
        }
        if (used == 0) {
            if (!s_client_keep (self, buf, len))
                s_client_close (self, false);
            return;
        }
        self->state = CL_BODY;
        thread->streaming++;
        memmove (buf, buf + used, len - (size_t) used);
        len -= (size_t) used;
        body = 0;
    }
    if (self->chunked)
        len = s_client_dechunk (self, buf, body, len);
    //  Complete lines
    const char *p = buf, *end = buf + len;
    const char *nl;
    while ((nl = memchr (p, '\n', (size_t) (end - p)))) {
        size_t line_len = (size_t) (nl - p);
        if (line_len && p[line_len - 1] == '\r')
            line_len--;
        s_client_line (self, p, line_len, now);
        p = nl + 1;
    }
    if (!s_client_keep (self, p, (size_t) (end - p)))
        s_client_close (self, false);
    else if (self->chunk_state == CH_END)
        s_client_close (self, true);
}

static void
s_client_connect (sink_client_t *self)
{
    sink_thread_t *thread = self->thread;
    self->fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (self->fd < 0) {
        thread->errors++;
        self->state = CL_DONE;
        return;
    }
    const sink_config_t *config = thread->config;
    int rc = connect (self->fd, (const struct sockaddr *) &config->addr, sizeof config->addr);
    if (rc != 0 && errno != EINPROGRESS) {
        s_client_close (self, false);
        return;
    }
    struct epoll_event event = {.events = EPOLLOUT, .data.ptr = self};
    if (epoll_ctl (thread->epoll_fd, EPOLL_CTL_ADD, self->fd, &event) != 0) {
        s_client_close (self, false);
        return;
    }
    self->state = CL_CONNECTING;
}

//  The request, once connected (and the TLS handshake done).
static void
s_client_request (sink_client_t *self)
{
    sink_thread_t *thread = self->thread;
    char request[2048];
    int len =
        snprintf (request, sizeof request,
                  "GET %s HTTP/1.1\r\nHost: %s\r\nAccept: text/event-stream\r\n"
                  "Cache-Control: no-cache\r\nUser-Agent: zapm-ssesink\r\n%s\r\n",
                  thread->config->path, thread->config->hostport, thread->config->authorization);
    bool sent = len > 0 && (size_t) len < sizeof request;
    if (sent && self->tls)
        sent = gnutls_record_send (self->tls, request, (size_t) len) == len;
    else if (sent)
        sent = write (self->fd, request, (size_t) len) == len;
    if (!sent) {
        s_client_close (self, false);
        return;
    }
    struct epoll_event event = {.events = EPOLLIN, .data.ptr = self};
    if (epoll_ctl (thread->epoll_fd, EPOLL_CTL_MOD, self->fd, &event) != 0) {
        s_client_close (self, false);
        return;
    }
    self->state = CL_HEADERS;
    thread->connected++;
}

//  Steps the non-blocking TLS handshake; sends the request when it is done.
static void
s_client_handshake (sink_client_t *self)
{
    int rc = gnutls_handshake (self->tls);
    if (rc == GNUTLS_E_SUCCESS) {
        s_client_request (self);
        return;
    }
    if (rc != GNUTLS_E_AGAIN && rc != GNUTLS_E_INTERRUPTED) {
        s_client_close (self, false);
        return;
    }
    uint32_t wanted = gnutls_record_get_direction (self->tls) ? EPOLLOUT : EPOLLIN;
    struct epoll_event event = {.events = wanted, .data.ptr = self};
    if (epoll_ctl (self->thread->epoll_fd, EPOLL_CTL_MOD, self->fd, &event) != 0)
        s_client_close (self, false);
}

static void
s_client_send_request (sink_client_t *self)
{
    int error = 0;
    socklen_t size = sizeof error;
    if (getsockopt (self->fd, SOL_SOCKET, SO_ERROR, &error, &size) != 0 || error != 0) {
        s_client_close (self, false);
        return;
    }
    const sink_config_t *config = self->thread->config;
    if (!config->tls) {
        s_client_request (self);
        return;
    }
    if (gnutls_init (&self->tls, GNUTLS_CLIENT | GNUTLS_NONBLOCK) != GNUTLS_E_SUCCESS ||
        gnutls_set_default_priority (self->tls) != GNUTLS_E_SUCCESS ||
        gnutls_credentials_set (self->tls, GNUTLS_CRD_CERTIFICATE, config->credentials) !=
            GNUTLS_E_SUCCESS) {
        s_client_close (self, false);
        return;
    }
    gnutls_transport_set_int (self->tls, self->fd);
    self->state = CL_HANDSHAKE;
    s_client_handshake (self);
}

static void *
s_thread_run (void *args)
{
    sink_thread_t *self = args;
    const sink_config_t *config = self->config;
    struct epoll_event events[SINK_MAX_EVENTS];
    while (true) {
        int64_t now = clock_mono_ns ();
        if (now >= config->window_end)
            break;
        self->in_window = now >= config->window_start;
        //  Connect at a bounded rate
        long due = (long) (self->connect_rate * (double) (now - config->start) / 1e9) + 1;
        while (self->started < self->clients && self->started < due)
            s_client_connect (&self->client[self->started++]);
        int64_t left_ms = (config->window_end - now) / 1000000 + 1;
        int count =
            epoll_wait (self->epoll_fd, events, SINK_MAX_EVENTS, left_ms < 10 ? (int) left_ms : 10);
        if (count < 0 && errno != EINTR)
            break;
        for (int i = 0; i < count; i++) {
            sink_client_t *client = events[i].data.ptr;
            if (client->state == CL_CONNECTING)
                s_client_send_request (client);
            else if (client->state == CL_HANDSHAKE)
                s_client_handshake (client);
            else if (client->state == CL_HEADERS || client->state == CL_BODY)
                s_client_read (client);
        }
    }
    return NULL;
}

//  Accepts "ADDR:PORT" with a loopback IPv4 address or "localhost".
static bool
s_parse_hostport (const char *prog, const char *text, struct sockaddr_in *addr)
{
    const char *colon = strrchr (text, ':');
    char host[64];
    if (!colon || (size_t) (colon - text) >= sizeof host) {
        cli_usage_error (prog, "--http needs ADDR:PORT, got '%s'", text);
        return false;
    }
    memcpy (host, text, (size_t) (colon - text));
    host[colon - text] = '\0';
    long port;
    if (!cli_parse_long (prog, "--http port", colon + 1, 1, 65535, &port))
        return false;
    memset (addr, 0, sizeof *addr);
    addr->sin_family = AF_INET;
    addr->sin_port = htons ((uint16_t) port);
    if (strcmp (host, "localhost") == 0)
        strcpy (host, "127.0.0.1");
    if (inet_pton (AF_INET, host, &addr->sin_addr) != 1 ||
        (ntohl (addr->sin_addr.s_addr) >> 24) != 127) {
        cli_usage_error (prog, "--http must be a loopback IPv4 address, got '%s'", host);
        return false;
    }
    return true;
}

static void
s_report (const sink_config_t *config, sink_thread_t *thread)
{
    sink_stats_t total = {0};
    long connected = 0, streaming = 0, ended = 0, rejected = 0, errors = 0;
    uint64_t min_events = UINT64_MAX, max_events = 0;
    for (long t = 0; t < config->threads; t++) {
        sink_thread_t *self = &thread[t];
        connected += self->connected;
        streaming += self->streaming;
        ended += self->ended;
        rejected += self->rejected;
        errors += self->errors;
        sink_stats_t *s = &self->stats;
        total.events += s->events;
        total.samples += s->samples;
        total.agent_events += s->agent_events;
        total.resets += s->resets;
        total.lost += s->lost;
        total.out_of_order += s->out_of_order;
        total.foreign += s->foreign;
        total.keepalives += s->keepalives;
        total.bytes += s->bytes;
        total.lat_count += s->lat_count;
        if (s->lat_max > total.lat_max)
            total.lat_max = s->lat_max;
        for (int i = 0; i < SINK_HIST_SIZE; i++)
            total.hist[i] += s->hist[i];
        for (long c = 0; c < self->clients; c++) {
            uint64_t n = self->client[c].window_events;
            min_events = n < min_events ? n : min_events;
            max_events = n > max_events ? n : max_events;
        }
    }
    if (min_events == UINT64_MAX)
        min_events = 0;
    double expected = (double) (total.samples + total.lost);
    printf ("ssesink: clients=%ld connected=%ld streaming=%ld ended=%ld rejected=%ld errors=%ld "
            "window_s=%.3f events=%llu events_per_s=%.0f samples=%llu agent_events=%llu "
            "resets=%llu lost=%llu lost_pct=%.4f out_of_order=%llu foreign=%llu "
            "keepalives=%llu mib_per_s=%.2f min_client_events=%llu max_client_events=%llu "
            "lat_n=%llu lat_p50_ms=%.3f lat_p90_ms=%.3f lat_p99_ms=%.3f lat_max_ms=%.3f\n",
            config->clients, connected, streaming, ended, rejected, errors, config->duration,
            (unsigned long long) total.events, (double) total.events / config->duration,
            (unsigned long long) total.samples, (unsigned long long) total.agent_events,
            (unsigned long long) total.resets, (unsigned long long) total.lost,
            expected > 0 ? 100.0 * (double) total.lost / expected : 0.0,
            (unsigned long long) total.out_of_order, (unsigned long long) total.foreign,
            (unsigned long long) total.keepalives,
            (double) total.bytes / config->duration / (1024.0 * 1024.0),
            (unsigned long long) min_events, (unsigned long long) max_events,
            (unsigned long long) total.lat_count, s_hist_quantile (&total, 0.50) / 1e6,
            s_hist_quantile (&total, 0.90) / 1e6, s_hist_quantile (&total, 0.99) / 1e6,
            (double) total.lat_max / 1e6);
    fflush (stdout);
}

int
main (int argc, char *argv[])
{
    const char *prog = "zapm-ssesink";
    sink_config_t config = {.hostport = "127.0.0.1:8088",
                            .path = "/feed",
                            .clients = 1,
                            .threads = 1,
                            .warmup = 2,
                            .duration = 5,
                            .connect_rate = 5000,
                            .max_agents = 10000};
    for (int i = 1; i < argc; i++) {
        const char *flag = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        bool ok = true;
        if (strcmp (flag, "--help") == 0 || strcmp (flag, "-h") == 0) {
            s_usage (prog);
            return 0;
        }
        if (!value) {
            cli_usage_error (prog, "unknown option or missing value: '%s'", flag);
            return CLI_EXIT_USAGE;
        }
        if (strcmp (flag, "--http") == 0)
            config.hostport = value;
        else if (strcmp (flag, "--path") == 0) {
            config.path = value;
            if (value[0] != '/' || strlen (value) > 512 || strpbrk (value, " \r\n")) {
                cli_usage_error (prog, "--path must start with '/' and hold no spaces");
                ok = false;
            }
        }
        else if (strcmp (flag, "--clients") == 0)
            ok = cli_parse_long (prog, flag, value, 0, 50000, &config.clients);
        else if (strcmp (flag, "--threads") == 0)
            ok = cli_parse_long (prog, flag, value, 1, 16, &config.threads);
        else if (strcmp (flag, "--warmup") == 0)
            ok = cli_parse_double (prog, flag, value, 0, 600, &config.warmup);
        else if (strcmp (flag, "--duration") == 0)
            ok = cli_parse_double (prog, flag, value, 0.1, 3600, &config.duration);
        else if (strcmp (flag, "--connect-rate") == 0)
            ok = cli_parse_double (prog, flag, value, 1, 1e6, &config.connect_rate);
        else if (strcmp (flag, "--max-agents") == 0)
            ok = cli_parse_long (prog, flag, value, 1, 1000000, &config.max_agents);
        else if (strcmp (flag, "--tls") == 0) {
            config.tls = strcmp (value, "yes") == 0;
            ok = config.tls || strcmp (value, "no") == 0;
            if (!ok)
                cli_usage_error (prog, "--tls takes yes or no, got '%s'", value);
        }
        else {
            cli_usage_error (prog, "unknown option '%s'", flag);
            ok = false;
        }
        if (!ok)
            return CLI_EXIT_USAGE;
        i++;
    }
    if (!s_parse_hostport (prog, config.hostport, &config.addr))
        return CLI_EXIT_USAGE;
    if (config.threads > config.clients && config.clients > 0)
        config.threads = config.clients;
    const char *auth = getenv ("SSESINK_AUTH");
    if (auth && *auth) {
        char encoded[4 * ((256 + 2) / 3) + 1];
        if (strlen (auth) > 256) {
            fprintf (stderr, "%s: SSESINK_AUTH is longer than 256 bytes\n", prog);
            return CLI_EXIT_USAGE;
        }
        base64_encode ((const uint8_t *) auth, strlen (auth), encoded);
        snprintf (config.authorization, sizeof config.authorization, "Authorization: Basic %s\r\n",
                  encoded);
    }
    if (config.tls && gnutls_certificate_allocate_credentials (&config.credentials) < 0) {
        fprintf (stderr, "%s: cannot set up TLS\n", prog);
        return 1;
    }

    sink_thread_t *thread = calloc ((size_t) config.threads, sizeof (sink_thread_t));
    sink_client_t *client = calloc ((size_t) config.clients + 1, sizeof (sink_client_t));
    if (!thread || !client) {
        fprintf (stderr, "%s: out of memory\n", prog);
        return 1;
    }
    config.start = clock_mono_ns ();
    config.window_start = config.start + (int64_t) (config.warmup * 1e9);
    config.window_end = config.window_start + (int64_t) (config.duration * 1e9);
    long first = 0;
    int rc = 0;
    for (long t = 0; t < config.threads; t++) {
        sink_thread_t *self = &thread[t];
        self->config = &config;
        self->clients = config.clients / config.threads + (t < config.clients % config.threads);
        self->client = client + first;
        first += self->clients;
        self->connect_rate = config.connect_rate / (double) config.threads;
        self->epoll_fd = epoll_create1 (EPOLL_CLOEXEC);
        self->scratch = malloc (SINK_SCRATCH + SINK_CARRY_MAX);
        if (self->epoll_fd < 0 || !self->scratch) {
            fprintf (stderr, "%s: %s\n", prog, strerror (errno));
            return 1;
        }
        for (long c = 0; c < self->clients; c++) {
            self->client[c].fd = -1;
            self->client[c].thread = self;
        }
    }
    long running = 0;
    for (long t = 0; t < config.threads; t++) {
        if (pthread_create (&thread[t].thread, NULL, s_thread_run, &thread[t]) != 0) {
            fprintf (stderr, "%s: cannot start thread %ld\n", prog, t);
            rc = 1;
            break;
        }
        running++;
    }
    for (long t = 0; t < running; t++)
        pthread_join (thread[t].thread, NULL);
    if (rc == 0)
        s_report (&config, thread);
    for (long c = 0; c < config.clients; c++) {
        if (client[c].fd >= 0)
            close (client[c].fd);
        free (client[c].carry);
        free (client[c].next_seq);
    }
    for (long t = 0; t < config.threads; t++) {
        if (thread[t].epoll_fd > 0)
            close (thread[t].epoll_fd);
        free (thread[t].scratch);
    }
    free (client);
    free (thread);
    return rc;
}
