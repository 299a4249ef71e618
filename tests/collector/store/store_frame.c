/*  store_frame.c: see store_frame.h. */
#include "store_frame.h"
#include "clock.h"
#include "sample.h"

#include <string.h>

static store_numbers_t s_numbers;
static char s_color[ZAPM_COLOR_MAX + 1]; //  the last frame's colour

bool
store_frame_numbers (const char *frame, size_t size, store_ids_t *ids, store_numbers_t *numbers)
{
    sample_t sample;
    if (validate_sample_numbers (frame, size, &sample, numbers) != VALIDATE_OK)
        return false;
    memcpy (s_color, sample.color, sizeof s_color);
    *ids = (store_ids_t){sample.agent, sample.host, s_color,
                         sample.has_pid ? (int64_t) sample.pid : -1};
    return true;
}

bool
store_frame_append_at (store_t *store, const char *series_id, int64_t time_ns, int64_t received_ns,
                       const char *frame, size_t size)
{
    store_ids_t ids;
    return store_frame_numbers (frame, size, &ids, &s_numbers) &&
           store_append (store, series_id, &ids, time_ns, received_ns, &s_numbers);
}

bool
store_frame_append (store_t *store, const char *series_id, int64_t time_ns, const char *frame,
                    size_t size)
{
    return store_frame_append_at (store, series_id, time_ns, clock_wall_ns (), frame, size);
}

void
store_frame_sample (store_writer_t *writer, const char *series_id, int64_t time_ns,
                    const char *frame, size_t size, int64_t now_ns)
{
    store_ids_t ids;
    if (!store_frame_numbers (frame, size, &ids, &s_numbers) ||
        !store_writer_layout (writer, 0, s_numbers.paths, s_numbers.paths_size, s_numbers.count))
        return;
    store_writer_sample (writer, series_id, &ids, time_ns, 0, s_numbers.value, s_numbers.count,
                         now_ns, now_ns);
}
