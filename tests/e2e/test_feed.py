"""The live feed: three zapm-agent processes, one collector, one SSE reader."""

import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import zapmtest as z  # noqa: E402
from zapmtest import case, check, log


@case
def feed_three_agents(procs):
    """Samples of three agents reach /feed with rising seq, SSE headers and ids right."""
    col = procs.collector()
    colors = {"alpha": "red", "beta": "blue", "gamma": "green"}
    feed = col.feed()
    check(feed.status == 200, "/feed status %d", feed.status)
    h = feed.headers
    check(h.get("content-type", "").split(";")[0].strip() == "text/event-stream",
          "Content-Type %r", h.get("content-type"))
    check("no-cache" in h.get("cache-control", ""), "Cache-Control %r", h.get("cache-control"))
    check(h.get("x-accel-buffering", "").lower() == "no",
          "X-Accel-Buffering %r", h.get("x-accel-buffering"))
    check("content-encoding" not in h, "feed is compressed: %r", h.get("content-encoding"))
    for name, color in colors.items():
        procs.agent(col.endpoint, name, color, 0.1)

    seqs = {name: [] for name in colors}

    def enough(ev, _got):
        if ev.type == "message":
            s = ev.json()
            if s.get("agent") in seqs:
                seqs[s["agent"]].append(s)
        return all(len(v) >= 5 for v in seqs.values())

    events = feed.collect(enough, timeout=10, max_events=5000, what="5 samples from each agent")
    sample_events = [e for e in events if e.type == "message"]
    log("%d events, %d samples", len(events), len(sample_events))

    # id: <boot>-<n>, n rising by one per event, boot the one /healthz reports.
    ids = [e.id for e in events if e.id is not None]
    check(all(e.id is not None for e in sample_events), "a sample event has no id")
    for i in ids:
        check(re.fullmatch(r"\S+-\d+", i), "id %r is not <boot>-<n>", i)
        check(i.rsplit("-", 1)[0] == col.boot, "id %r not from boot %r", i, col.boot)
    ns = [int(i.rsplit("-", 1)[1]) for i in ids]
    check(all(b > a for a, b in zip(ns, ns[1:])), "event ids do not rise: %r", ns[:20])

    for name, got in seqs.items():
        s = [x["seq"] for x in got]
        check(all(isinstance(x, int) for x in s), "%s: seq not integers: %r", name, s)
        check(all(b == a + 1 for a, b in zip(s, s[1:])), "%s: seq not +1 each: %r", name, s)
        last = got[-1]
        check(last["color"] == colors[name], "%s: color %r", name, last.get("color"))
        for k, t in (("cpu", (int, float)), ("mem", (int, float)), ("timestamp", str),
                     ("pid", int), ("host", str)):
            check(isinstance(last.get(k), t) and not isinstance(last.get(k), bool),
                  "%s: field %s = %r", name, k, last.get(k))
        check(last.get("v") == 1, "%s: v = %r", name, last.get("v"))
        check(abs(last.get("interval", 0) - 0.1) < 1e-9, "%s: interval %r", name, last.get("interval"))
        log("%s: seq %s", name, s)
    # The data line carries the sample exactly as sent: one line of JSON.
    check(all("\n" not in e.data for e in sample_events), "a data line holds a line break")


z.run()
