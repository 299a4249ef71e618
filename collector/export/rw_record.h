/*  rw_record.h: a point copied as it was given, the way it waits in the queue.

    remote_write_append runs on the collector's loop thread, so it does as
    little as it can: it checks the limits that bound a point's size and copies
    the point's numbers and strings into one flat record. Checking names,
    sorting labels and encoding protobuf happen later, on the sender thread,
    which reads the record back with no copy (the strings keep their NUL).

    Layout: value (8 bytes), timestamp (8), label count (2), then the metric
    name and each label's name and value, each with its terminating NUL.
*/
#ifndef ZAPM_RW_RECORD_H
#define ZAPM_RW_RECORD_H

#include "rw_proto.h"

//  Appends `point` to `buf` as a record. Returns NULL, or (leaving `buf` as it
//  was) why the point cannot be queued: "too many labels", "label value too
//  long", "name too long", "point too large", "missing name or value" or
//  "out of memory".
const char *rw_record_write (rw_buf_t *buf, const rw_point_t *point);

//  Reads the record at `data` (written by rw_record_write) into *point, whose
//  labels point into `labels` (room for RW_MAX_LABELS) and whose strings point
//  into the record. Returns the record's size in bytes.
size_t rw_record_read (const uint8_t *data, rw_point_t *point, rw_label_t *labels);

#endif
