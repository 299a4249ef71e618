/*  cert.h: CURVE certificates as czmq writes them, read without czmq.

    A certificate is a pair of ZPL text files that czmq's zcert_save writes
    (zapm-keygen makes them): PATH holds the public key, to hand out, and
    PATH_secret holds the public and the secret key, mode 0600. czmq, pyzmq's
    zmq.auth.load_certificate and other ZeroMQ tools read the same files.

    Both the agent library and the collector read them, from untrusted places
    (a directory anyone in a group may write, an environment variable), so the
    reader is our own: it never logs (zconfig_load prints a file's bytes
    raw), caps the size it reads, checks every key is 40 Z85 characters that
    decode, and checks a secret key matches its public key. Errors come back
    as errno plus one human sentence the caller logs.
*/
#ifndef ZAPM_CERT_H
#define ZAPM_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CERT_KEY_BYTES 32          //  a CURVE key
#define CERT_KEY_TEXT  40          //  the same in Z85
#define CERT_FILE_MAX  (16 * 1024) //  larger files are not certificates

//  One certificate's keys.
typedef struct {
    uint8_t public_key[CERT_KEY_BYTES];  //  binary public key
    uint8_t secret_key[CERT_KEY_BYTES];  //  binary secret key, zero when absent
    char public_text[CERT_KEY_TEXT + 1]; //  public key in Z85
    bool has_secret;                     //  secret_key was read and matches
    unsigned mode;                       //  st_mode of the file the keys were read from
} cert_t;

//  Reads the certificate at `path` into *cert. Like zcert_load, when
//  PATH_secret exists the keys come from it (so PATH may name the pair);
//  otherwise from PATH itself (a public certificate, or a _secret file named
//  directly). Returns 0, or -1 with errno set (ENOENT, EACCES, ...: the file;
//  EINVAL: not a certificate) and "FILE: what is wrong" in `why` (`why_size`
//  bytes, may be 0).
int cert_load (const char *path, cert_t *cert, char *why, size_t why_size);

//  Reads the keys from the text of a certificate file (NUL-terminated);
//  `name` is the file's name in messages. Returns 0, or -1 with errno EINVAL
//  and "NAME: what is wrong" in `why`.
int cert_parse (const char *text, const char *name, cert_t *cert, char *why, size_t why_size);

//  Decodes a key given as 40 Z85 characters into key[32]. Returns false if
//  `text` is not exactly that.
bool cert_key_decode (const char *text, uint8_t *key);

//  The public key of a peer (a collector) given either as the path of its
//  certificate or as its 40 Z85 characters, into key[32]: the one KEY|FILE
//  rule of every program and variable (--curve-server, --forward-curve-server,
//  ZAPM_CURVE_SERVER). A path that exists is always read as a certificate,
//  even one of 40 Z85-legal characters; only a value that names no file is
//  taken as a key. Returns 0, or -1 with errno (the file's: ENOENT for a value
//  that is neither) and a sentence in `why` that names `what` (the flag
//  or variable it came by) and says which it tried.
int cert_peer_key (const char *text, const char *what, uint8_t *key, char *why, size_t why_size);

//  Reads one's own certificate, which must hold the secret key, into *cert.
//  Returns 0, or -1 with errno and a sentence in `why` naming `what`. Sets
//  *too_open, and writes the refusal line of the one rule for secret files
//  (secret_file.h) into `why`, when the file the secret key came from breaks
//  that rule (the agent library, which runs inside other programs, warns
//  with that line and goes on).
int cert_load_own (const char *path, const char *what, cert_t *cert, bool *too_open, char *why,
                   size_t why_size);

//  The same for a daemon's own certificate (the collector's --curve-cert and
//  --forward-curve-cert), refused when it breaks the one rule for secret
//  files: -1 with errno EACCES and "WHAT: PATH_secret is open to others
//  (mode 0644): it holds a secret; run chmod 600 PATH_secret" in `why`.
int cert_load_secret (const char *path, const char *what, cert_t *cert, char *why, size_t why_size);

#endif
