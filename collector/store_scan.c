/*  store_scan.c: a recursive walk over validated JSON text that reports numbers.

    Numbers take a fast path when they are short decimals (the agents' case):
    an integer mantissa below 2^53 divided by an exact power of ten is
    correctly rounded (Clinger's fast path), so it equals what strtod gives;
    anything else goes to strtod.
*/
#include "store_scan.h"
#include "wire.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCAN_DEPTH_MAX 8

typedef struct {
    const char *at;                     //  next byte
    const char *end;                    //  end of the text
    store_scan_fn *fn;                  //  callback
    void *arg;                          //  its argument
    store_scan_ids_t *ids;              //  identity fields to fill, or NULL
    char path[STORE_SCAN_PATH_MAX + 1]; //  the current path
} s_scan_t;

//  Bytes allowed in kept keys ([A-Za-z0-9_.:-]) and bytes of number tokens.
static bool s_key_byte[256], s_number_byte[256];
static pthread_once_t s_tables_once = PTHREAD_ONCE_INIT;

static void
s_tables (void)
{
    for (int c = 0; c < 256; c++) {
        s_key_byte[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '_' || c == '.' || c == ':' || c == '-';
        s_number_byte[c] =
            (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
    }
}

static const double s_exact_pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

bool
store_scan_number (const char *text, size_t size, double *value)
{
    const char *p = text, *end = text + size;
    bool negative = p < end && *p == '-';
    if (negative)
        p++;
    uint64_t mantissa = 0;
    int digits = 0, decimals = 0;
    bool fast = p < end && *p >= '0' && *p <= '9';
    while (p < end && *p >= '0' && *p <= '9') {
        mantissa = mantissa * 10 + (uint64_t) (*p++ - '0');
        if (++digits > 15)
            fast = false;
    }
    if (fast && p < end && *p == '.') {
        p++;
        fast = p < end && *p >= '0' && *p <= '9';
        while (p < end && *p >= '0' && *p <= '9') {
            mantissa = mantissa * 10 + (uint64_t) (*p++ - '0');
            decimals++;
            if (++digits > 15)
                fast = false;
        }
    }
    if (fast && p == end && decimals <= 22) {
        double v = (double) mantissa / s_exact_pow10[decimals];
        *value = negative ? -v : v;
        return true;
    }
    char copy[64];
    if (size == 0 || size >= sizeof copy)
        return false;
    memcpy (copy, text, size);
    copy[size] = '\0';
    char *stop;
    *value = strtod (copy, &stop);
    return stop == copy + size;
}

static void
s_space (s_scan_t *scan)
{
    while (scan->at < scan->end &&
           (*scan->at == ' ' || *scan->at == '\t' || *scan->at == '\n' || *scan->at == '\r'))
        scan->at++;
}

//  Reads a string literal; *start and *size give its raw contents. Sets *safe
//  when every byte is in [A-Za-z0-9_.:-].
static bool
s_string (s_scan_t *scan, const char **start, size_t *size, bool *safe)
{
    if (scan->at >= scan->end || *scan->at != '"')
        return false;
    const char *p = ++scan->at;
    bool ok = true;
    while (p < scan->end && *p != '"') {
        unsigned char c = (unsigned char) *p;
        if (c == '\\') {
            ok = false;
            if (++p >= scan->end)
                return false;
        }
        else
            ok = ok && s_key_byte[c];
        p++;
    }
    if (p >= scan->end)
        return false;
    *start = scan->at;
    *size = (size_t) (p - scan->at);
    if (safe)
        *safe = ok;
    scan->at = p + 1;
    return true;
}

static bool
s_number_token (s_scan_t *scan, const char **start, size_t *size)
{
    const char *p = scan->at;
    while (p < scan->end && s_number_byte[(unsigned char) *p])
        p++;
    if (p == scan->at)
        return false;
    *start = scan->at;
    *size = (size_t) (p - scan->at);
    scan->at = p;
    return true;
}

static bool s_value (s_scan_t *scan, size_t path_size, bool keep, int depth);

//  Writes `value` in decimal into out (no NUL); returns its length.
static size_t
s_utoa (unsigned value, char *out)
{
    char digits[16];
    size_t n = 0;
    do
        digits[n++] = (char) ('0' + value % 10);
    while ((value /= 10) && n < sizeof digits);
    for (size_t i = 0; i < n; i++)
        out[i] = digits[n - 1 - i];
    return n;
}

//  Appends ".name" (or "name" at the top) to the path; false when too long.
static bool
s_push (s_scan_t *scan, size_t path_size, const char *name, size_t size, size_t *new_size)
{
    size_t need = path_size + (path_size ? 1 : 0) + size;
    if (need > STORE_SCAN_PATH_MAX)
        return false;
    char *at = scan->path + path_size;
    if (path_size)
        *at++ = '.';
    memcpy (at, name, size);
    *new_size = need;
    return true;
}

static bool s_top_member (s_scan_t *scan, const char *key, size_t key_size);

//  An object; at depth 0 (the sample itself) each member goes to s_top_member.
static bool
s_object (s_scan_t *scan, size_t path_size, bool keep, int depth)
{
    scan->at++; //  '{'
    s_space (scan);
    if (scan->at < scan->end && *scan->at == '}') {
        scan->at++;
        return true;
    }
    while (scan->at < scan->end) {
        const char *key;
        size_t key_size;
        bool safe;
        s_space (scan);
        if (!s_string (scan, &key, &key_size, &safe))
            return false;
        s_space (scan);
        if (scan->at >= scan->end || *scan->at++ != ':')
            return false;
        s_space (scan);
        size_t child = 0;
        bool child_keep = keep && safe && s_push (scan, path_size, key, key_size, &child);
        if (depth == 0 ? !s_top_member (scan, key, key_size)
                       : !s_value (scan, child, child_keep, depth + 1))
            return false;
        s_space (scan);
        if (scan->at >= scan->end)
            return false;
        char c = *scan->at++;
        if (c == '}')
            return true;
        if (c != ',')
            return false;
    }
    return false;
}

static bool
s_array (s_scan_t *scan, size_t path_size, bool keep, int depth)
{
    scan->at++; //  '['
    s_space (scan);
    if (scan->at < scan->end && *scan->at == ']') {
        scan->at++;
        return true;
    }
    for (unsigned index = 0; scan->at < scan->end; index++) {
        char name[16];
        size_t name_size = s_utoa (index, name);
        size_t child = 0;
        bool child_keep = keep && s_push (scan, path_size, name, name_size, &child);
        s_space (scan);
        if (!s_value (scan, child, child_keep, depth + 1))
            return false;
        s_space (scan);
        if (scan->at >= scan->end)
            return false;
        char c = *scan->at++;
        if (c == ']')
            return true;
        if (c != ',')
            return false;
    }
    return false;
}

static bool
s_literal (s_scan_t *scan, const char *word)
{
    size_t size = strlen (word);
    if ((size_t) (scan->end - scan->at) < size || memcmp (scan->at, word, size) != 0)
        return false;
    scan->at += size;
    return true;
}

static bool
s_value (s_scan_t *scan, size_t path_size, bool keep, int depth)
{
    if (scan->at >= scan->end || depth > SCAN_DEPTH_MAX)
        return false;
    char c = *scan->at;
    if (c == '{')
        return s_object (scan, path_size, keep, depth);
    if (c == '[')
        return s_array (scan, path_size, keep, depth);
    if (c == '"') {
        const char *start;
        size_t size;
        return s_string (scan, &start, &size, NULL);
    }
    if (c == 't')
        return s_literal (scan, "true");
    if (c == 'f')
        return s_literal (scan, "false");
    if (c == 'n')
        return s_literal (scan, "null");
    const char *start;
    size_t size;
    double value;
    if (!s_number_token (scan, &start, &size))
        return false;
    if (keep && store_scan_number (start, size, &value))
        scan->fn (scan->arg, scan->path, path_size, value);
    return true;
}

static void
s_copy (char *out, const char *start, size_t size)
{
    if (size > STORE_SCAN_STRING_MAX)
        size = STORE_SCAN_STRING_MAX;
    memcpy (out, start, size);
    out[size] = '\0';
}

static bool
s_is (const char *key, size_t size, const char *name)
{
    return strlen (name) == size && memcmp (key, name, size) == 0;
}

//  One member of the sample object: the metric roots are walked, the identity
//  fields copied, everything else skipped.
static bool
s_top_member (s_scan_t *scan, const char *key, size_t key_size)
{
    store_scan_ids_t *ids = scan->ids;
    char *text = NULL;
    if (ids && s_is (key, key_size, ZAPM_KEY_AGENT))
        text = ids->agent;
    else if (ids && s_is (key, key_size, ZAPM_KEY_HOST))
        text = ids->host;
    else if (ids && s_is (key, key_size, ZAPM_KEY_COLOR))
        text = ids->color;
    if (text && scan->at < scan->end && *scan->at == '"') {
        const char *start;
        size_t size;
        if (!s_string (scan, &start, &size, NULL))
            return false;
        s_copy (text, start, size);
        return true;
    }
    if (ids && s_is (key, key_size, ZAPM_KEY_PID) && scan->at < scan->end &&
        s_number_byte[(unsigned char) *scan->at]) {
        const char *start;
        size_t size;
        double value;
        if (!s_number_token (scan, &start, &size))
            return false;
        if (store_scan_number (start, size, &value) && value >= 0 && value < 4e9)
            ids->pid = (int64_t) value;
        return true;
    }
    bool metric = s_is (key, key_size, ZAPM_KEY_CPU) || s_is (key, key_size, ZAPM_KEY_MEM) ||
                  s_is (key, key_size, ZAPM_KEY_PROC) || s_is (key, key_size, ZAPM_KEY_SYS) ||
                  s_is (key, key_size, ZAPM_KEY_CUSTOM);
    size_t path_size = 0;
    bool keep = metric && s_push (scan, 0, key, key_size, &path_size);
    return s_value (scan, path_size, keep, 1);
}

bool
store_scan (const char *json, size_t size, store_scan_fn *fn, void *arg, store_scan_ids_t *ids)
{
    pthread_once (&s_tables_once, s_tables);
    s_scan_t scan = {.at = json, .end = json + size, .fn = fn, .arg = arg, .ids = ids};
    if (ids) {
        ids->agent[0] = ids->host[0] = ids->color[0] = '\0';
        ids->pid = -1;
    }
    s_space (&scan);
    if (scan.at >= scan.end || *scan.at != '{')
        return false;
    return s_object (&scan, 0, false, 0);
}
