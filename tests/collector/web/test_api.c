/*  test_api.c: the JSON of /api/agents, /api/history and /healthz, written by hand
    in api.c: it must parse, carry every documented key (docs/HTTP-API.md) with
    the right values, escape what agents send, and print null where a part is
    absent. */
#include "check.h"
#include "api.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <string.h>

static void
s_observe (series_map_t *map, const char *json, int64_t wall_s)
{
    sample_t sample;
    CHECKF (validate_sample (json, strlen (json), &sample) == VALIDATE_OK, "%s", json);
    series_t *series;
    uint64_t lost = 0;
    //  A stamped sample arrives a millisecond after its time (inside the window).
    int64_t arrived = sample.wall_ns ? sample.wall_ns + 1000000 : wall_s * 1000000000LL;
    CHECK (series_map_observe (map, &sample, json, strlen (json), wall_s * 1000000000LL,
                               wall_s * 1000000000LL, sample_time_ns (&sample, arrived), &series,
                               &lost) != SERIES_FULL);
}

static const cJSON *
s_get (const cJSON *object, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive (object, key);
    CHECKF (item, "no key '%s'", key);
    return item;
}

static void
test_agents (void)
{
    series_map_t *map = series_map_new (8, 4);
    const char *zapm =
        "{\"agent\":\"a\\\"b\",\"host\":\"h\\\\\",\"pid\":7,\"seq\":0,\"interval\":0.5,"
        "\"cpu\":1,\"mem\":2,\"color\":\"red\",\"extra\":[1,{\"k\":null}]}";
    const char *book = "{\"color\":\"teal\",\"cpu\":3.25,\"mem\":4}";
    s_observe (map, zapm, 100);
    s_observe (map, book, 101);
    api_ingest_t ingest = {.endpoint = "tcp://*:5555", .curve = true};
    char *text = api_agents (map, 102500000000LL, &ingest);
    cJSON *doc = cJSON_Parse (text);
    CHECKF (doc, "not JSON: %s", text);
    CHECK (s_get (doc, "now")->valuedouble == 102.5);
    //  how agents reach it, for the dashboard's hint
    CHECK (strcmp (s_get (s_get (doc, "ingest"), "endpoint")->valuestring, "tcp://*:5555") == 0);
    CHECK (cJSON_IsTrue (s_get (s_get (doc, "ingest"), "curve_only")));
    const cJSON *agents = s_get (doc, "agents");
    CHECK (cJSON_GetArraySize (agents) == 2);
    const cJSON *a = cJSON_GetArrayItem (agents, 0), *b = cJSON_GetArrayItem (agents, 1);
    CHECK (strcmp (s_get (a, "id")->valuestring, "a\"b@h\\:7") == 0);
    CHECK (strcmp (s_get (a, "agent")->valuestring, "a\"b") == 0);
    CHECK (strcmp (s_get (a, "host")->valuestring, "h\\") == 0);
    CHECK (s_get (a, "pid")->valuedouble == 7 && s_get (a, "interval")->valuedouble == 0.5);
    CHECK (strcmp (s_get (a, "state")->valuestring, "live") == 0);
    CHECK (s_get (a, "samples")->valuedouble == 1 && s_get (a, "lost")->valuedouble == 0);
    CHECK (s_get (a, "last_seen")->valuedouble == 100);
    //  the last sample exactly as received, unknown fields included
    const cJSON *last = s_get (a, "last");
    CHECK (cJSON_IsArray (s_get (last, "extra")) && s_get (last, "cpu")->valuedouble == 1);
    //  a book-style series: no agent, host, pid or interval
    CHECK (strcmp (s_get (b, "id")->valuestring, "teal") == 0);
    CHECK (cJSON_IsNull (s_get (b, "agent")) && cJSON_IsNull (s_get (b, "host")));
    CHECK (cJSON_IsNull (s_get (b, "pid")) && cJSON_IsNull (s_get (b, "interval")));
    CHECK (s_get (s_get (b, "last"), "cpu")->valuedouble == 3.25);
    cJSON_Delete (doc);
    free (text);
    series_map_destroy (&map);
}

static void
test_history (void)
{
    series_map_t *map = series_map_new (8, 4);
    for (int i = 0; i < 6; i++) {
        char json[256];
        snprintf (json, sizeof json,
                  "{\"agent\":\"s\",\"timestamp\":\"2026-11-23T10:00:0%d+00:00\",\"cpu\":%d.1,"
                  "\"mem\":30.1,\"sys\":{\"cpu_percent\":9,\"load\":[0.5]},"
                  "\"custom\":{\"q\":%d}}",
                  i, i, i);
        s_observe (map, json, 200 + i);
    }
    s_observe (map, "{\"color\":\"other\",\"cpu\":1,\"mem\":1}", 300);
    char *text = api_history (map, "s*", 1e9, 400000000000LL, NULL);
    cJSON *doc = cJSON_Parse (text);
    CHECKF (doc, "not JSON: %s", text);
    const cJSON *series = s_get (doc, "series");
    CHECK (cJSON_GetArraySize (series) == 1); //  the glob leaves "other" out
    const cJSON *s = cJSON_GetArrayItem (series, 0);
    const cJSON *t = s_get (s, "t"), *cpu = s_get (s, "cpu"), *mem = s_get (s, "mem");
    CHECK (cJSON_GetArraySize (t) == 4 && cJSON_GetArraySize (cpu) == 4); //  the newest 4
    double t0 = cJSON_GetArrayItem (t, 0)->valuedouble;
    CHECK (fabs (t0 - 1795428002.0) < 1e-6);                 //  the sample's own time: 10:00:02
    CHECK (cJSON_GetArrayItem (cpu, 0)->valuedouble == 2.1); //  floats printed shortest
    CHECK (strstr (text, "30.1,") || strstr (text, "30.1]"));
    CHECK (cJSON_GetArrayItem (s_get (s, "sys_cpu"), 3)->valuedouble == 9);
    CHECK (cJSON_IsNull (cJSON_GetArrayItem (s_get (s, "sys_mem"), 0)));
    CHECK (cJSON_GetArrayItem (s_get (s, "load1"), 0)->valuedouble == 0.5);
    const cJSON *q = s_get (s_get (s, "custom"), "q");
    CHECK (cJSON_GetArraySize (q) == 4 && cJSON_GetArrayItem (q, 3)->valuedouble == 5);
    (void) mem;
    cJSON_Delete (doc);
    free (text);
    //  seconds=0 keeps only what is newer than now
    text = api_history (map, NULL, 0, 1795428010000000000LL, NULL);
    doc = cJSON_Parse (text);
    CHECK (doc && cJSON_GetArraySize (s_get (doc, "series")) == 2);
    CHECK (cJSON_GetArraySize (s_get (cJSON_GetArrayItem (s_get (doc, "series"), 0), "t")) == 0);
    cJSON_Delete (doc);
    free (text);
    series_map_destroy (&map);
}

static void
test_health (void)
{
    char *text = api_health ("abcd1234", 1.5);
    cJSON *doc = cJSON_Parse (text);
    CHECK (doc && strcmp (s_get (doc, "status")->valuestring, "ok") == 0);
    CHECK (s_get (doc, "uptime")->valuedouble == 1.5);
    CHECK (strcmp (s_get (doc, "boot")->valuestring, "abcd1234") == 0);
    cJSON_Delete (doc);
    free (text);
}

int
main (void)
{
    test_agents ();
    test_history ();
    test_health ();
    return CHECK_DONE ();
}
