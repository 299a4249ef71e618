/*  agent_cli.c: start the agent of zapm-agent or zapm-demo from their shared options. */
#include "agent_cli.h"
#include "endpoint.h"
#include "utf8.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool
agent_cli_check_endpoint (const char *prog, const cli_option_t *option, const char *value)
{
    char why[1400];
    if (endpoint_check (value, why, sizeof why))
        return true;
    cli_usage_error (prog, "--%s: %s", option->name, why);
    return false;
}

bool
agent_cli_check_name (const char *prog, const cli_option_t *option, const char *value)
{
    const char *control = utf8_find_control (value);
    if (!control)
        return true;
    cli_usage_error (prog,
                     "--%s: holds a control character (byte 0x%02x at offset %zu); the collector "
                     "refuses such names",
                     option->name, (unsigned) (unsigned char) *control, (size_t) (control - value));
    return false;
}

//  True when errno says the library refused a value it was given (a setting,
//  or a certificate file it cannot use), which is the caller's mistake.
static bool
s_refused (int err)
{
    return err == EINVAL || err == ENOENT || err == EACCES || err == EISDIR || err == ENOTDIR ||
           err == ELOOP || err == ENAMETOOLONG;
}

zapm_agent_t *
agent_cli_start (const char *prog, const agent_cli_t *opts, const char *name, int *exit_status)
{
    const char *env_name = getenv ("ZAPM_NAME");
    if (!opts->name && env_name && *env_name)
        name = NULL; //  the library takes ZAPM_NAME
    bool curve = opts->curve_server || opts->curve_cert;
    const char *endpoint = opts->connect.text[0] ? opts->connect.text : NULL;
    zapm_agent_t *agent =
        curve ? zapm_agent_new_curve (endpoint, name, opts->curve_server, opts->curve_cert)
              : zapm_agent_new (endpoint, name);
    if (!agent) {
        int err = errno;
        *exit_status = s_refused (err) ? CLI_EXIT_USAGE : 1;
        fprintf (stderr, "%s: cannot start the agent: %s%s\n", prog, strerror (err),
                 curve ? " (check --curve-server and --curve-cert)" : "");
        return NULL;
    }
    if ((opts->color && zapm_agent_set_color (agent, opts->color) < 0) ||
        (opts->interval > 0 && zapm_agent_set_interval (agent, opts->interval) < 0)) {
        *exit_status = 1;
        fprintf (stderr, "%s: cannot configure the agent: %s\n", prog, strerror (errno));
        zapm_agent_destroy (&agent);
    }
    return agent;
}
