/*  test_sse.c: SSE framing, minifying, and Last-Event-ID parsing. */
#include "check.h"
#include "stream.h"

#include <string.h>

static void
test_frame (void)
{
    char buf[256];
    const char *json = "{\"cpu\":1}";
    size_t n = sse_frame (buf, "abcd1234", 42, NULL, json, strlen (json), false);
    const char *want = "id: abcd1234-42\ndata: {\"cpu\":1}\n\n";
    CHECK (n == strlen (want) && memcmp (buf, want, n) == 0);

    n = sse_frame (buf, "abcd1234", 7, "agent", json, strlen (json), false);
    want = "id: abcd1234-7\nevent: agent\ndata: {\"cpu\":1}\n\n";
    CHECK (n == strlen (want) && memcmp (buf, want, n) == 0);

    //  a multi-line sample is minified onto one data line; strings keep their spaces
    const char *pretty = "{\n  \"color\": \"dark red\",\r\n  \"cpu\": 1\n}";
    n = sse_frame (buf, "abcd1234", 1, NULL, pretty, strlen (pretty), true);
    want = "id: abcd1234-1\ndata: {\"color\":\"dark red\",\"cpu\":1}\n\n";
    CHECK (n == strlen (want) && memcmp (buf, want, n) == 0);

    //  an escaped backslash right before a closing quote ends the string
    const char *tricky = "{\"k\\\\\":\n1,\n\"s\":\"a b\\\"\\n\"}";
    n = sse_frame (buf, "abcd1234", 2, NULL, tricky, strlen (tricky), true);
    want = "id: abcd1234-2\ndata: {\"k\\\\\":1,\"s\":\"a b\\\"\\n\"}\n\n";
    CHECK (n == strlen (want) && memcmp (buf, want, n) == 0);

    //  the largest frame fits the documented overhead
    char big[SSE_FRAME_OVERHEAD + 4];
    n = sse_frame (big, "abcd1234", UINT64_MAX, "0123456789abcdef", "{}", 2, false);
    CHECK (n <= sizeof big - 1);
}

static void
test_small_frames (void)
{
    char buf[64];
    CHECK (sse_retry (buf, sizeof buf, 2000) == strlen ("retry: 2000\n\n"));
    CHECK (memcmp (buf, "retry: 2000\n\n", 13) == 0);
    CHECK (sse_retry (buf, 5, 2000) == 0);
    size_t n = sse_reset (buf, sizeof buf, "abcd1234");
    const char *want = "event: reset\ndata: {\"boot\":\"abcd1234\"}\n\n";
    CHECK (n == strlen (want) && memcmp (buf, want, n) == 0);
    CHECK (sse_reset (buf, 10, "abcd1234") == 0);
}

static void
test_parse_id (void)
{
    uint64_t seq = 0;
    CHECK (sse_parse_id ("abcd1234-17", "abcd1234", &seq) && seq == 17);
    CHECK (sse_parse_id ("abcd1234-0", "abcd1234", &seq) && seq == 0);
    CHECK (!sse_parse_id ("ffff0000-17", "abcd1234", &seq));
    CHECK (!sse_parse_id ("abcd1234-", "abcd1234", &seq));
    CHECK (!sse_parse_id ("abcd1234-12x", "abcd1234", &seq));
    CHECK (!sse_parse_id ("abcd1234+12", "abcd1234", &seq));
    CHECK (!sse_parse_id ("abcd1234-99999999999999999999999", "abcd1234", &seq));
    CHECK (!sse_parse_id ("", "abcd1234", &seq));
    CHECK (!sse_parse_id (NULL, "abcd1234", &seq));
}

static void
test_boot_token (void)
{
    char a[SSE_BOOT_LEN + 1];
    sse_boot_token (a);
    CHECK (strlen (a) == SSE_BOOT_LEN);
    CHECK (strspn (a, "0123456789abcdef") == SSE_BOOT_LEN);
}

int
main (void)
{
    test_frame ();
    test_small_frames ();
    test_parse_id ();
    test_boot_token ();
    return CHECK_DONE ();
}
