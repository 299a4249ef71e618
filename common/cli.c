/*  cli.c: the command lines of every zapm program, from one table each.

    cli_parse turns the table into getopt_long's option array (plus --help and
    --version), so argument order, "--flag=value", "--flag value" and short
    options all behave as users of GNU tools expect, then checks every value
    against the option's type and limits.
*/
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

//  Column where help texts start, and the widest option column before a help
//  text moves to the next line.
#define S_HELP_COLUMN_MAX 28
#define S_LINE_MAX        79

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
cli_parse_long (const char *prog, const char *what, const char *text, long min, long max,
                long *value)
{
    char *end = NULL;
    errno = 0;
    long v = text ? strtol (text, &end, 10) : 0;
    if (!text || *text == '\0' || *end != '\0' || errno == ERANGE) {
        cli_usage_error (prog, "%s needs a whole number, got '%s'", what, text ? text : "");
        return false;
    }
    if (v < min || v > max) {
        cli_usage_error (prog, "%s must be between %ld and %ld, got '%s'", what, min, max, text);
        return false;
    }
    *value = v;
    return true;
}

bool
cli_parse_double (const char *prog, const char *what, const char *text, double min, double max,
                  double *value)
{
    char *end = NULL;
    errno = 0;
    double v = text ? strtod (text, &end) : 0;
    if (!text || *text == '\0' || *end != '\0' || errno == ERANGE || !isfinite (v)) {
        cli_usage_error (prog, "%s needs a number, got '%s'", what, text ? text : "");
        return false;
    }
    if (v < min || v > max) {
        cli_usage_error (prog, "%s must be between %g and %g, got '%s'", what, min, max, text);
        return false;
    }
    *value = v;
    return true;
}

bool
cli_check_text (const char *prog, const char *what, const char *text, size_t min, size_t max)
{
    size_t length = strlen (text);
    if (length < min || length > max) {
        cli_usage_error (prog, "%s needs %zu to %zu bytes, got '%s'", what, min, max, text);
        return false;
    }
    return true;
}

bool
cli_list_add (const char *prog, const cli_option_t *option, cli_list_t *list, size_t max,
              const char *value)
{
    if (max > CLI_LIST_MAX)
        max = CLI_LIST_MAX;
    size_t used = strlen (list->text), length = strlen (value);
    for (const char *start = value;;) {
        const char *comma = strchr (start, ',');
        size_t size = comma ? (size_t) (comma - start) : strlen (start);
        if (size == 0) {
            cli_usage_error (prog,
                             "--%s has an empty element in '%s' (values are separated by "
                             "single commas, or given by repeating --%s)",
                             option->name, value, option->name);
            return false;
        }
        if (option->call) {
            char one[CLI_LIST_MAX + 1];
            snprintf (one, sizeof one, "%.*s", (int) size, start);
            if (!option->call (prog, option, one))
                return false;
        }
        if (!comma)
            break;
        start = comma + 1;
    }
    if (used + (used > 0) + length > max) {
        cli_usage_error (prog,
                         "--%s takes at most %zu bytes in all, given or repeated; '%s' is "
                         "one too many",
                         option->name, max, value);
        return false;
    }
    if (used)
        list->text[used++] = ',';
    memcpy (list->text + used, value, length + 1);
    return true;
}

//  "--name" for messages.
static void
s_flag_name (const cli_option_t *option, char *out, size_t size)
{
    snprintf (out, size, "--%s", option->name);
}

//  Checks and stores one option's value.
static bool
s_apply (const char *prog, const cli_option_t *option, const char *value)
{
    char flag[80];
    s_flag_name (option, flag, sizeof flag);
    switch (option->type) {
    case CLI_FLAG:
        *(bool *) option->target = true;
        return true;
    case CLI_TEXT:
        if (!cli_check_text (prog, flag, value, (size_t) option->min, (size_t) option->max))
            return false;
        if (option->call && !option->call (prog, option, value))
            return false;
        *(const char **) option->target = value;
        return true;
    case CLI_LONG:
        return cli_parse_long (prog, flag, value, (long) option->min, (long) option->max,
                               (long *) option->target);
    case CLI_DOUBLE:
        return cli_parse_double (prog, flag, value, option->min, option->max,
                                 (double *) option->target);
    case CLI_CALL:
        return option->call (prog, option, value);
    case CLI_LIST:
        return cli_list_add (prog, option, (cli_list_t *) option->target, (size_t) option->max,
                             value);
    }
    return false;
}

static size_t
s_count (const cli_option_t *options)
{
    size_t n = 0;
    while (options[n].name)
        n++;
    return n;
}

int
cli_parse (const cli_spec_t *spec, int argc, char **argv)
{
    size_t n = s_count (spec->options);
    struct option *long_options = calloc (n + 3, sizeof *long_options);
    char *short_options = malloc (3 * n + 8);
    if (!long_options || !short_options) {
        free (long_options);
        free (short_options);
        fprintf (stderr, "%s: out of memory\n", spec->prog);
        return EXIT_FAILURE;
    }
    //  ':' first: getopt reports a missing value as ':' and stays quiet.
    char *letters = short_options;
    *letters++ = ':';
    for (size_t i = 0; i < n; i++) {
        const cli_option_t *option = &spec->options[i];
        int has_arg = option->type == CLI_FLAG ? no_argument : required_argument;
        long_options[i] = (struct option){option->name, has_arg, NULL, 256 + (int) i};
        if (option->letter) {
            *letters++ = option->letter;
            if (has_arg == required_argument)
                *letters++ = ':';
        }
    }
    long_options[n] = (struct option){"help", no_argument, NULL, 'h'};
    long_options[n + 1] = (struct option){"version", no_argument, NULL, 'V'};
    memcpy (letters, "hV", 3);

    int status = CLI_RUN;
    opterr = 0;
    optind = 1;
    int code;
    while (status == CLI_RUN &&
           (code = getopt_long (argc, argv, short_options, long_options, NULL)) != -1) {
        const cli_option_t *option = NULL;
        if (code >= 256)
            option = &spec->options[code - 256];
        else
            for (size_t i = 0; i < n && !option; i++)
                if (spec->options[i].letter && spec->options[i].letter == code)
                    option = &spec->options[i];
        if (option)
            status = s_apply (spec->prog, option, optarg) ? CLI_RUN : CLI_EXIT_USAGE;
        else if (code == 'h') {
            cli_help (spec, stdout);
            status = 0;
        }
        else if (code == 'V') {
            printf ("%s %s\n", spec->prog, ZAPM_VERSION);
            status = 0;
        }
        else {
            const char *word = argv[optind - 1];
            if (code == ':')
                cli_usage_error (spec->prog, "option '%s' needs a value", word);
            else
                cli_usage_error (spec->prog, "unknown option '%s'", word);
            status = CLI_EXIT_USAGE;
        }
    }
    if (status == CLI_RUN && optind < argc) {
        cli_usage_error (spec->prog, "unexpected argument '%s'", argv[optind]);
        status = CLI_EXIT_USAGE;
    }
    free (long_options);
    free (short_options);
    return status;
}

//  The default as --help shows it, or "" for none.
static void
s_default (const cli_option_t *option, char *out, size_t size)
{
    *out = '\0';
    if (option->default_text) {
        snprintf (out, size, "%s", option->default_text);
        return;
    }
    switch (option->type) {
    case CLI_TEXT: {
        const char *text = *(const char **) option->target;
        if (text && *text)
            snprintf (out, size, "%s", text);
        break;
    }
    case CLI_LONG:
        snprintf (out, size, "%ld", *(long *) option->target);
        break;
    case CLI_DOUBLE:
        snprintf (out, size, "%g", *(double *) option->target);
        break;
    case CLI_LIST: {
        const char *text = ((const cli_list_t *) option->target)->text;
        size_t length = strnlen (text, size - 1);
        memcpy (out, text, length);
        out[length] = '\0';
        break;
    }
    case CLI_FLAG:
    case CLI_CALL:
        break;
    }
}

//  "  -b, --bind ENDPOINT" into out; returns its length.
static size_t
s_left (const cli_option_t *option, bool any_letter, char *out, size_t size)
{
    char letter[8] = "";
    if (option->letter)
        snprintf (letter, sizeof letter, "-%c, ", option->letter);
    else if (any_letter)
        snprintf (letter, sizeof letter, "    ");
    int length =
        snprintf (out, size, "  %s--%s%s%s", letter, option->name, option->value_name ? " " : "",
                  option->value_name ? option->value_name : "");
    return length < 0 ? 0 : (size_t) length;
}

void
cli_help (const cli_spec_t *spec, FILE *out)
{
    size_t n = s_count (spec->options);
    bool any_letter = false;
    for (size_t i = 0; i < n; i++)
        any_letter = any_letter || spec->options[i].letter;
    char left[128];
    size_t column = strlen (any_letter ? "  -V, --version" : "  --version") + 2;
    for (size_t i = 0; i < n; i++) {
        size_t length = s_left (&spec->options[i], any_letter, left, sizeof left) + 2;
        if (length > column && length <= S_HELP_COLUMN_MAX)
            column = length;
    }
    fprintf (out, "Usage: %s [OPTION]...\n%s\n", spec->prog, spec->summary);
    for (size_t i = 0; i < n; i++) {
        const cli_option_t *option = &spec->options[i];
        size_t length = s_left (option, any_letter, left, sizeof left);
        fputs (left, out);
        if (length + 2 > column) {
            fputc ('\n', out);
            length = 0;
        }
        //  The help text, line by line, each indented to the column; the range
        //  and the default go at the end of the last line.
        char tail[160] = "", shown[96];
        s_default (option, shown, sizeof shown);
        if (option->type == CLI_LONG || option->type == CLI_DOUBLE)
            snprintf (tail, sizeof tail, " (%.15g to %.15g%s%s)", option->min, option->max,
                      *shown ? ", default " : "", shown);
        else if (*shown)
            snprintf (tail, sizeof tail, " (default %s)", shown);
        const char *line = option->help;
        do {
            const char *end = strchr (line, '\n');
            size_t line_length = end ? (size_t) (end - line) : strlen (line);
            fprintf (out, "%*s%.*s", (int) (column - length), "", (int) line_length, line);
            if (!end && *tail) {
                //  The tail on this line when it fits, else on a line of its own.
                if (column + line_length + strlen (tail) > S_LINE_MAX)
                    fprintf (out, "\n%*s%s", (int) column, "", tail + 1);
                else
                    fputs (tail, out);
            }
            fputc ('\n', out);
            length = 0;
            line = end ? end + 1 : NULL;
        } while (line);
    }
    fprintf (out, "%-*s%s\n", (int) column, any_letter ? "  -h, --help" : "  --help",
             "show this help and exit");
    fprintf (out, "%-*s%s\n", (int) column, any_letter ? "  -V, --version" : "  --version",
             "show the version and exit");
    if (spec->epilogue)
        fprintf (out, "\n%s\n", spec->epilogue);
}
