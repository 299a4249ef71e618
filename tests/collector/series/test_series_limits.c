/*  test_series_limits.c: what the series part refuses at its limits, and
    counts: new identities past the map's cap, custom values past a series'
    history columns, custom names past /metrics' --max-metric-names.
*/
#include "check.h"
#include "series.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const int64_t s_second = 1000000000LL;

//  Observes `json` at `t` seconds (mono and wall); returns the change.
static series_change_t
s_observe (series_map_t *map, latest_t *latest, const char *json, int64_t t)
{
    sample_t sample;
    CHECK (validate_sample (json, strlen (json), &sample) == VALIDATE_OK);
    series_t *series = NULL;
    uint64_t lost = 0;
    series_change_t change = series_map_observe (map, &sample, json, strlen (json), t * s_second,
                                                 t * s_second, t * s_second, &series, &lost);
    if (series && latest)
        latest_update (latest, series, &sample);
    return change;
}

//  How many lines of `text` start with `prefix`.
static int
s_lines (const char *text, const char *prefix)
{
    int count = 0;
    for (const char *at = text; at && *at; at = strchr (at, '\n'), at = at ? at + 1 : NULL)
        count += strncmp (at, prefix, strlen (prefix)) == 0;
    return count;
}

int
main (void)
{
    char json[512];
    //  The map's cap: live series are never recycled, so new identities are refused.
    series_map_t *map = series_map_new (3, 4);
    latest_t *latest = latest_new (3);
    CHECK (map && latest);
    int full = 0;
    for (int i = 0; i < 10; i++) {
        snprintf (json, sizeof json,
                  "{\"agent\":\"churn%d\",\"host\":\"h\",\"pid\":%d,\"cpu\":1,\"mem\":2}", i, i);
        full += s_observe (map, latest, json, 1) == SERIES_FULL;
    }
    CHECK (full == 7 && series_map_size (map) == 3);

    //  A new custom name in every sample: the history keeps
    //  ZAPM_HISTORY_CUSTOM_MAX columns; the values of further names are counted.
    for (int i = 0; i < ZAPM_HISTORY_CUSTOM_MAX + 5; i++) {
        snprintf (json, sizeof json,
                  "{\"agent\":\"churn0\",\"host\":\"h\",\"pid\":0,\"cpu\":1,\"mem\":2,"
                  "\"custom\":{\"name%d\":%d}}",
                  i, i);
        CHECK (s_observe (map, latest, json, 2 + i) == SERIES_UPDATED);
    }
    CHECK (series_map_at (map, 0)->custom_count == ZAPM_HISTORY_CUSTOM_MAX);
    CHECKF (series_map_custom_refused (map) == 5, "%llu refused",
            (unsigned long long) series_map_custom_refused (map));

    //  /metrics: series 0's latest sample has one custom name (name20), series
    //  1 and 2 four each, 9 in all; at most 5 families go on the page (series
    //  0's and 1's) and the 4 values of series 2 are left out and counted.
    for (int s = 1; s <= 2; s++) {
        snprintf (json, sizeof json,
                  "{\"agent\":\"churn%d\",\"host\":\"h\",\"pid\":%d,\"cpu\":1,\"mem\":2,"
                  "\"custom\":{\"s%da\":1,\"s%db\":2,\"s%dc\":3,\"s%dd\":4}}",
                  s, s, s, s, s, s);
        CHECK (s_observe (map, latest, json, 30) == SERIES_UPDATED);
    }
    uint64_t refused = 0;
    series_metrics_t source = {.series = map,
                               .latest = latest,
                               .now_mono = 30 * s_second,
                               .ttl_ns = 300 * s_second,
                               .max_names = 5,
                               .refused = &refused};
    textbuf_t out = textbuf_growing (4096);
    CHECK (series_metrics_render (&source, &out) == 3);
    char *text = textbuf_take (&out);
    CHECK (text);
    CHECKF (s_lines (text, "# TYPE zapm_custom_") == 5, "%d custom families",
            s_lines (text, "# TYPE zapm_custom_"));
    CHECKF (refused == 4, "%llu left out", (unsigned long long) refused);
    free (text);
    //  No limit: all 9 families.
    source.max_names = 0;
    out = textbuf_growing (4096);
    series_metrics_render (&source, &out);
    text = textbuf_take (&out);
    CHECK (text && s_lines (text, "# TYPE zapm_custom_") == 9 && refused == 4);
    free (text);

    latest_destroy (&latest);
    series_map_destroy (&map);
    return CHECK_DONE ();
}
