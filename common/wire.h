/*  wire.h: the zapm wire protocol v1, defined once for both sides.

    An agent publishes one JSON object per ZeroMQ frame; the collector validates
    it. Every JSON key, limit and default endpoint of the protocol is named here so
    that the encoder (agent/) and the validator (collector/) cannot drift apart.
    See ../docs or DESIGN.md "Wire protocol v1" for the meaning of each field.
*/
#ifndef ZAPM_WIRE_H
#define ZAPM_WIRE_H

#define ZAPM_WIRE_VERSION 1

//  Largest frame the collector accepts (ZMQ_MAXMSGSIZE); larger ones are dropped.
#define ZAPM_WIRE_MAX_BYTES (64 * 1024)

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

//  Keys the collector adds in what it sends to browsers (/feed agent and reset
//  events, /api/*).
#define ZAPM_KEY_ID     "id"     //  series identity
#define ZAPM_KEY_STATE  "state"  //  "joined"/"left" in events, "live"/"left" in /api/agents
#define ZAPM_KEY_AGENTS "agents" //  live series count, or the /api/agents list
#define ZAPM_KEY_BOOT   "boot"   //  the collector run's token
#define ZAPM_KEY_NOW    "now"    //  the collector's wall clock, Unix seconds

//  Custom metric limits (agent side enforces, collector validates).
#define ZAPM_CUSTOM_NAME_MAX 64 //  bytes, [A-Za-z0-9_.:-]
#define ZAPM_CUSTOM_MAX      64 //  metrics per agent

#endif
