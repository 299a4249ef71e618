"""Compatibility with the book's Python programs, both ways."""

import datetime
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import zapmtest as z  # noqa: E402
from zapmtest import case, check, log


@case
def interop_book_agent(procs):
    """A backend-app.py-style publisher (four fields only) is on /feed and /api/agents."""
    col = procs.collector()
    feed = col.feed()
    pub = col.publisher()
    sent = []
    for i in range(5):
        s = z.book_sample("orange", cpu=10.0 + i, mem=20.5)
        sent.append(s)
        pub.send(s)
    got = feed.collect(lambda ev, g: len(z.samples(g)) >= 5, timeout=5, what="the 5 book samples")
    objs = z.samples(got)
    check(objs == sent, "samples on /feed differ from those sent:\n%r\n%r", objs, sent)
    agents = col.agents()
    check(len(agents) == 1, "/api/agents: %r", agents)
    a = agents[0]
    log("agent: %r", {k: v for k, v in a.items() if k != "last"})
    check(a.get("id") == "orange", "id %r (want the color)", a.get("id"))
    check(a.get("color") == "orange", "color %r", a.get("color"))
    for k in ("agent", "host", "pid"):
        check(k in a and a[k] is None, "%s = %r (want null)", k, a.get(k))
    check(a.get("state") == "live", "state %r", a.get("state"))
    check(a.get("samples") == 5, "samples %r", a.get("samples"))
    check(a.get("last") == sent[-1], "last %r", a.get("last"))


@case
def interop_book_collector(procs):
    """zapm-agent publishing to a metric-server.py-style SUB that binds and uses recv_json."""
    sub = procs.own(z.BookCollector())
    procs.agent(sub.endpoint, "svc", "purple", 0.1)
    got = [sub.recv_json(timeout=5) for _ in range(3)]
    for s in got:
        check(isinstance(s, dict), "not an object: %r", s)
        check(s.get("color") == "purple", "color %r", s.get("color"))
        for k in ("cpu", "mem"):
            check(isinstance(s.get(k), (int, float)) and not isinstance(s.get(k), bool),
                  "%s = %r", k, s.get(k))
        ts = s.get("timestamp")
        check(isinstance(ts, str), "timestamp %r", ts)
        t = datetime.datetime.fromisoformat(ts)
        check(t.tzinfo is not None, "timestamp %r has no UTC offset", ts)
        age = abs((datetime.datetime.now(datetime.timezone.utc) - t).total_seconds())
        check(age < 10, "timestamp %r is %.1f s off", ts, age)
    log("first frame: %r", {k: got[0][k] for k in ("color", "timestamp", "cpu", "mem")})


z.run()
