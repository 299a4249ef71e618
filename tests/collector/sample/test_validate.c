/*  test_validate.c: the collector's trust boundary, with good and hostile frames. */
#include "check.h"
#include "utf8.h"
#include "sample.h"
#include "wire.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static validate_reason_t
s_check (const char *json, sample_t *sample)
{
    return validate_sample (json, strlen (json), sample);
}

static void
test_book_sample (void)
{
    sample_t s;
    CHECK (s_check ("{\"color\":\"red\",\"timestamp\":\"2026-11-23T10:00:00.123456+00:00\","
                    "\"cpu\":12.5,\"mem\":30.25}",
                    &s) == VALIDATE_OK);
    CHECK (strcmp (s.identity, "red") == 0);
    CHECK (strcmp (s.color, "red") == 0);
    CHECK (s.cpu == 12.5 && s.mem == 30.25);
    CHECK (!s.has_seq);
    CHECK (s.wall_ns == 1795428000123456000LL);
    //  its own time, not the arrival's, when it arrives within the window
    int64_t taken = 1795428000123456000LL, second = 1000000000LL;
    CHECK (sample_time_ns (&s, taken + 2 * second) == taken);
    CHECK (sample_time_check (&s, taken + SAMPLE_PAST_WINDOW_S * second) == SAMPLE_TIME_OWN);
    CHECK (sample_time_check (&s, taken - SAMPLE_FUTURE_WINDOW_S * second) == SAMPLE_TIME_OWN);
    //  outside it: the arrival time, and the check says why (ingest counts it)
    int64_t late = taken + (SAMPLE_PAST_WINDOW_S + 1) * second;
    CHECK (sample_time_check (&s, late) == SAMPLE_TIME_TOO_OLD &&
           sample_time_ns (&s, late) == late);
    int64_t early = taken - (SAMPLE_FUTURE_WINDOW_S + 1) * second;
    CHECK (sample_time_check (&s, early) == SAMPLE_TIME_TOO_NEW);
    CHECK (sample_time_ns (&s, early) == early);
    CHECK (isnan (s.sys_cpu) && isnan (s.load1));
    CHECK (!s.has_line_break);
}

static void
test_zapm_sample (void)
{
    sample_t s;
    const char *json = "{\"v\":1,\"agent\":\"api\",\"host\":\"web-1\",\"pid\":4242,\"seq\":7,"
                       "\"interval\":0.5,\"color\":\"#ff0000\",\"cpu\":1,\"mem\":2,"
                       "\"proc\":{\"rss\":1024,\"num_threads\":3,\"extra\":\"kept\"},"
                       "\"sys\":{\"cpu_percent\":33.5,\"percpu\":[1,2],\"load\":[0.5,0.25,0.1],"
                       "\"mem\":{\"total\":100,\"percent\":42.5}},\"custom\":{\"q\":3},"
                       "\"unknown\":[1,\"x\"]}";
    CHECK (s_check (json, &s) == VALIDATE_OK);
    CHECK (strcmp (s.identity, "api@web-1:4242") == 0);
    CHECK (s.has_seq && s.seq == 7);
    CHECK (s.interval == 0.5);
    CHECK (s.wall_ns == 0 && sample_time_ns (&s, 5) == 5); //  no timestamp: when it arrived
    CHECK (sample_time_check (&s, 5) == SAMPLE_TIME_NONE);
    CHECK (s.sys_cpu == 33.5 && s.sys_mem == 42.5 && s.load1 == 0.5);
    //  agent alone, and agent with pid but no host
    CHECK (s_check ("{\"agent\":\"solo\",\"cpu\":1,\"mem\":1}", &s) == VALIDATE_OK);
    CHECK (strcmp (s.identity, "solo") == 0);
    CHECK (s_check ("{\"agent\":\"p\",\"pid\":9,\"cpu\":1,\"mem\":1}", &s) == VALIDATE_OK);
    CHECK (strcmp (s.identity, "p:9") == 0);
    //  pretty-printed JSON is accepted and flagged for minifying
    CHECK (s_check ("{\n  \"color\": \"x\",\r\n  \"cpu\": 1,\n  \"mem\": 2\n}\n", &s) ==
           VALIDATE_OK);
    CHECK (s.has_line_break);
}

static void
test_rejections (void)
{
    sample_t s;
    CHECK (s_check ("not json", &s) == VALIDATE_NOT_JSON);
    CHECK (s_check ("", &s) == VALIDATE_NOT_JSON);
    CHECK (s_check ("{\"cpu\":1,\"mem\":1,\"color\":\"r\"} trailing", &s) == VALIDATE_NOT_JSON);
    CHECK (s_check ("[1,2,3]", &s) == VALIDATE_NOT_OBJECT);
    CHECK (s_check ("42", &s) == VALIDATE_NOT_OBJECT);
    CHECK (s_check ("{\"color\":\"r\",\"mem\":1}", &s) == VALIDATE_MISSING_CPU_MEM);
    CHECK (s_check ("{\"color\":\"r\",\"cpu\":1}", &s) == VALIDATE_MISSING_CPU_MEM);
    CHECK (s_check ("{\"cpu\":1,\"mem\":1}", &s) == VALIDATE_MISSING_IDENTITY);
    CHECK (s_check ("{\"cpu\":1,\"mem\":1,\"color\":\"\"}", &s) == VALIDATE_MISSING_IDENTITY);
    CHECK (s_check ("{\"cpu\":\"1\",\"mem\":1,\"color\":\"r\"}", &s) == VALIDATE_WRONG_TYPE);
    CHECK (s_check ("{\"cpu\":1,\"mem\":null,\"color\":\"r\"}", &s) == VALIDATE_WRONG_TYPE);
    CHECK (s_check ("{\"cpu\":1,\"mem\":1,\"color\":5}", &s) == VALIDATE_WRONG_TYPE);
    CHECK (s_check ("{\"cpu\":1e999,\"mem\":1,\"color\":\"r\"}", &s) == VALIDATE_WRONG_TYPE);
    CHECK (s_check ("{\"cpu\":1,\"mem\":1,\"agent\":\"a\",\"pid\":-1}", &s) == VALIDATE_WRONG_TYPE);
    CHECK (s_check ("{\"cpu\":1,\"mem\":1,\"agent\":\"a\",\"seq\":1.5}", &s) ==
           VALIDATE_WRONG_TYPE);
    CHECK (s_check ("{\"cpu\":1,\"mem\":1,\"color\":\"r\",\"proc\":[]}", &s) ==
           VALIDATE_WRONG_TYPE);
    CHECK (s_check ("{\"cpu\":1,\"mem\":1,\"color\":\"r\",\"proc\":{\"rss\":\"big\"}}", &s) ==
           VALIDATE_WRONG_TYPE);
    CHECK (s_check ("{\"cpu\":1,\"mem\":1,\"color\":\"r\",\"sys\":{\"mem\":{\"percent\":true}}}",
                    &s) == VALIDATE_WRONG_TYPE);
    CHECK (s_check ("{\"cpu\":1,\"mem\":1,\"color\":\"r\",\"sys\":{\"load\":[1,\"x\"]}}", &s) ==
           VALIDATE_WRONG_TYPE);
    CHECK (s_check ("{\"cpu\":1,\"mem\":1,\"color\":\"r\",\"custom\":{\"a\":\"b\"}}", &s) ==
           VALIDATE_WRONG_TYPE);
    //  a raw line break inside a string would split the SSE data line
    CHECK (s_check ("{\"cpu\":1,\"mem\":1,\"color\":\"a\nevent: agent\"}", &s) ==
           VALIDATE_NOT_JSON);
}

//  What the review found agents could slip through, each now refused or contained.
static void
test_hostile (void)
{
    sample_t s;
    //  control bytes between tokens: cJSON skips them, browsers' JSON.parse does not
    CHECK (s_check ("{\"cpu\":1,\x0b\"mem\":2,\"color\":\"red\"}", &s) == VALIDATE_NOT_JSON);
    CHECK (s_check ("\x0c{\"cpu\":1,\"mem\":2,\"color\":\"red\"}", &s) == VALIDATE_NOT_JSON);
    CHECK (s_check ("{\"cpu\":1,\"mem\":2,\"color\":\"red\"}\x01", &s) == VALIDATE_NOT_JSON);
    CHECK (s_check ("{\"cpu\":1,\t\"mem\":2,\"color\":\"red\"}", &s) == VALIDATE_OK);
    //  a known key twice: the collector would read the first, browsers the last
    CHECK (s_check ("{\"agent\":\"a\",\"agent\":\"b\",\"cpu\":1,\"mem\":2}", &s) ==
           VALIDATE_DUPLICATE_KEY);
    CHECK (s_check ("{\"color\":\"r\",\"cpu\":1,\"mem\":2,\"sys\":{\"mem\":{\"percent\":1,"
                    "\"percent\":2}}}",
                    &s) == VALIDATE_DUPLICATE_KEY);
    CHECK (s_check ("{\"color\":\"r\",\"cpu\":1,\"mem\":2,\"x\":1,\"x\":2}", &s) == VALIDATE_OK);
    //  an interval nobody sends: refused rather than overflowing the liveness math
    CHECK (s_check ("{\"color\":\"r\",\"cpu\":1,\"mem\":2,\"interval\":1e300}", &s) ==
           VALIDATE_WRONG_TYPE);
    CHECK (s_check ("{\"color\":\"r\",\"cpu\":1,\"mem\":2,\"interval\":-1}", &s) ==
           VALIDATE_WRONG_TYPE);
    CHECK (s_check ("{\"color\":\"r\",\"cpu\":1,\"mem\":2,\"interval\":86400}", &s) == VALIDATE_OK);
    //  a timestamp past 2262 is not a time the collector can hold: kept, not parsed
    CHECK (s_check ("{\"color\":\"r\",\"cpu\":1,\"mem\":2,\"timestamp\":\"9999-12-31T23:59:59Z\"}",
                    &s) == VALIDATE_OK);
    CHECK (s.wall_ns == 0);
    //  a colour of ZAPM_COLOR_MAX bytes is a colour; one byte more still names
    //  the series, but is no colour (docs/HTTP-API.md)
    char json[256];
    char color[100];
    memset (color, 'a', ZAPM_COLOR_MAX - 2);
    memcpy (color + ZAPM_COLOR_MAX - 2, "\xc3\xa9", 3); //  "é": 64 bytes in all
    snprintf (json, sizeof json, "{\"cpu\":1,\"mem\":2,\"color\":\"%s\"}", color);
    CHECK (s_check (json, &s) == VALIDATE_OK);
    CHECK (strcmp (s.color, color) == 0 && strcmp (s.identity, color) == 0);
    memcpy (color + ZAPM_COLOR_MAX - 2, "\xc3\xa9!", 4); //  65 bytes
    snprintf (json, sizeof json, "{\"cpu\":1,\"mem\":2,\"color\":\"%s\"}", color);
    CHECK (s_check (json, &s) == VALIDATE_OK);
    CHECK (s.color[0] == '\0' && strcmp (s.identity, color) == 0);
}

static void
test_limits_and_encoding (void)
{
    sample_t s;
    //  invalid UTF-8: lone continuation, overlong, surrogate, NUL, truncated sequence
    const char *bad[] = {"{\"cpu\":1,\"mem\":1,\"color\":\"\x80\"}",
                         "{\"cpu\":1,\"mem\":1,\"color\":\"\xc0\xaf\"}",
                         "{\"cpu\":1,\"mem\":1,\"color\":\"\xed\xa0\x80\"}",
                         "{\"cpu\":1,\"mem\":1,\"color\":\"\xf4\x90\x80\x80\"}",
                         "{\"cpu\":1,\"mem\":1,\"color\":\"\xe2\x82\"}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK (s_check (bad[i], &s) == VALIDATE_NOT_UTF8);
    const char with_nul[] = "{\"cpu\":1,\"mem\":1,\"color\":\"r\0\"}";
    CHECK (validate_sample (with_nul, sizeof with_nul - 1, &s) == VALIDATE_NOT_UTF8);
    CHECK (s_check ("{\"cpu\":1,\"mem\":1,\"color\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}",
                    &s) == VALIDATE_OK);

    //  exactly at the limit passes, one byte over is too large
    size_t size = ZAPM_WIRE_MAX_BYTES + 1;
    char *big = malloc (size);
    const char *head = "{\"cpu\":1,\"mem\":1,\"color\":\"r\",\"pad\":\"";
    memset (big, 'x', size);
    memcpy (big, head, strlen (head));
    memcpy (big + ZAPM_WIRE_MAX_BYTES - 2, "\"}", 2);
    CHECK (validate_sample (big, ZAPM_WIRE_MAX_BYTES, &s) == VALIDATE_OK);
    memcpy (big + ZAPM_WIRE_MAX_BYTES - 1, "\"}", 2);
    CHECK (validate_sample (big, size, &s) == VALIDATE_TOO_LARGE);
    free (big);

    //  identity longer than the cap
    char name[400];
    memset (name, 'n', sizeof name);
    name[sizeof name - 1] = '\0';
    char json[512];
    snprintf (json, sizeof json, "{\"cpu\":1,\"mem\":1,\"agent\":\"%s\"}", name);
    CHECK (s_check (json, &s) == VALIDATE_IDENTITY_TOO_LONG);

    //  deep nesting is parsed without exhausting the stack, and rejected or accepted
    //  cleanly (it is an unknown field)
    char deep[5000];
    size_t n = (size_t) snprintf (deep, sizeof deep, "{\"cpu\":1,\"mem\":1,\"color\":\"r\",\"x\":");
    for (int i = 0; i < 2000; i++)
        deep[n++] = '[';
    for (int i = 0; i < 2000; i++)
        deep[n++] = ']';
    deep[n++] = '}';
    validate_reason_t reason = validate_sample (deep, n, &s);
    CHECK (reason == VALIDATE_NOT_JSON || reason == VALIDATE_OK);

    CHECK (strcmp (validate_reason_name (VALIDATE_WRONG_TYPE), "wrong_type") == 0);
    CHECK (strcmp (validate_reason_name (VALIDATE_REASONS), "unknown") == 0);
}

//  `counters` names which custom metrics are counters; the exported numbers
//  come out in base units, NAN where the sample had nothing.
static void
test_counters_and_metrics (void)
{
    sample_t s;
    const char *frame = "{\"agent\":\"a\",\"cpu\":12.5,\"mem\":2,\"custom\":{\"g\":1,\"c\":2,"
                        "\"d\":3},\"counters\":[\"c\",\"x\",\"d\"],\"proc\":{\"rss\":4096,"
                        "\"cpu_user\":1.5},\"sys\":{\"cpu_percent\":21.1,\"load\":[1,2],"
                        "\"percpu\":[50,25],\"swap\":{\"used\":7}}}";
    CHECK (s_check (frame, &s) == VALIDATE_OK);
    CHECK (s.custom_count == 3 && s.custom_counters == 6); //  c and d, not g
    const double *v = s.metrics.value;
    CHECK (v[METRIC_CORE_CPU] == 0.125 && v[METRIC_CORE_MEM] == 2097152);
    CHECK (v[METRIC_PROC_RSS] == 4096 && v[METRIC_PROC_CPU_USER] == 1.5);
    CHECK (isnan (v[METRIC_PROC_VMS]) && isnan (v[METRIC_PROC_CPU_SYSTEM]));
    CHECK (v[METRIC_SYS_CPU_PERCENT] == 21.1 / 100);
    CHECK (v[METRIC_SYS_LOAD1] == 1 && v[METRIC_SYS_LOAD5] == 2 && isnan (v[METRIC_SYS_LOAD15]));
    CHECK (v[METRIC_SYS_SWAP_USED] == 7 && isnan (v[METRIC_SYS_MEM_TOTAL]));
    CHECK (s.metrics.percpu_count == 2 && s.metrics.percpu[0] == 0.5 &&
           s.metrics.percpu[1] == 0.25);
    //  The book's fields alone: no counters, nothing but the core numbers.
    CHECK (s_check ("{\"color\":\"r\",\"cpu\":1,\"mem\":1}", &s) == VALIDATE_OK);
    CHECK (s.custom_counters == 0 && s.metrics.percpu_count == 0);
    CHECK (isnan (s.metrics.value[METRIC_PROC_RSS]) && s.metrics.value[METRIC_CORE_CPU] == 0.01);
    //  Every other type of `counters`, or of its entries, is refused.
    const char *bad[] = {"\"c\"",        "1",         "{\"c\":1}", "[1]",
                         "[\"c\",null]", "[[\"c\"]]", "true",      "null"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[256];
        snprintf (text, sizeof text,
                  "{\"agent\":\"a\",\"cpu\":1,\"mem\":1,\"custom\":{\"c\":1},\"counters\":%s}",
                  bad[i]);
        CHECKF (s_check (text, &s) == VALIDATE_WRONG_TYPE, "counters %s accepted", bad[i]);
    }
}

//  A frame large enough to spill past the parse arena, its identity last:
//  agent and host stay readable until the next parse (ASan checks it).
static void
test_spilled_identity (void)
{
    size_t cap = ZAPM_WIRE_MAX_BYTES, n = 0;
    char *frame = malloc (cap);
    CHECK (frame);
    n += (size_t) snprintf (frame, cap, "{\"cpu\":1,\"mem\":2,\"x\":[");
    for (int i = 0; n + 64 < cap; i++)
        n += (size_t) snprintf (frame + n, cap - n, "%s1", i ? "," : "");
    n += (size_t) snprintf (frame + n, cap - n, "],\"agent\":\"late\",\"host\":\"h\"}");
    CHECK (n < cap);
    sample_t s;
    CHECK (validate_sample (frame, n, &s) == VALIDATE_OK);
    CHECK (s.agent && strcmp (s.agent, "late") == 0 && s.host && strcmp (s.host, "h") == 0);
    CHECK (strcmp (s.identity, "late@h") == 0);
    free (frame);
    //  The next parse frees the spilled tree: no leak, nothing freed twice.
    CHECK (s_check ("{\"color\":\"r\",\"cpu\":1,\"mem\":1}", &s) == VALIDATE_OK);
}

//  issue 18: timestamps in 1970 and 9999 are never points of their own (past
//  2262 a time does not fit int64_t nanoseconds: unreadable).
static void
test_time_window (void)
{
    sample_t s;
    int64_t now = 1795428000000000000LL;
    CHECK (s_check ("{\"agent\":\"a\",\"timestamp\":\"1970-01-01T00:00:01Z\",\"cpu\":1,"
                    "\"mem\":1}",
                    &s) == VALIDATE_OK);
    CHECK (sample_time_check (&s, now) == SAMPLE_TIME_TOO_OLD);
    CHECK (strcmp (validate_reason_name (VALIDATE_TOO_OLD), "too_old") == 0 &&
           strcmp (validate_reason_name (VALIDATE_TOO_NEW), "too_new") == 0);
    CHECK (s_check ("{\"agent\":\"a\",\"timestamp\":\"9999-12-31T23:59:59Z\",\"cpu\":1,"
                    "\"mem\":1}",
                    &s) == VALIDATE_OK);
    CHECK (sample_time_check (&s, now) == SAMPLE_TIME_UNREADABLE &&
           sample_time_ns (&s, now) == now);
}

//  issue 18: a control character in a name is refused, never cut into another
//  series ("ab\u0000cd" was filed as "ab").
static void
test_control_characters (void)
{
    sample_t s;
    const validate_reason_t refused = VALIDATE_CONTROL_CHARACTER;
    CHECK (strcmp (validate_reason_name (refused), "control_character") == 0);
    //  NUL, escaped, in each identity part, a key, a custom name, an unknown field
    CHECK (s_check ("{\"agent\":\"ab\\u0000cd\",\"cpu\":1,\"mem\":1}", &s) == refused);
    CHECK (s_check ("{\"agent\":\"ab\",\"host\":\"\\u0000h\",\"cpu\":1,\"mem\":1}", &s) == refused);
    CHECK (s_check ("{\"color\":\"red\\u0000\",\"cpu\":1,\"mem\":1}", &s) == refused);
    CHECK (s_check ("{\"agent\":\"a\",\"cpu\\u0000x\":1,\"cpu\":1,\"mem\":1}", &s) == refused);
    CHECK (s_check ("{\"agent\":\"a\",\"cpu\":1,\"mem\":1,\"custom\":{\"q\\u0000\":1}}", &s) ==
           refused);
    CHECK (s_check ("{\"agent\":\"a\",\"cpu\":1,\"mem\":1,\"note\":\"x\\u0000\"}", &s) == refused);
    //  other control characters, escaped or raw UTF-8 (C1), in the names
    CHECK (s_check ("{\"agent\":\"a\\u0001\",\"cpu\":1,\"mem\":1}", &s) == refused);
    CHECK (s_check ("{\"agent\":\"a\",\"host\":\"h\\n\",\"cpu\":1,\"mem\":1}", &s) == refused);
    CHECK (s_check ("{\"agent\":\"a\",\"color\":\"r\\u007f\",\"cpu\":1,\"mem\":1}", &s) == refused);
    CHECK (s_check ("{\"agent\":\"a\xc2\x85\",\"cpu\":1,\"mem\":1}", &s) == refused);
    CHECK (s_check ("{\"agent\":\"a\",\"cpu\":1,\"mem\":1,\"custom\":{\"q\\t\":1}}", &s) ==
           refused);
    //  not control characters: an escaped backslash before u0000, U+00A0, a
    //  line break in a value the collector does not name anything by
    CHECK (s_check ("{\"agent\":\"a\\\\u0000\",\"cpu\":1,\"mem\":1}", &s) == VALIDATE_OK);
    CHECK (strcmp (s.identity, "a\\u0000") == 0);
    CHECK (s_check ("{\"agent\":\"a\xc2\xa0\",\"cpu\":1,\"mem\":1}", &s) == VALIDATE_OK);
    CHECK (s_check ("{\"agent\":\"a\",\"cpu\":1,\"mem\":1,\"note\":\"x\\ny\"}", &s) == VALIDATE_OK);
    //  the frame's end: a backslash-u too short to be \u0000 is no NUL
    CHECK (s_check ("{\"agent\":\"a\",\"cpu\":1,\"mem\":1,\"n\":\"\\u000\"}", &s) ==
           VALIDATE_NOT_JSON);
}

int
main (void)
{
    test_time_window ();
    test_control_characters ();
    test_book_sample ();
    test_zapm_sample ();
    test_rejections ();
    test_counters_and_metrics ();
    test_limits_and_encoding ();
    test_hostile ();
    test_spilled_identity ();
    return CHECK_DONE ();
}
