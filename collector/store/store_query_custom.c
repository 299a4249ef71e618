/*  store_query_custom.c: the custom metrics a query without `metric=` adds to
    the charted ones (issue 19: every metric in every window).

    The memory route answers each series' custom.* beside the charted
    metrics; a store-backed window (the dashboard's 1 h and longer) asked
    without a metric list must answer them too, under `custom` as memory
    does. Which ones: the names the matching series hold in memory (the
    live ones), then the newest names of the store's metric table, at most
    STORE_QUERY_CUSTOMS_MAX in all: each costs a fold per bucket per line.
    A line prints only those it holds (store_lines_t's `implied`).
*/
#include "store_lines.h"
#include "store_query.h"
#include "store_db.h"
#include "wire.h"

#include <stdlib.h>
#include <string.h>

static const char s_prefix[] = ZAPM_KEY_CUSTOM ZAPM_HISTORY_PATH_SEP;

//  Adds `name` to names[0..*count) unless it is there or the list is full.
static void
s_add (char **names, int *count, int max, const char *name)
{
    if (*count >= max)
        return;
    for (int i = 0; i < *count; i++)
        if (strcmp (names[i], name) == 0)
            return;
    char *copy = strdup (name);
    if (copy)
        names[(*count)++] = copy;
}

int
store_query_customs (sqlite3 *db, const store_memory_t *memory, char **names, int max)
{
    int count = 0;
    size_t size = memory ? store_memory_size (memory) : 0;
    for (size_t i = 0; i < size; i++) {
        const store_memory_series_t *series = store_memory_at (memory, i);
        for (int c = 0; c < series->columns; c++)
            if (strncmp (series->names[c], s_prefix, sizeof s_prefix - 1) == 0)
                s_add (names, &count, max, series->names[c]);
    }
    //  custom.* sort between "custom." and "custom/" ('/' follows '.').
    sqlite3_stmt *stmt = store_db_prepare (
        db, "SELECT name FROM metric WHERE name > ?1 AND name < ?2 ORDER BY id DESC LIMIT ?3");
    if (!stmt)
        return count;
    char below[sizeof s_prefix];
    memcpy (below, s_prefix, sizeof s_prefix);
    below[sizeof s_prefix - 2] = '/';
    sqlite3_bind_text (stmt, 1, s_prefix, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 2, below, -1, SQLITE_STATIC);
    sqlite3_bind_int (stmt, 3, max);
    while (count < max && sqlite3_step (stmt) == SQLITE_ROW) {
        const char *name = (const char *) sqlite3_column_text (stmt, 0);
        if (name)
            s_add (names, &count, max, name);
    }
    sqlite3_finalize (stmt);
    return count;
}
