/*  test_store_numbers.c: the validator hands the store every number of a real
    zapm-agent --system frame under its dotted path, the values it parsed,
    and nothing else; the limits skip what they name and never overflow. */
#include "check.h"
#include "sample.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *s_frame =
    "{\"v\":1,\"agent\":\"zapm-agent\",\"host\":\"vm\",\"pid\":8787,\"color\":\"purple\","
    "\"timestamp\":\"2026-12-01T08:13:17.902966+00:00\",\"cpu\":0.2,\"mem\":7.335938,\"seq\":2,"
    "\"interval\":0.2,\"proc\":{\"cpu_percent\":0.2,\"cpu_user\":0,\"cpu_system\":0.00732,"
    "\"rss\":7692288,\"vms\":173920256,\"swap\":0,\"num_threads\":4,\"num_fds\":18,"
    "\"num_ctx_switches\":13,\"io_read_bytes\":0,\"io_write_bytes\":0},\"sys\":{\"cpu_percent\":0,"
    "\"percpu\":[0,0],\"load\":[0.65,0.41,0.22],\"mem\":{\"total\":25276059648,\"available\":"
    "24903360512,\"used\":112635904,\"percent\":1.5},\"swap\":{\"total\":0,\"used\":0,\"percent\":"
    "0},\"flag\":true,\"name\":\"x\",\"huge\":1e999},"
    "\"custom\":{\"queue.depth\":3,\"bad key\":1},\"other\":5}";

//  The value at `path`; exits when it is missing.
static double
s_get (const store_numbers_t *numbers, const char *path)
{
    const char *at = numbers->paths;
    for (uint32_t i = 0; i < numbers->count; i++, at += strlen (at) + 1)
        if (strcmp (at, path) == 0)
            return numbers->value[i];
    fprintf (stderr, "missing %s\n", path);
    exit (1);
}

//  Walks the paths: their count and bytes agree with the struct's.
static void
s_check_paths (const store_numbers_t *numbers)
{
    const char *at = numbers->paths;
    for (uint32_t i = 0; i < numbers->count; i++) {
        CHECK (at < numbers->paths + numbers->paths_size);
        size_t size = strlen (at);
        CHECK (size > 0 && size <= STORE_NUMBERS_PATH_MAX);
        at += size + 1;
    }
    CHECK (at == numbers->paths + numbers->paths_size);
}

static void
s_frame_numbers (store_numbers_t *numbers)
{
    sample_t sample;
    CHECK (validate_sample_numbers (s_frame, strlen (s_frame), &sample, numbers) == VALIDATE_OK);
    s_check_paths (numbers);
    CHECKF (numbers->count == 28, "%u numbers", numbers->count);
    CHECK (!numbers->truncated);
    CHECK (s_get (numbers, "cpu") == 0.2);
    CHECK (s_get (numbers, "mem") == 7.335938);
    CHECK (s_get (numbers, "proc.cpu_system") == 0.00732);
    CHECK (s_get (numbers, "proc.rss") == 7692288);
    CHECK (s_get (numbers, "sys.percpu.1") == 0);
    CHECK (s_get (numbers, "sys.load.0") == 0.65);
    CHECK (s_get (numbers, "sys.load.2") == 0.22);
    CHECK (s_get (numbers, "sys.mem.total") == 25276059648.0);
    CHECK (s_get (numbers, "sys.mem.percent") == 1.5);
    CHECK (s_get (numbers, "sys.swap.percent") == 0);
    CHECK (s_get (numbers, "custom.queue.depth") == 3);
    CHECK (s_get (numbers, "custom.bad key") == 1); //  kept here, skipped by the writer
    //  The order of the text within each root.
    CHECK (strcmp (numbers->paths, "cpu") == 0 && numbers->value[0] == 0.2);
    const char *at = numbers->paths;
    for (uint32_t i = 0; i < numbers->count; i++, at += strlen (at) + 1)
        CHECKF (strcmp (at, "seq") && strcmp (at, "other") && strcmp (at, "pid") &&
                    strcmp (at, "sys.huge") && strcmp (at, "sys.flag") && strcmp (at, "sys.name"),
                "%s should not be kept", at);
}

//  Paths too long and values too deep are skipped; the rest of the sample stays.
static void
s_limits (store_numbers_t *numbers)
{
    char frame[4096], key[200];
    memset (key, 'k', sizeof key);
    key[STORE_NUMBERS_PATH_MAX - strlen ("custom.") + 1] = '\0'; //  one byte too long
    snprintf (frame, sizeof frame,
              "{\"agent\":\"a\",\"cpu\":1,\"mem\":2,\"custom\":{\"%s\":1,\"ok\":2},"
              "\"sys\":{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":7,\"h\":{\"i\":8}}}}}}}}}",
              key);
    sample_t sample;
    CHECK (validate_sample_numbers (frame, strlen (frame), &sample, numbers) == VALIDATE_OK);
    s_check_paths (numbers);
    CHECKF (numbers->count == 4, "%u numbers", numbers->count);
    CHECK (s_get (numbers, "custom.ok") == 2);
    CHECK (s_get (numbers, "sys.a.b.c.d.e.f.g") == 7); //  depth 8: kept; depth 9 is not
    key[strlen (key) - 1] = '\0';                      //  now exactly the longest path
    snprintf (frame, sizeof frame, "{\"agent\":\"a\",\"cpu\":1,\"mem\":2,\"custom\":{\"%s\":1}}",
              key);
    CHECK (validate_sample_numbers (frame, strlen (frame), &sample, numbers) == VALIDATE_OK);
    CHECK (numbers->count == 3);
    s_check_paths (numbers);

    //  More numbers than STORE_NUMBERS_MAX: the first ones are kept, flagged.
    size_t cap = 64 * 1024, n = 0;
    char *big = malloc (cap);
    CHECK (big);
    n += (size_t) snprintf (big, cap, "{\"agent\":\"a\",\"cpu\":1,\"mem\":2,\"sys\":{\"percpu\":[");
    for (int i = 0; i < STORE_NUMBERS_MAX + 10; i++)
        n += (size_t) snprintf (big + n, cap - n, "%s%d", i ? "," : "", i % 10);
    n += (size_t) snprintf (big + n, cap - n, "]}}");
    CHECK (n < cap - 1);
    CHECK (validate_sample_numbers (big, n, &sample, numbers) == VALIDATE_OK);
    CHECK (numbers->count == STORE_NUMBERS_MAX && numbers->truncated);
    s_check_paths (numbers);
    CHECK (s_get (numbers, "sys.percpu.4093") == 3);
    free (big);
}

int
main (void)
{
    store_numbers_t *numbers = malloc (sizeof *numbers);
    CHECK (numbers);
    s_frame_numbers (numbers);
    s_limits (numbers);
    //  Without a struct to fill, the validator works as before.
    sample_t sample;
    CHECK (validate_sample_numbers (s_frame, strlen (s_frame), &sample, NULL) == VALIDATE_OK);
    free (numbers);
    return CHECK_DONE ();
}
