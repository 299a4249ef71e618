/*  credentials.h: the user and password in an `Authorization: Basic` header.

    RFC 7617: the scheme (any case), one or more spaces, then base64 of
    "user:password"; the user ends at the first colon, the password may hold
    colons. The header comes from anyone who reaches the port, so the parser
    is total, bounded (CREDENTIALS_HEADER_MAX) and strict: no NUL or control
    byte in either part (they would cut the string crypt(3) sees), a user as
    users.h allows. It has a libFuzzer target (tests/fuzz/fuzz_credentials.c).
*/
#ifndef ZAPM_CREDENTIALS_H
#define ZAPM_CREDENTIALS_H

#include "users.h"

#include <stdbool.h>
#include <stddef.h>

//  Longest Authorization value read, and the longest password it can carry.
#define CREDENTIALS_HEADER_MAX   512
#define CREDENTIALS_PASSWORD_MAX 256

typedef struct {
    char user[USERS_NAME_MAX + 1];               //  NUL-terminated
    char password[CREDENTIALS_PASSWORD_MAX + 1]; //  NUL-terminated
} credentials_t;

//  Parses an Authorization value into *credentials. Returns false for a
//  missing, malformed, oversized or non-Basic value.
bool credentials_parse (const char *header, credentials_t *credentials);

//  True when the `length` bytes at `a` and `b` are equal, in a time that
//  depends on `length` only: the one comparison used for secrets (cached
//  Authorization values, password hashes).
bool credentials_equal (const void *a, const void *b, size_t length);

//  Wipes *credentials (the password) so it does not linger in memory.
void credentials_wipe (credentials_t *credentials);

#endif
