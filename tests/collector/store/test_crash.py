#!/usr/bin/env python3
"""test_crash.py: kill -9 a process appending to the store; at most 2 s are lost.

Runs store_crash_driver append at 50 samples a second for about 3 s (150
samples), kills it
with SIGKILL, checks PRAGMA integrity_check on the file as the crash left it,
then reopens it (store_crash_driver check) and compares what is stored with
what the driver had appended: no gaps, and at most the last 2 s missing.
"""
import argparse
import json
import os
import re
import select
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

RATE = 50
# The first line of a ThreadSanitizer, AddressSanitizer or UBSan report.
SANITIZER_REPORT = re.compile(
    rb"^(WARNING: ThreadSanitizer: .*|ERROR: (Address|Leak)Sanitizer: .*|.*: runtime error: .*)$",
    re.MULTILINE)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--driver", required=True)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="zapm-store-crash-") as tmp:
        path = os.path.join(tmp, "history.db")
        proc = subprocess.Popen([args.driver, "append", path, str(RATE)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        appended = []
        buffer = b""
        # Until about 3 s of samples are in (or 30 s have passed, on a loaded machine).
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and buffer.count(b"\n") < RATE * 3:
            ready, _, _ = select.select([proc.stdout], [], [], 0.1)
            if ready:
                chunk = os.read(proc.stdout.fileno(), 65536)
                if not chunk:
                    break
                buffer += chunk
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        buffer += proc.stdout.read()
        # Killed on purpose, so its exit status says nothing: a sanitizer's report
        # (a race between the appender and the store's writer) shows on stderr.
        report = SANITIZER_REPORT.search(proc.stderr.read())
        assert not report, f"store_crash_driver append: {report.group(0).decode()}"
        for line in buffer.decode().splitlines():
            index, t = line.split()
            appended.append((int(index), int(t)))
        assert len(appended) > RATE * 2, f"driver appended only {len(appended)} samples"
        last_index, last_t = appended[-1]

        db = sqlite3.connect(path)
        status = db.execute("PRAGMA integrity_check").fetchone()[0]
        db.close()
        assert status == "ok", f"integrity_check after kill -9: {status}"

        check = subprocess.run([args.driver, "check", path], capture_output=True, timeout=30)
        assert check.returncode == 0, check.stderr.decode()
        assert not SANITIZER_REPORT.search(check.stderr), check.stderr.decode()
        answer = json.loads(check.stdout)
        lines = [s for s in answer["series"] if s["id"] == "crash@h:1"]
        assert lines, f"nothing stored: {check.stdout[:300]}"
        stored = [int(v) for v in lines[0]["cpu"] if v is not None]
        assert stored == list(range(stored[0], stored[-1] + 1)), "gaps in what was stored"
        assert stored[0] == 0, f"first stored sample is {stored[0]}"
        newest = stored[-1]
        times = dict(appended)
        lost_s = (last_t - times[newest]) / 1e9
        print(f"appended {last_index + 1} samples, stored {len(stored)}; "
              f"lost the last {last_index - newest} ({lost_s:.3f} s)")
        assert lost_s <= 2.0, f"lost {lost_s:.3f} s of samples"
        print("1 passed, 0 failed")


if __name__ == "__main__":
    sys.exit(main())
