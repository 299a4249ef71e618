/*  users.h: the users file behind --users, one `name:HASH` line per user.

    HASH is a crypt(3) string: yescrypt `$y$`, bcrypt `$2b$` (or `$2y$`),
    SHA-512 `$6$` or SHA-256 `$5$`, as `mkpasswd -m yescrypt` or
    `openssl passwd -6` print them. Blank lines and lines starting with '#' are
    skipped. A name is 1 to USERS_NAME_MAX bytes of letters, digits and
    `._@-`; names are unique. The parser only checks the hash's form (its
    prefix and alphabet): checking it by hashing would cost a slow hash per
    user on the collector's loop at every reload.

    A table is immutable once parsed; a reload builds a new one and swaps it in,
    so a file that does not parse leaves the old users in place.
*/
#ifndef ZAPM_USERS_H
#define ZAPM_USERS_H

#include <stdbool.h>
#include <stddef.h>

#define USERS_NAME_MAX 64
#define USERS_HASH_MAX 255
#define USERS_MAX      1000

typedef struct _users_t users_t;

//  Parses `size` bytes of `text`. Returns the table, or NULL and writes why
//  (with the line number) into `error` (`error_size` bytes). An empty file
//  (no users) is an error too: it would lock everyone out.
users_t *users_parse (const char *text, size_t size, char *error, size_t error_size);

//  Reads and parses `path` (secret_file_read: mode 0600 or 0640 only).
users_t *users_load (const char *path, char *error, size_t error_size);

//  Frees the table and sets *self_p to NULL.
void users_destroy (users_t **self_p);

//  The hash of user `name`, or NULL when there is no such user.
const char *users_hash (const users_t *self, const char *name);

//  Some user's hash, to verify unknown names against so that they cost as
//  much as known ones (no user enumeration by timing).
const char *users_any_hash (const users_t *self);

//  How many users the table holds.
size_t users_count (const users_t *self);

#endif
