/*  feed.c: the SSE stream at GET /feed.

    Each client is a ring cursor plus a few flags; it owns no event bytes. The
    reader callback below is the whole hot path of fan-out:

        closing?            -> end the stream
        first call?         -> "retry:" line
        behind the tail?    -> reset, jump to the newest event
        events available?   -> copy as many as fit, return them
        keep-alive due?     -> ": keep-alive"
        nothing             -> suspend, return 0

    Waking is O(suspended clients), so it is rate-limited by a gap that grows with
    the number of clients to wake (100 µs each, at most 50 ms): one idle client
    is woken at once for every event, ten thousand are woken twenty times a
    second, and the wake cost stays near a tenth of the loop's time either way.
*/
#include "feed.h"
#include "base.h"
#include "query.h"
#include "reply.h"
#include "stream.h"
#include "clock.h"
#include "wire.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define FEED_RETRY_MS          2000
#define FEED_OVERLOAD_RETRY_MS 15000
#define FEED_KEEPALIVE_NS      15000000000LL
#define FEED_WAKE_COST_NS      100000LL
#define FEED_WAKE_GAP_MAX_NS   50000000LL
#define FEED_BLOCK_SIZE        (4 * 1024)

typedef struct {
    feed_t *feed;                      //  the feed this client reads from
    struct MHD_Connection *connection; // its connection
    ring_cursor_t cursor;              //  next event to send
    bool prelude_sent;                 //  "retry:" written
    bool reset_pending;                //  owes the client an `event: reset`
    uint64_t keepalive_gen;            //  last keep-alive generation seen
    char *glob;                        //  ?agent= pattern, or NULL for all
    uint8_t *known;                    //  bitmap: series checked against glob
    uint8_t *match;                    //  bitmap: series that matched
    uint64_t recycled_seen;            //  series_map_recycled when the bitmaps were filled
    size_t suspended_at;               //  index in feed->suspended, when suspended
    bool suspended;                    //  in feed->suspended
} client_t;

struct _feed_t {
    ring_t *ring;           //  shared ring of framed events
    series_map_t *series;   //  series by index, for filters
    web_stats_t *stats;     //  counters
    const char *boot;       //  this run's token
    uint32_t max_clients;   //  stream limit
    uint32_t clients;       //  streams open
    client_t **suspended;   //  clients waiting for events
    size_t suspended_count; //  how many
    bool closing;           //  shutting down
    uint64_t keepalive_gen; //  bumped every FEED_KEEPALIVE_NS
    int64_t next_keepalive; //  when to bump it
    int64_t last_wake;      //  when clients were last woken
    int64_t wake_due;       //  scheduled wake, 0 if none
    bool resumed;           //  clients resumed since feed_take_resumed
};

feed_t *
feed_new (ring_t *ring, series_map_t *series, web_stats_t *stats, const char *boot,
          uint32_t max_clients)
{
    feed_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->suspended = calloc (max_clients ? max_clients : 1, sizeof *self->suspended);
    if (!self->suspended) {
        free (self);
        return NULL;
    }
    self->ring = ring;
    self->series = series;
    self->stats = stats;
    self->boot = boot;
    self->max_clients = max_clients;
    return self;
}

void
feed_destroy (feed_t **self_p)
{
    assert (self_p);
    feed_t *self = *self_p;
    if (self) {
        free (self->suspended);
        free (self);
        *self_p = NULL;
    }
}

static void
s_unlist (feed_t *self, client_t *client)
{
    if (!client->suspended)
        return;
    client_t *moved = self->suspended[--self->suspended_count];
    self->suspended[client->suspended_at] = moved;
    moved->suspended_at = client->suspended_at;
    client->suspended = false;
}

static void
s_wake_all (feed_t *self, int64_t mono_ns)
{
    for (size_t i = 0; i < self->suspended_count; i++) {
        client_t *client = self->suspended[i];
        client->suspended = false;
        MHD_resume_connection (client->connection);
    }
    if (self->suspended_count) {
        self->stats->wakes++;
        self->resumed = true;
    }
    self->suspended_count = 0;
    self->last_wake = mono_ns;
    self->wake_due = 0;
}

static bool
s_filter (void *arg, uint32_t index)
{
    client_t *client = arg;
    uint64_t recycled = series_map_recycled (client->feed->series);
    if (client->recycled_seen != recycled) {
        //  A series slot changed hands: what this client knew per index is stale.
        size_t bytes = (series_map_max (client->feed->series) + 7) / 8;
        memset (client->known, 0, bytes);
        memset (client->match, 0, bytes);
        client->recycled_seen = recycled;
    }
    uint8_t bit = (uint8_t) (1u << (index & 7));
    size_t byte = index >> 3;
    if (!(client->known[byte] & bit)) {
        client->known[byte] |= bit;
        series_t *series = series_map_at (client->feed->series, index);
        if (series && query_glob_match (client->glob, series->id))
            client->match[byte] |= bit;
    }
    return client->match[byte] & bit;
}

static ssize_t
s_reader (void *cls, uint64_t pos, char *buf, size_t max)
{
    (void) pos;
    client_t *client = cls;
    feed_t *self = client->feed;
    if (self->closing)
        return MHD_CONTENT_READER_END_OF_STREAM;

    size_t used = 0;
    if (!client->prelude_sent) {
        used += sse_retry (buf, max, FEED_RETRY_MS);
        client->prelude_sent = used > 0;
    }
    if (client->cursor.seq < ring_tail (self->ring)) {
        if (client->cursor.offset > 0)
            return MHD_CONTENT_READER_END_WITH_ERROR; //  half-sent event overwritten
        client->cursor.seq = ring_head (self->ring);
        client->reset_pending = true;
    }
    if (client->reset_pending) {
        size_t n = sse_reset (buf + used, max - used, self->boot);
        if (n > 0) {
            used += n;
            client->reset_pending = false;
            self->stats->resets++;
        }
    }
    used += ring_copy (self->ring, &client->cursor, buf + used, max - used,
                       client->glob ? s_filter : NULL, client);
    if (client->keepalive_gen != self->keepalive_gen) {
        client->keepalive_gen = self->keepalive_gen;
        if (used == 0 && max >= sizeof SSE_KEEPALIVE - 1) {
            memcpy (buf, SSE_KEEPALIVE, sizeof SSE_KEEPALIVE - 1);
            used = sizeof SSE_KEEPALIVE - 1;
        }
    }
    if (used > 0)
        return (ssize_t) used;

    //  Nothing to send: park the connection until feed_notify or feed_tick.
    client->suspended_at = self->suspended_count;
    client->suspended = true;
    self->suspended[self->suspended_count++] = client;
    MHD_suspend_connection (client->connection);
    return 0;
}

static void
s_client_destroy (client_t *client)
{
    free (client->glob);
    free (client->known);
    free (client->match);
    free (client);
}

//  MHD calls this when the stream's response is freed (the connection closed).
static void
s_client_free (void *cls)
{
    client_t *client = cls;
    s_unlist (client->feed, client);
    client->feed->clients--;
    s_client_destroy (client);
}

//  Where a new stream starts: after Last-Event-ID when the ring still holds it,
//  at the start of ?history=, else at the newest event. Returns false and sets
//  *error on a malformed parameter.
static bool
s_start_cursor (feed_t *self, struct MHD_Connection *connection, client_t *client,
                const char **error)
{
    uint64_t head = ring_head (self->ring), tail = ring_tail (self->ring);
    client->cursor.seq = head;
    const char *last_id =
        MHD_lookup_connection_value (connection, MHD_HEADER_KIND, "Last-Event-ID");
    if (!last_id)
        last_id = MHD_lookup_connection_value (connection, MHD_GET_ARGUMENT_KIND, "lastEventId");
    if (last_id && *last_id) {
        uint64_t seq;
        if (sse_parse_id (last_id, self->boot, &seq) && seq + 1 >= tail && seq < head)
            client->cursor.seq = seq + 1;
        else
            client->reset_pending = true;
        return true;
    }
    const char *history =
        MHD_lookup_connection_value (connection, MHD_GET_ARGUMENT_KIND, "history");
    if (history) {
        double seconds;
        if (!query_seconds (history, QUERY_SECONDS_MAX, &seconds)) {
            *error = "history must be a number of seconds between 0 and 86400\n";
            return false;
        }
        client->cursor.seq =
            ring_seek_time (self->ring, clock_mono_ns () - (int64_t) (seconds * 1e9));
    }
    return true;
}

static bool
s_set_filter (feed_t *self, struct MHD_Connection *connection, client_t *client)
{
    const char *glob = query_glob (
        MHD_lookup_connection_value (connection, MHD_GET_ARGUMENT_KIND, ZAPM_KEY_AGENT));
    if (!glob)
        return true;
    size_t bytes = (series_map_max (self->series) + 7) / 8;
    client->glob = strdup (glob);
    client->recycled_seen = series_map_recycled (self->series);
    client->known = calloc (bytes ? bytes : 1, 1);
    client->match = calloc (bytes ? bytes : 1, 1);
    return client->glob && client->known && client->match;
}

enum MHD_Result
feed_answer (feed_t *self, struct MHD_Connection *connection, bool head)
{
    assert (self);
    if (self->clients >= self->max_clients || self->closing) {
        self->stats->clients_rejected++;
        static char overload[32];
        sse_retry (overload, sizeof overload - 1, FEED_OVERLOAD_RETRY_MS);
        return reply_buffer (connection, MHD_HTTP_OK, "text/event-stream", overload,
                             MHD_RESPMEM_MUST_COPY);
    }
    if (head) {
        //  The stream's head and no body: no client, no chunked stream (whose
        //  end MHD 0.9.75 would send after a HEAD's head).
        struct MHD_Response *response =
            MHD_create_response_from_buffer (0, (void *) "", MHD_RESPMEM_PERSISTENT);
        if (response)
            MHD_add_response_header (response, "X-Accel-Buffering", "no");
        return reply_queue (connection, MHD_HTTP_OK, response, "text/event-stream");
    }
    client_t *client = calloc (1, sizeof *client);
    if (!client)
        return MHD_NO;
    client->feed = self;
    client->connection = connection;
    client->keepalive_gen = self->keepalive_gen;
    const char *error = NULL;
    if (!s_set_filter (self, connection, client) ||
        !s_start_cursor (self, connection, client, &error)) {
        s_client_destroy (client);
        return error ? reply_text (connection, MHD_HTTP_BAD_REQUEST, error) : MHD_NO;
    }
    struct MHD_Response *response = MHD_create_response_from_callback (
        MHD_SIZE_UNKNOWN, FEED_BLOCK_SIZE, s_reader, client, s_client_free);
    if (!response) {
        s_client_destroy (client);
        return MHD_NO;
    }
    self->clients++;
    MHD_add_response_header (response, "X-Accel-Buffering", "no");
    return reply_queue (connection, MHD_HTTP_OK, response, "text/event-stream");
}

void
feed_notify (feed_t *self, int64_t mono_ns)
{
    assert (self);
    if (self->suspended_count == 0)
        return;
    int64_t gap = (int64_t) self->suspended_count * FEED_WAKE_COST_NS;
    if (gap > FEED_WAKE_GAP_MAX_NS)
        gap = FEED_WAKE_GAP_MAX_NS;
    if (mono_ns - self->last_wake >= gap)
        s_wake_all (self, mono_ns);
    else if (!self->wake_due)
        self->wake_due = self->last_wake + gap;
}

int64_t
feed_tick (feed_t *self, int64_t mono_ns)
{
    assert (self);
    if (self->next_keepalive == 0)
        self->next_keepalive = mono_ns + FEED_KEEPALIVE_NS;
    if (mono_ns >= self->next_keepalive) {
        self->keepalive_gen++;
        self->next_keepalive = mono_ns + FEED_KEEPALIVE_NS;
        s_wake_all (self, mono_ns);
    }
    else if (self->wake_due && mono_ns >= self->wake_due)
        s_wake_all (self, mono_ns);
    int64_t next = self->next_keepalive;
    if (self->wake_due && self->wake_due < next)
        next = self->wake_due;
    return next;
}

void
feed_close (feed_t *self)
{
    assert (self);
    self->closing = true;
    s_wake_all (self, self->last_wake);
}

bool
feed_take_resumed (feed_t *self)
{
    assert (self);
    bool resumed = self->resumed;
    self->resumed = false;
    return resumed;
}

uint32_t
feed_clients (feed_t *self)
{
    assert (self);
    return self->clients;
}
