/*  main.c: zapm-collector, the daemon. Parses the command line and runs the
    collector; everything else lives in collector.c and the files it wires. */
#include "cli.h"
#include "collector.h"
#include "config.h"

#include <stdlib.h>

int
main (int argc, char **argv)
{
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
