/*  validate.h: turns one received frame into a validated sample, or a reason to drop it.

    This is the collector's trust boundary: every byte an agent sends passes here
    once. A frame is rejected when it is too large, not UTF-8, holds raw control
    characters, is not a JSON object, lacks a numeric `cpu` or `mem`, has neither
    `color` nor `agent`, gives a known key twice, carries a field the protocol
    knows with the wrong type (or an `interval` over a day), or has a control
    character in a name: in `agent`, `host`, `color` or a `custom` metric's
    name (U+0000..U+001F, U+007F..U+009F), or a NUL (`\u0000`) anywhere, which
    the collector's C strings would cut short (so "ab\u0000cd" would be filed
    as "ab"). Unknown fields are kept.

    On success the sample's identity and the numbers the collector keeps per series
    are extracted, so later stages never parse the JSON again.
*/
#ifndef ZAPM_VALIDATE_H
#define ZAPM_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metric_map.h"
#include "store_numbers.h"
#include "wire.h"

//  Why a frame was dropped. VALIDATE_OK is not a reason.
typedef enum {
    VALIDATE_OK = 0,
    VALIDATE_TOO_LARGE,         //  more than ZAPM_WIRE_MAX_BYTES
    VALIDATE_NOT_UTF8,          //  invalid UTF-8 (or a NUL byte)
    VALIDATE_NOT_JSON,          //  does not parse as JSON
    VALIDATE_NOT_OBJECT,        //  JSON, but not an object
    VALIDATE_MISSING_CPU_MEM,   //  `cpu` or `mem` missing
    VALIDATE_MISSING_IDENTITY,  //  neither `color` nor `agent`
    VALIDATE_WRONG_TYPE,        //  a known field has the wrong type
    VALIDATE_IDENTITY_TOO_LONG, // identity longer than ZAPM_IDENTITY_MAX
    VALIDATE_MULTIPART,         //  part of a multipart message (one sample = one frame)
    VALIDATE_DUPLICATE_KEY,     //  a known key appears twice in one object
    VALIDATE_CONTROL_CHARACTER, //  a control character in a name, or \u0000 anywhere
    VALIDATE_TOO_OLD,           //  `timestamp` before the window (sample_time_check)
    VALIDATE_TOO_NEW,           //  `timestamp` after the window (sample_time_check)
    VALIDATE_REASONS            //  number of values, keep last
} validate_reason_t;

//  One entry of `custom` with a name short enough to keep.
typedef struct {
    char name[ZAPM_CUSTOM_NAME_MAX + 1]; //  metric name
    double value;                        //  its value
} sample_custom_t;

//  What the collector keeps from a valid sample. Strings point into `identity`
//  storage or are copied; nothing points into the frame.
typedef struct {
    char identity[ZAPM_IDENTITY_MAX + 1];    //  docs/HTTP-API.md, "Series identity"
    const char *agent;                       //  `agent` if not empty, else NULL (*)
    const char *host;                        //  `host` if not empty, else NULL (*)
    bool has_pid;                            //  `pid` present
    uint64_t pid;                            //  `pid`
    char color[ZAPM_COLOR_MAX + 1];          //  `color`; "" when absent or too long
    bool has_seq;                            //  `seq` present
    uint64_t seq;                            //  `seq`
    double interval;                         //  `interval` in seconds, 0 when absent
    int64_t wall_ns;                         //  `timestamp` parsed, 0 when absent or unparsable
    bool has_timestamp;                      //  `timestamp` present, parsable or not
    double cpu;                              //  `cpu`
    double mem;                              //  `mem`
    double sys_cpu;                          //  `sys.cpu_percent`, NAN when absent
    double sys_mem;                          //  `sys.mem.percent`, NAN when absent
    double load1;                            //  `sys.load[0]`, NAN when absent
    bool has_line_break;                     //  frame holds CR or LF (must be minified before SSE)
    uint32_t custom_count;                   //  entries in custom
    sample_custom_t custom[ZAPM_CUSTOM_MAX]; //  first `custom` metrics with short names
    uint64_t custom_counters;                //  bit k set: custom[k] is named in `counters`
    metric_values_t metrics;                 //  the exported numbers (metric_map.h)
} sample_t;
//  (*) These point into the validator's parse, valid until the next
//  validate_sample call on the same thread: copy what must last.

//  Validates `size` bytes at `data`. On success fills *sample and returns
//  VALIDATE_OK; otherwise returns the reason and *sample is undefined.
//  Safe from several threads: each parses in an arena of its own.
validate_reason_t validate_sample (const char *data, size_t size, sample_t *sample);

//  The same, and on success also collects the numbers the store keeps into
//  *numbers (store_numbers.h) from the same parse, unless it is NULL.
validate_reason_t validate_sample_numbers (const char *data, size_t size, sample_t *sample,
                                           store_numbers_t *numbers);

//  The window a sample's `timestamp` must fall in, around the wall clock when
//  it arrives: at most SAMPLE_PAST_WINDOW_S behind, SAMPLE_FUTURE_WINDOW_S
//  ahead. The store's default window (store.h) is this one, so a point that
//  memory keeps is one the store takes.
#define SAMPLE_PAST_WINDOW_S   600
#define SAMPLE_FUTURE_WINDOW_S 60

//  Which time a sample is filed at (sample_time_check), or why it is refused.
//  A timestamp outside the window is refused, in memory and in the store alike:
//  filing it at its arrival time would say it was measured when it was not, and
//  would put it after the agent's next, truly later, samples, which the store
//  then refuses as out of order.
typedef enum {
    SAMPLE_TIME_UNREADABLE, //  `timestamp` not ISO 8601 or past 2262: its arrival time
    SAMPLE_TIME_RETIMED,    //  (the number of reasons above, which ingest counts)
    SAMPLE_TIME_OWN,        //  its own `timestamp`, inside the window
    SAMPLE_TIME_NONE,       //  no `timestamp`: its arrival time
    SAMPLE_TIME_TOO_OLD,    //  `timestamp` before the window: refused (VALIDATE_TOO_OLD)
    SAMPLE_TIME_TOO_NEW     //  `timestamp` after the window: refused (VALIDATE_TOO_NEW)
} sample_time_t;

//  Says which time `sample`, arriving at `received_ns` (wall clock, Unix
//  ns), is filed at, or that it is refused; ingest counts the retimed ones
//  (zapm_samples_retimed_total{reason="unreadable"}) and the refused ones
//  (zapm_samples_invalid_total{reason="too_old"|"too_new"}).
sample_time_t sample_time_check (const sample_t *sample, int64_t received_ns);

//  "unreadable" for a retimed sample (/metrics labels).
const char *sample_time_name (sample_time_t how);

//  The time `sample` was taken, Unix ns: its `timestamp` when it is within
//  the window around `received_ns` (the wall clock when it arrived), else
//  `received_ns`. The one rule for the time of a point in memory, in the
//  store and in remote write: ingest computes it once per sample and hands
//  it to each. A timestamp in 1970 or 9999 is never a point of its own.
int64_t sample_time_ns (const sample_t *sample, int64_t received_ns);

//  Returns the short snake_case name of a reason, used in logs and /metrics labels.
const char *validate_reason_name (validate_reason_t reason);

#endif
