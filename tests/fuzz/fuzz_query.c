/*  fuzz_query.c: libFuzzer target for the query parameters of /feed and
    /api/history (query.h): `seconds=` and `history=` through query_seconds,
    `agent=` through query_glob and query_glob_match against series ids.

    Input: the first byte picks how the rest splits; the glob part is matched
    against a fixed set of ids and against the rest of the input itself.
*/
#include "query.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const char *const s_ids[] = {"web-1/host-a", "db/primary", "", "a*b?c[d]",
                                    "zapm-demo/1234/红"};

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char *text = malloc (size + 1);
    memcpy (text, data, size);
    text[size] = '\0';
    double seconds = -1;
    if (query_seconds (text, QUERY_SECONDS_MAX, &seconds) &&
        !(seconds >= 0 && seconds <= QUERY_SECONDS_MAX))
        abort (); //  accepted a value outside its range
    size_t split = size ? data[0] % (size + 1) : 0;
    char *glob_text = strndup (text, split);
    const char *glob = query_glob (glob_text);
    for (size_t i = 0; i < sizeof s_ids / sizeof s_ids[0]; i++)
        (void) query_glob_match (glob, s_ids[i]);
    (void) query_glob_match (glob, text + strlen (glob_text));
    free (glob_text);
    free (text);
    return 0;
}
