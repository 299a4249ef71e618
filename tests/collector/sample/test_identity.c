/*  test_identity.c: the collector's identity rule, case by case from the table
    that the dashboard's test runs too (tests/identity_cases.json), so the two
    cannot drift apart. Each case's sample is validated as a frame; its
    identity, or the reason it is dropped, must be the table's. The table's
    `control` cases run the character rule alone (utf8_find_control, which
    the agent uses too, so agent, collector and dashboard agree on it).

    Usage: test_collector_identity tests/identity_cases.json
*/
#include "case_table.h"
#include "textbuf.h"
#include "utf8.h"
#include "sample.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <string.h>

//  Prints a parsed value back as JSON text. cJSON's printer is not used: it
//  prints 2^53 with 15 digits, which is another number.
static void
s_print (textbuf_t *out, const cJSON *item)
{
    if (cJSON_IsString (item))
        textbuf_json_string (out, item->valuestring, strlen (item->valuestring));
    else if (cJSON_IsNumber (item))
        textbuf_printf (out, "%.17g", item->valuedouble);
    else if (cJSON_IsBool (item))
        textbuf_printf (out, "%s", cJSON_IsTrue (item) ? "true" : "false");
    else if (cJSON_IsNull (item))
        TEXTBUF_LIT (out, "null");
    else {
        bool object = cJSON_IsObject (item);
        textbuf_putc (out, object ? '{' : '[');
        const cJSON *child;
        cJSON_ArrayForEach (child, item)
        {
            if (child != item->child)
                textbuf_putc (out, ',');
            if (object) {
                textbuf_json_string (out, child->string, strlen (child->string));
                textbuf_putc (out, ':');
            }
            s_print (out, child);
        }
        textbuf_putc (out, object ? '}' : ']');
    }
}

int
main (int argc, char **argv)
{
    CHECKF (argc == 2, "usage: %s identity_cases.json", argv[0]);
    cJSON *doc = case_table_load (argv[1], 21);
    const cJSON *cases = cJSON_GetObjectItemCaseSensitive (doc, "cases");
    int count = 0;
    const cJSON *one;
    cJSON_ArrayForEach (one, cases)
    {
        const char *name = cJSON_GetObjectItemCaseSensitive (one, "name")->valuestring;
        cJSON *sample = cJSON_Duplicate (cJSON_GetObjectItemCaseSensitive (one, "sample"), true);
        CHECKF (cJSON_IsObject (sample), "case '%s' has no sample", name);
        if (!cJSON_HasObjectItem (sample, "cpu"))
            cJSON_AddNumberToObject (sample, "cpu", 1);
        if (!cJSON_HasObjectItem (sample, "mem"))
            cJSON_AddNumberToObject (sample, "mem", 1);
        textbuf_t out = textbuf_growing (512);
        s_print (&out, sample);
        char *frame = textbuf_take (&out);
        CHECK (frame);
        cJSON_Delete (sample);
        sample_t parsed;
        validate_reason_t reason = validate_sample (frame, strlen (frame), &parsed);
        const cJSON *id = cJSON_GetObjectItemCaseSensitive (one, "id");
        const cJSON *invalid = cJSON_GetObjectItemCaseSensitive (one, "invalid");
        if (cJSON_IsString (id)) {
            CHECKF (reason == VALIDATE_OK, "case '%s': dropped as %s, want id '%s'", name,
                    validate_reason_name (reason), id->valuestring);
            CHECKF (strcmp (parsed.identity, id->valuestring) == 0, "case '%s': id '%s', want '%s'",
                    name, parsed.identity, id->valuestring);
        }
        else {
            CHECKF (cJSON_IsString (invalid), "case '%s' has neither id nor invalid", name);
            CHECKF (reason != VALIDATE_OK, "case '%s': accepted as '%s', want it dropped as %s",
                    name, parsed.identity, invalid->valuestring);
            CHECKF (strcmp (validate_reason_name (reason), invalid->valuestring) == 0,
                    "case '%s': dropped as %s, want %s", name, validate_reason_name (reason),
                    invalid->valuestring);
        }
        free (frame);
        count++;
    }
    int controls = 0;
    cJSON_ArrayForEach (one, cJSON_GetObjectItemCaseSensitive (doc, "control"))
    {
        const char *text = cJSON_GetObjectItemCaseSensitive (one, "text")->valuestring;
        bool want = cJSON_IsTrue (cJSON_GetObjectItemCaseSensitive (one, "control"));
        const char *found = utf8_find_control (text);
        CHECKF ((found != NULL) == want, "control case %d: got %s", controls,
                found ? "one" : "none");
        if (found) //  it points at the character: the byte a message names
            CHECK (found >= text && found < text + strlen (text));
        controls++;
    }
    CHECKF (controls >= 10, "%d control cases", controls);
    printf ("%d identity cases, %d control cases\n", count, controls);
    cJSON_Delete (doc);
    return CHECK_DONE ();
}
