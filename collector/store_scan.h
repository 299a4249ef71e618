/*  store_scan.h: the numbers of a validated sample, without a JSON library.

    The writer thread must not call cJSON (its allocator hooks are global and
    the validator installs an arena on the loop thread), and it only needs the
    numbers: so it walks the JSON text once itself. Each numeric field of `cpu`,
    `mem`, `proc`, `sys` and `custom` becomes a dotted path (`sys.mem.total`,
    arrays by index: `sys.percpu.1`, `sys.load.0`); `agent`, `host`, `color`
    and `pid` are kept for the series table. Keys outside [A-Za-z0-9_.:-] or
    paths over STORE_SCAN_PATH_MAX bytes are skipped.

    The text was validated by the collector, but the scanner still checks every
    byte it reads and stops cleanly on anything unexpected.
*/
#ifndef ZAPM_STORE_SCAN_H
#define ZAPM_STORE_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

//  Longest metric path kept, in bytes.
#define STORE_SCAN_PATH_MAX 127

//  Longest string kept for agent, host and color.
#define STORE_SCAN_STRING_MAX 255

//  Called for each numeric field: its path (not NUL-terminated) and value.
typedef void (store_scan_fn) (void *arg, const char *path, size_t path_size, double value);

//  The identity fields of a sample, as raw JSON string contents.
typedef struct {
    char agent[STORE_SCAN_STRING_MAX + 1]; //  `agent`, "" when absent
    char host[STORE_SCAN_STRING_MAX + 1];  //  `host`, "" when absent
    char color[STORE_SCAN_STRING_MAX + 1]; //  `color`, "" when absent
    int64_t pid;                           //  `pid`, -1 when absent
} store_scan_ids_t;

//  Scans `size` bytes of JSON text, calling fn for every numeric field kept,
//  in the order of the text. Fills *ids when it is not NULL. Returns false if
//  the text is not a JSON object (what was found before stays reported).
bool store_scan (const char *json, size_t size, store_scan_fn *fn, void *arg,
                 store_scan_ids_t *ids);

//  Parses a JSON number of `size` bytes into *value (correctly rounded).
//  Returns false if it is not one.
bool store_scan_number (const char *text, size_t size, double *value);

#endif
