/*  history.c: /api/history from the store, joined with memory (history.h).

    The store answers from sealed chunks, up to each line's `until`; the
    points after it (up to seal_s old, 60 s by default) are still only in the
    collector's memory ring. So before the query starts, the loop copies the
    memory points of every matching series inside the window into a snapshot
    (store_memory.h) that goes with the query; the query thread folds those
    after each line's `until` into the same buckets while it prints
    (store_query.c), so the loop never parses or prints an answer: it only
    sends the bytes. Metrics memory does not hold (anything beyond the charted
    metrics of wire.h, ZAPM_CHARTED_PATHS, and custom.*) get null in buckets
    filled from memory alone.
*/
#include "history.h"
#include "api.h"
#include "query.h"
#include "query_budget.h"
#include "reply.h"
#include "clock.h"
#include "service.h"
#include "wire.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_SECONDS_MAX    (10.0 * 366 * 86400) //  longest window asked for
#define S_TIME_MAX       4e9                  //  largest Unix time accepted (2096; fits ns)
#define S_METRICS_MAX    1024                 //  bytes of a metric= list
#define S_POINTS_DEFAULT 800

struct _history_job_t {
    struct MHD_Connection *connection; //  suspended until the answer is in
    bool *resumed;                     //  set when the connection is resumed
    char *json;                        //  the answer, NULL if it failed
    size_t size;                       //  its length (STORE_ANSWER_TOO_LARGE: past the cap)
    bool done;                         //  the answer is in
    query_budget_t *budget;            //  what it reserved from
    size_t reserved;                   //  bytes reserved, until the answer is freed
    bool over_budget;                  //  the answer grew past what the budget had left
    bool raw;                          //  the memory answer (history_start_memory)
    series_map_t *series;              //  ...its memory, to answer from alone
    char *glob;                        //  ...its agent= glob, NULL for all
    double seconds;                    //  ...its window
};

//  What a too-large answer is told: how to ask for less.
#define S_TOO_LARGE                                                                                \
    "the answer would pass --query-answer-max: ask for fewer points=, fewer metric= names,"        \
    " a narrower agent= glob or a shorter window (seconds=, from=, to=)\n"

static const char *
s_arg (struct MHD_Connection *connection, const char *name)
{
    return MHD_lookup_connection_value (connection, MHD_GET_ARGUMENT_KIND, name);
}

bool
history_wants_store (struct MHD_Connection *connection)
{
    if (s_arg (connection, ZAPM_HISTORY_FROM) || s_arg (connection, ZAPM_HISTORY_TO) ||
        s_arg (connection, ZAPM_HISTORY_METRIC) || s_arg (connection, ZAPM_HISTORY_POINTS) ||
        s_arg (connection, ZAPM_HISTORY_GROUP) || s_arg (connection, ZAPM_HISTORY_METRICS_ONLY))
        return true;
    const char *seconds = s_arg (connection, ZAPM_HISTORY_SECONDS);
    double value;
    return seconds && query_seconds (seconds, S_SECONDS_MAX, &value) && value > HISTORY_MEMORY_S;
}

//  A metric= list: names of [A-Za-z0-9_.:-] separated by commas.
static bool
s_metrics_valid (const char *text)
{
    size_t length = strlen (text);
    if (length == 0 || length > S_METRICS_MAX)
        return false;
    for (const char *c = text; *c; c++)
        if (!(('a' <= *c && *c <= 'z') || ('A' <= *c && *c <= 'Z') || ('0' <= *c && *c <= '9') ||
              strchr ("_.:-,", *c)))
            return false;
    return true;
}

static void
s_on_answer (void *arg, char *json, size_t size)
{
    history_job_t *self = arg;
    self->json = json;
    self->size = size;
    //  From now on the answer's bytes are what the query holds; an answer
    //  that grew past what the budget has left is dropped (503).
    if (!query_budget_grow (self->budget, self->reserved, json ? size : 0)) {
        free (json);
        self->json = NULL;
        self->size = 0;
        self->over_budget = true;
    }
    else
        self->reserved = json ? size : 0;
    self->done = true;
    MHD_resume_connection (self->connection);
    *self->resumed = true;
}

//  Counts the names of a valid metric= list (NULL: the charted ones) into
//  *count. False with *status and *error when one is named twice (400) or
//  there are more than the store reads (413).
static bool
s_metric_names (const char *list, int *count, unsigned *status, const char **error)
{
    *count = 0;
    if (!list) {
        *count = ZAPM_CHARTED_COUNT;
        return true;
    }
    const char *names[STORE_QUERY_METRICS_MAX];
    size_t sizes[STORE_QUERY_METRICS_MAX];
    for (const char *at = list; *at;) {
        size_t size = strcspn (at, ",");
        if (size) {
            for (int i = 0; i < *count; i++)
                if (sizes[i] == size && memcmp (names[i], at, size) == 0) {
                    *status = MHD_HTTP_BAD_REQUEST;
                    *error = "metric names a metric twice: name each once\n";
                    return false;
                }
            if (*count == STORE_QUERY_METRICS_MAX) {
                *status = MHD_HTTP_CONTENT_TOO_LARGE;
                *error = "metric names more than 64 metrics: ask for fewer\n";
                return false;
            }
            names[*count] = at;
            sizes[(*count)++] = size;
        }
        at += size + (at[size] == ',');
    }
    return true;
}

//  Parses the request into *query; false with the 400 text in *error.
static bool
s_parse (struct MHD_Connection *connection, store_query_t *query, const char **error)
{
    double now = (double) clock_wall_ns () / 1e9;
    double seconds = HISTORY_MEMORY_S, from = 0, to = now;
    const char *text;
    if ((text = s_arg (connection, ZAPM_HISTORY_SECONDS)) &&
        !query_seconds (text, S_SECONDS_MAX, &seconds)) {
        *error = "seconds must be a number of seconds up to ten years\n";
        return false;
    }
    if ((text = s_arg (connection, ZAPM_HISTORY_TO)) && !query_seconds (text, S_TIME_MAX, &to)) {
        *error = "to must be a Unix time in seconds (up to 4000000000)\n";
        return false;
    }
    if ((text = s_arg (connection, ZAPM_HISTORY_FROM)) &&
        !query_seconds (text, S_TIME_MAX, &from)) {
        *error = "from must be a Unix time in seconds (up to 4000000000)\n";
        return false;
    }
    if (!text)
        from = to - seconds;
    if (!(from < to)) {
        *error = "the window is empty: from must be before to\n";
        return false;
    }
    query->from = from;
    query->to = to;
    double points = S_POINTS_DEFAULT;
    if ((text = s_arg (connection, ZAPM_HISTORY_POINTS)) &&
        (!query_seconds (text, STORE_QUERY_POINTS_MAX, &points) || points < 1 ||
         points != floor (points))) {
        *error = "points must be a whole number from 1 to 10000\n";
        return false;
    }
    query->points = (int) points;
    query->group = STORE_GROUP_AUTO;
    if ((text = s_arg (connection, ZAPM_HISTORY_GROUP))) {
        if (strcmp (text, ZAPM_HISTORY_GROUP_SERIES) == 0)
            query->group = STORE_GROUP_SERIES;
        else if (strcmp (text, ZAPM_HISTORY_GROUP_SERVICE) == 0)
            query->group = STORE_GROUP_SERVICE;
        else if (strcmp (text, "auto") != 0) {
            *error = "group must be series, service or auto\n";
            return false;
        }
    }
    if ((text = s_arg (connection, ZAPM_HISTORY_METRICS_ONLY))) {
        if (strcmp (text, "1") != 0 && strcmp (text, "0") != 0) {
            *error = "metrics_only must be 1 or 0\n";
            return false;
        }
        query->metrics_only = text[0] == '1';
    }
    query->metrics = s_arg (connection, ZAPM_HISTORY_METRIC);
    if (query->metrics && !s_metrics_valid (query->metrics)) {
        *error = "metric must be a comma-separated list of metric names\n";
        return false;
    }
    query->glob = query_glob (s_arg (connection, ZAPM_KEY_AGENT));
    return true;
}

//  -------------------------------------------------------------- the snapshot

//  Memory's columns (series_point_t), as the store names them.
static const char *const s_paths[ZAPM_CHARTED_COUNT] = ZAPM_CHARTED_PATHS;

//  Where the store's points end and memory's begin for a raw query: just
//  before memory's oldest point, when that is after `from` (0: memory holds
//  the window). Times are microseconds at the seam (textbuf_json_micros):
//  half of one below the oldest point, so the store's copy of that point is
//  left out whichever way its time rounded into memory's double.
static int64_t
s_seam (const series_t *series, double from)
{
    if (!series->history_count || series_point (series, 0)->t <= from)
        return 0;
    int64_t ns = llround (series_point (series, 0)->t * 1e9);
    return (ns >= 0 ? (ns + 500) / 1000 : -((-ns + 500) / 1000)) * 1000 - 500;
}

//  Copies the memory points of `series` inside [from, to] into `memory`;
//  `raw`: every series, even without points there, with its seam.
static bool
s_snapshot_series (store_memory_t *memory, const series_t *series, double from, double to, bool raw)
{
    const char *names[ZAPM_CHARTED_COUNT + ZAPM_HISTORY_CUSTOM_MAX];
    char customs[ZAPM_HISTORY_CUSTOM_MAX][ZAPM_CUSTOM_NAME_MAX + 8];
    int columns = 0;
    for (size_t c = 0; c < ZAPM_CHARTED_COUNT; c++)
        names[columns++] = s_paths[c];
    for (uint32_t c = 0; c < series->custom_count && c < ZAPM_HISTORY_CUSTOM_MAX; c++) {
        snprintf (customs[c], sizeof customs[c], "custom.%s", series->custom[c].name);
        names[columns++] = customs[c];
    }
    char service[ZAPM_IDENTITY_MAX + 1];
    service_of (series->id, series->agent, series->host, series->has_pid, service, sizeof service);
    bool begun = false;
    if (raw) {
        if (!store_memory_series (memory, series->id, service, series->agent, series->host,
                                  series->has_pid ? (int64_t) series->pid : -1,
                                  series->color[0] ? series->color : NULL, names, columns))
            return false;
        store_memory_seam (memory, s_seam (series, from));
        begun = true;
    }
    for (uint32_t i = 0; i < series->history_count; i++) {
        const series_point_t *point = series_point (series, i);
        if (point->t < from || point->t > to)
            continue;
        if (!begun &&
            !store_memory_series (memory, series->id, service, series->agent, series->host,
                                  series->has_pid ? (int64_t) series->pid : -1,
                                  series->color[0] ? series->color : NULL, names, columns))
            return false;
        begun = true;
        float values[ZAPM_CHARTED_COUNT + ZAPM_HISTORY_CUSTOM_MAX];
        memcpy (values, point->charted, sizeof point->charted);
        for (int c = ZAPM_CHARTED_COUNT; c < columns; c++)
            values[c] = series_custom_point (series, (uint32_t) (c - ZAPM_CHARTED_COUNT), i);
        if (!store_memory_point (memory, (int64_t) llround (point->t * 1e9), values))
            return false;
    }
    return true;
}

//  The memory points a query joins: every matching series' points in the
//  window (the query thread keeps those after each line's `until`). A copy
//  of at most --history points per series; no parsing, no printing.
static store_memory_t *
s_snapshot (series_map_t *map, const char *glob, double from, double to, bool raw)
{
    store_memory_t *memory = store_memory_new ();
    uint32_t size = series_map_size (map);
    for (uint32_t i = 0; memory && i < size; i++) {
        const series_t *series = series_map_at (map, i);
        if (query_glob_match (glob, series->id) && (raw || series->history_count) &&
            !s_snapshot_series (memory, series, from, to, raw))
            store_memory_destroy (&memory);
    }
    return memory;
}

//  -------------------------------------------------------------- the budget

static double
s_time_of (const void *series, size_t i)
{
    return series_point (series, (uint32_t) i)->t;
}

//  The answer's size, from what memory proves exists: the buckets the
//  matching series' points fall in (query_budget.h). *snapshot: what the
//  copy of their points in the window (s_snapshot) takes, which goes with
//  the query until its answer is in.
static size_t
s_estimate (series_map_t *map, const store_query_t *query, int metrics, size_t *snapshot)
{
    uint64_t buckets = 0, lines = 0;
    double copied = 0;
    uint32_t size = series_map_size (map);
    for (uint32_t i = 0; i < size; i++) {
        const series_t *series = series_map_at (map, i);
        if (!query_glob_match (query->glob, series->id))
            continue;
        lines++;
        buckets += query_budget_buckets (s_time_of, series, series->history_count, query->from,
                                         query->to, query->points);
        uint32_t inside = 0;
        for (uint32_t k = 0; k < series->history_count; k++) {
            double t = series_point (series, k)->t;
            inside += t >= query->from && t <= query->to;
        }
        //  A time and a float per column (store_memory.c), doubled as it grows.
        copied += 2.0 * inside * (8 + 4 * (ZAPM_CHARTED_COUNT + series->custom_count));
    }
    *snapshot = (size_t) copied;
    return query_budget_estimate (buckets, lines, metrics, query->points, query->metrics_only);
}

//  Checks the metric list and the estimate, and reserves it. False with the
//  status and the text to answer when the query is refused.
static bool
s_budget (query_budget_t *budget, series_map_t *series, store_query_t *query, size_t *reserved,
          unsigned *status, const char **error)
{
    int metrics;
    if (!s_metric_names (query->metrics, &metrics, status, error)) {
        query_budget_refused (budget,
                              *status == MHD_HTTP_BAD_REQUEST ? WEB_REFUSED_REPEATED_METRIC
                                                              : WEB_REFUSED_TOO_LARGE,
                              *error);
        return false;
    }
    size_t snapshot;
    size_t estimate = s_estimate (series, query, metrics, &snapshot);
    size_t answer_max = query_budget_answer_max (budget);
    if (estimate > answer_max) {
        query_budget_refused (budget, WEB_REFUSED_TOO_LARGE, "its estimate is over the cap");
        *status = MHD_HTTP_CONTENT_TOO_LARGE;
        *error = S_TOO_LARGE;
        return false;
    }
    //  The snapshot is bounded by --history, not by the request: it is
    //  reserved, but never a reason for 413 (at most the whole budget).
    *reserved = estimate + snapshot > QUERY_BUDGET_FLOOR ? estimate + snapshot : QUERY_BUDGET_FLOOR;
    if (*reserved > query_budget_total (budget))
        *reserved = query_budget_total (budget);
    if (!query_budget_reserve (budget, *reserved)) {
        *status = MHD_HTTP_SERVICE_UNAVAILABLE;
        *error = QUERY_BUDGET_BUSY;
        return false;
    }
    query->max_bytes = answer_max;
    return true;
}

history_job_t *
history_start (store_t *store, series_map_t *series, query_budget_t *budget,
               struct MHD_Connection *connection, bool *resumed, unsigned *status,
               const char **error)
{
    store_query_t query = {0};
    if (!s_parse (connection, &query, error)) {
        *status = MHD_HTTP_BAD_REQUEST;
        return NULL;
    }
    size_t reserved;
    if (!s_budget (budget, series, &query, &reserved, status, error))
        return NULL;
    history_job_t *self = calloc (1, sizeof *self);
    if (!self)
        query_budget_release (budget, reserved);
    if (self) {
        self->connection = connection;
        self->resumed = resumed;
        self->budget = budget;
        self->reserved = reserved;
        query.memory = s_snapshot (series, query.glob, query.from, query.to, false);
    }
    //  store_query_start takes query.memory, whatever it returns.
    if (!self || !query.memory || !store_query_start (store, &query, s_on_answer, self)) {
        history_destroy (&self);
        *status = MHD_HTTP_SERVICE_UNAVAILABLE;
        *error = "the history store is busy: retry in a second\n";
        return NULL;
    }
    return self;
}

void
history_destroy (history_job_t **self_p)
{
    history_job_t *self = *self_p;
    if (self) {
        query_budget_release (self->budget, self->reserved);
        free (self->json);
        free (self->glob);
        free (self);
        *self_p = NULL;
    }
}

enum MHD_Result
history_answer (history_job_t *self, struct MHD_Connection *connection)
{
    if (self->over_budget)
        return reply_busy (connection, QUERY_BUDGET_BUSY);
    if (self->raw && !self->json) {
        //  The store could not fill the window in: memory's answer, saying so.
        query_budget_release (self->budget, self->reserved);
        self->reserved = 0;
        if (self->size == STORE_ANSWER_TOO_LARGE)
            query_budget_refused (self->budget, WEB_REFUSED_TOO_LARGE,
                                  "the store's answer passed the cap: memory's alone");
        return history_memory_answer (
            self->series, self->budget, connection, self->glob, self->seconds,
            self->size == STORE_ANSWER_TOO_LARGE ? ZAPM_HISTORY_PARTIAL_TOO_LARGE
                                                 : ZAPM_HISTORY_PARTIAL_BUSY);
    }
    if (!self->json && self->size == STORE_ANSWER_TOO_LARGE) {
        query_budget_refused (self->budget, WEB_REFUSED_TOO_LARGE,
                              "the store's answer passed the cap");
        return reply_text (connection, MHD_HTTP_CONTENT_TOO_LARGE, S_TOO_LARGE);
    }
    if (self->over_budget)
        return reply_busy (connection, QUERY_BUDGET_BUSY);
    if (!self->json)
        return reply_text (connection, MHD_HTTP_SERVICE_UNAVAILABLE,
                           "the history store is stopping or failed: retry\n");
    char *json = self->json;
    size_t reserved = self->reserved;
    self->json = NULL;
    self->reserved = 0;
    return query_budget_send (self->budget, connection, json, self->size, reserved);
}

//  -------------------------------------------------------------- the memory answer

//  What a memory answer joined with the store is estimated to take: per
//  matching series its memory points in the window and, when memory starts
//  after `from`, the store's points before it at memory's own rate; per
//  point its time (two numbers) and its columns, QUERY_BUDGET_NUMBER_BYTES
//  each (query_budget_estimate_raw), and the largest series' store points
//  as the query thread holds them while it prints. *snapshot: as s_estimate.
static size_t
s_estimate_raw (series_map_t *map, const char *glob, double from, size_t *snapshot)
{
    double numbers = 0, copied = 0, held = 0;
    uint64_t lines = 0;
    uint32_t size = series_map_size (map);
    for (uint32_t i = 0; i < size; i++) {
        const series_t *series = series_map_at (map, i);
        if (!query_glob_match (glob, series->id))
            continue;
        lines++;
        uint32_t count = series->history_count, inside = 0;
        for (uint32_t k = 0; k < count; k++)
            inside += series_point (series, k)->t >= from;
        double stored = 0;
        if (count > 1 && s_seam (series, from)) {
            double oldest = series_point (series, 0)->t;
            double span = series_point (series, count - 1)->t - oldest;
            stored = span > 0 ? (count - 1) / span * (oldest - from) : 0;
        }
        double columns = ZAPM_CHARTED_COUNT + series->custom_count;
        numbers += (inside + stored) * (2 + columns);
        copied += 2.0 * inside * (8 + 4 * columns);
        held = stored * HISTORY_RAW_POINT_BYTES > held ? stored * HISTORY_RAW_POINT_BYTES : held;
    }
    *snapshot = (size_t) copied;
    return query_budget_estimate_raw (numbers, lines, held);
}

bool
history_needs_store (series_map_t *map, const char *glob, double seconds)
{
    double from = (double) clock_wall_ns () / 1e9 - seconds;
    uint32_t size = series_map_size (map);
    for (uint32_t i = 0; i < size; i++) {
        const series_t *series = series_map_at (map, i);
        if (query_glob_match (glob, series->id) && s_seam (series, from))
            return true;
    }
    return false;
}

history_job_t *
history_start_memory (store_t *store, series_map_t *series, query_budget_t *budget,
                      struct MHD_Connection *connection, bool *resumed, const char *glob,
                      double seconds, unsigned *status, const char **error, const char **partial)
{
    double now = (double) clock_wall_ns () / 1e9;
    store_query_t query = {.from = now - seconds, .to = now, .glob = glob, .raw = true};
    *partial = NULL;
    size_t snapshot;
    size_t estimate = s_estimate_raw (series, glob, query.from, &snapshot);
    if (estimate > query_budget_answer_max (budget)) {
        query_budget_refused (budget, WEB_REFUSED_TOO_LARGE,
                              "its estimate is over the cap: memory's alone");
        *partial = ZAPM_HISTORY_PARTIAL_TOO_LARGE;
        return NULL;
    }
    size_t reserved =
        estimate + snapshot > QUERY_BUDGET_FLOOR ? estimate + snapshot : QUERY_BUDGET_FLOOR;
    if (reserved > query_budget_total (budget))
        reserved = query_budget_total (budget);
    if (!query_budget_reserve (budget, reserved)) {
        *status = MHD_HTTP_SERVICE_UNAVAILABLE;
        *error = QUERY_BUDGET_BUSY;
        return NULL;
    }
    query.max_bytes = query_budget_answer_max (budget);
    history_job_t *self = calloc (1, sizeof *self);
    if (self) {
        *self = (history_job_t){.connection = connection,
                                .resumed = resumed,
                                .budget = budget,
                                .reserved = reserved,
                                .raw = true,
                                .series = series,
                                .glob = glob ? strdup (glob) : NULL,
                                .seconds = seconds};
        query.memory = s_snapshot (series, glob, query.from, HUGE_VAL, true);
    }
    else
        query_budget_release (budget, reserved);
    //  store_query_start takes query.memory, whatever it returns.
    if (!self || (glob && !self->glob) || !query.memory ||
        !store_query_start (store, &query, s_on_answer, self)) {
        history_destroy (&self);
        *partial = ZAPM_HISTORY_PARTIAL_BUSY;
        return NULL;
    }
    return self;
}

//  A memory answer being streamed (history_memory_answer).
typedef struct {
    api_history_cursor_t cursor; //  where the document is
    char *glob;                  //  the cursor's glob, owned
    textbuf_t piece;             //  the piece being sent
    size_t sent;                 //  bytes of it given to libmicrohttpd
    query_budget_t *budget;      //  what it holds bytes of
} s_stream_t;

//  libmicrohttpd wants more of the answer: the rest of the current piece, or
//  the next piece (one series at most per call, so a turn of the loop does a
//  bounded amount of work).
static ssize_t
s_stream_read (void *cls, uint64_t pos, char *buf, size_t max)
{
    (void) pos;
    s_stream_t *self = cls;
    if (self->sent == textbuf_length (&self->piece)) {
        textbuf_rewind (&self->piece);
        self->sent = 0;
        if (!api_history_next (&self->cursor, &self->piece))
            return MHD_CONTENT_READER_END_OF_STREAM;
        if (self->piece.overflow)
            return MHD_CONTENT_READER_END_WITH_ERROR;
    }
    size_t have = textbuf_length (&self->piece) - self->sent;
    size_t n = have < max ? have : max;
    memcpy (buf, self->piece.start + self->sent, n);
    self->sent += n;
    return (ssize_t) n;
}

static void
s_stream_free (void *cls)
{
    s_stream_t *self = cls;
    query_budget_release (self->budget, QUERY_BUDGET_FLOOR);
    textbuf_free (&self->piece);
    free (self->glob);
    free (self);
}

enum MHD_Result
history_memory_answer (series_map_t *series, query_budget_t *budget,
                       struct MHD_Connection *connection, const char *glob, double seconds,
                       const char *partial)
{
    //  Bounded by --history, not estimated; a stalled reader holds one piece
    //  (a series' text: tens of KiB), counted in the budget as the floor.
    if (!query_budget_reserve (budget, QUERY_BUDGET_FLOOR))
        return reply_busy (connection, QUERY_BUDGET_BUSY);
    s_stream_t *self = calloc (1, sizeof *self);
    if (self) {
        self->budget = budget;
        self->piece = textbuf_growing (16384);
        self->glob = glob ? strdup (glob) : NULL;
        self->cursor = api_history_cursor (series, self->glob, seconds, clock_wall_ns (), partial);
    }
    if (!self || (glob && !self->glob)) {
        if (self)
            s_stream_free (self);
        else
            query_budget_release (budget, QUERY_BUDGET_FLOOR);
        return MHD_NO;
    }
    struct MHD_Response *response = MHD_create_response_from_callback (
        MHD_SIZE_UNKNOWN, 32 * 1024, s_stream_read, self, s_stream_free);
    if (!response)
        s_stream_free (self);
    return reply_queue (connection, MHD_HTTP_OK, response, "application/json; charset=utf-8");
}
