/*  http_strict.h: what RFC 9112 says to refuse and libmicrohttpd 0.9.75 lets through.

    Debian's libmicrohttpd 0.9.75 has MHD_OPTION_STRICT_FOR_CLIENT but not the
    later MHD_OPTION_CLIENT_DISCIPLINE_LVL. At 1 (http.c sets it) it refuses an
    HTTP/1.1 request without Host and spaces in the request target; its check
    for whitespace before a header's colon runs only at -1, its most tolerant
    level. The rest is checked here, on the complete head, before any route:
    a second Content-Length (equal or not: request smuggling starts with two
    lengths), a second Host, whitespace between a field name and its colon
    (`Transfer-Encoding : chunked`), Transfer-Encoding on GET or HEAD, a body
    (Content-Length other than 0) on GET or HEAD. docs/SECURITY.md, "HTTP
    strictness", lists who refuses what.
*/
#ifndef ZAPM_HTTP_STRICT_H
#define ZAPM_HTTP_STRICT_H

#include <microhttpd.h>

//  The 400 answer's text (static, ends in a newline) for a head that must be
//  refused, or NULL for a sound one. Call it on the access handler's first call.
const char *http_strict_check (struct MHD_Connection *connection);

#endif
