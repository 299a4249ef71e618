/*  metric_map.c: the table from sample fields to exported metrics, and the
    one pass that reads a sample's numbers through it.

    Extraction runs for every valid sample on the collector's ingest path, so
    it walks each JSON object of the sample once and compares each key only
    with the table rows of that object (rows are grouped by object), first byte
    first. Everything else (/metrics, remote write) reads the doubles.
*/
#include "metric_map.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define S_PERCENT 100.0
#define S_MIB     (1.0 / 1048576)

//  clang-format off
const metric_field_t metric_fields[METRIC_FIELDS] = {
    [METRIC_CORE_CPU] = {NULL, NULL, ZAPM_KEY_CPU, -1, "zapm_sample_cpu_ratio", NULL, NULL,
                         METRIC_GAUGE, S_PERCENT, "ratio",
                         "The sample's core cpu field as a ratio: the process's CPU use (the "
                         "host's without process metrics)."},
    [METRIC_CORE_MEM] = {NULL, NULL, ZAPM_KEY_MEM, -1, "zapm_sample_memory_bytes", NULL, NULL,
                         METRIC_GAUGE, S_MIB, "bytes",
                         "The sample's core mem field in bytes: the process's RSS (the host's used "
                         "memory without process metrics)."},
    [METRIC_PROC_CPU_USER] = {ZAPM_KEY_PROC, NULL, ZAPM_KEY_CPU_USER, -1,
                              "zapm_process_cpu_seconds_total", "mode", "user", METRIC_COUNTER, 1,
                              "seconds", "CPU time of the sampled process, by mode."},
    [METRIC_PROC_CPU_SYSTEM] = {ZAPM_KEY_PROC, NULL, ZAPM_KEY_CPU_SYSTEM, -1,
                                "zapm_process_cpu_seconds_total", "mode", "system", METRIC_COUNTER,
                                1, "seconds", "CPU time of the sampled process, by mode."},
    [METRIC_PROC_CPU_PERCENT] =
        {ZAPM_KEY_PROC, NULL, ZAPM_KEY_CPU_PERCENT, -1, "zapm_process_cpu_usage_ratio", NULL, NULL,
         METRIC_GAUGE, S_PERCENT, "ratio",
         "CPU use of the sampled process over the last interval, 1 per busy core."},
    [METRIC_PROC_RSS] = {ZAPM_KEY_PROC, NULL, ZAPM_KEY_RSS, -1,
                         "zapm_process_resident_memory_bytes", NULL, NULL, METRIC_GAUGE, 1, "bytes",
                         "Resident set size of the sampled process."},
    [METRIC_PROC_VMS] = {ZAPM_KEY_PROC, NULL, ZAPM_KEY_VMS, -1, "zapm_process_virtual_memory_bytes",
                         NULL, NULL, METRIC_GAUGE, 1, "bytes",
                         "Virtual memory size of the sampled process."},
    [METRIC_PROC_SWAP] = {ZAPM_KEY_PROC, NULL, ZAPM_KEY_SWAP_BYTES, -1, "zapm_process_swap_bytes",
                          NULL, NULL, METRIC_GAUGE, 1, "bytes",
                          "Swapped-out memory of the sampled process."},
    [METRIC_PROC_USS] =
        {ZAPM_KEY_PROC, NULL, ZAPM_KEY_USS, -1, "zapm_process_unique_memory_bytes", NULL, NULL,
         METRIC_GAUGE, 1, "bytes",
         "Unique set size (USS) of the sampled process, when the agent reads smaps."},
    [METRIC_PROC_PSS] =
        {ZAPM_KEY_PROC, NULL, ZAPM_KEY_PSS, -1, "zapm_process_proportional_memory_bytes", NULL,
         NULL, METRIC_GAUGE, 1, "bytes",
         "Proportional set size (PSS) of the sampled process, when the agent reads smaps."},
    [METRIC_PROC_THREADS] = {ZAPM_KEY_PROC, NULL, ZAPM_KEY_NUM_THREADS, -1, "zapm_process_threads",
                             NULL, NULL, METRIC_GAUGE, 1, "", "Threads of the sampled process."},
    [METRIC_PROC_FDS] = {ZAPM_KEY_PROC, NULL, ZAPM_KEY_NUM_FDS, -1, "zapm_process_open_fds", NULL,
                         NULL, METRIC_GAUGE, 1, "",
                         "Open file descriptors of the sampled process."},
    [METRIC_PROC_CTX_SWITCHES] =
        {ZAPM_KEY_PROC, NULL, ZAPM_KEY_NUM_CTX_SWITCHES, -1, "zapm_process_context_switches_total",
         NULL, NULL, METRIC_COUNTER, 1, "",
         "Voluntary and involuntary context switches of the sampled process's main thread."},
    [METRIC_PROC_IO_READ] = {ZAPM_KEY_PROC, NULL, ZAPM_KEY_IO_READ_BYTES, -1,
                             "zapm_process_io_read_bytes_total", NULL, NULL, METRIC_COUNTER, 1,
                             "bytes", "Bytes the sampled process caused to be read from storage."},
    [METRIC_PROC_IO_WRITE] = {ZAPM_KEY_PROC, NULL, ZAPM_KEY_IO_WRITE_BYTES, -1,
                              "zapm_process_io_write_bytes_total", NULL, NULL, METRIC_COUNTER, 1,
                              "bytes",
                              "Bytes the sampled process caused to be written to storage."},
    [METRIC_SYS_CPU_PERCENT] =
        {ZAPM_KEY_SYS, NULL, ZAPM_KEY_CPU_PERCENT, -1, "zapm_system_cpu_usage_ratio", NULL, NULL,
         METRIC_GAUGE, S_PERCENT, "ratio",
         "Busy share of all the host's CPUs over the agent's last interval."},
    [METRIC_SYS_LOAD1] = {ZAPM_KEY_SYS, ZAPM_KEY_LOAD, NULL, 0, "zapm_system_load1", NULL, NULL,
                          METRIC_GAUGE, 1, "", "The host's load average over 1 minute."},
    [METRIC_SYS_LOAD5] = {ZAPM_KEY_SYS, ZAPM_KEY_LOAD, NULL, 1, "zapm_system_load5", NULL, NULL,
                          METRIC_GAUGE, 1, "", "The host's load average over 5 minutes."},
    [METRIC_SYS_LOAD15] = {ZAPM_KEY_SYS, ZAPM_KEY_LOAD, NULL, 2, "zapm_system_load15", NULL, NULL,
                           METRIC_GAUGE, 1, "", "The host's load average over 15 minutes."},
    [METRIC_SYS_MEM_TOTAL] = {ZAPM_KEY_SYS, ZAPM_KEY_SYS_MEM, ZAPM_KEY_TOTAL, -1,
                              "zapm_system_memory_total_bytes", NULL, NULL, METRIC_GAUGE, 1,
                              "bytes", "The host's physical memory."},
    [METRIC_SYS_MEM_AVAILABLE] = {ZAPM_KEY_SYS, ZAPM_KEY_SYS_MEM, ZAPM_KEY_AVAILABLE, -1,
                                  "zapm_system_memory_available_bytes", NULL, NULL, METRIC_GAUGE, 1,
                                  "bytes", "The host's memory available without swapping."},
    [METRIC_SYS_MEM_USED] = {ZAPM_KEY_SYS, ZAPM_KEY_SYS_MEM, ZAPM_KEY_USED, -1,
                             "zapm_system_memory_used_bytes", NULL, NULL, METRIC_GAUGE, 1, "bytes",
                             "The host's used memory (total - free - buffers - cache)."},
    [METRIC_SYS_MEM_PERCENT] =
        {ZAPM_KEY_SYS, ZAPM_KEY_SYS_MEM, ZAPM_KEY_PERCENT, -1, "zapm_system_memory_usage_ratio",
         NULL, NULL, METRIC_GAUGE, S_PERCENT, "ratio",
         "The host's memory in use as a ratio: (total - available) / total."},
    [METRIC_SYS_SWAP_TOTAL] = {ZAPM_KEY_SYS, ZAPM_KEY_SYS_SWAP, ZAPM_KEY_TOTAL, -1,
                               "zapm_system_swap_total_bytes", NULL, NULL, METRIC_GAUGE, 1, "bytes",
                               "The host's swap space."},
    [METRIC_SYS_SWAP_USED] = {ZAPM_KEY_SYS, ZAPM_KEY_SYS_SWAP, ZAPM_KEY_USED, -1,
                              "zapm_system_swap_used_bytes", NULL, NULL, METRIC_GAUGE, 1, "bytes",
                              "The host's swap in use."},
    [METRIC_SYS_SWAP_PERCENT] = {ZAPM_KEY_SYS, ZAPM_KEY_SYS_SWAP, ZAPM_KEY_PERCENT, -1,
                                 "zapm_system_swap_usage_ratio", NULL, NULL, METRIC_GAUGE,
                                 S_PERCENT, "ratio",
                                 "The host's swap in use as a ratio of its swap space."},
};

const metric_field_t metric_percpu_field = {
    ZAPM_KEY_SYS,
    ZAPM_KEY_PERCPU,
    NULL,
    -1,
    "zapm_system_cpu_core_usage_ratio",
    "cpu",
    NULL,
    METRIC_GAUGE,
    S_PERCENT,
    "ratio",
    "Busy share of each of the host's CPUs over the agent's last interval."};
//  clang-format on

//  Stores each member of `object` that a row in [first, last) names by `key`
//  (rows whose object and group are the ones `object` stands for).
static void
s_take_members (const cJSON *object, metric_field_id_t first, metric_field_id_t last,
                metric_values_t *values)
{
    const cJSON *member;
    cJSON_ArrayForEach (member, object)
    {
        const char *key = member->string;
        for (metric_field_id_t id = first; id < last; id++) {
            const metric_field_t *field = &metric_fields[id];
            if (key[0] == field->key[0] && strcmp (key, field->key) == 0) {
                values->value[id] = member->valuedouble / field->divisor;
                break;
            }
        }
    }
}

//  Stores the elements of array `array` that rows in [first, last) name by index.
static void
s_take_elements (const cJSON *array, metric_field_id_t first, metric_field_id_t last,
                 metric_values_t *values)
{
    const cJSON *element = array ? array->child : NULL;
    for (int index = 0; element; index++, element = element->next)
        for (metric_field_id_t id = first; id < last; id++)
            if (metric_fields[id].element == index)
                values->value[id] = element->valuedouble / metric_fields[id].divisor;
}

static void
s_take_percpu (const cJSON *array, metric_values_t *values)
{
    const cJSON *element = array ? array->child : NULL;
    uint32_t count = 0;
    for (; element && count < METRIC_PERCPU_MAX; element = element->next)
        values->percpu[count++] = element->valuedouble / metric_percpu_field.divisor;
    values->percpu_count = count;
}

void
metric_map_extract (double cpu, double mem, const cJSON *proc, const cJSON *sys,
                    metric_values_t *values)
{
    for (int id = 0; id < METRIC_FIELDS; id++)
        values->value[id] = NAN;
    values->percpu_count = 0;
    values->value[METRIC_CORE_CPU] = cpu / metric_fields[METRIC_CORE_CPU].divisor;
    values->value[METRIC_CORE_MEM] = mem / metric_fields[METRIC_CORE_MEM].divisor;
    if (proc)
        s_take_members (proc, METRIC_PROC_CPU_USER, METRIC_SYS_CPU_PERCENT, values);
    if (!sys)
        return;
    const cJSON *member;
    cJSON_ArrayForEach (member, sys)
    {
        const char *key = member->string;
        if (strcmp (key, ZAPM_KEY_CPU_PERCENT) == 0)
            values->value[METRIC_SYS_CPU_PERCENT] =
                member->valuedouble / metric_fields[METRIC_SYS_CPU_PERCENT].divisor;
        else if (strcmp (key, ZAPM_KEY_LOAD) == 0)
            s_take_elements (member, METRIC_SYS_LOAD1, METRIC_SYS_MEM_TOTAL, values);
        else if (strcmp (key, ZAPM_KEY_SYS_MEM) == 0)
            s_take_members (member, METRIC_SYS_MEM_TOTAL, METRIC_SYS_SWAP_TOTAL, values);
        else if (strcmp (key, ZAPM_KEY_SYS_SWAP) == 0)
            s_take_members (member, METRIC_SYS_SWAP_TOTAL, METRIC_FIELDS, values);
        else if (strcmp (key, ZAPM_KEY_PERCPU) == 0)
            s_take_percpu (member, values);
    }
}

void
metric_map_walk (const double *value, const double *percpu, uint32_t percpu_count,
                 metric_visit_fn *visit, void *arg)
{
    for (int id = 0; id < METRIC_FIELDS; id++)
        if (!isnan (value[id]))
            visit (arg, &metric_fields[id], -1, value[id]);
    for (uint32_t cpu = 0; cpu < percpu_count; cpu++)
        visit (arg, &metric_percpu_field, (int) cpu, percpu[cpu]);
}

const char *
metric_map_label_value (const metric_field_t *field, int cpu, char digits[12])
{
    if (!field->label_name)
        return NULL;
    if (field->label_value || cpu < 0)
        return field->label_value;
    snprintf (digits, 12, "%d", cpu);
    return digits;
}

size_t
metric_map_custom_name (const char *name, bool counter, char *out)
{
    static const char prefix[] = "zapm_custom_", suffix[] = "_total";
    size_t length = strlen (name);
    if (length == 0 || length > ZAPM_CUSTOM_NAME_MAX)
        return 0;
    char *at = out;
    memcpy (at, prefix, sizeof prefix - 1);
    at += sizeof prefix - 1;
    for (size_t i = 0; i < length; i++) {
        char c = name[i];
        bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        *at++ = keep ? c : '_';
    }
    size_t suffix_length = sizeof suffix - 1;
    bool has_suffix = (size_t) (at - out) >= suffix_length &&
                      memcmp (at - suffix_length, suffix, suffix_length) == 0;
    if (counter && !has_suffix) {
        memcpy (at, suffix, suffix_length);
        at += suffix_length;
    }
    *at = '\0';
    return (size_t) (at - out);
}
