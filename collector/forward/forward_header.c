/*  forward_header.c: the header frame of a forwarded batch, written and read. */
#include "forward_header.h"
#include "textbuf.h"
#include "utf8.h"

#include <cjson/cJSON.h>
#include <string.h>

#define S_MARKER     "{\"" ZAPM_KEY_FORWARD "\":"
#define S_HEADER_MAX 1024 //  bytes a header may take

bool
forward_header_is (const char *data, size_t size)
{
    return size >= sizeof S_MARKER - 1 && memcmp (data, S_MARKER, sizeof S_MARKER - 1) == 0;
}

//  A boot token: SSE_BOOT_LEN lower-case hex digits.
static bool
s_is_boot (const char *text)
{
    if (strlen (text) != SSE_BOOT_LEN)
        return false;
    for (const char *p = text; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

//  An edge name: 1 to ZAPM_FORWARD_EDGE_MAX bytes (UTF-8, checked with the
//  frame), no control characters: it ends up in log lines and /metrics labels.
static bool
s_is_name (const char *text)
{
    size_t length = strlen (text);
    if (length == 0 || length > ZAPM_FORWARD_EDGE_MAX)
        return false;
    for (const unsigned char *p = (const unsigned char *) text; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

bool
forward_header_parse (const char *data, size_t size, forward_header_t *header)
{
    if (size > S_HEADER_MAX || !forward_header_is (data, size) || !utf8_valid (data, size))
        return false;
    cJSON *root = cJSON_ParseWithLength (data, size);
    const cJSON *version = cJSON_GetObjectItemCaseSensitive (root, ZAPM_KEY_FORWARD);
    const cJSON *edge = cJSON_GetObjectItemCaseSensitive (root, ZAPM_KEY_EDGE);
    const cJSON *path = cJSON_GetObjectItemCaseSensitive (root, ZAPM_KEY_PATH);
    bool ok = cJSON_IsNumber (version) && version->valuedouble == ZAPM_FORWARD_VERSION &&
              cJSON_IsString (edge) && s_is_name (edge->valuestring) && cJSON_IsArray (path) &&
              cJSON_GetArraySize (path) >= 1 && cJSON_GetArraySize (path) <= ZAPM_FORWARD_PATH_MAX;
    if (ok) {
        memset (header, 0, sizeof *header);
        strcpy (header->edge, edge->valuestring);
        const cJSON *hop;
        cJSON_ArrayForEach (hop, path)
        {
            if (!cJSON_IsString (hop) || !s_is_boot (hop->valuestring)) {
                ok = false;
                break;
            }
            strcpy (header->path[header->hops++], hop->valuestring);
        }
    }
    cJSON_Delete (root);
    return ok;
}

bool
forward_header_visited (const forward_header_t *header, const char *boot)
{
    for (size_t i = 0; i < header->hops; i++)
        if (strcmp (header->path[i], boot) == 0)
            return true;
    return false;
}

size_t
forward_header_write (const forward_header_t *header, char *buf, size_t size)
{
    textbuf_t out = textbuf_fixed (buf, size);
    TEXTBUF_LIT (&out, S_MARKER);
    textbuf_u64 (&out, ZAPM_FORWARD_VERSION);
    TEXTBUF_LIT (&out, ",\"" ZAPM_KEY_EDGE "\":");
    textbuf_json_string (&out, header->edge, strlen (header->edge));
    TEXTBUF_LIT (&out, ",\"" ZAPM_KEY_PATH "\":[");
    for (size_t i = 0; i < header->hops; i++) {
        if (i)
            textbuf_putc (&out, ',');
        textbuf_json_string (&out, header->path[i], strlen (header->path[i]));
    }
    TEXTBUF_LIT (&out, "]}");
    return out.overflow ? 0 : textbuf_length (&out);
}
