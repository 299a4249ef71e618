/*  rw_http.c: remote write's libcurl handle.

    libcurl wants curl_global_init once before any handle and curl_global_cleanup
    after the last; a counter under a mutex does both, so several receivers (and
    a process that starts and stops them) need no setup of their own. Signals
    stay out of it (CURLOPT_NOSIGNAL): the collector owns them. Redirects are not
    followed; only http and https are allowed.
*/
#include "rw_http.h"

#include <assert.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct _rw_http_t {
    CURL *easy;                      //  the request handle, reused
    CURLM *multi;                    //  runs it; curl_multi_wakeup ends its wait
    struct curl_slist *headers;      //  the remote write headers
    char answer[RW_HTTP_ANSWER_MAX]; //  start of the last answer's body
    size_t answer_size;              //  bytes in answer
    char error[CURL_ERROR_SIZE];     //  libcurl's words for the last failure
    atomic_bool aborted;             //  rw_http_abort was called
};

static pthread_mutex_t s_global_lock = PTHREAD_MUTEX_INITIALIZER;
static int s_global_users;

static bool
s_global_acquire (void)
{
    pthread_mutex_lock (&s_global_lock);
    bool ok = s_global_users > 0 || curl_global_init (CURL_GLOBAL_DEFAULT) == CURLE_OK;
    if (ok)
        s_global_users++;
    pthread_mutex_unlock (&s_global_lock);
    return ok;
}

static void
s_global_release (void)
{
    pthread_mutex_lock (&s_global_lock);
    if (--s_global_users == 0)
        curl_global_cleanup ();
    pthread_mutex_unlock (&s_global_lock);
}

const char *
rw_http_check_url (const char *url, char **name)
{
    *name = NULL;
    if (!url || !*url)
        return "no URL";
    if (!s_global_acquire ())
        return "libcurl failed to initialise";
    CURLU *parsed = curl_url ();
    const char *wrong = NULL;
    char *scheme = NULL, *user = NULL, *password = NULL, *bare = NULL;
    if (!parsed)
        wrong = "out of memory";
    else if (curl_url_set (parsed, CURLUPART_URL, url, 0) != CURLUE_OK)
        wrong = "not a URL";
    else if (curl_url_get (parsed, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
             (strcmp (scheme, "http") && strcmp (scheme, "https")))
        wrong = "not an http:// or https:// URL";
    else if (curl_url_get (parsed, CURLUPART_USER, &user, 0) == CURLUE_OK ||
             curl_url_get (parsed, CURLUPART_PASSWORD, &password, 0) == CURLUE_OK)
        wrong = "credentials do not belong in the URL: use a password or token file";
    else if (curl_url_set (parsed, CURLUPART_QUERY, NULL, 0) != CURLUE_OK ||
             curl_url_set (parsed, CURLUPART_FRAGMENT, NULL, 0) != CURLUE_OK ||
             curl_url_get (parsed, CURLUPART_URL, &bare, 0) != CURLUE_OK)
        wrong = "not a URL";
    else if (!(*name = strdup (bare)))
        wrong = "out of memory";
    curl_free (scheme);
    curl_free (user);
    curl_free (password);
    curl_free (bare);
    curl_url_cleanup (parsed);
    s_global_release ();
    return wrong;
}

//  Keeps the start of an answer's body; discards the rest.
static size_t
s_on_body (char *data, size_t size, size_t count, void *arg)
{
    rw_http_t *self = arg;
    size_t bytes = size * count;
    size_t room = RW_HTTP_ANSWER_MAX - self->answer_size;
    size_t kept = bytes < room ? bytes : room;
    memcpy (self->answer + self->answer_size, data, kept);
    self->answer_size += kept;
    return bytes;
}

//  Sets every option of the request handle. Returns 0, or -1 if memory is short.
static int
s_setup (rw_http_t *self, const rw_http_config_t *config)
{
    const char *headers[] = {"Content-Encoding: snappy", "Content-Type: application/x-protobuf",
                             "X-Prometheus-Remote-Write-Version: 0.1.0",
                             "Expect:"}; //  no 100-continue round trip
    for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++) {
        struct curl_slist *more = curl_slist_append (self->headers, headers[i]);
        if (!more)
            return -1;
        self->headers = more;
    }
    CURL *e = self->easy;
    int rc = 0;
    rc |= curl_easy_setopt (e, CURLOPT_URL, config->url);
    rc |= curl_easy_setopt (e, CURLOPT_PROTOCOLS_STR, "http,https");
    rc |= curl_easy_setopt (e, CURLOPT_POST, 1L);
    rc |= curl_easy_setopt (e, CURLOPT_HTTPHEADER, self->headers);
    rc |= curl_easy_setopt (e, CURLOPT_USERAGENT, "zapm/" ZAPM_VERSION);
    rc |= curl_easy_setopt (e, CURLOPT_NOSIGNAL, 1L);
    rc |= curl_easy_setopt (e, CURLOPT_TIMEOUT_MS, (long) config->timeout_ms);
    rc |= curl_easy_setopt (e, CURLOPT_CONNECTTIMEOUT_MS, (long) config->timeout_ms);
    rc |= curl_easy_setopt (e, CURLOPT_TCP_KEEPALIVE, 1L);
    rc |= curl_easy_setopt (e, CURLOPT_WRITEFUNCTION, s_on_body);
    rc |= curl_easy_setopt (e, CURLOPT_WRITEDATA, self);
    rc |= curl_easy_setopt (e, CURLOPT_ERRORBUFFER, self->error);
    if (config->ca_file)
        rc |= curl_easy_setopt (e, CURLOPT_CAINFO, config->ca_file);
    if (config->user) {
        rc |= curl_easy_setopt (e, CURLOPT_HTTPAUTH, (long) CURLAUTH_BASIC);
        rc |= curl_easy_setopt (e, CURLOPT_USERNAME, config->user);
        rc |= curl_easy_setopt (e, CURLOPT_PASSWORD, config->password);
    }
    if (config->token) {
        rc |= curl_easy_setopt (e, CURLOPT_HTTPAUTH, (long) CURLAUTH_BEARER);
        rc |= curl_easy_setopt (e, CURLOPT_XOAUTH2_BEARER, config->token);
    }
    return rc ? -1 : 0;
}

rw_http_t *
rw_http_new (const rw_http_config_t *config)
{
    assert (config);
    if (!s_global_acquire ())
        return NULL;
    rw_http_t *self = calloc (1, sizeof *self);
    if (!self) {
        s_global_release ();
        return NULL;
    }
    self->easy = curl_easy_init ();
    self->multi = curl_multi_init ();
    if (!self->easy || !self->multi || s_setup (self, config))
        rw_http_destroy (&self);
    return self;
}

void
rw_http_destroy (rw_http_t **self_p)
{
    assert (self_p);
    rw_http_t *self = *self_p;
    if (!self)
        return;
    if (self->multi)
        curl_multi_cleanup (self->multi);
    if (self->easy)
        curl_easy_cleanup (self->easy);
    curl_slist_free_all (self->headers);
    free (self);
    *self_p = NULL;
    s_global_release ();
}

rw_http_result_t
rw_http_post (rw_http_t *self, const char *body, size_t size, long *status)
{
    assert (self);
    CURL *e = self->easy;
    curl_easy_setopt (e, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt (e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) size);
    self->answer_size = 0;
    self->error[0] = '\0';
    *status = 0;
    CURLcode result = CURLE_ABORTED_BY_CALLBACK;
    if (curl_multi_add_handle (self->multi, e) != CURLM_OK)
        result = CURLE_OUT_OF_MEMORY;
    else {
        int running = 1;
        while (running && !atomic_load (&self->aborted)) {
            if (curl_multi_perform (self->multi, &running) != CURLM_OK)
                break;
            if (running)
                curl_multi_poll (self->multi, NULL, 0, 1000, NULL);
        }
        int left;
        CURLMsg *msg;
        while ((msg = curl_multi_info_read (self->multi, &left)))
            if (msg->msg == CURLMSG_DONE && msg->easy_handle == e)
                result = msg->data.result;
        curl_multi_remove_handle (self->multi, e);
    }
    if (atomic_load (&self->aborted))
        return RW_HTTP_ABORTED;
    if (result == CURLE_OPERATION_TIMEDOUT)
        return RW_HTTP_TIMEOUT;
    if (result != CURLE_OK) {
        if (!self->error[0])
            snprintf (self->error, sizeof self->error, "%s", curl_easy_strerror (result));
        return RW_HTTP_NETWORK;
    }
    curl_easy_getinfo (e, CURLINFO_RESPONSE_CODE, status);
    return RW_HTTP_ANSWERED;
}

const char *
rw_http_answer (rw_http_t *self, size_t *size)
{
    assert (self);
    *size = self->answer_size;
    return self->answer;
}

const char *
rw_http_error (rw_http_t *self)
{
    assert (self);
    return self->error[0] ? self->error : "timed out";
}

void
rw_http_abort (rw_http_t *self)
{
    assert (self);
    atomic_store (&self->aborted, true);
    curl_multi_wakeup (self->multi);
}
