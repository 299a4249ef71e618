/*  store_query_answer.c: prints a query's lines as the /api/history answer
    (see store_lines.h; the shape is in docs/HTTP-API.md and docs/STORE.md).

    Only buckets where some requested metric has data are printed; `t` gives
    their mean times, and every array is aligned with `t`. A line carries its
    means twice, under today's names (cpu, mem, ..., custom) and under
    `metrics` beside min and max, so each metric's mean array is printed once
    into lines->means and copied. An answer holds hundreds of thousands of
    numbers: they go through textbuf_json_number, which needs no printf.
    Every key is spelled in wire.h.
*/
#include "store_lines.h"
#include "wire.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

//  A string, or null.
static void
s_string (textbuf_t *out, const char *text)
{
    if (text)
        textbuf_json_string (out, text, strlen (text));
    else
        TEXTBUF_LIT (out, "null");
}

//  What s_array prints of a bucket.
typedef enum { S_MEAN, S_MIN, S_MAX } s_stat_t;

//  Prints `[...]` of one statistic of `folds` over the kept buckets.
static void
s_array (textbuf_t *out, const store_lines_t *lines, const store_fold_t *folds, const bool *keep,
         s_stat_t stat)
{
    textbuf_putc (out, '[');
    bool first = true;
    for (int b = 0; b < lines->points; b++) {
        if (!keep[b])
            continue;
        if (!first)
            textbuf_putc (out, ',');
        first = false;
        const store_fold_t *fold = &folds[b];
        double v = NAN;
        if (fold->count > 0)
            v = stat == S_MEAN ? fold->sum / fold->count : stat == S_MIN ? fold->min : fold->max;
        textbuf_json_number (out, v);
    }
    textbuf_putc (out, ']');
}

//  The buckets of `line` where some metric has data.
static void
s_keep (const store_lines_t *lines, const store_line_t *line, bool *keep)
{
    for (int m = 0; m < lines->metric_count; m++)
        for (int b = 0; b < lines->points; b++)
            if (line->folds[(size_t) m * (size_t) lines->points + (size_t) b].count > 0)
                keep[b] = true;
}

//  Prints each metric's mean array once into lines->means.
static void
s_print_means (store_lines_t *lines, const store_line_t *line, const bool *keep)
{
    textbuf_rewind (&lines->means);
    for (int m = 0; m < lines->metric_count; m++) {
        lines->mean_at[m] = textbuf_length (&lines->means);
        s_array (&lines->means, lines, line->folds + (size_t) m * (size_t) lines->points, keep,
                 S_MEAN);
    }
    lines->mean_at[lines->metric_count] = textbuf_length (&lines->means);
}

//  Copies metric m's mean array from lines->means.
static void
s_means (textbuf_t *out, const store_lines_t *lines, int m)
{
    textbuf_put (out, lines->means.start + lines->mean_at[m],
                 lines->mean_at[m + 1] - lines->mean_at[m]);
}

//  Prints who the line is: `{"id":..., ..., "color":...` and, for a
//  service, the pids of its members.
static void
s_print_who (textbuf_t *out, const store_line_t *line, bool service)
{
    const store_member_t *first = line->first;
    TEXTBUF_LIT (out, "{");
    TEXTBUF_KEY (out, ZAPM_KEY_ID);
    s_string (out, first->group);
    TEXTBUF_NEXT_KEY (out, ZAPM_HISTORY_SERVICE);
    s_string (out, first->who.service);
    TEXTBUF_NEXT_KEY (out, ZAPM_KEY_AGENT);
    s_string (out, first->who.agent);
    TEXTBUF_NEXT_KEY (out, ZAPM_KEY_HOST);
    s_string (out, first->who.host);
    TEXTBUF_NEXT_KEY (out, ZAPM_KEY_PID);
    if ((service && line->members > 1) || first->who.pid < 0)
        TEXTBUF_LIT (out, "null");
    else
        textbuf_json_number (out, (double) first->who.pid);
    TEXTBUF_NEXT_KEY (out, ZAPM_KEY_COLOR);
    s_string (out, first->who.color);
    if (!service)
        return;
    TEXTBUF_NEXT_KEY (out, ZAPM_HISTORY_PIDS);
    textbuf_putc (out, '[');
    for (size_t i = 0; i < line->members; i++) {
        if (i)
            textbuf_putc (out, ',');
        if (first[i].who.pid >= 0)
            textbuf_json_number (out, (double) first[i].who.pid);
        else
            TEXTBUF_LIT (out, "null");
    }
    textbuf_putc (out, ']');
}

//  Prints `"until"` and `"t"`, the kept buckets' mean times.
static void
s_print_times (textbuf_t *out, const store_lines_t *lines, const store_line_t *line,
               const bool *keep)
{
    TEXTBUF_NEXT_KEY (out, ZAPM_HISTORY_UNTIL);
    if (line->until_ns)
        textbuf_json_seconds (out, line->until_ns);
    else
        TEXTBUF_LIT (out, "null");
    TEXTBUF_NEXT_KEY (out, ZAPM_HISTORY_T);
    textbuf_putc (out, '[');
    bool first = true;
    for (int b = 0; b < lines->points; b++) {
        if (!keep[b])
            continue;
        if (!first)
            textbuf_putc (out, ',');
        first = false;
        double t = line->time_count[b] > 0 ? line->time_sum[b] / line->time_count[b]
                                           : (double) (b * lines->step);
        textbuf_json_seconds (out, lines->from + (int64_t) t);
    }
    textbuf_putc (out, ']');
}

//  False for a metric added without being asked for that `line` does not
//  hold: it is left out of the line (store_query_custom.c).
static bool
s_shown (const store_lines_t *lines, const store_line_t *line, int m)
{
    if (!lines->implied[m])
        return true;
    const store_fold_t *folds = line->folds + (size_t) m * (size_t) lines->points;
    for (int b = 0; b < lines->points; b++)
        if (folds[b].count > 0)
            return true;
    return false;
}

//  Prints today's shape: the means under their old names, custom.* under
//  "custom".
static void
s_print_today (textbuf_t *out, const store_lines_t *lines, const store_line_t *line)
{
    for (int m = 0; m < lines->metric_count; m++) {
        if (!lines->legacy[m])
            continue;
        textbuf_putc (out, ',');
        textbuf_json_string (out, lines->legacy[m], strlen (lines->legacy[m]));
        textbuf_putc (out, ':');
        s_means (out, lines, m);
    }
    static const char custom[] = ZAPM_KEY_CUSTOM ZAPM_HISTORY_PATH_SEP;
    TEXTBUF_NEXT_KEY (out, ZAPM_KEY_CUSTOM);
    textbuf_putc (out, '{');
    bool first = true;
    for (int m = 0; m < lines->metric_count; m++) {
        if (strncmp (lines->names[m], custom, sizeof custom - 1) != 0 || !s_shown (lines, line, m))
            continue;
        if (!first)
            textbuf_putc (out, ',');
        first = false;
        s_string (out, lines->names[m] + sizeof custom - 1);
        textbuf_putc (out, ':');
        s_means (out, lines, m);
    }
    textbuf_putc (out, '}');
}

//  Prints `"metrics"`: per metric path its mean, min and max arrays.
static void
s_print_metrics (textbuf_t *out, const store_lines_t *lines, const store_line_t *line,
                 const bool *keep)
{
    TEXTBUF_NEXT_KEY (out, ZAPM_HISTORY_METRICS);
    textbuf_putc (out, '{');
    bool first = true;
    for (int m = 0; m < lines->metric_count; m++) {
        if (!s_shown (lines, line, m))
            continue;
        if (!first)
            textbuf_putc (out, ',');
        first = false;
        s_string (out, lines->names[m]);
        const store_fold_t *folds = line->folds + (size_t) m * (size_t) lines->points;
        textbuf_putc (out, ':');
        textbuf_putc (out, '{');
        TEXTBUF_KEY (out, ZAPM_HISTORY_MEAN);
        s_means (out, lines, m);
        TEXTBUF_NEXT_KEY (out, ZAPM_HISTORY_MIN);
        s_array (out, lines, folds, keep, S_MIN);
        TEXTBUF_NEXT_KEY (out, ZAPM_HISTORY_MAX);
        s_array (out, lines, folds, keep, S_MAX);
        textbuf_putc (out, '}');
    }
    textbuf_putc (out, '}');
}

//  Prints one line. Returns false if memory ran out.
static bool
s_print_line (textbuf_t *out, store_lines_t *lines, const store_line_t *line, bool service)
{
    bool *keep = calloc ((size_t) lines->points, sizeof *keep);
    if (!keep)
        return false;
    s_keep (lines, line, keep);
    s_print_means (lines, line, keep);
    if (lines->means.overflow) {
        free (keep);
        return false;
    }
    s_print_who (out, line, service);
    s_print_times (out, lines, line, keep);
    if (!lines->metrics_only)
        s_print_today (out, lines, line);
    s_print_metrics (out, lines, line, keep);
    textbuf_putc (out, '}');
    free (keep);
    return true;
}

//  True when `line` has something in the window (else it is left out).
static bool
s_any (const store_lines_t *lines, const store_line_t *line)
{
    for (int b = 0; b < lines->points; b++)
        if (line->time_count[b] > 0)
            return true;
    return false;
}

void
store_lines_answer_begin (textbuf_t *out, const store_lines_t *lines, const char *tier,
                          bool service, int64_t now_ns)
{
    TEXTBUF_LIT (out, "{");
    TEXTBUF_KEY (out, ZAPM_KEY_NOW);
    textbuf_json_seconds (out, now_ns);
    TEXTBUF_NEXT_KEY (out, ZAPM_HISTORY_FROM);
    textbuf_json_seconds (out, lines->from);
    TEXTBUF_NEXT_KEY (out, ZAPM_HISTORY_TO);
    textbuf_json_seconds (out, lines->to);
    TEXTBUF_NEXT_KEY (out, ZAPM_HISTORY_STEP);
    textbuf_json_number (out, (double) lines->step / 1e9);
    TEXTBUF_NEXT_KEY (out, ZAPM_HISTORY_POINTS);
    textbuf_json_number (out, lines->points);
    TEXTBUF_NEXT_KEY (out, ZAPM_HISTORY_TIER);
    s_string (out, tier);
    TEXTBUF_NEXT_KEY (out, ZAPM_HISTORY_GROUP);
    s_string (out, service ? ZAPM_HISTORY_GROUP_SERVICE : ZAPM_HISTORY_GROUP_SERIES);
    TEXTBUF_NEXT_KEY (out, ZAPM_KEY_SERIES);
    textbuf_putc (out, '[');
}

bool
store_lines_answer_line (textbuf_t *out, store_lines_t *lines, const store_line_t *line,
                         bool service, bool *first)
{
    if (!s_any (lines, line))
        return true;
    if (!*first)
        textbuf_putc (out, ',');
    *first = false;
    return s_print_line (out, lines, line, service);
}

bool
store_lines_answer_end (textbuf_t *out)
{
    TEXTBUF_LIT (out, "]}");
    return !out->overflow;
}
