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

//  Appends `key` to the path after `at` bytes. Returns the key's length, or
//  0 if it is empty or makes the path longer than STORE_NUMBERS_PATH_MAX.
//  Its bytes are not checked here: the writer checks each path once, when it
//  learns the layout (store_writer.c).
static size_t
s_put_key (char *path, size_t at, const char *key)
{
    size_t size = strlen (key);
    if (size == 0 || at + size > STORE_NUMBERS_PATH_MAX)
        return 0;
    memcpy (path + at, key, size);
    return size;
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

//  The item's type, read directly: the cJSON_Is* calls were a fifth of the walk.
#define S_TYPE(item) ((item)->type & 0xff)

//  Collects the members of object or array `item`, whose path is the first
//  `size` bytes of `path`, at `depth` (the roots are depth 1). Numbers are
//  kept here, without a call per leaf.
static void
s_walk (store_numbers_t *self, const cJSON *item, char *path, size_t size, int depth)
{
    bool array = S_TYPE (item) == cJSON_Array;
    unsigned index = 0;
    for (const cJSON *child = item->child; child; child = child->next, index++) {
        int type = S_TYPE (child);
        bool nested = type == cJSON_Object || type == cJSON_Array;
        if (type != cJSON_Number && (!nested || depth + 1 >= STORE_NUMBERS_DEPTH_MAX))
            continue; //  a string, a boolean, null, or too deep to walk into
        size_t part_size;
        if (array) {
            char name[16];
            part_size = s_utoa (index, name);
            if (size + 1 + part_size > STORE_NUMBERS_PATH_MAX)
                continue;
            memcpy (path + size + 1, name, part_size);
        }
        else if (!child->string || !(part_size = s_put_key (path, size + 1, child->string)))
            continue;
        path[size] = '.';
        if (type == cJSON_Number)
            s_keep (self, path, size + 1 + part_size, child->valuedouble);
        else
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
        int type = S_TYPE (roots[i]);
        if (type == cJSON_Number)
            s_keep (self, path, size, roots[i]->valuedouble);
        else if (type == cJSON_Object || type == cJSON_Array)
            s_walk (self, roots[i], path, size, 1);
    }
}
