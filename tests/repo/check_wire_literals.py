#!/usr/bin/env python3
"""check_wire_literals.py: the C code spells no wire name of its own.

Every JSON key, query parameter, event and state name of the wire is defined
once, in common/wire.h, and the agent, the collector and the dashboard use
those names (docs/ARCHITECTURE.md). The dashboard's side is
checked by tests/web/wire.test.mjs; this is the C side: it reads every string
literal of the C sources under agent/, collector/ and common/ (comments and
#include lines aside) and fails on one that is a wire name (the value of a
ZAPM_KEY_*, ZAPM_HISTORY_*, ZAPM_EVENT_* or ZAPM_STATE_* define), or that holds
one as a quoted JSON string (`",\\"tier\\":"`): a name written out is one that
can drift from wire.h. Write ZAPM_KEY_AGENT, or "," ZAPM_KEY_AGENT ":", instead.

Literals that equal a wire name but are not wire names (a command-line option,
a /proc file, a Prometheus label) are listed in NOT_WIRE, file by file, with
the reason.

The same scan holds one rule of /metrics: a family's HELP and TYPE lines are
written by prom_text_header (collector/base/prom_text.c) alone, so no other C file
spells "# HELP" or "# TYPE".

Usage: check_wire_literals.py REPO_ROOT
"""
import os
import re
import subprocess
import sys

# Literals that equal a wire name but are not one, by file, and why.
NOT_WIRE = {
    "agent/programs/agent_cli.h": {"color": "the --color option", "interval": "the --interval option"},
    "agent/programs/zapm_agent_main.c": {"pid": "the --pid option"},
    "agent/proc_sampler.c": {"status": "the file /proc/PID/status"},
    "agent/sys_sampler.c": {"cpu": "the cpu line of /proc/stat"},
    "collector/sample/metric_map.c": {"seconds": "a Prometheus unit", "cpu": "a Prometheus label"},
    "collector/export/remote_export.c": {"cpu": "a Prometheus label"},
    "collector/series/series_metrics.c": {"agent": "a Prometheus label", "host": "a Prometheus label",
                                   "pid": "a Prometheus label", "color": "a Prometheus label"},
}

# Files not checked yet, and why. Each is a debt: remove the line when it is paid.
KNOWN = {}

DEFINE = re.compile(r'^\s*#\s*define\s+ZAPM_((?:KEY|HISTORY|EVENT|STATE)_\w+)\s+"((?:[^"\\]|\\.)*)"',
                    re.M)
PROM_HEADER = re.compile(r"# (HELP|TYPE)\b")
PROM_TEXT = "collector/base/prom_text.c"
QUOTED = re.compile(r'\\"((?:[^"\\]|\\[^"])*)\\"')


def wire_names(root):
    """value -> the ZAPM_ name that defines it, for every wire name of wire.h."""
    with open(os.path.join(root, "common", "wire.h"), encoding="utf-8") as f:
        text = f.read()
    names = {}
    for m in DEFINE.finditer(text):
        names.setdefault(m.group(2), "ZAPM_" + m.group(1))
    return names


def literals(src):
    """(line, text) of each string literal of C source `src`, escapes as written."""
    out = []
    i, line, n = 0, 1, len(src)
    at_line_start = True
    while i < n:
        c = src[i]
        if c == "\n":
            line += 1
            i += 1
            at_line_start = True
            continue
        if at_line_start and re.match(r"[ \t]*#[ \t]*include", src[i:i + 40]):
            end = src.find("\n", i)
            i = n if end < 0 else end
            continue
        if not c.isspace():
            at_line_start = False
        if src.startswith("//", i):
            end = src.find("\n", i)
            i = n if end < 0 else end
        elif src.startswith("/*", i):
            end = src.find("*/", i + 2)
            if end < 0:
                raise ValueError("unterminated comment at line %d" % line)
            line += src.count("\n", i, end)
            i = end + 2
        elif c == "'" or c == '"':
            j = i + 1
            while j < n and src[j] != c:
                if src[j] == "\n":
                    raise ValueError("line break in a literal at line %d" % line)
                j += 2 if src[j] == "\\" else 1
            if c == '"':
                out.append((line, src[i + 1:j]))
            i = j + 1
        else:
            i += 1
    return out


def offences(text, names):
    """The wire names literal `text` spells: all of it, or as a quoted JSON string inside."""
    if text in names:
        return [text]
    return [m.group(1) for m in QUOTED.finditer(text) if m.group(1) in names]


def self_test():
    src = ('#include "wire.h"\nx = "tier"; // "no"\n/* "no"\n */ y = \'"\' + "a\\"b" "," '
           '"{\\"pids\\":[";\n')
    got = literals(src)
    assert got == [(2, "tier"), (4, 'a\\"b'), (4, ","), (4, '{\\"pids\\":[')], got
    names = {"tier": "ZAPM_HISTORY_TIER", "pids": "ZAPM_HISTORY_PIDS"}
    assert offences("tier", names) == ["tier"]
    assert offences('{\\"pids\\":[', names) == ["pids"]
    assert offences('a\\"b', names) == [] and offences("tiers", names) == []
    assert PROM_HEADER.search("# HELP zapm_x y\\n") and not PROM_HEADER.search("#HELPER")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    root = sys.argv[1]
    self_test()
    names = wire_names(root)
    if len(names) < 50:
        sys.exit("read only %d wire names from common/wire.h" % len(names))
    files = subprocess.run(["git", "-C", root, "ls-files", "agent", "collector", "common"],
                           capture_output=True, text=True, check=True).stdout.split()
    files = [f for f in files if f.endswith((".c", ".h")) and f != "common/wire.h"]
    if len(files) < 50:
        sys.exit("found only %d C files under agent/, collector/, common/" % len(files))
    found = []
    for f in files:
        with open(os.path.join(root, f), encoding="utf-8") as src:
            found_here = literals(src.read())
        if f != PROM_TEXT:
            found += ['%s:%d: "%s" writes a Prometheus header: use prom_text_header' % (f, line, text)
                      for line, text in found_here if PROM_HEADER.search(text)]
        if f in KNOWN:
            continue
        allowed = NOT_WIRE.get(f, {})
        for line, text in found_here:
            for name in offences(text, names):
                if name not in allowed:
                    found.append('%s:%d: "%s" spells %s' % (f, line, text, names[name]))
    for line in found:
        print(line)
    if found:
        print("%d literals to replace: wire names spelled outside common/wire.h (use its ZAPM_ "
              "names), Prometheus headers outside %s" % (len(found), PROM_TEXT))
        return 1
    print("%d C files, %d wire names: none spelled outside common/wire.h (%d files known to, "
          "listed in KNOWN); no Prometheus header outside %s"
          % (len(files), len(names), len(KNOWN), PROM_TEXT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
