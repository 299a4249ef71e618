/*  store_chunk.h: the compressed chunk codec of the store, one series' rows in one blob.

    A chunk holds the rows of one series over a span of time: a time per row and
    any number of columns (one per metric; four per metric in the rollup tiers).
    It is columnar, so a query decodes only the columns it asks for.

    Times are delta-of-delta varints (regular intervals cost one byte a row,
    shared by every column). Values use a decimal delta code: every number an
    agent sends is a JSON decimal, so a column keeps a scale e (0..12) and codes
    the integer v * 10^e as a delta from the previous one in 1, 10, 19, 35 or 69
    bits. A value that is not an exact decimal at any scale (checked bit for bit
    at encode time, so the code is lossless) is stored as 64 raw bits. This was
    measured against Gorilla's XOR code on zapm-agent --system samples: see
    docs/STORE.md.

    Blob layout (all integers are LEB128 varints):
        u8 'Z', u8 version (1), rows, columns, times_bytes,
        per column: key, first row, values, bytes
        the times, then each column's bit stream.
    The decoder treats its input as untrusted (it is read from disk that may be
    corrupt) and checks every length; tests/fuzz/fuzz_store_chunk.c fuzzes it.
*/
#ifndef ZAPM_STORE_CHUNK_H
#define ZAPM_STORE_CHUNK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

//  Largest rows and columns of a chunk (the decoder refuses more).
#define CHUNK_ROWS_MAX    65536
#define CHUNK_COLUMNS_MAX 4096

//  Largest decimal scale, and the scale of a column whose last value was not
//  a decimal (or that has none yet).
#define CHUNK_SCALE_MAX  12
#define CHUNK_SCALE_NONE 15

//  (double) m / 10^scale: a value in decimal form (scale <= CHUNK_SCALE_MAX).
double chunk_decimal_value (int64_t m, int scale);

//  A growable bit string, written most significant bit first.
typedef struct {
    uint8_t *data; //  bytes, malloc'd
    size_t size;   //  complete bytes in data
    size_t cap;    //  bytes allocated
    uint64_t acc;  //  bits not yet in data
    unsigned nacc; //  how many (< 8 between calls)
} chunk_bits_t;

//  Makes room for `more` bytes in *bits. False if memory ran out.
bool chunk_bits_reserve (chunk_bits_t *bits, size_t more);

//  Appends `value` as a LEB128 varint (whole bytes; no bits may be pending).
bool chunk_bits_varint (chunk_bits_t *bytes, uint64_t value);

//  Reads a varint at data[*at], not past `end`, advancing *at. False when it
//  runs past `end` or beyond 64 bits.
bool chunk_varint_read (const uint8_t *data, size_t end, size_t *at, uint64_t *value);

//  Signed to unsigned so that small magnitudes make small varints, and back.
static inline uint64_t
chunk_zigzag (int64_t value)
{
    return ((uint64_t) value << 1) ^ (uint64_t) (value >> 63);
}

static inline int64_t
chunk_unzigzag (uint64_t value)
{
    return (int64_t) ((value >> 1) ^ (~(value & 1) + 1));
}

//  One column being written.
typedef struct {
    uint32_t key;      //  metric id (rollups: store_rollup_key, store_fold.h)
    uint32_t first;    //  row of its first value
    uint32_t count;    //  values written, absent ones included
    int scale;         //  decimal scale of the last value, CHUNK_SCALE_NONE if not decimal
    int64_t prev;      //  the last value * 10^scale
    chunk_bits_t bits; //  the code
} chunk_column_t;

//  A chunk being written, row by row. Reused after chunk_builder_reset.
typedef struct {
    uint32_t rows;           //  rows added
    int64_t t_first;         //  time of row 0, ns
    int64_t t_last;          //  time of the last row, ns
    int64_t delta_last;      //  its delta from the row before
    chunk_bits_t times;      //  varint bytes of the times (only whole bytes are used)
    chunk_column_t *columns; //  the columns, in order of first appearance
    uint32_t column_count;   //  columns in use
    uint32_t column_cap;     //  columns allocated
} chunk_builder_t;

//  Frees what *builder holds (it is not itself freed).
void chunk_builder_free (chunk_builder_t *builder);

//  Empties the chunk, keeping its allocations.
void chunk_builder_reset (chunk_builder_t *builder);

//  Starts a new row at `time_ns`. Returns false when the chunk is full.
bool chunk_builder_row (chunk_builder_t *builder, int64_t time_ns);

//  Returns the index of the column with `key`, adding it if needed. `hint` is
//  where the caller expects it (the position in the previous row), -1 if unknown.
//  Returns -1 when the chunk has CHUNK_COLUMNS_MAX columns or memory ran out.
int chunk_builder_column (chunk_builder_t *builder, uint32_t key, int hint);

//  Sets column `index` of the current row to `value` (NAN: absent). Columns not
//  set in a row are absent there. Returns false if memory ran out.
bool chunk_builder_put (chunk_builder_t *builder, int index, double value);

//  Serialises the chunk into a malloc'd blob (*blob, *size). Returns false if
//  memory ran out or the chunk has no rows.
bool chunk_builder_seal (chunk_builder_t *builder, uint8_t **blob, size_t *size);

//  A chunk being read. Points into the blob, which must outlive it.
typedef struct {
    const uint8_t *blob; //  the whole blob
    size_t size;         //  its size
    uint32_t rows;       //  rows
    uint32_t columns;    //  columns
    size_t times_at;     //  offset of the times
    size_t times_size;   //  their size
    size_t directory_at; //  offset of the first column's directory entry
    size_t streams_at;   //  offset of the first column's stream
} chunk_reader_t;

//  Checks the header and the lengths of `size` bytes at `blob`. Returns false
//  if it is not a well-formed chunk.
bool chunk_reader_open (chunk_reader_t *reader, const void *blob, size_t size);

//  Decodes the rows' times into times[reader->rows]. Returns false if corrupt.
bool chunk_reader_times (const chunk_reader_t *reader, int64_t *times);

//  Decodes the column with `key` into values[reader->rows], NAN where absent.
//  Returns 1 when found, 0 when the chunk has no such column (values are all
//  NAN), -1 if corrupt.
int chunk_reader_column (const chunk_reader_t *reader, uint32_t key, double *values);

//  chunk_reader_column for `count` keys in one pass over the directory:
//  decodes keys[c] into values[c][reader->rows] and sets found[c] as that
//  function's result. Returns how many keys were in the chunk.
int chunk_reader_columns (const chunk_reader_t *reader, const uint32_t *keys, int count,
                          double *const *values, int *found);

//  Calls fn (arg, key) for each column key. Returns false if corrupt.
bool chunk_reader_keys (const chunk_reader_t *reader, void (*fn) (void *arg, uint32_t key),
                        void *arg);

#endif
