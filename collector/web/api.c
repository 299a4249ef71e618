/*  api.c: the JSON endpoints /api/agents, /api/history and /healthz.

    Written straight into a growing textbuf, not built as a cJSON tree: a
    listing of 10,000 series is one pass over the series map with no parse
    and no allocation per value. Each series' last sample is inserted as the
    bytes it arrived in (validated JSON), and every other string goes through
    textbuf_json_string, so the output is always valid JSON.
*/
#include "api.h"
#include "query.h"
#include "textbuf.h"
#include "wire.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
s_string (textbuf_t *out, const char *text)
{
    textbuf_json_string (out, text, strlen (text));
}

static void
s_string_or_null (textbuf_t *out, const char *text)
{
    if (text)
        s_string (out, text);
    else
        TEXTBUF_LIT (out, "null");
}

//  A number as JSON reads it back; NAN (absent) as null.
static void
s_number (textbuf_t *out, double value)
{
    if (isnan (value) || isinf (value))
        TEXTBUF_LIT (out, "null");
    else if (value == floor (value) && fabs (value) < 9007199254740992.0) {
        if (value < 0)
            textbuf_putc (out, '-');
        textbuf_u64 (out, (uint64_t) fabs (value));
    }
    else {
        char text[40];
        for (int digits = 15; digits <= 17; digits++) {
            snprintf (text, sizeof text, "%.*g", digits, value);
            if (digits == 17 || strtod (text, NULL) == value)
                break;
        }
        textbuf_put (out, text, strlen (text));
    }
}

static void
s_agent (textbuf_t *out, const series_t *series)
{
    TEXTBUF_LIT (out, "{\"" ZAPM_KEY_ID "\":");
    s_string (out, series->id);
    TEXTBUF_NEXT_KEY (out, ZAPM_KEY_AGENT);
    s_string_or_null (out, series->agent);
    TEXTBUF_NEXT_KEY (out, ZAPM_KEY_HOST);
    s_string_or_null (out, series->host);
    TEXTBUF_NEXT_KEY (out, ZAPM_KEY_PID);
    if (series->has_pid)
        textbuf_u64 (out, series->pid);
    else
        TEXTBUF_LIT (out, "null");
    TEXTBUF_NEXT_KEY (out, ZAPM_KEY_COLOR);
    s_string (out, series->color);
    TEXTBUF_NEXT_KEY (out, ZAPM_KEY_VIA);
    s_string_or_null (out, series->via[0] ? series->via : NULL);
    TEXTBUF_NEXT_KEY (out, ZAPM_KEY_STATE);
    s_string (out, series->live ? ZAPM_STATE_LIVE : ZAPM_STATE_LEFT);
    TEXTBUF_NEXT_KEY (out, ZAPM_KEY_LAST_SEEN);
    s_number (out, (double) series->last_seen_wall / 1e9);
    TEXTBUF_NEXT_KEY (out, ZAPM_KEY_SAMPLES);
    textbuf_u64 (out, series->samples);
    TEXTBUF_NEXT_KEY (out, ZAPM_KEY_LOST);
    textbuf_u64 (out, series->lost);
    TEXTBUF_NEXT_KEY (out, ZAPM_KEY_INTERVAL);
    s_number (out, series->interval > 0 ? series->interval : NAN);
    TEXTBUF_NEXT_KEY (out, ZAPM_KEY_LAST);
    if (series->last_size)
        textbuf_put (out, series->last, series->last_size);
    else
        TEXTBUF_LIT (out, "null");
    textbuf_putc (out, '}');
}

char *
api_agents (series_map_t *series, int64_t now_wall_ns, const api_ingest_t *ingest)
{
    textbuf_t out = textbuf_growing (4096);
    TEXTBUF_LIT (&out, "{\"" ZAPM_KEY_NOW "\":");
    s_number (&out, (double) now_wall_ns / 1e9);
    if (ingest) {
        TEXTBUF_NEXT_KEY (&out, ZAPM_KEY_INGEST);
        TEXTBUF_LIT (&out, "{\"" ZAPM_KEY_ENDPOINT "\":");
        if (ingest->endpoint)
            s_string (&out, ingest->endpoint);
        else
            TEXTBUF_LIT (&out, "null");
        TEXTBUF_NEXT_KEY (&out, ZAPM_KEY_CURVE_ONLY);
        if (ingest->curve)
            TEXTBUF_LIT (&out, "true}");
        else
            TEXTBUF_LIT (&out, "false}");
    }
    TEXTBUF_NEXT_KEY (&out, ZAPM_KEY_AGENTS);
    textbuf_putc (&out, '[');
    for (uint32_t i = 0; i < series_map_size (series); i++) {
        if (i)
            textbuf_putc (&out, ',');
        s_agent (&out, series_map_at (series, i));
    }
    TEXTBUF_LIT (&out, "]}");
    return textbuf_take (&out);
}

//  One column of the history points from index `first` on.
typedef float (s_column_fn) (const series_t *series, uint32_t column, uint32_t i);

static float
s_point_value (const series_t *series, uint32_t column, uint32_t i)
{
    return series_point (series, i)->charted[column];
}

static void
s_column (textbuf_t *out, const series_t *series, uint32_t first, s_column_fn *value,
          uint32_t column)
{
    textbuf_putc (out, '[');
    for (uint32_t i = first; i < series->history_count; i++) {
        if (i > first)
            textbuf_putc (out, ',');
        textbuf_json_float (out, value (series, column, i));
    }
    textbuf_putc (out, ']');
}

static void
s_history (textbuf_t *out, const series_t *series, double since)
{
    uint32_t first = 0;
    while (first < series->history_count && series_point (series, first)->t < since)
        first++;
    TEXTBUF_LIT (out, "{\"" ZAPM_KEY_ID "\":");
    s_string (out, series->id);
    TEXTBUF_NEXT_KEY (out, ZAPM_KEY_COLOR);
    s_string (out, series->color);
    TEXTBUF_NEXT_KEY (out, ZAPM_HISTORY_T);
    textbuf_putc (out, '[');
    for (uint32_t i = first; i < series->history_count; i++) {
        if (i > first)
            textbuf_putc (out, ',');
        textbuf_json_micros (out, llround (series_point (series, i)->t * 1e9));
    }
    textbuf_putc (out, ']');
    static const char *const columns[ZAPM_CHARTED_COUNT] = ZAPM_CHARTED_COLUMNS;
    for (uint32_t c = 0; c < ZAPM_CHARTED_COUNT; c++) {
        textbuf_putc (out, ',');
        s_string (out, columns[c]);
        textbuf_putc (out, ':');
        s_column (out, series, first, s_point_value, c);
    }
    TEXTBUF_NEXT_KEY (out, ZAPM_KEY_CUSTOM);
    textbuf_putc (out, '{');
    for (uint32_t c = 0; c < series->custom_count; c++) {
        if (c)
            textbuf_putc (out, ',');
        s_string (out, series->custom[c].name);
        textbuf_putc (out, ':');
        s_column (out, series, first, series_custom_point, c);
    }
    TEXTBUF_LIT (out, "}}");
}

api_history_cursor_t
api_history_cursor (series_map_t *series, const char *glob, double seconds, int64_t now_wall_ns,
                    const char *partial)
{
    double now = (double) now_wall_ns / 1e9;
    return (api_history_cursor_t){
        .series = series, .glob = glob, .now = now, .since = now - seconds, .partial = partial};
}

bool
api_history_next (api_history_cursor_t *self, textbuf_t *out)
{
    assert (self);
    if (self->done)
        return false;
    if (!self->begun) {
        self->begun = true;
        TEXTBUF_LIT (out, "{\"" ZAPM_KEY_NOW "\":");
        s_number (out, self->now);
        TEXTBUF_NEXT_KEY (out, ZAPM_KEY_SERIES);
        textbuf_putc (out, '[');
        return true;
    }
    //  The map only grows, and a slot keeps its index (series_map.h): the
    //  next index is still the next series after any number of turns.
    while (self->next < series_map_size (self->series)) {
        series_t *one = series_map_at (self->series, self->next++);
        if (!query_glob_match (self->glob, one->id))
            continue;
        if (self->listed++)
            textbuf_putc (out, ',');
        s_history (out, one, self->since);
        return true;
    }
    textbuf_putc (out, ']');
    if (self->partial) {
        TEXTBUF_NEXT_KEY (out, ZAPM_HISTORY_PARTIAL);
        s_string (out, self->partial);
    }
    textbuf_putc (out, '}');
    self->done = true;
    return true;
}

char *
api_history (series_map_t *series, const char *glob, double seconds, int64_t now_wall_ns,
             const char *partial)
{
    api_history_cursor_t cursor = api_history_cursor (series, glob, seconds, now_wall_ns, partial);
    textbuf_t out = textbuf_growing (16384);
    while (api_history_next (&cursor, &out))
        ;
    return textbuf_take (&out);
}

char *
api_health (const char *boot, double uptime_seconds)
{
    textbuf_t out = textbuf_growing (128);
    TEXTBUF_LIT (&out, "{\"" ZAPM_KEY_STATUS "\":\"ok\"");
    TEXTBUF_NEXT_KEY (&out, ZAPM_KEY_UPTIME);
    s_number (&out, uptime_seconds);
    TEXTBUF_NEXT_KEY (&out, ZAPM_KEY_BOOT);
    s_string (&out, boot);
    textbuf_putc (&out, '}');
    return textbuf_take (&out);
}
