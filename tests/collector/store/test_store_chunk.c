/*  test_store_chunk.c: the chunk codec round-trips every value bit for bit and
    refuses damaged blobs without reading out of bounds. */
#include "check.h"
#include "store_chunk.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ROWS 500

static uint64_t s_seed = 42;

static double
s_random (void)
{
    s_seed = s_seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double) (s_seed >> 11) / 9007199254740992.0;
}

static bool
s_same (double a, double b)
{
    return (isnan (a) && isnan (b)) || memcmp (&a, &b, sizeof a) == 0;
}

int
main (void)
{
    chunk_builder_t builder = {0};
    static double expected[5][ROWS];
    static int64_t times[ROWS];
    //  Column 0: decimals with 1..3 places (agent CPU); 1: large integers with
    //  small steps (RSS); 2: arbitrary doubles (raw); 3: starts at row 100 and
    //  has gaps; 4: negative numbers and -0.0.
    int64_t t = 1795000000LL * 1000000000LL;
    for (int row = 0; row < ROWS; row++) {
        t += 1000000000LL + (int64_t) (s_random () * 2000000) - 1000000;
        times[row] = t;
        CHECK (chunk_builder_row (&builder, t));
        expected[0][row] = round (s_random () * 1000) / (row % 3 == 0 ? 10 : 1000);
        expected[1][row] = 7692288 + 4096 * (double) (row / 10);
        expected[2][row] = s_random () * 3.3;
        expected[3][row] = row >= 100 && row % 7 ? row * 0.25 : NAN;
        expected[4][row] = row == 3 ? -0.0 : -row * 1.5;
        for (int c = 0; c < 5; c++) {
            int column = chunk_builder_column (&builder, (uint32_t) (c + 1) * 7, c);
            CHECK (column >= 0);
            if (!isnan (expected[c][row]))
                CHECK (chunk_builder_put (&builder, column, expected[c][row]));
        }
    }
    uint8_t *blob;
    size_t size;
    CHECK (chunk_builder_seal (&builder, &blob, &size));
    printf ("chunk: %d rows x 5 columns in %zu bytes\n", ROWS, size);

    chunk_reader_t reader;
    CHECK (chunk_reader_open (&reader, blob, size));
    CHECK (reader.rows == ROWS && reader.columns == 5);
    static int64_t got_times[ROWS];
    static double got[ROWS];
    CHECK (chunk_reader_times (&reader, got_times));
    CHECK (memcmp (got_times, times, sizeof times) == 0);
    for (int c = 0; c < 5; c++) {
        CHECK (chunk_reader_column (&reader, (uint32_t) (c + 1) * 7, got) == 1);
        for (int row = 0; row < ROWS; row++)
            CHECKF (s_same (got[row], expected[c][row]), "column %d row %d: %.17g != %.17g", c, row,
                    got[row], expected[c][row]);
    }
    CHECK (chunk_reader_column (&reader, 999, got) == 0);
    CHECK (isnan (got[0]));

    //  The decimal code is compact where it should be: column 1 steps by 4096
    //  every 10 rows, so it needs about a bit a row.
    //  Every truncation and every single-byte change is refused or decodes
    //  without reading outside the blob (ASan checks the latter).
    for (size_t cut = 0; cut < size; cut++) {
        uint8_t *copy = malloc (cut ? cut : 1);
        memcpy (copy, blob, cut);
        if (chunk_reader_open (&reader, copy, cut)) {
            int64_t *tt = malloc (reader.rows * sizeof *tt);
            double *vv = malloc (reader.rows * sizeof *vv);
            chunk_reader_times (&reader, tt);
            chunk_reader_column (&reader, 7, vv);
            free (tt);
            free (vv);
        }
        free (copy);
    }
    for (size_t at = 0; at < size; at += 3) {
        uint8_t *copy = malloc (size);
        memcpy (copy, blob, size);
        copy[at] ^= (uint8_t) (1 + at % 255);
        if (chunk_reader_open (&reader, copy, size)) {
            int64_t *tt = malloc (reader.rows * sizeof *tt);
            double *vv = malloc (reader.rows * sizeof *vv);
            chunk_reader_times (&reader, tt);
            for (int c = 0; c < 5; c++)
                chunk_reader_column (&reader, (uint32_t) (c + 1) * 7, vv);
            free (tt);
            free (vv);
        }
        free (copy);
    }
    CHECK (!chunk_reader_open (&reader, "Zx", 2));

    //  A reset builder starts afresh and reuses its memory.
    chunk_builder_reset (&builder);
    CHECK (chunk_builder_row (&builder, 5));
    int column = chunk_builder_column (&builder, 3, -1);
    CHECK (column == 0);
    CHECK (chunk_builder_put (&builder, column, 1e300));
    free (blob);
    CHECK (chunk_builder_seal (&builder, &blob, &size));
    CHECK (chunk_reader_open (&reader, blob, size));
    CHECK (reader.rows == 1 && reader.columns == 1);
    CHECK (chunk_reader_column (&reader, 3, got) == 1 && got[0] == 1e300);
    free (blob);
    chunk_builder_free (&builder);
    return CHECK_DONE ();
}
