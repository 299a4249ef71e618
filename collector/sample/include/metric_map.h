/*  metric_map.h: the one table from sample fields to exported metrics.

    Every number of a sample that an exporter publishes (the Prometheus page at
    /metrics today, remote write later) is named here once: where it sits in
    the sample (wire keys from common/wire.h), the metric family it becomes, its
    type (gauge or counter), the divisor that turns the wire's unit into the base
    unit (percent -> ratio, MiB -> bytes), an optional fixed label (the CPU
    time's `mode`) and its help text. Names follow the Prometheus conventions:
    a `zapm_` prefix, base units in the name (`_bytes`, `_seconds`, `_ratio`),
    `_total` on counters.

    The validator fills a metric_values_t from the parsed sample
    (metric_map_extract) in one pass over each object, so exporters never parse
    JSON. An exporter walks the values with metric_map_walk, or indexes
    metric_fields[] by metric_field_id_t itself. Custom metrics are named by
    metric_map_custom_name: `zapm_custom_` + the agent's name with anything
    outside [a-zA-Z0-9_] made `_`, and `_total` after a counter's.
*/
#ifndef ZAPM_METRIC_MAP_H
#define ZAPM_METRIC_MAP_H

#include "wire.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cJSON cJSON;

//  The Prometheus metric types zapm exports.
typedef enum {
    METRIC_GAUGE,  //  a value that goes up and down
    METRIC_COUNTER //  a total that only grows (until its process restarts)
} metric_type_t;

//  Every field of the table, in table order. Families that share a name (the
//  CPU time by mode) are adjacent, so a renderer groups them in one pass.
typedef enum {
    METRIC_CORE_CPU,          //  `cpu`, the book's core field
    METRIC_CORE_MEM,          //  `mem`, the book's core field
    METRIC_PROC_CPU_USER,     //  proc.cpu_user
    METRIC_PROC_CPU_SYSTEM,   //  proc.cpu_system
    METRIC_PROC_CPU_PERCENT,  //  proc.cpu_percent
    METRIC_PROC_RSS,          //  proc.rss
    METRIC_PROC_VMS,          //  proc.vms
    METRIC_PROC_SWAP,         //  proc.swap
    METRIC_PROC_USS,          //  proc.uss
    METRIC_PROC_PSS,          //  proc.pss
    METRIC_PROC_THREADS,      //  proc.num_threads
    METRIC_PROC_FDS,          //  proc.num_fds
    METRIC_PROC_CTX_SWITCHES, //  proc.num_ctx_switches
    METRIC_PROC_IO_READ,      //  proc.io_read_bytes
    METRIC_PROC_IO_WRITE,     //  proc.io_write_bytes
    METRIC_SYS_CPU_PERCENT,   //  sys.cpu_percent
    METRIC_SYS_LOAD1,         //  sys.load[0]
    METRIC_SYS_LOAD5,         //  sys.load[1]
    METRIC_SYS_LOAD15,        //  sys.load[2]
    METRIC_SYS_MEM_TOTAL,     //  sys.mem.total
    METRIC_SYS_MEM_AVAILABLE, //  sys.mem.available
    METRIC_SYS_MEM_USED,      //  sys.mem.used
    METRIC_SYS_MEM_PERCENT,   //  sys.mem.percent
    METRIC_SYS_SWAP_TOTAL,    //  sys.swap.total
    METRIC_SYS_SWAP_USED,     //  sys.swap.used
    METRIC_SYS_SWAP_PERCENT,  //  sys.swap.percent
    METRIC_FIELDS             //  number of fields, keep last
} metric_field_id_t;

//  One row of the table.
typedef struct {
    const char *object; //  NULL for a top-level key, else ZAPM_KEY_PROC or ZAPM_KEY_SYS
    const char *group;  //  a nested object or array inside `object` (sys.mem, sys.load), or NULL
    const char *key;    //  the key in `group` (or `object`); NULL for an array element
    int element;        //  index in the array `group`, or -1
    const char *name;   //  metric family name
    const char *label_name;  //  a fixed label that tells rows of one family apart, or NULL
    const char *label_value; // its value
    metric_type_t type;      //  gauge or counter
    double divisor;          //  wire value / divisor = value in the base unit
    const char *unit;        //  base unit ("bytes", "seconds", "ratio"), "" when a plain count
    const char *help;        //  one line of help
} metric_field_t;

//  The table, indexed by metric_field_id_t.
extern const metric_field_t metric_fields[METRIC_FIELDS];

//  Entries of `sys.percpu` exported per series; more CPUs are left out.
#define METRIC_PERCPU_MAX 256

//  The per-CPU family (one row per CPU, label `cpu`), from `sys.percpu`.
extern const metric_field_t metric_percpu_field;

//  A sample's exported numbers, in base units.
typedef struct {
    double value[METRIC_FIELDS];      //  by metric_field_id_t; NAN when absent
    uint32_t percpu_count;            //  entries of `sys.percpu` held
    double percpu[METRIC_PERCPU_MAX]; //  each CPU's busy share, as a ratio
} metric_values_t;

//  Fills *values from a validated sample's top-level `cpu` and `mem` numbers
//  and its `proc` and `sys` objects (either may be NULL). Types have already
//  been checked by the validator; a field absent is NAN.
void metric_map_extract (double cpu, double mem, const cJSON *proc, const cJSON *sys,
                         metric_values_t *values);

//  Calls `visit` for each present value, in table order: the field, the CPU
//  index for per-CPU rows (-1 otherwise) and the value in base units.
//  `value` holds METRIC_FIELDS numbers by metric_field_id_t (NAN: absent),
//  `percpu` `percpu_count` ratios: a sample's metric_values_t, or a series'
//  latest values (latest.h), walk the same way.
typedef void (metric_visit_fn) (void *arg, const metric_field_t *field, int cpu, double value);
void metric_map_walk (const double *value, const double *percpu, uint32_t percpu_count,
                      metric_visit_fn *visit, void *arg);

//  The value of the one label `field->label_name` that a row of `field` carries:
//  the table's fixed value (the CPU time's `mode`), or for the per-CPU family the
//  CPU index `cpu`, written in decimal into `digits`. NULL when the field has no
//  label. /metrics and remote write both label a row by this one rule.
const char *metric_map_label_value (const metric_field_t *field, int cpu, char digits[12]);

//  Longest exported custom metric name, without the NUL.
#define METRIC_CUSTOM_NAME_MAX                                                                     \
    (sizeof "zapm_custom_" - 1 + ZAPM_CUSTOM_NAME_MAX + sizeof "_total" - 1)

//  Writes the metric name of custom metric `name` (a counter when `counter`)
//  into `out` (METRIC_CUSTOM_NAME_MAX + 1 bytes). Returns its length, or 0
//  when `name` is empty or longer than ZAPM_CUSTOM_NAME_MAX.
size_t metric_map_custom_name (const char *name, bool counter, char *out);

#endif
