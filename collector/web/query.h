/*  query.h: the query parameters of the collector's routes, parsed in one place.

    Every value here comes from whoever reaches the HTTP port, so each parser is
    strict, bounded and total (never crashes, whatever the bytes), and has a
    libFuzzer target. /feed and /api/history share them: `agent=<glob>`,
    `seconds=` / `history=` (a number of seconds). `lastEventId` is parsed by
    sse_parse_id (sse.h), next to the ids it reads.
*/
#ifndef ZAPM_QUERY_H
#define ZAPM_QUERY_H

#include <stdbool.h>

//  Longest time window a query may ask for, in seconds (a day).
#define QUERY_SECONDS_MAX 86400.0

//  Parses a number of seconds from 0 to `max` ("600", "1.5"). Returns false for
//  anything else: empty, not a number, negative, NaN, above max.
bool query_seconds (const char *text, double max, double *seconds);

//  The glob to filter series with, from an `agent=` value: NULL (everything)
//  for a missing or empty value or a lone "*", else the value itself.
const char *query_glob (const char *value);

//  True when series identity `id` matches shell glob `glob` (`*`, `?`,
//  `[...]`); a NULL glob matches everything.
bool query_glob_match (const char *glob, const char *id);

#endif
