"""rw_receiver: a fake Prometheus remote write receiver for the tests, and a
decoder of what zapm sends, written from the formats' documents (snappy's block
format, protobuf's wire format) so that it checks zapm's encoder instead of
sharing its code.

The receiver answers according to its `mode`, which a test changes while a
sender runs: "ok" (204), "500", "429", "400", "401" (and any other status
code given as text), "slow" (answers 204 after `slow_s` seconds, and keeps
nothing, since the sender has given up by then). It can be stopped (the port
is closed: connection refused) and started again on the same port. It keeps
every point of every request it accepted, and the headers of every request.
"""

import http.server
import ssl
import struct
import threading
import time


# ---------------------------------------------------------------- decoding

def _varint(data, pos):
    value = shift = 0
    while True:
        if pos >= len(data):
            raise ValueError("varint runs past the end")
        b = data[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return value, pos
        if shift > 63:
            raise ValueError("varint longer than 10 bytes")


def snappy_decompress(data):
    """Snappy's block format: a varint length, then literals and back-copies."""
    size, pos = _varint(data, 0)
    out = bytearray()
    while pos < len(data):
        tag = data[pos]
        pos += 1
        kind = tag & 3
        if kind == 0:
            length = tag >> 2
            if length >= 60:
                extra = length - 59
                length = int.from_bytes(data[pos:pos + extra], "little")
                pos += extra
            length += 1
            if pos + length > len(data):
                raise ValueError("literal runs past the end")
            out += data[pos:pos + length]
            pos += length
            continue
        if kind == 1:
            length = ((tag >> 2) & 7) + 4
            offset = ((tag >> 5) << 8) | data[pos]
            pos += 1
        elif kind == 2:
            length = (tag >> 2) + 1
            offset = int.from_bytes(data[pos:pos + 2], "little")
            pos += 2
        else:
            length = (tag >> 2) + 1
            offset = int.from_bytes(data[pos:pos + 4], "little")
            pos += 4
        if offset == 0 or offset > len(out):
            raise ValueError("copy from before the start")
        for _ in range(length):  # copies may overlap their own output
            out.append(out[-offset])
    if len(out) != size:
        raise ValueError("decompressed %d bytes, the preamble said %d" % (len(out), size))
    return bytes(out)


def _fields(data):
    """Yields (field number, wire type, value) of one protobuf message."""
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 1:
            value = data[pos:pos + 8]
            pos += 8
        elif wire == 2:
            length, pos = _varint(data, pos)
            value = data[pos:pos + length]
            pos += length
        elif wire == 5:
            value = data[pos:pos + 4]
            pos += 4
        else:
            raise ValueError("wire type %d" % wire)
        if pos > len(data):
            raise ValueError("field runs past the end")
        yield number, wire, value


def decode_write_request(body):
    """WriteRequest bytes -> list of (labels as a list of (name, value) in the
    order sent, samples as a list of (value, timestamp_ms))."""
    series = []
    for number, wire, ts in _fields(body):
        if number != 1 or wire != 2:
            raise ValueError("WriteRequest field %d/%d" % (number, wire))
        labels, samples = [], []
        for n, w, v in _fields(ts):
            if n == 1 and w == 2:
                name = value = ""
                for ln, lw, lv in _fields(v):
                    if lw != 2 or ln not in (1, 2):
                        raise ValueError("Label field %d/%d" % (ln, lw))
                    text = lv.decode("utf-8")
                    if ln == 1:
                        name = text
                    else:
                        value = text
                labels.append((name, value))
            elif n == 2 and w == 2:
                value, stamp = 0.0, 0
                for sn, sw, sv in _fields(v):
                    if sn == 1 and sw == 1:
                        value = struct.unpack("<d", sv)[0]
                    elif sn == 2 and sw == 0:
                        stamp = sv - (1 << 64) if sv >= 1 << 63 else sv
                    else:
                        raise ValueError("Sample field %d/%d" % (sn, sw))
                samples.append((value, stamp))
            else:
                raise ValueError("TimeSeries field %d/%d" % (n, w))
        series.append((labels, samples))
    return series


def check_series_rules(series):
    """What remote write 1.0 requires of each series; returns a problem or None."""
    for labels, samples in series:
        names = [n for n, _ in labels]
        if names != sorted(names, key=lambda s: s.encode()):
            return "labels not sorted: %r" % names
        if len(set(names)) != len(names):
            return "duplicate label names: %r" % names
        if "__name__" not in names:
            return "no __name__: %r" % names
        if any(v == "" for _, v in labels):
            return "empty label value: %r" % labels
        if not samples:
            return "series without samples"
    return None


# ---------------------------------------------------------------- the server

class Receiver:
    def __init__(self, port, mode="ok", slow_s=10.0, auth=None, tls=None):
        self.port = port
        self.mode = mode
        self.slow_s = slow_s
        self.auth = auth          # the exact Authorization header required, or None
        self.tls = tls            # (certfile, keyfile) to serve https, or None
        self.lock = threading.Lock()
        self.points = []          # (metric, frozenset of labels, value, timestamp) accepted
        self.requests = []        # (mode answered, headers) of every request
        self.problems = []        # what was wrong with a request
        self.server = None

    def start(self):
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            # HTTP/1.0: one request per connection, so a stopped receiver is
            # really gone (no kept-alive connection still being served).
            def do_POST(self):
                receiver._handle(self)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        if self.tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self.tls)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    close = stop

    def _handle(self, h):
        mode = self.mode
        body = h.rfile.read(int(h.headers.get("Content-Length", "0")))
        headers = {k.lower(): v for k, v in h.headers.items()}
        with self.lock:
            self.requests.append((mode, headers))
        if self.auth is not None and headers.get("authorization") != self.auth:
            mode = "401"
        elif mode == "ok":
            try:
                series = decode_write_request(snappy_decompress(body))
                problem = check_series_rules(series)
            except (ValueError, UnicodeDecodeError) as e:
                series, problem = [], "undecodable: %s" % e
            with self.lock:
                if problem:
                    self.problems.append(problem)
                for labels, samples in series:
                    names = dict(labels)
                    metric = names.pop("__name__", None)
                    for value, stamp in samples:
                        self.points.append((metric, frozenset(names.items()), value, stamp))
        elif mode == "slow":
            time.sleep(self.slow_s)
            mode = "ok-late"
        status = 204 if mode in ("ok", "ok-late") else int(mode)
        try:
            h.send_response(status)
            h.send_header("Content-Length", "0" if status == 204 else "6")
            h.end_headers()
            if status != 204:
                h.wfile.write(b"nope!\n")
        except OSError:
            pass  # the sender gave up waiting

    def snapshot(self):
        with self.lock:
            return list(self.points), list(self.requests), list(self.problems)
