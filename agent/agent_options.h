/*  agent_options.h: what an agent starts with, from its caller or else the environment.

    An unmodified service can be pointed at a secured collector the way
    OpenTelemetry SDKs read OTEL_*: each setting the caller leaves NULL is
    taken from its environment variable, and an explicit value always wins.

        ZAPM_ENDPOINT      collector endpoint              (default tcp://localhost:5555)
        ZAPM_NAME          service name                    (default: the program's name)
        ZAPM_COLOR         colour label                    (default: picked from name and pid)
        ZAPM_INTERVAL      seconds between samples         (default 1)
        ZAPM_CURVE_SERVER  collector's public key: 40 Z85 characters or a certificate file
        ZAPM_CURVE_CERT    the agent's own certificate (PATH, with PATH_secret beside it)

    An empty variable counts as unset. A bad value is an error, never
    ignored: the agent is not created (EINVAL, or the errno of the file that
    cannot be read) and one line starting "zapm: " says why on stderr. With a
    server key there must be an own certificate and the other way round, so a
    half-configured CURVE setup fails instead of falling back to plaintext.
    These lines are the only output of the library (zapm.h).
*/
#ifndef ZAPM_AGENT_OPTIONS_H
#define ZAPM_AGENT_OPTIONS_H

#include "cert.h"
#include "zapm.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    char endpoint[ZAPM_AGENT_ENDPOINT_MAX + 1]; //  where the PUB socket connects
    char name[ZAPM_AGENT_NAME_MAX + 1];         //  service name
    char color[ZAPM_AGENT_COLOR_MAX + 1];       //  colour label, "" for the default
    double interval;                            //  seconds, 0 for the default
    bool curve;                                 //  CURVE on: the keys below are set
    uint8_t server_key[CERT_KEY_BYTES];         //  the collector's public key
    cert_t cert;                                //  the agent's own key pair
} agent_options_t;

//  Fills *self from the arguments, and from the environment for each one
//  that is NULL. `want_curve` says the caller asked for CURVE in code
//  (zapm_agent_new_curve): then keys must end up set. Returns 0, or -1 with
//  errno after writing one "zapm: " line to stderr.
int agent_options_resolve (agent_options_t *self, const char *endpoint, const char *name,
                           const char *server_key, const char *cert_path, bool want_curve);

//  Forgets the secret key (once the socket holds it).
void agent_options_forget_secret (agent_options_t *self);

#endif
