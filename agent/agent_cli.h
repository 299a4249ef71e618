/*  agent_cli.h: the command-line options zapm-agent and zapm-demo share.

    Both programs start one libzapm agent from the same four settings, with the
    same limits as the library itself (zapm.h), so the options are one table
    fragment, AGENT_CLI_OPTIONS, and one start-up function, written once here.
*/
#ifndef ZAPM_AGENT_CLI_H
#define ZAPM_AGENT_CLI_H

#include "cli.h"
#include "wire.h"
#include "zapm.h"

//  What the shared options set.
typedef struct {
    const char *endpoint;                   //  --connect: the default, or `list`
    char list[ZAPM_AGENT_ENDPOINT_MAX + 1]; // the --connect values, joined by commas
    const char *name;                       //  --name, NULL for the program's default
    const char *color;                      //  --color, NULL for the library's default
    double interval;                        //  --interval, seconds
} agent_cli_t;

//  The defaults: the collector on this host, one sample a second.
#define AGENT_CLI_DEFAULTS                                                                         \
    {                                                                                              \
        .endpoint = ZAPM_WIRE_CONNECT_DEFAULT, .interval = ZAPM_AGENT_INTERVAL_DEFAULT             \
    }

//  The rows of a cli_option_t table for an agent_cli_t *opts; `name_default`
//  is what --help says of --name's default.
#define AGENT_CLI_OPTIONS(opts, name_default)                                                      \
    {"connect",  0,                                                                                \
     CLI_TEXT,   &(opts)->endpoint,                                                                \
     1,          ZAPM_AGENT_ENDPOINT_MAX,                                                          \
     "ENDPOINT", "collector endpoint, any libzmq transport",                                       \
     NULL,       NULL},                                                                            \
        {"name",                                                                                   \
         0,                                                                                        \
         CLI_TEXT,                                                                                 \
         &(opts)->name,                                                                            \
         1,                                                                                        \
         ZAPM_AGENT_NAME_MAX,                                                                      \
         "NAME",                                                                                   \
         "service name in every sample",                                                           \
         (name_default),                                                                           \
         NULL},                                                                                    \
        {"color",                                                                                  \
         0,                                                                                        \
         CLI_TEXT,                                                                                 \
         &(opts)->color,                                                                           \
         1,                                                                                        \
         ZAPM_AGENT_COLOR_MAX,                                                                     \
         "COLOR",                                                                                  \
         "colour label",                                                                           \
         "picked from the name and pid",                                                           \
         NULL},                                                                                    \
    {                                                                                              \
        "interval", 0, CLI_DOUBLE, &(opts)->interval, ZAPM_AGENT_INTERVAL_MIN,                     \
            ZAPM_AGENT_INTERVAL_MAX, "SECONDS", "time between samples", NULL, NULL                 \
    }

//  CLI_CALL for --connect: adds one or more endpoints to the list.
bool agent_cli_take_connect (const char *prog, const cli_option_t *option, const char *value);

//  Starts an agent from opts under `name` (the program's choice when --name
//  was not given). Prints one line naming `prog` and returns NULL when the
//  library refuses.
zapm_agent_t *agent_cli_start (const char *prog, const agent_cli_t *opts, const char *name);

#endif
