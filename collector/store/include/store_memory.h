/*  store_memory.h: the newest in-memory points handed to a history query.

    The store answers from sealed chunks, up to each line's `until`; the
    points after it (up to seal_s old, 60 s by default) are still only in the
    collector's memory ring. So that the loop never parses or prints a large
    answer, the loop copies those points (every memory point of a matching
    series inside the window, a few hundred per series at most) into a
    store_memory_t before the query starts, and the query thread folds the
    ones after each line's `until` into the same buckets while it prints.

    A snapshot is a list of series, each with its own column names (the
    store's metric paths: cpu, mem, sys.cpu_percent, ..., custom.<name>) and
    its points, times in Unix ns and one float per column (NAN: absent).
*/
#ifndef ZAPM_STORE_MEMORY_H
#define ZAPM_STORE_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

//  Columns a series may have: the five charted ones and up to 16 customs.
#define STORE_MEMORY_COLUMNS_MAX 32

//  Who a series is, as the store's series table says (and a query prints).
typedef struct {
    char *key;     //  identity
    char *service; //  agent@host, or the identity
    char *agent;   //  NULL when absent
    char *host;    //  NULL when absent
    int64_t pid;   //  -1 when absent
    char *color;   //  NULL when absent
} store_who_t;

//  Frees the strings of *who (not who itself).
void store_who_free (store_who_t *who);

//  One series of a snapshot. Read-only for the query.
typedef struct {
    store_who_t who;                       //  its identity
    int columns;                           //  column count
    char *names[STORE_MEMORY_COLUMNS_MAX]; //  metric path of each column
    size_t count;                          //  points
    size_t capacity;                       //  points allocated
    int64_t *times;                        //  time of each point, Unix ns
    float *values;                         //  count x columns, row by row
    int64_t seam_ns;                       //  a raw query reads the store before this, ns
                                           //  (memory's oldest point; 0: not at all)
} store_memory_series_t;

typedef struct _store_memory_t store_memory_t;

//  An empty snapshot, or NULL when memory ran out.
store_memory_t *store_memory_new (void);

//  Frees the snapshot; nullifies *self_p; harmless on NULL.
void store_memory_destroy (store_memory_t **self_p);

//  Starts a series (the strings are copied; NULL ones stay NULL) with
//  `columns` columns named `names`. Points added next belong to it. Returns
//  false when memory ran out or there are more than STORE_MEMORY_COLUMNS_MAX.
bool store_memory_series (store_memory_t *self, const char *key, const char *service,
                          const char *agent, const char *host, int64_t pid, const char *color,
                          const char *const *names, int columns);

//  Adds a point to the series started last: its time and one value per
//  column. Returns false when memory ran out (or no series was started).
bool store_memory_point (store_memory_t *self, int64_t time_ns, const float *values);

//  Sets the seam of the series started last (store_memory_series_t.seam_ns).
void store_memory_seam (store_memory_t *self, int64_t seam_ns);

//  Series in the snapshot.
size_t store_memory_size (const store_memory_t *self);

//  The i-th series (0 <= i < store_memory_size).
const store_memory_series_t *store_memory_at (const store_memory_t *self, size_t i);

//  A memory value as a double: the shortest decimal (up to 9 significant
//  digits) that reads back as `value`, so the 12.3 an agent sent, kept as
//  a float, folds as 12.3 and not as 12.300000190734863.
double store_memory_value (float value);

#endif
