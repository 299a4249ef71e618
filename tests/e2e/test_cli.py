"""Command lines: --help exits 0; a bad flag or value says what is wrong and exits 2."""

import os
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import zapmtest as z  # noqa: E402
from zapmtest import BIN, case, check, log


def run(argv, timeout=10):
    p = subprocess.run([str(a) for a in argv], stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=timeout * z.SLOW, preexec_fn=z._die_with_parent)
    out, err = p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")
    z.check_no_report(argv[0], err)
    return p.returncode, out, err


def check_cli(binary, bad_values):
    """--help, an unknown flag, a missing value and each (flag, bad value)."""
    check(binary, "binary path not given")
    rc, out, err = run([binary, "--help"])
    check(rc == 0, "--help exited %d: %s", rc, err)
    check("usage" in (out + err).lower(), "--help prints no usage: %r", (out + err)[:300])
    check(len(out) > 0, "--help prints to stderr only, not stdout")

    rc, out, err = run([binary, "--no-such-flag"])
    check(rc == 2, "--no-such-flag exited %d (want 2)", rc)
    check("--no-such-flag" in err, "error does not name the bad flag: %r", err)

    for flag, value in bad_values:
        rc, out, err = run([binary, flag, value])
        check(rc == 2, "%s %r exited %d (want 2); stderr %r", flag, value, rc, err[:300])
        check(flag in err or flag.lstrip("-") in err, "%s %r: error does not name the flag: %r",
              flag, value, err)
        check(value in err, "%s %r: error does not quote the value: %r", flag, value, err)
        log("%s %r -> %s", flag, value, err.strip().splitlines()[0])

    flag = bad_values[0][0]
    rc, out, err = run([binary, flag])
    check(rc == 2, "%s without a value exited %d (want 2)", flag, rc)
    check(flag in err or flag.lstrip("-") in err, "missing value: error does not name %s: %r", flag, err)


@case
def cli_collector(procs):
    check_cli(BIN.collector, [("--max-clients", "many"), ("--max-clients", "-3"),
                              ("--http", "127.0.0.1:99999")])


@case
def cli_agent(procs):
    check_cli(BIN.agent, [("--interval", "fast"), ("--interval", "-1"), ("--interval", "1e999"),
                          ("--connect", "http://collector:5555"), ("--connect", "tcp://a:1,,tcp://b:2"),
                          ("--connect", "tcp://collector")])
    # A bad endpoint is named, with the transports that work, not "Invalid argument".
    for argv, env in ((["--connect", "tcp://127.0.0.1:1", "--connect", "http://x:5555"], {}),
                      ([], {"ZAPM_ENDPOINT": "http://x:5555"})):
        p = subprocess.run([BIN.agent, "--count", "1", *argv], capture_output=True,
                           timeout=10 * z.SLOW, env=dict(os.environ, **env))
        err = p.stderr.decode(errors="replace")
        check(p.returncode == 2, "%r %r: exit %d, want 2: %r", argv, env, p.returncode, err)
        check("'http://x:5555'" in err and "tcp://HOST:PORT" in err and "Invalid argument" not in
              err.splitlines()[0], "%r %r: the error does not name the endpoint and the fix: %r",
              argv, env, err)
        log("bad endpoint %r %r -> %s", argv, env, err.strip().splitlines()[0])


@case
def cli_lists_accumulate(procs):
    """Issue 19, item 6: an option that takes several values accumulates when repeated:
    zapm-agent --connect A --connect B reaches both collectors (it used to reach B
    only), and the collector's --plaintext-from A --plaintext-from B admits both."""
    a, b = procs.collector(), procs.collector()
    feeds = [a.feed(), b.feed()]
    p = subprocess.run([BIN.agent, "--connect", a.endpoint, "--connect", b.endpoint, "--name",
                        "twice", "--count", "10", "--interval", "0.05"], capture_output=True,
                       timeout=15 * z.SLOW)
    check(p.returncode == 0, "zapm-agent with two --connect: exit %d: %r", p.returncode, p.stderr)
    for name, col, feed in (("A", a, feeds[0]), ("B", b, feeds[1])):
        feed.collect(lambda ev, _: ev.type == "message" and '"twice"' in (ev.data or ""),
                     timeout=5, what="the agent's samples at collector %s" % name)
        log("collector %s saw the agent of two --connect flags", name)
    # --plaintext-from repeated: the first list is kept beside the second (the
    # loopback agent is admitted through the first; keeping the last alone refused it).
    c = procs.collector("--plaintext-from", "127.0.0.1", "--plaintext-from", "10.1.2.3")
    feed = c.feed()
    procs.agent(c.endpoint, "lists", "teal", 0.05)
    feed.collect(lambda ev, _: ev.type == "message" and '"lists"' in (ev.data or ""), timeout=5,
                 what="a loopback agent admitted by the first --plaintext-from")


@case
def cli_demo(procs):
    check_cli(BIN.demo, [("--leak", "lots"), ("--leak", "-5")])


z.run()
