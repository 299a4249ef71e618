/*  test_store_scan.c: the writer's scanner finds every number of a real
    zapm-agent --system frame under its dotted path, and parses numbers as strtod does. */
#include "check.h"
#include "store_scan.h"

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
    "0}},"
    "\"custom\":{\"queue.depth\":3,\"bad key\":1},\"other\":5}";

typedef struct {
    char paths[64][128];
    double values[64];
    int count;
} s_found_t;

static void
s_on (void *arg, const char *path, size_t size, double value)
{
    s_found_t *found = arg;
    CHECK (found->count < 64);
    memcpy (found->paths[found->count], path, size);
    found->paths[found->count][size] = '\0';
    found->values[found->count++] = value;
}

static double
s_get (s_found_t *found, const char *path)
{
    for (int i = 0; i < found->count; i++)
        if (strcmp (found->paths[i], path) == 0)
            return found->values[i];
    fprintf (stderr, "missing %s\n", path);
    exit (1);
}

int
main (void)
{
    s_found_t found = {0};
    store_scan_ids_t ids;
    CHECK (store_scan (s_frame, strlen (s_frame), s_on, &found, &ids));
    CHECKF (found.count == 27, "%d numbers", found.count);
    CHECK (s_get (&found, "cpu") == 0.2);
    CHECK (s_get (&found, "mem") == 7.335938);
    CHECK (s_get (&found, "proc.cpu_system") == 0.00732);
    CHECK (s_get (&found, "proc.rss") == 7692288);
    CHECK (s_get (&found, "sys.percpu.1") == 0);
    CHECK (s_get (&found, "sys.load.0") == 0.65);
    CHECK (s_get (&found, "sys.load.2") == 0.22);
    CHECK (s_get (&found, "sys.mem.total") == 25276059648.0);
    CHECK (s_get (&found, "sys.mem.percent") == 1.5);
    CHECK (s_get (&found, "sys.swap.percent") == 0);
    CHECK (s_get (&found, "custom.queue.depth") == 3);
    for (int i = 0; i < found.count; i++)
        CHECKF (strcmp (found.paths[i], "seq") && strcmp (found.paths[i], "other") &&
                    strcmp (found.paths[i], "pid") && strncmp (found.paths[i], "custom.bad", 10),
                "%s should not be kept", found.paths[i]);
    CHECK (strcmp (ids.agent, "zapm-agent") == 0 && strcmp (ids.host, "vm") == 0);
    CHECK (strcmp (ids.color, "purple") == 0 && ids.pid == 8787);

    //  Numbers: the fast path agrees with strtod everywhere.
    const char *numbers[] = {"0",      "-0.5",   "1e3", "0.30000000000000004", "123456789012345678",
                             "1.5E-7", "-12.25", "0.1", "9007199254740993",    "3.14159265358979"};
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
        double value;
        CHECK (store_scan_number (numbers[i], strlen (numbers[i]), &value));
        CHECKF (value == strtod (numbers[i], NULL), "%s", numbers[i]);
    }
    double value;
    CHECK (!store_scan_number ("1x", 2, &value));

    //  Not an object, or cut short: false, no crash.
    found.count = 0;
    CHECK (!store_scan ("[1,2]", 5, s_on, &found, NULL));
    for (size_t cut = 0; cut < strlen (s_frame); cut += 7) {
        found.count = 0;
        CHECK (!store_scan (s_frame, cut, s_on, &found, NULL));
    }
    return CHECK_DONE ();
}
