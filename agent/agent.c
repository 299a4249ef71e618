/*  agent.c: the zapm agent, a czmq actor that samples and publishes.

    Threads and ownership:
    - The owner thread creates the agent, calls the setters and destroys it.
      Setters are requests over the actor's pipe, answered with (rc, errno),
      so every piece of sampling state belongs to the actor's thread alone.
    - Service threads only touch the custom metric table (its own mutex) and
      the status words below (the agent's mutex and condition variable).
    - The actor thread owns the PUB socket, the samplers and the encoder. Its
      loop is one zmq_poll on the pipe and the PUB socket's monitor (redial.h)
      with the time left until the next tick.

    Never harm the host:
    - zsys_handler_set (NULL) runs before czmq creates anything, so czmq does
      not install its SIGINT/SIGTERM handlers in the service, and the
      agent's threads start with asynchronous signals blocked, so none of
      the host's signals is delivered to them.
    - Sends are ZMQ_DONTWAIT and dropped when they would block; with
      ZMQ_IMMEDIATE no frames queue for a collector that is not connected, so
      there is no stale burst after an outage and memory stays flat.
    - LINGER 0: destroying the agent never waits for the network.
    - A host that exits without destroying its agent must not crash: czmq's
      own exit handler (zsys_shutdown) asserts on sockets still open. So the
      library keeps a list of live agents and registers, after czmq has
      registered its handler, an exit handler that stops their actors
      first (exit handlers run in reverse order).
    - Nothing is allocated per sample: the frame, the samples and the custom
      metric snapshot live in the actor's state.
*/
#include "zapm.h"

#include "agent_options.h"
#include "custom_metrics.h"
#include "proc_sampler.h"
#include "redial.h"
#include "sample_encoder.h"
#include "sys_sampler.h"
#include "clock.h"
#include "utf8.h"
#include "wire.h"

#include <czmq.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

//  The library's colour limit is the wire's: what an agent may send, the
//  collector and the page take as a colour.
_Static_assert(ZAPM_AGENT_COLOR_MAX == ZAPM_COLOR_MAX, "colour limits differ");

#define S_SNDHWM               16    //  frames queued per connected collector
#define S_RECONNECT_MS         100   //  first reconnection attempt
#define S_RECONNECT_MAX_MS     10000 //  reconnection back-off ceiling
#define S_HEARTBEAT_MS         5000  //  ZMTP PING interval
#define S_HEARTBEAT_TIMEOUT_MS 15000 //  no traffic for this long: reconnect

struct _zapm_agent_t {
    zactor_t *actor;                    //  the sampling thread
    custom_metrics_t *custom;           //  gauges and counters, any thread
    pthread_mutex_t mutex;              //  guards status, samples
    pthread_cond_t cond;                //  signalled when status changes
    int status;                         //  zapm_agent_status_t
    uint64_t samples;                   //  samples taken, the next seq
    uint64_t accepted;                  //  handshakes that succeeded (redial_accepted)
    char reason[ZAPM_AGENT_REASON_MAX]; // why a collector refused, "" when none stands refused
    atomic_int init_errno;              //  set by the actor if it could not start (see s_actor)
    agent_options_t options;            //  endpoint, name, keys: fixed at start
    zapm_agent_t *next;                 //  in the list of live agents
};

//  Live agents, stopped by s_at_exit if the host exits without destroying them.
static pthread_mutex_t s_live_mutex = PTHREAD_MUTEX_INITIALIZER;
static zapm_agent_t *s_live = NULL;
static bool s_at_exit_registered = false;

//  The actor's own state; only its thread touches it.
typedef struct {
    zapm_agent_t *agent;                     //  shared parts (custom, status)
    zsock_t *pipe;                           //  commands from the owner
    zsock_t *pub;                            //  publishes frames
    void *pub_handle;                        //  libzmq handle of pub, for zmq_send
    redial_t *redial;                        //  dials again after a refused handshake
    proc_sampler_t *proc;                    //  NULL when process metrics are off or gone
    sys_sampler_t *sys;                      //  NULL when system metrics are off
    sample_encoder_t *encoder;               //  prints frames
    pid_t pid;                               //  0: the host process
    bool process;                            //  process metrics on
    bool system;                             //  system metrics on
    bool smaps;                              //  uss/pss on
    bool sampling;                           //  false once done or the process is gone
    bool gone;                               //  the sampled process has ended
    int64_t interval_ns;                     //  between samples
    int64_t next_ns;                         //  monotonic time of the next sample
    uint64_t seq;                            //  next sample number
    uint64_t count;                          //  stop after this many samples, 0 never
    char host[256];                          //  gethostname
    char color[ZAPM_AGENT_COLOR_MAX + 1];    //  colour label
    proc_sample_t proc_sample;               //  last process sample
    sys_sample_t sys_sample;                 //  last system sample
    custom_metric_t custom[ZAPM_CUSTOM_MAX]; //  snapshot of custom metrics
    char frame[ZAPM_WIRE_MAX_BYTES];         //  encoded sample
} s_actor_t;

//  Sets the shared status and wakes zapm_agent_wait callers.
static void
s_set_status (zapm_agent_t *agent, int status, uint64_t samples)
{
    pthread_mutex_lock (&agent->mutex);
    agent->status = status;
    agent->samples = samples;
    pthread_cond_broadcast (&agent->cond);
    pthread_mutex_unlock (&agent->mutex);
}

//  Reads the handshake events; a new refusal is said once, on stderr (the
//  library's one line after start, zapm.h), and every verdict is shared.
static void
s_watch_link (s_actor_t *self)
{
    bool news = redial_handle (self->redial, clock_mono_ns ());
    const char *reason = redial_reason (self->redial);
    if (news && reason)
        fprintf (stderr, "zapm: %s\n", reason);
    zapm_agent_t *agent = self->agent;
    pthread_mutex_lock (&agent->mutex);
    agent->accepted = redial_accepted (self->redial);
    snprintf (agent->reason, sizeof agent->reason, "%s", reason ? reason : "");
    pthread_mutex_unlock (&agent->mutex);
}

//  A default colour from the name and pid, so that two agents on one chart
//  usually differ without anyone choosing.
static void
s_default_color (s_actor_t *self)
{
    static const char *palette[] = {"royalblue", "crimson", "seagreen",  "darkorange",
                                    "purple",    "teal",    "goldenrod", "deeppink"};
    uint32_t hash = 2166136261u;
    for (const char *p = self->agent->options.name; *p; p++)
        hash = (hash ^ (uint8_t) *p) * 16777619u;
    hash ^= (uint32_t) getpid ();
    snprintf (self->color, sizeof self->color, "%s",
              palette[hash % (sizeof palette / sizeof palette[0])]);
}

//  Rebuilds the encoder's fixed prefix after the pid or colour changed.
static void
s_update_identity (s_actor_t *self)
{
    pid_t pid = self->proc ? proc_sampler_pid (self->proc) : (self->pid ? self->pid : getpid ());
    sample_encoder_set_identity (self->encoder, self->agent->options.name, self->host, self->color,
                                 pid);
}

//  Opens (and primes) the samplers the configuration asks for. Priming takes
//  the baseline for CPU percentages, so the first published sample already
//  covers a whole interval. Returns 0, or -1 with errno if the process does
//  not exist.
static int
s_open_samplers (s_actor_t *self)
{
    proc_sampler_destroy (&self->proc);
    sys_sampler_destroy (&self->sys);
    if (self->process) {
        self->proc = proc_sampler_new (self->pid, self->smaps);
        if (!self->proc || proc_sampler_read (self->proc, &self->proc_sample) < 0) {
            proc_sampler_destroy (&self->proc);
            errno = ESRCH;
            return -1;
        }
    }
    if (self->system) {
        self->sys = sys_sampler_new ();
        if (self->sys)
            sys_sampler_read (self->sys, &self->sys_sample);
    }
    s_update_identity (self);
    return 0;
}

static void
s_restart_timer (s_actor_t *self)
{
    self->next_ns = clock_mono_ns () + self->interval_ns;
}

//  Derives whether to sample from gone, count and seq, and publishes the status.
static void
s_update_sampling (s_actor_t *self)
{
    self->sampling = !self->gone && (self->count == 0 || self->seq < self->count);
    int status = self->gone       ? ZAPM_AGENT_GONE
                 : self->sampling ? ZAPM_AGENT_RUNNING
                                  : ZAPM_AGENT_DONE;
    s_set_status (self->agent, status, self->seq);
}

//  Takes one sample and hands it to the socket; drops it if it would block.
static void
s_sample (s_actor_t *self)
{
    zapm_agent_t *agent = self->agent;
    sample_parts_t parts = {0};
    if (self->proc) {
        if (proc_sampler_read (self->proc, &self->proc_sample) < 0) {
            //  The process ended: the stream ends here. The owner learns it
            //  from the status; the library itself prints nothing.
            proc_sampler_destroy (&self->proc);
            self->gone = true;
            s_update_sampling (self);
            return;
        }
        parts.proc = &self->proc_sample;
    }
    if (self->sys) {
        sys_sampler_read (self->sys, &self->sys_sample);
        parts.sys = &self->sys_sample;
    }
    parts.seq = self->seq;
    parts.wall_ns = clock_wall_ns ();
    parts.interval = (double) self->interval_ns / 1e9;
    parts.custom = self->custom;
    parts.ncustom = custom_metrics_snapshot (agent->custom, self->custom, ZAPM_CUSTOM_MAX);
    size_t len = sample_encoder_encode (self->encoder, &parts, self->frame, sizeof self->frame);
    if (len > 0)
        zmq_send (self->pub_handle, self->frame, len, ZMQ_DONTWAIT);
    self->seq++;
    s_update_sampling (self);
}

//  Answers the owner: rc and errno.
static void
s_reply (s_actor_t *self, int rc, int err)
{
    zsock_send (self->pipe, "ii", rc, rc == 0 ? 0 : err);
}

//  Handles one command from the owner: (name, number, text) in czmq's
//  picture "s8s", the number and the text as the command needs them.
//  Returns false on $TERM.
static bool
s_command (s_actor_t *self)
{
    char *command = NULL, *text = NULL;
    uint64_t number = 0;
    if (zsock_recv (self->pipe, "s8s", &command, &number, &text) < 0 || !command ||
        streq (command, "$TERM")) {
        zstr_free (&command);
        zstr_free (&text);
        return false;
    }
    if (streq (command, "COLOR") && text) {
        snprintf (self->color, sizeof self->color, "%s", text);
        s_update_identity (self);
        s_reply (self, 0, 0);
    }
    else if (streq (command, "INTERVAL")) {
        self->interval_ns = (int64_t) number;
        s_restart_timer (self);
        s_reply (self, 0, 0);
    }
    else if (streq (command, "COUNT")) {
        self->count = number;
        bool was_sampling = self->sampling;
        s_update_sampling (self);
        if (self->sampling && !was_sampling)
            s_restart_timer (self);
        s_reply (self, 0, 0);
    }
    else {
        //  PID, PROCESS, SYSTEM, SMAPS: reopen the samplers, undo on failure.
        pid_t pid = self->pid;
        bool process = self->process, system = self->system, smaps = self->smaps;
        bool known = true;
        if (streq (command, "PID"))
            self->pid = (pid_t) number;
        else if (streq (command, "PROCESS"))
            self->process = number != 0;
        else if (streq (command, "SYSTEM"))
            self->system = number != 0;
        else if (streq (command, "SMAPS"))
            self->smaps = number != 0;
        else
            known = false;
        int rc = -1, err = EINVAL;
        if (known && (self->process || self->system)) {
            rc = s_open_samplers (self);
            err = errno;
        }
        if (rc < 0) {
            self->pid = pid;
            self->process = process;
            self->system = system;
            self->smaps = smaps;
            if (known && s_open_samplers (self) < 0) {
                self->gone = true; //  the old process has ended meanwhile
                s_update_sampling (self);
            }
        }
        else {
            self->gone = false;
            s_update_sampling (self);
            s_restart_timer (self);
        }
        s_reply (self, rc, err);
    }
    zstr_free (&command);
    zstr_free (&text);
    return true;
}

//  Creates the PUB socket with the options that keep the host safe.
static int
s_open_socket (s_actor_t *self)
{
    self->pub = zsock_new (ZMQ_PUB);
    if (!self->pub)
        return -1;
    zsock_set_immediate (self->pub, 1);
    zsock_set_sndhwm (self->pub, S_SNDHWM);
    zsock_set_linger (self->pub, 0);
    zsock_set_sndtimeo (self->pub, 0);
    zsock_set_reconnect_ivl (self->pub, S_RECONNECT_MS);
    zsock_set_reconnect_ivl_max (self->pub, S_RECONNECT_MAX_MS);
    zsock_set_heartbeat_ivl (self->pub, S_HEARTBEAT_MS);
    zsock_set_heartbeat_timeout (self->pub, S_HEARTBEAT_TIMEOUT_MS);
    zsock_set_heartbeat_ttl (self->pub, S_HEARTBEAT_TIMEOUT_MS);
    //  CURVE before connect, or the first handshake would be in plaintext.
    agent_options_t *options = &self->agent->options;
    void *handle = zsock_resolve (self->pub);
    int server = 0;
    if (options->curve &&
        (zmq_setsockopt (handle, ZMQ_CURVE_SERVER, &server, sizeof server) != 0 ||
         zmq_setsockopt (handle, ZMQ_CURVE_SERVERKEY, options->server_key, CERT_KEY_BYTES) != 0 ||
         zmq_setsockopt (handle, ZMQ_CURVE_PUBLICKEY, options->cert.public_key, CERT_KEY_BYTES) !=
             0 ||
         zmq_setsockopt (handle, ZMQ_CURVE_SECRETKEY, options->cert.secret_key, CERT_KEY_BYTES) !=
             0))
        return -1; //  errno from libzmq (no CURVE in this build: EINVAL)
    agent_options_forget_secret (options);
    //  Watch the handshakes before the first connect, or the first verdict
    //  could come before the monitor listens.
    self->pub_handle = handle;
    self->redial = redial_new (zsys_init (), handle, options->curve);
    if (!self->redial)
        return -1;
    //  One PUB, connected to every collector of the list: libzmq keeps a queue
    //  per connected collector, so one that is down (no connection, and
    //  ZMQ_IMMEDIATE) or slow (its queue full) delays none of the others.
    //  The list was checked (endpoint.h); libzmq may still refuse one.
    char endpoints[ZAPM_AGENT_ENDPOINT_MAX + 1];
    snprintf (endpoints, sizeof endpoints, "%s", options->endpoint);
    char *saved = NULL;
    for (char *one = strtok_r (endpoints, ",", &saved); one; one = strtok_r (NULL, ",", &saved))
        if (zmq_connect (handle, one) != 0) {
            int err = errno;
            fprintf (stderr, "zapm: cannot connect to '%s': %s\n", one, zmq_strerror (err));
            errno = err;
            return -1;
        }
    return 0;
}

static void
s_actor_destroy (s_actor_t **self_p)
{
    s_actor_t *self = *self_p;
    if (!self)
        return;
    redial_destroy (&self->redial);
    zsock_destroy (&self->pub);
    proc_sampler_destroy (&self->proc);
    sys_sampler_destroy (&self->sys);
    sample_encoder_destroy (&self->encoder);
    free (self);
    *self_p = NULL;
}

static s_actor_t *
s_actor_new (zsock_t *pipe, zapm_agent_t *agent)
{
    s_actor_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->agent = agent;
    self->pipe = pipe;
    self->process = true;
    self->sampling = true;
    self->interval_ns = (int64_t) (ZAPM_AGENT_INTERVAL_DEFAULT * 1e9);
    if (gethostname (self->host, sizeof self->host) < 0 || !self->host[0])
        snprintf (self->host, sizeof self->host, "localhost");
    self->host[sizeof self->host - 1] = '\0';
    if (agent->options.color[0])
        snprintf (self->color, sizeof self->color, "%s", agent->options.color);
    else
        s_default_color (self);
    if (agent->options.interval > 0)
        self->interval_ns = (int64_t) llround (agent->options.interval * 1e9);
    self->encoder = sample_encoder_new ();
    if (!self->encoder || s_open_socket (self) < 0 || s_open_samplers (self) < 0) {
        int err = errno ? errno : ENOMEM;
        s_actor_destroy (&self);
        errno = err;
        return NULL;
    }
    return self;
}

//  The actor's body: set up, signal the owner, then poll until $TERM.
static void
s_actor (zsock_t *pipe, void *args)
{
    zapm_agent_t *agent = (zapm_agent_t *) args;
    pthread_setname_np (pthread_self (), "zapm-agent"); //  as top -H and gdb show it
    s_actor_t *self = s_actor_new (pipe, agent);
    if (!self) {
        //  Read by zapm_agent_new once zactor_new returns: the signal below
        //  orders the two, but through libzmq's pipe, which ThreadSanitizer
        //  cannot see into; an atomic says so in C.
        atomic_store (&agent->init_errno, errno ? errno : EINVAL);
        zsock_signal (pipe, 0);
        //  Stay until the owner says $TERM, as every actor must.
        char *command;
        while ((command = zstr_recv (pipe)) != NULL) {
            bool term = streq (command, "$TERM");
            zstr_free (&command);
            if (term)
                break;
        }
        return;
    }
    zsock_signal (pipe, 0);
    s_restart_timer (self);
    zmq_pollitem_t items[] = {{zsock_resolve (pipe), 0, ZMQ_POLLIN, 0},
                              {redial_socket (self->redial), 0, ZMQ_POLLIN, 0}};
    while (true) {
        int64_t next = redial_due (self->redial);
        if (self->sampling && self->next_ns < next)
            next = self->next_ns;
        long timeout = -1;
        if (next != INT64_MAX) {
            int64_t left = next - clock_mono_ns ();
            timeout = left <= 0 ? 0 : (long) ((left + 999999) / 1000000);
        }
        int rc = zmq_poll (items, 2, timeout);
        if (rc < 0 && errno != EINTR)
            break;
        if (rc > 0 && (items[0].revents & ZMQ_POLLIN) && !s_command (self))
            break;
        if (rc > 0 && (items[1].revents & ZMQ_POLLIN))
            s_watch_link (self);
        redial_tick (self->redial, clock_mono_ns ());
        if (!self->sampling)
            continue;
        int64_t now = clock_mono_ns ();
        if (now >= self->next_ns) {
            s_sample (self);
            //  Keep the phase; after a stall, take one sample and move on
            //  rather than bursting to catch up.
            self->next_ns += self->interval_ns;
            if (self->next_ns <= now)
                self->next_ns = now + self->interval_ns;
        }
    }
    s_actor_destroy (&self);
}

//  At exit: stop every live actor before czmq's zsys_shutdown looks for
//  open sockets. The agents themselves stay allocated; a later
//  zapm_agent_destroy still frees them, and other calls fail with ECANCELED.
static void
s_at_exit (void)
{
    pthread_mutex_lock (&s_live_mutex);
    for (zapm_agent_t *agent = s_live; agent; agent = agent->next)
        zactor_destroy (&agent->actor);
    pthread_mutex_unlock (&s_live_mutex);
}

static void
s_live_add (zapm_agent_t *self)
{
    pthread_mutex_lock (&s_live_mutex);
    self->next = s_live;
    s_live = self;
    if (!s_at_exit_registered)
        s_at_exit_registered = atexit (s_at_exit) == 0;
    pthread_mutex_unlock (&s_live_mutex);
}

static void
s_live_remove (zapm_agent_t *self)
{
    pthread_mutex_lock (&s_live_mutex);
    for (zapm_agent_t **link = &s_live; *link; link = &(*link)->next)
        if (*link == self) {
            *link = self->next;
            break;
        }
    pthread_mutex_unlock (&s_live_mutex);
}

//  Both constructors: settings from the arguments, else the environment.
static zapm_agent_t *
s_agent_new (const char *endpoint, const char *name, const char *server_key, const char *cert,
             bool want_curve)
{
    //  Before anything creates a czmq socket: no signal handlers in the host.
    zsys_handler_set (NULL);
    if ((endpoint && (!*endpoint || strlen (endpoint) > ZAPM_AGENT_ENDPOINT_MAX)) ||
        (name && (!*name || strlen (name) > ZAPM_AGENT_NAME_MAX))) {
        errno = EINVAL;
        return NULL;
    }
    zapm_agent_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    if (agent_options_resolve (&self->options, endpoint, name, server_key, cert, want_curve) < 0) {
        int err = errno;
        free (self);
        errno = err;
        return NULL;
    }
    pthread_condattr_t attr;
    pthread_condattr_init (&attr);
    pthread_condattr_setclock (&attr, CLOCK_MONOTONIC);
    pthread_cond_init (&self->cond, &attr);
    pthread_condattr_destroy (&attr);
    pthread_mutex_init (&self->mutex, NULL);
    self->custom = custom_metrics_new ();
    if (self->custom) {
        //  Threads inherit the creator's signal mask: create ours (and, on
        //  first use, libzmq's) with every asynchronous signal blocked, so
        //  the host's signals never land on them. A host that blocks signals
        //  to sigwait for them in one thread keeps receiving them there.
        sigset_t all, saved;
        sigfillset (&all);
        int synchronous[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT, SIGSYS};
        for (size_t i = 0; i < sizeof synchronous / sizeof synchronous[0]; i++)
            sigdelset (&all, synchronous[i]);
        pthread_sigmask (SIG_BLOCK, &all, &saved);
        self->actor = zactor_new (s_actor, self);
        pthread_sigmask (SIG_SETMASK, &saved, NULL);
    }
    int init_errno = atomic_load (&self->init_errno);
    if (!self->actor || init_errno) {
        int err = init_errno ? init_errno : ENOMEM;
        zapm_agent_destroy (&self);
        errno = err;
        return NULL;
    }
    //  After zactor_new, so czmq's exit handler is registered before ours.
    s_live_add (self);
    return self;
}

zapm_agent_t *
zapm_agent_new (const char *endpoint, const char *name)
{
    return s_agent_new (endpoint, name, NULL, NULL, false);
}

zapm_agent_t *
zapm_agent_new_curve (const char *endpoint, const char *name, const char *server_key,
                      const char *cert)
{
    return s_agent_new (endpoint, name, server_key, cert, true);
}

void
zapm_agent_destroy (zapm_agent_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zapm_agent_t *self = *self_p;
    s_live_remove (self);
    zactor_destroy (&self->actor);
    custom_metrics_destroy (&self->custom);
    agent_options_forget_secret (&self->options);
    pthread_cond_destroy (&self->cond);
    pthread_mutex_destroy (&self->mutex);
    free (self);
    *self_p = NULL;
}

//  Sends (command, number, text) to the actor and returns its answer, setting errno.
static int
s_request (zapm_agent_t *self, const char *command, uint64_t number, const char *text)
{
    if (!self->actor) {
        errno = ECANCELED; //  stopped by s_at_exit
        return -1;
    }
    if (zsock_send (self->actor, "s8s", command, number, text ? text : "") < 0) {
        errno = EIO;
        return -1;
    }
    int rc = -1, err = EIO;
    if (zsock_recv (self->actor, "ii", &rc, &err) < 0) {
        errno = EIO;
        return -1;
    }
    if (rc < 0)
        errno = err;
    return rc;
}

int
zapm_agent_set_color (zapm_agent_t *self, const char *color)
{
    assert (self);
    if (!color || !*color || strlen (color) > ZAPM_AGENT_COLOR_MAX || utf8_find_control (color)) {
        errno = EINVAL;
        return -1;
    }
    return s_request (self, "COLOR", 0, color);
}

int
zapm_agent_set_interval (zapm_agent_t *self, double seconds)
{
    assert (self);
    if (!isfinite (seconds) || seconds < ZAPM_AGENT_INTERVAL_MIN ||
        seconds > ZAPM_AGENT_INTERVAL_MAX) {
        errno = EINVAL;
        return -1;
    }
    return s_request (self, "INTERVAL", (uint64_t) llround (seconds * 1e9), NULL);
}

int
zapm_agent_set_pid (zapm_agent_t *self, pid_t pid)
{
    assert (self);
    if (pid < 0) {
        errno = EINVAL;
        return -1;
    }
    return s_request (self, "PID", (uint64_t) pid, NULL);
}

int
zapm_agent_set_process (zapm_agent_t *self, bool enabled)
{
    assert (self);
    return s_request (self, "PROCESS", enabled, NULL);
}

int
zapm_agent_set_system (zapm_agent_t *self, bool enabled)
{
    assert (self);
    return s_request (self, "SYSTEM", enabled, NULL);
}

int
zapm_agent_set_smaps (zapm_agent_t *self, bool enabled)
{
    assert (self);
    return s_request (self, "SMAPS", enabled, NULL);
}

int
zapm_agent_set_count (zapm_agent_t *self, uint64_t count)
{
    assert (self);
    return s_request (self, "COUNT", count, NULL);
}

int
zapm_agent_gauge_set (zapm_agent_t *self, const char *name, double value)
{
    if (!self) {
        errno = EINVAL;
        return -1;
    }
    return custom_metrics_gauge_set (self->custom, name, value);
}

int
zapm_agent_counter_add (zapm_agent_t *self, const char *name, double delta)
{
    if (!self) {
        errno = EINVAL;
        return -1;
    }
    return custom_metrics_counter_add (self->custom, name, delta);
}

int
zapm_agent_status (zapm_agent_t *self)
{
    assert (self);
    pthread_mutex_lock (&self->mutex);
    int status = self->status;
    pthread_mutex_unlock (&self->mutex);
    return status;
}

uint64_t
zapm_agent_samples (zapm_agent_t *self)
{
    assert (self);
    pthread_mutex_lock (&self->mutex);
    uint64_t samples = self->samples;
    pthread_mutex_unlock (&self->mutex);
    return samples;
}

int
zapm_agent_link (zapm_agent_t *self, char *reason, size_t size)
{
    assert (self);
    pthread_mutex_lock (&self->mutex);
    int link = self->reason[0]  ? ZAPM_AGENT_REFUSED
               : self->accepted ? ZAPM_AGENT_ACCEPTED
                                : ZAPM_AGENT_WAITING;
    if (reason && size > 0)
        snprintf (reason, size, "%s", self->reason);
    pthread_mutex_unlock (&self->mutex);
    return link;
}

uint64_t
zapm_agent_accepted (zapm_agent_t *self)
{
    assert (self);
    pthread_mutex_lock (&self->mutex);
    uint64_t accepted = self->accepted;
    pthread_mutex_unlock (&self->mutex);
    return accepted;
}

int
zapm_agent_wait (zapm_agent_t *self, int timeout_ms)
{
    assert (self);
    struct timespec deadline;
    clock_gettime (CLOCK_MONOTONIC, &deadline);
    if (timeout_ms > 0) {
        deadline.tv_sec += timeout_ms / 1000;
        deadline.tv_nsec += (long) (timeout_ms % 1000) * 1000000;
        if (deadline.tv_nsec >= 1000000000) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000;
        }
    }
    pthread_mutex_lock (&self->mutex);
    while (self->status == ZAPM_AGENT_RUNNING && timeout_ms != 0) {
        if (timeout_ms < 0)
            pthread_cond_wait (&self->cond, &self->mutex);
        else if (pthread_cond_timedwait (&self->cond, &self->mutex, &deadline) == ETIMEDOUT)
            break;
    }
    int status = self->status;
    pthread_mutex_unlock (&self->mutex);
    return status;
}
