"""Malformed frames from a foreign publisher are dropped and counted; good ones flow."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import zapmtest as z  # noqa: E402
from zapmtest import case, check, log

# (what, frame bytes, expected reason label)
BAD = [
    ("not JSON", b"hello, collector", "not_json"),
    ("JSON array", b'[{"color":"red","cpu":1,"mem":2}]', "not_object"),
    ("missing cpu", b'{"color":"red","timestamp":"2026-11-23T10:00:00+00:00","mem":2}', "missing_cpu_mem"),
    ("cpu as string", b'{"color":"red","cpu":"12","mem":2}', "wrong_type"),
    ("invalid UTF-8", b'{"color":"r\xff\xfed","cpu":1,"mem":2}', "not_utf8"),
    ("no color, no agent", b'{"cpu":1,"mem":2,"timestamp":"2026-11-23T10:00:00+00:00"}', "missing_identity"),
    ("seq as string", b'{"color":"red","cpu":1,"mem":2,"seq":"7"}', "wrong_type"),
]


@case
def invalid_frames(procs):
    col = procs.collector()
    procs.agent(col.endpoint, "steady", "green", 0.1)
    feed = col.feed()
    feed.collect(lambda ev, _: ev.type == "message", timeout=5, what="a first good sample")
    before = col.metrics()
    inv0 = before.total("zapm_samples_invalid_total") or 0

    pub = col.publisher()
    for what, frame, _ in BAD:
        pub.send_bytes(frame)
    # Order holds on one connection: once this marker is on /feed, every bad
    # frame before it has been looked at.
    pub.send(dict(z.book_sample("marker"), note="after the bad frames"))
    got = feed.collect(lambda ev, _: ev.type == "message" and ev.json().get("color") == "marker",
                       timeout=5, what="the marker sample after the bad frames")
    for s in z.samples(got):
        check(s.get("color") in ("green", "marker"), "a bad frame reached /feed: %r", s)
    m = col.metrics()
    inv = (m.total("zapm_samples_invalid_total") or 0) - inv0
    log("invalid counted: %d; by reason: %s", inv,
        {k: v for k, v in m.items() if k.startswith("zapm_samples_invalid_total")})
    check(inv == len(BAD), "zapm_samples_invalid_total rose by %d, want %d", inv, len(BAD))
    want = {}
    for _, _, reason in BAD:
        want[reason] = want.get(reason, 0) + 1
    for reason, n in want.items():
        key = 'zapm_samples_invalid_total{reason="%s"}' % reason
        check(m.get(key, 0) - before.get(key, 0) == n, "%s = %r, want %d", key, m.get(key), n)

    # A frame over 64 KiB: dropped and counted, never on /feed, collector unharmed.
    big = dict(z.book_sample("huge"), pad="x" * (64 * 1024 + 1))
    pub.send(big)
    after = feed.read_for(1.0)
    check(all(s.get("color") != "huge" for s in z.samples(after)), "the > 64 KiB frame reached /feed")
    check(sum(1 for s in z.samples(after) if s.get("agent") == "steady") >= 3,
          "good samples stopped flowing after the bad frames: %r", after[-3:])
    check(col.proc.alive(), "collector died")
    status, _, _ = col.get("/healthz")
    check(status == 200, "/healthz %d after bad frames", status)
    key = 'zapm_samples_invalid_total{reason="too_large"}'
    check(col.metrics().get(key, 0) - before.get(key, 0) == 1, "%s = %r, want 1", key,
          col.metrics().get(key))
    check(col.metrics().total("zapm_samples_invalid_total") - inv0 == len(BAD) + 1,
          "zapm_samples_invalid_total after the big frame")
    agents = {a["id"]: a for a in col.agents()}
    check("huge" not in agents, "the > 64 KiB frame made a series")


z.run()
