/*  test_store_memory.c: the memory snapshot a history query joins keeps its
    series and points, and its floats come back as their shortest decimals
    (every float reads back as itself; 12.3f is 12.3). */
#include "check.h"
#include "store.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

static uint32_t s_seed = 7;

static uint32_t
s_random (void)
{
    s_seed = s_seed * 1664525u + 1013904223u;
    return s_seed;
}

int
main (void)
{
    //  Values an agent sends come back as the decimal it sent.
    const float sent[] = {12.3f, 0.1f, 99.99f, 4096.5f, 1e-7f, -3.75f, 1234567.0f, 0.0f};
    const double want[] = {12.3, 0.1, 99.99, 4096.5, 1e-7, -3.75, 1234567.0, 0.0};
    for (size_t i = 0; i < sizeof sent / sizeof sent[0]; i++)
        CHECKF (store_memory_value (sent[i]) == want[i], "%.17g for %.9g",
                store_memory_value (sent[i]), (double) sent[i]);
    CHECK (isnan (store_memory_value (NAN)));
    CHECK (isinf (store_memory_value (INFINITY)));
    //  Every finite float reads back as itself.
    for (int i = 0; i < 2000000; i++) {
        uint32_t bits = s_random ();
        float f;
        memcpy (&f, &bits, sizeof f);
        if (!isfinite (f))
            continue;
        CHECKF ((float) store_memory_value (f) == f, "%.9g -> %.17g", (double) f,
                store_memory_value (f));
    }

    store_memory_t *memory = store_memory_new ();
    CHECK (memory && store_memory_size (memory) == 0);
    CHECK (!store_memory_point (memory, 1, (float[]){1})); //  no series yet
    const char *names[] = {"cpu", "custom.depth"};
    CHECK (store_memory_series (memory, "a@h:1", "a@h", "a", "h", 1, "teal", names, 2));
    for (int i = 0; i < 100; i++)
        CHECK (store_memory_point (memory, i * 1000000000LL, (float[]){(float) i, NAN}));
    CHECK (store_memory_series (memory, "book", "book", NULL, NULL, -1, NULL, names, 1));
    CHECK (store_memory_size (memory) == 2);
    const store_memory_series_t *a = store_memory_at (memory, 0), *b = store_memory_at (memory, 1);
    CHECK (a->count == 100 && a->columns == 2 && strcmp (a->names[1], "custom.depth") == 0);
    CHECK (a->times[99] == 99000000000LL && a->values[99 * 2] == 99.0f && isnan (a->values[1]));
    CHECK (strcmp (a->who.service, "a@h") == 0 && a->who.pid == 1 &&
           strcmp (a->who.color, "teal") == 0);
    CHECK (b->count == 0 && !b->who.agent && !b->who.color && b->who.pid == -1);
    const char *many[STORE_MEMORY_COLUMNS_MAX + 1] = {0};
    for (int c = 0; c <= STORE_MEMORY_COLUMNS_MAX; c++)
        many[c] = "cpu";
    CHECK (!store_memory_series (memory, "x", "x", NULL, NULL, -1, NULL, many,
                                 STORE_MEMORY_COLUMNS_MAX + 1));
    CHECK (store_memory_size (memory) == 2);
    store_memory_destroy (&memory);
    CHECK (memory == NULL);
    store_memory_destroy (&memory);
    return CHECK_DONE ();
}
