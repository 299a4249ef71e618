/*  config.c: the collector's command line. */
#include "config.h"
#include "cli.h"
#include "wire.h"

#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROG "zapm-collector"

static void
s_print_help (void)
{
    printf ("Usage: " PROG " [OPTION]...\n"
            "Collect samples from zapm agents over ZeroMQ and serve them live:\n"
            "a dashboard at /, server-sent events at /feed, JSON at /api/agents and\n"
            "/api/history, Prometheus metrics at /metrics, and /healthz.\n"
            "\n"
            "  -b, --bind ENDPOINT     ZeroMQ endpoint agents publish to (default %s)\n"
            "  -H, --http ADDR:PORT    where the web server listens (default 127.0.0.1:8088;\n"
            "                          port 0 picks a free one, ADDR * means all IPv4)\n"
            "      --max-clients N     open /feed streams at most (default 10000)\n"
            "      --max-series N      series (agents) kept at most (default 10000)\n"
            "      --history N         history points kept per series (default 600)\n"
            "      --ring-mib N        shared event ring size in MiB (default 16)\n"
            "  -h, --help              show this help and exit\n"
            "  -V, --version           show the version and exit\n"
            "\n"
            "Stops cleanly on SIGINT or SIGTERM. Exit status: 0 on a clean stop,\n"
            "1 if it cannot start (say, a port in use), 2 for a bad command line.\n",
            ZAPM_WIRE_BIND_DEFAULT);
}

//  Parses "ADDR:PORT", ":PORT" or "PORT" (IPv4; "localhost" and "*" accepted).
static bool
s_parse_http (const char *text, struct sockaddr_in *address)
{
    char host[64] = "127.0.0.1";
    const char *colon = strrchr (text, ':');
    const char *port_text = colon ? colon + 1 : text;
    if (colon) {
        size_t length = (size_t) (colon - text);
        if (length >= sizeof host)
            return false;
        if (length > 0) {
            memcpy (host, text, length);
            host[length] = '\0';
        }
    }
    char *end = NULL;
    long port = strtol (port_text, &end, 10);
    if (!*port_text || *end || port < 0 || port > 65535) {
        cli_usage_error (PROG, "--http needs ADDR:PORT with a port from 0 to 65535, got '%s'",
                         text);
        return false;
    }
    memset (address, 0, sizeof *address);
    address->sin_family = AF_INET;
    address->sin_port = htons ((uint16_t) port);
    if (strcmp (host, "*") == 0 || strcmp (host, "0.0.0.0") == 0)
        address->sin_addr.s_addr = htonl (INADDR_ANY);
    else if (strcmp (host, "localhost") == 0)
        address->sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    else if (inet_pton (AF_INET, host, &address->sin_addr) != 1) {
        cli_usage_error (PROG,
                         "--http needs an IPv4 address and a port, like 127.0.0.1:8088; "
                         "got '%s'",
                         text);
        return false;
    }
    return true;
}

static bool
s_parse_u32 (const char *flag, const char *text, long min, long max, uint32_t *value)
{
    long parsed;
    if (!cli_parse_long (PROG, flag, text, min, max, &parsed))
        return false;
    *value = (uint32_t) parsed;
    return true;
}

config_result_t
config_parse (int argc, char **argv, config_t *config)
{
    *config = (config_t){.bind = ZAPM_WIRE_BIND_DEFAULT,
                         .http_text = "127.0.0.1:8088",
                         .max_clients = 10000,
                         .max_series = 10000,
                         .history_points = 600,
                         .ring_mib = 16};
    enum { OPT_MAX_CLIENTS = 256, OPT_MAX_SERIES, OPT_HISTORY, OPT_RING };
    static const struct option options[] = {
        {"bind", required_argument, NULL, 'b'},
        {"http", required_argument, NULL, 'H'},
        {"max-clients", required_argument, NULL, OPT_MAX_CLIENTS},
        {"max-series", required_argument, NULL, OPT_MAX_SERIES},
        {"history", required_argument, NULL, OPT_HISTORY},
        {"ring-mib", required_argument, NULL, OPT_RING},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0}};
    opterr = 0;
    optind = 1;
    int option;
    bool ok = true;
    while (ok && (option = getopt_long (argc, argv, ":b:H:hV", options, NULL)) != -1) {
        switch (option) {
        case 'b':
            config->bind = optarg;
            break;
        case 'H':
            config->http_text = optarg;
            break;
        case OPT_MAX_CLIENTS:
            ok = s_parse_u32 ("--max-clients", optarg, 1, 1000000, &config->max_clients);
            break;
        case OPT_MAX_SERIES:
            ok = s_parse_u32 ("--max-series", optarg, 1, 1000000, &config->max_series);
            break;
        case OPT_HISTORY:
            ok = s_parse_u32 ("--history", optarg, 1, 86400, &config->history_points);
            break;
        case OPT_RING:
            ok = s_parse_u32 ("--ring-mib", optarg, 1, 4095, &config->ring_mib);
            break;
        case 'h':
            s_print_help ();
            return CONFIG_EXIT;
        case 'V':
            printf (PROG " %s\n", ZAPM_VERSION);
            return CONFIG_EXIT;
        default:
            cli_getopt_error (PROG, option, argv);
            return CONFIG_ERROR;
        }
    }
    if (!ok)
        return CONFIG_ERROR;
    if (optind < argc) {
        cli_usage_error (PROG, "unexpected argument '%s'", argv[optind]);
        return CONFIG_ERROR;
    }
    if (!*config->bind) {
        cli_usage_error (PROG, "--bind needs a ZeroMQ endpoint, like tcp://*:5555");
        return CONFIG_ERROR;
    }
    return s_parse_http (config->http_text, &config->http) ? CONFIG_RUN : CONFIG_ERROR;
}
