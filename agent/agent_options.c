/*  agent_options.c: an agent's start-up settings, from the caller or the environment. */
#include "agent_options.h"
#include "endpoint.h"
#include "utf8.h"
#include "wire.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void s_log (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

//  The library's one kind of output: a line on stderr starting "zapm: ".
static void
s_log (const char *fmt, ...)
{
    char line[1024];
    va_list args;
    va_start (args, fmt);
    vsnprintf (line, sizeof line, fmt, args);
    va_end (args);
    fprintf (stderr, "zapm: %s\n", line);
}

//  The explicit value if given, else the environment's (NULL when unset or
//  empty). *from names where it came from, for messages.
static const char *
s_pick (const char *explicit, const char *variable, const char *argument, const char **from)
{
    *from = argument;
    if (explicit)
        return explicit;
    const char *value = getenv (variable);
    *from = variable;
    return value && *value ? value : NULL;
}

//  Copies `text` into out[max + 1] if it is 1..max bytes with no control
//  character (utf8.h: the collector would refuse every sample); else logs
//  and fails.
static int
s_copy (char *out, size_t max, const char *text, const char *from)
{
    size_t length = strlen (text);
    if (length == 0 || length > max) {
        s_log ("%s must be 1 to %zu bytes, got %zu", from, max, length);
        errno = EINVAL;
        return -1;
    }
    const char *control = utf8_find_control (text);
    if (control) {
        s_log ("%s holds a control character (byte 0x%02x at offset %zu); the collector "
               "refuses such names",
               from, (unsigned) (unsigned char) *control, (size_t) (control - text));
        errno = EINVAL;
        return -1;
    }
    memcpy (out, text, length + 1);
    return 0;
}

//  The collector's key: Z85 text, else the public key of a certificate file.
static int
s_server_key (agent_options_t *self, const char *text, const char *from)
{
    char why[1024];
    if (cert_peer_key (text, from, self->server_key, why, sizeof why) == 0)
        return 0;
    int err = errno;
    s_log ("%s", why);
    errno = err;
    return -1;
}

//  The agent's own key pair, which must include the secret key.
static int
s_own_cert (agent_options_t *self, const char *path, const char *from)
{
    char why[1024];
    bool too_open;
    if (cert_load_own (path, from, &self->cert, &too_open, why, sizeof why) != 0) {
        int err = errno;
        s_log ("%s", why);
        errno = err;
        return -1;
    }
    if (too_open) //  the one rule's line; the library warns and goes on (zapm.h)
        s_log ("warning: %s", why);
    return 0;
}

int
agent_options_resolve (agent_options_t *self, const char *endpoint, const char *name,
                       const char *server_key, const char *cert_path, bool want_curve)
{
    memset (self, 0, sizeof *self);
    const char *from;
    const char *text = s_pick (endpoint, "ZAPM_ENDPOINT", "the endpoint", &from);
    if (s_copy (self->endpoint, ZAPM_AGENT_ENDPOINT_MAX, text ? text : ZAPM_WIRE_CONNECT_DEFAULT,
                from) < 0)
        return -1;
    char why[ZAPM_AGENT_ENDPOINT_MAX + 256];
    if (!endpoint_list_check (self->endpoint, from, why, sizeof why)) {
        s_log ("%s", why);
        errno = EINVAL;
        return -1;
    }
    text = s_pick (name, "ZAPM_NAME", "the name", &from);
    if (s_copy (self->name, ZAPM_AGENT_NAME_MAX, text ? text : program_invocation_short_name,
                from) < 0)
        return -1;
    text = s_pick (NULL, "ZAPM_COLOR", NULL, &from);
    if (text && s_copy (self->color, ZAPM_AGENT_COLOR_MAX, text, from) < 0)
        return -1;
    text = s_pick (NULL, "ZAPM_INTERVAL", NULL, &from);
    if (text) {
        char *end = NULL;
        errno = 0;
        double seconds = strtod (text, &end);
        if (*end || errno == ERANGE || !isfinite (seconds) || seconds < ZAPM_AGENT_INTERVAL_MIN ||
            seconds > ZAPM_AGENT_INTERVAL_MAX) {
            s_log ("ZAPM_INTERVAL must be a number of seconds from %g to %g",
                   ZAPM_AGENT_INTERVAL_MIN, ZAPM_AGENT_INTERVAL_MAX);
            errno = EINVAL;
            return -1;
        }
        self->interval = seconds;
    }
    const char *server_from, *cert_from;
    const char *server =
        s_pick (server_key, "ZAPM_CURVE_SERVER", "the collector key", &server_from);
    const char *cert = s_pick (cert_path, "ZAPM_CURVE_CERT", "the agent certificate", &cert_from);
    if (!server && !cert && !want_curve)
        return 0; //  plaintext, as configured
    if (!server || !cert) {
        s_log ("CURVE needs both the collector's public key (ZAPM_CURVE_SERVER) and the agent's "
               "certificate (ZAPM_CURVE_CERT); %s is missing",
               server ? "the certificate" : "the collector's key");
        errno = EINVAL;
        return -1;
    }
    if (s_server_key (self, server, server_from) < 0 || s_own_cert (self, cert, cert_from) < 0) {
        agent_options_forget_secret (self);
        return -1;
    }
    self->curve = true;
    return 0;
}

void
agent_options_forget_secret (agent_options_t *self)
{
    memset (self->cert.secret_key, 0, sizeof self->cert.secret_key);
}
