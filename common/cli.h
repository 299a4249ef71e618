/*  cli.h: strict parsing of command-line values, shared by every zapm binary.

    strtol and strtod accept "12abc" and silently saturate; a monitoring daemon
    should instead say exactly which flag was wrong and why. Each parser prints a
    one-line error naming the program and flag to stderr and returns false.
*/
#ifndef ZAPM_CLI_H
#define ZAPM_CLI_H

#include <stdbool.h>
#include <stddef.h>

//  Exit status for usage errors (a bad flag or value), as in BSD sysexits' EX_USAGE
//  spirit and the GNU convention of 2 for command-line trouble.
#define CLI_EXIT_USAGE 2

//  Parses a decimal integer in [min, max] from `text` for flag `flag`.
bool cli_parse_long (const char *prog, const char *flag, const char *text, long min, long max,
                     long *value);

//  Parses a finite decimal number in [min, max] from `text` for flag `flag`.
bool cli_parse_double (const char *prog, const char *flag, const char *text, double min, double max,
                       double *value);

//  Checks that a text value for `flag` has 1 to `max` bytes (0 to `max` when
//  `may_be_empty`); otherwise prints why and returns false.
bool cli_check_text (const char *prog, const char *flag, const char *value, size_t max,
                     bool may_be_empty);

//  Prints "PROG: MESSAGE\nTry 'PROG --help' for more information." to stderr.
void cli_usage_error (const char *prog, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

//  Reports getopt_long's complaint about argv[optind - 1]: `option` is what
//  getopt_long returned (':' for a missing value, '?' for an unknown option).
//  Call with opterr = 0 and an optstring that starts with ':'.
void cli_getopt_error (const char *prog, int option, char **argv);

//  Makes SIGINT and SIGTERM set a flag that cli_stop_requested reads, so a
//  program can finish its loop and clean up instead of dying mid-way.
void cli_catch_stop_signals (void);

//  True once SIGINT or SIGTERM has arrived after cli_catch_stop_signals.
bool cli_stop_requested (void);

#endif
