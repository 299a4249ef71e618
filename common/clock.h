/*  clock.h: wall and monotonic time, and the ISO 8601 timestamps of the wire format.

    Samples carry `timestamp` as ISO 8601 with a UTC offset, the way Python's
    datetime.now(timezone.utc).isoformat() prints it (the book's agents). Both
    sides use these helpers so that what one prints the other parses.
*/
#ifndef ZAPM_CLOCK_H
#define ZAPM_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

//  Nanoseconds from CLOCK_MONOTONIC.
int64_t clock_mono_ns (void);

//  Seconds from any clock (CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, ...), as a double.
double clock_seconds (clockid_t clock);

//  Nanoseconds since the Unix epoch from CLOCK_REALTIME.
int64_t clock_wall_ns (void);

//  Formats wall-clock nanoseconds as "2026-11-23T10:00:00.123456+00:00" into buf.
//  Returns the length written (32), or 0 if buf is smaller than 33 bytes.
size_t clock_format_iso (int64_t wall_ns, char *buf, size_t size);

//  The range of seconds clock_parse_iso accepts: the nanoseconds fit int64_t (1677-09-21 to
//  2262-04-11).
#define CLOCK_ISO_MIN_SECONDS (-9223372035LL)
#define CLOCK_ISO_MAX_SECONDS 9223372035LL

//  Parses an ISO 8601 date-time: YYYY-MM-DD[T ]HH:MM:SS[.frac](Z|±HH:MM|±HHMM)?
//  A missing offset means UTC. On success stores nanoseconds since the epoch in
//  *wall_ns and returns true; returns false on any malformed input and on dates
//  outside CLOCK_ISO_MIN_SECONDS..CLOCK_ISO_MAX_SECONDS.
bool clock_parse_iso (const char *text, size_t len, int64_t *wall_ns);

#endif
