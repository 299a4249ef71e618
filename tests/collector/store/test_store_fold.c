/*  test_store_fold.c: the one fold (store_fold.h) keeps the min, max, sum and
    count of points and of whole buckets alike, from an empty bucket whatever
    the sign of the first value; the rollup column layout gives each metric's
    four columns their own keys and reads them back. */
#include "check.h"
#include "store_fold.h"

#include <stdbool.h>

static bool
s_is (const store_fold_t *fold, double min, double max, double sum, double count)
{
    return fold->min == min && fold->max == max && fold->sum == sum && fold->count == count;
}

static void
test_points (void)
{
    store_fold_t fold, high;
    store_fold_empty (&fold, 1);
    store_fold_empty (&high, 1);
    CHECK (fold.count == 0 && fold.sum == 0);
    store_fold_point (&fold, -3.5); //  a first value of either sign is both min and max
    CHECK (s_is (&fold, -3.5, -3.5, -3.5, 1));
    store_fold_point (&fold, 2);
    store_fold_point (&fold, -1);
    CHECK (s_is (&fold, -3.5, 2, -2.5, 3));
    store_fold_point (&high, 7);
    CHECK (s_is (&high, 7, 7, 7, 1));
}

static void
test_buckets (void)
{
    //  Folding rollups is folding their points: two buckets of points, then
    //  the same points as one bucket.
    const double a[] = {4, 9, 1}, b[] = {3, 12};
    store_fold_t folds[4];
    store_fold_empty (folds, 4);
    store_fold_t left = folds[0], right = folds[1], all = folds[2], joined = folds[3];
    for (int i = 0; i < 3; i++) {
        store_fold_point (&left, a[i]);
        store_fold_point (&all, a[i]);
    }
    for (int i = 0; i < 2; i++) {
        store_fold_point (&right, b[i]);
        store_fold_point (&all, b[i]);
    }
    store_fold_add (&joined, left.min, left.max, left.sum, left.count);
    store_fold_add (&joined, right.min, right.max, right.sum, right.count);
    CHECK (s_is (&joined, 1, 12, 29, 5));
    CHECK (s_is (&all, joined.min, joined.max, joined.sum, joined.count));
}

static void
test_rollup_keys (void)
{
    CHECK (STORE_ROLLUP_KINDS == 4);
    bool seen[4 * 8] = {false};
    for (uint32_t metric = 0; metric < 8; metric++)
        for (int kind = 0; kind < STORE_ROLLUP_KINDS; kind++) {
            uint32_t key = store_rollup_key (metric, kind);
            CHECK (key < 4 * 8 && !seen[key]);
            seen[key] = true;
            CHECK (store_rollup_metric (key) == metric && store_rollup_kind (key) == kind);
        }
    //  The file's layout: metric id * 4 + kind (min, max, sum, count).
    CHECK (store_rollup_key (5, STORE_ROLLUP_MIN) == 20);
    CHECK (store_rollup_key (5, STORE_ROLLUP_COUNT) == 23);
    CHECK (store_rollup_key (1000000, STORE_ROLLUP_MAX) == 4000001);
}

int
main (void)
{
    test_points ();
    test_buckets ();
    test_rollup_keys ();
    return CHECK_DONE ();
}
