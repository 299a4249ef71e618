/*  test_store_head.c: a head row reads back as written: samples with their
    series, times and points, values in decimal form (the chunk column's) and
    as doubles; a row cut short or damaged ends where the damage starts. */
#include "check.h"
#include "store_head.h"

#include <math.h>
#include <stdlib.h>

int
main (void)
{
    chunk_bits_t head = {0};
    //  Sample 1: series 3 at a negative time, two points: 12.34 in decimal
    //  form (scale 2, m 1234) and pi as a double.
    CHECK (store_head_sample (&head, 3, -5, 2, 2));
    chunk_column_t decimal = {.scale = 2, .prev = 1234};
    store_head_point (&head, 7, 12.34, &decimal);
    store_head_point (&head, 300, M_PI, NULL);
    //  Sample 2: a large series id and time, a column whose value is not a decimal.
    CHECK (store_head_sample (&head, 1 << 20, 1700000000123456789LL, 1, 1));
    chunk_column_t none = {.scale = CHUNK_SCALE_NONE};
    store_head_point (&head, 1, -0.1, &none);

    store_head_reader_t reader = {head.data, head.size, 0};
    uint64_t series, count, metric;
    int64_t time_ns;
    double value;
    CHECK (store_head_next_sample (&reader, &series, &time_ns, &count));
    CHECK (series == 3 && time_ns == -5 && count == 2);
    CHECK (store_head_next_point (&reader, &metric, &value) && metric == 7 && value == 12.34);
    CHECK (store_head_next_point (&reader, &metric, &value) && metric == 300 && value == M_PI);
    CHECK (store_head_next_sample (&reader, &series, &time_ns, &count));
    CHECK (series == 1 << 20 && time_ns == 1700000000123456789LL && count == 1);
    CHECK (store_head_next_point (&reader, &metric, &value) && metric == 1 && value == -0.1);
    CHECK (!store_head_next_sample (&reader, &series, &time_ns, &count)); //  the end
    CHECK (reader.at == head.size);

    //  Cut inside the double of sample 1's second point: its first point
    //  reads, the second does not, and nothing after it.
    size_t cut = 0;
    store_head_reader_t probe = {head.data, head.size, 0};
    store_head_next_sample (&probe, &series, &time_ns, &count);
    store_head_next_point (&probe, &metric, &value);
    cut = probe.at + 4;
    store_head_reader_t short_row = {head.data, cut, 0};
    CHECK (store_head_next_sample (&short_row, &series, &time_ns, &count) && count == 2);
    CHECK (store_head_next_point (&short_row, &metric, &value) && value == 12.34);
    CHECK (!store_head_next_point (&short_row, &metric, &value));
    CHECK (short_row.at == cut);
    CHECK (!store_head_next_sample (&short_row, &series, &time_ns, &count));

    //  A scale byte that is neither a decimal scale nor 0xff is damage.
    uint8_t bad[] = {1, 2, 1, 5, 13, 0};
    store_head_reader_t damaged = {bad, sizeof bad, 0};
    CHECK (store_head_next_sample (&damaged, &series, &time_ns, &count) && count == 1);
    CHECK (!store_head_next_point (&damaged, &metric, &value) && damaged.at == sizeof bad);
    free (head.data);
    return CHECK_DONE ();
}
