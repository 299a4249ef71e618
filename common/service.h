/*  service.h: the service of a series, the one rule.

    A service is what `group=service` joins into one line (docs/HTTP-API.md,
    "/api/history from the store"): `agent@host` for a series that has an
    agent, a host and a pid (identity `agent@host:pid`), so a service that
    restarts with a new pid stays one line; any other series is a service of
    its own, named by its identity. The store writes it into its series table,
    the collector's memory snapshot names its series by it, and the dashboard
    (web/src/series.js, serviceOf) draws its lines by it: the shared case table
    tests/service_cases.json holds the C and JavaScript sides to one answer.
*/
#ifndef ZAPM_SERVICE_H
#define ZAPM_SERVICE_H

#include <stdbool.h>
#include <stddef.h>

//  Writes the service of a series to `out` (`size` bytes; ZAPM_IDENTITY_MAX + 1
//  hold any, as a service is never longer than its identity) and returns
//  `out`: "`agent`@`host`" when `agent` and `host` are not NULL nor empty,
//  `has_pid`, and `identity` is theirs ("`agent`@`host`:pid"), else
//  `identity`. Truncates to `size` - 1 bytes.
const char *service_of (const char *identity, const char *agent, const char *host, bool has_pid,
                        char *out, size_t size);

#endif
