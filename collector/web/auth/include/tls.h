/*  tls.h: the certificate and key behind --tls-cert and --tls-key.

    libmicrohttpd takes PEM text in memory and, when the pair is wrong, fails
    to start with a message that does not say which file is at fault. So the
    files are read here (the key as a secret: secret_file.h) and checked with
    GnuTLS, the TLS library Debian's libmicrohttpd is built on, before the
    server starts: an unreadable file, text that is not PEM, or a key that does
    not belong to the certificate each get one clear line.
*/
#ifndef ZAPM_TLS_H
#define ZAPM_TLS_H

#include <stdbool.h>

typedef struct {
    char *cert; //  PEM text of the certificate (chain), NUL-terminated
    char *key;  //  PEM text of the private key, NUL-terminated; wiped on free
} tls_pem_t;

//  True when this libmicrohttpd was built with TLS.
bool tls_available (void);

//  Reads and checks the pair into *pem. Returns false after logging why.
bool tls_pem_load (tls_pem_t *pem, const char *cert_path, const char *key_path);

//  Wipes the key and frees both.
void tls_pem_free (tls_pem_t *pem);

//  Plain HTTP on the TLS port: libmicrohttpd 0.9.75 logs every failed
//  handshake with the same words, but GnuTLS's audit log names a record of
//  unknown type first, and an HTTP request's first byte (its method's first
//  letter) makes one. tls_watch_plain_http installs that audit hook (once,
//  process-wide); tls_take_plain_http says whether such a record was seen since
//  its last call, and forgets it.
void tls_watch_plain_http (void);
bool tls_take_plain_http (void);

#endif
