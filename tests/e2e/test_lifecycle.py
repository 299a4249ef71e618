"""Shutdown: SIGTERM with a /feed client connected ends the stream and exits 0 fast."""

import signal
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import zapmtest as z  # noqa: E402
from zapmtest import case, check, log


@case
def sigterm_with_client(procs):
    col = procs.collector()
    procs.agent(col.endpoint, "busy", "red", 0.1)
    feed = col.feed()
    check(feed.status == 200, "/feed status %d", feed.status)
    feed.collect(lambda ev, _: ev.type == "message", timeout=5, what="a first sample")
    idle = col.feed()  # a second client with nothing pending (suspended in the collector)
    t0 = time.monotonic()
    col.proc.popen.send_signal(signal.SIGTERM)
    try:
        rc = col.proc.popen.wait(1.0 * z.SLOW)
    except Exception:
        raise z.Failure("collector still running %.1f s after SIGTERM" % (1.0 * z.SLOW))
    took = time.monotonic() - t0
    log("exit status %d after %.3f s", rc, took)
    check(rc == 0, "collector exited %d on SIGTERM (want 0)", rc)
    feed.wait_end(timeout=1.0)
    idle.wait_end(timeout=1.0)


@case
def sigint_idle(procs):
    """SIGINT (Ctrl-C) with no client: exit 0 within a second."""
    col = procs.collector()
    col.proc.popen.send_signal(signal.SIGINT)
    try:
        rc = col.proc.popen.wait(1.0 * z.SLOW)
    except Exception:
        raise z.Failure("collector still running 1 s after SIGINT")
    check(rc == 0, "collector exited %d on SIGINT (want 0)", rc)


z.run()
