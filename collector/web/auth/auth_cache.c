/*  auth_cache.c: the verified-credentials cache (see auth_cache.h). */
#include "auth_cache.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define S_SETS 64
#define S_WAYS 4

typedef struct {
    uint64_t hash;                      //  SipHash of value, 0 = empty slot
    int64_t added;                      //  monotonic ns when verified
    size_t length;                      //  bytes in value
    char value[CREDENTIALS_HEADER_MAX]; //  the Authorization value
} entry_t;

struct _auth_cache_t {
    uint64_t key[2];                 //  SipHash key
    entry_t entries[S_SETS][S_WAYS]; //  the sets
};

#define S_ROTL(x, b) (uint64_t) (((x) << (b)) | ((x) >> (64 - (b))))
#define S_ROUND(v0, v1, v2, v3)                                                                    \
    do {                                                                                           \
        v0 += v1, v1 = S_ROTL (v1, 13), v1 ^= v0, v0 = S_ROTL (v0, 32);                            \
        v2 += v3, v3 = S_ROTL (v3, 16), v3 ^= v2;                                                  \
        v0 += v3, v3 = S_ROTL (v3, 21), v3 ^= v0;                                                  \
        v2 += v1, v1 = S_ROTL (v1, 17), v1 ^= v2, v2 = S_ROTL (v2, 32);                            \
    } while (0)

//  SipHash-2-4 (Aumasson and Bernstein), the reference algorithm.
static uint64_t
s_siphash (const uint64_t key[2], const uint8_t *data, size_t size)
{
    uint64_t v0 = 0x736f6d6570736575ULL ^ key[0], v1 = 0x646f72616e646f6dULL ^ key[1];
    uint64_t v2 = 0x6c7967656e657261ULL ^ key[0], v3 = 0x7465646279746573ULL ^ key[1];
    size_t whole = size & ~(size_t) 7;
    for (size_t i = 0; i < whole; i += 8) {
        uint64_t m;
        memcpy (&m, data + i, 8);
        v3 ^= m;
        S_ROUND (v0, v1, v2, v3);
        S_ROUND (v0, v1, v2, v3);
        v0 ^= m;
    }
    uint64_t b = (uint64_t) size << 56;
    for (size_t i = whole; i < size; i++)
        b |= (uint64_t) data[i] << (8 * (i - whole));
    v3 ^= b;
    S_ROUND (v0, v1, v2, v3);
    S_ROUND (v0, v1, v2, v3);
    v0 ^= b;
    v2 ^= 0xff;
    for (int i = 0; i < 4; i++)
        S_ROUND (v0, v1, v2, v3);
    uint64_t hash = v0 ^ v1 ^ v2 ^ v3;
    return hash ? hash : 1;
}

auth_cache_t *
auth_cache_new (void)
{
    auth_cache_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    if (getrandom (self->key, sizeof self->key, 0) != (ssize_t) sizeof self->key) {
        free (self);
        return NULL;
    }
    return self;
}

void
auth_cache_destroy (auth_cache_t **self_p)
{
    assert (self_p);
    auth_cache_t *self = *self_p;
    if (self) {
        explicit_bzero (self, sizeof *self);
        free (self);
        *self_p = NULL;
    }
}

bool
auth_cache_find (auth_cache_t *self, const char *header, int64_t now)
{
    assert (self);
    size_t length = strnlen (header, CREDENTIALS_HEADER_MAX + 1);
    if (length > CREDENTIALS_HEADER_MAX)
        return false;
    uint64_t hash = s_siphash (self->key, (const uint8_t *) header, length);
    entry_t *set = self->entries[hash % S_SETS];
    for (int i = 0; i < S_WAYS; i++) {
        entry_t *entry = &set[i];
        if (entry->hash == hash && entry->length == length &&
            now - entry->added < AUTH_CACHE_TTL_NS &&
            credentials_equal (entry->value, header, length))
            return true;
    }
    return false;
}

void
auth_cache_add (auth_cache_t *self, const char *header, int64_t now)
{
    assert (self);
    size_t length = strnlen (header, CREDENTIALS_HEADER_MAX + 1);
    if (length > CREDENTIALS_HEADER_MAX)
        return;
    uint64_t hash = s_siphash (self->key, (const uint8_t *) header, length);
    entry_t *set = self->entries[hash % S_SETS];
    entry_t *victim = &set[0];
    for (int i = 0; i < S_WAYS; i++) {
        entry_t *entry = &set[i];
        if (entry->hash == hash && entry->length == length &&
            credentials_equal (entry->value, header, length)) {
            victim = entry; //  already there: refresh it
            break;
        }
        if (entry->added < victim->added || entry->hash == 0)
            victim = entry;
    }
    victim->hash = hash;
    victim->added = now;
    victim->length = length;
    memcpy (victim->value, header, length);
}

void
auth_cache_clear (auth_cache_t *self)
{
    assert (self);
    explicit_bzero (self->entries, sizeof self->entries);
}
