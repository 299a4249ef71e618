/*  rw_secret.c: secrets from files, checked before they are trusted.

    The file is read and its mode checked by secret_file_read, the one rule
    for every secret file (secret_file.h); this adds what a header value
    needs: one line, no control characters.
*/
#include "rw_secret.h"
#include "base.h"
#include "secret_file.h"

#include <stdlib.h>
#include <string.h>

#define S_MAX_SECRET 4096

char *
rw_secret_read (const char *path, const char *what)
{
    char error[1024];
    size_t size = 0;
    char *text = secret_file_read (path, true, S_MAX_SECRET, &size, error, sizeof error);
    if (!text) {
        log_error ("remote write: the %s file: %s", what, error);
        return NULL;
    }
    //  Into a buffer of the size rw_secret_free wipes.
    char *secret = calloc (1, S_MAX_SECRET + 2);
    if (secret)
        memcpy (secret, text, size);
    explicit_bzero (text, size);
    free (text);
    const char *wrong = NULL;
    if (!secret)
        wrong = "out of memory";
    else {
        if (size > 0 && secret[size - 1] == '\n')
            secret[--size] = '\0';
        if (size > 0 && secret[size - 1] == '\r')
            secret[--size] = '\0';
        if (size == 0)
            wrong = "it is empty";
        for (size_t i = 0; i < size && !wrong; i++)
            if ((unsigned char) secret[i] < 0x20 || secret[i] == 0x7f)
                wrong = "it holds a control character or a second line";
    }
    if (wrong) {
        log_error ("remote write: cannot use the %s file %s: %s", what, path, wrong);
        rw_secret_free (secret);
        return NULL;
    }
    return secret;
}

void
rw_secret_free (char *secret)
{
    if (secret) {
        explicit_bzero (secret, S_MAX_SECRET + 2);
        free (secret);
    }
}
