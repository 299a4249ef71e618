"""The web side secured (issue 10): TLS, logins, and limits one client cannot exhaust.

Certificates are made at test time by Debian's openssl CLI, password hashes by
mkpasswd (yescrypt) and openssl passwd -6 (SHA-512); requests go out with curl
(TLS, Basic) and raw sockets (half-open connections, oversized heads).
"""

import base64
import json
import os
import resource
import select
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import types

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import zapmtest as z  # noqa: E402
from zapmtest import case, check, log

# The wrong-password flood: argv port, connections at a time, seconds; prints
# {status: count} as JSON.
FLOOD = r"""
import base64, json, socket, sys, threading, time
port, width, seconds, pause = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
bad = "Basic " + base64.b64encode(b"alice:guess").decode()
req = ("GET /api/agents HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\n\r\n" % bad).encode()
codes, lock, end = {}, threading.Lock(), time.monotonic() + seconds
def count(code):
    with lock:
        codes[code] = codes.get(code, 0) + 1
def run():
    # Keep-alive: one connection sends wrong password after wrong password.
    while time.monotonic() < end:
        try:
            # Long enough for the whole queue to be hashed on a busy machine.
            with socket.create_connection(("127.0.0.1", port), timeout=30) as c:
                while time.monotonic() < end:
                    c.sendall(req)
                    r = b""
                    while b"\r\n\r\n" not in r or not r.endswith(b"\n"):
                        d = c.recv(4096)
                        if not d:
                            raise ConnectionResetError()
                        r += d
                    count(r[9:12].decode())
                    if b"Connection: close" in r:
                        break
                    time.sleep(pause)
        except OSError as e:
            count(type(e).__name__)
threads = [threading.Thread(target=run) for _ in range(width)]
[t.start() for t in threads]
[t.join() for t in threads]
print(json.dumps(codes))
"""

PROTECTED = ("/", "/main.js", "/style.css", "/nope", "/api/agents", "/api/history", "/metrics", "/feed")


class Secrets:
    """A directory with a certificate for 127.0.0.1 and a users file, mode 0600."""

    def __init__(self):
        self.dir = tempfile.TemporaryDirectory(prefix="zapm-websec-")
        d = self.dir.name
        self.cert = os.path.join(d, "cert.pem")
        self.key = os.path.join(d, "key.pem")
        self.users = os.path.join(d, "users")
        r = subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-keyout", self.key, "-out", self.cert, "-days", "2", "-subj", "/CN=localhost",
             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
            capture_output=True, timeout=30)
        check(r.returncode == 0, "openssl req failed: %s", r.stderr.decode())
        os.chmod(self.key, 0o600)
        self.write_users({"alice": hash_yescrypt("wonderland"), "bob": hash_sha512("builder")})

    def write_users(self, users, text=None):
        if text is None:
            text = "".join("%s:%s\n" % kv for kv in users.items())
        tmp = self.users + ".new"
        with open(tmp, "w") as f:
            f.write("# zapm users\n" + text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.users)

    def close(self):
        self.dir.cleanup()


def hash_yescrypt(password):
    r = subprocess.run(["mkpasswd", "-m", "yescrypt", "--stdin"], input=password.encode(),
                       capture_output=True, timeout=30)
    check(r.returncode == 0 and r.stdout.startswith(b"$y$"), "mkpasswd: %r", r)
    return r.stdout.decode().strip()


def hash_sha512(password):
    r = subprocess.run(["openssl", "passwd", "-6", "-stdin"], input=password.encode(),
                       capture_output=True, timeout=30)
    check(r.returncode == 0 and r.stdout.startswith(b"$6$"), "openssl passwd: %r", r)
    return r.stdout.decode().strip()


def curl(url, *args, timeout=10):
    """Runs curl; returns (exit status, HTTP status, headers dict, body)."""
    with tempfile.NamedTemporaryFile() as headers:
        r = subprocess.run(["curl", "-sS", "-m", str(timeout * z.SLOW), "-D", headers.name,
                            "-o", "-", "-w", "\n%{http_code}", *args, url],
                           capture_output=True, timeout=timeout * z.SLOW + 5)
        body, _, code = r.stdout.rpartition(b"\n")
        hdrs = {}
        for line in open(headers.name, "rb").read().decode("latin-1").splitlines():
            if ":" in line:
                k, v = line.split(":", 1)
                hdrs[k.strip().lower()] = v.strip()
        return r.returncode, int(code or 0), hdrs, body


def start(procs, *extra, tls=None):
    """A collector with `extra` flags; with tls (a Secrets) it serves HTTPS."""
    flags = list(extra)
    if tls:
        flags += ["--tls-cert", tls.cert, "--tls-key", tls.key]
    scheme = "https" if tls else "http"
    # A port free_port() picked can be taken by a test running beside this one
    # before the collector binds it (it opens its store first): then try others.
    for attempt in range(3):
        col = procs.collector(*flags, wait=False)
        col.url = "%s://127.0.0.1:%d" % (scheme, col.http_port)
        col.ca = ["--cacert", tls.cert] if tls else []

        def ready():
            check(col.proc.alive(), "collector exited %s:\n%s", col.proc.popen.returncode,
                  col.proc.output())
            return curl(col.url + "/healthz", *col.ca, timeout=2)[1] == 200
        try:
            z.wait_until(ready, 5 * z.SLOW, "the collector serving /healthz")
            return col
        except z.Failure:
            if attempt == 2 or col.proc.alive() or "in use" not in col.proc.output():
                raise
            procs.procs.remove(col.proc)
            log("port taken, retrying")


def metric(col, name, creds="alice:wonderland"):
    """One counter from /metrics, logged in."""
    text = curl(col.url + "/metrics", *col.ca, "-u", creds)[3].decode()
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise z.Failure("no %s in /metrics" % name)


def exit_of(argv, timeout=10):
    r = subprocess.run([z.BIN.collector, *argv], capture_output=True, timeout=timeout * z.SLOW)
    err = r.stderr.decode()
    z.check_no_report("zapm-collector", err)
    return r.returncode, err


@case
def websec_logins(procs):
    """HTTPS with a test-made certificate; 401 without or with wrong logins, 200 with right
    ones on every protected route; /healthz open; HSTS; plain HTTP to the TLS port fails."""
    s = procs.own(Secrets())
    col = start(procs, "--users", s.users, tls=s)
    check("dashboard at https://127.0.0.1:%d/" % col.http_port in col.proc.output(),
          "startup line does not say https://: %s", col.proc.output())
    # The handshake verifies against the test certificate (no -k anywhere).
    rc, status, h, body = curl(col.url + "/healthz", *col.ca)
    check(rc == 0 and status == 200 and b'"ok"' in body, "/healthz: rc %d status %d", rc, status)
    check(h.get("strict-transport-security", "").startswith("max-age="), "no HSTS: %r", h)
    for path in PROTECTED:
        extra = ["-N"] if path == "/feed" else []
        for creds in (None, "alice:nope", "nobody:wonderland", "alice:", "bob:wonderland"):
            args = col.ca + extra + (["-u", creds] if creds else [])
            rc, status, h, _ = curl(col.url + path, *args, timeout=5)
            check(status == 401, "%s as %r: status %d (want 401)", path, creds, status)
            check(h.get("www-authenticate", "").startswith('Basic realm="zapm"'),
                  "%s: WWW-Authenticate %r", path, h.get("www-authenticate"))
        for creds in ("alice:wonderland", "bob:builder"):
            args = col.ca + (["-m", "1"] if path == "/feed" else []) + ["-u", creds]
            rc, status, h, body = curl(col.url + path, *args, timeout=5)
            want = 404 if path == "/nope" else 200
            check(status == want, "%s as %s: status %d (want %d)", path, creds, status, want)
            check(h.get("strict-transport-security"), "%s: no HSTS", path)
        log("%s: 401 x5 without/with wrong logins, %s for alice and bob", path,
            "404" if path == "/nope" else "200")
    # A malformed header is a 401 too, not a crash or a hang.
    for value in ("Basic", "Basic !!!!", "Bearer x", "Basic " + "A" * 600,
                  "Basic " + base64.b64encode(b"alice").decode()):
        rc, status, _, _ = curl(col.url + "/api/agents", *col.ca, "-H", "Authorization: " + value)
        check(status == 401, "Authorization %r: status %d", value[:20], status)
    failed = metric(col, "zapm_http_logins_failed_total")
    check(failed >= 30, "zapm_http_logins_failed_total %d", failed)
    # Plain HTTP to the TLS port: no HTTP answer at all.
    rc, status, _, body = curl("http://127.0.0.1:%d/healthz" % col.http_port, timeout=3)
    check(status == 0 and rc != 0, "plain HTTP to the TLS port: rc %d status %d", rc, status)
    with socket.create_connection(("127.0.0.1", col.http_port), timeout=3) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            reply = sock.recv(4096)
        except (ConnectionResetError, socket.timeout):
            reply = b""
        check(b"HTTP/" not in reply and b"ok" not in reply, "plain HTTP got %r", reply[:80])
    log("plain HTTP to the TLS port: curl rc %d, raw reply %d bytes, no HTTP", rc, len(reply))
    z.wait_until(lambda: metric(col, "zapm_http_tls_failed_total") >= 2, 3,
                 "zapm_http_tls_failed_total to count both")
    check("spoke plain HTTP to this HTTPS port: use an https:// URL" in col.proc.output(),
          "no plain-HTTP hint in the log:\n%s", col.proc.output())
    check("wonderland" not in col.proc.output(), "a password reached the log")


def handshake(port, *args):
    """openssl s_client to 127.0.0.1:port with args; returns the (protocol, cipher) agreed,
    or None when the server refused."""
    r = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-brief",
                        "-servername", "localhost", *args],
                       input=b"", capture_output=True, timeout=10 * z.SLOW)
    out = (r.stdout + r.stderr).decode(errors="replace")
    proto = cipher = None
    for line in out.splitlines():
        if line.startswith("Protocol version:"):
            proto = line.split(":", 1)[1].strip()
        elif line.startswith("Ciphersuite:"):
            cipher = line.split(":", 1)[1].strip()
    return (proto, cipher) if proto and cipher else None


@case
def websec_tls_profile(procs):
    """TLS 1.2 and 1.3 only, forward-secret AEAD ciphers (Mozilla "intermediate"):
    openssl s_client is refused with TLS 1.0, TLS 1.1 (even at SECLEVEL=0), and with TLS 1.2
    ciphers that are not forward-secret or not AEAD; ECDHE-*-GCM/CHACHA20 and TLS 1.3 agree.
    Run with an ECDSA and an RSA certificate."""
    s = procs.own(Secrets())
    rsa_key = os.path.join(s.dir.name, "rsa-key.pem")
    rsa_cert = os.path.join(s.dir.name, "rsa-cert.pem")
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                        rsa_key, "-out", rsa_cert, "-days", "2", "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                       capture_output=True, timeout=60)
    check(r.returncode == 0, "openssl req rsa: %s", r.stderr.decode())
    os.chmod(rsa_key, 0o600)
    rsa = types.SimpleNamespace(cert=rsa_cert, key=rsa_key)
    for kind, pair in (("ECDSA", s), ("RSA", rsa)):
        col = start(procs, "--store", "none", tls=pair)
        port = col.http_port
        refused = [("-tls1", "-cipher", "DEFAULT@SECLEVEL=0"),
                   ("-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"),
                   ("-tls1_2", "-cipher", "AES128-SHA"),             # no FS, no AEAD
                   ("-tls1_2", "-cipher", "AES128-GCM-SHA256"),      # AEAD, no FS
                   ("-tls1_2", "-cipher", "ECDHE-%s-AES128-SHA" % kind),     # FS, CBC
                   ("-tls1_2", "-cipher", "ECDHE-%s-AES256-SHA384" % kind)]  # FS, CBC
        for args in refused:
            got = handshake(port, *args)
            check(got is None, "%s: %s agreed on %r", kind, " ".join(args), got)
        accepted = [(("-tls1_2", "-cipher", "ECDHE-%s-AES128-GCM-SHA256" % kind), "TLSv1.2"),
                    (("-tls1_2", "-cipher", "ECDHE-%s-AES256-GCM-SHA384" % kind), "TLSv1.2"),
                    (("-tls1_2", "-cipher", "ECDHE-%s-CHACHA20-POLY1305" % kind), "TLSv1.2"),
                    (("-tls1_3",), "TLSv1.3")]
        for args, proto in accepted:
            got = handshake(port, *args)
            check(got and got[0] == proto, "%s: %s: %r (want %s)", kind, " ".join(args), got, proto)
        log("%s: %d handshakes refused (TLS 1.0, 1.1, non-FS, non-AEAD), %d agreed", kind,
            len(refused), len(accepted))
        z.wait_until(lambda: metric(col, "zapm_http_tls_failed_total") >= len(refused),
                     3, "zapm_http_tls_failed_total to count the refusals")
        check(col.proc.alive(), "collector died")


@case
def websec_refusals(procs):
    """Bad TLS files exit 1 with a clear line; --users in clear off loopback exits 2."""
    s = procs.own(Secrets())
    other = procs.own(Secrets())
    port = z.free_port()
    base = ["--bind", "tcp://127.0.0.1:%d" % z.free_port()]
    rc, err = exit_of(base + ["--http", "127.0.0.1:%d" % port, "--tls-cert", s.cert,
                              "--tls-key", other.key])
    check(rc == 1 and "does not belong to the certificate" in err, "mismatched pair: %d %s", rc, err)
    log("mismatched key: exit %d: %s", rc, err.strip().splitlines()[-1])
    rc, err = exit_of(base + ["--http", "127.0.0.1:%d" % port, "--tls-cert", s.users,
                              "--tls-key", s.key])
    check(rc == 1 and "not a usable PEM" in err, "not a certificate: %d %s", rc, err)
    os.chmod(s.key, 0o644)
    rc, err = exit_of(base + ["--http", "127.0.0.1:%d" % port, "--tls-cert", s.cert,
                              "--tls-key", s.key])
    check(rc == 1 and "chmod 600" in err, "world-readable key: %d %s", rc, err)
    os.chmod(s.key, 0o600)
    os.chmod(s.users, 0o604)
    rc, err = exit_of(base + ["--http", "127.0.0.1:%d" % port, "--users", s.users])
    check(rc == 1 and "chmod 600" in err, "world-readable users file: %d %s", rc, err)
    os.chmod(s.users, 0o600)
    rc, err = exit_of(base + ["--http", "127.0.0.1:%d" % port, "--tls-cert", s.cert])
    check(rc == 2 and "--tls-key" in err, "cert without key: %d %s", rc, err)
    for addr in ("*:%d" % port, "0.0.0.0:%d" % port, "192.0.2.1:%d" % port):
        rc, err = exit_of(base + ["--http", addr, "--users", s.users])
        check(rc == 2 and "in clear" in err and "--tls-cert" in err, "%s: %d %s", addr, rc, err)
    log("--users on * without TLS: exit %d: %s", rc, err.strip().splitlines()[0])
    # --insecure-http is the explicit way out; TLS is the right one.
    col = start(procs, "--users", s.users, "--insecure-http")
    check(col.proc.alive(), "--insecure-http did not start")


@case
def websec_reload(procs):
    """SIGHUP re-reads the users file; one that does not parse keeps the old users."""
    s = procs.own(Secrets())
    col = start(procs, "--users", s.users)
    url = col.url + "/api/agents"
    check(curl(url, "-u", "alice:wonderland")[1] == 200, "alice before the reload")
    s.write_users({"carol": hash_sha512("c4rol")})
    col.proc.popen.send_signal(signal.SIGHUP)
    z.wait_until(lambda: "reload: 1 user" in col.proc.output(), 5, "the reload line")
    check(curl(url, "-u", "carol:c4rol")[1] == 200, "carol after the reload")
    check(curl(url, "-u", "alice:wonderland")[1] == 401, "alice (removed) still let in")
    s.write_users(None, text="carol:$6$broken hash with spaces\n")
    col.proc.popen.send_signal(signal.SIGHUP)
    z.wait_until(lambda: "keeping the 1 current user" in col.proc.output(), 5,
                 "the reload refusal line")
    check("line 2" in col.proc.output(), "refusal does not name the line: %s", col.proc.output())
    check(curl(url, "-u", "carol:c4rol")[1] == 200, "carol after a bad reload")
    check(col.proc.alive(), "collector died on a bad users file")


def _raise_nofile(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, n))
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return want


def _nonblocking_connect(src, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((src, 0))
    s.setblocking(False)
    s.connect_ex(("127.0.0.1", port))
    return s


@case
def websec_half_open(procs):
    """10,100 connections from 127.0.0.1 that never finish their heads: a client at
    127.0.0.2 still gets the dashboard in under 1 s; the held ones are closed by the
    header deadline (10 s)."""
    count = 10100
    check(_raise_nofile(count + 200) >= count + 100, "RLIMIT_NOFILE too low for the test")
    s = procs.own(Secrets())
    col = start(procs, "--users", s.users)
    socks, connected_at, closed_at = [], {}, {}
    poller = select.epoll()

    def watch(timeout):
        for fd, _ in poller.poll(timeout):
            if fd not in closed_at:
                closed_at[fd] = time.monotonic()
                poller.unregister(fd)

    t0 = time.monotonic()
    try:
        for i in range(count):
            sock = _nonblocking_connect("127.0.0.1", col.http_port)
            socks.append(sock)
            connected_at[sock.fileno()] = time.monotonic()
            poller.register(sock.fileno(), select.EPOLLIN | select.EPOLLRDHUP | select.EPOLLHUP)
            if i % 500 == 499:
                watch(0.005)  # and let the backlog drain
        # Each sends the start of a head and then nothing.
        watch(0.5)
        sent = 0
        for sock in socks:
            if sock.fileno() in closed_at:
                continue
            try:
                sock.send(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                sent += 1
            except OSError:
                pass
        opened = time.monotonic()
        log("%d connections opened in %.2f s; %d still open took the partial head", count,
            opened - t0, sent)
        # Another address: served at once.
        auth = "Basic " + base64.b64encode(b"alice:wonderland").decode()
        times = []
        for attempt in range(3):
            t = time.monotonic()
            with socket.create_connection(("127.0.0.1", col.http_port), timeout=2,
                                          source_address=("127.0.0.2", 0)) as c:
                c.sendall(("GET / HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\n"
                           "Connection: close\r\n\r\n" % auth).encode())
                data = b""
                while True:
                    d = c.recv(65536)
                    if not d:
                        break
                    data += d
            times.append(time.monotonic() - t)
            check(data.startswith(b"HTTP/1.1 200"), "127.0.0.2 got %r", data[:60])
        log("127.0.0.2 got the dashboard in %s s", ", ".join("%.3f" % x for x in times))
        check(max(times) < 1.0, "the dashboard took %.3f s from 127.0.0.2", max(times))
        # Refused connections close at once; the held ones by the deadline, 10 s
        # after they were accepted (at or after their connect).
        end = max(connected_at.values()) + 17 * z.SLOW
        while len(closed_at) < count and time.monotonic() < end:
            watch(0.2)
        poller.close()
        lives = [closed_at[fd] - connected_at[fd] for fd in closed_at]
        quick = sum(1 for x in lives if x < 1)
        long_lived = sorted(x for x in lives if x >= 9.5)
        timeouts = metric(col, "zapm_http_header_timeouts_total")
        log("closed: %d within 1 s of connecting (over the per-address limit), %d after 9.5 to "
            "%.1f s; zapm_http_header_timeouts_total %d; still open: %d", quick, len(long_lived),
            long_lived[-1] if long_lived else 0, timeouts, count - len(closed_at))
        check(len(closed_at) == count, "%d connections still open", count - len(closed_at))
        check(timeouts >= 1, "no connection was closed by the header deadline")
        # The deadline counts from accept, which is at or after connect: a
        # connection it closed lived at least 10 s. (Slots it freed while
        # connections still arrived were taken by later ones, so it can close
        # more than 64; an over-the-limit connection waiting long in the
        # listen backlog lives long too, hence >=.)
        check(len(long_lived) >= timeouts, "%d deadline closures but only %d connections lived "
              ">= 9.5 s", timeouts, len(long_lived))
    finally:
        for sock in socks:
            sock.close()


@case
def websec_limits(procs):
    """414 for a long URL, 431 for long heads, 405 for other methods, 400 for a body on
    GET; keep-alive and HTTP/1.0 still work; a /feed stream outlives the header deadline."""
    col = start(procs)

    def raw(data, timeout=3):
        with socket.create_connection(("127.0.0.1", col.http_port), timeout=timeout) as c:
            c.sendall(data)
            out = b""
            try:
                while True:
                    d = c.recv(65536)
                    if not d:
                        break
                    out += d
            except socket.timeout:
                pass
            return out

    r = raw(b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    check(r.startswith(b"HTTP/1.1 414"), "long URL: %r", r[:40])
    r = raw(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
    check(r.startswith(b"HTTP/1.1 431"), "long header: %r", r[:40])
    many = b"".join(b"X-%d: %s\r\n" % (i, b"a" * 30) for i in range(600))
    r = raw(b"GET / HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n")
    check(r.startswith(b"HTTP/1.1 431"), "many headers: %r", r[:40])
    for method in (b"POST", b"PUT", b"DELETE", b"PATCH", b"OPTIONS", b"TRACE", b"BREW"):
        r = raw(method + b" / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        check(r.startswith(b"HTTP/1.1 405") or (method == b"BREW" and r[9:12] in (b"400", b"405", b"501")),
              "%s: %r", method, r[:40])
    r = raw(b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
    check(r.startswith(b"HTTP/1.1 400"), "body on GET: %r", r[:40])
    r = raw(b"GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
    check(r.startswith(b"HTTP/1.1 400"), "chunked body on GET: %r", r[:40])
    r = raw(b"GET /healthz HTTP/1.0\r\n\r\n")
    check(r.startswith(b"HTTP/1.0 200") or r.startswith(b"HTTP/1.1 200"), "HTTP/1.0: %r", r[:40])
    # Keep-alive: three requests on one connection.
    with socket.create_connection(("127.0.0.1", col.http_port), timeout=3) as c:
        for i in range(3):
            last = b"Connection: close\r\n" if i == 2 else b""
            c.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + last + b"\r\n")
            data = b""
            while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
                d = c.recv(4096)
                check(d, "connection closed after %d keep-alive requests", i)
                data += d
            check(data.startswith(b"HTTP/1.1 200") and b"Connection: close" not in data[:200] or i == 2,
                  "keep-alive request %d: %r", i, data[:80])
    log("414, 431 (one long, 600 headers), 405 x7, 400 (length, chunked), HTTP/1.0, keep-alive")
    # A /feed stream is never closed by the header deadline (it is suspended).
    feed = col.feed()
    pub = col.publisher()
    t0 = time.monotonic()
    while time.monotonic() - t0 < 12:
        pub.send(z.book_sample("red"))
        feed.read_for(0.5)
    pub.send(z.book_sample("red"))
    ev = feed.next_event(timeout=3)
    check(ev is not None, "the /feed stream ended within 13 s")
    check(col.metrics().total("zapm_http_header_timeouts_total") == 0, "a stream was timed out")
    log("a /feed stream still delivers after %.1f s", time.monotonic() - t0)


@case
def websec_flood(procs):
    """A wrong-password flood beside a live reader: the reader's event latency stays
    within its own normal p99; the flood gets 401s and 429s, bounded."""
    s = procs.own(Secrets())
    col = start(procs, "--users", s.users, "--max-clients-per-address", "0")
    auth = {"Authorization": "Basic " + base64.b64encode(b"alice:wonderland").decode()}
    feed = col.feed(headers=auth)
    pub = col.publisher()

    def latencies(seconds):
        out = []
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            sent = time.monotonic()
            pub.send(z.book_sample("red"))
            ev = feed.next_event(timeout=2)
            while ev is not None and ev.type != "message":
                ev = feed.next_event(timeout=2)
            check(ev is not None, "no sample event within 2 s")
            out.append(time.monotonic() - sent)
            time.sleep(0.02)
        return sorted(out)

    latencies(1.0)  # warm
    base = latencies(3.0)
    # The flood runs in its own process (no GIL shared with the reader): as
    # many keep-alive connections as the hashing queue holds, each sending a
    # wrong password as soon as the last was refused, so the hashing thread
    # never rests.
    flood = procs.start([sys.executable, "-c", FLOOD, str(col.http_port), "64", "5", "0"],
                        name="flood")
    time.sleep(0.5)
    under = latencies(4.0)
    check(flood.popen.wait(40 * z.SLOW) == 0, "flood failed: %s", flood.output())
    codes = json.loads(flood.output().strip().splitlines()[-1])
    # The normal p99: alone, before and after the flood (other work on a shared
    # machine comes and goes; the flood is what is being judged).
    base = sorted(base + latencies(3.0))
    base_p99 = base[int(len(base) * 0.99) - 1]
    under_p50 = under[len(under) // 2]
    under_p99 = under[int(len(under) * 0.99) - 1]
    log("reader latency p50 %.2f ms p99 %.2f ms alone (n=%d); p50 %.2f ms p90 %.2f ms p99 %.2f ms "
        "under 64 connections of wrong logins for 5 s (%s)", base[len(base) // 2] * 1e3,
        base_p99 * 1e3, len(base), under_p50 * 1e3, under[int(len(under) * 0.90) - 1] * 1e3,
        under_p99 * 1e3, codes)
    check(codes.get("401", 0) > 0, "the flood got no 401: %r", codes)
    check(set(codes) <= {"401", "429"}, "the flood got other answers: %r", codes)
    hashed = metric(col, "zapm_http_logins_failed_total")
    # Within its normal p99: 90 % of the reader's events under the flood arrive
    # within the p99 it has alone (2 ms of slack: the machine's 2 cores are
    # shared with the flood, the hashing thread and other work). Were the
    # hashes (~30 ms each, back to back) paid on the loop, most events would
    # wait for one. The tail is bounded, not compared: on a busy machine it is
    # set by the scheduler.
    under_p90 = under[int(len(under) * 0.90) - 1]
    check(under_p90 <= base_p99 + 0.002, "p90 under the flood %.2f ms > normal p99 %.2f ms",
          under_p90 * 1e3, base_p99 * 1e3)
    check(under_p99 < 0.2, "p99 under the flood %.2f ms", under_p99 * 1e3)
    # Past the queue: 400 connections at once get 429 at once, never a hang.
    over = procs.start([sys.executable, "-c", FLOOD, str(col.http_port), "400", "2", "0.05"],
                       name="overflow")
    feed_alive = latencies(2.0)
    check(over.popen.wait(40 * z.SLOW) == 0, "overflow flood failed: %s", over.output())
    over_codes = json.loads(over.output().strip().splitlines()[-1])
    log("400 connections at once: %s; reader p99 meanwhile %.2f ms; %d logins hashed and "
        "refused in the first phase", over_codes, feed_alive[int(len(feed_alive) * 0.99) - 1] * 1e3, hashed)
    check(over_codes.get("429", 0) > 0, "no 429 past the queue: %r", over_codes)
    # Stopping in the middle of a flood: the checks in flight are ended (401),
    # no request stays suspended, the collector exits 0 at once.
    last = procs.start([sys.executable, "-c", FLOOD, str(col.http_port), "64", "3", "0"],
                       name="flood-at-stop")
    time.sleep(1.0)
    t = time.monotonic()
    rc = col.proc.stop(signal.SIGTERM, timeout=5 * z.SLOW)
    check(rc == 0, "the collector exited %s when stopped during a flood", rc)
    log("stopped during a flood: exit %d in %.2f s", rc, time.monotonic() - t)
    last.popen.wait(40 * z.SLOW)
    check(set(over_codes) <= {"401", "429"}, "overflow got other answers: %r", over_codes)


z.run()
