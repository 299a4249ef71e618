"""Collector tiers and agents with several collectors (docs/FIELDS.md, "Forwarding").

Edges forward every valid sample to a root collector over ZeroMQ; the root
treats them as its own agents' (same identity, seq gaps counted per agent),
shows the edge each series came by, refuses loops, and every sample is
accounted for at each tier: received by the edge = forwarded + dropped by
reason, forwarded by the edge = received from it by the root.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import zapmtest as z  # noqa: E402
from zapmtest import case, check, log, wait_until


def pump(pub, n, agent, seq0=0, pid=100, pause=0.0):
    for i in range(n):
        pub.send(dict(z.book_sample("teal"), agent=agent, host="tiers", pid=pid, seq=seq0 + i,
                      interval=0.2))
        if pause:
            time.sleep(pause)
    return seq0 + n


def edge(procs, root, name):
    return procs.collector("--forward", root.endpoint, "--name", name)


def by_agent(col):
    return {a["agent"]: a for a in col.agents()}


def link(col, metric, **labels):
    want = ",".join('%s="%s"' % kv for kv in sorted(labels.items()))
    values = [v for k, v in col.metrics().items()
              if k.startswith(metric + "{") and all('%s="%s"' % kv in k for kv in labels.items())]
    check(values, "no %s{%s} in /metrics", metric, want)
    return sum(values)


def wait_connected(edge_col, root, timeout=5.0):
    wait_until(lambda: link(edge_col, "zapm_forward_connected", upstream=root.endpoint) == 1,
               timeout, "edge connected to the root")


def restart(procs, col):
    """Starts col's collector again with the same command line (same ports)."""
    argv = col.proc.argv
    if col.proc in procs.procs:
        status = col.proc.stop(signal.SIGKILL)
        log("killed %s (status %s); starting it again", col.proc.name, status)
        procs.procs.remove(col.proc)
    col.proc = procs.start(argv, name="zapm-collector")
    col.pid = col.proc.pid
    col.wait_ready()


@case
def forward_two_edges(procs):
    """Two edges with agents of their own: the root lists every agent, by edge, none lost."""
    root = procs.collector("--name", "root")
    edges = [edge(procs, root, "edge-%d" % i) for i in (1, 2)]
    for e in edges:
        wait_connected(e, root)
    pubs = [e.publisher() for e in edges]
    for i, pub in enumerate(pubs):
        for a in range(3):
            pump(pub, 20, "e%d-a%d" % (i + 1, a), pid=100 + a)
    wait_until(lambda: sum(a["samples"] for a in root.agents()) >= 120, 10, "120 samples at the root")
    agents = by_agent(root)
    check(len(agents) == 6, "root lists %d agents, want 6: %r", len(agents), sorted(agents))
    for name, a in agents.items():
        want = "edge-" + name[1]
        check(a["via"] == want, "%s via %r, want %r", name, a["via"], want)
        check(a["samples"] == 20 and a["lost"] == 0, "%s: samples %r lost %r", name, a["samples"],
              a["lost"])
        check(a["id"] == "%s@tiers:%d" % (name, 100 + int(name[-1])), "identity changed: %r", a["id"])
    for i, e in enumerate(edges):
        sent = link(e, "zapm_forward_sent_total", upstream=root.endpoint)
        got = link(root, "zapm_forward_received_total", edge="edge-%d" % (i + 1))
        check(sent == 60 and got == 60, "edge-%d sent %r, root received %r (want 60)", i + 1, sent, got)
        check(e.metrics().total("zapm_forward_dropped_total") == 0, "edge-%d dropped samples", i + 1)
    # The root's own feed carries them as samples, like its own agents'.
    feed = root.feed("/feed?history=60")
    got = feed.collect(lambda ev, g: len(z.samples(g)) >= 120, timeout=5, what="120 replayed samples")
    check(len(z.samples(got)) == 120, "root feed replayed %d samples", len(z.samples(got)))


@case
def forward_edge_killed(procs):
    """An edge killed: its agents go left at the root after the usual timeout."""
    root = procs.collector("--name", "root")
    e1, e2 = edge(procs, root, "edge-1"), edge(procs, root, "edge-2")
    wait_connected(e1, root)
    wait_connected(e2, root)
    p1, p2 = e1.publisher(), e2.publisher()
    pump(p1, 5, "on-one")
    seq = pump(p2, 5, "on-two")
    wait_until(lambda: len(root.agents()) == 2, 5, "two agents at the root")
    e1.proc.stop(signal.SIGKILL)
    procs.procs.remove(e1.proc)
    log("edge-1 killed")
    # Keep edge-2's agent alive while edge-1's agent falls silent.
    deadline = time.monotonic() + 3 * z.SLOW
    while time.monotonic() < deadline:
        seq = pump(p2, 1, "on-two", seq0=seq)
        time.sleep(0.1)
        agents = by_agent(root)
        if agents["on-one"]["state"] == "left":
            break
    agents = by_agent(root)
    check(agents["on-one"]["state"] == "left", "on-one is %r after its edge died", agents["on-one"]["state"])
    check(agents["on-two"]["state"] == "live", "on-two is %r", agents["on-two"]["state"])
    check(agents["on-two"]["lost"] == 0, "on-two lost %r", agents["on-two"]["lost"])


@case
def forward_root_restarted(procs):
    """The root killed and started again: the edge counts what it could not forward,
    reconnects by itself, and every sample after that arrives."""
    root = procs.collector("--name", "root")
    e = edge(procs, root, "edge-1")
    wait_connected(e, root)
    pub = e.publisher()
    seq = pump(pub, 10, "steady")
    wait_until(lambda: by_agent(root).get("steady", {}).get("samples") == 10, 5, "10 at the root")
    root.proc.stop(signal.SIGKILL)
    procs.procs.remove(root.proc)
    wait_until(lambda: link(e, "zapm_forward_connected", upstream=root.endpoint) == 0, 10,
               "the edge to notice the root is gone")
    seq = pump(pub, 7, "steady", seq0=seq)  # while the root is down
    wait_until(lambda: e.metrics().total("zapm_samples_received_total") == 17, 5, "17 at the edge")
    down = link(e, "zapm_forward_dropped_total", upstream=root.endpoint, reason="upstream_down")
    check(down == 7, "edge counted %r samples dropped with the root down, want 7", down)
    restart(procs, root)
    wait_connected(e, root, timeout=15)
    seq = pump(pub, 10, "steady", seq0=seq)
    wait_until(lambda: by_agent(root).get("steady", {}).get("samples") == 10, 5,
               "the 10 samples after the restart at the root")
    sent = link(e, "zapm_forward_sent_total", upstream=root.endpoint)
    check(sent == 20, "edge forwarded %r, want 10 + 10", sent)
    check(e.metrics().total("zapm_samples_received_total") == sent + down,
          "edge accounting: received != forwarded + dropped")


@case
def forward_loop_refused(procs):
    """Two collectors that forward to each other: each batch stops where it started."""
    a = procs.collector("--name", "a", wait=True)
    b = procs.collector("--forward", a.endpoint, "--name", "b")
    # a forwards to b: start a again with --forward (its ports stay the same).
    a.proc.argv += ["--forward", b.endpoint]
    restart(procs, a)
    wait_connected(a, b)
    wait_connected(b, a)
    pub = a.publisher()
    pump(pub, 5, "looped")
    wait_until(lambda: link(a, "zapm_forward_refused_total", reason="loop") >= 5, 5,
               "a refuses its own samples coming back")
    time.sleep(0.5)
    for col, name in ((a, "a"), (b, "b")):
        agent = by_agent(col)["looped"]
        check(agent["samples"] == 5 and agent["lost"] == 0, "%s: samples %r", name, agent["samples"])
    check(link(a, "zapm_forward_refused_total", reason="loop") == 5, "a refused more than it sent")
    check(link(b, "zapm_forward_refused_total", reason="loop") == 0, "b refused a batch")


@case
def forward_curve(procs):
    """A root that takes CURVE only: an edge with the root's key and a certificate
    in the root's allow-list forwards; an edge speaking plaintext gets nothing in."""
    keys = tempfile.mkdtemp(prefix="zapm-tiers-")
    procs.own(type("Remove", (), {"close": lambda self: shutil.rmtree(keys, True)})())
    allow = os.path.join(keys, "allow")
    os.mkdir(allow)
    keygen = os.path.join(os.path.dirname(z.BIN.collector), "zapm-keygen")
    for name in ("root", "edge"):
        r = subprocess.run([keygen, os.path.join(keys, name)], capture_output=True, timeout=10)
        check(r.returncode == 0, "zapm-keygen %s: %s", name, r.stderr)
    shutil.copy(os.path.join(keys, "edge"), os.path.join(allow, "edge"))
    root = procs.collector("--name", "root", "--curve-cert", os.path.join(keys, "root"),
                           "--curve-allow", allow)
    good = procs.collector("--forward", root.endpoint, "--name", "edge-1",
                           "--forward-curve-server", os.path.join(keys, "root"),
                           "--forward-curve-cert", os.path.join(keys, "edge"))
    plain = edge(procs, root, "edge-plain")
    wait_connected(good, root, timeout=10)
    pump(good.publisher(), 10, "secured")
    pump(plain.publisher(), 10, "unsecured")
    wait_until(lambda: by_agent(root).get("secured", {}).get("samples") == 10, 10,
               "10 samples through the CURVE link")
    check(by_agent(root)["secured"]["via"] == "edge-1", "via %r", by_agent(root)["secured"]["via"])
    check("unsecured" not in by_agent(root), "the plaintext edge got samples in")
    check(link(plain, "zapm_forward_connected", upstream=root.endpoint) == 0,
          "the plaintext edge counts its link as connected")
    check(link(plain, "zapm_forward_dropped_total", upstream=root.endpoint,
               reason="upstream_down") == 10, "the plaintext edge did not count its 10 drops")
    # libzmq reports a plaintext peer on a CURVE socket either as a ZAP refusal
    # or as a failed handshake (docs/SECURITY.md): counted either way.
    def counted():
        m = root.metrics()
        return (m.get('zapm_agents_refused_total{reason="plaintext"}', 0) +
                m.get('zapm_agent_connections_lost_total{reason="mechanism_mismatch"}', 0) +
                m.get('zapm_agent_connections_lost_total{reason="handshake_failed"}', 0))
    wait_until(counted, 10, "the root to count the plaintext edge it refused")


@case
def agent_two_collectors(procs):
    """An agent with two --connect, one of them absent: the other receives every sample."""
    col = procs.collector()
    absent = "tcp://127.0.0.1:%d" % z.free_port()
    agent = procs.start([z.BIN.agent, "--connect", absent, "--connect", col.endpoint,
                         "--name", "twice", "--interval", "0.05", "--count", "40"],
                        name="zapm-agent[twice]")
    feed = col.feed("/feed?history=60")
    got = feed.collect(lambda ev, g: any(s.get("seq") == 39 for s in z.samples(g)), timeout=10,
                       what="seq 39")
    seqs = [s["seq"] for s in z.samples(got) if s.get("agent") == "twice"]
    check(seqs == list(range(seqs[0], 40)), "seqs %r are not consecutive", seqs)
    check(seqs[0] <= 2, "first seq seen %d: the absent collector delayed the start", seqs[0])
    check(agent.popen.wait(10) == 0, "zapm-agent exit status")


z.run()
