/*  store_fold.h: the one way the store folds points into a bucket, and how a
    rollup chunk stores a folded bucket.

    A bucket keeps the min, max, sum and count of what fell in it, so that a
    one-second spike survives as the max of a day-wide bucket and the mean is
    the sum over the count. A raw point folds in as a bucket of one; a rollup
    row (already a fold) folds in whole. The rollups (store_rollup.c), the
    query's reading of chunks and its join with memory (store_query_read.c)
    all fold with store_fold_add, so they cannot disagree on what a bucket
    means. Inline: it runs once per point a query or a rollup reads.

    A rollup chunk (tiers 1 and 2) stores each metric's fold as four columns
    whose keys are store_rollup_key (metric id, kind): this header is that
    layout's only home.
*/
#ifndef ZAPM_STORE_FOLD_H
#define ZAPM_STORE_FOLD_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

//  A bucket. An empty one (store_fold_empty) has count 0 and min and max
//  at +inf and -inf, so that folding in needs no test of emptiness: two
//  compares and two adds, once per point a query or a rollup reads.
typedef struct {
    double min;   //  smallest value folded in (+inf when empty)
    double max;   //  largest value folded in (-inf when empty)
    double sum;   //  sum of the values
    double count; //  how many values (a double: rollups add counts)
} store_fold_t;

//  Makes `count` buckets at `folds` empty.
static inline void
store_fold_empty (store_fold_t *folds, size_t count)
{
    for (size_t i = 0; i < count; i++)
        folds[i] = (store_fold_t){INFINITY, -INFINITY, 0, 0};
}

//  Folds a bucket of `count` values with these min, max and sum into `self`.
//  The caller leaves out NaN.
static inline void
store_fold_add (store_fold_t *self, double min, double max, double sum, double count)
{
    if (min < self->min)
        self->min = min;
    if (max > self->max)
        self->max = max;
    self->sum += sum;
    self->count += count;
}

//  Folds one value into `self`.
static inline void
store_fold_point (store_fold_t *self, double value)
{
    store_fold_add (self, value, value, value, 1);
}

//  The columns of one metric in a rollup chunk, by kind.
enum {
    STORE_ROLLUP_MIN,
    STORE_ROLLUP_MAX,
    STORE_ROLLUP_SUM,
    STORE_ROLLUP_COUNT,
    STORE_ROLLUP_KINDS //  columns per metric, keep last
};

//  The column key of `kind` of metric `metric` in a rollup chunk.
static inline uint32_t
store_rollup_key (uint32_t metric, int kind)
{
    return metric * STORE_ROLLUP_KINDS + (uint32_t) kind;
}

//  The metric id of a rollup column key.
static inline uint32_t
store_rollup_metric (uint32_t key)
{
    return key / STORE_ROLLUP_KINDS;
}

//  The kind (STORE_ROLLUP_*) of a rollup column key.
static inline int
store_rollup_kind (uint32_t key)
{
    return (int) (key % STORE_ROLLUP_KINDS);
}

#endif
