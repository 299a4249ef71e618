/*  test_auth.c: the login pieces one by one: base64 (RFC 4648 vectors),
    the Authorization parser, the users file parser, the verified-credentials
    cache, and the hashing thread with real crypt(3) hashes.
*/
#include "auth_cache.h"
#include "auth_worker.h"
#include "base64.h"
#include "check.h"
#include "credentials.h"
#include "users.h"

#include <crypt.h>
#include <poll.h>
#include <string.h>

static void
s_base64 (void)
{
    static const char *const vectors[][2] = {{"", ""},
                                             {"f", "Zg=="},
                                             {"fo", "Zm8="},
                                             {"foo", "Zm9v"},
                                             {"foob", "Zm9vYg=="},
                                             {"fooba", "Zm9vYmE="},
                                             {"foobar", "Zm9vYmFy"}};
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        char text[16];
        uint8_t plain[16];
        size_t size = 99;
        base64_encode ((const uint8_t *) vectors[i][0], strlen (vectors[i][0]), text);
        CHECKF (strcmp (text, vectors[i][1]) == 0, "encode %s: %s", vectors[i][0], text);
        CHECK (base64_decode (vectors[i][1], strlen (vectors[i][1]), plain, sizeof plain, &size));
        CHECK (size == strlen (vectors[i][0]) && memcmp (plain, vectors[i][0], size) == 0);
    }
    static const char *const bad[] = {
        "Zg=", "Zg", "Zh==", "Zm9=", "Z===", "Zm 9v", "Zm9v\n", "Zg==Zg==", "Zm-_", "===="};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t plain[16];
        size_t size;
        CHECKF (!base64_decode (bad[i], strlen (bad[i]), plain, sizeof plain, &size), "%s", bad[i]);
    }
    uint8_t small[2];
    size_t size;
    CHECK (!base64_decode ("Zm9v", 4, small, sizeof small, &size)); //  does not fit
}

static void
s_credentials (void)
{
    credentials_t c;
    CHECK (credentials_parse ("Basic YWxpY2U6d29uZGVybGFuZA==", &c)); //  alice:wonderland
    CHECK (strcmp (c.user, "alice") == 0 && strcmp (c.password, "wonderland") == 0);
    CHECK (credentials_parse ("basic   Ym9iOmE6Yjpj", &c)); //  bob:a:b:c
    CHECK (strcmp (c.user, "bob") == 0 && strcmp (c.password, "a:b:c") == 0);
    CHECK (credentials_parse ("Basic YWxpY2U6", &c) && c.password[0] == '\0'); //  alice:
    CHECK (!credentials_parse (NULL, &c));
    CHECK (!credentials_parse ("Basic YWxpY2U=", &c));  //  alice, no colon
    CHECK (!credentials_parse ("Basic OnB3", &c));      //  :pw, no user
    CHECK (!credentials_parse ("Bearer YWxpY2U6", &c)); //  another scheme
    CHECK (!credentials_parse ("Basic YQBiOmM=", &c));  //  a NUL b:c
    CHECK (!credentials_parse ("Basic YTpiCmM=", &c));  //  a:b LF c
    char big[CREDENTIALS_HEADER_MAX + 8] = "Basic ";
    memset (big + 6, 'A', sizeof big - 7);
    big[sizeof big - 1] = '\0';
    CHECK (!credentials_parse (big, &c));
}

static void
s_users (void)
{
    char error[256];
    const char *text = "# team\n\nalice:$6$salt$hash\r\nbob:$y$j9T$salt$hash\n";
    users_t *users = users_parse (text, strlen (text), error, sizeof error);
    CHECKF (users, "%s", error);
    CHECK (users_count (users) == 2);
    CHECK (strcmp (users_hash (users, "alice"), "$6$salt$hash") == 0);
    CHECK (strcmp (users_hash (users, "bob"), "$y$j9T$salt$hash") == 0);
    CHECK (!users_hash (users, "carol"));
    users_destroy (&users);
    users_destroy (&users); //  harmless
    static const struct {
        const char *text;
        const char *error;
    } bad[] = {{"alice\n", "line 1: expected name:HASH"},
               {"ok:$6$abcdefgh\nalice:plain\n", "line 2: the hash"},
               {"a b:$6$abcdefgh\n", "line 1: the name"},
               {"a:$6$abcdefgh\na:$6$abcdefgh\n", "line 2: this name is already"},
               {"a:$1$abcdefgh\n", "line 1: the hash"}, //  MD5: refused
               {"# nobody\n", "no users"},
               {"", "no users"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        users = users_parse (bad[i].text, strlen (bad[i].text), error, sizeof error);
        CHECKF (!users && strncmp (error, bad[i].error, strlen (bad[i].error)) == 0, "%s -> %s",
                bad[i].text, error);
    }
}

static void
s_cache (void)
{
    auth_cache_t *cache = auth_cache_new ();
    CHECK (cache);
    CHECK (!auth_cache_find (cache, "Basic abc", 1));
    auth_cache_add (cache, "Basic abc", 1);
    CHECK (auth_cache_find (cache, "Basic abc", 2));
    CHECK (!auth_cache_find (cache, "Basic abd", 2));
    CHECK (!auth_cache_find (cache, "Basic ab", 2));
    CHECK (!auth_cache_find (cache, "Basic abc", 1 + AUTH_CACHE_TTL_NS)); //  expired
    //  Many entries: the cache stays bounded and keeps the newest.
    char header[32];
    for (int i = 0; i < 10000; i++) {
        snprintf (header, sizeof header, "Basic %d", i);
        auth_cache_add (cache, header, 100 + i);
    }
    CHECK (auth_cache_find (cache, "Basic 9999", 10100));
    auth_cache_clear (cache);
    CHECK (!auth_cache_find (cache, "Basic 9999", 10100));
    auth_cache_destroy (&cache);
    CHECK (!cache);
}

static bool s_verdicts[4];
static int s_taken;

static void
s_done (void *arg, void *tag, bool verified)
{
    (void) arg;
    s_verdicts[(intptr_t) tag] = verified;
    s_taken++;
}

static void
s_worker (void)
{
    char sha[CRYPT_OUTPUT_SIZE], yes[CRYPT_OUTPUT_SIZE];
    snprintf (sha, sizeof sha, "%s", crypt ("right", crypt_gensalt ("$6$", 0, NULL, 0)));
    snprintf (yes, sizeof yes, "%s", crypt ("right", crypt_gensalt ("$y$", 0, NULL, 0)));
    auth_worker_t *worker = auth_worker_new ();
    CHECK (worker);
    CHECK (auth_worker_submit (worker, "right", sha, sha, (void *) 0));
    CHECK (auth_worker_submit (worker, "wrong", sha, sha, (void *) 1));
    CHECK (auth_worker_submit (worker, "right", yes, yes, (void *) 2));
    CHECK (auth_worker_submit (worker, "right", NULL, sha, (void *) 3)); //  unknown user
    struct pollfd item = {auth_worker_fd (worker), POLLIN, 0};
    for (int i = 0; i < 100 && s_taken < 4; i++)
        if (poll (&item, 1, 100) > 0)
            auth_worker_take (worker, s_done, NULL);
    CHECK (s_taken == 4);
    CHECK (s_verdicts[0] && !s_verdicts[1] && s_verdicts[2] && !s_verdicts[3]);
    CHECK (auth_worker_pending (worker) == 0);
    //  The queue is bounded: past AUTH_WORKER_QUEUE jobs, submit refuses.
    int accepted = 0;
    for (int i = 0; i < AUTH_WORKER_QUEUE + 10; i++)
        accepted += auth_worker_submit (worker, "x", yes, yes, (void *) 0);
    CHECK (accepted == AUTH_WORKER_QUEUE);
    auth_worker_destroy (&worker); //  with jobs still queued: stops after the one in hand
    CHECK (!worker);
}

int
main (void)
{
    s_base64 ();
    s_credentials ();
    s_users ();
    s_cache ();
    s_worker ();
    return CHECK_DONE ();
}
