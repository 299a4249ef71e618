/*  test_sample_encoder.c: the JSON encoder, checked by parsing its output back
    with cJSON: valid JSON, every field present with its value, hostile strings
    escaped, optional fields left out, overflow refused, numbers exact. */
#include "check.h"
#include "clock.h"
#include "sample_encoder.h"
#include "wire.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static char s_buf[ZAPM_WIRE_MAX_BYTES];

static cJSON *
s_item (const cJSON *object, const char *key)
{
    cJSON *item = cJSON_GetObjectItemCaseSensitive (object, key);
    CHECKF (item, "missing key '%s'", key);
    return item;
}

static double
s_number (const cJSON *object, const char *key)
{
    cJSON *item = s_item (object, key);
    CHECKF (cJSON_IsNumber (item), "'%s' is not a number", key);
    return item->valuedouble;
}

static cJSON *
s_encode_parse (sample_encoder_t *encoder, const sample_parts_t *parts)
{
    size_t len = sample_encoder_encode (encoder, parts, s_buf, sizeof s_buf);
    CHECK (len > 0);
    cJSON *json = cJSON_ParseWithLength (s_buf, len);
    CHECKF (json, "invalid JSON: %.*s", (int) len, s_buf);
    CHECK (cJSON_IsObject (json));
    return json;
}

static void
s_fill (proc_sample_t *proc, sys_sample_t *sys)
{
    memset (proc, 0, sizeof *proc);
    proc->cpu_percent = 12.34;
    proc->cpu_user = 1.5;
    proc->cpu_system = 0.25;
    proc->rss = 10 * 1024 * 1024 + 512 * 1024;
    proc->vms = UINT64_C (123456789012);
    proc->swap = 4096;
    proc->uss = 1000;
    proc->pss = 2000;
    proc->num_threads = 7;
    proc->num_fds = 9;
    proc->num_ctx_switches = 42;
    proc->io_read_bytes = UINT64_MAX;
    proc->io_write_bytes = 0;
    proc->have = PROC_HAVE_STATUS | PROC_HAVE_SWAP | PROC_HAVE_FDS | PROC_HAVE_IO | PROC_HAVE_SMAPS;
    memset (sys, 0, sizeof *sys);
    sys->cpu_percent = 99.96;
    sys->ncpu = 3;
    sys->percpu[0] = 0;
    sys->percpu[1] = 33.36;
    sys->percpu[2] = 100;
    sys->load[0] = 0.49;
    sys->load[1] = 10.2;
    sys->load[2] = 0;
    sys->mem_total = UINT64_C (25276026880);
    sys->mem_available = UINT64_C (24876916736);
    sys->mem_used = UINT64_C (138240000);
    sys->mem_percent = 1.58;
    sys->swap_total = 0;
    sys->swap_used = 0;
    sys->swap_percent = 0;
    sys->have = SYS_HAVE_CPU | SYS_HAVE_LOAD | SYS_HAVE_MEM;
}

static void
test_full (void)
{
    sample_encoder_t *encoder = sample_encoder_new ();
    CHECK (encoder);
    //  Hostile identity: quotes, backslash, invalid UTF-8, an emoji. No control
    //  characters: the library refuses those before they reach the encoder
    //  (agent_options.c, zapm_agent_set_color; test_agent_host.c), as the
    //  collector would refuse the sample (control_character).
    const char *name = "svc \"x\"\\ </script> \xc3\xa9 \xc2\xa0 \xf0\x9f\x98\x80";
    const char *host = "bad\xff\xfe utf8 \xed\xa0\x80 \xc0\xaf";
    CHECK (sample_encoder_set_identity (encoder, name, host, "red</script>", 4242) == 0);

    proc_sample_t proc;
    sys_sample_t *sys = calloc (1, sizeof *sys);
    CHECK (sys);
    s_fill (&proc, sys);
    custom_metric_t custom[3] = {
        {"requests", 12345, true}, {"latency.p99:ms", 0.1, false}, {"neg-1", -1e300, true}};
    int64_t wall = clock_wall_ns ();
    sample_parts_t parts = {.seq = 77,
                            .wall_ns = wall,
                            .interval = 0.001,
                            .proc = &proc,
                            .sys = sys,
                            .custom = custom,
                            .ncustom = 3};
    cJSON *json = s_encode_parse (encoder, &parts);

    CHECK (s_number (json, ZAPM_KEY_VERSION) == ZAPM_WIRE_VERSION);
    cJSON *agent = s_item (json, ZAPM_KEY_AGENT);
    CHECK (cJSON_IsString (agent) && strcmp (agent->valuestring, name) == 0);
    cJSON *host_item = s_item (json, ZAPM_KEY_HOST);
    CHECK (cJSON_IsString (host_item));
    //  Each invalid byte became U+FFFD (3 bytes): no raw 0xff survives.
    CHECK (strchr (host_item->valuestring, '\xff') == NULL);
    CHECK (strstr (host_item->valuestring, "bad\xEF\xBF\xBD\xEF\xBF\xBD utf8") != NULL);
    CHECK (strcmp (s_item (json, ZAPM_KEY_COLOR)->valuestring, "red</script>") == 0);
    CHECK (s_number (json, ZAPM_KEY_PID) == 4242);
    CHECK (s_number (json, ZAPM_KEY_SEQ) == 77);
    CHECK (s_number (json, ZAPM_KEY_INTERVAL) == 0.001);
    CHECK (s_number (json, ZAPM_KEY_CPU) == 12.3);
    CHECK (s_number (json, ZAPM_KEY_MEM) == 10.5);
    cJSON *stamp = s_item (json, ZAPM_KEY_TIMESTAMP);
    int64_t parsed;
    CHECK (cJSON_IsString (stamp));
    CHECK (clock_parse_iso (stamp->valuestring, strlen (stamp->valuestring), &parsed));
    CHECK (parsed / 1000 == wall / 1000);

    cJSON *p = s_item (json, ZAPM_KEY_PROC);
    CHECK (s_number (p, ZAPM_KEY_CPU_PERCENT) == 12.3);
    CHECK (s_number (p, ZAPM_KEY_CPU_USER) == 1.5);
    CHECK (s_number (p, ZAPM_KEY_CPU_SYSTEM) == 0.25);
    CHECK (s_number (p, ZAPM_KEY_RSS) == (double) proc.rss);
    CHECK (s_number (p, ZAPM_KEY_VMS) == 123456789012.0);
    CHECK (s_number (p, ZAPM_KEY_SWAP_BYTES) == 4096);
    CHECK (s_number (p, ZAPM_KEY_USS) == 1000);
    CHECK (s_number (p, ZAPM_KEY_PSS) == 2000);
    CHECK (s_number (p, ZAPM_KEY_NUM_THREADS) == 7);
    CHECK (s_number (p, ZAPM_KEY_NUM_FDS) == 9);
    CHECK (s_number (p, ZAPM_KEY_NUM_CTX_SWITCHES) == 42);
    CHECK (s_number (p, ZAPM_KEY_IO_READ_BYTES) == (double) UINT64_MAX);
    CHECK (s_number (p, ZAPM_KEY_IO_WRITE_BYTES) == 0);
    CHECK (cJSON_GetArraySize (p) == 13);

    cJSON *sj = s_item (json, ZAPM_KEY_SYS);
    CHECK (s_number (sj, ZAPM_KEY_CPU_PERCENT) == 100.0); //  99.96 rounds to 100
    cJSON *percpu = s_item (sj, ZAPM_KEY_PERCPU);
    CHECK (cJSON_IsArray (percpu) && cJSON_GetArraySize (percpu) == 3);
    CHECK (cJSON_GetArrayItem (percpu, 1)->valuedouble == 33.4);
    CHECK (cJSON_GetArrayItem (percpu, 2)->valuedouble == 100);
    cJSON *load = s_item (sj, ZAPM_KEY_LOAD);
    CHECK (cJSON_GetArraySize (load) == 3);
    CHECK (cJSON_GetArrayItem (load, 0)->valuedouble == 0.49);
    CHECK (cJSON_GetArrayItem (load, 1)->valuedouble == 10.2);
    cJSON *mem = s_item (sj, ZAPM_KEY_SYS_MEM);
    CHECK (s_number (mem, ZAPM_KEY_TOTAL) == 25276026880.0);
    CHECK (s_number (mem, ZAPM_KEY_AVAILABLE) == 24876916736.0);
    CHECK (s_number (mem, ZAPM_KEY_USED) == 138240000.0);
    CHECK (s_number (mem, ZAPM_KEY_PERCENT) == 1.6);
    cJSON *swap = s_item (sj, ZAPM_KEY_SYS_SWAP);
    CHECK (s_number (swap, ZAPM_KEY_TOTAL) == 0);
    CHECK (s_number (swap, ZAPM_KEY_USED) == 0);
    CHECK (s_number (swap, ZAPM_KEY_PERCENT) == 0);

    cJSON *c = s_item (json, ZAPM_KEY_CUSTOM);
    CHECK (cJSON_GetArraySize (c) == 3);
    CHECK (s_number (c, "requests") == 12345);
    CHECK (s_number (c, "latency.p99:ms") == 0.1);
    CHECK (s_number (c, "neg-1") == -1e300);
    //  The counters are named in `counters`, in table order; the gauge is not.
    cJSON *counters = s_item (json, ZAPM_KEY_COUNTERS);
    CHECK (cJSON_IsArray (counters) && cJSON_GetArraySize (counters) == 2);
    CHECK (strcmp (cJSON_GetArrayItem (counters, 0)->valuestring, "requests") == 0);
    CHECK (strcmp (cJSON_GetArrayItem (counters, 1)->valuestring, "neg-1") == 0);
    cJSON_Delete (json);

    //  Too small a buffer: refused, not truncated.
    size_t full = sample_encoder_encode (encoder, &parts, s_buf, sizeof s_buf);
    for (size_t size = 0; size < full; size += 7)
        CHECK (sample_encoder_encode (encoder, &parts, s_buf, size) == 0);
    CHECK (sample_encoder_encode (encoder, &parts, s_buf, full) == full);

    //  Over-long identity strings are refused.
    char longname[300];
    memset (longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    CHECK (sample_encoder_set_identity (encoder, longname, "h", "c", 1) == -1);
    CHECK (sample_encoder_set_identity (encoder, NULL, "h", "c", 1) == -1);
    free (sys);
    sample_encoder_destroy (&encoder);
    CHECK (encoder == NULL);
}

//  Optional parts absent: no proc fields that were not read, no sys, no custom;
//  system-only samples carry the system's cpu and mem in the core fields.
static void
test_partial (void)
{
    sample_encoder_t *encoder = sample_encoder_new ();
    CHECK (sample_encoder_set_identity (encoder, "a", "h", "c", 1) == 0);
    proc_sample_t proc;
    sys_sample_t *sys = calloc (1, sizeof *sys);
    s_fill (&proc, sys);
    proc.have = 0;
    sample_parts_t parts = {.seq = 0, .wall_ns = 0, .interval = 1, .proc = &proc};
    cJSON *json = s_encode_parse (encoder, &parts);
    cJSON *p = s_item (json, ZAPM_KEY_PROC);
    CHECK (!cJSON_HasObjectItem (p, ZAPM_KEY_IO_READ_BYTES));
    CHECK (!cJSON_HasObjectItem (p, ZAPM_KEY_NUM_FDS));
    CHECK (!cJSON_HasObjectItem (p, ZAPM_KEY_USS));
    CHECK (!cJSON_HasObjectItem (p, ZAPM_KEY_SWAP_BYTES));
    CHECK (cJSON_HasObjectItem (p, ZAPM_KEY_RSS));
    CHECK (!cJSON_HasObjectItem (json, ZAPM_KEY_SYS));
    CHECK (!cJSON_HasObjectItem (json, ZAPM_KEY_CUSTOM));
    CHECK (strcmp (s_item (json, ZAPM_KEY_TIMESTAMP)->valuestring,
                   "1970-01-01T00:00:00.000000+00:00") == 0);
    cJSON_Delete (json);

    parts.proc = NULL;
    parts.sys = sys;
    json = s_encode_parse (encoder, &parts);
    CHECK (!cJSON_HasObjectItem (json, ZAPM_KEY_PROC));
    CHECK (s_number (json, ZAPM_KEY_CPU) == 100.0);
    CHECK (fabs (s_number (json, ZAPM_KEY_MEM) - 138240000.0 / 1048576.0) < 1e-6);
    cJSON_Delete (json);

    //  Only some sys parts read: still valid, commas right.
    sys->have = SYS_HAVE_MEM;
    json = s_encode_parse (encoder, &parts);
    CHECK (!cJSON_HasObjectItem (s_item (json, ZAPM_KEY_SYS), ZAPM_KEY_LOAD));
    cJSON_Delete (json);
    sys->have = SYS_HAVE_LOAD;
    json = s_encode_parse (encoder, &parts);
    CHECK (cJSON_HasObjectItem (s_item (json, ZAPM_KEY_SYS), ZAPM_KEY_LOAD));
    cJSON_Delete (json);
    sys->have = 0;
    sys->ncpu = 0;
    json = s_encode_parse (encoder, &parts);
    cJSON_Delete (json);
    free (sys);
    sample_encoder_destroy (&encoder);
}

//  Numbers: non-finite inputs still give valid JSON; custom values read back
//  exactly; fixed-precision fields round as psutil's round(x, 1) would.
static void
test_numbers (void)
{
    sample_encoder_t *encoder = sample_encoder_new ();
    proc_sample_t proc;
    sys_sample_t *sys = calloc (1, sizeof *sys);
    s_fill (&proc, sys);
    proc.cpu_percent = NAN;
    proc.cpu_user = INFINITY;
    proc.cpu_system = 4e-7; //  rounds to 0 at 6 decimals
    custom_metric_t custom[4] = {
        {"a", 0, false}, {"b", 0, false}, {"c", 0, false}, {"d", 0, false}};
    sample_parts_t parts = {.interval = 1, .proc = &proc, .custom = custom, .ncustom = 4};
    srand (7);
    for (int round = 0; round < 2000; round++) {
        for (int i = 0; i < 4; i++) {
            double mantissa = (double) rand () / RAND_MAX - 0.5;
            custom[i].value = ldexp (mantissa, rand () % 200 - 100);
        }
        custom[3].value = (double) (rand () % 1000000);
        custom[2].value = (double) (rand () % 2000001 - 1000000) / 1000.0; //  few decimals
        proc.cpu_percent = round ? (double) rand () / RAND_MAX * 400 : NAN;
        cJSON *json = s_encode_parse (encoder, &parts);
        cJSON *c = s_item (json, ZAPM_KEY_CUSTOM);
        CHECK (!cJSON_HasObjectItem (json, ZAPM_KEY_COUNTERS)); //  gauges only
        const char *names[4] = {"a", "b", "c", "d"};
        for (int i = 0; i < 4; i++)
            CHECKF (s_number (c, names[i]) == custom[i].value, "%.17g", custom[i].value);
        cJSON *p = s_item (json, ZAPM_KEY_PROC);
        double expect = round ? floor (proc.cpu_percent * 10 + 0.5) / 10 : 0;
        CHECKF (fabs (s_number (p, ZAPM_KEY_CPU_PERCENT) - expect) < 1e-9, "%.17g vs %.17g",
                s_number (p, ZAPM_KEY_CPU_PERCENT), expect);
        CHECK (s_number (p, ZAPM_KEY_CPU_USER) == 0);
        CHECK (s_number (p, ZAPM_KEY_CPU_SYSTEM) == 0);
        cJSON_Delete (json);
    }
    free (sys);
    sample_encoder_destroy (&encoder);
}

//  Timestamps: the cached date part is redone when the second changes, and
//  the microseconds always match the sample's own time.
static void
test_timestamps (void)
{
    sample_encoder_t *encoder = sample_encoder_new ();
    int64_t base = INT64_C (1795000000) * 1000000000; //  a whole second
    int64_t offsets[] = {0,          123000,     999999000,      1000000000,
                         1000000001, 1500000000, 86400000000000, 86400000001000};
    for (size_t i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
        int64_t wall = base + offsets[i];
        sample_parts_t parts = {.wall_ns = wall, .interval = 1};
        cJSON *json = s_encode_parse (encoder, &parts);
        const char *text = s_item (json, ZAPM_KEY_TIMESTAMP)->valuestring;
        char expect[40];
        CHECK (clock_format_iso (wall, expect, sizeof expect) == 32);
        CHECKF (strcmp (text, expect) == 0, "%s, expected %s", text, expect);
        cJSON_Delete (json);
    }
    sample_encoder_destroy (&encoder);
}

int
main (void)
{
    test_full ();
    test_partial ();
    test_numbers ();
    test_timestamps ();
    printf ("test_sample_encoder: OK\n");
    return 0;
}
