/*  test_agent_curve.c: zapm_agent_new_curve refuses bad keys and files with
    NULL and errno, never a crash and never a plaintext agent; explicit
    arguments win over ZAPM_CURVE_* variables. The good case only creates the
    agent (CURVE on the wire is tested end to end in tests/e2e/test_security.py). */
#include "check.h"
#include "zapm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#define S_ENDPOINT "tcp://127.0.0.1:1"

static char s_dir[] = "/tmp/zapm-curve-XXXXXX";

//  Writes a czmq-style certificate: PATH (public) and PATH_secret.
static void
s_write_cert (const char *path, bool with_secret)
{
    char public_key[41], secret_key[41], secret_path[512];
    CHECK (zmq_curve_keypair (public_key, secret_key) == 0);
    FILE *file = fopen (path, "w");
    CHECK (file);
    fprintf (file, "metadata\ncurve\n    public-key = \"%s\"\n", public_key);
    fclose (file);
    if (with_secret) {
        snprintf (secret_path, sizeof secret_path, "%s_secret", path);
        file = fopen (secret_path, "w");
        CHECK (file);
        fprintf (file, "metadata\ncurve\n    public-key = \"%s\"\n    secret-key = \"%s\"\n",
                 public_key, secret_key);
        fclose (file);
        CHECK (chmod (secret_path, 0600) == 0);
    }
}

//  Expects zapm_agent_new_curve to refuse with `want_errno`.
static void
s_refused (const char *server, const char *cert, int want_errno)
{
    errno = 0;
    zapm_agent_t *agent = zapm_agent_new_curve (S_ENDPOINT, "t", server, cert);
    CHECKF (agent == NULL && errno == want_errno, "server %s cert %s: agent %p errno %d, want %d",
            server ? server : "NULL", cert ? cert : "NULL", (void *) agent, errno, want_errno);
}

int
main (void)
{
    CHECK (mkdtemp (s_dir));
    char good[256], public_only[256], junk[256], server[256];
    snprintf (good, sizeof good, "%s/agent", s_dir);
    snprintf (public_only, sizeof public_only, "%s/public", s_dir);
    snprintf (junk, sizeof junk, "%s/junk", s_dir);
    snprintf (server, sizeof server, "%s/server", s_dir);
    s_write_cert (good, true);
    s_write_cert (public_only, false);
    s_write_cert (server, true);
    FILE *file = fopen (junk, "w");
    CHECK (file);
    fputs ("curve\n    public-key = \"tooshort\"\n", file);
    fclose (file);
    char key[41], unused[41];
    CHECK (zmq_curve_keypair (key, unused) == 0);
    unsetenv ("ZAPM_CURVE_SERVER");
    unsetenv ("ZAPM_CURVE_CERT");

    s_refused (NULL, NULL, EINVAL);       //  CURVE asked for, nothing given
    s_refused (key, NULL, EINVAL);        //  half
    s_refused (NULL, good, EINVAL);       //  the other half
    s_refused ("short", good, ENOENT);    //  neither a key nor a file
    s_refused (key, public_only, EINVAL); //  no _secret
    s_refused (key, junk, EINVAL);        //  a key of the wrong length
    s_refused (junk, good, EINVAL);       //  the server's certificate is corrupt
    s_refused (key, "/nonexistent/agent", ENOENT);
    s_refused (key, s_dir, EINVAL); //  a directory

    //  Good keys: an agent, from a Z85 key and from the server's certificate file.
    zapm_agent_t *agent = zapm_agent_new_curve (S_ENDPOINT, "t", key, good);
    CHECKF (agent, "a good key and certificate: errno %d", errno);
    zapm_agent_destroy (&agent);
    agent = zapm_agent_new_curve (S_ENDPOINT, "t", server, good);
    CHECK (agent);
    zapm_agent_destroy (&agent);

    //  From the environment; explicit arguments win.
    setenv ("ZAPM_CURVE_SERVER", key, 1);
    setenv ("ZAPM_CURVE_CERT", good, 1);
    agent = zapm_agent_new (S_ENDPOINT, "t");
    CHECK (agent);
    zapm_agent_destroy (&agent);
    s_refused (NULL, public_only, EINVAL); //  the argument, not the good variable, is used
    setenv ("ZAPM_CURVE_CERT", public_only, 1);
    errno = 0;
    CHECK (zapm_agent_new (S_ENDPOINT, "t") == NULL && errno == EINVAL); //  no plaintext fallback
    agent = zapm_agent_new_curve (S_ENDPOINT, "t", NULL, good);
    CHECK (agent);
    zapm_agent_destroy (&agent);
    unsetenv ("ZAPM_CURVE_SERVER");
    unsetenv ("ZAPM_CURVE_CERT");

    char command[300];
    snprintf (command, sizeof command, "rm -rf '%s'", s_dir);
    CHECK (system (command) == 0);
    return CHECK_DONE ();
}
