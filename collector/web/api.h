/*  api.h: the JSON endpoints /api/agents, /api/history and /healthz.

    Built with cJSON on request; these run at human rates, not per sample.
    Formats are documented in docs/HTTP-API.md.
*/
#ifndef ZAPM_API_H
#define ZAPM_API_H

#include "series.h"

#include <stdint.h>

//  Returns the /api/agents document as a new string (caller frees), or NULL.
char *api_agents (series_map_t *series, int64_t now_wall_ns);

//  Returns the /api/history document for series whose identity matches `glob`
//  (NULL for all), over the last `seconds`; caller frees; NULL if memory is short.
char *api_history (series_map_t *series, const char *glob, double seconds, int64_t now_wall_ns);

//  Returns the /healthz document; caller frees.
char *api_health (const char *boot, double uptime_seconds);

#endif
