"""Prometheus sees every agent on /metrics (issue 12).

The collector's page is linted by Debian's promtool and scraped by a real
Prometheus server started here on loopback; series that left disappear after
--metrics-ttl; the wire's `counters` list is validated, and frames with the
book's fields alone still count.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import zapmtest as z  # noqa: E402
from zapmtest import case, check, log  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "agent"))
from wire_keys import K  # noqa: E402

PROMTOOL = shutil.which("promtool")
PROMETHEUS = shutil.which("prometheus")


def page(col):
    status, _, body = col.get("/metrics")
    check(status == 200, "/metrics status %d", status)
    return body.decode("utf-8")


def families(text):
    """{name: type} from the # TYPE lines."""
    out = {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            out[name] = kind
    return out


def line_value(text, prefix):
    """The value of the first sample line starting with prefix, or None."""
    for line in text.splitlines():
        if line.startswith(prefix):
            return float(line.rpartition(" ")[2])
    return None


def promtool_check(text):
    """Runs `promtool check metrics` on the page; fails the case on any finding."""
    check(PROMTOOL, "promtool not found (Debian package prometheus; scripts/setup.sh)")
    r = subprocess.run([PROMTOOL, "check", "metrics"], input=text.encode(), capture_output=True,
                       timeout=30)
    out = (r.stdout + r.stderr).decode("utf-8", "replace").strip()
    check(r.returncode == 0 and not out, "promtool check metrics: exit %d:\n%s", r.returncode, out)


def start_fleet(procs, col):
    """zapm-agent with system metrics and smaps, zapm-demo with a counter and a gauge."""
    sysagent = procs.agent(col.endpoint, "sysagent", "teal", 0.2, "--system", "--smaps")
    demo = procs.start([z.BIN.demo, "--connect", col.endpoint, "--name", "demo",
                        "--color", "orange", "--interval", "0.2", "--leak", "10"], name="zapm-demo")
    return sysagent, demo


@case
def prom_promtool(procs):
    """/metrics with process, system and custom metrics (counter and gauge) passes promtool."""
    col = procs.collector()
    sysagent, demo = start_fleet(procs, col)
    # A hostile name and host must come out escaped, and the page must stay valid.
    # (A line break in a name is refused at the door, as control_character.)
    pub = col.publisher()
    weird = 'we"ird\\name'
    pub.send({"agent": weird, "host": "h\\1", "pid": 7, "cpu": 1.5, "mem": 2.0,
              K.CUSTOM: {"req.in-flight": 3, "req_in_flight": 4, "done_total": 5}, K.COUNTERS: ["done_total"]})

    def ready():
        text = page(col)
        want = ['zapm_custom_iterations_total{agent="demo"',
                'zapm_custom_leaked_bytes{agent="demo"',
                'zapm_system_memory_total_bytes{agent="sysagent"',
                'zapm_process_unique_memory_bytes{agent="sysagent"',
                'zapm_process_resident_memory_bytes{agent="demo"']
        return text if all(w in text for w in want) else None

    text = z.wait_until(ready, 10, "every agent's metrics on /metrics")
    promtool_check(text)
    kinds = families(text)
    for name, kind in (("zapm_process_cpu_seconds_total", "counter"),
                       ("zapm_process_resident_memory_bytes", "gauge"),
                       ("zapm_process_context_switches_total", "counter"),
                       ("zapm_process_io_read_bytes_total", "counter"),
                       ("zapm_system_cpu_usage_ratio", "gauge"),
                       ("zapm_system_cpu_core_usage_ratio", "gauge"),
                       ("zapm_system_load1", "gauge"),
                       ("zapm_custom_iterations_total", "counter"),
                       ("zapm_custom_leaked_bytes", "gauge"),
                       ("zapm_custom_done_total", "counter"),
                       ("zapm_samples_received_total", "counter")):
        check(kinds.get(name) == kind, "%s: TYPE %r, want %s", name, kinds.get(name), kind)
    m = z.Metrics()
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.rpartition(" ")
            m[key] = float(value)
    labels = 'agent="sysagent",host="%s",pid="%d",color="teal"' % (os.uname().nodename,
                                                                 sysagent.pid)
    rss = m.get("zapm_process_resident_memory_bytes{%s}" % labels)
    check(rss and rss > 1e6, "sysagent's resident memory %r (labels %s)", rss, labels)
    check(m.get('zapm_process_cpu_seconds_total{%s,mode="user"}' % labels) is not None,
          "no user CPU seconds for sysagent")
    ratio = m.get("zapm_system_memory_usage_ratio{%s}" % labels)
    check(ratio is not None and 0 < ratio < 1, "memory usage ratio %r", ratio)
    # Escaped per the exposition format: \" \\.
    esc = 'agent="we\\"ird\\\\name",host="h\\\\1",pid="7"'
    check(("zapm_sample_cpu_ratio{%s} 0.015" % esc) in text, "escaped labels missing:\n%s",
          "\n".join(l for l in text.splitlines() if "ird" in l))
    # req.in-flight and req_in_flight map to one name: one line only, the first.
    dup = [l for l in text.splitlines() if l.startswith("zapm_custom_req_in_flight{")]
    check(len(dup) == 1 and dup[0].endswith(" 3"), "custom name collision: %r", dup)
    check(sum(1 for l in text.splitlines() if l.startswith("zapm_custom_done_total{")) == 1,
          "a counter named *_total gets no second suffix")
    log("%d bytes, %d families, promtool clean", len(text), len(kinds))


def prometheus_config(directory, target):
    path = os.path.join(directory, "prometheus.yml")
    with open(path, "w") as f:
        f.write("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                "scrape_configs:\n  - job_name: zapm\n    static_configs:\n"
                "      - targets: ['%s']\n" % target)
    return path


def prom_query(port, query):
    path = "/api/v1/query?" + urllib.parse.urlencode({"query": query})
    try:
        status, _, body = z.http_get(port, path, timeout=2.0)
    except OSError:
        return None
    if status != 200:
        return None
    answer = json.loads(body)
    return answer["data"]["result"] if answer.get("status") == "success" else None


@case
def prom_server(procs):
    """A real Prometheus scraping the collector answers each agent's resident memory in 15 s."""
    check(PROMETHEUS, "prometheus not found (Debian package prometheus; scripts/setup.sh)")
    col = procs.collector()
    sysagent, demo = start_fleet(procs, col)
    storage = tempfile.mkdtemp(prefix="zapm-prom-")
    procs.own(type("Rm", (), {"close": lambda self: shutil.rmtree(storage, True)})())
    config = prometheus_config(storage, "127.0.0.1:%d" % col.http_port)
    check(subprocess.run([PROMTOOL, "check", "config", config], capture_output=True,
                         timeout=30).returncode == 0, "promtool check config refused %s", config)
    # The README's scrape job is a valid configuration too.
    readme = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                               "README.md")).read()
    snippet = readme.split("```yaml\n", 1)[1].split("```", 1)[0]
    check("job_name: zapm" in snippet, "README's prometheus.yml snippet: %r", snippet)
    with open(os.path.join(storage, "readme.yml"), "w") as f:
        f.write(snippet)
    r = subprocess.run([PROMTOOL, "check", "config", os.path.join(storage, "readme.yml")],
                       capture_output=True, timeout=30)
    check(r.returncode == 0, "README's snippet: %s", (r.stdout + r.stderr).decode())
    port = z.free_port()
    procs.start([PROMETHEUS, "--config.file=" + config, "--storage.tsdb.path=" + storage,
                 "--web.listen-address=127.0.0.1:%d" % port, "--log.level=warn"],
                name="prometheus")
    pids = {str(sysagent.pid): "sysagent", str(demo.pid): "demo"}

    def answered():
        result = prom_query(port, "zapm_process_resident_memory_bytes")
        if not result:
            return None
        got = {r["metric"].get("pid"): float(r["value"][1]) for r in result}
        return got if all(got.get(p, 0) > 1e6 for p in pids) else None

    got = z.wait_until(answered, 15, "Prometheus answering every agent's resident memory",
                       step=0.25)
    for pid, name in pids.items():
        log("%s (pid %s): %.0f bytes resident, per Prometheus", name, pid, got[pid])
    up = prom_query(port, 'up{job="zapm"}')
    check(up and float(up[0]["value"][1]) == 1, "scrape not healthy: %r", up)


@case
def prom_series_ttl(procs):
    """A series that left stays on /metrics (zapm_agent_up 0) until --metrics-ttl, then goes."""
    ttl = 2.0
    col = procs.collector("--metrics-ttl", str(ttl))
    agent = procs.agent(col.endpoint, "brief", "navy", 0.1, "--count", "5")
    key = 'agent="brief"'
    z.wait_until(lambda: key in page(col), 5, "the agent on /metrics")
    check(agent.popen.wait(10 * z.SLOW) == 0, "zapm-agent --count 5 did not exit 0")
    # Left after 3 intervals (0.5 s at least), then still listed, as down.
    z.wait_until(lambda: line_value(page(col), "zapm_agent_up{" + key) == 0, ttl,
                 "zapm_agent_up 0 after it left")
    left = z.time.monotonic()
    z.wait_until(lambda: key not in page(col), ttl + 2, "the series gone after --metrics-ttl")
    log("gone %.1f s after it was seen down (ttl %.1f s from its last sample)",
        z.time.monotonic() - left, ttl)
    check(col.metrics().total("zapm_series") == 1, "the series itself is still known")


@case
def prom_wire_counters(procs):
    """`counters` is validated (wrong types dropped as wrong_type); book frames still count."""
    col = procs.collector()
    pub = col.publisher()
    base = {"agent": "wire", "host": "h", "pid": 1, "cpu": 1, "mem": 1, K.CUSTOM: {"n": 1, "g": 2}}
    for bad in ("n", [1], {"n": 1}, [["n"]], None, True):
        pub.send(dict(base, **{K.COUNTERS: bad}))
    pub.send(dict(base, **{K.COUNTERS: ["n", "not-sent"]}))
    pub.send(z.book_sample("plum", cpu=25.0, mem=3.0))
    # Two book-style colours past 64 bytes, alike but for the end: two series, two label sets.
    long_colors = ["c" * 70 + "1", "c" * 70 + "2"]
    for color in long_colors:
        pub.send(z.book_sample(color))
    # All 64 custom metrics an agent may send reach /metrics (history keeps 16).
    many = {"m%02d" % i: i for i in range(64)}
    pub.send({"agent": "many", "cpu": 1, "mem": 1, K.CUSTOM: many, K.COUNTERS: ["m63"]})

    def received():
        m = col.metrics()
        return m if m.total("zapm_samples_received_total") == 11 else None

    m = z.wait_until(received, 5, "11 frames received")
    check(m.get('zapm_samples_invalid_total{reason="wrong_type"}') == 6,
          "wrong_type drops: %r", m.get('zapm_samples_invalid_total{reason="wrong_type"}'))
    text = page(col)
    check('zapm_custom_n_total{agent="wire",host="h",pid="1"} 1' in text, "counter n missing")
    check('zapm_custom_g{agent="wire",host="h",pid="1"} 2' in text, "gauge g missing")
    check("not_sent" not in text, "a counter name without a value was exported")
    got = [l for l in text.splitlines() if l.startswith("zapm_custom_m") and 'agent="many"' in l]
    check(len(got) == 64 and 'zapm_custom_m63_total{agent="many"} 63' in got,
          "%d of the 64 custom metrics: %r", len(got), got[-3:])
    check('zapm_sample_cpu_ratio{color="plum"} 0.25' in text, "book frame's cpu missing")
    for color in long_colors:
        check('zapm_agent_up{color="%s"} 1' % color in text, "long colour %s... missing", color[:8])
    check('zapm_sample_memory_bytes{color="plum"} 3145728' in text, "book frame's mem missing")
    promtool_check(text)


@case
def prom_book_collector_reads_counters(procs):
    """A book-style collector reading zapm-demo's frames: custom is still name -> number."""
    sub = procs.own(z.BookCollector())
    procs.start([z.BIN.demo, "--connect", sub.endpoint, "--interval", "0.1"], name="zapm-demo")
    for _ in range(50):
        s = sub.recv_json(timeout=5)
        if s.get(K.COUNTERS):
            break
    else:
        raise z.Failure("no frame with counters in 50")
    custom = s.get(K.CUSTOM)
    check(isinstance(custom, dict) and all(isinstance(v, (int, float)) for v in custom.values()),
          "custom %r", custom)
    check(s[K.COUNTERS] == ["iterations"], "counters %r", s[K.COUNTERS])
    for k in ("color", "timestamp", "cpu", "mem"):
        check(k in s, "book field %s missing", k)


z.run()
