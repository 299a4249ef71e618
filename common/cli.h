/*  cli.h: strict parsing of command-line values, shared by every zapm binary.

    strtol and strtod accept "12abc" and silently saturate; a monitoring daemon
    should instead say exactly which flag was wrong and why. Each parser prints a
    one-line error naming the program and flag to stderr and returns false.
*/
#ifndef ZAPM_CLI_H
#define ZAPM_CLI_H

#include <stdbool.h>

//  Exit status for usage errors (a bad flag or value), as in BSD sysexits' EX_USAGE
//  spirit and the GNU convention of 2 for command-line trouble.
#define CLI_EXIT_USAGE 2

//  Parses a decimal integer in [min, max] from `text` for flag `flag`.
bool cli_parse_long (const char *prog, const char *flag, const char *text, long min, long max,
                     long *value);

//  Parses a finite decimal number in [min, max] from `text` for flag `flag`.
bool cli_parse_double (const char *prog, const char *flag, const char *text, double min, double max,
                       double *value);

//  Prints "PROG: MESSAGE\nTry 'PROG --help' for more information." to stderr.
void cli_usage_error (const char *prog, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

//  Makes SIGINT and SIGTERM set a flag that cli_stop_requested reads, so a
//  program can finish its loop and clean up instead of dying mid-way.
void cli_catch_stop_signals (void);

//  True once SIGINT or SIGTERM has arrived after cli_catch_stop_signals.
bool cli_stop_requested (void);

#endif
