/*  config.c: the collector's command line, one table (common/cli.h). */
#include "config.h"
#include "gate.h"
#include "http.h"
#include "ingest.h"
#include "cert.h"
#include "cli.h"
#include "endpoint.h"
#include "series.h"
#include "store.h"
#include "wire.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PROG             "zapm-collector"
#define S_HTTP_DEFAULT   "127.0.0.1:8088"
#define S_ENDPOINT_MAX   1024
#define S_CLIENTS_MAX    1000000
#define S_SERIES_MAX     1000000
#define S_HISTORY_MAX    86400
#define S_RING_MIB_MAX   4095
#define S_PATH_MAX       4096
#define S_STORE_MIB_MAX  (1024 * 1024)
#define S_DAYS_MIN       0.001
#define S_DAYS_MAX       36500.0
#define S_STORE_ROWS_MAX 10000000 //  below the writer's 2^24 series ids
//  A browser opens at most 6 connections to one origin (HTTP/1.1), Prometheus
//  one: 64 leaves room for about ten people behind one NAT address while one
//  client can hold at most 64 of the server's connections.
#define S_PER_ADDRESS_DEFAULT 64

//  What /api/history answers may hold (collector/web/query_budget.h): all in
//  flight at once, and one. A 1 GiB container keeps three quarters of its
//  memory for the rest of the collector; a 64 MiB answer is a day of the
//  five charted metrics at 800 points for 2,000 series.
#define S_QUERY_MEMORY_DEFAULT     ((size_t) 256 << 20)
#define S_QUERY_ANSWER_MAX_DEFAULT ((size_t) 64 << 20)
#define S_QUERY_BYTES_MIN          ((size_t) 64 << 10)
#define S_QUERY_BYTES_MAX          ((size_t) 1 << 40)

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
s_take_http (const char *prog, const cli_option_t *option, const char *value)
{
    (void) prog;
    config_t *config = option->target;
    config->http_text = value;
    return s_parse_http (value, &config->http);
}

//  Parses a size in bytes with an optional K, M or G suffix (powers of 1024)
//  into *(size_t *) option->target, within [S_QUERY_BYTES_MIN, S_QUERY_BYTES_MAX].
static bool
s_take_bytes (const char *prog, const cli_option_t *option, const char *value)
{
    char *end = NULL;
    double number = strtod (value, &end);
    double unit = 1;
    if (end && (*end == 'K' || *end == 'k'))
        unit = 1024.0;
    else if (end && (*end == 'M' || *end == 'm'))
        unit = 1024.0 * 1024;
    else if (end && (*end == 'G' || *end == 'g'))
        unit = 1024.0 * 1024 * 1024;
    if (end && unit > 1)
        end++;
    double bytes = number * unit;
    if (end == value || !end || *end || !(bytes >= (double) S_QUERY_BYTES_MIN) ||
        !(bytes <= (double) S_QUERY_BYTES_MAX)) {
        cli_usage_error (prog,
                         "--%s needs a size from 64K to 1024G (K, M, G: KiB, MiB, GiB), got '%s'",
                         option->name, value);
        return false;
    }
    *(size_t *) option->target = (size_t) bytes;
    return true;
}

//  The security flags together: CURVE needs both files, plaintext a good list.
static bool
s_check_gate (const gate_config_t *gate)
{
    if (gate->curve_cert && gate->plaintext_from) {
        cli_usage_error (PROG, "--plaintext-from and --curve-cert exclude each other: with CURVE "
                               "every agent needs a key, whatever its address");
        return false;
    }
    if (!gate->curve_cert != !gate->curve_allow) {
        cli_usage_error (PROG, "%s",
                         gate->curve_cert
                             ? "--curve-cert needs --curve-allow DIR, the directory of the "
                               "public certificates of the agents allowed in"
                             : "--curve-allow needs --curve-cert FILE, the collector's own "
                               "certificate (make one with zapm-keygen)");
        return false;
    }
    if (gate->curve_cert) {
        cert_t cert;
        char why[8192];
        int rc = cert_load_secret (gate->curve_cert, "--curve-cert", &cert, why, sizeof why);
        memset (&cert, 0, sizeof cert);
        if (rc != 0) {
            cli_usage_error (PROG, "%s", why);
            return false;
        }
        struct stat st;
        if (stat (gate->curve_allow, &st) != 0 || !S_ISDIR (st.st_mode)) {
            cli_usage_error (PROG, "--curve-allow: %s is not a directory", gate->curve_allow);
            return false;
        }
    }
    char why[256];
    addrlist_t *list =
        gate->curve_cert ? NULL : addrlist_new (gate->plaintext_from, why, sizeof why);
    if (!gate->curve_cert && !list) {
        cli_usage_error (PROG, "--plaintext-from: %s", why);
        return false;
    }
    if (list)
        addrlist_destroy (&list);
    return true;
}

static bool
s_take_forward (const char *prog, const cli_option_t *option, const char *value)
{
    config_t *config = option->target;
    if (config->forward_count == FORWARD_LINKS_MAX) {
        cli_usage_error (prog, "--forward is given more than %d times, at '%s'", FORWARD_LINKS_MAX,
                         value);
        return false;
    }
    if (!cli_check_text (prog, "--forward", value, 1, S_ENDPOINT_MAX))
        return false;
    char why[S_ENDPOINT_MAX + 200];
    if (!endpoint_check (value, why, sizeof why)) {
        cli_usage_error (prog, "--forward: %s", why);
        return false;
    }
    config->forward[config->forward_count++] = value;
    return true;
}

static bool
s_take_remote_write (const char *prog, const cli_option_t *option, const char *value)
{
    remote_export_config_t *remote = option->target;
    if (remote->count == REMOTE_EXPORT_URLS_MAX) {
        cli_usage_error (prog, "--remote-write is given more than %d times, at '%s'",
                         REMOTE_EXPORT_URLS_MAX, value);
        return false;
    }
    if (strncmp (value, "http://", 7) != 0 && strncmp (value, "https://", 8) != 0) {
        cli_usage_error (prog, "--remote-write needs an http:// or https:// URL, got '%s'", value);
        return false;
    }
    remote->urls[remote->count++] = value;
    return true;
}

//  The flags that only make sense together, and logins sent in clear.
static bool
s_check_security (const config_t *config)
{
    if (!config->forward_curve.server != !config->forward_curve.cert) {
        cli_usage_error (PROG, "--forward-curve-server and --forward-curve-cert go together: give "
                               "both or neither");
        return false;
    }
    if (!config->tls_cert != !config->tls_key) {
        cli_usage_error (PROG, "--tls-cert and --tls-key go together: give both or neither");
        return false;
    }
    bool loopback = (ntohl (config->http.sin_addr.s_addr) >> 24) == 127;
    if (config->users && !config->tls_cert && !loopback && !config->insecure_http) {
        cli_usage_error (PROG,
                         "--users with plain HTTP on %s would send passwords in clear over the "
                         "network: add --tls-cert and --tls-key, listen on 127.0.0.1, or "
                         "give --insecure-http",
                         config->http_text);
        return false;
    }
    return true;
}

config_result_t
config_parse (int argc, char **argv, config_t *config)
{
    static char host[ZAPM_FORWARD_EDGE_MAX + 1];
    static cli_list_t plaintext_from; //  --plaintext-from, every use
    memset (&plaintext_from, 0, sizeof plaintext_from);
    if (gethostname (host, sizeof host) != 0 || !host[0])
        snprintf (host, sizeof host, "localhost");
    host[sizeof host - 1] = '\0';
    *config = (config_t){.bind = ZAPM_WIRE_BIND_DEFAULT,
                         .http_text = S_HTTP_DEFAULT,
                         .name = host,
                         .store = "",
                         .store_max_mib = STORE_MAX_MIB_DEFAULT,
                         .store_days = {STORE_RAW_RETENTION_DEFAULT / 86400.0,
                                        STORE_MINUTE_RETENTION_DEFAULT / 86400.0,
                                        STORE_HOUR_RETENTION_DEFAULT / 86400.0},
                         .store_seal_s = 60,
                         .query_memory = S_QUERY_MEMORY_DEFAULT,
                         .query_answer_max = S_QUERY_ANSWER_MAX_DEFAULT,

                         .store_max_series = STORE_MAX_SERIES_DEFAULT,
                         .store_max_metrics = STORE_MAX_METRICS_DEFAULT,
                         .store_max_series_metrics = STORE_SERIES_METRICS_DEFAULT};
    long max_clients = 10000, max_series = 10000, history = 600, ring_mib = 16;
    long per_address = S_PER_ADDRESS_DEFAULT, write_timeout = HTTP_WRITE_TIMEOUT_S;
    long log_lines = INGEST_LOG_LINES_DEFAULT, log_window = INGEST_LOG_WINDOW_DEFAULT_S;
    double metrics_ttl = SERIES_METRICS_TTL_DEFAULT_S;
    long max_metric_names = 10000;
    const cli_option_t options[] = {
        {"bind", 'b', CLI_TEXT, &config->bind, 1, S_ENDPOINT_MAX, "ENDPOINT",
         "ZeroMQ endpoint agents publish to", NULL, NULL},
        {"http", 'H', CLI_CALL, config, 0, 0, "ADDR:PORT",
         "where the web server listens (port 0 picks a free one,\nADDR * means all IPv4)",
         S_HTTP_DEFAULT, s_take_http},
        {"max-clients", 0, CLI_LONG, &max_clients, 1, S_CLIENTS_MAX, "N",
         "open /feed streams at most", NULL, NULL},
        {"max-series", 0, CLI_LONG, &max_series, 1, S_SERIES_MAX, "N",
         "series (agents) kept at most", NULL, NULL},
        {"history", 0, CLI_LONG, &history, 1, S_HISTORY_MAX, "N", "history points kept per series",
         NULL, NULL},
        {"ring-mib", 0, CLI_LONG, &ring_mib, 1, S_RING_MIB_MAX, "N",
         "shared event ring size in MiB", NULL, NULL},
        {"forward", 0, CLI_CALL, config, 0, 0, "ENDPOINT",
         "also send every valid sample to the collector at ENDPOINT,\n"
         "which treats them as its own agents' (repeatable)",
         "", s_take_forward},
        {"forward-curve-server", 0, CLI_TEXT, &config->forward_curve.server, 1, S_PATH_MAX,
         "KEY|FILE",
         "speak CURVE to the --forward collectors, whose public key\n"
         "is in certificate FILE (a path that exists is always a file),\n"
         "or is KEY (40 Z85 characters)",
         "plaintext", NULL},
        {"forward-curve-cert", 0, CLI_TEXT, &config->forward_curve.cert, 1, S_PATH_MAX, "FILE",
         "this collector's certificate for --forward (from zapm-keygen;\n"
         "its public half goes in the upstream's --curve-allow)",
         "", NULL},
        {"name", 0, CLI_TEXT, &config->name, 1, ZAPM_FORWARD_EDGE_MAX, "NAME",
         "this collector's name upstream, where its agents are shown\nas arriving via NAME", NULL,
         NULL},
        {"remote-write", 0, CLI_CALL, &config->remote, 0, 0, "URL",
         "also send every sample's metrics to this Prometheus remote\n"
         "write receiver (repeatable)",
         "", s_take_remote_write},
        {"remote-write-user", 0, CLI_TEXT, &config->remote.user, 1, 255, "NAME",
         "basic auth user for --remote-write", NULL, NULL},
        {"remote-write-password-file", 0, CLI_TEXT, &config->remote.password_file, 1, S_PATH_MAX,
         "FILE", "the basic auth password, in a file (mode 0600)", NULL, NULL},
        {"remote-write-bearer-file", 0, CLI_TEXT, &config->remote.bearer_file, 1, S_PATH_MAX,
         "FILE", "a bearer token for --remote-write, in a file (mode 0600)", NULL, NULL},
        {"remote-write-ca", 0, CLI_TEXT, &config->remote.ca_file, 1, S_PATH_MAX, "FILE",
         "PEM CA certificates to check an https receiver with", NULL, NULL},
        {"max-clients-per-address", 0, CLI_LONG, &per_address, 0, S_CLIENTS_MAX, "N",
         "connections one client address may hold (0: no limit)", NULL, NULL},
        {"query-memory", 0, CLI_CALL, &config->query_memory, 0, 0, "N",
         "bytes large answers in flight (/api/history, /api/agents,\n"
         "/metrics) may hold together (waiting, running or being sent;\n"
         "K, M, G suffixes); past it a request gets 503 and Retry-After",
         "256M", s_take_bytes},
        {"query-answer-max", 0, CLI_CALL, &config->query_answer_max, 0, 0, "N",
         "bytes one /api/history answer may hold; a larger one gets 413\n"
         "with a hint to narrow it (a plain seconds= window the store\n"
         "fills in: memory's answer, marked partial; at most --query-memory)",
         "64M", s_take_bytes},
        {"http-write-timeout", 0, CLI_LONG, &write_timeout, 1, 3600, "SECONDS",
         "close an HTTP connection whose answer makes no progress\n"
         "(a client that stopped reading) or that idles this long",
         NULL, NULL},
        {"tls-cert", 0, CLI_TEXT, &config->tls_cert, 1, S_PATH_MAX, "FILE",
         "serve HTTPS with this PEM certificate (chain); needs --tls-key", NULL, NULL},
        {"tls-key", 0, CLI_TEXT, &config->tls_key, 1, S_PATH_MAX, "FILE",
         "the certificate's PEM private key (mode 0600 or 0640)", NULL, NULL},
        {"users", 0, CLI_TEXT, &config->users, 1, S_PATH_MAX, "FILE",
         "require HTTP Basic logins from this file of name:HASH lines\n"
         "(crypt(3) hashes; mode 0600 or 0640; re-read on SIGHUP)",
         NULL, NULL},
        {"insecure-http", 0, CLI_FLAG, &config->insecure_http, 0, 0, NULL,
         "allow --users over plain HTTP on a non-loopback address", NULL, NULL},
        {"store", 0, CLI_TEXT, &config->store, 1, S_PATH_MAX, "PATH",
         "keep history in this SQLite file, or none (memory only);\n"
         "by default zapm.db in $STATE_DIRECTORY (systemd), else in\n"
         "$XDG_STATE_HOME/zapm or ~/.local/state/zapm (made mode 0700)",
         "", NULL},
        {"store-max-mib", 0, CLI_LONG, &config->store_max_mib, 1, S_STORE_MIB_MAX, "N",
         "cap on the store's file and its WAL, MiB (oldest data goes first)", NULL, NULL},
        {"store-raw-days", 0, CLI_DOUBLE, &config->store_days[STORE_TIER_RAW], S_DAYS_MIN,
         S_DAYS_MAX, "DAYS", "days raw points are kept", NULL, NULL},
        {"store-minute-days", 0, CLI_DOUBLE, &config->store_days[STORE_TIER_MINUTE], S_DAYS_MIN,
         S_DAYS_MAX, "DAYS", "days 1-minute rollups are kept", NULL, NULL},
        {"store-hour-days", 0, CLI_DOUBLE, &config->store_days[STORE_TIER_HOUR], S_DAYS_MIN,
         S_DAYS_MAX, "DAYS", "days 1-hour rollups are kept", NULL, NULL},
        {"store-seal-s", 0, CLI_LONG, &config->store_seal_s, 1, 600, "SECONDS",
         "seconds the newest raw points wait before history queries\nsee them "
         "(the collector's memory covers them meanwhile)",
         NULL, NULL},
        {"store-max-series", 0, CLI_LONG, &config->store_max_series, 1, S_STORE_ROWS_MAX, "N",
         "series (identities) the store holds at once, those seen in\n"
         "the last hour; past it new ones are not stored (counted,\n"
         "logged); its table keeps 64 times as many rows at most",
         NULL, NULL},
        {"store-max-metrics", 0, CLI_LONG, &config->store_max_metrics, 1, S_STORE_ROWS_MAX, "N",
         "metric names the store holds at most; past it new names\n"
         "are not stored (counted, logged)",
         NULL, NULL},
        {"store-max-metrics-per-series", 0, CLI_LONG, &config->store_max_series_metrics, 1, 4096,
         "N",
         "metrics one series' open chunk holds at most; past it the\n"
         "points of its new names are not stored (counted, logged)",
         NULL, NULL},
        {"max-metric-names", 0, CLI_LONG, &max_metric_names, 1, S_SERIES_MAX, "N",
         "custom metric names (families) on /metrics at most;\n"
         "values of further names are left out (counted)",
         NULL, NULL},
        {"metrics-ttl", 0, CLI_DOUBLE, &metrics_ttl, 0.1, S_HISTORY_MAX, "SECONDS",
         "how long a series that stopped sending stays on /metrics,\n"
         "counted from its last sample",
         NULL, NULL},
        {"log-lines", 0, CLI_LONG, &log_lines, 0, 100000, "N",
         "log lines of one kind of event (an agent joined, left,\n"
         "restarted its seq, sent a bad timestamp) per --log-window;\n"
         "the rest are counted in one summary line",
         NULL, NULL},
        {"log-window", 0, CLI_LONG, &log_window, 1, 86400, "N",
         "the window of --log-lines, seconds", NULL, NULL},
        {"curve-cert", 0, CLI_TEXT, &config->gate.curve_cert, 1, 4000, "FILE",
         "CURVE for agents: this collector's certificate (zapm-keygen\n"
         "FILE; FILE_secret beside it); needs --curve-allow",
         "plaintext", NULL},
        {"curve-allow", 0, CLI_TEXT, &config->gate.curve_allow, 1, 4000, "DIR",
         "admit only agents whose public certificate is in DIR;\n"
         "reread every second: add a file to admit, remove it to revoke",
         "", NULL},
        {"plaintext-from", 0, CLI_LIST, &plaintext_from, 1, 500, "LIST",
         "without CURVE, admit plaintext agents from these addresses\n"
         "or CIDR ranges (comma-separated or repeated) or 'any'",
         "loopback only", NULL},
        {NULL, 0, CLI_FLAG, NULL, 0, 0, NULL, NULL, NULL, NULL}};
    const cli_spec_t spec = {
        .prog = PROG,
        .summary = "Collect samples from zapm agents over ZeroMQ and serve them live:\n"
                   "a dashboard at /, server-sent events at /feed, JSON at /api/agents and\n"
                   "/api/history, Prometheus metrics at /metrics, and /healthz.\n",
        .options = options,
        .epilogue = "Agents: plaintext from loopback only unless --plaintext-from widens it, or\n"
                    "CURVE with --curve-cert and --curve-allow; the startup log says which\n"
                    "(docs/SECURITY.md).\n"
                    "Stops cleanly on SIGINT or SIGTERM; SIGHUP re-reads --users.\n"
                    "Exit status: 0 on a clean stop, 1 if it cannot start (say, a port in\n"
                    "use or a bad certificate), 2 for a bad command line."};
    if (!s_parse_http (config->http_text, &config->http))
        return CONFIG_ERROR;
    int status = cli_parse (&spec, argc, argv);
    if (status != CLI_RUN)
        return status == 0 ? CONFIG_EXIT : CONFIG_ERROR;
    config->gate.plaintext_from = plaintext_from.text[0] ? plaintext_from.text : NULL;
    char why[S_ENDPOINT_MAX + 200];
    if (!endpoint_check (config->bind, why, sizeof why)) {
        cli_usage_error (PROG, "--bind: %s", why);
        return CONFIG_ERROR;
    }
    if (!s_check_gate (&config->gate))
        return CONFIG_ERROR;
    config->max_clients = (uint32_t) max_clients;
    config->max_series = (uint32_t) max_series;
    config->history_points = (uint32_t) history;
    config->ring_mib = (uint32_t) ring_mib;
    config->metrics_ttl_s = metrics_ttl;
    config->metrics_max_names = (uint32_t) max_metric_names;
    config->log_lines = (uint32_t) log_lines;
    config->log_window_s = (uint32_t) log_window;
    config->max_per_address = (uint32_t) per_address;
    if (config->query_answer_max > config->query_memory) {
        cli_usage_error (PROG, "--query-answer-max (%zu) cannot pass --query-memory (%zu)",
                         config->query_answer_max, config->query_memory);
        return CONFIG_ERROR;
    }
    config->write_timeout_s = (uint32_t) write_timeout;
    return s_check_security (config) ? CONFIG_RUN : CONFIG_ERROR;
}
