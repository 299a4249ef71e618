/*  tls.c: loading and checking the PEM certificate and key (see tls.h). */
#include "tls.h"
#include "base.h"
#include "secret_file.h"

#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Set by the audit hook (any thread that uses GnuTLS), taken by the loop.
static atomic_bool s_plain_http;

//  GnuTLS: "Received record packet of unknown type %u".
static void
s_audit (gnutls_session_t session, const char *message)
{
    (void) session;
    unsigned type;
    const char *at = strstr (message, "unknown type ");
    if (at && sscanf (at + 13, "%u", &type) == 1 && type >= 'A' && type <= 'Z')
        atomic_store (&s_plain_http, true);
}

void
tls_watch_plain_http (void)
{
    gnutls_global_set_audit_log_function (s_audit);
}

bool
tls_take_plain_http (void)
{
    return atomic_exchange (&s_plain_http, false);
}

bool
tls_available (void)
{
    return MHD_is_feature_supported (MHD_FEATURE_TLS) == MHD_YES;
}

bool
tls_pem_load (tls_pem_t *pem, const char *cert_path, const char *key_path)
{
    memset (pem, 0, sizeof *pem);
    char error[512];
    size_t cert_size = 0, key_size = 0;
    pem->cert =
        secret_file_read (cert_path, false, SECRET_FILE_MAX, &cert_size, error, sizeof error);
    if (!pem->cert) {
        log_error ("--tls-cert: %s", error);
        return false;
    }
    pem->key = secret_file_read (key_path, true, SECRET_FILE_MAX, &key_size, error, sizeof error);
    if (!pem->key) {
        log_error ("--tls-key: %s", error);
        tls_pem_free (pem);
        return false;
    }
    gnutls_certificate_credentials_t credentials;
    if (gnutls_certificate_allocate_credentials (&credentials) != GNUTLS_E_SUCCESS) {
        log_error ("cannot set up TLS: out of memory");
        tls_pem_free (pem);
        return false;
    }
    gnutls_datum_t cert = {(unsigned char *) pem->cert, (unsigned) cert_size};
    gnutls_datum_t key = {(unsigned char *) pem->key, (unsigned) key_size};
    int status =
        gnutls_certificate_set_x509_key_mem (credentials, &cert, &key, GNUTLS_X509_FMT_PEM);
    gnutls_certificate_free_credentials (credentials);
    if (status < 0) {
        if (status == GNUTLS_E_CERTIFICATE_KEY_MISMATCH)
            log_error ("--tls-key %s does not belong to the certificate in --tls-cert %s", key_path,
                       cert_path);
        else
            log_error ("--tls-cert %s / --tls-key %s: not a usable PEM certificate and key: %s",
                       cert_path, key_path, gnutls_strerror (status));
        tls_pem_free (pem);
        return false;
    }
    return true;
}

void
tls_pem_free (tls_pem_t *pem)
{
    if (pem->key)
        explicit_bzero (pem->key, strlen (pem->key));
    free (pem->key);
    free (pem->cert);
    pem->key = pem->cert = NULL;
}
