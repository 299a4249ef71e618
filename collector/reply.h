/*  reply.h: queue a whole-body HTTP response, with the headers every zapm reply has.

    The routes (http.c) and the feed's short answers (feed.c: the overload retry,
    a bad parameter) all answer this way: a body in memory, a content type,
    `Cache-Control: no-cache` and `X-Content-Type-Options: nosniff`.
*/
#ifndef ZAPM_REPLY_H
#define ZAPM_REPLY_H

#include <microhttpd.h>

//  Queues `body` (a NUL-terminated string) with `status` and `content_type`.
//  `mode` says who owns body, as in MHD_create_response_from_buffer; with
//  MHD_RESPMEM_MUST_FREE it is freed whatever happens. A NULL body (out of
//  memory upstream) returns MHD_NO, which closes the connection.
enum MHD_Result reply_buffer (struct MHD_Connection *connection, unsigned status,
                              const char *content_type, char *body,
                              enum MHD_ResponseMemoryMode mode);

#endif
