"""zapm-agent --pidof and --pid-file follow a service across restarts (issue 12).

The "service" is /bin/sleep started through a symlink with a unique name, so
its /proc/PID/comm is that name. It is killed and started again; the agent
must go on sampling the new process as a new series, logging each switch.
"""

import os
import random
import signal
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import zapmtest as z  # noqa: E402
from zapmtest import case, check, log  # noqa: E402


class Service:
    """A stand-in service: `sleep` under a unique command name, restartable."""

    def __init__(self, procs, long_name=False):
        self.dir = tempfile.mkdtemp(prefix="zapm-follow-")
        # Within comm's 15 bytes, or longer: then comm holds only its first 15.
        self.name = ("zapm-follow-long-%08d" if long_name else "zf%08d") % random.randrange(10 ** 8)
        self.path = os.path.join(self.dir, self.name)
        os.symlink("/bin/sleep", self.path)
        self.pid_file = os.path.join(self.dir, "service.pid")
        self.proc = None
        procs.own(self)

    def start(self):
        self.proc = subprocess.Popen([self.path, "120"], stdin=subprocess.DEVNULL)
        with open(self.pid_file + ".tmp", "w") as f:
            f.write("%d\n" % self.proc.pid)
        os.rename(self.pid_file + ".tmp", self.pid_file)
        return self.proc.pid

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(5)

    def close(self):
        if self.proc and self.proc.poll() is None:
            self.kill()
        for f in (self.path, self.pid_file):
            if os.path.lexists(f):
                os.unlink(f)
        os.rmdir(self.dir)


def up(col, name, pid):
    """zapm_agent_up of series name@host:pid on /metrics, or None."""
    _, _, body = col.get("/metrics")
    prefix = 'zapm_agent_up{agent="%s",host="%s",pid="%d"' % (name, os.uname().nodename, pid)
    for line in body.decode().splitlines():
        if line.startswith(prefix):
            return float(line.rpartition(" ")[2])
    return None


def follow(procs, flag_for):
    col = procs.collector()
    service = Service(procs)
    flag = flag_for(service)
    agent = procs.start([z.BIN.agent, "--connect", col.endpoint, *flag, "--poll", "0.1",
                         "--interval", "0.1", "--name", service.name],
                        name="zapm-agent[follow]")
    # No process yet: the agent waits for one.
    z.wait_until(lambda: "yet; looking every 0.1 s" in agent.output(), 5, "the waiting line")
    first = service.start()
    z.wait_until(lambda: up(col, service.name, first) == 1, 5, "the first process sampled")
    for restart in range(2):
        old = service.proc.pid
        service.kill()
        z.time.sleep(0.3)  # a moment with no process at all
        check(agent.alive(), "zapm-agent exited when pid %d was killed:\n%s", old, agent.output())
        new = service.start()
        z.wait_until(lambda: up(col, service.name, new) == 1, 5,
                     "the successor %d sampled" % new)
        z.wait_until(lambda: up(col, service.name, old) == 0, 5, "pid %d's series left" % old)
        out = agent.output()
        check("pid %d (%s) exited after" % (old, service.name) in out,
              "no exit line for pid %d:\n%s", old, out)
        check("now sampling pid %d (%s), the successor of pid %d" % (new, service.name, old)
              in out, "no switch line for %d -> %d:\n%s", old, new, out)
        log("restart %d: pid %d -> %d", restart + 1, old, new)
    check(agent.alive(), "zapm-agent exited:\n%s", agent.output())
    lines = [l for l in agent.output().splitlines() if l.startswith("zapm-agent:")]
    check(len(lines) == 6, "one line per event expected, got:\n%s", "\n".join(lines))


@case
def follow_pidof(procs):
    """--pidof NAME waits for NAME, samples it, and follows it through two restarts."""
    follow(procs, lambda service: ["--pidof", service.name])


@case
def follow_pid_file(procs):
    """--pid-file FILE follows the pid the file names through two restarts."""
    follow(procs, lambda service: ["--pid-file", service.pid_file])


@case
def follow_pidof_long_name(procs):
    """--pidof NAME longer than comm's 15 bytes matches by the command line, as pidof does."""
    col = procs.collector()
    service = Service(procs, long_name=True)
    pid = service.start()
    procs.start([z.BIN.agent, "--connect", col.endpoint, "--pidof", service.name, "--poll", "0.1",
                 "--interval", "0.1"], name="zapm-agent[long]")
    # The default --name is NAME itself, not the truncated comm.
    z.wait_until(lambda: up(col, service.name, pid) == 1, 5, "the long-named process sampled")
    log("%s (comm %r) found as pid %d", service.name, service.name[:15], pid)


@case
def follow_pid_exits(procs):
    """--pid keeps its behaviour: when that process ends, one line and exit 0."""
    col = procs.collector()
    service = Service(procs)
    pid = service.start()
    agent = procs.start([z.BIN.agent, "--connect", col.endpoint, "--pid", pid,
                         "--interval", "0.1"], name="zapm-agent[pid]")
    z.wait_until(lambda: up(col, service.name, pid) == 1, 5, "the process sampled")
    service.kill()
    check(agent.popen.wait(5 * z.SLOW) == 0, "zapm-agent --pid did not exit 0")
    check("process %d (%s) exited" % (pid, service.name) in agent.output(),
          "exit line: %r", agent.output())


z.run()
