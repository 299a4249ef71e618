/*  wire.h: the zapm wire protocol v1, defined once for every side.

    An agent publishes one JSON object per ZeroMQ frame; the collector validates
    it and serves it to browsers. Every JSON key, event name, limit and default
    endpoint is named here, once: the agent's encoder and the collector include
    this file, and the dashboard imports the same names from wire.js, which the
    build generates from this file (web/cmake/wire_js.cmake). So the three cannot
    drift apart. Every `#define ZAPM_...` below must therefore be a string
    literal, a plain numeric expression, or a list: an initializer in braces of
    string literals and names defined above it (C takes it as an array's
    initializer, wire.js makes it a frozen array).

    Field meanings: docs/FIELDS.md. The identity rule: docs/HTTP-API.md.
*/
#ifndef ZAPM_WIRE_H
#define ZAPM_WIRE_H

#define ZAPM_WIRE_VERSION 1

//  Largest frame the collector accepts; larger ones are counted and dropped.
#define ZAPM_WIRE_MAX_BYTES (64 * 1024)

//  The series identity (docs/HTTP-API.md, "Series identity"): `agent`, then
//  "@" `host`, then ":" `pid`, each part only when present; `color` alone when
//  there is no `agent`. At most ZAPM_IDENTITY_MAX bytes of UTF-8.
#define ZAPM_IDENTITY_MAX      255
#define ZAPM_IDENTITY_HOST_SEP "@"
#define ZAPM_IDENTITY_PID_SEP  ":"

//  Largest `pid` and `seq`: 2^53, the largest whole number every JSON reader
//  (browsers included) holds exactly.
#define ZAPM_COUNT_MAX 9007199254740992.0

//  Longest `color` used as a colour, in bytes; a longer one still names a
//  book-style series but is not taken as a colour by the collector or the page.
#define ZAPM_COLOR_MAX 64

//  Most entries in `sys.percpu` an agent sends and a reader takes.
#define ZAPM_PERCPU_MAX 1024

//  Largest `interval` the collector accepts, in seconds (agents send at most 3600).
#define ZAPM_INTERVAL_MAX 86400.0

//  Default endpoints: the collector binds, agents connect.
#define ZAPM_WIRE_BIND_DEFAULT    "tcp://*:5555"
#define ZAPM_WIRE_CONNECT_DEFAULT "tcp://localhost:5555"

//  Book-compatible core fields (Using Asyncio in Python, APM case study).
#define ZAPM_KEY_COLOR     "color"     //  string, CSS colour or any label
#define ZAPM_KEY_TIMESTAMP "timestamp" //  ISO 8601 with UTC offset
#define ZAPM_KEY_CPU       "cpu"       //  process CPU percent (psutil)
#define ZAPM_KEY_MEM       "mem"       //  process RSS in MiB

//  zapm additions.
#define ZAPM_KEY_VERSION  "v"        //  protocol version, number
#define ZAPM_KEY_AGENT    "agent"    //  service name, string
#define ZAPM_KEY_HOST     "host"     //  host name, string
#define ZAPM_KEY_PID      "pid"      //  process id, number
#define ZAPM_KEY_SEQ      "seq"      //  per agent instance, from 0, +1 per sample
#define ZAPM_KEY_INTERVAL "interval" //  seconds between samples, number
#define ZAPM_KEY_PROC     "proc"     //  object, process metrics
#define ZAPM_KEY_SYS      "sys"      //  object, system metrics
#define ZAPM_KEY_CUSTOM   "custom"   //  object, name -> number
#define ZAPM_KEY_COUNTERS "counters" //  array of the `custom` names that are counters

//  Keys inside "proc" (psutil names).
#define ZAPM_KEY_CPU_PERCENT      "cpu_percent"
#define ZAPM_KEY_CPU_USER         "cpu_user"
#define ZAPM_KEY_CPU_SYSTEM       "cpu_system"
#define ZAPM_KEY_RSS              "rss"
#define ZAPM_KEY_VMS              "vms"
#define ZAPM_KEY_SWAP_BYTES       "swap"
#define ZAPM_KEY_USS              "uss"
#define ZAPM_KEY_PSS              "pss"
#define ZAPM_KEY_NUM_THREADS      "num_threads"
#define ZAPM_KEY_NUM_FDS          "num_fds"
#define ZAPM_KEY_NUM_CTX_SWITCHES "num_ctx_switches"
#define ZAPM_KEY_IO_READ_BYTES    "io_read_bytes"
#define ZAPM_KEY_IO_WRITE_BYTES   "io_write_bytes"

//  Keys inside "sys" (psutil names); "cpu_percent" is shared with "proc".
#define ZAPM_KEY_PERCPU    "percpu"
#define ZAPM_KEY_LOAD      "load"
#define ZAPM_KEY_SYS_MEM   "mem"
#define ZAPM_KEY_SYS_SWAP  "swap"
#define ZAPM_KEY_TOTAL     "total"
#define ZAPM_KEY_AVAILABLE "available"
#define ZAPM_KEY_USED      "used"
#define ZAPM_KEY_PERCENT   "percent"

//  Keys the collector adds in what it sends to browsers (/feed events, /api/*).
#define ZAPM_KEY_ID         "id"         //  series identity
#define ZAPM_KEY_STATE      "state"      //  ZAPM_STATE_* below
#define ZAPM_KEY_AGENTS     "agents"     //  live series count, or the /api/agents list
#define ZAPM_KEY_BOOT       "boot"       //  the collector run's token
#define ZAPM_KEY_NOW        "now"        //  the collector's wall clock, Unix seconds
#define ZAPM_KEY_LOST       "lost"       //  samples missing according to `seq`
#define ZAPM_KEY_SAMPLES    "samples"    //  samples received for a series
#define ZAPM_KEY_LAST       "last"       //  a series' last sample, as received
#define ZAPM_KEY_LAST_SEEN  "last_seen"  //  when it arrived, Unix seconds
#define ZAPM_KEY_INGEST     "ingest"     //  /api/agents: how agents reach the collector
#define ZAPM_KEY_ENDPOINT   "endpoint"   //  ... its agents' socket, as bound
#define ZAPM_KEY_CURVE_ONLY "curve_only" //  ... true when agents must speak CURVE
#define ZAPM_KEY_SERIES     "series"     //  the /api/history list
#define ZAPM_KEY_STATUS     "status"     //  /healthz: "ok"
#define ZAPM_KEY_UPTIME     "uptime"     //  /healthz: seconds since start

//  The columns of /api/history besides `cpu`, `mem` and `custom`.
#define ZAPM_HISTORY_T       "t"       //  sample times, Unix seconds
#define ZAPM_HISTORY_SYS_CPU "sys_cpu" //  sys.cpu_percent
#define ZAPM_HISTORY_SYS_MEM "sys_mem" //  sys.mem.percent
#define ZAPM_HISTORY_LOAD1   "load1"   //  sys.load[0]

//  The charted metrics: the numbers of a sample that the dashboard charts, the
//  collector keeps in memory for /api/history (series_point_t) and the store
//  answers under their columns when a query names no metric. In one order in
//  both lists: their columns in /api/history, and their paths in the store
//  (parts joined by ZAPM_HISTORY_PATH_SEP, an array's element by its index).
//  (clang-format off: wire_js.cmake reads a #define from its one line.)
#define ZAPM_CHARTED_COUNT 5
// clang-format off
#define ZAPM_CHARTED_COLUMNS {ZAPM_KEY_CPU, ZAPM_KEY_MEM, ZAPM_HISTORY_SYS_CPU, ZAPM_HISTORY_SYS_MEM, ZAPM_HISTORY_LOAD1}
#define ZAPM_CHARTED_PATHS   {"cpu", "mem", "sys.cpu_percent", "sys.mem.percent", "sys.load.0"}
// clang-format on

//  /api/history from the store (docs/HTTP-API.md, "/api/history from the
//  store"): the query parameters, the keys its answer adds, and the values of
//  `group`. `agent=` is ZAPM_KEY_AGENT. A metric is named by its path in the
//  sample, parts joined by ZAPM_HISTORY_PATH_SEP ("sys.load.0", "custom.x").
#define ZAPM_HISTORY_FROM          "from"    //  Unix seconds: start of the window
#define ZAPM_HISTORY_TO            "to"      //  Unix seconds: end of the window
#define ZAPM_HISTORY_SECONDS       "seconds" //  the window's length, when `from` is not given
#define ZAPM_HISTORY_POINTS        "points"  //  buckets per line asked for (and answered)
#define ZAPM_HISTORY_GROUP         "group"   //  ZAPM_HISTORY_GROUP_* below, or "auto"
#define ZAPM_HISTORY_METRIC        "metric"  //  comma-separated metric paths
#define ZAPM_HISTORY_STEP          "step"    //  seconds per bucket
#define ZAPM_HISTORY_TIER          "tier"    //  the tier read first
#define ZAPM_HISTORY_UNTIL         "until"   //  how far a line's stored data reaches
#define ZAPM_HISTORY_SERVICE       "service" //  a line's agent@host
#define ZAPM_HISTORY_PIDS          "pids"    //  the pids a service line joins
#define ZAPM_HISTORY_METRICS       "metrics" //  mean, min and max by metric path
#define ZAPM_HISTORY_MEAN          "mean"
#define ZAPM_HISTORY_MIN           "min"
#define ZAPM_HISTORY_MAX           "max"
#define ZAPM_HISTORY_PATH_SEP      "."
#define ZAPM_HISTORY_GROUP_SERIES  "series"  //  one line per series (agent@host:pid)
#define ZAPM_HISTORY_GROUP_SERVICE "service" //  one line per agent@host, across pids
#define ZAPM_HISTORY_POINTS_MAX    10000     //  the most `points` a query may ask for

//  A query parameter: 1 leaves out the means under today's names (`metrics` alone).
#define ZAPM_HISTORY_METRICS_ONLY "metrics_only"

//  The memory answer's key saying why the store did not fill in the window
//  before memory's oldest point (left out when it did, or had no need to).
#define ZAPM_HISTORY_PARTIAL           "partial"
#define ZAPM_HISTORY_PARTIAL_TOO_LARGE "answer_max" //  past --query-answer-max
#define ZAPM_HISTORY_PARTIAL_BUSY      "store_busy" //  the store's query queue was full or it failed

//  Custom metrics a series keeps history for (more are forwarded, not kept).
#define ZAPM_HISTORY_CUSTOM_MAX 16

//  Named SSE events on /feed (samples are default events, without a name).
#define ZAPM_EVENT_AGENT "agent" //  a series joined or left: id, state, agents
#define ZAPM_EVENT_LOST  "lost"  //  a series' seq jumped: id, lost (its total), samples
#define ZAPM_EVENT_RESET "reset" //  the stream could not resume: boot

//  Series states: in `event: agent` (joined, left) and /api/agents (live, left).
#define ZAPM_STATE_JOINED "joined"
#define ZAPM_STATE_LEFT   "left"
#define ZAPM_STATE_LIVE   "live"

//  Collector tiers (docs/FIELDS.md, "Forwarding"): an edge collector forwards
//  samples upstream as multipart messages, a header frame then up to
//  ZAPM_FORWARD_BATCH_MAX samples as received. The header is a JSON object:
//  {"zapm_forward":1,"edge":"<the first collector's name>","path":["<boot>",...]}
//  with the boot token of every collector the batch went through, so a
//  collector that finds its own refuses the batch (a forwarding loop).
#define ZAPM_KEY_FORWARD       "zapm_forward" //  header marker, the version
#define ZAPM_KEY_EDGE          "edge"         //  name of the edge the samples came in by
#define ZAPM_KEY_PATH          "path"         //  boot tokens of the collectors on the way
#define ZAPM_KEY_VIA           "via"          //  /api/agents: the edge a series arrives by
#define ZAPM_FORWARD_VERSION   1
#define ZAPM_FORWARD_BATCH_MAX 256 //  samples per message
#define ZAPM_FORWARD_PATH_MAX  8   //  collectors a batch may go through
#define ZAPM_FORWARD_EDGE_MAX  64  //  bytes of an edge name

//  Custom metric limits (agent side enforces, collector validates).
#define ZAPM_CUSTOM_NAME_MAX 64 //  bytes, [A-Za-z0-9_.:-]
#define ZAPM_CUSTOM_MAX      64 //  metrics per agent

#endif
