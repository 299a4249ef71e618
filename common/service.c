/*  service.c: the service of a series (see service.h). */
#include "service.h"
#include "wire.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

const char *
service_of (const char *identity, const char *agent, const char *host, bool has_pid, char *out,
            size_t size)
{
    assert (identity && out && size > 0);
    if (agent && agent[0] && host && host[0] && has_pid) {
        int length = snprintf (out, size, "%s" ZAPM_IDENTITY_HOST_SEP "%s", agent, host);
        if (length > 0 && (size_t) length < size && strncmp (identity, out, (size_t) length) == 0 &&
            strncmp (identity + length, ZAPM_IDENTITY_PID_SEP, strlen (ZAPM_IDENTITY_PID_SEP)) == 0)
            return out;
    }
    snprintf (out, size, "%s", identity);
    return out;
}
