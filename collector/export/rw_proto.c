/*  rw_proto.c: the remote write protobuf encoder, by hand.

    Protobuf's wire format needs the length of a nested message before its
    bytes. A point is small and bounded, so the encoder first sorts and measures
    its labels, then computes every length, reserves the exact size once and
    writes front to back: no temporary buffer and no moving of bytes.

    Only three wire types appear: varint (tags, lengths, the timestamp), 64-bit
    (the double value) and length-delimited (messages and strings). Like every
    proto3 encoder, it leaves out fields that hold their default (an empty string,
    a zero value or timestamp), so its bytes are the canonical ones.
*/
#include "rw_proto.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

//  Tags: field number << 3 | wire type (0 varint, 1 fixed 64-bit, 2 length-delimited).
#define S_TAG_TIMESERIES   0x0a //  WriteRequest.timeseries = 1, message
#define S_TAG_LABEL        0x0a //  TimeSeries.labels = 1, message
#define S_TAG_SAMPLE       0x12 //  TimeSeries.samples = 2, message
#define S_TAG_NAME         0x0a //  Label.name = 1, string
#define S_TAG_VALUE        0x12 //  Label.value = 2, string
#define S_TAG_SAMPLE_VALUE 0x09 //  Sample.value = 1, double
#define S_TAG_TIMESTAMP    0x10 //  Sample.timestamp = 2, int64

//  A label with its lengths, as the encoder sorts and writes it.
typedef struct {
    const char *name;  //  label name
    size_t name_size;  //  its bytes
    const char *value; //  label value
    size_t value_size; //  its bytes, 0 if the label is left out
    size_t message;    //  bytes of the encoded Label message
} s_label_t;

int
rw_buf_reserve (rw_buf_t *buf, size_t more)
{
    if (buf->capacity - buf->size >= more)
        return 0;
    size_t capacity = buf->capacity ? buf->capacity : 256;
    while (capacity - buf->size < more)
        capacity *= 2;
    uint8_t *data = realloc (buf->data, capacity);
    if (!data)
        return -1;
    buf->data = data;
    buf->capacity = capacity;
    return 0;
}

void
rw_buf_free (rw_buf_t *buf)
{
    free (buf->data);
    buf->data = NULL;
    buf->size = buf->capacity = 0;
}

static size_t
s_varint_size (uint64_t value)
{
    size_t size = 1;
    while (value >= 0x80) {
        value >>= 7;
        size++;
    }
    return size;
}

static uint8_t *
s_varint (uint8_t *at, uint64_t value)
{
    while (value >= 0x80) {
        *at++ = (uint8_t) (value | 0x80);
        value >>= 7;
    }
    *at++ = (uint8_t) value;
    return at;
}

//  Bytes of a length-delimited field (tag, length, body) whose body is `size` bytes.
static size_t
s_field_size (size_t size)
{
    return 1 + s_varint_size (size) + size;
}

static uint8_t *
s_string (uint8_t *at, uint8_t tag, const char *text, size_t size)
{
    *at++ = tag;
    at = s_varint (at, size);
    memcpy (at, text, size);
    return at + size;
}

//  Which bytes a name may hold: S_FIRST as its first byte, S_NEXT after that; S_COLON
//  marks ':' (metric names only).
enum { S_FIRST = 1, S_NEXT = 2, S_COLON = 4 };
static uint8_t s_name_chars[256];

static void
s_init_name_chars (void)
{
    for (int c = 0; c < 256; c++) {
        bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        bool digit = c >= '0' && c <= '9';
        s_name_chars[c] = (uint8_t) ((letter ? S_FIRST | S_NEXT : 0) | (digit ? S_NEXT : 0) |
                                     (c == ':' ? S_COLON : 0));
    }
}

//  True if `name` is a valid name: a first byte from [a-zA-Z_] (and ':' when `colon`),
//  then [a-zA-Z0-9_] (and ':'), at most RW_MAX_NAME bytes. Stores its size.
static bool
s_valid_name (const char *name, bool colon, size_t *size)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once (&once, s_init_name_chars);
    if (!name)
        return false;
    const uint8_t *at = (const uint8_t *) name;
    uint8_t extra = colon ? S_COLON : 0;
    if (!(s_name_chars[*at] & (S_FIRST | extra)))
        return false; //  also an empty name
    size_t i = 1;
    while (s_name_chars[at[i]] & (S_NEXT | extra))
        i++;
    if (at[i] != '\0' || i > RW_MAX_NAME)
        return false;
    *size = i;
    return true;
}

//  Inserts `label` into the sorted array `sorted` of `count` labels. Returns false
//  if a label of that name is there already.
static bool
s_insert_sorted (s_label_t *sorted, size_t count, const s_label_t *label)
{
    size_t at = count;
    while (at > 0) {
        const s_label_t *prev = &sorted[at - 1];
        size_t common = prev->name_size < label->name_size ? prev->name_size : label->name_size;
        int order = memcmp (prev->name, label->name, common);
        if (order == 0 && prev->name_size == label->name_size)
            return false;
        if (order < 0 || (order == 0 && prev->name_size < label->name_size))
            break;
        sorted[at] = *prev;
        at--;
    }
    sorted[at] = *label;
    return true;
}

const char *
rw_proto_append (rw_buf_t *buf, const rw_point_t *point)
{
    if (point->label_count > RW_MAX_LABELS)
        return "too many labels";
    s_label_t sorted[RW_MAX_LABELS + 1];
    s_label_t label = {.name = "__name__", .name_size = 8, .value = point->metric};
    if (!s_valid_name (point->metric, true, &label.value_size))
        return "bad metric name";
    sorted[0] = label;
    size_t count = 1;
    for (size_t i = 0; i < point->label_count; i++) {
        label.name = point->labels[i].name;
        label.value = point->labels[i].value;
        if (!s_valid_name (label.name, false, &label.name_size))
            return "bad label name";
        if (!label.value)
            return "label value missing";
        label.value_size = strnlen (label.value, RW_MAX_VALUE + 1);
        if (label.value_size > RW_MAX_VALUE)
            return "label value too long";
        if (!s_insert_sorted (sorted, count, &label))
            return "duplicate label name";
        count++;
    }
    //  Measure from the inside out: labels, sample, series, field.
    size_t series = 0;
    for (size_t i = 0; i < count; i++) {
        s_label_t *l = &sorted[i];
        l->message = s_field_size (l->name_size) + s_field_size (l->value_size);
        if (l->value_size)
            series += s_field_size (l->message);
    }
    uint64_t value_bits;
    memcpy (&value_bits, &point->value, sizeof value_bits);
    uint64_t timestamp = (uint64_t) point->timestamp_ms; //  int64 varint: two's complement
    size_t sample = (value_bits ? 9 : 0) + (timestamp ? 1 + s_varint_size (timestamp) : 0);
    series += s_field_size (sample);
    size_t total = s_field_size (series);
    if (total > RW_MAX_POINT_BYTES)
        return "point too large";
    if (rw_buf_reserve (buf, total))
        return "out of memory";

    uint8_t *at = buf->data + buf->size;
    *at++ = S_TAG_TIMESERIES;
    at = s_varint (at, series);
    for (size_t i = 0; i < count; i++) {
        const s_label_t *l = &sorted[i];
        if (!l->value_size)
            continue;
        *at++ = S_TAG_LABEL;
        at = s_varint (at, l->message);
        at = s_string (at, S_TAG_NAME, l->name, l->name_size);
        at = s_string (at, S_TAG_VALUE, l->value, l->value_size);
    }
    *at++ = S_TAG_SAMPLE;
    at = s_varint (at, sample);
    if (value_bits) {
        *at++ = S_TAG_SAMPLE_VALUE;
        for (int byte = 0; byte < 8; byte++) //  fixed64 is little-endian
            *at++ = (uint8_t) (value_bits >> (8 * byte));
    }
    if (timestamp) {
        *at++ = S_TAG_TIMESTAMP;
        at = s_varint (at, timestamp);
    }
    buf->size = (size_t) (at - buf->data);
    return NULL;
}
