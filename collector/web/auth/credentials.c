/*  credentials.c: parsing `Authorization: Basic` (see credentials.h). */
#include "credentials.h"
#include "base64.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

bool
credentials_parse (const char *header, credentials_t *credentials)
{
    if (!header)
        return false;
    size_t length = strnlen (header, CREDENTIALS_HEADER_MAX + 1);
    if (length > CREDENTIALS_HEADER_MAX || length < 6 || strncasecmp (header, "Basic ", 6) != 0)
        return false;
    const char *text = header + 6;
    while (*text == ' ')
        text++;
    size_t text_length = length - (size_t) (text - header);
    uint8_t plain[CREDENTIALS_HEADER_MAX];
    size_t size = 0;
    if (!base64_decode (text, text_length, plain, sizeof plain, &size))
        return false;
    bool ok = true;
    for (size_t i = 0; i < size; i++)
        ok = ok && plain[i] >= 0x20 && plain[i] != 0x7f;
    uint8_t *colon = ok ? memchr (plain, ':', size) : NULL;
    size_t user_length = colon ? (size_t) (colon - plain) : 0;
    size_t password_length = colon ? size - user_length - 1 : 0;
    //  users_hash finds only names users.c accepted: no need to check the
    //  alphabet here beyond the length.
    ok = colon && user_length >= 1 && user_length <= USERS_NAME_MAX &&
         password_length <= CREDENTIALS_PASSWORD_MAX;
    if (ok) {
        memcpy (credentials->user, plain, user_length);
        credentials->user[user_length] = '\0';
        memcpy (credentials->password, colon + 1, password_length);
        credentials->password[password_length] = '\0';
    }
    explicit_bzero (plain, sizeof plain);
    return ok;
}

bool
credentials_equal (const void *a, const void *b, size_t length)
{
    const unsigned char *x = a, *y = b;
    unsigned char diff = 0;
    for (size_t i = 0; i < length; i++)
        diff |= (unsigned char) (x[i] ^ y[i]);
    return diff == 0;
}

void
credentials_wipe (credentials_t *credentials)
{
    explicit_bzero (credentials, sizeof *credentials);
}
