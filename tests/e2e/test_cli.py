"""Command lines: --help exits 0; a bad flag or value says what is wrong and exits 2."""

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
    check_cli(BIN.agent, [("--interval", "fast"), ("--interval", "-1"), ("--interval", "1e999")])


@case
def cli_demo(procs):
    check_cli(BIN.demo, [("--leak", "lots"), ("--leak", "-5")])


z.run()
