/*  agent_cli.c: start the agent of zapm-agent or zapm-demo from their shared options. */
#include "agent_cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

bool
agent_cli_take_connect (const char *prog, const cli_option_t *option, const char *value)
{
    agent_cli_t *opts = option->target;
    size_t used = strlen (opts->list), length = strlen (value);
    if (length == 0 || used + (used > 0) + length > ZAPM_AGENT_ENDPOINT_MAX) {
        cli_usage_error (prog, "--connect needs 1 to %d bytes of endpoints in all, got '%s'",
                         ZAPM_AGENT_ENDPOINT_MAX, value);
        return false;
    }
    if (used)
        opts->list[used++] = ',';
    memcpy (opts->list + used, value, length + 1);
    opts->endpoint = opts->list;
    return true;
}

zapm_agent_t *
agent_cli_start (const char *prog, const agent_cli_t *opts, const char *name)
{
    zapm_agent_t *agent = zapm_agent_new (opts->endpoint, name);
    if (!agent) {
        fprintf (stderr, "%s: cannot start the agent for '%s': %s\n", prog, opts->endpoint,
                 strerror (errno));
        return NULL;
    }
    if ((opts->color && zapm_agent_set_color (agent, opts->color) < 0) ||
        zapm_agent_set_interval (agent, opts->interval) < 0) {
        fprintf (stderr, "%s: cannot configure the agent: %s\n", prog, strerror (errno));
        zapm_agent_destroy (&agent);
    }
    return agent;
}
