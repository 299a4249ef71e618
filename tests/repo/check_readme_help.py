#!/usr/bin/env python3
"""check_readme_help.py: the README's copies of each program's --help are its real --help.

Every program prints --help from its own option table (common/cli.h); the README
shows that text in a fenced block that starts with "Usage: PROGRAM". This runs
each program given and compares. With --update it rewrites the blocks instead
(run it after changing a flag: `tests/repo/check_readme_help.py --update
README.md build/bin/zapm-collector build/bin/zapm-agent ...`).

Usage: check_readme_help.py [--update] README PROGRAM...
"""
import os
import re
import subprocess
import sys


def main():
    args = sys.argv[1:]
    update = args[:1] == ["--update"]
    if update:
        args = args[1:]
    readme, programs = args[0], args[1:]
    with open(readme, encoding="utf-8") as f:
        text = f.read()
    problems = 0
    for program in programs:
        name = os.path.basename(program)
        out = subprocess.run([program, "--help"], capture_output=True, text=True, timeout=30)
        if out.returncode != 0:
            print("%s --help exited %d" % (name, out.returncode))
            problems += 1
            continue
        block = re.compile(r"(```\n)(Usage: %s \[OPTION\]\.\.\.\n.*?)(```)" % re.escape(name), re.S)
        m = block.search(text)
        if not m:
            print("README has no block starting 'Usage: %s [OPTION]...'" % name)
            problems += 1
            continue
        if m.group(2) == out.stdout:
            print("%s: README matches --help" % name)
            continue
        if update:
            text = text[:m.start(2)] + out.stdout + text[m.end(2):]
            print("%s: README block updated" % name)
        else:
            print("%s: README's copy of --help differs from the program's; run\n  %s --update %s %s"
                  % (name, sys.argv[0], readme, program))
            problems += 1
    if update:
        with open(readme, "w", encoding="utf-8") as f:
            f.write(text)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
