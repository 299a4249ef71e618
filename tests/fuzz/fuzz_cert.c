/*  fuzz_cert.c: libFuzzer target for the certificate reader (common/cert.c),
    which reads whatever files sit in the collector's --curve-allow directory. */
#include "cert.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (size > CERT_FILE_MAX)
        return 0;
    char *text = malloc (size + 1);
    if (!text)
        return 0;
    memcpy (text, data, size);
    text[size] = '\0';
    cert_t cert;
    char why[256];
    cert_parse (text, "fuzz", &cert, why, sizeof why);
    free (text);
    return 0;
}
