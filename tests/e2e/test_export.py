"""Remote write from the collector (--remote-write): every agent's metrics reach
real Prometheus and VictoriaMetrics servers with the names, labels and values
/metrics shows, and a receiver that is slow or failing costs the live stream
nothing and is counted in /metrics.
"""
import json
import os
import re
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


# ---------------------------------------------------------------- every family

LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def agent_series(text):
    """The series of /metrics that come from agents (those labelled `agent`):
    {family: set of frozen label sets}. The collector's own families carry no
    series labels and are not sent (docs/HTTP-API.md)."""
    out = {}
    for line in text.splitlines():
        m = LINE.match(line)
        if not m or not m.group(2):
            continue
        labels = dict(LABEL.findall(m.group(2)))
        if "agent" in labels:
            out.setdefault(m.group(1), set()).add(frozenset(labels.items()))
    return out


def get_json(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        answer = json.loads(r.read())
    check(answer.get("status") == "success", "GET %s: %r", url, answer)
    return answer["data"]


def held_series(base, family):
    """Every label set the receiver holds for `family`, over the last hour."""
    q = urllib.parse.urlencode({"match[]": family, "start": "%.0f" % (time.time() - 3600),
                                "end": "%.0f" % (time.time() + 60)})
    return {frozenset((k, v) for k, v in s.items() if k != "__name__")
            for s in get_json("%s/api/v1/series?%s" % (base, q))}


def held_names(base):
    q = urllib.parse.urlencode({"start": "%.0f" % (time.time() - 3600),
                                "end": "%.0f" % (time.time() + 60)})
    return set(get_json("%s/api/v1/label/__name__/values?%s" % (base, q)))


def show(labels):
    return "{%s}" % ",".join('%s="%s"' % kv for kv in sorted(labels))


@case
def export_families(procs):
    """Every family /metrics shows for agents (the sample's numbers, per-CPU,
    custom, zapm_agent_*) reaches real VictoriaMetrics and Prometheus with the
    same label sets; a departed agent's zapm_agent_up is 0 there, as on
    /metrics, and its counters match."""
    prom, prom_base = receivers.prometheus(procs)
    vm, vm_base, flush = receivers.victoriametrics(procs)
    col = procs.collector("--remote-write", prom_base + "/api/v1/write",
                          "--remote-write", vm_base + "/api/v1/write")
    sysagent = procs.agent(col.endpoint, "sysagent", "teal", 0.2, "--system", "--smaps")
    demo = procs.start([z.BIN.demo, "--connect", col.endpoint, "--name", "demo",
                        "--color", "orange", "--interval", "0.2", "--leak", "10"], name="zapm-demo")
    stores = (("VictoriaMetrics", vm_base, flush), ("Prometheus", prom_base, None))
    want_families = ("zapm_agent_up", "zapm_agent_samples_total", "zapm_agent_samples_lost_total",
                     "zapm_system_cpu_core_usage_ratio", "zapm_process_unique_memory_bytes",
                     "zapm_custom_iterations_total", "zapm_custom_leaked_bytes")

    def on_metrics():
        got = agent_series(col.get("/metrics")[2].decode())
        return got if all(f in got for f in want_families) else None
    wait_until(on_metrics, 15, "every agent family on /metrics", step=0.3)

    last = {}

    def everywhere():
        shown = agent_series(col.get("/metrics")[2].decode())
        missing = last["missing"] = []
        for store, base, settle in stores:
            if settle:
                settle()
            names = held_names(base)
            for family, label_sets in shown.items():
                if family not in names:
                    missing.append("%s: %s" % (store, family))
                    continue
                held = held_series(base, family)
                missing += ["%s: %s%s" % (store, family, show(ls)) for ls in label_sets - held]
        return (shown, missing) if not missing else None
    try:
        shown, _ = wait_until(everywhere, 30, "every series of /metrics at both receivers", step=1)
    except z.Failure:
        raise z.Failure("missing at the receivers:\n%s" % "\n".join(last["missing"][:40]))

    # The table of families, for the record: on /metrics, in VictoriaMetrics, in Prometheus.
    held = {store: held_names(base) for store, base, _ in stores}
    rows = ["%-42s %-9s %-16s %s" % ("family", "/metrics", "VictoriaMetrics", "Prometheus")]
    for family in sorted(shown):
        rows.append("%-42s %-9s %-16s %s" % (family, "yes", *("yes" if family in held[store] else "NO"
                                                             for store, _, _ in stores)))
    log("%d agent families, %d series, at both receivers:\n%s", len(shown),
        sum(len(v) for v in shown.values()), "\n".join(rows))
    table_out = os.environ.get("ZAPM_EXPORT_FAMILIES")
    if table_out:
        with open(table_out, "w") as f:
            f.write("\n".join(rows) + "\n")

    # Per-CPU points arrive with one `cpu` label each, one series per CPU.
    cores = {ls for ls in shown["zapm_system_cpu_core_usage_ratio"]
             if ("agent", "sysagent") in ls}
    check(cores and all(any(k == "cpu" for k, _ in ls) for ls in cores), "per-CPU %r", cores)
    for store, base, _ in stores:
        got = held_series(base, 'zapm_system_cpu_core_usage_ratio{agent="sysagent"}')
        check(len(got) == len(cores) and all(sum(k == "cpu" for k, _ in ls) == 1 for ls in got),
              "%s: per-CPU series %r, want %d with one cpu label each", store, got, len(cores))

    # The demo leaves: zapm_agent_up goes to 0 at both receivers, and the
    # counters there are the ones /metrics shows.
    demo.stop()
    procs.procs.remove(demo)

    def departed():
        m = col.metrics()
        up = [v for k, v in m.items() if k.startswith('zapm_agent_up{agent="demo"')]
        return m if up == [0] else None
    m = wait_until(departed, 10, "the demo's zapm_agent_up 0 on /metrics", step=0.2)
    final = {name: [v for k, v in m.items() if k.startswith(name + '{agent="demo"')][0]
             for name in ("zapm_agent_up", "zapm_agent_samples_total",
                          "zapm_agent_samples_lost_total")}
    for store, base, settle in stores:
        def arrived():
            if settle:
                settle()
            got = last["got"] = {}
            for name in final:
                r = query(base, '%s{agent="demo"}' % name, time.time() + 1)
                got[name] = float(r[0]["value"][1]) if len(r) == 1 else None
            return got if got == final else None
        try:
            wait_until(arrived, 15, "%s: the demo's last points" % store, step=0.5)
        except z.Failure:
            raise z.Failure("%s holds %r, /metrics shows %r" % (store, last["got"], final))
    log("the departed demo: %r at both receivers", final)
    m = col.metrics()
    check(m.total("zapm_remote_write_points_dropped_total") == 0, "points dropped")
    log("%.1f points sent per sample and receiver (%d samples)",
        m.total("zapm_remote_write_points_sent_total") / 2 / m.total("zapm_samples_received_total"),
        m.total("zapm_samples_received_total"))
    sysagent.stop()
    # The collector first: with the receivers gone it would try each for 2 s.
    check(col.proc.stop() == 0, "zapm-collector exit:\n%s", col.proc.output()[-2000:])
    procs.procs.remove(col.proc)
    receivers.stop(prom)
    receivers.stop(vm)


z.run()
