/*  feed.h: the SSE stream at GET /feed, one cursor into the shared ring per client.

    libmicrohttpd pulls bytes through a content-reader callback. The reader copies
    as many ring events as fit; when it has none, and only then, it suspends its
    connection and returns 0 (returning 0 without suspending makes MHD spin).
    New events wake the suspended clients: at once when idle, and coalesced under
    load so that waking costs stay flat as clients grow (about 10 µs per wake).

    A client behind the ring's tail gets `event: reset` and skips to the newest
    event, so a reader that stalls never grows memory or delays anyone else.
*/
#ifndef ZAPM_FEED_H
#define ZAPM_FEED_H

#include "stream.h"
#include "series.h"
#include "web_stats.h"

#include <microhttpd.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct _feed_t feed_t;

//  Creates the feed over `ring` and `series` (both outliving it), serving at most
//  `max_clients` streams. `boot` is this run's token (kept by reference).
feed_t *feed_new (ring_t *ring, series_map_t *series, web_stats_t *stats, const char *boot,
                  uint32_t max_clients);

//  Destroys the feed and sets *self_p to NULL. Every stream must have ended.
void feed_destroy (feed_t **self_p);

//  Answers a GET /feed request: a stream, or the overload answer when full.
//  With `head` (a HEAD request) the stream's headers alone, and no stream.
enum MHD_Result feed_answer (feed_t *self, struct MHD_Connection *connection, bool head);

//  Tells the feed new events are in the ring. Wakes suspended clients now or
//  schedules it, depending on load.
void feed_notify (feed_t *self, int64_t mono_ns);

//  Runs timers: scheduled wakes and the 15 s keep-alive. Returns the monotonic
//  time at which it next needs to run.
int64_t feed_tick (feed_t *self, int64_t mono_ns);

//  Starts shutdown: every stream ends at its next read; all clients are woken.
void feed_close (feed_t *self);

//  True if clients were resumed since the last call: MHD must run to serve them
//  (it does not signal its own fd for resumed connections in this mode).
bool feed_take_resumed (feed_t *self);

//  Streams open now.
uint32_t feed_clients (feed_t *self);

#endif
