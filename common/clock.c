/*  clock.c: wall and monotonic time, and ISO 8601 format and parse.

    Parsing is a small hand-written scanner rather than strptime: strptime does
    not know fractional seconds or "+00:00" offsets, and it depends on the locale.
*/
#include "clock.h"

#include <stdio.h>
#include <time.h>

int64_t
clock_mono_ns (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

double
clock_seconds (clockid_t clock)
{
    struct timespec ts;
    clock_gettime (clock, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

int64_t
clock_wall_ns (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

size_t
clock_format_iso (int64_t wall_ns, char *buf, size_t size)
{
    if (size < 33)
        return 0;
    time_t secs = (time_t) (wall_ns / 1000000000);
    long micros = (long) ((wall_ns % 1000000000) / 1000);
    struct tm tm;
    gmtime_r (&secs, &tm);
    int n = snprintf (buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%06ld+00:00", tm.tm_year + 1900,
                      tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, micros);
    return n == 32 ? 32 : 0;
}

//  Reads exactly `digits` decimal digits at *p, advancing it.
static bool
s_digits (const char **p, const char *end, int digits, int *value)
{
    int v = 0;
    for (int i = 0; i < digits; i++) {
        if (*p >= end || **p < '0' || **p > '9')
            return false;
        v = v * 10 + (**p - '0');
        (*p)++;
    }
    *value = v;
    return true;
}

static bool
s_expect (const char **p, const char *end, char c)
{
    if (*p >= end || **p != c)
        return false;
    (*p)++;
    return true;
}

//  Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
static int64_t
s_days_from_civil (int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

bool
clock_parse_iso (const char *text, size_t len, int64_t *wall_ns)
{
    const char *p = text, *end = text + len;
    int year, mon, day, hour, min, sec;
    if (!s_digits (&p, end, 4, &year) || !s_expect (&p, end, '-') || !s_digits (&p, end, 2, &mon) ||
        !s_expect (&p, end, '-') || !s_digits (&p, end, 2, &day))
        return false;
    if (p >= end || (*p != 'T' && *p != 't' && *p != ' '))
        return false;
    p++;
    if (!s_digits (&p, end, 2, &hour) || !s_expect (&p, end, ':') || !s_digits (&p, end, 2, &min) ||
        !s_expect (&p, end, ':') || !s_digits (&p, end, 2, &sec))
        return false;
    if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60)
        return false;
    int64_t frac_ns = 0;
    if (p < end && *p == '.') {
        p++;
        int64_t scale = 100000000;
        int count = 0;
        while (p < end && *p >= '0' && *p <= '9') {
            frac_ns += (*p - '0') * scale;
            scale /= 10;
            p++;
            count++;
        }
        if (count == 0)
            return false;
    }
    int offset_min = 0;
    if (p < end) {
        if (*p == 'Z' || *p == 'z')
            p++;
        else if (*p == '+' || *p == '-') {
            int sign = *p == '-' ? -1 : 1;
            int oh, om;
            p++;
            if (!s_digits (&p, end, 2, &oh))
                return false;
            if (p < end && *p == ':')
                p++;
            if (!s_digits (&p, end, 2, &om) || oh > 23 || om > 59)
                return false;
            offset_min = sign * (oh * 60 + om);
        }
        else
            return false;
    }
    if (p != end)
        return false;
    int64_t secs = s_days_from_civil (year, mon, day) * 86400 + hour * 3600 + min * 60 + sec -
                   (int64_t) offset_min * 60;
    //  Nanoseconds in int64_t reach the years 1677 to 2262; refuse what does not fit.
    if (secs < CLOCK_ISO_MIN_SECONDS || secs > CLOCK_ISO_MAX_SECONDS)
        return false;
    *wall_ns = secs * 1000000000 + frac_ns;
    return true;
}
