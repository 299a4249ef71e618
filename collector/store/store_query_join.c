/*  store_query_join.c: joins the points the loop kept in memory into a
    query's lines (see store_lines.h).

    The join happens here, on the query thread: the points the loop copied
    (store_memory.h) that are newer than their own series' sealed time (not
    the line's `until`: a service's members seal at staggered times) fold
    into the same buckets as the stored ones, and a series the store holds
    nothing of gets a line of its own. The loop only sends the bytes. The
    plan (which line each memory series joins) is made once; the folding is
    done line by line as the answer is printed, so only one line's buckets
    exist at a time.
*/
#include "store_lines.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

//  A memory point within this of its series' sealed time is the stored one
//  (the sample's time went through a double on one side only).
#define JOIN_UNTIL_SLACK_NS 500000

//  The line whose group is `group` in line[0..count), sorted by group; NULL if none.
static store_line_t *
s_line_of (store_line_t *line, size_t count, const char *group)
{
    size_t lo = 0, hi = count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp (line[mid].first->group, group);
        if (c == 0)
            return &line[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

//  Where the store's points of `memory`'s series end: the sealed last_ns of
//  the line's member with its key, 0 if the store holds none of it. Seals are
//  staggered by series, so each member is joined after its own seal, not the
//  line's newest: else a member sealed earlier loses the points in between.
static int64_t
s_member_until (const store_line_t *line, const store_memory_series_t *memory)
{
    for (size_t i = 0; line->first && i < line->members; i++)
        if (line->first[i].last_ns && strcmp (line->first[i].who.key, memory->who.key) == 0)
            return line->first[i].last_ns;
    return 0;
}

//  Folds the points of `memory` newer than its member's sealed time into the
//  line's buckets.
void
store_lines_join_fold (const store_lines_t *lines, store_line_t *line,
                       const store_memory_series_t *memory)
{
    int column[STORE_LINES_METRICS_MAX];
    for (int m = 0; m < lines->metric_count; m++) {
        column[m] = -1;
        for (int c = 0; c < memory->columns; c++)
            if (strcmp (memory->names[c], lines->names[m]) == 0)
                column[m] = c;
    }
    int64_t until = s_member_until (line, memory);
    int64_t after = until ? until + JOIN_UNTIL_SLACK_NS : INT64_MIN;
    for (size_t i = 0; i < memory->count; i++) {
        int64_t t = memory->times[i];
        if (t <= after || t < lines->from || t >= lines->to)
            continue;
        int64_t bucket = (t - lines->from) / lines->step;
        const float *row = memory->values + i * (size_t) memory->columns;
        bool any = false;
        for (int m = 0; m < lines->metric_count; m++) {
            if (column[m] < 0 || isnan (row[column[m]]))
                continue;
            store_fold_point (&line->folds[(size_t) m * (size_t) lines->points + (size_t) bucket],
                              store_memory_value (row[column[m]]));
            any = true;
        }
        if (any) {
            line->time_sum[bucket] += (double) (t - lines->from);
            line->time_count[bucket] += 1;
        }
    }
}

//  Gives the memory series whose group has no stored line new lines, one
//  per group, at line[*count...] (their buckets come later, line by line).
static void
s_new_lines (const store_memory_t *memory, store_line_t *line, size_t *count, store_member_t *extra,
             bool service)
{
    size_t stored = *count, extra_count = 0;
    size_t size = store_memory_size (memory);
    for (size_t i = 0; i < size; i++) {
        const store_memory_series_t *m = store_memory_at (memory, i);
        const char *group = service ? m->who.service : m->who.key;
        if (s_line_of (line, stored, group))
            continue;
        extra[extra_count++] = (store_member_t){.id = (int64_t) i, .who = m->who, .group = group};
    }
    if (extra_count)
        qsort (extra, extra_count, sizeof *extra, store_lines_by_group);
    for (size_t i = 0; i < extra_count; i++) {
        if (i == 0 || strcmp (extra[i].group, extra[i - 1].group) != 0)
            line[(*count)++].first = &extra[i];
        line[*count - 1].members++;
    }
}

void
store_lines_join_plan (const store_memory_t *memory, store_line_t *line, size_t *count,
                       store_member_t *extra, bool service, size_t *target)
{
    size_t stored = *count;
    s_new_lines (memory, line, count, extra, service);
    size_t size = store_memory_size (memory);
    for (size_t i = 0; i < size; i++) {
        const store_memory_series_t *m = store_memory_at (memory, i);
        const char *group = service ? m->who.service : m->who.key;
        store_line_t *into = s_line_of (line, stored, group);
        if (!into)
            into = s_line_of (line + stored, *count - stored, group);
        target[i] = into ? (size_t) (into - line) : SIZE_MAX;
    }
}
