/*  store_report.h: what the store tells the operator, on /metrics and in the log.

    The counters come from store_stats (thread-safe). The engine logs its own
    write errors (at most once a minute); this adds a line when the append
    queue overflowed (at most once a minute), an hourly summary and one at
    shutdown.
*/
#ifndef ZAPM_STORE_REPORT_H
#define ZAPM_STORE_REPORT_H

#include "store.h"
#include "textbuf.h"

#include <stdint.h>

typedef struct _store_report_t store_report_t;

//  Reports on `store`, which outlives the report.
store_report_t *store_report_new (store_t *store);

//  Logs the shutdown summary; nullifies *self_p.
void store_report_destroy (store_report_t **self_p);

//  Writes the log lines that are due. Call it about once a second while
//  samples are appended to the store, and else when it says: returns when it
//  must run next if no sample is appended meanwhile (in a second while samples
//  are queued, as the writer may yet drop them; when a drop line waits for its
//  minute; else at the hourly summary).
int64_t store_report_tick (store_report_t *self, int64_t mono_ns);

//  Appends the zapm_store_* metrics in the Prometheus text format.
void store_report_metrics (store_t *store, textbuf_t *out);

#endif
