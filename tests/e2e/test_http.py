"""The collector's routes: health, errors for unknown paths and methods."""

import json
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import zapmtest as z  # noqa: E402
from zapmtest import case, check, log


@case
def http_routes(procs):
    """/healthz 200; unknown path 404; POST / 405; both with a short text/plain body."""
    col = procs.collector()
    status, headers, body = col.get("/healthz")
    check(status == 200, "/healthz status %d", status)
    h = json.loads(body)
    check(h.get("status") == "ok", "/healthz body %r", h)
    check(isinstance(h.get("uptime"), (int, float)), "/healthz uptime %r", h.get("uptime"))
    check(isinstance(h.get("boot"), str) and h["boot"], "/healthz boot %r", h.get("boot"))

    for path in ("/nope", "/feed/x", "/api", "/api/agents/x", "/../etc/passwd"):
        status, headers, body = col.get(path)
        check(status == 404, "GET %s: status %d (want 404)", path, status)
        check(headers.get("content-type", "").startswith("text/plain"),
              "GET %s: Content-Type %r", path, headers.get("content-type"))
        check(0 < len(body) < 512, "GET %s: body of %d bytes", path, len(body))

    for method, path in (("POST", "/"), ("PUT", "/feed"), ("DELETE", "/api/agents"),
                         ("POST", "/healthz")):
        status, headers, body = z.http_request(col.http_port, method, path, body=b"x")
        check(status == 405, "%s %s: status %d (want 405)", method, path, status)
        check(0 < len(body) < 512, "%s %s: body of %d bytes", method, path, len(body))
        log("%s %s -> %d %r", method, path, status, body[:60])

    status, _, body = z.http_request(col.http_port, "HEAD", "/healthz")
    check(status == 200 and body == b"", "HEAD /healthz: %d %r", status, body[:60])

    status, headers, body = col.get("/metrics")
    check(status == 200, "/metrics status %d", status)
    check(headers.get("content-type", "").startswith("text/plain"),
          "/metrics Content-Type %r", headers.get("content-type"))
    m = col.metrics()
    for name in ("zapm_samples_received_total", "zapm_clients", "zapm_series"):
        check(m.total(name) is not None, "/metrics lacks %s", name)

    agents = col.get_json("/api/agents")
    check(isinstance(agents.get("now"), (int, float)), "/api/agents now %r", agents.get("now"))
    check(agents.get("agents") == [], "/api/agents with no agent: %r", agents.get("agents"))
    check(col.proc.alive(), "collector died")


z.run()
