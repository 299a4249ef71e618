/*  store_recall.h: the newest stored points of every recent series, read
    back once at start so the collector's memory holds after a restart (or a
    kill -9) what it held before it (issue 19: one history behind every
    window).

    The memory windows (/api/history?seconds=N up to a day, the dashboard's
    1, 5 and 15 minutes) answer from each series' ring of --history points;
    without this a restarted collector starts them empty though the store
    holds those minutes. store_recall reads, in one read transaction on a
    connection of its own, the last `points` raw points of each series seen
    since `since_ns`: from sealed chunks and from the head rows a crash left
    (store_head.h), which the writer only replays into open chunks, so they
    are served at the first HTTP answer instead of a seal later. Points come
    in time order per series, each time once (a head point the chunks hold
    too is given once).
*/
#ifndef ZAPM_STORE_RECALL_H
#define ZAPM_STORE_RECALL_H

#include "store_memory.h"
#include "wire.h"

#include <stdbool.h>
#include <stdint.h>

//  One recalled point of a series.
typedef struct {
    const store_who_t *who;             //  the series, as its table row says
    int64_t time_ns;                    //  the sample's time
    double charted[ZAPM_CHARTED_COUNT]; //  ZAPM_CHARTED_PATHS' values, NAN when absent
    int customs;                        //  custom metrics present at this point
    const char *custom_name[ZAPM_HISTORY_CUSTOM_MAX]; //  their names, without "custom."
    double custom_value[ZAPM_HISTORY_CUSTOM_MAX];     //  their values
} store_recall_point_t;

typedef void (store_recall_fn) (void *arg, const store_recall_point_t *point);

//  Calls `fn` for the last `points` points of each of at most `max_series`
//  series (the most recently seen) with points since `since_ns`, the series
//  whose newest point is oldest first, each series' points in time order.
//  `path` is the store's file: call once, after store_new opened it and
//  before history is served. Returns the points given, or -1 (with a log
//  line) if the file could not be read.
int64_t store_recall (const char *path, int64_t since_ns, uint32_t points, uint32_t max_series,
                      store_recall_fn *fn, void *arg);

#endif
