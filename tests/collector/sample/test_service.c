/*  test_service.c: the service rule (common/service.c), case by case from the
    table that the dashboard's test runs too (tests/service_cases.json), so the
    store, the collector's memory and the page cannot put one series in two
    services. Each case's sample is validated as a frame, as ingest does; its
    identity must be the table's, and its service, from the parts the store
    and the series map hold, too.

    Usage: test_collector_service tests/service_cases.json
*/
#include "case_table.h"
#include "service.h"
#include "validate.h"
#include "wire.h"

#include <cjson/cJSON.h>
#include <string.h>

static const char *
s_text (const cJSON *object, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive (object, name);
    return cJSON_IsString (item) ? item->valuestring : NULL;
}

int
main (int argc, char **argv)
{
    CHECKF (argc == 2, "usage: %s service_cases.json", argv[0]);
    cJSON *doc = case_table_load (argv[1], 15);
    const cJSON *cases = cJSON_GetObjectItemCaseSensitive (doc, "cases");
    int count = 0, joined = 0;
    const cJSON *one;
    cJSON_ArrayForEach (one, cases)
    {
        const char *name = s_text (one, "name");
        CHECK (name);
        cJSON *sample = cJSON_Duplicate (cJSON_GetObjectItemCaseSensitive (one, "sample"), true);
        CHECKF (cJSON_IsObject (sample), "case '%s' has no sample", name);
        if (!cJSON_HasObjectItem (sample, "cpu"))
            cJSON_AddNumberToObject (sample, "cpu", 1);
        if (!cJSON_HasObjectItem (sample, "mem"))
            cJSON_AddNumberToObject (sample, "mem", 1);
        char *frame = cJSON_PrintUnformatted (sample);
        CHECK (frame);
        cJSON_Delete (sample);
        sample_t parsed;
        validate_reason_t reason = validate_sample (frame, strlen (frame), &parsed);
        const char *id = s_text (one, "id");
        const char *want = s_text (one, "service");
        const char *invalid = s_text (one, "invalid");
        if (id) {
            CHECKF (want && !invalid, "case '%s' needs id and service, or invalid", name);
            CHECKF (reason == VALIDATE_OK, "case '%s': dropped as %s", name,
                    validate_reason_name (reason));
            CHECKF (strcmp (parsed.identity, id) == 0, "case '%s': id '%s', want '%s'", name,
                    parsed.identity, id);
            //  As the series map holds the parts (NULL when absent) ...
            char service[ZAPM_IDENTITY_MAX + 1];
            service_of (parsed.identity, parsed.agent, parsed.host, parsed.has_pid, service,
                        sizeof service);
            CHECKF (strcmp (service, want) == 0, "case '%s': service '%s', want '%s'", name,
                    service, want);
            //  ... and as the store's ids do ("" when absent).
            char stored[ZAPM_IDENTITY_MAX + 1];
            service_of (parsed.identity, parsed.agent ? parsed.agent : "",
                        parsed.host ? parsed.host : "", parsed.has_pid, stored, sizeof stored);
            CHECKF (strcmp (stored, want) == 0, "case '%s': stored service '%s', want '%s'", name,
                    stored, want);
            joined += strcmp (want, id) != 0;
        }
        else {
            CHECKF (invalid && !want, "case '%s' has neither id nor invalid", name);
            CHECKF (reason != VALIDATE_OK, "case '%s': accepted as '%s'", name, parsed.identity);
            CHECKF (strcmp (validate_reason_name (reason), invalid) == 0,
                    "case '%s': dropped as %s, want %s", name, validate_reason_name (reason),
                    invalid);
        }
        cJSON_free (frame);
        count++;
    }
    CHECKF (joined >= 5, "only %d cases where the service is not the identity", joined);

    //  Parts that do not make the identity (a caller's mistake) give the identity.
    char out[ZAPM_IDENTITY_MAX + 1];
    CHECK (strcmp (service_of ("big", "svc", "h", true, out, sizeof out), "big") == 0);
    CHECK (strcmp (service_of ("svc@h", "svc", "h", true, out, sizeof out), "svc@h") == 0);
    CHECK (strcmp (service_of ("svc@h:1", "svc", "h", true, out, sizeof out), "svc@h") == 0);
    CHECK (strcmp (service_of ("svc@h:1", "svc", "h", false, out, sizeof out), "svc@h:1") == 0);
    //  A short buffer truncates, terminated.
    char small[4];
    CHECK (strcmp (service_of ("orders@web1:1", "orders", "web1", true, small, sizeof small),
                   "ord") == 0);

    printf ("%d service cases\n", count);
    cJSON_Delete (doc);
    return CHECK_DONE ();
}
