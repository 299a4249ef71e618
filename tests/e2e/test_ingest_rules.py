"""What a hostile or broken publisher cannot do to the collector (issue 18, items 4-6).

- log_flood_churn: 2,500 identities invented at once write at most --log-lines
  joined and left lines a window, and a summary that accounts for every other
  one ("... and 2,490 more agents joined in the last 3 s").
- seq_restart: seq 0 -> 10^15 -> 0 ... is a restarted count (zapm_seq_resets_total,
  zapm_agent_seq_resets_total), never 10^15 lost; a real gap stays exact.
- control_identity: "ab\\u0000cd" is refused as control_character, counted,
  and never filed as series "ab".
- timestamp_window: timestamps in 1970 and 9999 are filed at their arrival
  time and counted (zapm_samples_retimed_total{reason}).
"""

import json
import re
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import zapmtest as z  # noqa: E402
from zapmtest import case, check, log

CHURN = 2500          # fresh identities, more than the 2,000 a second of the issue
LINES = 10            # --log-lines
WINDOW = 3            # --log-window, seconds: the summary comes within the test's time
LOG_BOUND = 100       # the goal: at most 100 lines a minute


def _received(col):
    return col.metrics().total("zapm_samples_received_total") or 0


def _wait_received(col, count, timeout):
    z.wait_until(lambda: _received(col) >= count, timeout, "%d samples received" % count)


def _grouped(text):
    return int(text.replace(",", ""))


@case
def log_flood_churn(procs):
    col = procs.collector("--store", "none", "--max-series", "5000",
                          "--log-lines", str(LINES), "--log-window", str(WINDOW))
    pub = col.publisher()
    before = _received(col)
    start = time.monotonic()
    for i in range(CHURN):
        pub.send({"agent": "churn-%d" % i, "host": "h", "pid": 100000 + i, "interval": 0.1,
                  "cpu": 1, "mem": 1})
    _wait_received(col, before + CHURN, 10)
    log("%d identities sent and received in %.2f s", CHURN, time.monotonic() - start)
    # Every series leaves 0.5 s after its only sample; the summaries come at the
    # end of their window (3 s after its first line).
    z.wait_until(lambda: col.get_json("/healthz") is not None and
                 len(re.findall(r"more agents left", col.proc.output())) >= 1,
                 WINDOW * 4, "the summary of the agents that left")
    out = col.proc.output()
    lines = out.splitlines()
    joined = [l for l in lines if re.search(r"agent churn-\d+@h:\d+ joined", l)]
    left = [l for l in lines if re.search(r"agent churn-\d+@h:\d+ left", l)]
    held_joined = sum(_grouped(m) for m in re.findall(r"\.\.\. and ([\d,]+) more agents joined", out))
    held_left = sum(_grouped(m) for m in re.findall(r"\.\.\. and ([\d,]+) more agents left", out))
    log("log: %d lines; joined %d + %d held, left %d + %d held", len(lines), len(joined),
        held_joined, len(left), held_left)
    for l in lines:
        if "more agents" in l:
            log("summary: %s", l)
    check(len(lines) <= LOG_BOUND, "%d log lines after %d identities, want <= %d:\n%s",
          len(lines), CHURN, LOG_BOUND, "\n".join(lines[:40]))
    check(len(joined) <= 2 * LINES and len(left) <= 2 * LINES,
          "joined %d, left %d lines: more than --log-lines %d a window", len(joined), len(left), LINES)
    check(len(joined) + held_joined == CHURN, "joined: %d lines + %d held, want %d in all",
          len(joined), held_joined, CHURN)
    check(len(left) + held_left == CHURN, "left: %d lines + %d held, want %d in all",
          len(left), held_left, CHURN)
    check(re.search(r"\.\.\. and [\d,]+ more agents joined in the last %d s" % WINDOW, out),
          "no summary line of the joins:\n%s", out[-2000:])
    check(col.proc.alive(), "collector died")


def _series(col, agent):
    for a in col.agents():
        if a.get("agent") == agent:
            return a
    return None


@case
def seq_restart(procs):
    col = procs.collector("--store", "none")
    pub = col.publisher()
    before = _received(col)
    sent = 0
    for i in range(200):  # the attack: 0, 10^15, 0, 10^15, ...
        pub.send({"agent": "jumpy", "seq": 0 if i % 2 == 0 else 10 ** 15, "interval": 1,
                  "cpu": 1, "mem": 1})
        sent += 1
    for seq in (0, 1, 2, 5, 6):  # a real gap: 3 and 4 lost
        pub.send({"agent": "gappy", "seq": seq, "interval": 1, "cpu": 1, "mem": 1})
        sent += 1
    _wait_received(col, before + sent, 10)
    z.wait_until(lambda: _series(col, "gappy") and _series(col, "gappy")["samples"] == 5, 5,
                 "gappy's five samples")
    jumpy, gappy = _series(col, "jumpy"), _series(col, "gappy")
    log("jumpy: %r; gappy: lost %r", {k: jumpy[k] for k in ("samples", "lost")}, gappy["lost"])
    check(jumpy["samples"] == 200 and jumpy["lost"] == 0, "jumpy: %r", jumpy)
    check(gappy["lost"] == 2, "gappy lost %r, want exactly 2", gappy["lost"])
    status, _, body = col.get("/metrics")
    text = body.decode()
    m = col.metrics()
    check(m.get("zapm_seq_resets_total") == 199, "zapm_seq_resets_total = %r, want 199",
          m.get("zapm_seq_resets_total"))
    check(m.get("zapm_samples_lost_total") == 2, "zapm_samples_lost_total = %r, want 2",
          m.get("zapm_samples_lost_total"))
    check(re.search(r'^zapm_agent_seq_resets_total\{agent="jumpy"\} 199$', text, re.M),
          "no zapm_agent_seq_resets_total 199 for jumpy")
    check(re.search(r'^zapm_agent_samples_lost_total\{agent="jumpy"\} 0$', text, re.M),
          "jumpy's lost is not an exact 0")
    out = col.proc.output()
    check(len(re.findall(r"restarted its seq count", out)) <= 10,
          "more than --log-lines restart lines:\n%s", out[-2000:])


@case
def control_identity(procs):
    col = procs.collector("--store", "none")
    pub = col.publisher()
    before = col.metrics()
    pub.send_bytes(b'{"agent":"ab\\u0000cd","cpu":1,"mem":1}')
    pub.send_bytes(b'{"agent":"ab","host":"h\\u0007","cpu":1,"mem":1}')
    pub.send({"agent": "ab", "cpu": 2, "mem": 2})  # the real "ab", after the bad ones
    z.wait_until(lambda: _series(col, "ab") is not None, 5, "the good sample of ab")
    m = col.metrics()
    key = 'zapm_samples_invalid_total{reason="control_character"}'
    check(m.get(key, 0) - before.get(key, 0) == 2, "%s = %r, want 2", key, m.get(key))
    agents = col.agents()
    log("agents: %r", [(a["id"], a["samples"]) for a in agents])
    check(len(agents) == 1 and agents[0]["id"] == "ab" and agents[0]["samples"] == 1,
          "a refused sample was filed: %r", agents)
    out = col.proc.output()
    check("dropped" in out and "control_character" in out, "the drop was not logged:\n%s", out)


@case
def timestamp_window(procs):
    col = procs.collector("--store", "none")
    pub = col.publisher()
    before = _received(col)
    now = time.time()
    pub.send({"agent": "old", "timestamp": "1970-01-01T00:00:01+00:00", "cpu": 1, "mem": 1})
    pub.send({"agent": "far", "timestamp": "9999-12-31T23:59:59+00:00", "cpu": 1, "mem": 1})
    pub.send({"agent": "ahead", "timestamp": "2200-01-01T00:00:00+00:00", "cpu": 1, "mem": 1})
    pub.send({"agent": "good", "timestamp": z.iso_now(), "cpu": 1, "mem": 1})
    _wait_received(col, before + 4, 5)
    # 1970 and 2200 are refused (memory and store alike); 9999 cannot be read
    # (past 2262) and is filed at its arrival time, as a missing timestamp is.
    z.wait_until(lambda: len(col.agents()) == 2, 5, "two series")
    m = col.metrics()
    for key in ('zapm_samples_invalid_total{reason="too_old"}',
                'zapm_samples_invalid_total{reason="too_new"}',
                'zapm_samples_retimed_total{reason="unreadable"}'):
        check(m.get(key) == 1, "%s = %r, want 1", key, m.get(key))
    history = col.get_json("/api/history?seconds=600")
    check(sorted(s["id"] for s in history["series"]) == ["far", "good"],
          "history series %r", [s["id"] for s in history["series"]])
    for s in history["series"]:
        t = s["t"][-1]
        check(abs(t - now) < 60, "%s filed at %r, %.0f s from now", s["id"], t, t - now)
    out = col.proc.output()
    z.wait_until(lambda: "check the agent's clock" in col.proc.output(), 5,
                 "the log line about the refused timestamps")
    check("cannot be read" in out, "no log line about the unreadable timestamp:\n%s", out)


z.run()
