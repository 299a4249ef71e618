/*  test_series_map.c: series identity, lost counting, history, liveness and the cap. */
#include "check.h"
#include "series.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static sample_t
s_sample (const char *json)
{
    sample_t sample;
    validate_reason_t reason = validate_sample (json, strlen (json), &sample);
    CHECK (reason == VALIDATE_OK);
    return sample;
}

static void
s_left (void *arg, series_t *series)
{
    (void) series;
    (*(int *) arg)++;
}

//  Observes `agent` with `seq` at `at_s` seconds; returns the lost it added.
static uint64_t
s_seq (series_map_t *map, const char *agent, uint64_t seq, double interval, int64_t at_ns)
{
    char json[160];
    snprintf (json, sizeof json,
              "{\"agent\":\"%s\",\"seq\":%llu,\"interval\":%g,\"cpu\":1,\"mem\":1}", agent,
              (unsigned long long) seq, interval);
    sample_t s = s_sample (json);
    series_t *series;
    uint64_t lost = 0;
    CHECK (series_map_observe (map, &s, json, strlen (json), at_ns, at_ns, at_ns, &series, &lost) !=
           SERIES_FULL);
    return lost;
}

//  issue 18: seq 0 -> 10^15 -> 0 is two restarts of the count, not 10^15 lost;
//  a gap the time explains is loss, exactly.
static void
test_seq_resets (void)
{
    const int64_t second = 1000000000LL;
    series_map_t *map = series_map_new (4, 4);
    uint64_t lost = 0;
    int64_t t = 1000 * second;
    for (int round = 0; round < 100; round++) {
        lost += s_seq (map, "jumpy", 0, 1, t += second);
        lost += s_seq (map, "jumpy", 1000000000000000ULL, 1, t += second);
    }
    series_t *series = series_map_at (map, 0);
    CHECK (lost == 0 && series->lost == 0);
    CHECK (series->seq_resets == 199 && series_map_seq_resets (map) == 199);
    //  a real gap: 30 s at 1 s per sample, 25 samples missing, counted exactly
    s_seq (map, "steady", 10, 1, t);
    CHECK (s_seq (map, "steady", 36, 1, t + 30 * second) == 25);
    //  a long silence explains a long gap (the agent counted on while cut off)
    CHECK (s_seq (map, "steady", 36 + 1 + 5000, 1, t + 3630 * second) == 5000);
    //  a repeated seq is neither loss nor a restart; a step back is a restart
    uint64_t resets = series_map_seq_resets (map);
    CHECK (s_seq (map, "steady", 5037, 1, t + 3631 * second) == 0);
    CHECK (series_map_seq_resets (map) == resets);
    CHECK (s_seq (map, "steady", 7, 1, t + 3632 * second) == 0);
    CHECK (series_map_seq_resets (map) == resets + 1);
    //  a jump beyond twice the interval's count and the slack is a restart
    CHECK (s_seq (map, "steady", 8 + 1001 + 2 * 10 + 1, 1, t + 3642 * second) == 0);
    CHECK (series_map_seq_resets (map) == resets + 2);
    series = series_map_at (map, 1);
    CHECK (series->lost == 25 + 5000 && series->seq_resets == 2);
    series_map_destroy (&map);
}

//  Observes `agent` once at `at_ns` with cpu `cpu` and custom `q` = cpu.
static series_t *
s_point (series_map_t *map, const char *agent, int cpu, int64_t at_ns)
{
    char json[160];
    snprintf (json, sizeof json, "{\"agent\":\"%s\",\"cpu\":%d,\"mem\":1,\"custom\":{\"q\":%d}}",
              agent, cpu, cpu);
    sample_t s = s_sample (json);
    series_t *series = NULL;
    uint64_t lost = 0;
    CHECK (series_map_observe (map, &s, json, strlen (json), at_ns, at_ns, at_ns, &series, &lost) !=
           SERIES_FULL);
    return series;
}

//  issue 18: a series' ring starts small and doubles up to --history, points
//  and custom columns kept in order, so an identity invented per sample costs
//  a few hundred bytes; a recycled slot starts small again.
static void
test_history_grows (void)
{
    series_map_t *map = series_map_new (1, 100);
    const int64_t ms = 1000000LL;
    series_t *series = NULL;
    for (int i = 0; i < 250; i++) {
        series = s_point (map, "grow", i, (i + 1) * ms);
        if (i == 0)
            CHECKF (series->history_capacity == 16, "%u", series->history_capacity);
        if (i == 16)
            CHECKF (series->history_capacity == 32, "%u", series->history_capacity);
    }
    CHECKF (series->history_capacity == 100 && series->history_count == 100, "%u %u",
            series->history_capacity, series->history_count);
    for (uint32_t i = 0; i < 100; i++) {
        CHECK (series_point (series, i)->charted[0] == (float) (150 + i));
        CHECK (series_custom_point (series, 0, i) == (float) (150 + i));
    }
    //  The map is full (1 series); once it has left, a newcomer takes its slot
    //  with a small ring again.
    int left = 0;
    series_map_sweep (map, 3600 * 1000 * ms, s_left, &left);
    CHECK (left == 1);
    series = s_point (map, "newcomer", 7, 3601 * 1000 * ms);
    CHECK (series && strcmp (series->id, "newcomer") == 0 && series->index == 0);
    CHECKF (series->history_capacity == 16 && series->history_count == 1, "%u %u",
            series->history_capacity, series->history_count);
    CHECK (series_point (series, 0)->charted[0] == 7.0f &&
           series_custom_point (series, 0, 0) == 7.0f);
    series_map_destroy (&map);
}

int
main (void)
{
    test_seq_resets ();
    test_history_grows ();
    series_map_t *map = series_map_new (2, 4);
    series_t *series = NULL;
    uint64_t lost = 0;
    const int64_t second = 1000000000LL;

    const char *a0 = "{\"agent\":\"a\",\"host\":\"h\",\"pid\":1,\"seq\":0,\"interval\":1,"
                     "\"cpu\":1,\"mem\":2,\"color\":\"red\"}";
    sample_t s = s_sample (a0);
    CHECK (series_map_observe (map, &s, a0, strlen (a0), 1 * second, 100 * second, 100 * second,
                               &series, &lost) == SERIES_JOINED);
    CHECK (series && strcmp (series->id, "a@h:1") == 0 && series->index == 0);
    CHECK (strcmp (series->last, a0) == 0 && strcmp (series->color, "red") == 0);

    //  seq 0 -> 3: two samples lost
    const char *a3 = "{\"agent\":\"a\",\"host\":\"h\",\"pid\":1,\"seq\":3,\"interval\":1,"
                     "\"cpu\":4,\"mem\":5}";
    s = s_sample (a3);
    CHECK (series_map_observe (map, &s, a3, strlen (a3), 2 * second, 101 * second, 101 * second,
                               &series, &lost) == SERIES_UPDATED);
    CHECK (lost == 2 && series->lost == 2 && series->samples == 2);
    //  a restart (seq back to 0) is not loss
    s = s_sample (a0);
    series_map_observe (map, &s, a0, strlen (a0), 3 * second, 102 * second, 102 * second, &series,
                        &lost);
    CHECK (lost == 2);

    //  history keeps the newest 4 points, oldest first
    for (int i = 0; i < 5; i++) {
        char json[128];
        snprintf (json, sizeof json, "{\"color\":\"blue\",\"cpu\":%d,\"mem\":1}", i);
        s = s_sample (json);
        series_map_observe (map, &s, json, strlen (json), 3 * second, (200 + i) * second,
                            (200 + i) * second, &series, &lost);
    }
    CHECK (strcmp (series->id, "blue") == 0 && series->index == 1);
    CHECK (series->history_count == 4);
    CHECK (series_point (series, 0)->charted[0] == 1.0f &&
           series_point (series, 3)->charted[0] == 4.0f);
    CHECK (series_point (series, 3)->t == 204.0);
    //  the point's time is the sample's time (time_ns), not when it arrived
    const char *stamped = "{\"color\":\"blue\",\"cpu\":9,\"mem\":1}";
    s = s_sample (stamped);
    series_map_observe (map, &s, stamped, strlen (stamped), 3 * second, 250 * second, 240 * second,
                        &series, &lost);
    CHECK (series_point (series, 3)->t == 240.0 && series_point (series, 3)->charted[0] == 9.0f);
    CHECK (series->last_seen_wall == 250 * second);
    CHECK (isnan (series_point (series, 0)->charted[2]));

    //  custom metrics get history columns aligned with the points; a metric that
    //  appears later reads NAN before it, one that stops reads NAN after
    const char *k1 = "{\"color\":\"blue\",\"cpu\":1,\"mem\":1,\"custom\":{\"q\":5}}";
    const char *k2 = "{\"color\":\"blue\",\"cpu\":1,\"mem\":1,\"custom\":{\"r\":7}}";
    s = s_sample (k1);
    CHECK (s.custom_count == 1 && strcmp (s.custom[0].name, "q") == 0 && s.custom[0].value == 5);
    series_map_observe (map, &s, k1, strlen (k1), 3 * second, 300 * second, 300 * second, &series,
                        &lost);
    s = s_sample (k2);
    series_map_observe (map, &s, k2, strlen (k2), 3 * second, 301 * second, 301 * second, &series,
                        &lost);
    CHECK (series->custom_count == 2);
    CHECK (strcmp (series->custom[0].name, "q") == 0 && strcmp (series->custom[1].name, "r") == 0);
    CHECK (series_custom_point (series, 0, 2) == 5.0f &&
           isnan (series_custom_point (series, 0, 3)));
    CHECK (isnan (series_custom_point (series, 1, 2)) &&
           series_custom_point (series, 1, 3) == 7.0f);
    CHECK (isnan (series_custom_point (series, 0, 0)));

    //  the cap: a third series is refused
    const char *c = "{\"color\":\"green\",\"cpu\":1,\"mem\":1}";
    s = s_sample (c);
    CHECK (series_map_observe (map, &s, c, strlen (c), 3 * second, 0, 0, &series, &lost) ==
           SERIES_FULL);
    CHECK (series == NULL && series_map_size (map) == 2 && series_map_live (map) == 2);

    //  liveness: "a" (interval 1 s) leaves after 3 s; "blue" (no interval) after 5 s
    int left = 0;
    CHECK (series_map_sweep (map, 5 * second, s_left, &left) == 0);
    CHECK (series_map_sweep (map, 6 * second + 1, s_left, &left) == 1 && left == 1);
    CHECK (!series_map_at (map, 0)->live && series_map_live (map) == 1);
    CHECK (series_map_sweep (map, 8 * second + 1, s_left, &left) == 1 && left == 2);
    //  a full map recycles the series that left longest ago for a new identity
    uint64_t recycled = series_map_recycled (map);
    CHECK (series_map_observe (map, &s, c, strlen (c), 10 * second, 0, 0, &series, &lost) ==
           SERIES_JOINED);
    CHECK (series && strcmp (series->id, "green") == 0 && series->index == 0);
    CHECK (series->samples == 1 && series->lost == 0 && series->history_count == 1);
    CHECK (series_map_recycled (map) == recycled + 1 && series_map_size (map) == 2);
    CHECK (series_map_live (map) == 1);
    //  the old identity now has no series; it comes back in the slot left by "blue"
    s = s_sample (a0);
    CHECK (series_map_observe (map, &s, a0, strlen (a0), 11 * second, 0, 0, &series, &lost) ==
           SERIES_JOINED);
    CHECK (strcmp (series->id, "a@h:1") == 0 && series->index == 1 && series->custom_count == 0);
    //  with both live, a third identity is refused
    const char *d = "{\"color\":\"teal\",\"cpu\":1,\"mem\":1}";
    s = s_sample (d);
    CHECK (series_map_observe (map, &s, d, strlen (d), 11 * second, 0, 0, &series, &lost) ==
           SERIES_FULL);
    series_map_destroy (&map);
    CHECK (map == NULL);

    //  Recalled points (store_recall at start): a series that has left, its
    //  points in the ring in order; an older point, or one for a live
    //  series, is not taken; a full map takes no new series.
    map = series_map_new (1, 3);
    series_recalled_t point = {.id = "r@h:9",
                               .agent = "r",
                               .host = "h",
                               .has_pid = true,
                               .pid = 9,
                               .color = "navy",
                               .charted = {1, 2, NAN, NAN, NAN},
                               .customs = 1,
                               .custom_name = {"queue"},
                               .custom_value = {7}};
    for (int i = 0; i < 4; i++) {
        point.time_ns = (100 + i) * second;
        point.charted[0] = (float) i;
        CHECK (series_map_recall (map, &point, 50 * second, 110 * second));
    }
    series = series_map_at (map, 0);
    CHECK (series && !series->live && series_map_live (map) == 0 && series->samples == 0);
    CHECK (strcmp (series->id, "r@h:9") == 0 && series->has_pid && series->pid == 9);
    CHECK (strcmp (series->agent, "r") == 0 && strcmp (series->color, "navy") == 0);
    CHECK (series->history_count == 3 && series_point (series, 0)->t == 101);
    CHECK (series_point (series, 2)->charted[0] == 3 && series_point (series, 2)->charted[1] == 2);
    CHECK (series->custom_count == 1 && strcmp (series->custom[0].name, "queue") == 0);
    CHECK (series_custom_point (series, 0, 2) == 7);
    CHECK (series->last_seen_wall == 103 * second && series->last_seen_mono == 43 * second);
    CHECK (!series_map_recall (map, &point, 50 * second, 110 * second)); //  not newer
    point.id = "other";
    point.time_ns = 104 * second;
    CHECK (!series_map_recall (map, &point, 50 * second, 110 * second)); //  the map is full
    series_map_destroy (&map);
    return CHECK_DONE ();
}
