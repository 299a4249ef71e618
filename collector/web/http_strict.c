/*  http_strict.c: what RFC 9112 says to refuse in a request head (see http_strict.h). */
#include "http_strict.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

//  What s_scan_field found in a request's header fields.
typedef struct {
    unsigned lengths; //  Content-Length fields
    unsigned hosts;   //  Host fields
    bool body;        //  a Content-Length other than 0
    bool transfer;    //  a Transfer-Encoding field
    bool space;       //  whitespace before a field's colon
} head_scan_t;

static bool
s_named (const char *key, size_t size, const char *name)
{
    return size == strlen (name) && strncasecmp (key, name, size) == 0;
}

static enum MHD_Result
s_scan_field (void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void) kind;
    head_scan_t *scan = cls;
    //  MHD 0.9.75 keeps the whitespace before the colon in the name.
    size_t size = strlen (key);
    if (size > 0 && (key[size - 1] == ' ' || key[size - 1] == '\t'))
        scan->space = true;
    while (size > 0 && (key[size - 1] == ' ' || key[size - 1] == '\t'))
        size--;
    if (s_named (key, size, MHD_HTTP_HEADER_CONTENT_LENGTH)) {
        scan->lengths++;
        scan->body |= !value || strcmp (value, "0") != 0;
    }
    else if (s_named (key, size, MHD_HTTP_HEADER_TRANSFER_ENCODING))
        scan->transfer = true;
    else if (s_named (key, size, MHD_HTTP_HEADER_HOST))
        scan->hosts++;
    return MHD_YES;
}

const char *
http_strict_check (struct MHD_Connection *connection)
{
    head_scan_t scan = {0};
    MHD_get_connection_values (connection, MHD_HEADER_KIND, s_scan_field, &scan);
    if (scan.space)
        return "bad request: whitespace between a header field name and its colon\n";
    if (scan.lengths > 1)
        return "bad request: more than one Content-Length\n";
    if (scan.hosts > 1)
        return "bad request: more than one Host\n";
    if (scan.transfer)
        return "bad request: a GET or HEAD request takes no Transfer-Encoding\n";
    if (scan.body)
        return "bad request: a GET or HEAD request takes no body\n";
    return NULL;
}
