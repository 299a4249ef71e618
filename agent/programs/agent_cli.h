/*  agent_cli.h: the command-line options zapm-agent and zapm-demo share.

    Both programs start one libzapm agent from the same settings, with the
    same limits as the library itself (zapm.h), so the options are one table
    fragment, AGENT_CLI_OPTIONS, and one start-up function, written once here.
    A setting not given on the command line is left to the library, which
    takes it from the environment (ZAPM_ENDPOINT, ZAPM_NAME, ZAPM_COLOR,
    ZAPM_INTERVAL, ZAPM_CURVE_SERVER, ZAPM_CURVE_CERT) or its default.
*/
#ifndef ZAPM_AGENT_CLI_H
#define ZAPM_AGENT_CLI_H

#include "cli.h"
#include "wire.h"
#include "zapm.h"

//  What the shared options set.
typedef struct {
    cli_list_t connect;       //  --connect, every use; "" for ZAPM_ENDPOINT or the default
    const char *name;         //  --name, NULL for ZAPM_NAME or the program's default
    const char *color;        //  --color, NULL for ZAPM_COLOR or the library's default
    double interval;          //  --interval, seconds; 0 for ZAPM_INTERVAL or 1 s
    const char *curve_server; //  --curve-server, NULL for ZAPM_CURVE_SERVER
    const char *curve_cert;   //  --curve-cert, NULL for ZAPM_CURVE_CERT
} agent_cli_t;

//  The defaults: all left to the library (the collector on this host, one
//  sample a second, plaintext), unless the environment says otherwise.
#define AGENT_CLI_DEFAULTS                                                                         \
    {                                                                                              \
        .name = NULL                                                                               \
    }

//  The rows of a cli_option_t table for an agent_cli_t *opts; `name_default`
//  is what --help says of --name's default.
#define AGENT_CLI_OPTIONS(opts, name_default)                                                      \
    {"connect",                                                                                    \
     0,                                                                                            \
     CLI_LIST,                                                                                     \
     &(opts)->connect,                                                                             \
     1,                                                                                            \
     ZAPM_AGENT_ENDPOINT_MAX,                                                                      \
     "ENDPOINT",                                                                                   \
     "collector endpoint (tcp://HOST:PORT, ipc://PATH); repeat it\n"                               \
     "or give A,B to publish every sample to each",                                                \
     "$ZAPM_ENDPOINT, else " ZAPM_WIRE_CONNECT_DEFAULT,                                            \
     agent_cli_check_endpoint},                                                                    \
        {"name",                                                                                   \
         0,                                                                                        \
         CLI_TEXT,                                                                                 \
         &(opts)->name,                                                                            \
         1,                                                                                        \
         ZAPM_AGENT_NAME_MAX,                                                                      \
         "NAME",                                                                                   \
         "service name in every sample; no control characters",                                    \
         (name_default),                                                                           \
         agent_cli_check_name},                                                                    \
        {"color",                                                                                  \
         0,                                                                                        \
         CLI_TEXT,                                                                                 \
         &(opts)->color,                                                                           \
         1,                                                                                        \
         ZAPM_AGENT_COLOR_MAX,                                                                     \
         "COLOR",                                                                                  \
         "colour label; no control characters",                                                    \
         "$ZAPM_COLOR, else picked from the name and pid",                                         \
         agent_cli_check_name},                                                                    \
        {"curve-server",                                                                           \
         0,                                                                                        \
         CLI_TEXT,                                                                                 \
         &(opts)->curve_server,                                                                    \
         1,                                                                                        \
         4096,                                                                                     \
         "KEY|FILE",                                                                               \
         "speak CURVE to the collector whose public key is in\n"                                   \
         "certificate FILE (a path that exists is always a file), or\n"                            \
         "is KEY (40 Z85 characters); needs --curve-cert",                                         \
         "$ZAPM_CURVE_SERVER, else plaintext",                                                     \
         NULL},                                                                                    \
        {"curve-cert",                                                                             \
         0,                                                                                        \
         CLI_TEXT,                                                                                 \
         &(opts)->curve_cert,                                                                      \
         1,                                                                                        \
         4096,                                                                                     \
         "FILE",                                                                                   \
         "this agent's certificate (from zapm-keygen FILE;\n"                                      \
         "FILE_secret must be beside it)",                                                         \
         "$ZAPM_CURVE_CERT",                                                                       \
         NULL},                                                                                    \
    {                                                                                              \
        "interval", 0, CLI_DOUBLE, &(opts)->interval, ZAPM_AGENT_INTERVAL_MIN,                     \
            ZAPM_AGENT_INTERVAL_MAX, "SECONDS", "time between samples", "$ZAPM_INTERVAL, else 1",  \
            NULL                                                                                   \
    }

//  The element check of --connect (a CLI_LIST): one endpoint, by endpoint.h's rule.
bool agent_cli_check_endpoint (const char *prog, const cli_option_t *option, const char *value);

//  Starts an agent from opts under `name` (the program's choice when neither
//  --name nor ZAPM_NAME was given). Prints one line naming `prog` and returns
//  NULL when the library refuses, with *exit_status 2 when a value given
//  (flag or variable) was refused, else 1.
zapm_agent_t *agent_cli_start (const char *prog, const agent_cli_t *opts, const char *name,
                               int *exit_status);

//  A --name or --color check: refuses a value with a control character (the
//  library and the collector would refuse it too; utf8.h).
bool agent_cli_check_name (const char *prog, const cli_option_t *option, const char *value);

#endif
