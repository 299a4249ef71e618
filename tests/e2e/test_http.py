"""The collector's routes: health, errors for unknown paths and methods; what RFC 9112
says to refuse (raw sockets), HEAD on every route, and the write deadline."""

import json
import re
import socket
import subprocess
import sys
import time

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


def raw(port, data, timeout=3.0, rcvbuf=None):
    """Sends `data` on a fresh connection; returns (bytes received, closed by the server)
    after the server closes or `timeout` passes with nothing new."""
    c = socket.socket()
    try:
        if rcvbuf:
            c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        c.settimeout(timeout * z.SLOW)
        c.connect(("127.0.0.1", port))
        c.sendall(data)
        out = b""
        deadline = time.monotonic() + timeout * z.SLOW
        while time.monotonic() < deadline:
            try:
                d = c.recv(65536)
            except socket.timeout:
                return out, False
            except ConnectionResetError:
                return out, True
            if not d:
                return out, True
            out += d
        return out, False
    finally:
        c.close()


# Each must get 400 and a closed connection (RFC 9112; docs/SECURITY.md).
MALFORMED = {
    "conflicting Content-Length":
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 5\r\n\r\nhello",
    "duplicate Content-Length":
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n",
    "space before the colon":
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
    "tab before the colon": b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A\t: b\r\n\r\n",
    "Transfer-Encoding on GET":
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    "Transfer-Encoding on HEAD":
        b"HEAD /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "a body on GET": b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
    "a body on HEAD": b"HEAD /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi",
    "HTTP/1.1 without Host": b"GET /healthz HTTP/1.1\r\n\r\n",
    "two Host fields": b"GET /healthz HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
}


@case
def http_strict(procs):
    """Every request RFC 9112 says to refuse gets 400 and a closed connection, counted
    in zapm_http_malformed_total and logged once per 10 s; sound requests keep
    keep-alive; HEAD on every route has no body (the next response on the same
    connection starts right after the head); a bind failure names the address."""
    col = procs.collector("--store", "none")
    for what, data in MALFORMED.items():
        out, closed = raw(col.http_port, data)
        check(out.startswith(b"HTTP/1.1 400 "), "%s: %r", what, out[:60])
        check(closed, "%s: the connection stayed open after %r", what, out[:60])
    m = col.metrics()
    check(m.total("zapm_http_malformed_total") == len(MALFORMED),
          "zapm_http_malformed_total %r, want %d", m.total("zapm_http_malformed_total"),
          len(MALFORMED))
    z.wait_until(lambda: "refused 1 malformed request with 400" in col.proc.output(), 3,
                 "the malformed-request log line")
    lines = [l for l in col.proc.output().splitlines() if "malformed request" in l]
    check(len(lines) == 1, "%d malformed-request lines for %d requests within 10 s: %r",
          len(lines), len(MALFORMED), lines)
    log("400 + closed for each of %d malformed heads; counted %d; %d log line",
        len(MALFORMED), m.total("zapm_http_malformed_total"), len(lines))
    # The ones held back are written when the 10 s window ends, with no further
    # request to carry them, and the lines add up to the counter (each refusal
    # once, though libmicrohttpd writes two lines for its own).
    def told():
        found = re.findall(r"refused (\d+) malformed requests? with 400", col.proc.output())
        return found if len(found) >= 2 else None
    counts = z.wait_until(told, 14, "the summary of the held-back refusals")
    check(sum(int(n) for n in counts) == len(MALFORMED), "log lines say %r, counter %d",
          counts, len(MALFORMED))

    # Sound ones still work: Content-Length: 0, HTTP/1.0 without Host, keep-alive.
    out, closed = raw(col.http_port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
                      timeout=1.0)
    check(out.startswith(b"HTTP/1.1 200 ") and not closed, "Content-Length: 0: %r closed=%s",
          out[:40], closed)
    out, _ = raw(col.http_port, b"GET /healthz HTTP/1.0\r\n\r\n")
    check(out[9:12] == b"200", "HTTP/1.0 without Host: %r", out[:40])

    # HEAD on every route, then GET /healthz on the same connection: a stray body
    # byte after a HEAD's head would come before the second status line.
    for path in ("/", "/main.js", "/style.css", "/nope", "/feed", "/feed?agent=x*", "/api/agents",
                 "/api/history", "/api/history?seconds=60", "/healthz", "/metrics"):
        data = (b"HEAD %s HTTP/1.1\r\nHost: x\r\n\r\n" % path.encode() +
                b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        out, closed = raw(col.http_port, data)
        head, sep, rest = out.partition(b"\r\n\r\n")
        check(sep and head[9:12] in (b"200", b"404"), "HEAD %s: %r", path, out[:80])
        check(rest.startswith(b"HTTP/1.1 200 "), "HEAD %s: %r after the head (want the next "
              "response)", path, rest[:40])
        check(closed, "HEAD %s then GET with Connection: close: still open", path)
    log("HEAD on 11 routes: no body")

    # A second collector on the same port: the log names the address, not port 0.
    r = subprocess.run([z.BIN.collector, "--store", "none", "--bind",
                        "tcp://127.0.0.1:%d" % z.free_port(), "--http",
                        "127.0.0.1:%d" % col.http_port], capture_output=True, timeout=10 * z.SLOW)
    err = r.stderr.decode()
    check(r.returncode == 1, "second collector on a taken port: exit %d", r.returncode)
    check("127.0.0.1:%d" % col.http_port in err and "port 0" not in err,
          "bind failure log: %r", err)
    check(col.proc.alive(), "collector died")


@case
def http_write_timeout(procs):
    """A client that asks for a large answer and never reads is closed after
    --http-write-timeout (2 s here), counted and logged; an idle /feed client
    (suspended between events) outlives it and still delivers."""
    col = procs.collector("--store", "none", "--http-write-timeout", "2")
    feed = col.feed()
    # 300 pipelined /main.js requests: about 6 MB of answers, far beyond what the
    # socket buffers hold with a 4 KiB receive buffer that is never read.
    stalled = socket.socket()
    stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stalled.settimeout(5 * z.SLOW)
    stalled.connect(("127.0.0.1", col.http_port))
    stalled.sendall(b"GET /main.js HTTP/1.1\r\nHost: x\r\n\r\n" * 300)
    t0 = time.monotonic()
    z.wait_until(lambda: col.metrics().total("zapm_http_write_timeouts_total") == 1, 8,
                 "zapm_http_write_timeouts_total to reach 1")
    took = time.monotonic() - t0
    check(took >= 1.5, "closed after %.1f s, before the 2 s deadline", took)
    # The server closed it: reading drains what was buffered, then EOF or a reset.
    got, ended = 0, False
    deadline = time.monotonic() + 5 * z.SLOW
    while time.monotonic() < deadline:
        try:
            d = stalled.recv(1 << 20)
        except ConnectionResetError:
            ended = True
            break
        if not d:
            ended = True
            break
        got += len(d)
    stalled.close()
    check(ended, "the stalled connection was not closed (read %d bytes)", got)
    check(got < 300 * 19000, "read %d bytes: every answer was sent", got)
    z.wait_until(lambda: "whose answer made no progress for 2 s" in col.proc.output(), 3,
                 "the write-timeout log line")
    # The idle /feed stream outlived the deadline and still delivers.
    pub = col.publisher()
    got_message = False
    deadline = time.monotonic() + 5 * z.SLOW
    while not got_message and time.monotonic() < deadline:
        pub.send(z.book_sample("red"))
        got_message = any(ev.type == "message" for ev in feed.read_for(0.3))
    check(got_message, "the idle /feed stream no longer delivers after the stalled client")
    check(col.metrics().total("zapm_http_write_timeouts_total") == 1, "more than one timeout")
    log("stalled client closed after %.1f s (%d bytes read), counted once; /feed kept", took, got)
    check(col.proc.alive(), "collector died")


z.run()
