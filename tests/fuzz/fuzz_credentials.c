/*  fuzz_credentials.c: libFuzzer target for the Authorization header
    (credentials.h) and the base64 under it (base64.h).

    Checks, besides not crashing: what parses has a user of 1 to 64 bytes and
    no control byte in either part; base64 round-trips (encode then decode
    gives the input back; decode then encode gives the text back).
*/
#include "base64.h"
#include "credentials.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char *text = malloc (size + 1);
    memcpy (text, data, size);
    text[size] = '\0';
    credentials_t credentials;
    if (credentials_parse (text, &credentials)) {
        size_t user = strlen (credentials.user);
        if (user < 1 || user > USERS_NAME_MAX || strchr (credentials.user, ':'))
            abort ();
        for (const char *c = credentials.password; *c; c++)
            if ((unsigned char) *c < 0x20 || *c == 0x7f)
                abort ();
    }
    //  Decode then encode: a strict decoder accepts only canonical text.
    uint8_t *plain = malloc (size + 1);
    size_t plain_size = 0;
    if (base64_decode (text, size, plain, size + 1, &plain_size)) {
        char *again = malloc (4 * ((plain_size + 2) / 3) + 1);
        base64_encode (plain, plain_size, again);
        if (strlen (again) != size || memcmp (again, text, size) != 0)
            abort ();
        free (again);
    }
    //  Encode then decode.
    char *encoded = malloc (4 * ((size + 2) / 3) + 1);
    size_t length = base64_encode (data, size, encoded);
    if (!base64_decode (encoded, length, plain, size + 1, &plain_size) || plain_size != size ||
        memcmp (plain, data, size) != 0)
        abort ();
    free (encoded);
    free (plain);
    free (text);
    return 0;
}
