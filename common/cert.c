/*  cert.c: read a czmq CURVE certificate (see cert.h).

    The ZPL the files use is small: comment lines start with '#', a section
    name starts in column 0, its properties are indented and read
    `name = "value"`. We want two properties of section `curve`, so that is
    all this reads; anything else in the file is ignored, as czmq does.
*/
#include "cert.h"
#include "secret_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

static void s_why (char *why, size_t size, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

static void
s_why (char *why, size_t size, const char *fmt, ...)
{
    if (size == 0)
        return;
    va_list args;
    va_start (args, fmt);
    vsnprintf (why, size, fmt, args);
    va_end (args);
}

bool
cert_key_decode (const char *text, uint8_t *key)
{
    if (!text || strlen (text) != CERT_KEY_TEXT)
        return false;
    return zmq_z85_decode (key, text) != NULL;
}

//  Reads at most CERT_FILE_MAX bytes of `path` into buf (NUL-terminated) and
//  sets *mode to the file's st_mode. Returns the size, or -1 with errno.
static ssize_t
s_read (const char *path, char *buf, unsigned *mode)
{
    int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode) || st.st_size > CERT_FILE_MAX) {
        close (fd);
        int err = EINVAL;
        errno = err;
        return -1;
    }
    *mode = st.st_mode;
    size_t size = 0;
    while (size < CERT_FILE_MAX) {
        ssize_t n = read (fd, buf + size, CERT_FILE_MAX - size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int err = errno;
            close (fd);
            errno = err;
            return -1;
        }
        if (n == 0)
            break;
        size += (size_t) n;
    }
    close (fd);
    buf[size] = '\0';
    return (ssize_t) size;
}

//  Finds property `name` of section `curve` in ZPL text and copies its value
//  (quotes removed) into value[CERT_KEY_TEXT + 2]. Returns false if absent.
static bool
s_property (const char *text, const char *name, char *value)
{
    bool in_curve = false;
    size_t name_len = strlen (name);
    for (const char *line = text; *line;) {
        const char *end = strchr (line, '\n');
        size_t len = end ? (size_t) (end - line) : strlen (line);
        const char *p = line;
        if (len > 0 && *p != ' ' && *p != '\t' && *p != '#')
            in_curve = len >= 5 && strncmp (p, "curve", 5) == 0 &&
                       (len == 5 || p[5] == ' ' || p[5] == '\r' || p[5] == '#');
        else if (in_curve) {
            while (p < line + len && (*p == ' ' || *p == '\t'))
                p++;
            if ((size_t) (line + len - p) > name_len && strncmp (p, name, name_len) == 0) {
                p += name_len;
                while (p < line + len && *p == ' ')
                    p++;
                if (p < line + len && *p == '=') {
                    p++;
                    while (p < line + len && *p == ' ')
                        p++;
                    char quote = (*p == '"' || *p == '\'') ? *p++ : 0;
                    size_t n = 0;
                    while (p < line + len && *p != quote && *p != '\r' && n <= CERT_KEY_TEXT)
                        value[n++] = *p++;
                    if (!quote)
                        while (n > 0 && (value[n - 1] == ' ' || value[n - 1] == '\t'))
                            n--;
                    value[n] = '\0';
                    return true;
                }
            }
        }
        line += len + (end ? 1 : 0);
    }
    return false;
}

int
cert_parse (const char *text, const char *name, cert_t *cert, char *why, size_t why_size)
{
    memset (cert, 0, sizeof *cert);
    char value[CERT_KEY_TEXT + 2];
    if (!s_property (text, "public-key", value)) {
        s_why (why, why_size, "%s: not a CURVE certificate (no curve public-key)", name);
        errno = EINVAL;
        return -1;
    }
    if (!cert_key_decode (value, cert->public_key)) {
        s_why (why, why_size, "%s: the public key is not 40 characters of Z85", name);
        errno = EINVAL;
        return -1;
    }
    memcpy (cert->public_text, value, CERT_KEY_TEXT + 1);
    if (s_property (text, "secret-key", value)) {
        char derived[CERT_KEY_TEXT + 1];
        if (!cert_key_decode (value, cert->secret_key) || zmq_curve_public (derived, value) != 0 ||
            strcmp (derived, cert->public_text) != 0) {
            memset (cert->secret_key, 0, sizeof cert->secret_key);
            s_why (why, why_size,
                   "%s: the secret key is malformed or does not match the public key", name);
            errno = EINVAL;
            return -1;
        }
        cert->has_secret = true;
    }
    memset (value, 0, sizeof value);
    return 0;
}

int
cert_load (const char *path, cert_t *cert, char *why, size_t why_size)
{
    memset (cert, 0, sizeof *cert);
    s_why (why, why_size, "no error");
    char secret_path[4096];
    const char *source = path;
    if (snprintf (secret_path, sizeof secret_path, "%s_secret", path) < (int) sizeof secret_path &&
        access (secret_path, F_OK) == 0)
        source = secret_path;
    char text[CERT_FILE_MAX + 1];
    unsigned mode = 0;
    if (s_read (source, text, &mode) < 0) {
        int err = errno;
        if (err == EINVAL)
            s_why (why, why_size, "%s: not a certificate (not a regular file of at most %d bytes)",
                   source, CERT_FILE_MAX);
        else
            s_why (why, why_size, "%s: cannot read it: %s", source, strerror (err));
        errno = err;
        return -1;
    }
    int rc = cert_parse (text, source, cert, why, why_size);
    cert->mode = mode;
    memset (text, 0, sizeof text);
    return rc;
}

int
cert_peer_key (const char *text, const char *what, uint8_t *key, char *why, size_t why_size)
{
    //  A path that exists is a file, whatever it looks like: most paths are
    //  Z85-legal, and one of exactly 40 characters must not be read as a key.
    struct stat st;
    bool exists = stat (text, &st) == 0;
    if (!exists && cert_key_decode (text, key))
        return 0;
    cert_t cert;
    char inner[512];
    if (cert_load (text, &cert, inner, sizeof inner) != 0) {
        int err = errno;
        if (exists)
            s_why (why, why_size, "%s: %s", what, inner);
        else {
            //  Neither: say what was tried, without echoing what may be a key.
            s_why (why, why_size,
                   "%s is neither a certificate file (%s) nor a key (40 Z85 characters, got "
                   "%zu characters%s)",
                   what, strerror (err), strlen (text),
                   strlen (text) == CERT_KEY_TEXT ? " that do not decode" : "");
        }
        errno = err;
        return -1;
    }
    memcpy (key, cert.public_key, CERT_KEY_BYTES);
    memset (&cert, 0, sizeof cert);
    return 0;
}

int
cert_load_own (const char *path, const char *what, cert_t *cert, bool *too_open, char *why,
               size_t why_size)
{
    char inner[4096 + 128];
    *too_open = false;
    if (cert_load (path, cert, inner, sizeof inner) != 0) {
        int err = errno;
        s_why (why, why_size, "%s: %s", what, inner);
        errno = err;
        return -1;
    }
    if (!cert->has_secret) {
        s_why (why, why_size,
               "%s: %s has no secret key (is %s_secret missing? make a pair with zapm-keygen)",
               what, path, path);
        errno = EINVAL;
        return -1;
    }
    //  The file the keys came from, as cert_load chose it, against the one
    //  rule for secret files.
    char secret[4096];
    if (snprintf (secret, sizeof secret, "%s_secret", path) >= (int) sizeof secret ||
        access (secret, F_OK) != 0)
        snprintf (secret, sizeof secret, "%s", path);
    if (!secret_file_mode_ok (secret, cert->mode, inner, sizeof inner)) {
        *too_open = true;
        s_why (why, why_size, "%s: %s", what, inner);
    }
    return 0;
}

int
cert_load_secret (const char *path, const char *what, cert_t *cert, char *why, size_t why_size)
{
    bool too_open;
    if (cert_load_own (path, what, cert, &too_open, why, why_size) != 0)
        return -1;
    if (too_open) {
        memset (cert, 0, sizeof *cert);
        errno = EACCES;
        return -1;
    }
    return 0;
}
