/*  zapm.h: the zapm agent library (libzapm), the one header a service includes.

    A service creates one agent; the agent runs a background thread (a czmq
    actor) that reads /proc on a timer and publishes one JSON sample per
    interval on a ZeroMQ PUB socket that connects to a zapm collector. The
    host's own threads never block on the network: frames that cannot be sent
    at once are dropped, and the sample's `seq` lets the collector count them.

    The library does not take over its host: it installs no signal handlers
    (it calls zsys_handler_set (NULL) before czmq creates anything), never
    calls exit, and zapm_agent_destroy returns promptly whether or not a
    collector ever answered. If the host itself uses czmq and wants czmq's
    SIGINT/SIGTERM handling, it calls zsys_handler_set after zapm_agent_new.

    Threads: zapm_agent_new, the setters, zapm_agent_destroy must be called by
    one thread at a time (the agent's owner), like any czmq object. The custom
    metric calls, zapm_agent_status, zapm_agent_samples and zapm_agent_wait are
    safe from any thread. An agent still alive when the process exits is
    stopped by an exit handler; do not call exit () in one thread while another
    is inside a call on the same agent (the handler would free it underneath).

    Every field of a sample is described in docs/FIELDS.md.

    Configuration from the environment: each setting the code leaves unset
    (a NULL argument, a setter never called) is read from a variable, so an
    unmodified service can be pointed at a collector, secured or not. What
    the code sets always wins. An empty variable counts as unset.

        ZAPM_ENDPOINT      collector endpoint (default tcp://localhost:5555)
        ZAPM_NAME          service name (default: the program's name)
        ZAPM_COLOR         colour label (default: picked from the name and pid)
        ZAPM_INTERVAL      seconds between samples, 0.001 to 3600 (default 1)
        ZAPM_CURVE_SERVER  the collector's public key: the path of its public
                           certificate, or 40 Z85 characters (a path that
                           exists is always read as a file)
        ZAPM_CURVE_CERT    the agent's own certificate: PATH as written by
                           zapm-keygen, with PATH_secret beside it

    Security (docs/SECURITY.md): with a collector key and an own certificate
    the agent speaks CURVE (encrypted, and the collector admits only keys it
    lists). The two come together or not at all, and there is never a silent
    fallback to plaintext: a bad key, an unreadable or corrupt certificate, a
    missing _secret, or only one of the two makes the constructor fail. If
    the collector refuses the handshake (a key not, or no longer, in its
    allow-list), the agent says so (zapm_agent_link) and dials again after
    1 s, backing off to 30 s, so it is admitted once its certificate is
    added; samples meanwhile are dropped (their seq tells the collector).

    Output: the library writes nothing, except one line on stderr starting
    "zapm: " (secret keys are never printed) when a constructor refuses a
    setting (an endpoint, a variable, a CURVE key or certificate), and one
    when a collector refuses the agent's handshake, said once per collector
    and reason, not at every retry (zapm_agent_link gives the same sentence).
    Every other error is only an errno.

    Use (`pkg-config --cflags --libs libzapm`, or find_package (zapm) and the
    CMake target zapm::zapm; libzapm(3) is this header as a man page):

        zapm_agent_t *agent = zapm_agent_new ("tcp://collector:5555", "checkout");
        if (agent) {
            zapm_agent_set_system (agent, true);        //  optional
            ...
            zapm_agent_counter_add (agent, "orders", 1); //  from any thread
            ...
            zapm_agent_destroy (&agent);
        }
*/
#ifndef ZAPM_H
#define ZAPM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

//  Marks the library's API: the library is compiled with hidden visibility, so
//  only what carries this is exported (libzapm.so and libzapm.a define no other
//  global symbol that could collide with the host's).
#if defined(__GNUC__) || defined(__clang__)
#define ZAPM_EXPORT __attribute__ ((visibility ("default")))
#else
#define ZAPM_EXPORT
#endif

#define ZAPM_AGENT_INTERVAL_MIN     0.001  //  seconds
#define ZAPM_AGENT_INTERVAL_MAX     3600.0 //  seconds
#define ZAPM_AGENT_INTERVAL_DEFAULT 1.0    //  seconds
#define ZAPM_AGENT_ENDPOINT_MAX     1024   //  bytes in an endpoint
#define ZAPM_AGENT_NAME_MAX         255    //  bytes in a service name
#define ZAPM_AGENT_COLOR_MAX        64     //  bytes in a colour label

//  What the agent's sampling thread is doing (zapm_agent_status).
typedef enum {
    ZAPM_AGENT_RUNNING = 0, //  sampling and publishing
    ZAPM_AGENT_DONE = 1,    //  published the number of samples set by zapm_agent_set_count
    ZAPM_AGENT_GONE = 2     //  the sampled process (zapm_agent_set_pid) has ended
} zapm_agent_status_t;

//  Whether the collectors let the agent in (zapm_agent_link).
typedef enum {
    ZAPM_AGENT_WAITING = 0,  //  no collector has completed a handshake yet, and none refused
    ZAPM_AGENT_ACCEPTED = 1, //  a collector accepted the agent, and none stands refused
    ZAPM_AGENT_REFUSED = 2   //  a collector refused the latest handshake (see the reason)
} zapm_agent_link_t;

//  Bytes that hold any reason zapm_agent_link gives, with its NUL.
#define ZAPM_AGENT_REASON_MAX 1400

typedef struct _zapm_agent_t zapm_agent_t;

//  Creates an agent that samples the calling process and publishes to
//  `endpoint` (tcp://HOST:PORT, ipc://PATH or inproc://NAME, or several
//  separated by commas: every
//  sample then goes to each, and one that is down delays none of the others;
//  NULL means "tcp://localhost:5555") under the service name `name` (NULL
//  means the program's name); a NULL is taken from ZAPM_ENDPOINT or
//  ZAPM_NAME first when set, and ZAPM_COLOR, ZAPM_INTERVAL, ZAPM_CURVE_SERVER
//  and ZAPM_CURVE_CERT apply (see above). The first sample goes out one
//  interval (1 s by default) after this call. Returns NULL and sets errno
//  (EINVAL for a malformed endpoint, an empty element of the list, a name or
//  variable, or a name or colour holding a control character (C0, DEL or C1:
//  the collector refuses those samples), with a "zapm: " line naming it; see
//  zapm_agent_new_curve for the keys) on failure. The caller owns the agent
//  and frees it with zapm_agent_destroy.
ZAPM_EXPORT zapm_agent_t *zapm_agent_new (const char *endpoint, const char *name);

//  Creates an agent like zapm_agent_new whose connection to the collector is
//  encrypted and authenticated with CURVE, configured before the socket
//  connects. `server_key` is the collector's public key: the path of its
//  public certificate, or its 40 characters of Z85 (a value that names an
//  existing file is always read as the file); `cert` is the path of the
//  agent's own certificate (PATH from zapm-keygen, PATH_secret beside it).
//  A NULL for either is taken from ZAPM_CURVE_SERVER or ZAPM_CURVE_CERT;
//  both must end up set. Returns NULL with errno set on failure: EINVAL
//  for a malformed key, a file that is not a certificate or has no secret
//  key, or a missing half; the file's errno (ENOENT, EACCES...) when it
//  cannot be read; a "zapm: " line on stderr says which.
ZAPM_EXPORT zapm_agent_t *zapm_agent_new_curve (const char *endpoint, const char *name,
                                                const char *server_key, const char *cert);

//  Stops the sampling thread, closes the socket without lingering and frees
//  the agent; sets *self_p to NULL. Returns within 100 ms whether or not a
//  collector is reachable. Harmless on a NULL pointer.
ZAPM_EXPORT void zapm_agent_destroy (zapm_agent_t **self_p);

//  Sets the `color` label of every following sample (any string, e.g. a CSS
//  colour as in the book's dashboard). The default is picked from a small
//  palette by the agent's name and pid. Returns 0, or -1 with errno EINVAL
//  for NULL, "", a string longer than ZAPM_AGENT_COLOR_MAX bytes or one that
//  holds a control character (C0, DEL or C1; the collector refuses those).
ZAPM_EXPORT int zapm_agent_set_color (zapm_agent_t *self, const char *color);

//  Sets the time between samples, in seconds, from 0.001 to 3600; the next
//  sample is one new interval from now. Below about 10 ms the timer is best
//  effort. Returns 0, or -1 with errno EINVAL when out of range.
ZAPM_EXPORT int zapm_agent_set_interval (zapm_agent_t *self, double seconds);

//  Samples process `pid` instead of the calling process (0 means the calling
//  process again). When that process ends the agent stops publishing and its
//  status becomes ZAPM_AGENT_GONE. Returns 0, or -1 with errno ESRCH when no
//  such process exists, EINVAL when pid is negative.
ZAPM_EXPORT int zapm_agent_set_pid (zapm_agent_t *self, pid_t pid);

//  Turns the process metrics (`proc`, and `cpu`/`mem` from the process) on
//  or off; on by default. With process metrics off, system metrics must be on.
//  Returns 0, or -1 with errno EINVAL if nothing would be left to sample.
ZAPM_EXPORT int zapm_agent_set_process (zapm_agent_t *self, bool enabled);

//  Turns the system metrics (`sys`) on or off; off by default. Returns 0, or
//  -1 with errno EINVAL if nothing would be left to sample.
ZAPM_EXPORT int zapm_agent_set_system (zapm_agent_t *self, bool enabled);

//  Turns on USS and PSS (`proc.uss`, `proc.pss`), read from
//  /proc/<pid>/smaps_rollup. Off by default: the kernel walks every mapping
//  of the process for it, which costs tens of microseconds and stalls very
//  large processes. Returns 0.
ZAPM_EXPORT int zapm_agent_set_smaps (zapm_agent_t *self, bool enabled);

//  Stops publishing after `count` more samples in total have been taken
//  (counting from seq 0); 0 means never stop (the default). Once reached the
//  status is ZAPM_AGENT_DONE. Returns 0.
ZAPM_EXPORT int zapm_agent_set_count (zapm_agent_t *self, uint64_t count);

//  Sets gauge `name` to `value`, published under `custom` in every following
//  sample. Names are 1 to 64 bytes of [A-Za-z0-9_.:-]; an agent holds at most
//  64 custom metrics (gauges and counters share one table). Safe from any
//  thread. Returns 0, or -1 with errno EINVAL (bad name, value not finite) or
//  ENOSPC (table full).
ZAPM_EXPORT int zapm_agent_gauge_set (zapm_agent_t *self, const char *name, double value);

//  Adds `delta` to counter `name` (created at 0 on first use), with the same
//  name rules, limits and thread safety as zapm_agent_gauge_set. Returns 0, or
//  -1 with errno EINVAL (bad name, delta or sum not finite) or ENOSPC.
ZAPM_EXPORT int zapm_agent_counter_add (zapm_agent_t *self, const char *name, double delta);

//  Returns the agent's status (zapm_agent_status_t). Safe from any thread.
ZAPM_EXPORT int zapm_agent_status (zapm_agent_t *self);

//  Returns how many samples the agent has taken so far, i.e. the next `seq`.
//  A sample counts whether or not a collector received it. Safe from any thread.
ZAPM_EXPORT uint64_t zapm_agent_samples (zapm_agent_t *self);

//  Says whether the collectors let the agent in (zapm_agent_link_t), from the
//  handshakes its socket has seen: ZAPM_AGENT_REFUSED while a collector's
//  latest handshake refused it, and then, when `reason` is not NULL, one
//  sentence in reason[size] naming the collector, why and what to do (the
//  line the library also wrote to stderr), e.g. "the collector at
//  tcp://host:5555 refused this agent's key (ZAP status 400): add this
//  agent's public certificate to the collector's --curve-allow directory";
//  "" otherwise. ZAPM_AGENT_REASON_MAX bytes hold any reason. The reasons:
//  a CURVE key not in the collector's allow-list, a plaintext address not in
//  its --plaintext-from, CURVE on one side only, a collector key that is not
//  the collector's (its handshake dropped twice in a row). A later accepted
//  handshake with that collector clears it. Safe from any thread.
ZAPM_EXPORT int zapm_agent_link (zapm_agent_t *self, char *reason, size_t size);

//  Returns how many handshakes with a collector have succeeded so far (0: no
//  collector has ever accepted this agent, and no sample has reached one).
//  Safe from any thread.
ZAPM_EXPORT uint64_t zapm_agent_accepted (zapm_agent_t *self);

//  Waits up to `timeout_ms` milliseconds (-1: forever) for the agent to stop
//  sampling (ZAPM_AGENT_DONE or ZAPM_AGENT_GONE) and returns its status then,
//  ZAPM_AGENT_RUNNING on timeout. Safe from any thread.
ZAPM_EXPORT int zapm_agent_wait (zapm_agent_t *self, int timeout_ms);

#ifdef __cplusplus
}
#endif

#endif
