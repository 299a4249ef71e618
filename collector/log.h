/*  log.h: the collector's log lines, one per event, on stderr.

    Format: "2026-11-23T10:00:00Z zapm-collector I: message". Levels are I (info),
    W (warning) and E (error). A daemon's log is read by people first: each line
    says what happened and, when something is wrong, what to do about it.
*/
#ifndef ZAPM_LOG_H
#define ZAPM_LOG_H

void log_info (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
void log_warn (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
void log_error (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

#endif
