/*  rw_record.c: points as flat records, written on the loop thread and read on
    the sender thread. Only the limits that bound the record's size are checked
    here; rw_proto_append checks the rest where the time is cheap. */
#include "rw_record.h"

#include <string.h>

#define S_HEADER 18 //  value, timestamp, label count

//  Copies `text` with its NUL to `at`; returns the byte after it.
static uint8_t *
s_copy (uint8_t *at, const char *text, size_t size)
{
    memcpy (at, text, size + 1);
    return at + size + 1;
}

const char *
rw_record_write (rw_buf_t *buf, const rw_point_t *point)
{
    if (point->label_count > RW_MAX_LABELS)
        return "too many labels";
    if (!point->metric)
        return "missing name or value";
    size_t sizes[1 + 2 * RW_MAX_LABELS];
    sizes[0] = strnlen (point->metric, RW_MAX_NAME + 1);
    size_t total = S_HEADER + sizes[0] + 1;
    for (size_t i = 0; i < point->label_count; i++) {
        const rw_label_t *label = &point->labels[i];
        if (!label->name || !label->value)
            return "missing name or value";
        size_t name = sizes[1 + 2 * i] = strnlen (label->name, RW_MAX_NAME + 1);
        size_t value = sizes[2 + 2 * i] = strnlen (label->value, RW_MAX_VALUE + 1);
        if (value > RW_MAX_VALUE)
            return "label value too long";
        if (name > RW_MAX_NAME)
            return "name too long";
        total += name + value + 2;
    }
    if (sizes[0] > RW_MAX_NAME)
        return "name too long";
    if (total > RW_MAX_POINT_BYTES)
        return "point too large";
    if (rw_buf_reserve (buf, total))
        return "out of memory";
    uint8_t *at = buf->data + buf->size;
    uint16_t count = (uint16_t) point->label_count;
    memcpy (at, &point->value, 8);
    memcpy (at + 8, &point->timestamp_ms, 8);
    memcpy (at + 16, &count, 2);
    at = s_copy (at + S_HEADER, point->metric, sizes[0]);
    for (size_t i = 0; i < point->label_count; i++) {
        at = s_copy (at, point->labels[i].name, sizes[1 + 2 * i]);
        at = s_copy (at, point->labels[i].value, sizes[2 + 2 * i]);
    }
    buf->size += total;
    return NULL;
}

//  Returns the string at `*at` and moves *at past its NUL.
static const char *
s_string (const uint8_t **at)
{
    const char *text = (const char *) *at;
    *at += strlen (text) + 1;
    return text;
}

size_t
rw_record_read (const uint8_t *data, rw_point_t *point, rw_label_t *labels)
{
    uint16_t count;
    memcpy (&point->value, data, 8);
    memcpy (&point->timestamp_ms, data + 8, 8);
    memcpy (&count, data + 16, 2);
    const uint8_t *at = data + S_HEADER;
    point->metric = s_string (&at);
    for (uint16_t i = 0; i < count; i++) {
        labels[i].name = s_string (&at);
        labels[i].value = s_string (&at);
    }
    point->labels = labels;
    point->label_count = count;
    return (size_t) (at - data);
}
