#!/usr/bin/env python3
"""test_check_paths.py: check_paths.py refuses a stale function name in the docs.

The check passes on the repository, which only shows that the docs agree with
the code today. This runs it on a small tree of its own: a C file and a
docs/PERFORMANCE.md, first naming only what the C file has (it must pass),
then each kind of stale name (it must fail, naming the line): a call, a bare
`s_` name, a bare name kept alive only by a comment, and an old name allowed
in a dated figure of PERFORMANCE.md but written in another doc.

Usage: test_check_paths.py
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import check_paths  # noqa: E402

C_FILE = """/*  A part of the tree. part_gone is only named in this comment. */
#include <stdio.h>

static int
s_helper (int x)
{
    return x + 1;
}

int
part_run (int x)
{
    printf ("%d", s_helper (x));
    return 0;
}
"""
# The old names the allow-list keeps must still be named where it allows them.
HISTORIC_LINE = "Old figures: " + ", ".join("`%s`" % name for name in sorted(check_paths.HISTORIC))


def run(docs):
    with tempfile.TemporaryDirectory() as root:
        os.makedirs(os.path.join(root, "docs"))
        with open(os.path.join(root, "part.c"), "w", encoding="utf-8") as f:
            f.write(C_FILE)
        for name, text in docs.items():
            with open(os.path.join(root, name), "w", encoding="utf-8") as f:
                f.write(text)
        # A repository of its own, so the check reads these files and no others.
        subprocess.run(["git", "init", "-q", root], check=True)
        subprocess.run(["git", "-C", root, "add", "-A"], check=True)
        done = subprocess.run([sys.executable, os.path.join(HERE, "check_paths.py"), root],
                              capture_output=True, text=True)
        return done.returncode, done.stdout


def main():
    failures = []
    good = "`part_run (x)` calls `s_helper`; `printf ()` and `tcp_sendmsg` are not ours.\n"
    rc, out = run({"docs/PERFORMANCE.md": good + HISTORIC_LINE + "\n"})
    if rc != 0:
        failures.append("names that exist were refused:\n" + out)
    stale = {
        "a call": ("`part_walk (x)` took 3 us.\n", "part_walk"),
        "an s_ name": ("`s_gone` took 3 us.\n", "s_gone"),
        "a name only in a comment": ("`part_gone` took 3 us.\n", "part_gone"),
    }
    for what, (line, name) in stale.items():
        rc, out = run({"docs/PERFORMANCE.md": good + HISTORIC_LINE + "\n" + line})
        expected = "docs/PERFORMANCE.md:3: names the function %s" % name
        if rc == 0 or expected not in out:
            failures.append("%s (%s) was not refused:\n%s" % (what, name, out))
    old = sorted(check_paths.HISTORIC)[0]
    rc, out = run({"docs/PERFORMANCE.md": good + HISTORIC_LINE + "\n",
                   "docs/ARCHITECTURE.md": "`%s` is the frame handler.\n" % old})
    if rc == 0 or "docs/ARCHITECTURE.md:1: names the function %s" % old not in out:
        failures.append("an old name outside its dated figure was not refused:\n" + out)
    rc, out = run({"docs/PERFORMANCE.md": good})
    if rc == 0 or "HISTORIC allows" not in out:
        failures.append("an allow-list entry no doc needs was not reported:\n" + out)
    for failure in failures:
        print("FAIL: " + failure)
    print("%d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
