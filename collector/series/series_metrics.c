/*  series_metrics.c: every agent's metrics on /metrics, family by family.

    One scrape first picks the exposed series and writes each one's label set
    once into a scratch buffer, then writes each family from the table
    (metric_map.h) over those series, then the per-CPU family, then the custom
    families gathered in a hash by exported name. The cost is a few memcpys
    and a number per line; docs/PERFORMANCE.md has the figures for 10,000
    series.
*/
#include "series_metrics.h"
#include "sample.h"
#include "base.h"

#include <assert.h>
#include <czmq.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

//  A series on this page: its index and its label set in the scratch buffer.
typedef struct {
    uint32_t index;    //  series index
    size_t labels_at;  //  offset of its labels in the scratch buffer
    size_t labels_len; //  their length
} s_exposed_t;

//  One point of a custom family: which exposed series, which value.
typedef struct {
    uint32_t exposed; //  index into the exposed list
    double value;     //  the value
} s_point_t;

//  A custom family, gathered before it is written.
typedef struct {
    char name[METRIC_CUSTOM_NAME_MAX + 1];    //  exported name
    char wire_name[ZAPM_CUSTOM_NAME_MAX + 1]; // the agent's name, for the help text
    metric_type_t type;                       //  as first seen
    uint32_t count;                           //  points held
    uint32_t capacity;                        //  points allocated
    s_point_t *points;                        //  in exposed order
} s_family_t;

//  The state of one render.
typedef struct {
    const series_metrics_t *source;
    textbuf_t *out;
    textbuf_t labels;     //  every exposed series' label set, back to back
    s_exposed_t *exposed; //  the exposed series, in index order
    uint32_t count;       //  how many
} s_render_t;

//  `value` in decimal, NUL-terminated, into `out` (at least 21 bytes).
static void
s_decimal (uint64_t value, char *out)
{
    textbuf_t text = textbuf_fixed (out, 20);
    textbuf_u64 (&text, value);
    out[textbuf_length (&text)] = '\0';
}

static void
s_label (textbuf_t *labels, bool *first, const char *name, const char *value)
{
    if (!value || !*value)
        return;
    if (!*first)
        textbuf_putc (labels, ',');
    *first = false;
    textbuf_put (labels, name, strlen (name));
    TEXTBUF_LIT (labels, "=\"");
    prom_text_label_value (labels, value);
    textbuf_putc (labels, '"');
}

size_t
series_metrics_labels (const series_t *series, char pid[24], const char *names[4],
                       const char *values[4])
{
    size_t count = 0;
    pid[0] = '\0';
    if (series->has_pid)
        s_decimal (series->pid, pid);
    //  A book-style series is named by its colour alone: label it with the whole
    //  identity, which series_t->color leaves empty past 64 bytes, so no two
    //  series ever share a label set.
    const char *pairs[4][2] = {{"agent", series->agent},
                               {"host", series->host},
                               {"pid", pid},
                               {"color", series->agent ? series->color : series->id}};
    for (int k = 0; k < 4; k++)
        if (pairs[k][1] && pairs[k][1][0]) {
            names[count] = pairs[k][0];
            values[count++] = pairs[k][1];
        }
    return count;
}

//  Picks the series to expose and writes their label sets.
static bool
s_pick (s_render_t *render)
{
    const series_metrics_t *source = render->source;
    uint32_t size = series_map_size (source->series);
    render->exposed = malloc ((size ? size : 1) * sizeof *render->exposed);
    render->labels = textbuf_growing ((size_t) size * 64 + 64);
    if (!render->exposed)
        return false;
    for (uint32_t i = 0; i < size; i++) {
        const series_t *series = series_map_at (source->series, i);
        const latest_entry_t *entry = latest_at (source->latest, i);
        if (!entry || !entry->valid)
            continue;
        if (!series->live && source->now_mono - series->last_seen_mono > source->ttl_ns)
            continue;
        size_t at = textbuf_length (&render->labels);
        bool first = true;
        char pid[24];
        const char *names[4], *values[4];
        size_t count = series_metrics_labels (series, pid, names, values);
        for (size_t k = 0; k < count; k++)
            s_label (&render->labels, &first, names[k], values[k]);
        render->exposed[render->count++] = (s_exposed_t){
            .index = i, .labels_at = at, .labels_len = textbuf_length (&render->labels) - at};
    }
    return !render->labels.overflow;
}

//  Writes one line, name{labels[,extra="value"]} number, with one reserve.
//  `extra_value` is written as is: it is a constant of the table or digits.
//  The number is `digits` when given (a count, exact past 2^53), else `value`.
static void
s_line_as (s_render_t *render, const char *name, const s_exposed_t *exposed, const char *extra_name,
           const char *extra_value, double value, const char *digits)
{
    size_t name_len = strlen (name), labels_len = exposed->labels_len;
    size_t extra_name_len = extra_name ? strlen (extra_name) : 0;
    size_t extra_value_len = extra_name ? strlen (extra_value) : 0;
    if (!textbuf_reserve (render->out, name_len + labels_len + extra_name_len + extra_value_len +
                                           8 + PROM_TEXT_NUMBER_MAX))
        return;
    char *p = render->out->p;
    memcpy (p, name, name_len);
    p += name_len;
    if (labels_len || extra_name) {
        *p++ = '{';
        memcpy (p, render->labels.start + exposed->labels_at, labels_len);
        p += labels_len;
        if (extra_name) {
            if (labels_len)
                *p++ = ',';
            memcpy (p, extra_name, extra_name_len);
            p += extra_name_len;
            *p++ = '=';
            *p++ = '"';
            memcpy (p, extra_value, extra_value_len);
            p += extra_value_len;
            *p++ = '"';
        }
        *p++ = '}';
    }
    *p++ = ' ';
    if (digits) {
        size_t length = strlen (digits); //  at most 20 < PROM_TEXT_NUMBER_MAX
        memcpy (p, digits, length);
        p += length;
    }
    else
        p += prom_text_format_number (value, p);
    *p++ = '\n';
    render->out->p = p;
}

static void
s_line (s_render_t *render, const char *name, const s_exposed_t *exposed, const char *extra_name,
        const char *extra_value, double value)
{
    s_line_as (render, name, exposed, extra_name, extra_value, value, NULL);
}

static const char *
s_type_name (metric_type_t type)
{
    return type == METRIC_COUNTER ? "counter" : "gauge";
}

//  The families of the table: rows [first, last) share a name.
static void
s_table_family (s_render_t *render, int first, int last)
{
    bool started = false;
    const metric_field_t *head = &metric_fields[first];
    for (uint32_t e = 0; e < render->count; e++) {
        const latest_entry_t *entry = latest_at (render->source->latest, render->exposed[e].index);
        for (int id = first; id < last; id++) {
            if (isnan (entry->value[id]))
                continue;
            if (!started)
                prom_text_header (render->out, head->name, s_type_name (head->type), head->help);
            started = true;
            const metric_field_t *field = &metric_fields[id];
            char digits[12];
            s_line (render, field->name, &render->exposed[e], field->label_name,
                    metric_map_label_value (field, -1, digits), entry->value[id]);
        }
    }
}

static void
s_percpu_family (s_render_t *render)
{
    bool started = false;
    const metric_field_t *field = &metric_percpu_field;
    for (uint32_t e = 0; e < render->count; e++) {
        const latest_entry_t *entry = latest_at (render->source->latest, render->exposed[e].index);
        for (uint32_t cpu = 0; cpu < entry->percpu_count; cpu++) {
            if (!started)
                prom_text_header (render->out, field->name, s_type_name (field->type), field->help);
            started = true;
            char digits[12];
            s_line (render, field->name, &render->exposed[e], field->label_name,
                    metric_map_label_value (field, (int) cpu, digits), entry->percpu[cpu]);
        }
    }
}

const series_family_t series_agent_families[SERIES_AGENT_FAMILIES] = {
    [SERIES_AGENT_UP] = {"zapm_agent_up", "gauge",
                         "1 while the series sends samples, 0 once it has left."},
    [SERIES_AGENT_SAMPLES] = {"zapm_agent_samples_total", "counter",
                              "Samples the collector received from the series."},
    [SERIES_AGENT_LOST] = {"zapm_agent_samples_lost_total", "counter",
                           "Samples of the series missing according to its seq numbers."},
    [SERIES_AGENT_SEQ_RESETS] = {"zapm_agent_seq_resets_total", "counter",
                                 "Times the series' seq count restarted (stepped back, or jumped "
                                 "further than time explains): not counted as lost."},
};

uint64_t
series_agent_count (const series_t *series, series_agent_family_t family)
{
    assert (series && family < SERIES_AGENT_FAMILIES);
    return family == SERIES_AGENT_UP        ? series->live
           : family == SERIES_AGENT_SAMPLES ? series->samples
           : family == SERIES_AGENT_LOST    ? series->lost
                                            : series->seq_resets;
}

double
series_agent_value (const series_t *series, series_agent_family_t family)
{
    return (double) series_agent_count (series, family);
}

//  What the collector knows of each exposed series itself.
static void
s_series_families (s_render_t *render)
{
    for (int f = 0; f < SERIES_AGENT_FAMILIES && render->count > 0; f++) {
        const series_family_t *family = &series_agent_families[f];
        prom_text_header (render->out, family->name, family->type, family->help);
        for (uint32_t e = 0; e < render->count; e++) {
            const series_t *series =
                series_map_at (render->source->series, render->exposed[e].index);
            //  Counts as exact integers, never through a double.
            char digits[24];
            s_decimal (series_agent_count (series, (series_agent_family_t) f), digits);
            s_line_as (render, family->name, &render->exposed[e], NULL, NULL, 0, digits);
        }
    }
}

static void
s_family_free (void **item)
{
    s_family_t *family = *item;
    if (family) {
        free (family->points);
        free (family);
        *item = NULL;
    }
}

//  Adds one custom metric of exposed series `e` to its family, made on first sight.
static bool
s_gather (const series_metrics_t *source, zhashx_t *by_name, zlistx_t *order, uint32_t e,
          const sample_custom_t *custom, bool counter)
{
    char name[METRIC_CUSTOM_NAME_MAX + 1];
    if (metric_map_custom_name (custom->name, counter, name) == 0)
        return true;
    metric_type_t type = counter ? METRIC_COUNTER : METRIC_GAUGE;
    s_family_t *family = zhashx_lookup (by_name, name);
    if (!family && source->max_names && zhashx_size (by_name) >= source->max_names) {
        if (source->refused)
            (*source->refused)++;
        return true; //  past --max-metric-names: left out, counted
    }
    if (!family) {
        family = calloc (1, sizeof *family);
        if (!family || !zlistx_add_end (order, family)) {
            free (family);
            return false;
        }
        memcpy (family->name, name, strlen (name) + 1);
        memcpy (family->wire_name, custom->name, strlen (custom->name) + 1);
        family->type = type;
        zhashx_insert (by_name, name, family);
    }
    if (family->type != type || (family->count && family->points[family->count - 1].exposed == e))
        return true; //  the other type under one name, or a second name mapped here
    if (family->count == family->capacity) {
        uint32_t capacity = family->capacity ? family->capacity * 2 : 16;
        s_point_t *grown = realloc (family->points, capacity * sizeof *grown);
        if (!grown)
            return false;
        family->points = grown;
        family->capacity = capacity;
    }
    family->points[family->count++] = (s_point_t){.exposed = e, .value = custom->value};
    return true;
}

static bool
s_custom_families (s_render_t *render)
{
    zhashx_t *by_name = zhashx_new ();
    zlistx_t *order = zlistx_new ();
    bool ok = by_name && order;
    if (ok)
        zlistx_set_destructor (order, s_family_free);
    for (uint32_t e = 0; ok && e < render->count; e++) {
        const latest_entry_t *entry = latest_at (render->source->latest, render->exposed[e].index);
        for (uint32_t k = 0; ok && k < entry->custom_count; k++)
            ok = s_gather (render->source, by_name, order, e, &entry->custom[k],
                           (entry->custom_counters >> k) & 1);
    }
    for (s_family_t *family = ok ? zlistx_first (order) : NULL; family;
         family = zlistx_next (order)) {
        char help[ZAPM_CUSTOM_NAME_MAX + 64];
        snprintf (help, sizeof help, "The service's %s %s.",
                  family->type == METRIC_COUNTER ? "counter" : "gauge", family->wire_name);
        prom_text_header (render->out, family->name, s_type_name (family->type), help);
        for (uint32_t p = 0; p < family->count; p++)
            s_line (render, family->name, &render->exposed[family->points[p].exposed], NULL, NULL,
                    family->points[p].value);
    }
    zhashx_destroy (&by_name);
    zlistx_destroy (&order);
    return ok;
}

uint32_t
series_metrics_render (const series_metrics_t *source, textbuf_t *out)
{
    assert (source && out);
    s_render_t render = {.source = source, .out = out};
    bool ok = s_pick (&render);
    if (ok) {
        s_series_families (&render);
        for (int first = 0, last; first < METRIC_FIELDS; first = last) {
            for (last = first + 1; last < METRIC_FIELDS && strcmp (metric_fields[last].name,
                                                                   metric_fields[first].name) == 0;
                 last++)
                ;
            s_table_family (&render, first, last);
        }
        s_percpu_family (&render);
        ok = s_custom_families (&render);
    }
    if (!ok)
        out->overflow = true;
    free (render.exposed);
    textbuf_free (&render.labels);
    uint32_t count = render.count;
    return ok ? count : 0;
}
