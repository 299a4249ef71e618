/*  fuzz_validate.c: libFuzzer target for the collector's frame validator, the
    code every byte from the network passes through. Also frames each valid
    sample, as ingest does, to exercise minifying, and keeps it as the latest
    of a small series map whose /metrics page is rendered and checked line by
    line against the exposition format (escaping above all). */
#include "series.h"
#include "web.h"
#include "stream.h"
#include "sample.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static bool
s_name_char (char c, bool first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           (!first && c >= '0' && c <= '9');
}

//  One sample line: name{label="value",...} number, values escaped.
static bool
s_sample_line (const char *p, const char *end)
{
    if (p == end || !s_name_char (*p, true))
        return false;
    while (p < end && s_name_char (*p, false))
        p++;
    if (p < end && *p == '{') {
        p++;
        for (;;) {
            if (p == end || !s_name_char (*p, true))
                return false;
            while (p < end && s_name_char (*p, false))
                p++;
            if (end - p < 2 || p[0] != '=' || p[1] != '"')
                return false;
            for (p += 2; p < end && *p != '"'; p++)
                if (*p == '\\' && (++p == end || (*p != '\\' && *p != '"' && *p != 'n')))
                    return false;
            if (p == end)
                return false;
            p++;
            if (p < end && *p == ',') {
                p++;
                continue;
            }
            if (p < end && *p == '}') {
                p++;
                break;
            }
            return false;
        }
    }
    if (p == end || *p != ' ' || p + 1 == end)
        return false;
    char number[64];
    size_t length = (size_t) (end - p - 1);
    if (length >= sizeof number)
        return false;
    memcpy (number, p + 1, length);
    number[length] = '\0';
    char *stop = NULL;
    strtod (number, &stop);
    return *stop == '\0';
}

//  Keeps the sample as the latest of its series and checks the rendered page.
static void
s_check_metrics (const sample_t *sample, const char *data, size_t size)
{
    static series_map_t *map;
    static latest_t *latest;
    if (!map) {
        map = series_map_new (4, 2);
        latest = latest_new (4);
    }
    series_t *series;
    uint64_t lost = 0;
    if (series_map_observe (map, sample, data, size, 1, 1, sample_time_ns (sample, 1), &series,
                            &lost) == SERIES_FULL)
        return;
    latest_update (latest, series, sample);
    metrics_gauges_t gauges = {0};
    series_metrics_t agents = {.series = map, .latest = latest, .now_mono = 1, .ttl_ns = 1};
    char *text = metrics_render (NULL, &gauges, &agents);
    if (!text)
        abort ();
    for (const char *line = text; *line;) {
        const char *end = strchr (line, '\n');
        if (!end)
            abort (); //  every line ends with a line feed
        if (*line != '#' && !s_sample_line (line, end))
            abort ();
        line = end + 1;
    }
    free (text);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    sample_t sample;
    static store_numbers_t numbers; //  the store's numbers, from the same parse
    if (validate_sample_numbers ((const char *) data, size, &sample, &numbers) != VALIDATE_OK)
        return 0;
    //  They are whole: `count` NUL-terminated paths of bounded length fill paths_size.
    const char *path = numbers.paths, *paths_end = numbers.paths + numbers.paths_size;
    for (uint32_t i = 0; i < numbers.count; i++) {
        const char *nul = memchr (path, '\0', (size_t) (paths_end - path));
        if (!nul || nul == path || nul - path > STORE_NUMBERS_PATH_MAX ||
            !isfinite (numbers.value[i]))
            abort ();
        path = nul + 1;
    }
    if (path != paths_end || numbers.count < 2) //  cpu and mem at least
        abort ();
    char *frame = malloc (size + SSE_FRAME_OVERHEAD + 1);
    size_t n =
        sse_frame (frame, "fuzzfuzz", 1, NULL, (const char *) data, size, sample.has_line_break);
    //  A framed event is one id line, one data line, one blank line.
    //  ... and its data line holds no control character a browser's JSON.parse refuses.
    size_t newlines = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char) frame[i];
        newlines += c == '\n';
        if (c < 0x20 && c != '\n' && c != '\t')
            abort ();
    }
    if (newlines != 3)
        abort ();
    free (frame);
    s_check_metrics (&sample, (const char *) data, size);
    return 0;
}
