/*  rw_http.h: one remote write receiver over HTTP(S), through libcurl.

    Everything remote write does with libcurl lives here: the process-wide
    initialisation, checking a receiver URL, and a request handle that POSTs a
    compressed WriteRequest with the protocol's headers, basic or bearer auth
    and a CA file, and says how it went. The handle is kept for the life of
    the sender, so the connection stays open between requests. A request runs
    on a curl multi handle so that another thread can cut it short at once
    (rw_http_abort); otherwise it ends within the timeout.

    The sender thread alone calls rw_http_post; rw_http_abort is for any thread.
*/
#ifndef ZAPM_RW_HTTP_H
#define ZAPM_RW_HTTP_H

#include <stddef.h>
#include <stdint.h>

typedef struct _rw_http_t rw_http_t;

//  Bytes of an answer's body kept for log lines, at most.
#define RW_HTTP_ANSWER_MAX 200

//  Where and how to POST. The strings must outlive the handle.
typedef struct {
    const char *url;      //  checked with rw_http_check_url
    const char *user;     //  basic auth user, or NULL
    const char *password; //  basic auth password (with user)
    const char *token;    //  bearer token, or NULL
    const char *ca_file;  //  PEM CA certificates, or NULL for the system's
    uint32_t timeout_ms;  //  the whole request, connecting included
} rw_http_config_t;

//  How one POST went.
typedef enum {
    RW_HTTP_ANSWERED, //  the receiver answered; see *status
    RW_HTTP_TIMEOUT,  //  no answer within timeout_ms
    RW_HTTP_NETWORK,  //  no answer: refused, reset, DNS, TLS, ... (rw_http_error says which)
    RW_HTTP_ABORTED   //  rw_http_abort cut it short
} rw_http_result_t;

//  Checks that `url` is an http:// or https:// URL without credentials in it.
//  Returns NULL and stores in *name a heap copy of the URL without its query
//  and fragment (for log lines; free it), or returns what is wrong.
const char *rw_http_check_url (const char *url, char **name);

//  Sets up libcurl (once per process) and a request handle. Returns NULL if
//  libcurl cannot start or memory is short.
rw_http_t *rw_http_new (const rw_http_config_t *config);

//  Frees the handle (libcurl itself after the last one) and sets *self_p to NULL.
void rw_http_destroy (rw_http_t **self_p);

//  POSTs `size` bytes of snappy-compressed WriteRequest; stores the status of
//  an answer in *status.
rw_http_result_t rw_http_post (rw_http_t *self, const char *body, size_t size, long *status);

//  The first bytes (at most RW_HTTP_ANSWER_MAX) of the last answer's body, and their count.
const char *rw_http_answer (rw_http_t *self, size_t *size);

//  libcurl's words for the last failure.
const char *rw_http_error (rw_http_t *self);

//  Any thread: ends the request in flight at once, and makes every later one
//  return RW_HTTP_ABORTED.
void rw_http_abort (rw_http_t *self);

#endif
