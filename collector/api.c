/*  api.c: the JSON endpoints /api/agents, /api/history and /healthz. */
#include "api.h"
#include "wire.h"

#include <cjson/cJSON.h>
#include <fnmatch.h>
#include <math.h>

static cJSON *
s_copy_or_null (const cJSON *item)
{
    return item ? cJSON_Duplicate (item, true) : cJSON_CreateNull ();
}

static cJSON *
s_agent (const series_t *series)
{
    cJSON *agent = cJSON_CreateObject ();
    cJSON *last =
        series->last_size ? cJSON_ParseWithLength (series->last, series->last_size) : NULL;
    cJSON_AddStringToObject (agent, ZAPM_KEY_ID, series->id);
    cJSON_AddItemToObject (
        agent, ZAPM_KEY_AGENT,
        s_copy_or_null (cJSON_GetObjectItemCaseSensitive (last, ZAPM_KEY_AGENT)));
    cJSON_AddItemToObject (agent, ZAPM_KEY_HOST,
                           s_copy_or_null (cJSON_GetObjectItemCaseSensitive (last, ZAPM_KEY_HOST)));
    cJSON_AddItemToObject (agent, ZAPM_KEY_PID,
                           s_copy_or_null (cJSON_GetObjectItemCaseSensitive (last, ZAPM_KEY_PID)));
    cJSON_AddStringToObject (agent, ZAPM_KEY_COLOR, series->color);
    cJSON_AddStringToObject (agent, ZAPM_KEY_STATE, series->live ? "live" : "left");
    cJSON_AddNumberToObject (agent, "last_seen", (double) series->last_seen_wall / 1e9);
    cJSON_AddNumberToObject (agent, "samples", (double) series->samples);
    cJSON_AddNumberToObject (agent, "lost", (double) series->lost);
    if (series->interval > 0)
        cJSON_AddNumberToObject (agent, ZAPM_KEY_INTERVAL, series->interval);
    else
        cJSON_AddNullToObject (agent, ZAPM_KEY_INTERVAL);
    cJSON_AddItemToObject (agent, "last", last ? last : cJSON_CreateNull ());
    return agent;
}

//  Prints and frees `root`; returns the text.
static char *
s_print (cJSON *root)
{
    char *text = cJSON_PrintUnformatted (root);
    cJSON_Delete (root);
    return text;
}

char *
api_agents (series_map_t *series, int64_t now_wall_ns)
{
    cJSON *root = cJSON_CreateObject ();
    cJSON_AddNumberToObject (root, ZAPM_KEY_NOW, (double) now_wall_ns / 1e9);
    cJSON *agents = cJSON_AddArrayToObject (root, ZAPM_KEY_AGENTS);
    for (uint32_t i = 0; i < series_map_size (series); i++)
        cJSON_AddItemToArray (agents, s_agent (series_map_at (series, i)));
    return s_print (root);
}

static void
s_add_value (cJSON *array, float value)
{
    cJSON_AddItemToArray (array, isnan (value) ? cJSON_CreateNull ()
                                               : cJSON_CreateNumber ((double) value));
}

static cJSON *
s_history (const series_t *series, double since)
{
    cJSON *entry = cJSON_CreateObject ();
    cJSON_AddStringToObject (entry, ZAPM_KEY_ID, series->id);
    cJSON_AddStringToObject (entry, ZAPM_KEY_COLOR, series->color);
    cJSON *t = cJSON_AddArrayToObject (entry, "t");
    cJSON *cpu = cJSON_AddArrayToObject (entry, ZAPM_KEY_CPU);
    cJSON *mem = cJSON_AddArrayToObject (entry, ZAPM_KEY_MEM);
    cJSON *sys_cpu = cJSON_AddArrayToObject (entry, "sys_cpu");
    cJSON *sys_mem = cJSON_AddArrayToObject (entry, "sys_mem");
    cJSON *load1 = cJSON_AddArrayToObject (entry, "load1");
    cJSON *custom = cJSON_AddObjectToObject (entry, ZAPM_KEY_CUSTOM);
    cJSON *custom_columns[ZAPM_HISTORY_CUSTOM_MAX];
    for (uint32_t c = 0; c < series->custom_count; c++)
        custom_columns[c] = cJSON_AddArrayToObject (custom, series->custom[c].name);
    for (uint32_t i = 0; i < series->history_count; i++) {
        const series_point_t *point = series_point (series, i);
        if (point->t < since)
            continue;
        for (uint32_t c = 0; c < series->custom_count; c++)
            s_add_value (custom_columns[c], series_custom_point (series, c, i));
        cJSON_AddItemToArray (t, cJSON_CreateNumber (point->t));
        s_add_value (cpu, point->cpu);
        s_add_value (mem, point->mem);
        s_add_value (sys_cpu, point->sys_cpu);
        s_add_value (sys_mem, point->sys_mem);
        s_add_value (load1, point->load1);
    }
    return entry;
}

char *
api_history (series_map_t *series, const char *glob, double seconds, int64_t now_wall_ns)
{
    double now = (double) now_wall_ns / 1e9;
    cJSON *root = cJSON_CreateObject ();
    cJSON_AddNumberToObject (root, ZAPM_KEY_NOW, now);
    cJSON *list = cJSON_AddArrayToObject (root, "series");
    for (uint32_t i = 0; i < series_map_size (series); i++) {
        series_t *one = series_map_at (series, i);
        if (glob && fnmatch (glob, one->id, 0) != 0)
            continue;
        cJSON_AddItemToArray (list, s_history (one, now - seconds));
    }
    return s_print (root);
}

char *
api_health (const char *boot, double uptime_seconds)
{
    cJSON *root = cJSON_CreateObject ();
    cJSON_AddStringToObject (root, "status", "ok");
    cJSON_AddNumberToObject (root, "uptime", uptime_seconds);
    cJSON_AddStringToObject (root, ZAPM_KEY_BOOT, boot);
    return s_print (root);
}
