/*  test_addrlist.c: --plaintext-from: addresses and CIDR ranges of both
    families, the loopback default, "any", and malformed lists refused. */
#include "check.h"
#include "gate.h"

#include <stdio.h>
#include <string.h>

static bool
s_match (const char *list, const char *address)
{
    char why[256];
    addrlist_t *self = addrlist_new (list, why, sizeof why);
    CHECKF (self, "'%s' refused: %s", list ? list : "(default)", why);
    bool match = addrlist_match (self, address);
    addrlist_destroy (&self);
    return match;
}

static void
s_refused (const char *list, const char *needle)
{
    char why[256] = "";
    addrlist_t *self = addrlist_new (list, why, sizeof why);
    CHECKF (!self && strstr (why, needle), "'%s': %p, why '%s'", list, (void *) self, why);
}

int
main (void)
{
    //  The default: loopback only (protected mode).
    CHECK (s_match (NULL, "127.0.0.1"));
    CHECK (s_match (NULL, "127.255.0.9"));
    CHECK (s_match (NULL, "::1"));
    CHECK (s_match (NULL, "::ffff:127.0.0.1")); //  IPv4-mapped
    CHECK (!s_match (NULL, "10.0.0.1"));
    CHECK (!s_match (NULL, "::2"));
    CHECK (s_match (NULL, "")); //  ipc://: local by definition
    //  Addresses and ranges.
    CHECK (s_match ("127.0.0.2", "127.0.0.2"));
    CHECK (!s_match ("127.0.0.2", "127.0.0.1"));
    CHECK (s_match ("10.0.0.0/8,192.168.1.7", "10.200.3.4"));
    CHECK (s_match ("10.0.0.0/8,192.168.1.7", "192.168.1.7"));
    CHECK (!s_match ("10.0.0.0/8,192.168.1.7", "192.168.1.8"));
    CHECK (!s_match ("10.0.0.0/8", "11.0.0.0"));
    CHECK (s_match ("192.168.0.0/23", "192.168.1.255"));
    CHECK (!s_match ("192.168.0.0/23", "192.168.2.0"));
    CHECK (s_match ("0.0.0.0/0", "203.0.113.5"));
    CHECK (!s_match ("0.0.0.0/0", "2001:db8::1")); //  an IPv4 range holds no IPv6 address
    CHECK (s_match ("fd00::/8", "fd12:3456::1"));
    CHECK (!s_match ("fd00::/8", "fe80::1"));
    CHECK (s_match ("any", "198.51.100.1"));
    CHECK (s_match ("any", "2001:db8::1"));
    CHECK (!s_match ("10.0.0.0/8", "not an address"));
    //  Malformed lists: refused with a sentence naming the entry.
    s_refused ("10.0.0.0/33", "10.0.0.0/33");
    s_refused ("::/129", "::/129");
    s_refused ("10.0.0.0/", "10.0.0.0/");
    s_refused ("10.0.0.0/8x", "10.0.0.0/8x");
    s_refused ("127.0.0.1,nowhere", "nowhere");
    s_refused ("", "empty");
    s_refused ("300.1.1.1", "300.1.1.1");
    return CHECK_DONE ();
}
