/*  store_numbers.c: a walk over the validator's parse that collects numbers
    and their paths (see store_numbers.h).

    It runs on the collector's loop for every sample while a store is open, so
    it does no more than the store needs: one pass over the parsed members,
    each path built in place on a stack buffer (the parent's prefix is already
    there), a memcpy into the flat `paths` text and one double per number.
*/
#include "store_numbers.h"
#include "wire.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <string.h>

//  True when `key` is [A-Za-z0-9_.:-]+ (a path part readable without quoting).
static bool
s_safe (const char *key, size_t *size)
{
    const char *p = key;
    for (; *p; p++) {
        unsigned char c = (unsigned char) *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '.' || c == ':' || c == '-';
        if (!ok)
            return false;
    }
    *size = (size_t) (p - key);
    return *size > 0;
}

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

static void
s_keep (store_numbers_t *self, const char *path, size_t size, double value)
{
    if (!isfinite (value))
        return;
    if (self->count == STORE_NUMBERS_MAX ||
        size + 1 > STORE_NUMBERS_PATHS_BYTES - self->paths_size) {
        self->truncated = true;
        return;
    }
    memcpy (self->paths + self->paths_size, path, size);
    self->paths[self->paths_size + size] = '\0';
    self->paths_size += (uint32_t) size + 1;
    self->value[self->count++] = value;
}

//  Collects `item`, whose path is the first `size` bytes of `path`.
static void
s_walk (store_numbers_t *self, const cJSON *item, char *path, size_t size, int depth)
{
    if (cJSON_IsNumber (item)) {
        s_keep (self, path, size, item->valuedouble);
        return;
    }
    bool array = cJSON_IsArray (item);
    if ((!array && !cJSON_IsObject (item)) || depth >= STORE_NUMBERS_DEPTH_MAX)
        return;
    unsigned index = 0;
    for (const cJSON *child = item->child; child; child = child->next, index++) {
        char name[16];
        const char *part = name;
        size_t part_size;
        if (array)
            part_size = s_utoa (index, name);
        else if (!child->string || !s_safe (child->string, &part_size))
            continue;
        else
            part = child->string;
        if (size + 1 + part_size > STORE_NUMBERS_PATH_MAX)
            continue;
        path[size] = '.';
        memcpy (path + size + 1, part, part_size);
        s_walk (self, child, path, size + 1 + part_size, depth + 1);
    }
}

void
store_numbers_collect (store_numbers_t *self, const cJSON *cpu, const cJSON *mem, const cJSON *proc,
                       const cJSON *sys, const cJSON *custom)
{
    static const char *const names[] = {ZAPM_KEY_CPU, ZAPM_KEY_MEM, ZAPM_KEY_PROC, ZAPM_KEY_SYS,
                                        ZAPM_KEY_CUSTOM};
    const cJSON *roots[] = {cpu, mem, proc, sys, custom};
    self->count = 0;
    self->paths_size = 0;
    self->truncated = false;
    char path[STORE_NUMBERS_PATH_MAX + 1];
    for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++) {
        if (!roots[i])
            continue;
        size_t size = strlen (names[i]);
        memcpy (path, names[i], size);
        s_walk (self, roots[i], path, size, 1);
    }
}
