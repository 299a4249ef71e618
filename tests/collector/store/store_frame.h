/*  store_frame.h: JSON frames into the store as the collector's ingest hands
    them over (validate_sample_numbers, then the numbers), for the store's
    tests, crash driver and benchmark. Not thread-safe: one static buffer.
*/
#ifndef ZAPM_TESTS_STORE_FRAME_H
#define ZAPM_TESTS_STORE_FRAME_H

#include "store.h"
#include "store_writer.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

//  Validates `frame` and fills *ids (strings valid until the next call) and
//  *numbers. Returns false if the frame is not a valid sample.
bool store_frame_numbers (const char *frame, size_t size, store_ids_t *ids,
                          store_numbers_t *numbers);

//  store_append of a frame's numbers; false if invalid or dropped.
bool store_frame_append (store_t *store, const char *series_id, int64_t time_ns, const char *frame,
                         size_t size);

//  store_frame_append of a frame received (by ingest) at `received_ns`.
bool store_frame_append_at (store_t *store, const char *series_id, int64_t time_ns,
                            int64_t received_ns, const char *frame, size_t size);

//  store_writer_sample of a frame's numbers, its layout defined as a one-off.
void store_frame_sample (store_writer_t *writer, const char *series_id, int64_t time_ns,
                         const char *frame, size_t size, int64_t now_ns);

#endif
