/*  store_layouts.c: paths to ids, an open-addressing hash table (see
    store_layouts.h). The hash reads the paths eight bytes at a time: it runs
    on the loop for every stored sample, over a few hundred bytes.
*/
#include "store_layouts.h"

#include <stdlib.h>
#include <string.h>

//  Hash slots: twice the ids, a power of two.
#define LAYOUTS_SLOTS (2 * STORE_LAYOUTS_MAX)

typedef struct {
    char *paths;   //  malloc'd copy
    uint32_t size; //  its bytes
} s_layout_t;

typedef struct {
    uint64_t hash; //  of the layout's paths
    uint32_t id;   //  0 when the slot is empty
} s_slot_t;

struct _store_layouts_t {
    s_layout_t layouts[STORE_LAYOUTS_MAX + 1]; //  by id, index 0 unused
    s_slot_t slots[LAYOUTS_SLOTS];             //  hash -> id
    uint32_t count;                            //  ids in use
    size_t bytes;                              //  paths held
    uint32_t last;                             //  the id found last, 0 if none
};

static uint64_t
s_hash (const char *data, size_t size)
{
    uint64_t hash = 0x9e3779b97f4a7c15ULL ^ size;
    size_t at = 0;
    for (; at + 8 <= size; at += 8) {
        uint64_t word;
        memcpy (&word, data + at, 8);
        hash = (hash ^ word) * 0xff51afd7ed558ccdULL;
        hash ^= hash >> 32;
    }
    uint64_t word = 0;
    memcpy (&word, data + at, size - at);
    hash = (hash ^ word) * 0xc4ceb9fe1a85ec53ULL;
    return hash ^ (hash >> 29);
}

store_layouts_t *
store_layouts_new (void)
{
    return calloc (1, sizeof (store_layouts_t));
}

void
store_layouts_destroy (store_layouts_t **self_p)
{
    if (!*self_p)
        return;
    store_layouts_t *self = *self_p;
    for (uint32_t id = 1; id <= self->count; id++)
        free (self->layouts[id].paths);
    free (self);
    *self_p = NULL;
}

uint32_t
store_layouts_find (store_layouts_t *self, const char *paths, size_t size, uint64_t *hash)
{
    //  Most samples have the layout of the one before (a fleet of alike
    //  hosts): a compare instead of a hash.
    const s_layout_t *last = &self->layouts[self->last];
    if (self->last && last->size == size && memcmp (last->paths, paths, size) == 0)
        return self->last;
    *hash = s_hash (paths, size);
    for (size_t at = *hash & (LAYOUTS_SLOTS - 1);; at = (at + 1) & (LAYOUTS_SLOTS - 1)) {
        const s_slot_t *slot = &self->slots[at];
        if (!slot->id)
            return 0;
        const s_layout_t *layout = &self->layouts[slot->id];
        if (slot->hash == *hash && layout->size == size && memcmp (layout->paths, paths, size) == 0)
            return self->last = slot->id;
    }
}

uint32_t
store_layouts_next (store_layouts_t *self, size_t size)
{
    if (self->count == STORE_LAYOUTS_MAX || size > STORE_LAYOUTS_BYTES - self->bytes)
        return 0;
    return self->count + 1;
}

uint32_t
store_layouts_add (store_layouts_t *self, const char *paths, size_t size, uint64_t hash)
{
    uint32_t id = store_layouts_next (self, size);
    char *copy = id ? malloc (size ? size : 1) : NULL;
    if (!copy)
        return 0;
    memcpy (copy, paths, size);
    self->layouts[id] = (s_layout_t){copy, (uint32_t) size};
    size_t at = hash & (LAYOUTS_SLOTS - 1);
    while (self->slots[at].id)
        at = (at + 1) & (LAYOUTS_SLOTS - 1);
    self->slots[at] = (s_slot_t){hash, id};
    self->count = id;
    self->bytes += size;
    return id;
}
