/*  store_layouts.h: the loop's table of sample layouts, so that the store's
    queue carries numbers, not names.

    A layout is the list of metric paths of a sample (store_numbers_t's
    `paths`), and most samples repeat their series' layout, which only a few
    agent builds and CPU counts tell apart. The loop (store_append) looks each
    sample's paths up here and queues only the layout's small id and the
    values; the first sample of a new layout also carries the paths, so the
    writer learns the id before it is used (the queue keeps order). A layout
    enters the table only once a sample carrying it was queued, so a sample
    dropped from a full queue cannot leave the writer without a definition.

    The table is bounded (STORE_LAYOUTS_MAX ids, STORE_LAYOUTS_BYTES of
    paths): past that, samples of unknown layouts carry their paths every time
    (id 0, a one-off), so an agent that invents new keys each second costs
    queue space, not memory. Used by one thread (the loop).
*/
#ifndef ZAPM_STORE_LAYOUTS_H
#define ZAPM_STORE_LAYOUTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

//  Largest layout id; 0 means "a one-off, defined by the sample itself".
#define STORE_LAYOUTS_MAX 4096

//  Bytes of paths the table may hold.
#define STORE_LAYOUTS_BYTES (16 * 1024 * 1024)

typedef struct _store_layouts_t store_layouts_t;

//  Creates an empty table; NULL if memory ran out.
store_layouts_t *store_layouts_new (void);

//  Frees the table; nullifies *self_p, harmless on NULL.
void store_layouts_destroy (store_layouts_t **self_p);

//  The id of the layout whose paths are the `size` bytes at `paths`, or 0 if
//  it is not in the table (then *hash is set, for store_layouts_add).
uint32_t store_layouts_find (store_layouts_t *self, const char *paths, size_t size, uint64_t *hash);

//  The id that store_layouts_add would give a layout of `size` bytes, or 0
//  when the table is full.
uint32_t store_layouts_next (store_layouts_t *self, size_t size);

//  Adds a layout (not in the table, `hash` from store_layouts_find) under the
//  id store_layouts_next gave. Returns that id, or 0 if it was not added.
uint32_t store_layouts_add (store_layouts_t *self, const char *paths, size_t size, uint64_t hash);

#endif
