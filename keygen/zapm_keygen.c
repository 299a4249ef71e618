/*  zapm_keygen.c: zapm-keygen, makes a CURVE certificate for an agent or a collector.

    czmq's zcert writes the pair, so czmq, pyzmq (zmq.auth.load_certificate)
    and other ZeroMQ tools read it: PATH is the public certificate, to hand
    out (to the collector's --curve-allow directory, or to agents as
    --curve-server); PATH_secret holds the secret key and stays where it was
    made, mode 0600.

    It never overwrites a certificate unless --force is given: a replaced
    secret is a lost identity. With --force the old files are removed first,
    so the new secret file is created with mode 0600 rather than inheriting
    the old file's mode. The mode is checked after writing.
*/
#include "cert.h"
#include "cli.h"

#include <czmq.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define S_PROG     "zapm-keygen"
#define S_PATH_MAX 4000

//  Removes `path` if it exists. Returns false after printing why it cannot.
static bool
s_remove (const char *path)
{
    if (unlink (path) == 0 || errno == ENOENT)
        return true;
    fprintf (stderr, S_PROG ": cannot remove %s: %s\n", path, strerror (errno));
    return false;
}

int
main (int argc, char **argv)
{
    zsys_handler_set (NULL);
    bool force = false;
    const cli_option_t options[] = {{"force", 0, CLI_FLAG, &force, 0, 0, NULL,
                                     "replace PATH and PATH_secret if they exist", NULL, NULL},
                                    {NULL, 0, CLI_FLAG, NULL, 0, 0, NULL, NULL, NULL, NULL}};
    const cli_spec_t spec = {
        .prog = S_PROG,
        .summary =
            "Write a new CURVE certificate: " S_PROG " PATH [--force] writes PATH (the\n"
            "public key, to hand out) and PATH_secret (the secret key, mode 0600, to keep).\n"
            "Agents take it as --curve-cert PATH (or ZAPM_CURVE_CERT); the collector as\n"
            "--curve-cert PATH, and agents' public PATH files go in its --curve-allow DIR.\n",
        .options = options,
        .epilogue = "Exit status: 0 when written; 1 if it cannot write (or PATH exists and no\n"
                    "--force); 2 for a bad command line. See docs/SECURITY.md."};
    //  One positional argument, PATH; cli_parse handles the flags around it.
    const char *path = NULL;
    char *flags[argc + 1];
    int nflags = 0;
    for (int i = 0; i < argc; i++) {
        if (i > 0 && argv[i][0] != '-' && !path)
            path = argv[i];
        else
            flags[nflags++] = argv[i];
    }
    flags[nflags] = NULL;
    int status = cli_parse (&spec, nflags, flags);
    if (status != CLI_RUN)
        return status;
    if (!path || !*path) {
        cli_usage_error (S_PROG, "missing PATH: where to write the certificate");
        return CLI_EXIT_USAGE;
    }
    if (strlen (path) > S_PATH_MAX) {
        cli_usage_error (S_PROG, "PATH is longer than %d bytes", S_PATH_MAX);
        return CLI_EXIT_USAGE;
    }
    char secret[S_PATH_MAX + 16];
    snprintf (secret, sizeof secret, "%s_secret", path);
    if (!force && (access (path, F_OK) == 0 || access (secret, F_OK) == 0)) {
        fprintf (stderr,
                 S_PROG ": %s or %s already exists; not replacing a key (use --force to make a "
                        "new one)\n",
                 path, secret);
        return 1;
    }
    if (force && (!s_remove (path) || !s_remove (secret)))
        return 1;
    zcert_t *cert = zcert_new ();
    if (!cert) {
        fprintf (stderr, S_PROG ": cannot make a key pair: %s\n", strerror (errno));
        return 1;
    }
    zcert_set_meta (cert, "created-by", "%s", S_PROG);
    int rc = zcert_save (cert, path);
    zcert_destroy (&cert);
    struct stat st;
    if (rc != 0 || stat (secret, &st) != 0) {
        fprintf (stderr, S_PROG ": cannot write %s and %s: %s\n", path, secret, strerror (errno));
        s_remove (path);
        s_remove (secret);
        return 1;
    }
    if ((st.st_mode & 077) != 0 && chmod (secret, 0600) != 0) {
        fprintf (stderr, S_PROG ": %s is readable by others and chmod 0600 failed: %s\n", secret,
                 strerror (errno));
        s_remove (path);
        s_remove (secret);
        return 1;
    }
    cert_t check;
    char why[256];
    if (cert_load (path, &check, why, sizeof why) != 0 || !check.has_secret) {
        fprintf (stderr, S_PROG ": the certificate written does not read back: %s\n", why);
        return 1;
    }
    printf ("public key %s\n  %s: public certificate, hand it out\n  %s: secret, mode 0600, keep "
            "it here\n",
            check.public_text, path, secret);
    memset (&check, 0, sizeof check);
    return 0;
}
