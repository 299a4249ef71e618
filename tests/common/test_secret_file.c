/*  test_secret_file.c: the one rule for secret files (common/secret_file.c),
    mode by mode, through each way the collector reads a secret: the rule
    itself, secret_file_read (TLS key, users file, remote write's secrets) and
    cert_load_secret (the CURVE secret certificates of --curve-cert and
    --forward-curve-cert).
*/
#include "cert.h"
#include "check.h"
#include "secret_file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

static char s_dir[] = "/tmp/zapm-secret-XXXXXX";

//  Writes `text` to DIR/name with `mode` and returns the path (static buffer).
static const char *
s_file (const char *name, const char *text, mode_t mode)
{
    static char path[256];
    snprintf (path, sizeof path, "%s/%s", s_dir, name);
    FILE *file = fopen (path, "w");
    CHECK (file && fputs (text, file) >= 0 && fclose (file) == 0);
    CHECK (chmod (path, mode) == 0);
    return path;
}

static void
test_rule (void)
{
    static const struct {
        unsigned mode;
        bool ok;
    } cases[] = {{0600, true},  {0640, true},  {0400, true},  {0440, true},  {0700, true},
                 {0644, false}, {0604, false}, {0660, false}, {0666, false}, {0620, false},
                 {0602, false}, {0606, false}, {0664, false}, {0777, false}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char error[256] = "";
        bool ok = secret_file_mode_ok ("/x/key", S_IFREG | cases[i].mode, error, sizeof error);
        CHECKF (ok == cases[i].ok, "mode %04o: %s", cases[i].mode, ok ? "passed" : error);
        if (!ok) {
            char want[256];
            snprintf (want, sizeof want,
                      "/x/key is open to others (mode %04o): it holds a secret; run chmod 600 "
                      "/x/key",
                      cases[i].mode);
            CHECKF (strcmp (error, want) == 0, "mode %04o: '%s'", cases[i].mode, error);
        }
    }
}

static void
test_read (void)
{
    char error[512];
    size_t size = 0;
    const char *path = s_file ("key", "hunter2\n", 0640);
    char *text = secret_file_read (path, true, SECRET_FILE_MAX, &size, error, sizeof error);
    CHECK (text && size == 8 && strcmp (text, "hunter2\n") == 0);
    free (text);
    CHECK (chmod (path, 0644) == 0);
    CHECK (!secret_file_read (path, true, SECRET_FILE_MAX, &size, error, sizeof error));
    CHECKF (strstr (error, "is open to others (mode 0644)") && strstr (error, "chmod 600"), "%s",
            error);
    CHECK (!strstr (error, "hunter2"));
    //  A public file (a certificate) is not held to the rule.
    text = secret_file_read (path, false, SECRET_FILE_MAX, &size, error, sizeof error);
    CHECK (text);
    free (text);
    //  The cap, the type, a missing file.
    CHECK (chmod (path, 0600) == 0);
    CHECK (!secret_file_read (path, true, 4, &size, error, sizeof error));
    CHECKF (strstr (error, "is larger than 4 bytes"), "%s", error);
    CHECK (!secret_file_read (s_dir, true, SECRET_FILE_MAX, &size, error, sizeof error));
    CHECKF (strstr (error, "is not a regular file"), "%s", error);
    CHECK (
        !secret_file_read ("/nonexistent/zapm", true, SECRET_FILE_MAX, &size, error, sizeof error));
    CHECKF (strstr (error, "cannot open /nonexistent/zapm"), "%s", error);
    unlink (path);
}

static void
test_curve_secret (void)
{
    char public_text[41], secret_text[41];
    CHECK (zmq_curve_keypair (public_text, secret_text) == 0);
    char body[512];
    snprintf (body, sizeof body, "curve\n    public-key = \"%s\"\n    secret-key = \"%s\"\n",
              public_text, secret_text);
    char pair[256];
    snprintf (pair, sizeof pair, "%s/own", s_dir);
    s_file ("own", "curve\n    public-key = \"x\"\n", 0644); //  the public half: public
    const char *secret = s_file ("own_secret", body, 0600);
    cert_t cert;
    char why[1024];
    CHECKF (cert_load_secret (pair, "--curve-cert", &cert, why, sizeof why) == 0, "%s", why);
    CHECK (cert.has_secret && strcmp (cert.public_text, public_text) == 0);
    CHECK (chmod (secret, 0640) == 0);
    CHECKF (cert_load_secret (pair, "--curve-cert", &cert, why, sizeof why) == 0, "%s", why);
    for (unsigned mode = 0644; mode; mode = mode == 0644 ? 0660 : 0) {
        CHECK (chmod (secret, mode) == 0);
        CHECK (cert_load_secret (pair, "--curve-cert", &cert, why, sizeof why) != 0);
        CHECK (errno == EACCES && !cert.has_secret);
        char want[1024];
        snprintf (want, sizeof want,
                  "--curve-cert: %s is open to others (mode %04o): it holds a secret; run chmod "
                  "600 %s",
                  secret, mode, secret);
        CHECKF (strcmp (why, want) == 0, "'%s'", why);
        //  The agent, which is not held to the rule, is told the file is too open.
        bool too_open = false;
        CHECK (cert_load_own (pair, "--curve-cert", &cert, &too_open, why, sizeof why) == 0);
        CHECK (too_open);
    }
    //  The _secret file named directly is held to the rule too.
    CHECK (cert_load_secret (secret, "--forward-curve-cert", &cert, why, sizeof why) != 0);
    CHECKF (strstr (why, "--forward-curve-cert: ") == why && strstr (why, "chmod 600"), "%s", why);
    unlink (secret);
    unlink (pair);
}

int
main (void)
{
    CHECK (mkdtemp (s_dir));
    test_rule ();
    test_read ();
    test_curve_secret ();
    CHECK (rmdir (s_dir) == 0);
    return CHECK_DONE ();
}
