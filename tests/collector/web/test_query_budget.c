/*  test_query_budget.c: the budget of /api/history answers (query_budget.h):
    the estimate counts the buckets points fall in (not the points), grows with
    metrics and arrays and cannot wrap; reservations refuse past the total,
    count and give back; the refusal counters land in web_stats. */
#include "check.h"
#include "query_budget.h"

#include <stdint.h>

static double
s_time (const void *points, size_t i)
{
    return ((const double *) points)[i];
}

static void
test_buckets (void)
{
    //  10 buckets of 1 s over [100, 110): two points in bucket 0, one in 5,
    //  one outside on each side.
    double times[] = {99.5, 100.0, 100.9, 105.2, 110.0};
    CHECK (query_budget_buckets (s_time, times, 5, 100, 110, 10) == 2);
    //  One bucket holds them all.
    CHECK (query_budget_buckets (s_time, times, 5, 100, 110, 1) == 1);
    //  An empty window or no buckets: nothing.
    CHECK (query_budget_buckets (s_time, times, 5, 110, 100, 10) == 0);
    CHECK (query_budget_buckets (s_time, times, 5, 100, 110, 0) == 0);
    CHECK (query_budget_buckets (s_time, times, 0, 100, 110, 10) == 0);
}

static void
test_estimate (void)
{
    //  One bucket, one metric: t, mean twice, min, max.
    size_t one = query_budget_estimate (1, 1, 1, 1, false);
    CHECK (one == 5 * QUERY_BUDGET_NUMBER_BYTES + QUERY_BUDGET_LINE_BYTES + 48);
    //  metrics_only drops the second mean.
    CHECK (query_budget_estimate (1, 1, 1, 1, true) == one - QUERY_BUDGET_NUMBER_BYTES);
    //  Linear in buckets.
    size_t many = query_budget_estimate (1000, 1, 1, 1, false);
    CHECK (many - query_budget_estimate (999, 1, 1, 1, false) == 5 * QUERY_BUDGET_NUMBER_BYTES);
    //  The attack: 3,000 series x 600 buckets x 23 metrics is ~1.2 GB.
    size_t attack = query_budget_estimate (3000ull * 600, 3000, 23, 10000, false);
    CHECKF (attack > (size_t) 1 << 30, "%zu", attack);
    //  Absurd products saturate instead of wrapping.
    size_t huge = query_budget_estimate (UINT64_MAX, UINT64_MAX, 64, 10000, false);
    CHECK (huge == SIZE_MAX / 2);
}

static void
test_reserve (void)
{
    web_stats_t stats = {0};
    query_budget_t *budget = query_budget_new (1000, 600, &stats);
    CHECK (budget);
    CHECK (query_budget_answer_max (budget) == 600);
    CHECK (query_budget_reserve (budget, 600));
    CHECK (stats.query_bytes == 600);
    CHECK (!query_budget_reserve (budget, 401)); //  past the total
    CHECK (stats.query_refused[WEB_REFUSED_BUDGET] == 1);
    CHECK (query_budget_reserve (budget, 400)); //  exactly the total
    CHECK (query_budget_in_use (budget) == 1000);
    //  An answer of 50 bytes replaces its 600 reserved.
    CHECK (query_budget_grow (budget, 600, 50));
    CHECK (query_budget_in_use (budget) == 450 && stats.query_bytes == 450);
    query_budget_release (budget, 400);
    query_budget_release (budget, 50);
    CHECK (query_budget_in_use (budget) == 0 && stats.query_bytes == 0);
    query_budget_refused (budget, WEB_REFUSED_REPEATED_METRIC, "test");
    query_budget_refused (budget, WEB_REFUSED_TOO_LARGE, "test"); //  held back from the log
    CHECK (stats.query_refused[WEB_REFUSED_REPEATED_METRIC] == 1);
    CHECK (stats.query_refused[WEB_REFUSED_TOO_LARGE] == 1);
    query_budget_destroy (&budget);
    CHECK (budget == NULL);
    query_budget_destroy (&budget);
    //  An answer cap above the total is the total.
    budget = query_budget_new (100, 1000, &stats);
    CHECK (query_budget_answer_max (budget) == 100);
    query_budget_destroy (&budget);
}

//  Issue 18 review: an answer that grows past what is left is refused, and
//  once answers in flight pass the total (one oversized answer alone) no
//  reservation is granted: the subtraction must not wrap.
static void
test_grow (void)
{
    web_stats_t stats = {0};
    query_budget_t *budget = query_budget_new (1000, 600, &stats);
    CHECK (query_budget_reserve (budget, 100));
    CHECK (query_budget_reserve (budget, 100));
    //  One answer grows to 600: 700 in flight, fine.
    CHECK (query_budget_grow (budget, 100, 600));
    //  The other would grow to 600 too: 1200 > 1000, refused, its 100 kept.
    CHECK (!query_budget_grow (budget, 100, 600));
    CHECK (query_budget_in_use (budget) == 700 && stats.query_refused[WEB_REFUSED_BUDGET] == 1);
    query_budget_release (budget, 100);
    query_budget_release (budget, 600);
    //  Alone, an answer larger than the whole budget still goes...
    CHECK (query_budget_reserve (budget, 64));
    CHECK (query_budget_grow (budget, 64, 1500));
    CHECK (query_budget_in_use (budget) == 1500);
    //  ...and while it is in flight nothing else is granted (no wrap).
    for (int i = 0; i < 5; i++)
        CHECK (!query_budget_reserve (budget, 600));
    CHECK (!query_budget_reserve (budget, 1));
    CHECK (query_budget_in_use (budget) == 1500);
    query_budget_release (budget, 1500);
    CHECK (query_budget_in_use (budget) == 0 && stats.query_bytes == 0);
    query_budget_destroy (&budget);
}

int
main (void)
{
    test_buckets ();
    test_estimate ();
    test_reserve ();
    test_grow ();
    return CHECK_DONE ();
}
