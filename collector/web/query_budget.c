/*  query_budget.c: what /api/history answers may hold (query_budget.h). */
#include "query_budget.h"
#include "base.h"
#include "clock.h"
#include "loglimit.h"
#include "reply.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>

//  A refusal is logged at most once this often; a summary says how many
//  were held back (loglimit.h).
#define S_LOG_WINDOW_NS (10 * 1000000000LL)

struct _query_budget_t {
    size_t total;       //  --query-memory
    size_t answer_max;  //  --query-answer-max
    size_t in_use;      //  reserved by queries waiting, running or being sent
    web_stats_t *stats; //  query_refused[] counts here
    loglimit_t log;     //  refusals' log lines
};

static const char *const s_reason_names[WEB_REFUSED_REASONS] = WEB_REFUSED_NAMES;

query_budget_t *
query_budget_new (size_t total, size_t answer_max, web_stats_t *stats)
{
    assert (stats);
    query_budget_t *self = calloc (1, sizeof *self);
    if (self) {
        self->total = total;
        self->answer_max = answer_max < total ? answer_max : total;
        self->stats = stats;
        self->log = (loglimit_t) LOGLIMIT_INIT ("history queries refused", 1, S_LOG_WINDOW_NS);
    }
    return self;
}

void
query_budget_destroy (query_budget_t **self_p)
{
    assert (self_p);
    free (*self_p);
    *self_p = NULL;
}

size_t
query_budget_total (const query_budget_t *self)
{
    assert (self);
    return self->total;
}

size_t
query_budget_answer_max (const query_budget_t *self)
{
    assert (self);
    return self->answer_max;
}

void
query_budget_refused (query_budget_t *self, web_refused_t reason, const char *detail)
{
    assert (self);
    self->stats->query_refused[reason]++;
    if (loglimit_allow (&self->log, clock_mono_ns ()))
        log_warn ("http: a history query refused (%s): %s; %zu of %zu bytes in use",
                  s_reason_names[reason], detail, self->in_use, self->total);
}

bool
query_budget_reserve (query_budget_t *self, size_t bytes)
{
    assert (self);
    //  (in_use may pass total only through one oversized answer alone:
    //  query_budget_grow; compare without subtracting past zero.)
    if (self->in_use >= self->total || bytes > self->total - self->in_use) {
        query_budget_refused (self, WEB_REFUSED_BUDGET,
                              "answers in flight would pass --query-memory");
        return false;
    }
    self->in_use += bytes;
    self->stats->query_bytes = self->in_use;
    return true;
}

bool
query_budget_grow (query_budget_t *self, size_t held, size_t now)
{
    assert (self);
    assert (held <= self->in_use);
    size_t others = self->in_use - held;
    if (now > held && others > 0 && (others >= self->total || now > self->total - others)) {
        query_budget_refused (self, WEB_REFUSED_BUDGET,
                              "an answer grew past what --query-memory has left");
        return false;
    }
    self->in_use = others + now;
    self->stats->query_bytes = self->in_use;
    return true;
}

void
query_budget_release (query_budget_t *self, size_t bytes)
{
    assert (self);
    assert (bytes <= self->in_use);
    self->in_use -= bytes <= self->in_use ? bytes : self->in_use;
    self->stats->query_bytes = self->in_use;
}

size_t
query_budget_in_use (const query_budget_t *self)
{
    assert (self);
    return self->in_use;
}

//  An answer being sent: what its free callback gives back.
typedef struct {
    char *json;             //  the answer
    query_budget_t *budget; //  what it holds bytes of
    size_t reserved;        //  ...how many
    uint32_t *in_flight;    //  its kind's answers being sent, or NULL
} s_sending_t;

//  libmicrohttpd is done with an answer: free it and give its bytes back.
static void
s_sending_free (void *cls)
{
    s_sending_t *sending = cls;
    query_budget_release (sending->budget, sending->reserved);
    if (sending->in_flight)
        (*sending->in_flight)--;
    free (sending->json);
    free (sending);
}

//  query_budget_send with the answer's content type.
static enum MHD_Result
s_send (query_budget_t *self, struct MHD_Connection *connection, char *body, size_t size,
        size_t reserved, const char *content_type, uint32_t *in_flight)
{
    s_sending_t *sending = malloc (sizeof *sending);
    if (!sending) {
        query_budget_release (self, reserved);
        free (body);
        return MHD_NO;
    }
    *sending =
        (s_sending_t){.json = body, .budget = self, .reserved = reserved, .in_flight = in_flight};
    if (in_flight)
        (*in_flight)++;
    struct MHD_Response *response = MHD_create_response_from_buffer_with_free_callback_cls (
        size, body, s_sending_free, sending);
    if (!response)
        s_sending_free (sending);
    return reply_queue (connection, MHD_HTTP_OK, response, content_type);
}

enum MHD_Result
query_budget_send (query_budget_t *self, struct MHD_Connection *connection, char *json, size_t size,
                   size_t reserved)
{
    assert (self);
    return s_send (self, connection, json, size, reserved, "application/json; charset=utf-8", NULL);
}

enum MHD_Result
query_budget_answer (query_budget_t *self, struct MHD_Connection *connection, char *body,
                     const char *content_type, uint32_t *in_flight)
{
    assert (self);
    if (!body)
        return MHD_NO;
    size_t size = strlen (body);
    if (in_flight && *in_flight == 0) {
        //  The first of its kind always goes, counted: others' stalled
        //  answers must not blind a scraper.
        self->in_use += size;
        self->stats->query_bytes = self->in_use;
    }
    else if (!query_budget_grow (self, 0, size)) {
        free (body);
        return reply_busy (connection, QUERY_BUDGET_BUSY);
    }
    return s_send (self, connection, body, size, size, content_type, in_flight);
}

size_t
query_budget_estimate (uint64_t buckets, uint64_t lines, int metrics, int points, bool metrics_only)
{
    uint64_t per_bucket = 1 + (uint64_t) metrics * (metrics_only ? 3 : 4);
    //  In doubles, so no product of request values can wrap.
    double bytes = (double) buckets * (double) per_bucket * QUERY_BUDGET_NUMBER_BYTES +
                   (double) lines * QUERY_BUDGET_LINE_BYTES + (double) metrics * points * 48.0;
    return bytes >= (double) SIZE_MAX / 2 ? SIZE_MAX / 2 : (size_t) bytes;
}

size_t
query_budget_estimate_raw (double numbers, uint64_t lines, double held)
{
    double bytes =
        numbers * QUERY_BUDGET_NUMBER_BYTES + (double) lines * QUERY_BUDGET_LINE_BYTES + held;
    return bytes >= (double) SIZE_MAX / 2 ? SIZE_MAX / 2 : (size_t) bytes;
}

uint64_t
query_budget_buckets (query_time_fn *time_of, const void *points, size_t count, double from,
                      double to, int buckets_max)
{
    if (buckets_max < 1 || !(to > from))
        return 0;
    double step = (to - from) / buckets_max;
    uint64_t buckets = 0;
    int64_t last = -1;
    for (size_t i = 0; i < count; i++) {
        double t = time_of (points, i);
        if (!(t >= from && t < to))
            continue;
        int64_t bucket = (int64_t) floor ((t - from) / step);
        if (bucket != last)
            buckets++;
        last = bucket;
    }
    return buckets;
}
