/*  validate.c: one received frame in, a validated sample or a drop reason out.

    The schema is a set of tables (key, expected type, nested table) walked once
    over the parsed object, so adding a field to the protocol is one line here and
    one name in common/wire.h. Unknown keys are ignored: they are kept in the bytes
    that the collector forwards, as the protocol requires.

    cJSON does the parsing. It does not check UTF-8, so a strict validator runs
    first; it also accepts numbers like 1e999 as infinity, which JSON readers in
    browsers would choke on, so every known number must be finite.
*/
#include "validate.h"
#include "clock.h"
#include "json_scan.h"
#include "store_numbers.h"
#include "textbuf.h"
#include "utf8.h"
#include "wire.h"

#include <assert.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum {
    FIELD_NUMBER,    //  finite number
    FIELD_STRING,    //  string
    FIELD_OBJECT,    //  object checked against `children`
    FIELD_NUMBERS,   //  array of finite numbers
    FIELD_STRINGS,   //  array of strings
    FIELD_NUMBER_MAP //  object whose values are all finite numbers
} field_type_t;

typedef struct field_s field_t;
struct field_s {
    const char *key;         //  JSON key, from wire.h
    field_type_t type;       //  expected type
    const field_t *children; //  for FIELD_OBJECT: its table, ended by a NULL key
};

static const field_t s_sys_mem_fields[] = {{ZAPM_KEY_TOTAL, FIELD_NUMBER, NULL},
                                           {ZAPM_KEY_AVAILABLE, FIELD_NUMBER, NULL},
                                           {ZAPM_KEY_USED, FIELD_NUMBER, NULL},
                                           {ZAPM_KEY_PERCENT, FIELD_NUMBER, NULL},
                                           {NULL, FIELD_NUMBER, NULL}};

static const field_t s_sys_swap_fields[] = {{ZAPM_KEY_TOTAL, FIELD_NUMBER, NULL},
                                            {ZAPM_KEY_USED, FIELD_NUMBER, NULL},
                                            {ZAPM_KEY_PERCENT, FIELD_NUMBER, NULL},
                                            {NULL, FIELD_NUMBER, NULL}};

static const field_t s_sys_fields[] = {{ZAPM_KEY_CPU_PERCENT, FIELD_NUMBER, NULL},
                                       {ZAPM_KEY_PERCPU, FIELD_NUMBERS, NULL},
                                       {ZAPM_KEY_LOAD, FIELD_NUMBERS, NULL},
                                       {ZAPM_KEY_SYS_MEM, FIELD_OBJECT, s_sys_mem_fields},
                                       {ZAPM_KEY_SYS_SWAP, FIELD_OBJECT, s_sys_swap_fields},
                                       {NULL, FIELD_NUMBER, NULL}};

static const field_t s_proc_fields[] = {{ZAPM_KEY_CPU_PERCENT, FIELD_NUMBER, NULL},
                                        {ZAPM_KEY_CPU_USER, FIELD_NUMBER, NULL},
                                        {ZAPM_KEY_CPU_SYSTEM, FIELD_NUMBER, NULL},
                                        {ZAPM_KEY_RSS, FIELD_NUMBER, NULL},
                                        {ZAPM_KEY_VMS, FIELD_NUMBER, NULL},
                                        {ZAPM_KEY_SWAP_BYTES, FIELD_NUMBER, NULL},
                                        {ZAPM_KEY_USS, FIELD_NUMBER, NULL},
                                        {ZAPM_KEY_PSS, FIELD_NUMBER, NULL},
                                        {ZAPM_KEY_NUM_THREADS, FIELD_NUMBER, NULL},
                                        {ZAPM_KEY_NUM_FDS, FIELD_NUMBER, NULL},
                                        {ZAPM_KEY_NUM_CTX_SWITCHES, FIELD_NUMBER, NULL},
                                        {ZAPM_KEY_IO_READ_BYTES, FIELD_NUMBER, NULL},
                                        {ZAPM_KEY_IO_WRITE_BYTES, FIELD_NUMBER, NULL},
                                        {NULL, FIELD_NUMBER, NULL}};

//  Positions in s_sample_fields: s_check_object records each field found there.
enum {
    SAMPLE_COLOR,
    SAMPLE_TIMESTAMP,
    SAMPLE_CPU,
    SAMPLE_MEM,
    SAMPLE_VERSION,
    SAMPLE_AGENT,
    SAMPLE_HOST,
    SAMPLE_PID,
    SAMPLE_SEQ,
    SAMPLE_INTERVAL,
    SAMPLE_PROC,
    SAMPLE_SYS,
    SAMPLE_CUSTOM,
    SAMPLE_COUNTERS,
    SAMPLE_FIELDS
};

static const field_t s_sample_fields[] = {
    [SAMPLE_COLOR] = {ZAPM_KEY_COLOR, FIELD_STRING, NULL},
    [SAMPLE_TIMESTAMP] = {ZAPM_KEY_TIMESTAMP, FIELD_STRING, NULL},
    [SAMPLE_CPU] = {ZAPM_KEY_CPU, FIELD_NUMBER, NULL},
    [SAMPLE_MEM] = {ZAPM_KEY_MEM, FIELD_NUMBER, NULL},
    [SAMPLE_VERSION] = {ZAPM_KEY_VERSION, FIELD_NUMBER, NULL},
    [SAMPLE_AGENT] = {ZAPM_KEY_AGENT, FIELD_STRING, NULL},
    [SAMPLE_HOST] = {ZAPM_KEY_HOST, FIELD_STRING, NULL},
    [SAMPLE_PID] = {ZAPM_KEY_PID, FIELD_NUMBER, NULL},
    [SAMPLE_SEQ] = {ZAPM_KEY_SEQ, FIELD_NUMBER, NULL},
    [SAMPLE_INTERVAL] = {ZAPM_KEY_INTERVAL, FIELD_NUMBER, NULL},
    [SAMPLE_PROC] = {ZAPM_KEY_PROC, FIELD_OBJECT, s_proc_fields},
    [SAMPLE_SYS] = {ZAPM_KEY_SYS, FIELD_OBJECT, s_sys_fields},
    [SAMPLE_CUSTOM] = {ZAPM_KEY_CUSTOM, FIELD_NUMBER_MAP, NULL},
    [SAMPLE_COUNTERS] = {ZAPM_KEY_COUNTERS, FIELD_STRINGS, NULL},
    [SAMPLE_FIELDS] = {NULL, FIELD_NUMBER, NULL}};

static const char *s_reason_names[VALIDATE_REASONS] = {
    [VALIDATE_OK] = "ok",
    [VALIDATE_TOO_LARGE] = "too_large",
    [VALIDATE_NOT_UTF8] = "not_utf8",
    [VALIDATE_NOT_JSON] = "not_json",
    [VALIDATE_NOT_OBJECT] = "not_object",
    [VALIDATE_MISSING_CPU_MEM] = "missing_cpu_mem",
    [VALIDATE_MISSING_IDENTITY] = "missing_identity",
    [VALIDATE_WRONG_TYPE] = "wrong_type",
    [VALIDATE_IDENTITY_TOO_LONG] = "identity_too_long",
    [VALIDATE_MULTIPART] = "multipart",
    [VALIDATE_DUPLICATE_KEY] = "duplicate_key",
    [VALIDATE_CONTROL_CHARACTER] = "control_character",
    [VALIDATE_TOO_OLD] = "too_old",
    [VALIDATE_TOO_NEW] = "too_new",
};

sample_time_t
sample_time_check (const sample_t *sample, int64_t received_ns)
{
    assert (sample);
    if (sample->wall_ns == 0)
        return sample->has_timestamp ? SAMPLE_TIME_UNREADABLE : SAMPLE_TIME_NONE;
    if (sample->wall_ns < received_ns - SAMPLE_PAST_WINDOW_S * 1000000000LL)
        return SAMPLE_TIME_TOO_OLD;
    if (sample->wall_ns > received_ns + SAMPLE_FUTURE_WINDOW_S * 1000000000LL)
        return SAMPLE_TIME_TOO_NEW;
    return SAMPLE_TIME_OWN;
}

const char *
sample_time_name (sample_time_t how)
{
    return how == SAMPLE_TIME_TOO_OLD      ? "too_old"
           : how == SAMPLE_TIME_TOO_NEW    ? "too_new"
           : how == SAMPLE_TIME_UNREADABLE ? "unreadable"
                                           : "own";
}

int64_t
sample_time_ns (const sample_t *sample, int64_t received_ns)
{
    return sample_time_check (sample, received_ns) == SAMPLE_TIME_OWN ? sample->wall_ns
                                                                      : received_ns;
}

const char *
validate_reason_name (validate_reason_t reason)
{
    return reason < VALIDATE_REASONS ? s_reason_names[reason] : "unknown";
}

//  VALIDATE_NOT_JSON when a raw control character (U+0000..U+001F) appears
//  anywhere but as whitespace (tab, CR, LF) between tokens. RFC 8259 forbids
//  them inside strings and cJSON lets them through; cJSON also skips any of
//  them as whitespace. A raw line break in a string would split an SSE `data:`
//  line and let an agent forge events; any other would make browsers'
//  JSON.parse reject the sample. VALIDATE_CONTROL_CHARACTER when a string
//  holds the escape \u0000: cJSON decodes it into a NUL that ends the C
//  string there, so a key or a name would silently become another one.
static validate_reason_t
s_check_raw (const char *data, size_t size)
{
    json_scan_t scan = {false, false};
    for (size_t i = 0; i < size; i++) {
        unsigned char c = (unsigned char) data[i];
        bool escape = scan.in_string && scan.escaped; //  c follows a backslash
        bool in_string = json_scan_step (&scan, (char) c);
        if (c < 0x20 && (in_string || (c != '\t' && c != '\n' && c != '\r')))
            return VALIDATE_NOT_JSON;
        if (escape && c == 'u' && size - i > 4 && memcmp (data + i + 1, "0000", 4) == 0)
            return VALIDATE_CONTROL_CHARACTER;
    }
    return VALIDATE_OK;
}

//  True when `text` (UTF-8) holds a control character: C0, DEL or C1, by the
//  rule the agent applies too (utf8.h).
static bool
s_has_control (const char *text)
{
    return utf8_find_control (text) != NULL;
}

static bool
s_is_finite_number (const cJSON *item)
{
    return cJSON_IsNumber (item) && isfinite (item->valuedouble);
}

static validate_reason_t s_check_object (const cJSON *object, const field_t *table,
                                         const cJSON **found);

//  Checks one value against its expected type.
static validate_reason_t
s_check_field (const cJSON *item, const field_t *field)
{
    switch (field->type) {
    case FIELD_NUMBER:
        return s_is_finite_number (item) ? VALIDATE_OK : VALIDATE_WRONG_TYPE;
    case FIELD_STRING:
        return cJSON_IsString (item) ? VALIDATE_OK : VALIDATE_WRONG_TYPE;
    case FIELD_OBJECT:
        return cJSON_IsObject (item) ? s_check_object (item, field->children, NULL)
                                     : VALIDATE_WRONG_TYPE;
    case FIELD_NUMBERS:
    case FIELD_STRINGS:
    case FIELD_NUMBER_MAP: {
        if (field->type == FIELD_NUMBER_MAP ? !cJSON_IsObject (item) : !cJSON_IsArray (item))
            return VALIDATE_WRONG_TYPE;
        const cJSON *element;
        cJSON_ArrayForEach (element, item)
        {
            if (field->type == FIELD_STRINGS ? !cJSON_IsString (element)
                                             : !s_is_finite_number (element))
                return VALIDATE_WRONG_TYPE;
        }
        return VALIDATE_OK;
    }
    }
    return VALIDATE_WRONG_TYPE;
}

//  Checks every member of `object` whose key is in `table` (at most 32 keys);
//  others pass. A known key given twice is refused: the collector would read the
//  first and browsers the last, so the two would disagree on what was sent. One
//  pass over the members; when `found` is given, found[i] is set to the member
//  matching table[i] (NULL if none), so no key is looked up twice.
static validate_reason_t
s_check_object (const cJSON *object, const field_t *table, const cJSON **found)
{
    uint32_t seen = 0;
    const cJSON *member;
    cJSON_ArrayForEach (member, object)
    {
        const char *key = member->string;
        for (const field_t *field = table; field->key; field++) {
            if (key[0] != field->key[0] || strcmp (key, field->key) != 0)
                continue;
            uint32_t bit = 1u << (field - table);
            if (seen & bit)
                return VALIDATE_DUPLICATE_KEY;
            seen |= bit;
            validate_reason_t reason = s_check_field (member, field);
            if (reason != VALIDATE_OK)
                return reason;
            if (found)
                found[field - table] = member;
            break;
        }
    }
    return VALIDATE_OK;
}

//  The number in `item`, or NAN when absent (types were checked already).
static double
s_number (const cJSON *item)
{
    return item ? item->valuedouble : NAN;
}

//  Returns the number at object.key, or NAN when absent.
static double
s_number_or_nan (const cJSON *object, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive (object, key);
    return cJSON_IsNumber (item) ? item->valuedouble : NAN;
}

//  The string in `item` when it is not empty, else NULL.
static const char *
s_nonempty (const cJSON *item)
{
    return item && item->valuestring[0] ? item->valuestring : NULL;
}

//  A whole number in [0, 2^53], the range a JSON reader represents exactly.
static bool
s_is_count (double value)
{
    return value >= 0 && value <= 9007199254740992.0 && value == floor (value);
}

//  Builds the series identity (docs/HTTP-API.md, "Series identity"): agent,
//  then @host, then :pid, each when present; else the colour. Also keeps the
//  parts: the strings point into the parsed tree, valid until the next parse.
static validate_reason_t
s_identity (const cJSON **found, sample_t *sample)
{
    const char *agent = s_nonempty (found[SAMPLE_AGENT]);
    const char *color = s_nonempty (found[SAMPLE_COLOR]);
    const char *host = s_nonempty (found[SAMPLE_HOST]);
    if ((agent && s_has_control (agent)) || (color && s_has_control (color)) ||
        (host && s_has_control (host)))
        return VALIDATE_CONTROL_CHARACTER;
    double pid = s_number (found[SAMPLE_PID]);
    if (!isnan (pid) && !s_is_count (pid))
        return VALIDATE_WRONG_TYPE;
    if (!agent && !color)
        return VALIDATE_MISSING_IDENTITY;
    sample->agent = agent;
    sample->host = host;
    sample->has_pid = !isnan (pid);
    sample->pid = sample->has_pid ? (uint64_t) pid : 0;
    //  One byte more than the limit, to tell "fits" from "too long".
    textbuf_t out = textbuf_fixed (sample->identity, ZAPM_IDENTITY_MAX + 1);
    if (agent) {
        textbuf_put (&out, agent, strlen (agent));
        if (host) {
            TEXTBUF_LIT (&out, ZAPM_IDENTITY_HOST_SEP);
            textbuf_put (&out, host, strlen (host));
        }
        if (sample->has_pid) {
            TEXTBUF_LIT (&out, ZAPM_IDENTITY_PID_SEP);
            textbuf_u64 (&out, sample->pid);
        }
    }
    else
        textbuf_put (&out, color, strlen (color));
    if (out.overflow || textbuf_length (&out) > ZAPM_IDENTITY_MAX)
        return VALIDATE_IDENTITY_TOO_LONG;
    sample->identity[textbuf_length (&out)] = '\0';
    //  A colour longer than the wire's limit still names a series, but is no colour.
    size_t color_length = color ? strlen (color) : 0;
    if (color_length > ZAPM_COLOR_MAX)
        color_length = 0;
    memcpy (sample->color, color ? color : "", color_length);
    sample->color[color_length] = '\0';
    return VALIDATE_OK;
}

//  Marks the custom metrics that `counters` names (the others are gauges).
static void
s_mark_counters (const cJSON *counters, sample_t *sample)
{
    _Static_assert(ZAPM_CUSTOM_MAX <= 64, "custom_counters is a 64-bit mask");
    sample->custom_counters = 0;
    const cJSON *name;
    cJSON_ArrayForEach (name, counters)
    {
        for (uint32_t k = 0; k < sample->custom_count; k++)
            if (strcmp (sample->custom[k].name, name->valuestring) == 0)
                sample->custom_counters |= (uint64_t) 1 << k;
    }
}

//  Keeps the first ZAPM_CUSTOM_MAX custom metrics whose names fit; refuses
//  the sample if any name holds a control character (it names a series of
//  the store and a family of /metrics).
static validate_reason_t
s_extract_custom (const cJSON *custom, sample_t *sample)
{
    sample->custom_count = 0;
    const cJSON *metric;
    cJSON_ArrayForEach (metric, custom)
    {
        if (s_has_control (metric->string))
            return VALIDATE_CONTROL_CHARACTER;
    }
    cJSON_ArrayForEach (metric, custom)
    {
        size_t length = strlen (metric->string);
        if (sample->custom_count == ZAPM_CUSTOM_MAX)
            break;
        if (length == 0 || length > ZAPM_CUSTOM_NAME_MAX)
            continue;
        sample_custom_t *entry = &sample->custom[sample->custom_count++];
        memcpy (entry->name, metric->string, length + 1);
        entry->value = metric->valuedouble;
    }
    return VALIDATE_OK;
}

//  Extracts what the collector keeps, and the store's numbers into *numbers
//  unless it is NULL; the schema has already been checked.
static validate_reason_t
s_extract (const cJSON **found, sample_t *sample, store_numbers_t *numbers)
{
    sample->cpu = s_number (found[SAMPLE_CPU]);
    sample->mem = s_number (found[SAMPLE_MEM]);
    if (isnan (sample->cpu) || isnan (sample->mem))
        return VALIDATE_MISSING_CPU_MEM;
    validate_reason_t reason = s_identity (found, sample);
    if (reason != VALIDATE_OK)
        return reason;

    double seq = s_number (found[SAMPLE_SEQ]);
    sample->has_seq = !isnan (seq);
    if (sample->has_seq && !s_is_count (seq))
        return VALIDATE_WRONG_TYPE;
    sample->seq = sample->has_seq ? (uint64_t) seq : 0;

    double interval = s_number (found[SAMPLE_INTERVAL]);
    if (interval < 0 || interval > ZAPM_INTERVAL_MAX)
        return VALIDATE_WRONG_TYPE;
    sample->interval = isnan (interval) ? 0 : interval;

    sample->wall_ns = 0;
    const cJSON *stamp = found[SAMPLE_TIMESTAMP];
    sample->has_timestamp = stamp != NULL;
    if (stamp)
        clock_parse_iso (stamp->valuestring, strlen (stamp->valuestring), &sample->wall_ns);

    const cJSON *sys = found[SAMPLE_SYS];
    sample->sys_cpu = s_number_or_nan (sys, ZAPM_KEY_CPU_PERCENT);
    sample->sys_mem = s_number_or_nan (cJSON_GetObjectItemCaseSensitive (sys, ZAPM_KEY_SYS_MEM),
                                       ZAPM_KEY_PERCENT);
    const cJSON *load1 =
        cJSON_GetArrayItem (cJSON_GetObjectItemCaseSensitive (sys, ZAPM_KEY_LOAD), 0);
    sample->load1 = cJSON_IsNumber (load1) ? load1->valuedouble : NAN;
    if ((reason = s_extract_custom (found[SAMPLE_CUSTOM], sample)) != VALIDATE_OK)
        return reason;
    s_mark_counters (found[SAMPLE_COUNTERS], sample);
    metric_map_extract (sample->cpu, sample->mem, found[SAMPLE_PROC], sys, &sample->metrics);
    if (numbers)
        store_numbers_collect (numbers, found[SAMPLE_CPU], found[SAMPLE_MEM], found[SAMPLE_PROC],
                               sys, found[SAMPLE_CUSTOM]);
    return VALIDATE_OK;
}

//  cJSON allocates a node per value and a copy per string; freeing them one by
//  one was a quarter of the ingest cost. While a frame is parsed its allocations
//  come from this bump arena instead, reset after the frame; anything larger
//  than the arena falls back to malloc. cJSON's hooks are process-wide, so the
//  arena and its flags are per thread: any other cJSON use (the API endpoints,
//  another thread) sees plain malloc and free.
#define VALIDATE_ARENA_BYTES (256 * 1024)

static _Thread_local char *s_arena;            //  this thread's arena, made on first parse
static _Thread_local size_t s_arena_used;      //  bytes handed out since the last reset
static _Thread_local bool s_arena_active;      //  inside validate_sample's parse
static _Thread_local size_t s_arena_fallbacks; //  allocations that did not fit
static _Thread_local cJSON *s_spilled;         //  the last parse, when part of it was malloc'd

static void *
s_arena_alloc (size_t size)
{
    if (s_arena_active) {
        size_t rounded = (size + 15) & ~(size_t) 15;
        if (rounded <= VALIDATE_ARENA_BYTES - s_arena_used) {
            void *block = s_arena + s_arena_used;
            s_arena_used += rounded;
            return block;
        }
        s_arena_fallbacks++;
    }
    return malloc (size);
}

static void
s_arena_free (void *block)
{
    char *bytes = block;
    if (s_arena && bytes >= s_arena && bytes < s_arena + VALIDATE_ARENA_BYTES)
        return;
    free (block);
}

static pthread_once_t s_hooks_once = PTHREAD_ONCE_INIT;

static void
s_install_hooks (void)
{
    cJSON_Hooks hooks = {.malloc_fn = s_arena_alloc, .free_fn = s_arena_free};
    cJSON_InitHooks (&hooks);
}

static cJSON *
s_parse (const char *data, size_t size, const char **end)
{
    pthread_once (&s_hooks_once, s_install_hooks);
    //  The last tree's strings (sample_t's agent, host) were valid until now:
    //  free what of it was malloc'd, while its arena nodes are still intact.
    if (s_spilled)
        cJSON_Delete (s_spilled);
    s_spilled = NULL;
    if (!s_arena)
        s_arena = aligned_alloc (16, VALIDATE_ARENA_BYTES);
    s_arena_used = 0;
    s_arena_fallbacks = 0;
    s_arena_active = s_arena != NULL;
    cJSON *root = cJSON_ParseWithLengthOpts (data, size, end, false);
    s_arena_active = false;
    return root;
}

//  Releases a parsed tree: nothing to do when it lives wholly in the arena;
//  else its malloc'd part is freed by the next parse, not now, so that the
//  strings a sample_t points to stay valid until then (a large frame whose
//  `agent` came after the arena filled left it pointing to freed memory).
static void
s_release (cJSON *root)
{
    if (s_arena_fallbacks > 0)
        s_spilled = root;
}

validate_reason_t
validate_sample (const char *data, size_t size, sample_t *sample)
{
    return validate_sample_numbers (data, size, sample, NULL);
}

validate_reason_t
validate_sample_numbers (const char *data, size_t size, sample_t *sample, store_numbers_t *numbers)
{
    if (size > ZAPM_WIRE_MAX_BYTES)
        return VALIDATE_TOO_LARGE;
    if (!utf8_valid (data, size))
        return VALIDATE_NOT_UTF8;
    validate_reason_t raw = s_check_raw (data, size);
    if (raw != VALIDATE_OK)
        return raw;

    const char *end = NULL;
    cJSON *root = s_parse (data, size, &end);
    if (!root)
        return VALIDATE_NOT_JSON;
    while (end < data + size && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
        end++;
    const cJSON *found[SAMPLE_FIELDS] = {NULL};
    validate_reason_t reason = VALIDATE_OK;
    if (end != data + size)
        reason = VALIDATE_NOT_JSON;
    else if (!cJSON_IsObject (root))
        reason = VALIDATE_NOT_OBJECT;
    else if ((reason = s_check_object (root, s_sample_fields, found)) == VALIDATE_OK)
        reason = s_extract (found, sample, numbers);
    s_release (root);
    if (reason == VALIDATE_OK)
        sample->has_line_break = memchr (data, '\n', size) || memchr (data, '\r', size);
    return reason;
}
