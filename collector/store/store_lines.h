/*  store_lines.h: a history query's lines while it runs, shared by the
    files that do one step each of store_query_run (store_query.h).

    A query's window is cut into `points` buckets of equal width and its
    series are grouped into lines (per series or per service). Each line
    holds, per metric asked for, one fold (store_fold.h) per bucket, and per
    bucket the weighted sum of the times that fell in it. The steps:

      store_query.c         lists the series, groups them into lines, drives
      store_query_read.c    folds the chunks of the store into a line's buckets
      store_query_join.c    folds the points the loop kept in memory into them
      store_query_answer.c  prints the lines as the /api/history answer

    The structures live only on the query thread, for one query. Lines are
    filled and printed one at a time (store_query.c), so a query holds the
    buckets of one line, not of the answer: metrics x points x 48 bytes.
*/
#ifndef ZAPM_STORE_LINES_H
#define ZAPM_STORE_LINES_H

#include "store_fold.h"
#include "store_memory.h"
#include "store_types.h"
#include "textbuf.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

//  Most metrics one query reads.
#define STORE_LINES_METRICS_MAX STORE_QUERY_METRICS_MAX

//  A series a query reads: a member of a line.
typedef struct {
    int64_t id;        //  series id (for a series only in memory: its index there)
    store_who_t who;   //  its identity
    int64_t last_ns;   //  sealed up to here, 0 for a series only in memory
    const char *group; //  the key or the service (of who): its line's name
} store_member_t;

//  A line of the answer: one series, or the series of one service.
typedef struct {
    store_member_t *first; //  the first member; the others follow it in their array
    size_t members;        //  members in the line
    int64_t until_ns;      //  newest durable time in the line, 0 if none
    store_fold_t *folds;   //  metric_count x points, metric by metric
    double *time_sum;      //  per bucket: sum of (time - from) x weight, ns
    double *time_count;    //  per bucket: sum of weights
} store_line_t;

//  The query as its steps see it.
typedef struct {
    sqlite3 *db;                                 //  the query thread's connection
    int64_t from, to, step;                      //  window and bucket width, ns
    int points;                                  //  buckets per line
    bool metrics_only;                           //  no arrays under today's names
    int metric_count;                            //  metrics asked for
    char *names[STORE_LINES_METRICS_MAX];        //  their paths
    const char *legacy[STORE_LINES_METRICS_MAX]; //  their key in today's shape, or NULL
    int64_t ids[STORE_LINES_METRICS_MAX];        //  their metric ids, 0 when unknown
    bool implied[STORE_LINES_METRICS_MAX];       //  added without being asked for (custom.*
                                                 //  of a query without metric=): printed
                                                 //  only in the lines that hold it
    sqlite3_stmt *chunks;                        //  a series' chunks of a tier in a range
    int64_t *times;                              //  a chunk's times
    double *block;                               //  a chunk's decoded columns
    size_t block_cap;                            //  doubles allocated in `block`
    textbuf_t means;                             //  the current line's mean arrays
    size_t mean_at[STORE_LINES_METRICS_MAX + 1]; //  where each metric's starts in `means`
} store_lines_t;

//  Allocates a line's buckets, all empty. Returns false if memory ran out
//  (what was allocated is freed with the line).
bool store_lines_alloc (store_line_t *line, const store_lines_t *lines);

//  Frees a line's buckets (and forgets them: a second call does nothing).
void store_lines_free (store_line_t *line);

//  Orders members by group, then by id: members of one line are adjacent.
int store_lines_by_group (const void *a, const void *b);

//  Folds the chunks of series `series` in tier `tier` with points in
//  [lo, hi) into `line`. Returns false on a SQLite error or out of memory;
//  a chunk that does not decode is skipped.
bool store_lines_read (store_lines_t *lines, int tier, int64_t series, int64_t lo, int64_t hi,
                       store_line_t *line);

//  Plans the join of `memory` with line[0..*count), sorted by group, with
//  room for as many more lines as `memory` has series: a series whose line
//  the store has joins it, the others get new lines, one per group, whose
//  members are kept in `extra` (room for every memory series; its strings
//  point into `memory`). target[i] is the index of the line memory series i
//  joins. `service`: lines are services. No buckets are allocated.
void store_lines_join_plan (const store_memory_t *memory, store_line_t *line, size_t *count,
                            store_member_t *extra, bool service, size_t *target);

//  Folds the points of `memory` (a series of the line) newer than its
//  member's sealed time into the line's buckets.
void store_lines_join_fold (const store_lines_t *lines, store_line_t *line,
                            const store_memory_series_t *memory);

//  What store_lines_head_read keeps of a series: its head points in
//  (after, before), ns.
typedef struct {
    int64_t series; //  series id
    int64_t after;  //  its sealed time (its chunks hold what is before)
    int64_t before; //  memory's oldest point in the window (memory holds what is after)
} store_head_want_t;

//  A head point of a metric asked for.
typedef struct {
    int64_t series; //  series id
    int64_t t;      //  its time, ns
    int metric;     //  index in lines->names
    double value;
} store_head_point_t;

typedef struct {
    store_head_point_t *at; //  sorted by series, then time
    size_t count, cap;
} store_head_points_t;

//  Reads the head rows' points of the series in want[0..count) (sorted here)
//  inside their ranges and the window, of the metrics asked for, into *out
//  (store_query_head.c). False on a SQLite error or out of memory.
bool store_lines_head_read (const store_lines_t *lines, store_head_want_t *want, size_t count,
                            store_head_points_t *out);

//  Folds the head points of series `series` into the line's buckets.
void store_lines_head_fold (const store_lines_t *lines, store_line_t *line,
                            const store_head_points_t *points, int64_t series);

//  Prints the head of the /api/history answer into `out`: the window,
//  `tier` (the tier read first), the grouping, and the opening of `series`.
void store_lines_answer_begin (textbuf_t *out, const store_lines_t *lines, const char *tier,
                               bool service, int64_t now_ns);

//  Prints `line` if it has something in the window (*first: no line printed
//  yet; cleared once one is). Returns false if memory ran out.
bool store_lines_answer_line (textbuf_t *out, store_lines_t *lines, const store_line_t *line,
                              bool service, bool *first);

//  Closes the answer; false if `out` overflowed.
bool store_lines_answer_end (textbuf_t *out);

#endif
