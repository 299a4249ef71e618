"""receivers.py: real Prometheus and VictoriaMetrics servers for the tests.

Both from Debian's packages, started on a free loopback port with their storage
in a temporary directory that goes with the test, and stopped at its end (the
Procs of zapmtest own them). Prometheus takes remote write
(--web.enable-remote-write-receiver) and can scrape; both answer /api/v1/query.
"""
import os
import shutil
import tempfile
import urllib.request

from zapmtest import check, free_port, wait_until


def temp_dir(procs, prefix="zapm-test-"):
    """A temporary directory removed when the case ends."""
    path = tempfile.mkdtemp(prefix=prefix)

    class Remove:
        def close(self):
            shutil.rmtree(path, ignore_errors=True)
    procs.own(Remove())
    return path


def wait_http(url, what, timeout=30):
    def ready():
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                return r.status == 200
        except OSError:
            return False
    wait_until(ready, timeout, what, step=0.2)


def prometheus(procs, config_text="global: {}\n"):
    """A Prometheus with remote write on; returns (process, base URL)."""
    binary = shutil.which("prometheus")
    check(binary, "prometheus not installed (scripts/setup.sh installs it)")
    data = temp_dir(procs, "zapm-prometheus-")
    config = os.path.join(data, "prometheus.yml")
    with open(config, "w") as f:
        f.write(config_text)
    port = free_port()
    server = procs.start([binary, "--config.file", config, "--web.enable-remote-write-receiver",
                          "--storage.tsdb.path", os.path.join(data, "tsdb"),
                          "--web.listen-address", "127.0.0.1:%d" % port], name="prometheus")
    base = "http://127.0.0.1:%d" % port
    wait_http(base + "/-/ready", "prometheus ready")
    return server, base


def victoriametrics(procs):
    """A VictoriaMetrics; returns (process, base URL, flush) where flush() makes
    what it ingested searchable at once."""
    binary = shutil.which("victoria-metrics")
    check(binary, "victoria-metrics not installed (scripts/setup.sh installs it)")
    data = temp_dir(procs, "zapm-vm-")
    port = free_port()
    server = procs.start([binary, "-httpListenAddr", "127.0.0.1:%d" % port, "-storageDataPath",
                          data, "-search.latencyOffset", "0s"], name="victoria-metrics")
    base = "http://127.0.0.1:%d" % port
    wait_http(base + "/health", "victoria-metrics ready")

    def flush():
        urllib.request.urlopen(base + "/internal/force_flush", timeout=5).read()
    return server, base, flush


def stop(server):
    """Stops a server before its temporary storage goes; it must exit 0."""
    rc = server.stop()
    check(rc == 0, "%s exited %s:\n%s", server.name, rc, server.output()[-2000:])
