/*  endpoint.c: check a ZeroMQ endpoint before libzmq sees it (endpoint.h). */
#include "endpoint.h"

#include <stdio.h>
#include <string.h>
#include <zmq.h>

//  Optional transports, when this libzmq was built with them.
static const struct {
    const char *prefix, *has;
} s_optional[] = {{"pgm://", "pgm"}, {"epgm://", "pgm"}, {"tipc://", "tipc"}, {"norm://", "norm"}};

bool
endpoint_check (const char *endpoint, char *why, size_t why_size)
{
    if (strchr (endpoint, ',')) {
        snprintf (why, why_size, "'%s' is a list: give one endpoint here", endpoint);
        return false;
    }
    if (strncmp (endpoint, "tcp://", 6) == 0) {
        const char *address = endpoint + 6;
        const char *colon = strrchr (address, ':');
        const char *port = colon ? colon + 1 : "";
        bool digits = *port != '\0' && strspn (port, "0123456789") == strlen (port);
        if (colon && colon > address && (digits || strcmp (port, "*") == 0))
            return true;
        snprintf (why, why_size, "'%s' has no port: a tcp endpoint is tcp://HOST:PORT", endpoint);
        return false;
    }
    if ((strncmp (endpoint, "ipc://", 6) == 0 || strncmp (endpoint, "inproc://", 9) == 0) &&
        strchr (endpoint, '/')[2] != '\0')
        return true;
    for (size_t i = 0; i < sizeof s_optional / sizeof s_optional[0]; i++)
        if (strncmp (endpoint, s_optional[i].prefix, strlen (s_optional[i].prefix)) == 0 &&
            zmq_has (s_optional[i].has))
            return true;
    snprintf (why, why_size, "'%s' is not a ZeroMQ endpoint: use " ENDPOINT_TRANSPORTS, endpoint);
    return false;
}

bool
endpoint_list_check (const char *list, const char *what, char *why, size_t why_size)
{
    char one[1025], inner[1200];
    for (const char *start = list;;) {
        const char *comma = strchr (start, ',');
        size_t length = comma ? (size_t) (comma - start) : strlen (start);
        if (length == 0) {
            snprintf (why, why_size,
                      "%s: '%s' has an empty element: give endpoints (" ENDPOINT_TRANSPORTS
                      ") separated by single commas",
                      what, list);
            return false;
        }
        snprintf (one, sizeof one, "%.*s", (int) length, start);
        if (length >= sizeof one || !endpoint_check (one, inner, sizeof inner)) {
            snprintf (why, why_size, "%s: %s", what,
                      length >= sizeof one ? "an endpoint is longer than 1024 bytes" : inner);
            return false;
        }
        if (!comma)
            return true;
        start = comma + 1;
    }
}
