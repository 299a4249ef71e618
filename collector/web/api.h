/*  api.h: the JSON endpoints /api/agents, /api/history and /healthz.

    Built on request; these run at human rates, not per sample. /api/history
    can also be written a series at a time (api_history_cursor), for an answer
    streamed as the client reads. Formats are documented in docs/HTTP-API.md.
*/
#ifndef ZAPM_API_H
#define ZAPM_API_H

#include "series.h"
#include "textbuf.h"

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

//  The same document a piece at a time, for an answer streamed as the client
//  reads it (history.c): the head, then one series per call, then the tail.
//  The loop's work per piece is one series', and nothing holds the whole.
//  Loop thread only; the strings given must outlive the cursor.
typedef struct {
    series_map_t *series; //  what it reads
    const char *glob;     //  identities listed, NULL for all
    const char *partial;  //  ZAPM_HISTORY_PARTIAL_* or NULL
    double now;           //  the answer's `now`, Unix seconds
    double since;         //  points from here on
    uint32_t next;        //  the next series index to look at
    uint32_t listed;      //  series written so far
    bool begun;           //  the head is written
    bool done;            //  the tail is written
} api_history_cursor_t;

//  A cursor at the start of the document api_history would return.
api_history_cursor_t api_history_cursor (series_map_t *series, const char *glob, double seconds,
                                         int64_t now_wall_ns, const char *partial);

//  Appends the next piece to `out`; false (nothing appended) once the
//  document is complete.
bool api_history_next (api_history_cursor_t *self, textbuf_t *out);

//  Returns the /healthz document; caller frees.
char *api_health (const char *boot, double uptime_seconds);

#endif
