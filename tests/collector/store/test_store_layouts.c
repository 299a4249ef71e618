/*  test_store_layouts.c: the loop's layout table gives each distinct list of
    paths one id, tells lists apart byte for byte (and by length), and when
    full gives 0 (a one-off) without forgetting what it holds. */
#include "check.h"
#include "store_layouts.h"

#include <stdio.h>
#include <string.h>

int
main (void)
{
    store_layouts_t *layouts = store_layouts_new ();
    CHECK (layouts);
    const char a[] = "cpu\0mem\0sys.load.0", b[] = "cpu\0mem\0sys.load.1";
    uint64_t hash;
    CHECK (store_layouts_find (layouts, a, sizeof a, &hash) == 0);
    CHECK (store_layouts_next (layouts, sizeof a) == 1);
    CHECK (store_layouts_add (layouts, a, sizeof a, hash) == 1);
    CHECK (store_layouts_find (layouts, a, sizeof a, &hash) == 1);
    CHECK (store_layouts_find (layouts, b, sizeof b, &hash) == 0);     //  differs in the last byte
    CHECK (store_layouts_find (layouts, a, sizeof a - 2, &hash) == 0); //  a prefix
    CHECK (store_layouts_find (layouts, b, sizeof b, &hash) == 0);
    CHECK (store_layouts_add (layouts, b, sizeof b, hash) == 2);
    CHECK (store_layouts_find (layouts, b, sizeof b, &hash) == 2);
    CHECK (store_layouts_find (layouts, a, sizeof a, &hash) == 1);

    //  Fill it: every id stays found, then the table says 0.
    char paths[64];
    for (uint32_t i = 3; i <= STORE_LAYOUTS_MAX; i++) {
        int size = snprintf (paths, sizeof paths, "cpu%c%u", '\0', i) + 1;
        CHECK (store_layouts_find (layouts, paths, (size_t) size, &hash) == 0);
        CHECK (store_layouts_add (layouts, paths, (size_t) size, hash) == i);
    }
    int size = snprintf (paths, sizeof paths, "cpu%cfull", '\0') + 1;
    CHECK (store_layouts_find (layouts, paths, (size_t) size, &hash) == 0);
    CHECK (store_layouts_next (layouts, (size_t) size) == 0);
    CHECK (store_layouts_add (layouts, paths, (size_t) size, hash) == 0);
    for (uint32_t i = 3; i <= STORE_LAYOUTS_MAX; i += 97) {
        int n = snprintf (paths, sizeof paths, "cpu%c%u", '\0', i) + 1;
        CHECK (store_layouts_find (layouts, paths, (size_t) n, &hash) == i);
    }
    CHECK (store_layouts_find (layouts, a, sizeof a, &hash) == 1);
    store_layouts_destroy (&layouts);
    CHECK (!layouts);
    store_layouts_destroy (&layouts);
    return CHECK_DONE ();
}
