/*  case_table.h: loads a table of cases that a C test and a JavaScript test
    both run (tests/identity_cases.json, service_cases.json, charted_cases.json).

    Each table is a JSON object whose "cases" member is an array; the test
    says how many cases it expects at least, so a table cut short fails.
*/
#ifndef ZAPM_TEST_CASE_TABLE_H
#define ZAPM_TEST_CASE_TABLE_H

#include "check.h"

#include <cjson/cJSON.h>
#include <stdlib.h>

//  The parsed table at `path` (the caller cJSON_Deletes it), after checking
//  that its "cases" array holds at least `min_cases` entries.
static inline cJSON *
case_table_load (const char *path, int min_cases)
{
    char *text = check_read_file (path);
    cJSON *doc = cJSON_Parse (text);
    free (text);
    CHECKF (doc, "%s is not JSON", path);
    const cJSON *cases = cJSON_GetObjectItemCaseSensitive (doc, "cases");
    CHECKF (cJSON_IsArray (cases) && cJSON_GetArraySize (cases) >= min_cases,
            "%s: fewer than %d cases", path, min_cases);
    return doc;
}

#endif
