/*  fuzz_store_chunk.c: libFuzzer target for the store's chunk codec.

    The decoder reads blobs from disk that may be corrupt: any input must be
    refused or decoded without reading outside it. The same input, read as
    doubles and times, is also encoded and decoded again, and must come back
    bit for bit (the encoder's decimal check is what makes the code lossless).
*/
#include "store_chunk.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
s_decode (const uint8_t *data, size_t size)
{
    chunk_reader_t reader;
    if (!chunk_reader_open (&reader, data, size))
        return;
    int64_t *times = malloc (reader.rows * sizeof *times);
    double *values = malloc (reader.rows * sizeof *values);
    chunk_reader_times (&reader, times);
    for (uint32_t key = 0; key < 64; key++)
        chunk_reader_column (&reader, key, values);
    free (times);
    free (values);
}

//  Encodes the input as 2 columns of doubles (the second sparse) and checks
//  the round trip.
static void
s_round_trip (const uint8_t *data, size_t size)
{
    size_t rows = size / 16;
    if (rows == 0 || rows > 4096)
        return;
    chunk_builder_t builder = {0};
    double *expected = calloc (rows * 2, sizeof *expected);
    int64_t *times = calloc (rows, sizeof *times);
    for (size_t row = 0; row < rows; row++) {
        memcpy (&times[row], data + row * 16, 8);
        times[row] >>= 8; //  keep deltas of deltas in range of the ns clock
        if (!chunk_builder_row (&builder, times[row]))
            abort ();
        for (int c = 0; c < 2; c++) {
            double v;
            memcpy (&v, data + row * 16 + 8 - 4 * c, 8);
            if (c == 1 && (row % 3 == 0 || isnan (v)))
                v = NAN;
            if (c == 0 && isnan (v))
                v = 0.5; //  NAN means absent; column 0 always has a value
            expected[row * 2 + (size_t) c] = v;
            int column = chunk_builder_column (&builder, (uint32_t) c + 1, c);
            if (column < 0 || (!isnan (v) && !chunk_builder_put (&builder, column, v)))
                abort ();
        }
    }
    uint8_t *blob;
    size_t blob_size;
    if (!chunk_builder_seal (&builder, &blob, &blob_size))
        abort ();
    chunk_reader_t reader;
    if (!chunk_reader_open (&reader, blob, blob_size) || reader.rows != rows)
        abort ();
    int64_t *got_times = malloc (rows * sizeof *got_times);
    double *got = malloc (rows * sizeof *got);
    if (!chunk_reader_times (&reader, got_times) || memcmp (got_times, times, rows * 8) != 0)
        abort ();
    for (int c = 0; c < 2; c++) {
        if (chunk_reader_column (&reader, (uint32_t) c + 1, got) < 0)
            abort ();
        for (size_t row = 0; row < rows; row++) {
            double want = expected[row * 2 + (size_t) c];
            if (isnan (want) ? !isnan (got[row]) : memcmp (&want, &got[row], 8) != 0)
                abort ();
        }
    }
    free (got_times);
    free (got);
    free (blob);
    free (expected);
    free (times);
    chunk_builder_free (&builder);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    s_decode (data, size);
    s_round_trip (data, size);
    return 0;
}
