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
#include "wire.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

typedef enum {
    FIELD_NUMBER,    //  finite number
    FIELD_STRING,    //  string
    FIELD_OBJECT,    //  object checked against `children`
    FIELD_NUMBERS,   //  array of finite numbers
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

static const field_t s_sample_fields[] = {
    {ZAPM_KEY_COLOR, FIELD_STRING, NULL},         {ZAPM_KEY_TIMESTAMP, FIELD_STRING, NULL},
    {ZAPM_KEY_CPU, FIELD_NUMBER, NULL},           {ZAPM_KEY_MEM, FIELD_NUMBER, NULL},
    {ZAPM_KEY_VERSION, FIELD_NUMBER, NULL},       {ZAPM_KEY_AGENT, FIELD_STRING, NULL},
    {ZAPM_KEY_HOST, FIELD_STRING, NULL},          {ZAPM_KEY_PID, FIELD_NUMBER, NULL},
    {ZAPM_KEY_SEQ, FIELD_NUMBER, NULL},           {ZAPM_KEY_INTERVAL, FIELD_NUMBER, NULL},
    {ZAPM_KEY_PROC, FIELD_OBJECT, s_proc_fields}, {ZAPM_KEY_SYS, FIELD_OBJECT, s_sys_fields},
    {ZAPM_KEY_CUSTOM, FIELD_NUMBER_MAP, NULL},    {NULL, FIELD_NUMBER, NULL}};

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
};

const char *
validate_reason_name (validate_reason_t reason)
{
    return reason < VALIDATE_REASONS ? s_reason_names[reason] : "unknown";
}

bool
validate_utf8 (const char *data, size_t size)
{
    const unsigned char *p = (const unsigned char *) data, *end = p + size;
    while (p < end) {
        unsigned char c = *p;
        if (c >= 0x01 && c < 0x80) {
            p++;
            continue;
        }
        size_t extra;
        uint32_t cp, min;
        if (c >= 0xC2 && c <= 0xDF)
            extra = 1, cp = c & 0x1F, min = 0x80;
        else if (c >= 0xE0 && c <= 0xEF)
            extra = 2, cp = c & 0x0F, min = 0x800;
        else if (c >= 0xF0 && c <= 0xF4)
            extra = 3, cp = c & 0x07, min = 0x10000;
        else
            return false; //  NUL, stray continuation, overlong lead, or > U+10FFFF
        if ((size_t) (end - p) <= extra)
            return false;
        for (size_t i = 1; i <= extra; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        p += extra + 1;
    }
    return true;
}

//  True when a raw control character (U+0000..U+001F) sits inside a JSON string.
//  RFC 8259 forbids it and cJSON lets it through; a raw line break there would
//  split an SSE `data:` line and let an agent forge events.
static bool
s_control_in_string (const char *data, size_t size)
{
    bool in_string = false, escaped = false;
    for (size_t i = 0; i < size; i++) {
        unsigned char c = (unsigned char) data[i];
        if (!in_string)
            in_string = c == '"';
        else if (c < 0x20)
            return true;
        else if (escaped)
            escaped = false;
        else if (c == '\\')
            escaped = true;
        else if (c == '"')
            in_string = false;
    }
    return false;
}

static bool
s_is_finite_number (const cJSON *item)
{
    return cJSON_IsNumber (item) && isfinite (item->valuedouble);
}

static bool s_check_object (const cJSON *object, const field_t *table);

//  Checks one value against its expected type.
static bool
s_check_field (const cJSON *item, const field_t *field)
{
    switch (field->type) {
    case FIELD_NUMBER:
        return s_is_finite_number (item);
    case FIELD_STRING:
        return cJSON_IsString (item);
    case FIELD_OBJECT:
        return cJSON_IsObject (item) && s_check_object (item, field->children);
    case FIELD_NUMBERS:
    case FIELD_NUMBER_MAP: {
        if (field->type == FIELD_NUMBERS ? !cJSON_IsArray (item) : !cJSON_IsObject (item))
            return false;
        const cJSON *element;
        cJSON_ArrayForEach (element, item)
        {
            if (!s_is_finite_number (element))
                return false;
        }
        return true;
    }
    }
    return false;
}

//  Checks every member of `object` whose key is in `table`; others pass.
static bool
s_check_object (const cJSON *object, const field_t *table)
{
    const cJSON *member;
    cJSON_ArrayForEach (member, object)
    {
        for (const field_t *field = table; field->key; field++) {
            if (member->string && strcmp (member->string, field->key) == 0) {
                if (!s_check_field (member, field))
                    return false;
                break;
            }
        }
    }
    return true;
}

//  Returns the number at object.key, or NAN when absent.
static double
s_number_or_nan (const cJSON *object, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive (object, key);
    return cJSON_IsNumber (item) ? item->valuedouble : NAN;
}

//  Returns the non-empty string at object.key, or NULL.
static const char *
s_nonempty_string (const cJSON *object, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive (object, key);
    return cJSON_IsString (item) && item->valuestring[0] ? item->valuestring : NULL;
}

//  A whole number in [0, 2^53], the range a JSON reader represents exactly.
static bool
s_is_count (double value)
{
    return value >= 0 && value <= 9007199254740992.0 && value == floor (value);
}

//  Builds the series identity: agent@host:pid, or the parts present, or color.
static validate_reason_t
s_identity (const cJSON *root, sample_t *sample)
{
    const char *agent = s_nonempty_string (root, ZAPM_KEY_AGENT);
    const char *color = s_nonempty_string (root, ZAPM_KEY_COLOR);
    const char *host = s_nonempty_string (root, ZAPM_KEY_HOST);
    double pid = s_number_or_nan (root, ZAPM_KEY_PID);
    if (!isnan (pid) && !s_is_count (pid))
        return VALIDATE_WRONG_TYPE;
    int n;
    if (agent) {
        char pid_part[32] = "";
        if (!isnan (pid))
            snprintf (pid_part, sizeof pid_part, ":%.0f", pid);
        n = snprintf (sample->identity, sizeof sample->identity, "%s%s%s%s", agent, host ? "@" : "",
                      host ? host : "", pid_part);
    }
    else if (color)
        n = snprintf (sample->identity, sizeof sample->identity, "%s", color);
    else
        return VALIDATE_MISSING_IDENTITY;
    if (n < 0 || (size_t) n >= sizeof sample->identity)
        return VALIDATE_IDENTITY_TOO_LONG;
    snprintf (sample->color, sizeof sample->color, "%s", color ? color : "");
    return VALIDATE_OK;
}

//  Extracts what the collector keeps; the schema has already been checked.
static validate_reason_t
s_extract (const cJSON *root, sample_t *sample)
{
    sample->cpu = s_number_or_nan (root, ZAPM_KEY_CPU);
    sample->mem = s_number_or_nan (root, ZAPM_KEY_MEM);
    if (isnan (sample->cpu) || isnan (sample->mem))
        return VALIDATE_MISSING_CPU_MEM;
    validate_reason_t reason = s_identity (root, sample);
    if (reason != VALIDATE_OK)
        return reason;

    double seq = s_number_or_nan (root, ZAPM_KEY_SEQ);
    sample->has_seq = !isnan (seq);
    if (sample->has_seq && !s_is_count (seq))
        return VALIDATE_WRONG_TYPE;
    sample->seq = sample->has_seq ? (uint64_t) seq : 0;

    double interval = s_number_or_nan (root, ZAPM_KEY_INTERVAL);
    sample->interval = interval > 0 ? interval : 0;

    sample->wall_ns = 0;
    const cJSON *stamp = cJSON_GetObjectItemCaseSensitive (root, ZAPM_KEY_TIMESTAMP);
    if (cJSON_IsString (stamp))
        clock_parse_iso (stamp->valuestring, strlen (stamp->valuestring), &sample->wall_ns);

    const cJSON *sys = cJSON_GetObjectItemCaseSensitive (root, ZAPM_KEY_SYS);
    const cJSON *load = cJSON_GetObjectItemCaseSensitive (sys, ZAPM_KEY_LOAD);
    sample->sys_cpu = s_number_or_nan (sys, ZAPM_KEY_CPU_PERCENT);
    sample->sys_mem = s_number_or_nan (cJSON_GetObjectItemCaseSensitive (sys, ZAPM_KEY_SYS_MEM),
                                       ZAPM_KEY_PERCENT);
    const cJSON *load1 = cJSON_GetArrayItem (load, 0);
    sample->load1 = cJSON_IsNumber (load1) ? load1->valuedouble : NAN;

    sample->custom_count = 0;
    const cJSON *metric;
    cJSON_ArrayForEach (metric, cJSON_GetObjectItemCaseSensitive (root, ZAPM_KEY_CUSTOM))
    {
        size_t length = strlen (metric->string);
        if (sample->custom_count == SAMPLE_CUSTOM_MAX)
            break;
        if (length == 0 || length > ZAPM_CUSTOM_NAME_MAX)
            continue;
        sample_custom_t *entry = &sample->custom[sample->custom_count++];
        memcpy (entry->name, metric->string, length + 1);
        entry->value = metric->valuedouble;
    }
    return VALIDATE_OK;
}

validate_reason_t
validate_sample (const char *data, size_t size, sample_t *sample)
{
    if (size > ZAPM_WIRE_MAX_BYTES)
        return VALIDATE_TOO_LARGE;
    if (!validate_utf8 (data, size))
        return VALIDATE_NOT_UTF8;
    if (s_control_in_string (data, size))
        return VALIDATE_NOT_JSON;

    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts (data, size, &end, false);
    if (!root)
        return VALIDATE_NOT_JSON;
    while (end < data + size && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
        end++;
    validate_reason_t reason = VALIDATE_OK;
    if (end != data + size)
        reason = VALIDATE_NOT_JSON;
    else if (!cJSON_IsObject (root))
        reason = VALIDATE_NOT_OBJECT;
    else if (!s_check_object (root, s_sample_fields))
        reason = VALIDATE_WRONG_TYPE;
    else
        reason = s_extract (root, sample);
    cJSON_Delete (root);
    if (reason == VALIDATE_OK)
        sample->has_line_break = memchr (data, '\n', size) || memchr (data, '\r', size);
    return reason;
}
