/*  config.h: the collector's settings and their command line.

    Every setting has a default that works on one machine with no flags: agents
    connect to tcp://localhost:5555 and the dashboard is at http://127.0.0.1:8088/.
*/
#ifndef ZAPM_CONFIG_H
#define ZAPM_CONFIG_H

#include "forward.h"
#include "gate.h"
#include "remote_export.h"

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *bind;           //  ZeroMQ endpoint the SUB socket binds
    const char *http_text;      //  --http as given, for messages
    struct sockaddr_in http;    //  address the web server listens on
    uint32_t max_clients;       //  /feed streams at once
    uint32_t max_series;        //  series kept
    uint32_t history_points;    //  history points per series
    uint32_t ring_mib;          //  shared ring size in MiB
    uint32_t metrics_max_names; //  --max-metric-names: custom families on /metrics at most
    double metrics_ttl_s;       //  seconds a series stays on /metrics after its last sample
    uint32_t log_lines;         //  --log-lines: per-event lines of one kind a window
    uint32_t log_window_s;      //  --log-window: that window, seconds
    gate_config_t gate;         //  who may publish: CURVE keys or plaintext addresses
    //  Web security (docs/SECURITY.md, "Web")
    const char *tls_cert;     //  --tls-cert PEM file, or NULL for plain HTTP
    const char *tls_key;      //  --tls-key PEM file, with tls_cert
    const char *users;        //  --users file, or NULL for no logins
    bool insecure_http;       //  --insecure-http: logins over plain HTTP off loopback
    uint32_t max_per_address; //  connections from one client address
    size_t query_memory;      //  --query-memory: bytes history answers in flight may hold
    size_t query_answer_max;  //  --query-answer-max: bytes one history answer may hold
    uint32_t write_timeout_s; //  --http-write-timeout: s an answer may make no progress
    //  Tiers (docs/FIELDS.md, "Forwarding")
    const char *name;                       //  this collector's name, as an edge (--name)
    const char *forward[FORWARD_LINKS_MAX]; // upstream endpoints (--forward)
    size_t forward_count;                   //  how many
    forward_curve_t forward_curve;          //  --forward-curve-server, --forward-curve-cert
    remote_export_config_t remote;          //  --remote-write and its credentials
    //  Durable history (docs/STORE.md)
    const char *store;             //  --store PATH, "" for the default path, "none" for none
    long store_max_mib;            //  --store-max-mib: cap on the file and its WAL
    double store_days[3];          //  --store-raw-days, -minute-days, -hour-days
    long store_seal_s;             //  --store-seal-s: seconds a raw chunk stays open
    long store_max_series;         //  --store-max-series: rows of the series table at most
    long store_max_metrics;        //  --store-max-metrics: rows of the metric table at most
    long store_max_series_metrics; //  --store-max-metrics-per-series: a series' chunk columns
} config_t;

//  What config_parse decided.
typedef enum {
    CONFIG_RUN,  //  settings are in *config: run the collector
    CONFIG_EXIT, //  --help or --version printed: exit 0
    CONFIG_ERROR //  a bad flag or value, already explained on stderr: exit 2
} config_result_t;

//  Parses the command line into *config (defaults first).
config_result_t config_parse (int argc, char **argv, config_t *config);

#endif
