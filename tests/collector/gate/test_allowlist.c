/*  test_allowlist.c: --curve-allow DIR: the keys of the certificates in it,
    bad files skipped (the others still load), and a refresh that sees a
    certificate added or removed and moves the generation only then. */
#include "check.h"
#include "allowlist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

static char s_dir[] = "/tmp/zapm-allow-XXXXXX";

//  Writes a public certificate `name` into the directory; returns its key.
static void
s_write (const char *name, uint8_t *key)
{
    char public_key[41], secret_key[41], path[256];
    CHECK (zmq_curve_keypair (public_key, secret_key) == 0);
    CHECK (zmq_z85_decode (key, public_key));
    snprintf (path, sizeof path, "%s/%s", s_dir, name);
    FILE *file = fopen (path, "w");
    CHECK (file);
    fprintf (
        file,
        "#   a public certificate\nmetadata\n    name = \"%s\"\ncurve\n    public-key = \"%s\"\n",
        name, public_key);
    fclose (file);
}

static void
s_write_text (const char *name, const char *text)
{
    char path[256];
    snprintf (path, sizeof path, "%s/%s", s_dir, name);
    FILE *file = fopen (path, "w");
    CHECK (file);
    fputs (text, file);
    fclose (file);
}

int
main (void)
{
    CHECK (mkdtemp (s_dir));
    CHECK (allowlist_new ("/nonexistent/zapm-allow") == NULL);
    uint8_t a[32], b[32], c[32];
    s_write ("a", a);
    s_write ("b", b);
    s_write_text ("notes.txt", "not a certificate\n");
    s_write_text ("short", "curve\n    public-key = \"abc\"\n");
    s_write_text ("x_secret", "curve\n    public-key = \"abc\"\n");
    s_write_text (".hidden", "ignored\n");
    allowlist_t *list = allowlist_new (s_dir);
    CHECK (list);
    CHECK (allowlist_size (list) == 2);
    CHECK (allowlist_has (list, a) && allowlist_has (list, b));
    uint64_t generation = allowlist_generation (list);

    //  Nothing changed: no reload, same generation (checked at most once a second).
    int64_t now = 10000000000LL;
    CHECK (!allowlist_refresh (list, now));
    CHECK (allowlist_generation (list) == generation);

    //  Added: seen at the next check.
    s_write ("c", c);
    now += 1000000000LL;
    CHECK (allowlist_refresh (list, now));
    CHECK (allowlist_size (list) == 3 && allowlist_has (list, c));
    CHECK (allowlist_generation (list) != generation);
    generation = allowlist_generation (list);
    CHECK (!allowlist_refresh (list, now + 1)); //  not again within the second

    //  Removed: revoked at the next check.
    char path[256];
    snprintf (path, sizeof path, "%s/a", s_dir);
    CHECK (unlink (path) == 0);
    now += 1000000000LL;
    CHECK (allowlist_refresh (list, now));
    CHECK (!allowlist_has (list, a) && allowlist_has (list, b) && allowlist_has (list, c));
    CHECK (allowlist_generation (list) != generation);

    //  A directory that cannot be read keeps the last keys.
    char moved[300];
    snprintf (moved, sizeof moved, "%s.gone", s_dir);
    CHECK (rename (s_dir, moved) == 0);
    now += 10000000000LL;
    CHECK (!allowlist_refresh (list, now));
    CHECK (allowlist_size (list) == 2);
    CHECK (rename (moved, s_dir) == 0);
    allowlist_destroy (&list);
    CHECK (list == NULL);

    char command[300];
    snprintf (command, sizeof command, "rm -rf '%s'", s_dir);
    CHECK (system (command) == 0);
    return CHECK_DONE ();
}
