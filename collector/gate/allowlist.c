/*  allowlist.c: allowed agent keys from a directory of certificates (allowlist.h).

    The keys are kept sorted, so a lookup is a binary search and two scans
    compare with one memcmp to tell whether anything changed.
*/
#include "allowlist.h"
#include "base.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define ALLOWLIST_CHECK_NS  1000000000LL //  look at DIR's mtime at most this often
#define ALLOWLIST_RESCAN_NS 5000000000LL //  and reread it at least this often
#define ALLOWLIST_MAX       1000000      //  keys at most

struct _allowlist_t {
    char *dir;                 //  --curve-allow DIR
    uint8_t *keys;             //  sorted, CERT_KEY_BYTES each
    uint32_t size;             //  keys held
    uint64_t generation;       //  bumped when the keys change
    struct timespec dir_mtime; //  DIR's mtime at the last read
    int64_t next_check;        //  monotonic time of the next mtime check
    int64_t next_rescan;       //  monotonic time of the next unconditional read
    bool dir_failed;           //  the last read of DIR failed (logged once)
};

static int
s_compare (const void *a, const void *b)
{
    return memcmp (a, b, CERT_KEY_BYTES);
}

//  Reads every certificate in DIR into a new sorted array. `verbose` logs
//  each file that is skipped. Returns false if DIR cannot be read.
static bool
s_scan (allowlist_t *self, bool verbose, uint8_t **keys_p, uint32_t *size_p)
{
    DIR *dir = opendir (self->dir);
    if (!dir)
        return false;
    uint8_t *keys = NULL;
    uint32_t size = 0, capacity = 0;
    struct dirent *entry;
    while ((entry = readdir (dir)) != NULL && size < ALLOWLIST_MAX) {
        const char *name = entry->d_name;
        if (name[0] == '.')
            continue;
        char path[4096 + 256];
        snprintf (path, sizeof path, "%s/%s", self->dir, name);
        size_t length = strlen (name);
        if (length > 7 && strcmp (name + length - 7, "_secret") == 0) {
            if (verbose)
                log_warn ("--curve-allow: skipping %s: a secret key does not belong in the "
                          "allow-list (only public certificates; move it away)",
                          path);
            continue;
        }
        cert_t cert;
        char why[512];
        struct stat st;
        //  Only the file itself: a public certificate, never a PATH_secret beside it.
        if (stat (path, &st) == 0 && S_ISDIR (st.st_mode))
            continue;
        if (cert_load (path, &cert, why, sizeof why) != 0) {
            if (verbose)
                log_warn ("--curve-allow: skipping %s", why); //  "FILE: what is wrong"
            continue;
        }
        if (size == capacity) {
            uint32_t grown = capacity ? capacity * 2 : 64;
            uint8_t *more = realloc (keys, (size_t) grown * CERT_KEY_BYTES);
            if (!more)
                break;
            keys = more;
            capacity = grown;
        }
        memcpy (keys + (size_t) size * CERT_KEY_BYTES, cert.public_key, CERT_KEY_BYTES);
        size++;
        memset (&cert, 0, sizeof cert);
    }
    closedir (dir);
    if (size > 1)
        qsort (keys, size, CERT_KEY_BYTES, s_compare);
    *keys_p = keys;
    *size_p = size;
    return true;
}

//  Rereads DIR; returns true when the keys changed.
static bool
s_reload (allowlist_t *self, bool verbose)
{
    uint8_t *keys;
    uint32_t size;
    if (!s_scan (self, verbose, &keys, &size)) {
        if (!self->dir_failed)
            log_error ("--curve-allow: cannot read %s: %s; keeping the %u key%s read before",
                       self->dir, strerror (errno), self->size, self->size == 1 ? "" : "s");
        self->dir_failed = true;
        return false;
    }
    self->dir_failed = false;
    bool changed = size != self->size ||
                   (size > 0 && memcmp (keys, self->keys, (size_t) size * CERT_KEY_BYTES) != 0);
    free (self->keys);
    self->keys = keys;
    self->size = size;
    if (changed)
        self->generation++;
    return changed;
}

allowlist_t *
allowlist_new (const char *dir)
{
    allowlist_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->dir = strdup (dir);
    struct stat st;
    if (!self->dir || stat (dir, &st) != 0 || !S_ISDIR (st.st_mode)) {
        log_error ("--curve-allow: %s is not a directory I can read", dir);
        allowlist_destroy (&self);
        return NULL;
    }
    self->dir_mtime = st.st_mtim;
    if (!s_scan (self, true, &self->keys, &self->size)) {
        log_error ("--curve-allow: cannot read %s: %s", dir, strerror (errno));
        allowlist_destroy (&self);
        return NULL;
    }
    return self;
}

void
allowlist_destroy (allowlist_t **self_p)
{
    assert (self_p);
    allowlist_t *self = *self_p;
    if (self) {
        free (self->keys);
        free (self->dir);
        free (self);
        *self_p = NULL;
    }
}

bool
allowlist_refresh (allowlist_t *self, int64_t mono_ns)
{
    assert (self);
    if (mono_ns < self->next_check)
        return false;
    self->next_check = mono_ns + ALLOWLIST_CHECK_NS;
    struct stat st;
    bool moved = stat (self->dir, &st) != 0 || st.st_mtim.tv_sec != self->dir_mtime.tv_sec ||
                 st.st_mtim.tv_nsec != self->dir_mtime.tv_nsec;
    if (!moved && mono_ns < self->next_rescan)
        return false;
    self->next_rescan = mono_ns + ALLOWLIST_RESCAN_NS;
    if (moved)
        self->dir_mtime = st.st_mtim;
    uint32_t before = self->size;
    bool changed = s_reload (self, moved);
    if (changed)
        log_info ("--curve-allow: %s now allows %u key%s (was %u)", self->dir, self->size,
                  self->size == 1 ? "" : "s", before);
    return changed;
}

bool
allowlist_has (const allowlist_t *self, const uint8_t *key)
{
    assert (self);
    return self->size > 0 && bsearch (key, self->keys, self->size, CERT_KEY_BYTES, s_compare);
}

uint32_t
allowlist_size (const allowlist_t *self)
{
    assert (self);
    return self->size;
}

uint64_t
allowlist_generation (const allowlist_t *self)
{
    assert (self);
    return self->generation;
}

const char *
allowlist_dir (const allowlist_t *self)
{
    assert (self);
    return self->dir;
}
