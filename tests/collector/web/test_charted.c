/*  test_charted.c: the charted metrics (common/wire.h, ZAPM_CHARTED_COLUMNS
    and ZAPM_CHARTED_PATHS) case by case from the table that the dashboard's
    test runs too (tests/charted_cases.json). Each case's sample goes through
    the validator into the series map; each charted column must hold the
    table's number in the point (series_point_t), in the memory answer of
    /api/history (api.c) and at the column's path in the sample, so the
    collector's memory, the store's names and the page agree on which number
    of a sample each column is.

    Usage: test_collector_charted tests/charted_cases.json
*/
#include "api.h"
#include "case_table.h"
#include "series_map.h"
#include "wire.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const s_columns[ZAPM_CHARTED_COUNT] = ZAPM_CHARTED_COLUMNS;
static const char *const s_paths[ZAPM_CHARTED_COUNT] = ZAPM_CHARTED_PATHS;

//  The number at store path `path` of `sample` (parts joined by
//  ZAPM_HISTORY_PATH_SEP, an array's element by its index), NAN when none.
static double
s_at_path (const cJSON *sample, const char *path)
{
    char copy[128];
    snprintf (copy, sizeof copy, "%s", path);
    const cJSON *at = sample;
    char *save = NULL;
    for (char *part = strtok_r (copy, ZAPM_HISTORY_PATH_SEP, &save); part && at;
         part = strtok_r (NULL, ZAPM_HISTORY_PATH_SEP, &save))
        at = cJSON_IsArray (at) ? cJSON_GetArrayItem (at, atoi (part))
                                : cJSON_GetObjectItemCaseSensitive (at, part);
    return cJSON_IsNumber (at) ? at->valuedouble : NAN;
}

static bool
s_same (double got, const cJSON *want)
{
    return cJSON_IsNull (want) ? isnan (got) : cJSON_IsNumber (want) && got == want->valuedouble;
}

int
main (int argc, char **argv)
{
    CHECKF (argc == 2, "usage: %s charted_cases.json", argv[0]);
    for (int i = 0; i < ZAPM_CHARTED_COUNT; i++)
        CHECK (s_columns[i] && s_paths[i]);
    cJSON *doc = case_table_load (argv[1], 5);
    const cJSON *cases = cJSON_GetObjectItemCaseSensitive (doc, "cases");
    int count = 0;
    const cJSON *one;
    cJSON_ArrayForEach (one, cases)
    {
        const char *name = cJSON_GetObjectItemCaseSensitive (one, "name")->valuestring;
        const cJSON *want = cJSON_GetObjectItemCaseSensitive (one, "charted");
        CHECKF (cJSON_GetArraySize (want) == ZAPM_CHARTED_COUNT,
                "case '%s': want every charted column, and no other", name);
        cJSON *sample = cJSON_Duplicate (cJSON_GetObjectItemCaseSensitive (one, "sample"), true);
        CHECKF (cJSON_IsObject (sample), "case '%s' has no sample", name);
        if (!cJSON_HasObjectItem (sample, "cpu"))
            cJSON_AddNumberToObject (sample, "cpu", 1);
        if (!cJSON_HasObjectItem (sample, "mem"))
            cJSON_AddNumberToObject (sample, "mem", 1);
        if (!cJSON_HasObjectItem (sample, "color"))
            cJSON_AddStringToObject (sample, "color", "c");
        char *frame = cJSON_PrintUnformatted (sample);
        CHECK (frame);

        sample_t parsed;
        CHECKF (validate_sample (frame, strlen (frame), &parsed) == VALIDATE_OK,
                "case '%s' is dropped", name);
        series_map_t *map = series_map_new (4, 4);
        CHECK (map);
        series_t *series;
        uint64_t lost = 0;
        const int64_t now = 1795000000LL * 1000000000LL;
        CHECK (series_map_observe (map, &parsed, frame, strlen (frame), now, now, now, &series,
                                   &lost) == SERIES_JOINED);
        char *answer = api_history (map, NULL, 3600, now, NULL);
        cJSON *history = cJSON_Parse (answer);
        const cJSON *line =
            cJSON_GetArrayItem (cJSON_GetObjectItemCaseSensitive (history, ZAPM_KEY_SERIES), 0);
        CHECKF (line, "case '%s': no line in %s", name, answer);

        for (int c = 0; c < ZAPM_CHARTED_COUNT; c++) {
            const cJSON *value = cJSON_GetObjectItemCaseSensitive (want, s_columns[c]);
            CHECKF (value, "case '%s' has no column %s", name, s_columns[c]);
            double in_point = series_point (series, 0)->charted[c];
            CHECKF (s_same (in_point, value), "case '%s': point %s is %g", name, s_columns[c],
                    in_point);
            const cJSON *column =
                cJSON_GetArrayItem (cJSON_GetObjectItemCaseSensitive (line, s_columns[c]), 0);
            double answered = cJSON_IsNumber (column) ? column->valuedouble : NAN;
            CHECKF (column && s_same (answered, value), "case '%s': /api/history %s is %s", name,
                    s_columns[c], answer);
            double at_path = s_at_path (sample, s_paths[c]);
            CHECKF (s_same (at_path, value), "case '%s': %s at %s is %g", name, s_columns[c],
                    s_paths[c], at_path);
        }
        cJSON_Delete (history);
        free (answer);
        series_map_destroy (&map);
        cJSON_Delete (sample);
        cJSON_free (frame);
        count++;
    }
    printf ("%d charted cases\n", count);
    cJSON_Delete (doc);
    return CHECK_DONE ();
}
