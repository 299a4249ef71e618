/*  fuzz_rw_encode.c: libFuzzer target for the remote write path of a point:
    record (rw_record.c), read back, protobuf (rw_proto.c). Label values come
    from agents, so any bytes must either be refused with a reason or encode to
    a well-formed WriteRequest field; this target checks the second by decoding
    the output and aborting on anything malformed.

    Input: bytes split at NUL into the metric name, then label names and values
    by turns; the first byte (mod 40) is how many labels to take.
*/
#include "rw_proto.h"
#include "rw_record.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

//  Reads a varint at *at (before end); aborts if it is malformed.
static uint64_t
s_varint (const uint8_t **at, const uint8_t *end)
{
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (*at >= end)
            abort ();
        uint8_t b = *(*at)++;
        value |= (uint64_t) (b & 0x7f) << shift;
        if (!(b & 0x80))
            return value;
    }
    abort ();
}

//  Checks one length-delimited field with tag `tag` at *at; returns its body's end.
static const uint8_t *
s_field (const uint8_t **at, const uint8_t *end, uint8_t tag)
{
    if (*at >= end || *(*at)++ != tag)
        abort ();
    uint64_t length = s_varint (at, end);
    if (length > (uint64_t) (end - *at))
        abort ();
    return *at + length;
}

//  Decodes the single TimeSeries in `buf`: labels sorted, unique, non-empty, a sample.
static void
s_check (const rw_buf_t *buf)
{
    const uint8_t *at = buf->data, *end = buf->data + buf->size;
    const uint8_t *series_end = s_field (&at, end, 0x0a);
    if (series_end != end)
        abort ();
    const uint8_t *last_name = NULL;
    size_t last_size = 0;
    bool has_name = false;
    while (at < end && *at == 0x0a) {
        const uint8_t *label_end = s_field (&at, end, 0x0a);
        const uint8_t *name_end = s_field (&at, label_end, 0x0a);
        const uint8_t *name = at;
        size_t name_size = (size_t) (name_end - at);
        at = name_end;
        const uint8_t *value_end = s_field (&at, label_end, 0x12);
        if (value_end != label_end || value_end == at)
            abort (); //  a value, not empty, and nothing after it
        at = value_end;
        if (last_name) {
            size_t common = last_size < name_size ? last_size : name_size;
            int order = memcmp (last_name, name, common);
            if (order > 0 || (order == 0 && last_size >= name_size))
                abort (); //  not sorted, or a duplicate
        }
        has_name |= name_size == 8 && !memcmp (name, "__name__", 8);
        last_name = name;
        last_size = name_size;
    }
    const uint8_t *sample_end = s_field (&at, end, 0x12);
    if (sample_end != end || !has_name)
        abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t want = data[0] % 40;
    char *text = malloc (size + 1);
    memcpy (text, data + 1, size - 1);
    text[size - 1] = '\0';
    const char *strings[1 + 2 * 40];
    size_t count = 0;
    for (const char *at = text; at <= text + size - 1 && count < 1 + 2 * want;) {
        strings[count++] = at;
        at += strlen (at) + 1;
    }
    rw_label_t labels[40];
    size_t label_count = count > 0 ? (count - 1) / 2 : 0;
    for (size_t i = 0; i < label_count; i++)
        labels[i] = (rw_label_t){strings[1 + 2 * i], strings[2 + 2 * i]};
    rw_point_t point = {count ? strings[0] : NULL, labels, label_count, (double) size,
                        (int64_t) size * 1000 - 5000};

    rw_buf_t record = {0}, body = {0};
    if (!rw_record_write (&record, &point)) {
        rw_point_t back;
        rw_label_t back_labels[RW_MAX_LABELS];
        if (rw_record_read (record.data, &back, back_labels) != record.size)
            abort ();
        if (strcmp (back.metric, point.metric) || back.label_count != point.label_count)
            abort ();
        for (size_t i = 0; i < back.label_count; i++)
            if (strcmp (back.labels[i].name, labels[i].name) ||
                strcmp (back.labels[i].value, labels[i].value))
                abort ();
        if (!rw_proto_append (&body, &back))
            s_check (&body);
        else if (body.size)
            abort (); //  refused points leave nothing behind
    }
    rw_buf_free (&record);
    rw_buf_free (&body);
    free (text);
    return 0;
}
