/*  log.h: the collector's log lines, one per event, on stderr.

    Format: "2026-11-23T10:00:00Z zapm-collector I: message". Levels are I (info),
    W (warning) and E (error). A daemon's log is read by people first: each line
    says what happened and, when something is wrong, what to do about it.
*/
#ifndef ZAPM_LOG_H
#define ZAPM_LOG_H

#include <stddef.h>

//  Logs one line at level I (normal events), W (something dropped or degraded)
//  or E (the collector cannot do its job). Lines longer than 1 KiB are cut.
void log_info (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
void log_warn (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
void log_error (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

//  Copies at most `max` bytes of `text` (`size` bytes long) into `out`, which has
//  room for 4 * max + 1 bytes, writing bytes outside printable ASCII and
//  backslashes as \xNN, so an agent's string cannot forge or garble log lines.
//  Returns `out`.
char *log_escape (const char *text, size_t size, size_t max, char *out);

#endif
