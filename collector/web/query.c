/*  query.c: the query parameters of the collector's routes, parsed in one place. */
#include "query.h"

#include <fnmatch.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

bool
query_seconds (const char *text, double max, double *seconds)
{
    if (!text || !*text)
        return false;
    char *end = NULL;
    double value = strtod (text, &end);
    if (*end || !(value >= 0 && value <= max))
        return false;
    *seconds = value;
    return true;
}

const char *
query_glob (const char *value)
{
    if (!value || !*value || strcmp (value, "*") == 0)
        return NULL;
    return value;
}

bool
query_glob_match (const char *glob, const char *id)
{
    return !glob || fnmatch (glob, id, 0) == 0;
}
