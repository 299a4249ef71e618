/*  store_chunk.c: the chunk codec (see store_chunk.h for the format and why).

    The value code, per column, with a decimal scale e and the previous scaled
    integer p; each value v is the integer m = v * 10^e coded as d = m - p:
        0                  d == 0
        10   + 8 bits      zigzag (d) < 2^8
        110  + 16 bits     zigzag (d) < 2^16
        1110 + 32 bits     zigzag (d) < 2^32
        11110 + 64 bits    any d
        11111 + 4 bits X   an escape: X <= 12 sets the scale to X (p is rescaled,
                           or 0 if that would overflow) and a delta code
                           follows; X == 13 is an absent value; X == 15 is 64
                           raw bits of a double (the scale is reset).
    Arithmetic on decoded numbers is unsigned, so corrupt input cannot
    overflow a signed integer.
*/
#include "store_chunk.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_MAGIC   'Z'
#define CHUNK_VERSION 1
#define CHUNK_ABSENT  13
#define CHUNK_RAW     CHUNK_SCALE_NONE

//  2^53: integers below it are exact in a double.
#define CHUNK_EXACT 9007199254740992.0

static const double s_pow10[CHUNK_SCALE_MAX + 1] = {1e0, 1e1, 1e2, 1e3,  1e4,  1e5, 1e6,
                                                    1e7, 1e8, 1e9, 1e10, 1e11, 1e12};
static const int64_t s_pow10i[CHUNK_SCALE_MAX + 1] = {
    1,        10,        100,        1000,        10000,        100000,       1000000,
    10000000, 100000000, 1000000000, 10000000000, 100000000000, 1000000000000};

//  --------------------------------------------------------------------------
//  Bits and varints out

bool
chunk_bits_reserve (chunk_bits_t *bits, size_t more)
{
    if (bits->size + more <= bits->cap)
        return true;
    size_t cap = bits->cap ? bits->cap * 2 : 64;
    while (cap < bits->size + more)
        cap *= 2;
    uint8_t *data = realloc (bits->data, cap);
    if (!data)
        return false;
    bits->data = data;
    bits->cap = cap;
    return true;
}

//  Appends the low `n` bits of `value`, n <= 32.
static bool
s_put32 (chunk_bits_t *bits, uint64_t value, unsigned n)
{
    if (!chunk_bits_reserve (bits, 5))
        return false;
    bits->acc = (bits->acc << n) | (value & ((1ULL << n) - 1));
    bits->nacc += n;
    while (bits->nacc >= 8) {
        bits->nacc -= 8;
        bits->data[bits->size++] = (uint8_t) (bits->acc >> bits->nacc);
    }
    bits->acc &= (1ULL << bits->nacc) - 1;
    return true;
}

static bool
s_put (chunk_bits_t *bits, uint64_t value, unsigned n)
{
    if (n > 32)
        return s_put32 (bits, value >> 32, n - 32) && s_put32 (bits, value, 32);
    return s_put32 (bits, value, n);
}

//  Pads the last byte with zeros.
static bool
s_flush (chunk_bits_t *bits)
{
    return bits->nacc == 0 || s_put32 (bits, 0, 8 - bits->nacc);
}

bool
chunk_bits_varint (chunk_bits_t *bytes, uint64_t value)
{
    if (!chunk_bits_reserve (bytes, 10))
        return false;
    while (value >= 0x80) {
        bytes->data[bytes->size++] = (uint8_t) (value | 0x80);
        value >>= 7;
    }
    bytes->data[bytes->size++] = (uint8_t) value;
    return true;
}

//  --------------------------------------------------------------------------
//  Values out

//  True when `value` is exactly (double) m / 10^scale for an integer |m| < 2^53.
static bool
s_decimal (double value, int scale, int64_t *m)
{
    double x = value * s_pow10[scale];
    if (!(fabs (x) < CHUNK_EXACT))
        return false;
    //  Rounded half away from zero; a rare wrong guess only fails the check.
    int64_t candidate = (int64_t) (x < 0 ? x - 0.5 : x + 0.5);
    double back = (double) candidate / s_pow10[scale];
    if (memcmp (&back, &value, sizeof value) != 0)
        return false;
    *m = candidate;
    return true;
}

double
chunk_decimal_value (int64_t m, int scale)
{
    return scale >= 0 && scale <= CHUNK_SCALE_MAX ? (double) m / s_pow10[scale] : NAN;
}

//  p * 10^(to - from), or 0 when that leaves the exact range (the decoder does
//  the same).
static int64_t
s_rescale (int64_t p, int from, int to)
{
    if (from == CHUNK_SCALE_NONE)
        return 0;
    int64_t factor = s_pow10i[to - from];
    int64_t limit = (int64_t) (CHUNK_EXACT / (double) factor);
    return p > limit || p < -limit ? 0 : p * factor;
}

static bool
s_put_delta (chunk_bits_t *bits, int64_t d)
{
    uint64_t z = chunk_zigzag (d);
    if (z == 0)
        return s_put32 (bits, 0, 1);
    if (z < (1ULL << 8))
        return s_put32 (bits, (2ULL << 8) | z, 10);
    if (z < (1ULL << 16))
        return s_put32 (bits, (6ULL << 16) | z, 19);
    if (z < (1ULL << 32))
        return s_put32 (bits, 14, 4) && s_put32 (bits, z, 32);
    return s_put32 (bits, 30, 5) && s_put (bits, z, 64);
}

static bool
s_put_value (chunk_column_t *column, double value)
{
    chunk_bits_t *bits = &column->bits;
    if (isnan (value))
        return s_put32 (bits, (31u << 4) | CHUNK_ABSENT, 9);
    int64_t m;
    if (column->scale != CHUNK_SCALE_NONE && s_decimal (value, column->scale, &m)) {
        if (!s_put_delta (bits, m - column->prev))
            return false;
        column->prev = m;
        return true;
    }
    int from = column->scale == CHUNK_SCALE_NONE ? 0 : column->scale + 1;
    for (int scale = from; scale <= CHUNK_SCALE_MAX; scale++) {
        if (!s_decimal (value, scale, &m))
            continue;
        int64_t p = s_rescale (column->prev, column->scale, scale);
        if (!s_put32 (bits, (31u << 4) | (unsigned) scale, 9) || !s_put_delta (bits, m - p))
            return false;
        column->scale = scale;
        column->prev = m;
        return true;
    }
    uint64_t raw;
    memcpy (&raw, &value, sizeof raw);
    column->scale = CHUNK_SCALE_NONE;
    column->prev = 0;
    return s_put32 (bits, (31u << 4) | CHUNK_RAW, 9) && s_put (bits, raw, 64);
}

//  --------------------------------------------------------------------------
//  The builder

void
chunk_builder_free (chunk_builder_t *builder)
{
    for (uint32_t i = 0; i < builder->column_cap; i++)
        free (builder->columns[i].bits.data);
    free (builder->columns);
    free (builder->times.data);
    memset (builder, 0, sizeof *builder);
}

void
chunk_builder_reset (chunk_builder_t *builder)
{
    builder->rows = 0;
    builder->times.size = 0;
    builder->times.nacc = 0;
    builder->times.acc = 0;
    builder->column_count = 0;
}

bool
chunk_builder_row (chunk_builder_t *builder, int64_t time_ns)
{
    if (builder->rows >= CHUNK_ROWS_MAX)
        return false;
    uint64_t code;
    if (builder->rows == 0) {
        builder->t_first = time_ns;
        builder->delta_last = 0;
        code = chunk_zigzag (time_ns);
    }
    else {
        int64_t delta = (int64_t) ((uint64_t) time_ns - (uint64_t) builder->t_last);
        code = chunk_zigzag ((int64_t) ((uint64_t) delta - (uint64_t) builder->delta_last));
        builder->delta_last = delta;
    }
    if (!chunk_bits_varint (&builder->times, code))
        return false;
    builder->t_last = time_ns;
    builder->rows++;
    return true;
}

int
chunk_builder_column (chunk_builder_t *builder, uint32_t key, int hint)
{
    if (hint >= 0 && (uint32_t) hint < builder->column_count && builder->columns[hint].key == key)
        return hint;
    for (uint32_t i = 0; i < builder->column_count; i++)
        if (builder->columns[i].key == key)
            return (int) i;
    if (builder->column_count == CHUNK_COLUMNS_MAX)
        return -1;
    if (builder->column_count == builder->column_cap) {
        uint32_t cap = builder->column_cap ? builder->column_cap * 2 : 32;
        chunk_column_t *columns = realloc (builder->columns, cap * sizeof *columns);
        if (!columns)
            return -1;
        memset (columns + builder->column_cap, 0, (cap - builder->column_cap) * sizeof *columns);
        builder->columns = columns;
        builder->column_cap = cap;
    }
    chunk_column_t *column = &builder->columns[builder->column_count];
    chunk_bits_t bits = column->bits;
    bits.size = bits.nacc = 0;
    bits.acc = 0;
    *column = (chunk_column_t){.key = key,
                               .first = builder->rows ? builder->rows - 1 : 0,
                               .scale = CHUNK_SCALE_NONE,
                               .bits = bits};
    return (int) builder->column_count++;
}

bool
chunk_builder_put (chunk_builder_t *builder, int index, double value)
{
    chunk_column_t *column = &builder->columns[index];
    uint32_t row = builder->rows - 1;
    if (column->first + column->count > row)
        return true; //  set twice in one row: the first value stays
    while (column->first + column->count < row) {
        if (!s_put_value (column, NAN))
            return false;
        column->count++;
    }
    if (!s_put_value (column, value))
        return false;
    column->count++;
    return true;
}

bool
chunk_builder_seal (chunk_builder_t *builder, uint8_t **blob, size_t *size)
{
    if (builder->rows == 0)
        return false;
    chunk_bits_t out = {0};
    bool ok = chunk_bits_reserve (&out, 2);
    if (ok) {
        out.data[out.size++] = CHUNK_MAGIC;
        out.data[out.size++] = CHUNK_VERSION;
    }
    ok = ok && chunk_bits_varint (&out, builder->rows) &&
         chunk_bits_varint (&out, builder->column_count) &&
         chunk_bits_varint (&out, builder->times.size);
    for (uint32_t i = 0; ok && i < builder->column_count; i++) {
        chunk_column_t *column = &builder->columns[i];
        ok = s_flush (&column->bits) && chunk_bits_varint (&out, column->key) &&
             chunk_bits_varint (&out, column->first) && chunk_bits_varint (&out, column->count) &&
             chunk_bits_varint (&out, column->bits.size);
    }
    ok = ok && chunk_bits_reserve (&out, builder->times.size);
    if (ok) {
        memcpy (out.data + out.size, builder->times.data, builder->times.size);
        out.size += builder->times.size;
    }
    for (uint32_t i = 0; ok && i < builder->column_count; i++) {
        chunk_bits_t *bits = &builder->columns[i].bits;
        ok = chunk_bits_reserve (&out, bits->size);
        if (ok && bits->size) {
            memcpy (out.data + out.size, bits->data, bits->size);
            out.size += bits->size;
        }
    }
    if (!ok) {
        free (out.data);
        return false;
    }
    *blob = out.data;
    *size = out.size;
    return true;
}

//  --------------------------------------------------------------------------
//  The reader

//  Reads a varint at *at; false past `end` or beyond 64 bits.
bool
chunk_varint_read (const uint8_t *data, size_t end, size_t *at, uint64_t *value)
{
    uint64_t result = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (*at >= end)
            return false;
        uint8_t byte = data[(*at)++];
        result |= (uint64_t) (byte & 0x7f) << shift;
        if (!(byte & 0x80)) {
            *value = result;
            return true;
        }
    }
    return false;
}

typedef struct {
    const uint8_t *data; //  the stream
    size_t bits;         //  its length in bits
    size_t at;           //  next bit
    size_t readable;     //  bytes at `data` that may be read (>= bits / 8: the blob goes on)
} s_bitreader_t;

//  The next bits from reader->at, most significant first: at least 57 of
//  them (zeros past reader->readable).
static inline uint64_t
s_window (const s_bitreader_t *reader)
{
    //  Bits past the stream may be the next stream's: every read checks
    //  reader->bits first, so they are never taken for this one's.
    size_t byte = reader->at >> 3, bytes = reader->readable;
    uint64_t word = 0;
    if (byte + 8 <= bytes) {
        memcpy (&word, reader->data + byte, 8);
        word = __builtin_bswap64 (word);
    }
    else
        for (size_t i = byte; i < bytes; i++)
            word |= (uint64_t) reader->data[i] << (56 - 8 * (i - byte));
    return word << (reader->at & 7);
}

//  Reads `n` bits (1 <= n <= 32) into *value; false past the end.
static bool
s_get32 (s_bitreader_t *reader, unsigned n, uint64_t *value)
{
    if (reader->bits - reader->at < n)
        return false;
    *value = s_window (reader) >> (64 - n);
    reader->at += n;
    return true;
}

static bool
s_get (s_bitreader_t *reader, unsigned n, uint64_t *value)
{
    if (n <= 32)
        return s_get32 (reader, n, value);
    uint64_t high, low;
    if (!s_get32 (reader, n - 32, &high) || !s_get32 (reader, 32, &low))
        return false;
    *value = (high << 32) | low;
    return true;
}

//  Counts leading 1 bits, at most `max` (< 32) of them, consuming the 0 that
//  ends them.
static bool
s_get_prefix (s_bitreader_t *reader, unsigned max, unsigned *ones)
{
    size_t left = reader->bits - reader->at;
    unsigned n = (unsigned) __builtin_clzll (~s_window (reader) | (1ULL << (63 - max)));
    //  n ones, then a 0 unless there are `max` of them.
    size_t used = n + (n < max);
    if (used > left)
        return false;
    reader->at += used;
    *ones = n;
    return true;
}

static bool
s_get_delta (s_bitreader_t *reader, unsigned ones, uint64_t *d)
{
    static const unsigned widths[] = {0, 8, 16, 32, 64};
    uint64_t z = 0;
    if (ones > 0 && !s_get (reader, widths[ones], &z))
        return false;
    *d = (uint64_t) chunk_unzigzag (z);
    return true;
}

bool
chunk_reader_open (chunk_reader_t *reader, const void *blob, size_t size)
{
    const uint8_t *data = blob;
    memset (reader, 0, sizeof *reader);
    if (size < 2 || data[0] != CHUNK_MAGIC || data[1] != CHUNK_VERSION)
        return false;
    size_t at = 2;
    uint64_t rows, columns, times_size;
    if (!chunk_varint_read (data, size, &at, &rows) ||
        !chunk_varint_read (data, size, &at, &columns) ||
        !chunk_varint_read (data, size, &at, &times_size))
        return false;
    if (rows == 0 || rows > CHUNK_ROWS_MAX || columns > CHUNK_COLUMNS_MAX)
        return false;
    reader->directory_at = at;
    uint64_t streams = 0;
    for (uint64_t i = 0; i < columns; i++) {
        uint64_t key, first, count, bytes;
        if (!chunk_varint_read (data, size, &at, &key) ||
            !chunk_varint_read (data, size, &at, &first) ||
            !chunk_varint_read (data, size, &at, &count) ||
            !chunk_varint_read (data, size, &at, &bytes))
            return false;
        if (key > UINT32_MAX || first > rows || count > rows - first || bytes > size)
            return false;
        streams += bytes;
    }
    if (times_size > size - at || streams > size - at - times_size)
        return false;
    reader->blob = data;
    reader->size = size;
    reader->rows = (uint32_t) rows;
    reader->columns = (uint32_t) columns;
    reader->times_at = at;
    reader->times_size = (size_t) times_size;
    reader->streams_at = at + (size_t) times_size;
    return true;
}

bool
chunk_reader_times (const chunk_reader_t *reader, int64_t *times)
{
    size_t at = reader->times_at, end = reader->times_at + reader->times_size;
    uint64_t t = 0, delta = 0;
    for (uint32_t row = 0; row < reader->rows; row++) {
        uint64_t code;
        if (at < end && reader->blob[at] < 0x80)
            code = reader->blob[at++]; //  the common case: one byte
        else if (!chunk_varint_read (reader->blob, end, &at, &code))
            return false;
        if (row == 0)
            t = (uint64_t) chunk_unzigzag (code);
        else {
            delta += (uint64_t) chunk_unzigzag (code);
            t += delta;
        }
        times[row] = (int64_t) t;
    }
    return true;
}

//  Decodes one column's stream into values[first .. first + count).
static bool
s_decode (const uint8_t *data, size_t bytes, size_t readable, uint32_t first, uint32_t count,
          double *values)
{
    s_bitreader_t reader = {data, bytes * 8, 0, readable};
    int scale = CHUNK_SCALE_NONE;
    uint64_t prev = 0;
    for (uint32_t i = 0; i < count; i++) {
        //  The common case, a delta of at most 32 bits at the current scale,
        //  from one window of the stream.
        uint64_t window = s_window (&reader);
        unsigned ones = (unsigned) __builtin_clzll (~window | (1ULL << 58));
        if (ones < 4 && scale != CHUNK_SCALE_NONE) {
            static const unsigned widths[] = {0, 8, 16, 32};
            unsigned width = widths[ones];
            if (ones + 1 + width > reader.bits - reader.at)
                return false;
            uint64_t z = width ? (window << (ones + 1)) >> (64 - width) : 0;
            reader.at += ones + 1 + width;
            prev += (uint64_t) chunk_unzigzag (z);
            values[first + i] = (double) (int64_t) prev / s_pow10[scale];
            continue;
        }
        if (!s_get_prefix (&reader, 5, &ones))
            return false;
        uint64_t d;
        if (ones < 5) {
            if (scale == CHUNK_SCALE_NONE || !s_get_delta (&reader, ones, &d))
                return false;
            prev += d;
            values[first + i] = (double) (int64_t) prev / s_pow10[scale];
            continue;
        }
        uint64_t x;
        if (!s_get32 (&reader, 4, &x))
            return false;
        if (x == CHUNK_ABSENT) {
            values[first + i] = NAN;
            continue;
        }
        if (x == CHUNK_RAW) {
            uint64_t raw;
            if (!s_get (&reader, 64, &raw))
                return false;
            memcpy (&values[first + i], &raw, sizeof raw);
            scale = CHUNK_SCALE_NONE;
            prev = 0;
            continue;
        }
        if (x > CHUNK_SCALE_MAX || (scale != CHUNK_SCALE_NONE && (int) x <= scale))
            return false;
        prev = (uint64_t) s_rescale ((int64_t) prev, scale, (int) x);
        scale = (int) x;
        if (!s_get_prefix (&reader, 5, &ones) || ones == 5 || !s_get_delta (&reader, ones, &d))
            return false;
        prev += d;
        values[first + i] = (double) (int64_t) prev / s_pow10[scale];
    }
    return true;
}

int
chunk_reader_columns (const chunk_reader_t *reader, const uint32_t *keys, int count,
                      double *const *values, int *found)
{
    for (int c = 0; c < count; c++) {
        found[c] = 0;
        for (uint32_t row = 0; row < reader->rows; row++)
            values[c][row] = NAN;
    }
    int missing = count;
    size_t at = reader->directory_at, stream = reader->streams_at;
    for (uint32_t i = 0; i < reader->columns && missing; i++) {
        uint64_t k = 0, first = 0, rows = 0, bytes = 0;
        chunk_varint_read (reader->blob, reader->size, &at, &k);
        chunk_varint_read (reader->blob, reader->size, &at, &first);
        chunk_varint_read (reader->blob, reader->size, &at, &rows);
        chunk_varint_read (reader->blob, reader->size, &at, &bytes);
        for (int c = 0; c < count; c++)
            if (keys[c] == k && !found[c]) {
                found[c] = s_decode (reader->blob + stream, (size_t) bytes, reader->size - stream,
                                     (uint32_t) first, (uint32_t) rows, values[c])
                               ? 1
                               : -1;
                missing--;
            }
        stream += (size_t) bytes;
    }
    return count - missing;
}

int
chunk_reader_column (const chunk_reader_t *reader, uint32_t key, double *values)
{
    int found;
    chunk_reader_columns (reader, &key, 1, &values, &found);
    return found;
}

bool
chunk_reader_keys (const chunk_reader_t *reader, void (*fn) (void *arg, uint32_t key), void *arg)
{
    size_t at = reader->directory_at;
    for (uint32_t i = 0; i < reader->columns; i++) {
        uint64_t k, skip;
        if (!chunk_varint_read (reader->blob, reader->size, &at, &k))
            return false;
        for (int j = 0; j < 3; j++)
            if (!chunk_varint_read (reader->blob, reader->size, &at, &skip))
                return false;
        fn (arg, (uint32_t) k);
    }
    return true;
}
