/*  history.c: /api/history from the store, joined with memory (history.h).

    The store answers from sealed chunks, up to each line's `until`; the
    points after it (up to seal_s old, 60 s by default) are still only in the
    collector's memory ring. The join parses the store's answer (on the loop
    thread, where cJSON may run), folds those points into buckets of the
    answer's `step`, appends them to the matching line (or a new line for a
    series the store has not sealed anything of yet), and prints it again.
    Metrics memory does not hold (anything beyond cpu, mem, sys_cpu, sys_mem,
    load1 and custom.*) get null in the appended buckets.
*/
#include "history.h"
#include "query.h"
#include "reply.h"
#include "clock.h"
#include "wire.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_SECONDS_MAX    (10.0 * 366 * 86400) //  longest window asked for
#define S_TIME_MAX       1e11                 //  largest Unix time accepted
#define S_METRICS_MAX    1024                 //  bytes of a metric= list
#define S_MEMORY_VALUES  5                    //  columns of a series_point_t
#define S_POINTS_DEFAULT 800
//  `until` comes in ms (the store prints times to 3 decimals): a memory point
//  within half of that of it is the stored one.
#define S_UNTIL_ROUNDING 0.0005

struct _history_job_t {
    struct MHD_Connection *connection; //  suspended until the answer is in
    series_map_t *series;              //  memory, for the join
    bool *resumed;                     //  set when the connection is resumed
    char *glob;                        //  agent=, or NULL
    char *metrics;                     //  metric=, or NULL for the default
    double from, to;                   //  the window, Unix seconds
    char *json;                        //  the store's answer, NULL if it failed
    size_t size;                       //  its length
    bool done;                         //  the answer is in
};

//  Memory's columns: the store's metric path and the answer's old name.
static const struct {
    const char *path;
    const char *name;
} s_columns[S_MEMORY_VALUES] = {
    {"cpu", ZAPM_KEY_CPU},
    {"mem", ZAPM_KEY_MEM},
    {"sys.cpu_percent", ZAPM_HISTORY_SYS_CPU},
    {"sys.mem.percent", ZAPM_HISTORY_SYS_MEM},
    {"sys.load.0", ZAPM_HISTORY_LOAD1},
};

static const char *
s_arg (struct MHD_Connection *connection, const char *name)
{
    return MHD_lookup_connection_value (connection, MHD_GET_ARGUMENT_KIND, name);
}

bool
history_wants_store (struct MHD_Connection *connection)
{
    if (s_arg (connection, "from") || s_arg (connection, "to") || s_arg (connection, "metric") ||
        s_arg (connection, "points") || s_arg (connection, "group"))
        return true;
    const char *seconds = s_arg (connection, "seconds");
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
    self->done = true;
    MHD_resume_connection (self->connection);
    *self->resumed = true;
}

//  Parses the request into *query; false with the 400 text in *error.
static bool
s_parse (struct MHD_Connection *connection, store_query_t *query, const char **error)
{
    double now = (double) clock_wall_ns () / 1e9;
    double seconds = HISTORY_MEMORY_S, from = 0, to = now;
    const char *text;
    if ((text = s_arg (connection, "seconds")) && !query_seconds (text, S_SECONDS_MAX, &seconds)) {
        *error = "seconds must be a number of seconds up to ten years\n";
        return false;
    }
    if ((text = s_arg (connection, "to")) && !query_seconds (text, S_TIME_MAX, &to)) {
        *error = "to must be a Unix time in seconds\n";
        return false;
    }
    if ((text = s_arg (connection, "from")) && !query_seconds (text, S_TIME_MAX, &from)) {
        *error = "from must be a Unix time in seconds\n";
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
    if ((text = s_arg (connection, "points")) &&
        (!query_seconds (text, STORE_QUERY_POINTS_MAX, &points) || points < 1 ||
         points != floor (points))) {
        *error = "points must be a whole number from 1 to 10000\n";
        return false;
    }
    query->points = (int) points;
    query->group = STORE_GROUP_AUTO;
    if ((text = s_arg (connection, "group"))) {
        if (strcmp (text, "series") == 0)
            query->group = STORE_GROUP_SERIES;
        else if (strcmp (text, "service") == 0)
            query->group = STORE_GROUP_SERVICE;
        else if (strcmp (text, "auto") != 0) {
            *error = "group must be series, service or auto\n";
            return false;
        }
    }
    query->metrics = s_arg (connection, "metric");
    if (query->metrics && !s_metrics_valid (query->metrics)) {
        *error = "metric must be a comma-separated list of metric names\n";
        return false;
    }
    query->glob = query_glob (s_arg (connection, "agent"));
    return true;
}

static char *
s_strdup_or_null (const char *text)
{
    return text ? strdup (text) : NULL;
}

history_job_t *
history_start (store_t *store, series_map_t *series, struct MHD_Connection *connection,
               bool *resumed, unsigned *status, const char **error)
{
    store_query_t query = {0};
    if (!s_parse (connection, &query, error)) {
        *status = MHD_HTTP_BAD_REQUEST;
        return NULL;
    }
    history_job_t *self = calloc (1, sizeof *self);
    if (self) {
        self->connection = connection;
        self->series = series;
        self->resumed = resumed;
        self->glob = s_strdup_or_null (query.glob);
        self->metrics = s_strdup_or_null (query.metrics);
        self->from = query.from;
        self->to = query.to;
    }
    if (!self || (query.glob && !self->glob) || (query.metrics && !self->metrics) ||
        !store_query_start (store, &query, s_on_answer, self)) {
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
        free (self->glob);
        free (self->metrics);
        free (self->json);
        free (self);
        *self_p = NULL;
    }
}

//  ------------------------------------------------------------------ the join

//  One memory point of a line: its time and, per value column, the number
//  (NAN when absent). Columns: the five of s_columns, then the line's customs.
typedef struct {
    double t;
    float values[S_MEMORY_VALUES + ZAPM_HISTORY_CUSTOM_MAX];
} s_point_t;

//  A line of the answer and the memory points joined to it.
typedef struct {
    cJSON *line;                                                     //  the answer's object
    double until;                                                    //  its `until`, -inf if none
    char customs[ZAPM_HISTORY_CUSTOM_MAX][ZAPM_CUSTOM_NAME_MAX + 1]; //  custom names
    size_t custom_count;                                             //  how many
    s_point_t *points;                                               //  memory points after until
    size_t count, capacity;                                          //  held, allocated
} s_join_t;

//  The line id a memory series belongs to under `group`.
static void
s_line_id (const series_t *series, bool by_service, char *id, size_t size)
{
    if (by_service && series->agent && series->host && series->has_pid)
        snprintf (id, size, "%s@%s", series->agent, series->host);
    else
        snprintf (id, size, "%s", series->id);
}

static cJSON *
s_find_line (cJSON *lines, const char *id)
{
    cJSON *line;
    cJSON_ArrayForEach (line, lines)
    {
        cJSON *line_id = cJSON_GetObjectItemCaseSensitive (line, ZAPM_KEY_ID);
        if (cJSON_IsString (line_id) && strcmp (line_id->valuestring, id) == 0)
            return line;
    }
    return NULL;
}

//  Whether metric path `path` was asked for.
static bool
s_asked (const char *metrics, const char *path)
{
    const char *list = metrics ? metrics : STORE_QUERY_METRICS_DEFAULT;
    size_t length = strlen (path);
    for (const char *at = list; *at;) {
        size_t item = strcspn (at, ",");
        if (item == length && memcmp (at, path, length) == 0)
            return true;
        at += item;
        if (*at == ',')
            at++;
    }
    return false;
}

//  Adds the three arrays of metric `path` under `metrics`.
static void
s_add_metric (cJSON *metrics, const char *path, size_t length)
{
    char name[S_METRICS_MAX + 1];
    snprintf (name, sizeof name, "%.*s", (int) length, path);
    if (!name[0] || cJSON_GetObjectItemCaseSensitive (metrics, name))
        return;
    cJSON *three = cJSON_AddObjectToObject (metrics, name);
    cJSON_AddArrayToObject (three, "mean");
    cJSON_AddArrayToObject (three, "min");
    cJSON_AddArrayToObject (three, "max");
}

//  A new line for a series the store has nothing sealed of: the arrays of the
//  answer's shape for the metrics asked for (the join fills them).
static cJSON *
s_new_line (history_job_t *self, cJSON *lines, const series_t *series, const char *id)
{
    cJSON *line = cJSON_CreateObject ();
    cJSON_AddStringToObject (line, ZAPM_KEY_ID, id);
    cJSON_AddStringToObject (line, ZAPM_KEY_COLOR, series->color);
    cJSON_AddNullToObject (line, "until");
    cJSON_AddArrayToObject (line, ZAPM_HISTORY_T);
    for (size_t c = 0; c < S_MEMORY_VALUES; c++)
        if (s_asked (self->metrics, s_columns[c].path))
            cJSON_AddArrayToObject (line, s_columns[c].name);
    cJSON *custom = cJSON_AddObjectToObject (line, ZAPM_KEY_CUSTOM);
    cJSON *metrics = cJSON_AddObjectToObject (line, "metrics");
    const char *list = self->metrics ? self->metrics : STORE_QUERY_METRICS_DEFAULT;
    for (const char *at = list; *at;) {
        size_t item = strcspn (at, ",");
        s_add_metric (metrics, at, item);
        if (item > 7 && strncmp (at, "custom.", 7) == 0) {
            char name[S_METRICS_MAX + 1];
            snprintf (name, sizeof name, "%.*s", (int) (item - 7), at + 7);
            if (!cJSON_GetObjectItemCaseSensitive (custom, name))
                cJSON_AddArrayToObject (custom, name);
        }
        at += item;
        if (*at == ',')
            at++;
    }
    cJSON_AddItemToArray (lines, line);
    return line;
}

//  The column of custom metric `name` in a join, added when new; -1 when full.
static int
s_custom_column (s_join_t *join, const char *name)
{
    for (size_t c = 0; c < join->custom_count; c++)
        if (strcmp (join->customs[c], name) == 0)
            return (int) (S_MEMORY_VALUES + c);
    if (join->custom_count == ZAPM_HISTORY_CUSTOM_MAX)
        return -1;
    snprintf (join->customs[join->custom_count], sizeof join->customs[0], "%s", name);
    return (int) (S_MEMORY_VALUES + join->custom_count++);
}

//  Adds the points of `series` after the line's until and inside the window.
static bool
s_collect (history_job_t *self, s_join_t *join, const series_t *series)
{
    int columns[ZAPM_HISTORY_CUSTOM_MAX];
    for (uint32_t c = 0; c < series->custom_count; c++)
        columns[c] = s_custom_column (join, series->custom[c].name);
    for (uint32_t i = 0; i < series->history_count; i++) {
        const series_point_t *point = series_point (series, i);
        if (point->t <= join->until + S_UNTIL_ROUNDING || point->t < self->from ||
            point->t > self->to)
            continue;
        if (join->count == join->capacity) {
            size_t capacity = join->capacity ? join->capacity * 2 : 64;
            s_point_t *points = realloc (join->points, capacity * sizeof *points);
            if (!points)
                return false;
            join->points = points;
            join->capacity = capacity;
        }
        s_point_t *out = &join->points[join->count++];
        out->t = point->t;
        for (size_t c = 0; c < sizeof out->values / sizeof out->values[0]; c++)
            out->values[c] = NAN;
        out->values[0] = point->cpu;
        out->values[1] = point->mem;
        out->values[2] = point->sys_cpu;
        out->values[3] = point->sys_mem;
        out->values[4] = point->load1;
        for (uint32_t c = 0; c < series->custom_count; c++)
            if (columns[c] >= 0)
                out->values[columns[c]] = series_custom_point (series, c, i);
    }
    return true;
}

static int
s_by_time (const void *a, const void *b)
{
    double ta = ((const s_point_t *) a)->t, tb = ((const s_point_t *) b)->t;
    return (ta > tb) - (ta < tb);
}

//  Mean, min and max of column `column` over points [first, last).
static void
s_fold (const s_point_t *points, size_t first, size_t last, int column, double *mean, double *min,
        double *max)
{
    double sum = 0;
    size_t count = 0;
    *min = INFINITY;
    *max = -INFINITY;
    for (size_t i = first; i < last; i++) {
        double value = column < 0 ? points[i].t : (double) points[i].values[column];
        if (isnan (value))
            continue;
        sum += value;
        count++;
        *min = value < *min ? value : *min;
        *max = value > *max ? value : *max;
    }
    *mean = count ? sum / (double) count : NAN;
    if (!count)
        *min = *max = NAN;
}

static void
s_push (cJSON *array, double value)
{
    if (cJSON_IsArray (array))
        cJSON_AddItemToArray (array,
                              isnan (value) ? cJSON_CreateNull () : cJSON_CreateNumber (value));
}

//  The value column of metric `path` in a join, or -1 when memory lacks it.
static int
s_column_of (const s_join_t *join, const char *path)
{
    for (size_t c = 0; c < S_MEMORY_VALUES; c++)
        if (strcmp (s_columns[c].path, path) == 0)
            return (int) c;
    if (strncmp (path, "custom.", 7) == 0)
        for (size_t c = 0; c < join->custom_count; c++)
            if (strcmp (join->customs[c], path + 7) == 0)
                return (int) (S_MEMORY_VALUES + c);
    return -1;
}

//  Appends one bucket (points [first, last)) to every array of the line.
static void
s_append_bucket (s_join_t *join, size_t first, size_t last)
{
    double mean, min, max;
    s_fold (join->points, first, last, -1, &mean, &min, &max);
    cJSON *item;
    cJSON_ArrayForEach (item, join->line)
    {
        if (!item->string)
            continue;
        if (strcmp (item->string, ZAPM_HISTORY_T) == 0)
            s_push (item, mean);
        else if (cJSON_IsArray (item) && strcmp (item->string, "pids") != 0) {
            int column = -1;
            for (size_t c = 0; c < S_MEMORY_VALUES; c++)
                if (strcmp (s_columns[c].name, item->string) == 0)
                    column = (int) c;
            double value = NAN;
            if (column >= 0)
                s_fold (join->points, first, last, column, &value, &min, &max);
            s_push (item, value);
        }
        else if (strcmp (item->string, ZAPM_KEY_CUSTOM) == 0 && cJSON_IsObject (item)) {
            cJSON *custom;
            cJSON_ArrayForEach (custom, item)
            {
                char path[ZAPM_CUSTOM_NAME_MAX + 16];
                snprintf (path, sizeof path, "custom.%s", custom->string);
                int column = s_column_of (join, path);
                double value = NAN;
                if (column >= 0)
                    s_fold (join->points, first, last, column, &value, &min, &max);
                s_push (custom, value);
            }
        }
        else if (strcmp (item->string, "metrics") == 0 && cJSON_IsObject (item)) {
            cJSON *metric;
            cJSON_ArrayForEach (metric, item)
            {
                int column = s_column_of (join, metric->string);
                double m = NAN, lo = NAN, hi = NAN;
                if (column >= 0)
                    s_fold (join->points, first, last, column, &m, &lo, &hi);
                s_push (cJSON_GetObjectItemCaseSensitive (metric, "mean"), m);
                s_push (cJSON_GetObjectItemCaseSensitive (metric, "min"), lo);
                s_push (cJSON_GetObjectItemCaseSensitive (metric, "max"), hi);
            }
        }
    }
}

//  Sorts the join's points and appends them in buckets of `step` from `from`.
static void
s_append_points (s_join_t *join, double from, double step)
{
    if (join->count == 0)
        return; //  nothing in memory after the store's data (and points may be NULL)
    qsort (join->points, join->count, sizeof *join->points, s_by_time);
    for (size_t first = 0; first < join->count;) {
        double bucket = step > 0 ? floor ((join->points[first].t - from) / step) : 0;
        size_t last = first + 1;
        while (last < join->count && step > 0 &&
               floor ((join->points[last].t - from) / step) == bucket)
            last++;
        s_append_bucket (join, first, last);
        first = last;
    }
}

//  The store's answer with memory joined in, as new text; NULL if it failed.
static char *
s_join (history_job_t *self)
{
    cJSON *root = cJSON_ParseWithLength (self->json, self->size);
    cJSON *lines = cJSON_GetObjectItemCaseSensitive (root, ZAPM_KEY_SERIES);
    cJSON *step = cJSON_GetObjectItemCaseSensitive (root, "step");
    cJSON *group = cJSON_GetObjectItemCaseSensitive (root, "group");
    if (!cJSON_IsArray (lines) || !cJSON_IsNumber (step) || !cJSON_IsString (group)) {
        cJSON_Delete (root);
        return NULL;
    }
    bool by_service = strcmp (group->valuestring, "service") == 0;
    uint32_t size = series_map_size (self->series);
    s_join_t *joins = calloc (size ? size : 1, sizeof *joins);
    size_t join_count = 0;
    bool ok = joins != NULL;
    for (uint32_t i = 0; ok && i < size; i++) {
        const series_t *series = series_map_at (self->series, i);
        if (!query_glob_match (self->glob, series->id) || series->history_count == 0)
            continue;
        char id[ZAPM_IDENTITY_MAX * 2 + 2];
        s_line_id (series, by_service, id, sizeof id);
        cJSON *line = s_find_line (lines, id);
        if (!line)
            line = s_new_line (self, lines, series, id);
        s_join_t *join = NULL;
        for (size_t j = 0; j < join_count; j++)
            if (joins[j].line == line)
                join = &joins[j];
        if (!join) {
            join = &joins[join_count++];
            join->line = line;
            cJSON *until = cJSON_GetObjectItemCaseSensitive (line, "until");
            join->until = cJSON_IsNumber (until) ? until->valuedouble : -INFINITY;
        }
        ok = s_collect (self, join, series);
    }
    for (size_t j = 0; j < join_count; j++) {
        if (ok)
            s_append_points (&joins[j], self->from, step->valuedouble);
        free (joins[j].points);
    }
    free (joins);
    char *text = ok ? cJSON_PrintUnformatted (root) : NULL;
    cJSON_Delete (root);
    return text;
}

enum MHD_Result
history_answer (history_job_t *self, struct MHD_Connection *connection)
{
    if (!self->json)
        return reply_text (connection, MHD_HTTP_SERVICE_UNAVAILABLE,
                           "the history store is stopping or failed: retry\n");
    char *json = s_join (self);
    if (!json)
        return reply_text (connection, MHD_HTTP_INTERNAL_SERVER_ERROR,
                           "out of memory joining history\n");
    return reply_buffer (connection, MHD_HTTP_OK, "application/json; charset=utf-8", json,
                         MHD_RESPMEM_MUST_FREE);
}
