/*  reply.c: every HTTP response the collector sends is queued here. */
#include "reply.h"

#include <stdlib.h>
#include <string.h>

//  Set once at start, before any reply: whether the port speaks TLS.
static bool s_tls = false;

void
reply_set_tls (bool tls)
{
    s_tls = tls;
}

enum MHD_Result
reply_queue (struct MHD_Connection *connection, unsigned status, struct MHD_Response *response,
             const char *content_type)
{
    if (!response)
        return MHD_NO;
    MHD_add_response_header (response, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    MHD_add_response_header (response, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    MHD_add_response_header (response, "X-Content-Type-Options", "nosniff");
    if (s_tls)
        MHD_add_response_header (response, "Strict-Transport-Security", "max-age=31536000");
    enum MHD_Result result = MHD_queue_response (connection, status, response);
    MHD_destroy_response (response);
    return result;
}

enum MHD_Result
reply_buffer (struct MHD_Connection *connection, unsigned status, const char *content_type,
              char *body, enum MHD_ResponseMemoryMode mode)
{
    return reply_buffer_sized (connection, status, content_type, body, body ? strlen (body) : 0,
                               mode);
}

enum MHD_Result
reply_buffer_sized (struct MHD_Connection *connection, unsigned status, const char *content_type,
                    char *body, size_t size, enum MHD_ResponseMemoryMode mode)
{
    if (!body)
        return MHD_NO;
    struct MHD_Response *response = MHD_create_response_from_buffer (size, body, mode);
    if (!response && mode == MHD_RESPMEM_MUST_FREE)
        free (body);
    return reply_queue (connection, status, response, content_type);
}

enum MHD_Result
reply_text (struct MHD_Connection *connection, unsigned status, const char *text)
{
    return reply_buffer (connection, status, "text/plain; charset=utf-8", (char *) text,
                         MHD_RESPMEM_PERSISTENT);
}

enum MHD_Result
reply_busy (struct MHD_Connection *connection, const char *text)
{
    struct MHD_Response *response =
        MHD_create_response_from_buffer (strlen (text), (void *) text, MHD_RESPMEM_PERSISTENT);
    if (response)
        MHD_add_response_header (response, MHD_HTTP_HEADER_RETRY_AFTER, "1");
    return reply_queue (connection, MHD_HTTP_SERVICE_UNAVAILABLE, response,
                        "text/plain; charset=utf-8");
}
