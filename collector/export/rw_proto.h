/*  rw_proto.h: one point of Prometheus remote write 1.0, encoded as protobuf.

    A remote write request body is a `WriteRequest`, and a `WriteRequest` is
    nothing but its `timeseries` fields one after the other. So each point is
    encoded on its own, as one complete field 1 holding a `TimeSeries` with its
    labels and one `Sample`, and a batch is the concatenation of such fields:
    batches grow by appending bytes and need no second pass.

        message WriteRequest { repeated TimeSeries timeseries = 1; }
        message TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
        message Label        { string name = 1; string value = 2; }
        message Sample       { double value = 1; int64 timestamp = 2; }

    The encoder is written by hand (varints and length-delimited fields): the
    format is four messages long and a generated codec would add a dependency
    and a copy. It checks what the protocol requires of a point (a valid metric
    name and label names, unique label names) and writes the labels sorted by
    name with `__name__` among them. Labels with an empty value are left out, as
    Prometheus treats an empty value as no label at all.
*/
#ifndef ZAPM_RW_PROTO_H
#define ZAPM_RW_PROTO_H

#include <stddef.h>
#include <stdint.h>

//  One label of a point: a name and a value, both NUL-terminated UTF-8.
typedef struct {
    const char *name;  //  [a-zA-Z_][a-zA-Z0-9_]*, not "__name__"
    const char *value; //  any UTF-8; empty means "no such label"
} rw_label_t;

//  One point: a metric name, its labels in any order, a value and a time.
typedef struct {
    const char *metric;       //  [a-zA-Z_:][a-zA-Z0-9_:]*, sent as label __name__
    const rw_label_t *labels; //  label_count labels, any order; may be NULL if none
    size_t label_count;       //  at most RW_MAX_LABELS
    double value;             //  the sample value
    int64_t timestamp_ms;     //  milliseconds since the Unix epoch
} rw_point_t;

#define RW_MAX_LABELS      32    //  labels per point, besides __name__
#define RW_MAX_NAME        256   //  bytes of a metric or label name
#define RW_MAX_VALUE       2048  //  bytes of a label value
#define RW_MAX_POINT_BYTES 16384 //  bytes of one point, encoded or as a queue record, at most

//  A growable byte buffer the encoder appends to.
typedef struct {
    uint8_t *data;   //  bytes written, heap
    size_t size;     //  bytes in use
    size_t capacity; //  bytes allocated
} rw_buf_t;

//  Makes sure `buf` has room for `more` bytes past its size. Returns 0, or -1 if
//  memory is short (the buffer is unchanged).
int rw_buf_reserve (rw_buf_t *buf, size_t more);

//  Frees the buffer's bytes and empties it.
void rw_buf_free (rw_buf_t *buf);

//  Appends `point` to `buf` as one `timeseries` field of a WriteRequest. Returns
//  NULL on success; otherwise, leaving `buf` as it was, a short static text
//  saying what is wrong with the point ("bad metric name", "duplicate label
//  name", ...) or "out of memory".
const char *rw_proto_append (rw_buf_t *buf, const rw_point_t *point);

#endif
