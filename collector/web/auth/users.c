/*  users.c: parsing the users file (see users.h for its format). */
#include "users.h"
#include "secret_file.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char name[USERS_NAME_MAX + 1]; //  login name
    char hash[USERS_HASH_MAX + 1]; //  crypt(3) string
} user_t;

struct _users_t {
    user_t *users; //  in file order
    size_t count;  //  how many
};

static const char *const s_prefixes[] = {"$y$", "$2b$", "$2y$", "$6$", "$5$"};

static bool
s_name_ok (const char *name, size_t length)
{
    if (length == 0 || length > USERS_NAME_MAX)
        return false;
    for (size_t i = 0; i < length; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '@' || c == '-';
        if (!ok)
            return false;
    }
    return true;
}

//  A crypt(3) string of a method we accept, in crypt's alphabet.
static bool
s_hash_ok (const char *hash, size_t length)
{
    if (length < 8 || length > USERS_HASH_MAX)
        return false;
    bool prefix = false;
    for (size_t i = 0; i < sizeof s_prefixes / sizeof s_prefixes[0]; i++)
        prefix = prefix || strncmp (hash, s_prefixes[i], strlen (s_prefixes[i])) == 0;
    if (!prefix)
        return false;
    for (size_t i = 0; i < length; i++) {
        char c = hash[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '/' || c == '$' || c == '=';
        if (!ok)
            return false;
    }
    return true;
}

users_t *
users_parse (const char *text, size_t size, char *error, size_t error_size)
{
    users_t *self = calloc (1, sizeof *self);
    if (!self) {
        snprintf (error, error_size, "out of memory");
        return NULL;
    }
    const char *at = text, *end = text + size;
    for (unsigned line = 1; at < end; line++) {
        const char *eol = memchr (at, '\n', (size_t) (end - at));
        size_t length = eol ? (size_t) (eol - at) : (size_t) (end - at);
        const char *next = eol ? eol + 1 : end;
        if (length > 0 && at[length - 1] == '\r')
            length--;
        if (length == 0 || at[0] == '#') {
            at = next;
            continue;
        }
        const char *colon = memchr (at, ':', length);
        size_t name_length = colon ? (size_t) (colon - at) : length;
        const char *hash = colon ? colon + 1 : at + length;
        size_t hash_length = length - name_length - (colon ? 1 : 0);
        const char *why = NULL;
        if (!colon)
            why = "expected name:HASH";
        else if (!s_name_ok (at, name_length))
            why = "the name must be 1 to 64 letters, digits or ._@-";
        else if (!s_hash_ok (hash, hash_length))
            why = "the hash must be a crypt(3) string starting $y$, $2b$, $2y$, $6$ or $5$ "
                  "(make one with mkpasswd or openssl passwd -6)";
        else if (self->count == USERS_MAX)
            why = "too many users (at most 1000)";
        if (!why) {
            char name[USERS_NAME_MAX + 1];
            memcpy (name, at, name_length);
            name[name_length] = '\0';
            if (users_hash (self, name))
                why = "this name is already listed";
        }
        if (!why && self->count % 16 == 0) {
            user_t *grown = realloc (self->users, (self->count + 16) * sizeof *grown);
            if (grown)
                self->users = grown;
            else
                why = "out of memory";
        }
        if (why) {
            snprintf (error, error_size, "line %u: %s", line, why);
            users_destroy (&self);
            return NULL;
        }
        user_t *user = &self->users[self->count++];
        memcpy (user->name, at, name_length);
        user->name[name_length] = '\0';
        memcpy (user->hash, hash, hash_length);
        user->hash[hash_length] = '\0';
        at = next;
    }
    if (self->count == 0) {
        snprintf (error, error_size, "no users (one name:HASH line per user)");
        users_destroy (&self);
    }
    return self;
}

users_t *
users_load (const char *path, char *error, size_t error_size)
{
    size_t size = 0;
    char *text = secret_file_read (path, true, SECRET_FILE_MAX, &size, error, error_size);
    if (!text)
        return NULL;
    char why[256];
    users_t *self = users_parse (text, size, why, sizeof why);
    if (!self)
        snprintf (error, error_size, "%s: %s", path, why);
    free (text);
    return self;
}

void
users_destroy (users_t **self_p)
{
    assert (self_p);
    users_t *self = *self_p;
    if (self) {
        free (self->users);
        free (self);
        *self_p = NULL;
    }
}

const char *
users_hash (const users_t *self, const char *name)
{
    assert (self);
    for (size_t i = 0; i < self->count; i++)
        if (strcmp (self->users[i].name, name) == 0)
            return self->users[i].hash;
    return NULL;
}

const char *
users_any_hash (const users_t *self)
{
    assert (self);
    return self->count ? self->users[0].hash : NULL;
}

size_t
users_count (const users_t *self)
{
    assert (self);
    return self->count;
}
