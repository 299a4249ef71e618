/*  test_prom_text.c: the exposition format's rules (numbers, escaping), custom
    metric names, and one render of agent series from validated frames. */
#include "check.h"
#include "series.h"
#include "sample.h"
#include "web.h"
#include "base.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *
s_number (double value)
{
    static char text[PROM_TEXT_NUMBER_MAX + 1];
    text[prom_text_format_number (value, text)] = '\0';
    return text;
}

static void
test_numbers (void)
{
    CHECK (strcmp (s_number (0), "0") == 0);
    CHECK (strcmp (s_number (-0.0), "0") == 0 || strcmp (s_number (-0.0), "-0") == 0);
    CHECK (strcmp (s_number (25276059648.0), "25276059648") == 0);
    CHECK (strcmp (s_number (-42), "-42") == 0);
    CHECK (strcmp (s_number (9007199254740991.0), "9007199254740991") == 0);
    CHECK (strcmp (s_number (0.5), "0.5") == 0);
    CHECK (strcmp (s_number (21.1 / 100), "0.211") == 0); //  not 0.21100000000000002
    CHECK (strcmp (s_number (3.1 / 100), "0.031") == 0);
    CHECK (strcmp (s_number (-12.34), "-12.34") == 0);
    CHECK (strcmp (s_number (0.000001), "0.000001") == 0);
    CHECK (strcmp (s_number (41.7 / (1.0 / 1048576)), "43725619.2") == 0);
    //  Everything else reads back as the same double.
    const double others[] = {1e-7, 1.0 / 3, 1e300, -2.5e-300, 123456789012.3456789, M_PI};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        CHECKF (strtod (s_number (others[i]), NULL) == others[i], "%.17g printed as %s", others[i],
                s_number (others[i]));
    //  A sweep: every printed number is within 1e-15 of its value, relative.
    srand (12);
    for (int i = 0; i < 100000; i++) {
        double value = ldexp ((double) rand () / RAND_MAX - 0.5, rand () % 120 - 60);
        if (i % 3 == 0)
            value = (double) (rand () % 100000) / 1000.0;
        double back = strtod (s_number (value), NULL);
        CHECKF (fabs (back - value) <= fabs (value) * 1e-15, "%.17g printed as %s", value,
                s_number (value));
    }
}

static void
test_escaping (void)
{
    textbuf_t text = textbuf_growing (4);
    prom_text_label_value (&text, "a\"b\\c\nd\te");
    prom_text_header (&text, "m", "gauge", "say \"hi\" \\ then\nmore");
    prom_text_number (&text, 0.25);
    char *out = textbuf_take (&text);
    CHECK (out);
    CHECK (strcmp (out, "a\\\"b\\\\c\\nd\te"
                        "# HELP m say \"hi\" \\\\ then\\nmore\n# TYPE m gauge\n0.25") == 0);
    free (out);
}

static void
test_custom_names (void)
{
    char name[METRIC_CUSTOM_NAME_MAX + 1];
    CHECK (metric_map_custom_name ("requests", true, name) &&
           strcmp (name, "zapm_custom_requests_total") == 0);
    CHECK (metric_map_custom_name ("done_total", true, name) &&
           strcmp (name, "zapm_custom_done_total") == 0);
    CHECK (metric_map_custom_name ("latency.p99:ms-x", false, name) &&
           strcmp (name, "zapm_custom_latency_p99_ms_x") == 0);
    CHECK (metric_map_custom_name ("", false, name) == 0);
    char longest[ZAPM_CUSTOM_NAME_MAX + 2];
    memset (longest, 'x', sizeof longest);
    longest[ZAPM_CUSTOM_NAME_MAX] = '\0';
    CHECK (metric_map_custom_name (longest, true, name) == METRIC_CUSTOM_NAME_MAX);
    longest[ZAPM_CUSTOM_NAME_MAX] = 'x';
    longest[ZAPM_CUSTOM_NAME_MAX + 1] = '\0';
    CHECK (metric_map_custom_name (longest, false, name) == 0);
}

static int s_visits;

static void
s_visit (void *arg, const metric_field_t *field, int cpu, double value)
{
    (void) arg;
    CHECK (field->name && !isnan (value));
    //  One label value for a labelled row, none otherwise: a per-CPU row's is
    //  its index (remote write once added a NULL `cpu` beside it).
    char digits[12];
    const char *label = metric_map_label_value (field, cpu, digits);
    CHECK ((label != NULL) == (field->label_name != NULL));
    if (cpu >= 0)
        CHECK (field == &metric_percpu_field && label && atoi (label) == cpu);
    s_visits++;
}

//  Validated frames through the series map and the store, rendered.
static void
test_render (void)
{
    series_map_t *map = series_map_new (4, 2);
    latest_t *latest = latest_new (4);
    const char *frames[] = {
        "{\"agent\":\"a\\\"x\",\"host\":\"h\",\"pid\":5,\"color\":\"red\",\"cpu\":10,\"mem\":1,"
        "\"proc\":{\"rss\":100,\"cpu_user\":1,\"cpu_system\":2},\"custom\":{\"hits\":3,\"q\":4},"
        "\"counters\":[\"hits\"]}",
        "{\"color\":\"blue\",\"cpu\":20,\"mem\":2,\"sys\":{\"percpu\":[10,20],\"load\":[1,2,3]}}",
        "{\"agent\":\"b\",\"cpu\":1,\"mem\":1,\"custom\":{\"hits\":7}}", //  a gauge named hits
    };
    int64_t now = 1000000000000LL;
    for (size_t i = 0; i < 3; i++) {
        sample_t sample;
        series_t *series;
        uint64_t lost = 0;
        CHECK (validate_sample (frames[i], strlen (frames[i]), &sample) == VALIDATE_OK);
        CHECK (series_map_observe (map, &sample, frames[i], strlen (frames[i]), now, now,
                                   sample_time_ns (&sample, now), &series, &lost) == SERIES_JOINED);
        latest_update (latest, series, &sample);
        if (i == 0) {
            s_visits = 0;
            metric_map_walk (sample.metrics.value, sample.metrics.percpu,
                             sample.metrics.percpu_count, s_visit, NULL);
            CHECK (s_visits == 5); //  cpu, mem, rss, cpu_user, cpu_system
            const latest_entry_t *entry = latest_at (latest, series->index);
            s_visits = 0;
            metric_map_walk (entry->value, entry->percpu, entry->percpu_count, s_visit, NULL);
            CHECK (s_visits == 5);
        }
        if (i == 1) {
            s_visits = 0;
            metric_map_walk (sample.metrics.value, sample.metrics.percpu,
                             sample.metrics.percpu_count, s_visit, NULL);
            CHECK (s_visits == 7); //  cpu, mem, three loads, two CPUs
        }
    }
    metrics_gauges_t gauges = {0};
    series_metrics_t agents = {.series = map, .latest = latest, .now_mono = now, .ttl_ns = 1};
    char *text = metrics_render (NULL, &gauges, &agents);
    CHECK (text);
    CHECK (strstr (text, "zapm_process_resident_memory_bytes{agent=\"a\\\"x\",host=\"h\",pid=\"5\","
                         "color=\"red\"} 100\n"));
    CHECK (strstr (text, "zapm_process_cpu_seconds_total{agent=\"a\\\"x\",host=\"h\",pid=\"5\","
                         "color=\"red\",mode=\"system\"} 2\n"));
    CHECK (strstr (
        text, "# TYPE zapm_custom_hits_total counter\n"
              "zapm_custom_hits_total{agent=\"a\\\"x\",host=\"h\",pid=\"5\",color=\"red\"} 3\n"));
    CHECK (strstr (text, "# TYPE zapm_custom_hits gauge\nzapm_custom_hits{agent=\"b\"} 7\n"));
    CHECK (strstr (text, "zapm_system_cpu_core_usage_ratio{color=\"blue\",cpu=\"1\"} 0.2\n"));
    CHECK (strstr (text, "zapm_system_load15{color=\"blue\"} 3\n"));
    CHECK (strstr (text, "zapm_sample_cpu_ratio{color=\"blue\"} 0.2\n"));
    //  One HELP and TYPE per family, before its first line.
    CHECK (strstr (text, "# TYPE zapm_process_cpu_seconds_total counter\n"
                         "zapm_process_cpu_seconds_total{"));
    CHECK (strstr (strstr (text, "# TYPE zapm_process_cpu_seconds_total") + 1,
                   "# TYPE zapm_process_cpu_seconds_total") == NULL);
    free (text);

    //  Left and past the ttl: gone; live or within it: there.
    series_map_sweep (map, now + 10000000000LL, NULL, NULL);
    agents.now_mono = now + 10000000000LL;
    agents.ttl_ns = 20000000000LL;
    text = metrics_render (NULL, &gauges, &agents);
    CHECK (text && strstr (text, "zapm_agent_up{color=\"blue\"} 0\n"));
    free (text);
    agents.ttl_ns = 5000000000LL;
    text = metrics_render (NULL, &gauges, &agents);
    CHECK (text && !strstr (text, "zapm_agent_up") && !strstr (text, "color=\"blue\""));
    free (text);
    latest_destroy (&latest);
    series_map_destroy (&map);
    CHECK (latest == NULL);
}

int
main (void)
{
    test_numbers ();
    test_escaping ();
    test_custom_names ();
    test_render ();
    return CHECK_DONE ();
}
