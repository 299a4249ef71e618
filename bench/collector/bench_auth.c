/*  bench_auth.c: the cost of a login check once a user has been verified.

    Writes a users file with one yescrypt user (the hash made by crypt(3) here),
    has the real auth_t verify the user's Authorization value once on its
    hashing thread, then times auth_known on that value, the check every later
    request of the session pays on the collector's loop (issue 10's goal:
    <= 2 us). Also times a miss (a value never verified), which is what a
    wrong or new login costs the loop before it goes to the hashing thread.
    Prints one key=value line. Run: build-bench/bin/bench-auth [ITERATIONS].
*/
#include "auth.h"
#include "base64.h"
#include "clock.h"

#include <crypt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static auth_verdict_t s_verdict = AUTH_PENDING;

static void
s_done (void *arg, void *tag, auth_verdict_t verdict)
{
    (void) arg;
    (void) tag;
    s_verdict = verdict;
}

static double
s_time_ns (auth_t *auth, const char *header, long iterations, long *hits)
{
    int64_t start = clock_mono_ns ();
    long found = 0;
    for (long i = 0; i < iterations; i++)
        found += auth_known (auth, header);
    int64_t end = clock_mono_ns ();
    *hits = found;
    return (double) (end - start) / (double) iterations;
}

int
main (int argc, char **argv)
{
    long iterations = argc > 1 ? atol (argv[1]) : 2000000;
    char dir[] = "/tmp/zapm-bench-auth.XXXXXX";
    if (!mkdtemp (dir))
        return 1;
    char path[64];
    snprintf (path, sizeof path, "%s/users", dir);
    const char *hash = crypt ("correct horse", crypt_gensalt ("$y$", 0, NULL, 0));
    FILE *file = fopen (path, "w");
    if (!file || !hash)
        return 1;
    fprintf (file, "alice:%s\n", hash);
    fclose (file);
    chmod (path, 0600);
    auth_stats_t stats = {0};
    auth_t *auth = auth_new (path, &stats);
    unlink (path);
    rmdir (dir);
    if (!auth)
        return 1;
    const char *login = "alice:correct horse";
    char header[128] = "Basic ";
    base64_encode ((const uint8_t *) login, strlen (login), header + 6);

    int64_t t0 = clock_mono_ns ();
    if (auth_check (auth, header, NULL, NULL) != AUTH_PENDING)
        return 1;
    struct pollfd item = {auth_fd (auth), POLLIN, 0};
    while (s_verdict == AUTH_PENDING && poll (&item, 1, 5000) > 0)
        auth_take (auth, s_done, NULL);
    double first_ms = (double) (clock_mono_ns () - t0) / 1e6;
    if (s_verdict != AUTH_ALLOWED)
        return 1;

    long hits = 0, misses = 0;
    double known_ns = s_time_ns (auth, header, iterations, &hits);
    char other[128] = "Basic ";
    base64_encode ((const uint8_t *) "alice:wrong horse", 17, other + 6);
    double miss_ns = s_time_ns (auth, other, iterations, &misses);
    printf ("bench-auth: iterations=%ld first_login_ms=%.1f known_ns=%.1f hits=%ld "
            "miss_ns=%.1f misses_found=%ld\n",
            iterations, first_ms, known_ns, hits, miss_ns, misses);
    auth_destroy (&auth);
    return hits == iterations && misses == 0 ? 0 : 1;
}
