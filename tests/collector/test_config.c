/*  test_config.c: the collector's command line: defaults that work with no flags,
    every value checked against its limits, --http parsed, and a bad flag an
    error (exit 2), never a silent default. */
#include "check.h"
#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static config_result_t
s_parse (config_t *config, const char *first, ...)
{
    char *argv[16] = {"zapm-collector"};
    int argc = 1;
    va_list args;
    va_start (args, first);
    for (const char *arg = first; arg && argc < 15; arg = va_arg (args, const char *))
        argv[argc++] = (char *) arg;
    va_end (args);
    //  The errors go to stderr; keep the test's output readable.
    FILE *saved = stderr;
    stderr = fopen ("/dev/null", "w");
    config_result_t result = config_parse (argc, argv, config);
    fclose (stderr);
    stderr = saved;
    return result;
}

int
main (void)
{
    config_t config;
    CHECK (s_parse (&config, NULL) == CONFIG_RUN);
    CHECK (strcmp (config.bind, "tcp://*:5555") == 0 && config.max_clients == 10000);
    CHECK (config.max_series == 10000 && config.history_points == 600 && config.ring_mib == 16);
    CHECK (config.http.sin_addr.s_addr == htonl (INADDR_LOOPBACK));
    CHECK (ntohs (config.http.sin_port) == 8088);
    CHECK (config.metrics_ttl_s == 300);
    CHECK (s_parse (&config, "--metrics-ttl", "0.5", NULL) == CONFIG_RUN);
    CHECK (config.metrics_ttl_s == 0.5);
    //  The history answers' budget: sizes with K, M, G suffixes.
    CHECK (s_parse (&config, NULL) == CONFIG_RUN);
    CHECK (config.query_memory == (size_t) 256 << 20 && config.query_answer_max == (size_t) 64
                                                                                       << 20);
    CHECK (s_parse (&config, "--query-memory", "1G", "--query-answer-max", "512k", NULL) ==
           CONFIG_RUN);
    CHECK (config.query_memory == (size_t) 1 << 30 && config.query_answer_max == 512 * 1024);
    CHECK (s_parse (&config, "--query-memory", "1048576", NULL) == CONFIG_ERROR); //  < answer max
    CHECK (s_parse (&config, "--query-memory", "2M", "--query-answer-max", "2M", NULL) ==
           CONFIG_RUN);

    CHECK (s_parse (&config, "--http", "*:0", "-b", "ipc:///tmp/x", "--max-clients=5", NULL) ==
           CONFIG_RUN);
    CHECK (config.http.sin_addr.s_addr == htonl (INADDR_ANY) && config.http.sin_port == 0);
    CHECK (strcmp (config.bind, "ipc:///tmp/x") == 0 && config.max_clients == 5);
    CHECK (s_parse (&config, "-H", "10.1.2.3:9", NULL) == CONFIG_RUN);
    CHECK (config.http.sin_addr.s_addr == inet_addr ("10.1.2.3") &&
           ntohs (config.http.sin_port) == 9);

    const char *bad[][2] = {
        {"--http", "127.0.0.1:99999"}, {"--http", "host.example:80"}, {"--max-clients", "0"},
        {"--max-clients", "12x"},      {"--ring-mib", "4096"},        {"--history", "-1"},
        {"--metrics-ttl", "0"},        {"--metrics-ttl", "1e999"},    {"--bind", ""},
        {"--query-memory", "1T"},      {"--query-memory", "12KB"},    {"--query-memory", "1K"},
        {"--query-answer-max", "M"},   {"--query-answer-max", "-5M"}, {"--query-memory", "nan"},
        {"--no-such-flag", NULL}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECKF (s_parse (&config, bad[i][0], bad[i][1], NULL) == CONFIG_ERROR, "%s %s", bad[i][0],
                bad[i][1] ? bad[i][1] : "");
    CHECK (s_parse (&config, "--max-series", NULL) == CONFIG_ERROR); //  a value is missing
    CHECK (s_parse (&config, "stray", NULL) == CONFIG_ERROR);
    return CHECK_DONE ();
}
