/*  main.c: zapm-collector, the daemon. Parses the command line and runs the
    collector; everything else lives in collector.c and the files it wires. */
#include "cli.h"
#include "collector.h"
#include "config.h"

#include <malloc.h>
#include <stdlib.h>

//  Blocks this large or larger are mmapped, and so go back to the system as
//  soon as they are freed: a history answer, its buffers, /metrics. glibc's
//  default threshold starts at 128 KiB but rises to the size of any mmapped
//  block freed (up to 32 MiB), after which such blocks come from an arena
//  that keeps them: a 1.7 MB answer left 5.2 GiB resident (issue 18). Setting
//  it fixes it (and turns that rising off).
#define S_MMAP_THRESHOLD (256 * 1024)

int
main (int argc, char **argv)
{
    mallopt (M_MMAP_THRESHOLD, S_MMAP_THRESHOLD);
    config_t config;
    switch (config_parse (argc, argv, &config)) {
    case CONFIG_EXIT:
        return EXIT_SUCCESS;
    case CONFIG_ERROR:
        return CLI_EXIT_USAGE;
    case CONFIG_RUN:
        break;
    }
    collector_t *collector = collector_new (&config);
    if (!collector)
        return EXIT_FAILURE;
    int status = collector_run (collector);
    collector_destroy (&collector);
    return status;
}
