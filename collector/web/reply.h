/*  reply.h: every HTTP response the collector sends is queued here.

    One home for the headers every zapm reply carries (Content-Type,
    `Cache-Control: no-cache`, `X-Content-Type-Options: nosniff`, and
    `Strict-Transport-Security` when the port speaks TLS): the routes
    (http.c), the dashboard's assets, the 404 and 405 answers and the /feed
    stream (feed.c) all end in reply_queue, so a header that every reply must
    have is added in one place.
*/
#ifndef ZAPM_REPLY_H
#define ZAPM_REPLY_H

#include <microhttpd.h>
#include <stdbool.h>

//  Says once, before the server starts, whether replies go out over TLS (and
//  so carry Strict-Transport-Security).
void reply_set_tls (bool tls);

//  Adds the common headers and `content_type` to `response`, queues it with
//  `status` and destroys it (MHD keeps its own reference). A NULL response (out
//  of memory upstream) returns MHD_NO, which closes the connection.
enum MHD_Result reply_queue (struct MHD_Connection *connection, unsigned status,
                             struct MHD_Response *response, const char *content_type);

//  Queues `body` (a NUL-terminated string) with `status` and `content_type`.
//  `mode` says who owns body, as in MHD_create_response_from_buffer; with
//  MHD_RESPMEM_MUST_FREE it is freed whatever happens. A NULL body (out of
//  memory upstream) returns MHD_NO.
enum MHD_Result reply_buffer (struct MHD_Connection *connection, unsigned status,
                              const char *content_type, char *body,
                              enum MHD_ResponseMemoryMode mode);

//  reply_buffer for a body of `size` bytes whose length is known: a large
//  answer is not scanned for its NUL on the loop.
enum MHD_Result reply_buffer_sized (struct MHD_Connection *connection, unsigned status,
                                    const char *content_type, char *body, size_t size,
                                    enum MHD_ResponseMemoryMode mode);

//  Queues a short static text/plain answer (an error, a hint).
enum MHD_Result reply_text (struct MHD_Connection *connection, unsigned status, const char *text);

//  Queues `503 Service Unavailable` with `Retry-After: 1` and a short static
//  text/plain `text`: a refusal the client should retry in a second.
enum MHD_Result reply_busy (struct MHD_Connection *connection, const char *text);

#endif
