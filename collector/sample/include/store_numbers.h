/*  store_numbers.h: the numbers of a validated sample, as the store takes them.

    The store keeps every numeric field of `cpu`, `mem`, `proc`, `sys` and
    `custom`, each under a dotted path (`sys.mem.total`, arrays by index:
    `sys.percpu.1`, `sys.load.0`). The validator has parsed the sample on the
    loop already, so it collects them there (validate_sample_numbers) while its
    parse is at hand: the store's writer thread never reads JSON. Paths over
    STORE_NUMBERS_PATH_MAX bytes, values nested deeper than
    STORE_NUMBERS_DEPTH_MAX and non-finite numbers are skipped, and so are the
    numbers past STORE_NUMBERS_MAX or STORE_NUMBERS_PATHS_BYTES. Keys with
    bytes outside [A-Za-z0-9_.:-] are kept here (checking every byte of every
    sample was a third of this walk) and skipped by the writer, which checks
    each path once per layout.

    The struct is large and meant to be reused (the ingest owns one): filling
    it allocates nothing, and only the used part is written.
*/
#ifndef ZAPM_STORE_NUMBERS_H
#define ZAPM_STORE_NUMBERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cJSON cJSON;

//  Longest metric path kept, in bytes.
#define STORE_NUMBERS_PATH_MAX 127

//  Deepest value kept: `sys` is depth 1, `sys.mem.total` depth 3.
#define STORE_NUMBERS_DEPTH_MAX 8

//  Numbers kept per sample.
#define STORE_NUMBERS_MAX 4096

//  Bytes of paths kept per sample (NULs included).
#define STORE_NUMBERS_PATHS_BYTES (64 * 1024)

//  A sample's numbers in the order found: value[i] is the number at the i-th
//  path of `paths`.
typedef struct {
    uint32_t count;                        //  numbers held
    uint32_t paths_size;                   //  bytes of `paths` in use
    bool truncated;                        //  numbers were left out for want of room
    double value[STORE_NUMBERS_MAX];       //  the numbers
    char paths[STORE_NUMBERS_PATHS_BYTES]; //  `count` NUL-terminated paths, back to back
} store_numbers_t;

//  Fills *self from the metric roots of a parsed, validated sample: its
//  top-level `cpu`, `mem`, `proc`, `sys` and `custom` members (each may be
//  NULL), in that order.
void store_numbers_collect (store_numbers_t *self, const cJSON *cpu, const cJSON *mem,
                            const cJSON *proc, const cJSON *sys, const cJSON *custom);

#endif
