/*  api.h: the JSON endpoints /api/agents, /api/history and /healthz.

    Built with cJSON on request; these run at human rates, not per sample.
    Formats are documented in docs/HTTP-API.md.
*/
#ifndef ZAPM_API_H
#define ZAPM_API_H

#include "series.h"

#include <stdbool.h>
#include <stdint.h>

//  How agents reach this collector, for the dashboard's "start an agent" hint.
typedef struct {
    const char *endpoint; //  the agents' socket as bound (--bind), NULL: not said
    bool curve;           //  agents must speak CURVE (--curve-cert)
} api_ingest_t;

//  Returns the /api/agents document as a new string (caller frees), or NULL.
//  `ingest` (NULL: left out) adds how agents reach the collector.
char *api_agents (series_map_t *series, int64_t now_wall_ns, const api_ingest_t *ingest);

//  Returns the /api/history document for series whose identity matches `glob`
//  (NULL for all), over the last `seconds`; caller frees; NULL if memory is short.
//  `partial` (NULL: left out) is the reason the store could not fill in the
//  window before memory (ZAPM_HISTORY_PARTIAL_*).
char *api_history (series_map_t *series, const char *glob, double seconds, int64_t now_wall_ns,
                   const char *partial);

//  Returns the /healthz document; caller frees.
char *api_health (const char *boot, double uptime_seconds);

#endif
