"""Remote write from the collector (--remote-write): every agent's metrics reach
real Prometheus and VictoriaMetrics servers with the names, labels and values
/metrics shows, and a receiver that is slow or failing costs the live stream
nothing and is counted in /metrics.
"""
import json
import os
import sys
import time
import urllib.parse
import urllib.request

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import receivers  # noqa: E402
import zapmtest as z  # noqa: E402
from rw_receiver import Receiver  # noqa: E402
from zapmtest import case, check, log, wait_until  # noqa: E402

N = 6  # samples per agent


def publish(col):
    """Two zapm-style agents, N samples each, one a second back in time so the
    receivers take them as a finished past; returns what was sent."""
    pub = col.publisher()
    sent = {}
    start = time.time() - N - 5
    for agent, rss in (("orders", 1000000), ("billing", 2000000)):
        for i in range(N):
            stamp = z.datetime.datetime.fromtimestamp(start + i, tz=z.datetime.timezone.utc)
            s = {"v": 1, "agent": agent, "host": "h1", "pid": 42, "color": "red", "seq": i,
                 "interval": 1, "timestamp": stamp.isoformat(), "cpu": 1.5, "mem": 2.0,
                 "proc": {"rss": rss + i, "cpu_user": 0.5 + i},
                 "custom": {"orders.done": 10 * i, "queue": 3}, "counters": ["orders.done"]}
            pub.send(s)
        sent[agent] = rss + N - 1
    return sent, start


def query(base, promql, at):
    q = urllib.parse.urlencode({"query": promql, "time": "%.3f" % at})
    with urllib.request.urlopen("%s/api/v1/query?%s" % (base, q), timeout=5) as r:
        answer = json.loads(r.read())
    check(answer.get("status") == "success", "query %s failed: %r", promql, answer)
    return answer["data"]["result"]


def check_receiver(base, sent, start, settle=None):
    at = start + N + 1

    def all_there():
        if settle:
            settle()
        got = query(base, "count_over_time(zapm_process_resident_memory_bytes[1m])", at)
        return got if sum(float(r["value"][1]) for r in got) >= 2 * N else None
    got = wait_until(all_there, 15, "every agent's resident memory at the receiver", step=0.5)
    check(len(got) == 2, "%d series of resident memory, want 2: %r", len(got), got)
    for agent, rss in sent.items():
        last = query(base, 'zapm_process_resident_memory_bytes{agent="%s"}' % agent, at)
        check(len(last) == 1, "%s: %r", agent, last)
        labels = last[0]["metric"]
        check(labels.get("host") == "h1" and labels.get("pid") == "42" and
              labels.get("color") == "red", "%s labels %r", agent, labels)
        check(float(last[0]["value"][1]) == rss, "%s rss %s, want %d", agent, last[0]["value"], rss)
        done = query(base, 'zapm_custom_orders_done_total{agent="%s"}' % agent, at)
        check(done and float(done[0]["value"][1]) == 10 * (N - 1), "%s counter %r", agent, done)
        user = query(base, 'zapm_process_cpu_seconds_total{agent="%s",mode="user"}' % agent, at)
        check(user and float(user[0]["value"][1]) == 0.5 + N - 1, "%s cpu user %r", agent, user)
    log("both agents' series read back from %s", base)


@case
def export_prometheus(procs):
    server, base = receivers.prometheus(procs)
    col = procs.collector("--remote-write", base + "/api/v1/write")
    sent, start = publish(col)
    check_receiver(base, sent, start)
    metrics = col.metrics()
    check(metrics.total("zapm_remote_write_points_sent_total") > 0, "no points counted as sent")
    check(metrics.total("zapm_remote_write_points_dropped_total") == 0, "points dropped")
    receivers.stop(server)


@case
def export_victoriametrics(procs):
    server, base, flush = receivers.victoriametrics(procs)
    col = procs.collector("--remote-write", base + "/api/v1/write")
    sent, start = publish(col)
    check_receiver(base, sent, start, settle=flush)
    receivers.stop(server)


@case
def export_receiver_faults(procs):
    """A receiver that answers slowly, then 500, then 400: /feed keeps its pace,
    and each case is counted."""
    for mode, counter in (("slow", 'zapm_remote_write_retries_total{url="%s",reason="timeout"}'),
                          ("500", 'zapm_remote_write_retries_total{url="%s",reason="5xx"}'),
                          ("400", 'zapm_remote_write_points_dropped_total{url="%s",reason="rejected"}')):
        r = Receiver(z.free_port(), mode=mode, slow_s=10.0)
        r.start()
        procs.own(r)
        url = "http://127.0.0.1:%d/api/v1/write" % r.port
        col = procs.collector("--remote-write", url)
        feed = col.feed()
        pub = col.publisher()
        delays = []
        for i in range(40):
            s = dict(z.book_sample("teal"), agent="live", host="h", pid=1, seq=i)
            t0 = time.monotonic()
            pub.send(s)
            feed.collect(lambda ev, g: any(x.get("seq") == i for x in z.samples(g)), timeout=5,
                         what="seq %d live" % i)
            delays.append(time.monotonic() - t0)
            time.sleep(0.05)
        delays.sort()
        p99 = delays[int(len(delays) * 0.99) - 1]
        log("receiver %s: /feed delay p50 %.1f ms, p99 %.1f ms", mode, delays[len(delays) // 2] * 1e3,
            p99 * 1e3)
        check(p99 < 0.25 * z.SLOW, "receiver %s: live p99 %.0f ms", mode, p99 * 1e3)
        name = counter % url
        wait_until(lambda: col.metrics().get(name, 0) > 0, 20, "%s counted" % name)
        col.proc.stop()
        procs.procs.remove(col.proc)


z.run()
