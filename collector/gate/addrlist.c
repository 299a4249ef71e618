/*  addrlist.c: plaintext peers by address and CIDR range (addrlist.h).

    Every entry is kept as 16 bytes plus a prefix length; IPv4 is stored as
    an IPv4-mapped IPv6 address (::ffff:10.1.2.3), so one comparison covers
    both families and a mapped peer address matches its IPv4 range.
*/
#include "addrlist.h"

#include <arpa/inet.h>
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ADDRLIST_MAX 256 //  entries at most

typedef struct {
    uint8_t address[16]; //  IPv6, or IPv4-mapped
    int prefix;          //  significant bits, 0..128
} s_range_t;

struct _addrlist_t {
    bool any;                       //  "any": every address
    size_t size;                    //  ranges held
    s_range_t ranges[ADDRLIST_MAX]; // the ranges
    char text[512];                 //  as given, for log lines
};

//  Parses one address into 16 bytes; *bits is 32 for IPv4, 128 for IPv6.
static bool
s_parse_address (const char *text, uint8_t *out, int *bits)
{
    struct in_addr v4;
    if (inet_pton (AF_INET, text, &v4) == 1) {
        memset (out, 0, 10);
        out[10] = out[11] = 0xff;
        memcpy (out + 12, &v4, 4);
        *bits = 32;
        return true;
    }
    *bits = 128;
    return inet_pton (AF_INET6, text, out) == 1;
}

static bool
s_in_range (const s_range_t *range, const uint8_t *address)
{
    int full = range->prefix / 8, rest = range->prefix % 8;
    if (memcmp (range->address, address, (size_t) full) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t) (0xff << (8 - rest));
    return (range->address[full] & mask) == (address[full] & mask);
}

//  Adds "ADDR" or "ADDR/BITS". Returns false with `why` filled in.
static bool
s_add (addrlist_t *self, const char *entry, char *why, size_t why_size)
{
    char text[64];
    if (strlen (entry) >= sizeof text || self->size == ADDRLIST_MAX) {
        snprintf (why, why_size, "'%.64s' is too long, or more than %d entries", entry,
                  ADDRLIST_MAX);
        return false;
    }
    snprintf (text, sizeof text, "%s", entry);
    char *slash = strchr (text, '/');
    long bits = -1;
    if (slash) {
        *slash = '\0';
        char *end = NULL;
        bits = strtol (slash + 1, &end, 10);
        if (!slash[1] || *end)
            bits = -2;
    }
    s_range_t *range = &self->ranges[self->size];
    int family_bits;
    if (!s_parse_address (text, range->address, &family_bits) || bits == -2 || bits > family_bits) {
        snprintf (why, why_size,
                  "'%s' is not an IPv4 or IPv6 address or CIDR range (like 10.0.0.0/8)", entry);
        return false;
    }
    range->prefix = bits < 0 ? 128 : (int) bits + (128 - family_bits);
    self->size++;
    return true;
}

addrlist_t *
addrlist_new (const char *list, char *why, size_t why_size)
{
    addrlist_t *self = calloc (1, sizeof *self);
    if (!self) {
        snprintf (why, why_size, "out of memory");
        return NULL;
    }
    snprintf (self->text, sizeof self->text, "%s", list ? list : "loopback");
    if (!list)
        list = "127.0.0.0/8,::1";
    if (strcmp (list, "any") == 0) {
        self->any = true;
        return self;
    }
    char *copy = strdup (list);
    bool ok = copy && *list;
    if (!*list)
        snprintf (why, why_size, "the list is empty (say 'any' to accept every address)");
    for (char *save = NULL, *entry = ok ? strtok_r (copy, ",", &save) : NULL; ok && entry;
         entry = strtok_r (NULL, ",", &save))
        ok = s_add (self, entry, why, why_size);
    free (copy);
    if (!ok)
        addrlist_destroy (&self);
    return self;
}

void
addrlist_destroy (addrlist_t **self_p)
{
    assert (self_p);
    free (*self_p);
    *self_p = NULL;
}

bool
addrlist_match (const addrlist_t *self, const char *address)
{
    assert (self);
    if (self->any || !address || !*address)
        return true;
    uint8_t bytes[16];
    int bits;
    if (!s_parse_address (address, bytes, &bits))
        return false;
    for (size_t i = 0; i < self->size; i++)
        if (s_in_range (&self->ranges[i], bytes))
            return true;
    return false;
}

const char *
addrlist_text (const addrlist_t *self)
{
    assert (self);
    return self->text;
}
