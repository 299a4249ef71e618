/*  log.c: the collector's log lines on stderr, with a UTC timestamp and a level. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static void
s_log (char level, const char *fmt, va_list args)
{
    time_t now = time (NULL);
    struct tm tm;
    char stamp[32];
    gmtime_r (&now, &tm);
    strftime (stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char line[1024];
    vsnprintf (line, sizeof line, fmt, args);
    fprintf (stderr, "%s zapm-collector %c: %s\n", stamp, level, line);
}

void
log_info (const char *fmt, ...)
{
    va_list args;
    va_start (args, fmt);
    s_log ('I', fmt, args);
    va_end (args);
}

void
log_warn (const char *fmt, ...)
{
    va_list args;
    va_start (args, fmt);
    s_log ('W', fmt, args);
    va_end (args);
}

void
log_error (const char *fmt, ...)
{
    va_list args;
    va_start (args, fmt);
    s_log ('E', fmt, args);
    va_end (args);
}

char *
log_escape (const char *text, size_t size, size_t max, char *out)
{
    char *at = out;
    for (size_t i = 0; i < size && i < max; i++) {
        unsigned char c = (unsigned char) text[i];
        if (c >= 0x20 && c < 0x7f && c != '\\')
            *at++ = (char) c;
        else
            at += sprintf (at, "\\x%02x", c);
    }
    *at = '\0';
    return out;
}
