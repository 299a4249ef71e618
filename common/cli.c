/*  cli.c: strict parsing of command-line values, shared by every zapm binary. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
cli_usage_error (const char *prog, const char *fmt, ...)
{
    va_list args;
    va_start (args, fmt);
    fprintf (stderr, "%s: ", prog);
    vfprintf (stderr, fmt, args);
    fprintf (stderr, "\nTry '%s --help' for more information.\n", prog);
    va_end (args);
}

bool
cli_parse_long (const char *prog, const char *flag, const char *text, long min, long max,
                long *value)
{
    char *end = NULL;
    errno = 0;
    long v = text ? strtol (text, &end, 10) : 0;
    if (!text || *text == '\0' || *end != '\0' || errno == ERANGE) {
        cli_usage_error (prog, "%s needs a whole number, got '%s'", flag, text ? text : "");
        return false;
    }
    if (v < min || v > max) {
        cli_usage_error (prog, "%s must be between %ld and %ld, got %ld", flag, min, max, v);
        return false;
    }
    *value = v;
    return true;
}

bool
cli_parse_double (const char *prog, const char *flag, const char *text, double min, double max,
                  double *value)
{
    char *end = NULL;
    errno = 0;
    double v = text ? strtod (text, &end) : 0;
    if (!text || *text == '\0' || *end != '\0' || errno == ERANGE || !isfinite (v)) {
        cli_usage_error (prog, "%s needs a number, got '%s'", flag, text ? text : "");
        return false;
    }
    if (v < min || v > max) {
        cli_usage_error (prog, "%s must be between %g and %g, got %g", flag, min, max, v);
        return false;
    }
    *value = v;
    return true;
}

bool
cli_check_text (const char *prog, const char *flag, const char *value, size_t max,
                bool may_be_empty)
{
    size_t length = strlen (value);
    if ((length == 0 && !may_be_empty) || length > max) {
        cli_usage_error (prog, "%s needs %s to %zu bytes, got '%s'", flag, may_be_empty ? "0" : "1",
                         max, value);
        return false;
    }
    return true;
}

void
cli_getopt_error (const char *prog, int option, char **argv)
{
    if (option == ':')
        cli_usage_error (prog, "option '%s' needs a value", argv[optind - 1]);
    else
        cli_usage_error (prog, "unknown option '%s'", argv[optind - 1]);
}

static volatile sig_atomic_t s_stop_requested = 0;

static void
s_on_stop_signal (int signum)
{
    (void) signum;
    s_stop_requested = 1;
}

void
cli_catch_stop_signals (void)
{
    struct sigaction action = {.sa_handler = s_on_stop_signal};
    sigemptyset (&action.sa_mask);
    sigaction (SIGINT, &action, NULL);
    sigaction (SIGTERM, &action, NULL);
}

bool
cli_stop_requested (void)
{
    return s_stop_requested != 0;
}
