/*  cli.h: the command lines of every zapm program, from one table each.

    A program describes its options once, in a table of cli_option_t: name,
    value type, the variable it sets, its limits and its help text. cli_parse
    reads argv against that table and cli_help prints --help from it, so the
    limits a flag enforces, the defaults it shows and the text that explains it
    cannot drift apart, and every program answers a bad flag the same way: one
    line naming the program, the flag and the value, a hint to try --help, and
    exit status 2.

    strtol and strtod accept "12abc" and silently saturate; these parsers
    refuse both. Limits come from the same constants the library checks
    (wire.h, zapm.h), never from literals of the program's own.

    Signals are signals.h's.
*/
#ifndef ZAPM_CLI_H
#define ZAPM_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

//  Exit status for usage errors (a bad flag or value), the GNU convention.
#define CLI_EXIT_USAGE 2

//  cli_parse's answer when the program should go on and run.
#define CLI_RUN (-1)

//  What an option takes and what it sets.
typedef enum {
    CLI_FLAG,   //  no value; sets *(bool *) target to true
    CLI_TEXT,   //  a string of min..max bytes (and `call`'s check); sets *(const char **) target
    CLI_LONG,   //  a whole number in [min, max]; sets *(long *) target
    CLI_DOUBLE, //  a finite number in [min, max]; sets *(double *) target
    CLI_CALL,   //  a value handed to `call`, which checks and stores it
    CLI_LIST    //  comma-separated values, accumulated when the option is repeated;
                //  appends to a cli_list_t (see below)
} cli_type_t;

//  Bytes a CLI_LIST holds, its values joined by commas.
#define CLI_LIST_MAX 4096

//  What a CLI_LIST option sets: every value of every use, in order, joined by
//  commas ("--connect A --connect B,C" and "--connect A,B,C" give "A,B,C").
//  Empty ("") when the option was never given. An empty element ("A,,B", "")
//  is refused, and the whole must fit in `max` bytes (at most CLI_LIST_MAX).
//  With a `call`, each element is handed to it first to be checked (it stores
//  nothing).
typedef struct {
    char text[CLI_LIST_MAX + 1]; //  the values, joined by commas
} cli_list_t;

typedef struct cli_option_s cli_option_t;

//  For CLI_CALL: checks `value` and stores it through option->target. For
//  CLI_TEXT: checks the value. For CLI_LIST: checks one element. Returns false after printing why
//  (cli_usage_error).
typedef bool (cli_call_fn) (const char *prog, const cli_option_t *option, const char *value);

struct cli_option_s {
    const char *name;         //  long name, without "--"; NULL ends the table
    char letter;              //  short name, or 0
    cli_type_t type;          //  what it takes
    void *target;             //  the variable it sets (see cli_type_t)
    double min, max;          //  range of a number, or of a CLI_TEXT's length in bytes
    const char *value_name;   //  the value in --help, e.g. "N" or "SECONDS"
    const char *help;         //  one or more lines of help, '\n' between them
    const char *default_text; //  the default in --help; NULL: shown from target
    cli_call_fn *call;        //  for CLI_CALL; for CLI_TEXT and CLI_LIST, NULL or a check
};

//  A program's whole command line.
typedef struct {
    const char *prog;            //  program name, in messages
    const char *summary;         //  lines printed after "Usage: PROG [OPTION]..."
    const cli_option_t *options; // the table, ended by an entry with name NULL
    const char *epilogue;        //  lines printed after the options, or NULL
} cli_spec_t;

//  Parses argv against spec. --help and --version (and -h, -V) are built in.
//  The targets hold the defaults on entry; they are what --help shows. Returns
//  CLI_RUN to go on; 0 after printing help or version; CLI_EXIT_USAGE after
//  explaining a bad flag, a bad value or a stray argument on stderr.
int cli_parse (const cli_spec_t *spec, int argc, char **argv);

//  Prints the help text of spec to `out`, defaults as the targets hold them now.
void cli_help (const cli_spec_t *spec, FILE *out);

//  Prints "PROG: MESSAGE\nTry 'PROG --help' for more information." to stderr.
void cli_usage_error (const char *prog, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

//  The value parsers behind the table, for values that come from elsewhere
//  (an environment variable, a file): each prints one line naming `what` and
//  returns false when the value is not acceptable.
bool cli_parse_long (const char *prog, const char *what, const char *text, long min, long max,
                     long *value);
bool cli_parse_double (const char *prog, const char *what, const char *text, double min, double max,
                       double *value);
bool cli_check_text (const char *prog, const char *what, const char *text, size_t min, size_t max);

//  Appends the comma-separated `value` to `list` by CLI_LIST's rule, at most
//  `max` bytes in all; `check` (may be NULL) sees each element first. Returns
//  false after printing one line that names `option`'s flag and the value.
bool cli_list_add (const char *prog, const cli_option_t *option, cli_list_t *list, size_t max,
                   const char *value);

#endif
