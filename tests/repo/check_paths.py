#!/usr/bin/env python3
"""check_paths.py: every file that the docs and the source comments name exists,
and every function that the docs citing code name.

A pointer to a file that is not there (a design note that lives elsewhere, a
file that was renamed) sends a reader nowhere. This reads every tracked text
file of the repository and checks two kinds of file names in it:

- a path with a slash, like `collector/ingest/ingest.c` or `docs/HTTP-API.md`: it must
  exist relative to the repository's root, to the naming file's directory, or
  (for the dashboard's own modules) to web/src;
- a bare file name with a source-like extension, like `ring.c`: some tracked
  file must have that name.

Names of files that only the build makes are listed in GENERATED, each with
the place that makes it; names outside the repository (system headers, the
build tree, node_modules) are not pointers into it and are skipped.

It also checks the function names of the docs that cite code (DOC_FUNCTIONS),
since a measurement or a design note pinned to a function that was renamed
sends a reader nowhere too. In those docs a backticked name followed by `(`,
like `store_append ()` or `getrusage (RUSAGE_SELF)`, must be defined, declared
or called in the C sources (so a library function we call passes); a
backticked bare name that looks like one, `s_name` or `name_name`, must be a
function there (`s_` names) or a word of the C or CMake sources (types, fields,
keys and metric names are words too). Comments do not count: a stale comment
does not keep a name alive. Names outside the repository (kernel and library
functions a profile shows) are listed in OUTSIDE, and old names kept because a
dated figure was measured under them in HISTORIC, each with its reason. A
`s_` name is private to its file, and the docs seldom say which file: it is
checked against every file's, so a stale one that another file also uses
passes.

Usage: check_paths.py REPO_ROOT
"""
import os
import re
import subprocess
import sys

# Files the build generates (not in the repository), and where.
GENERATED = {
    "wire.js": "web/cmake/wire_js.cmake, from common/wire.h",
    "assets.c": "web/cmake/embed.cmake, from the staged site (web/src and the generated wire.js)",
    "compile_commands.json": "CMake (CMAKE_EXPORT_COMPILE_COMMANDS)",
    "package-lock.json": "npm (web/package-lock.json exists; others are npm's)",
    "zapm-collector.service": "systemd/CMakeLists.txt at install, from zapm-collector.service.in",
    "zapmConfig.cmake": "cmake/ZapmInstall.cmake, from cmake/zapmConfig.cmake.in",
}
# Names that look like files but are not pointers into this repository.
NOT_OURS = re.compile(
    r"^(e\.g|i\.e|etc|node|package|index|assets|uPlot|backend-app|metric-server|charts)\.|"
    r"^(sys|zmq|czmq|microhttpd|sqlite3|curl|snappy-c|crypt|cjson/cJSON|cJSON|stdio|stdlib|"
    r"string|unistd|pthread|errno|math|time|signal|fcntl|getopt|fnmatch|inttypes|stdint|"
    r"stdbool|stddef|stdarg|assert|limits|zmq_utils)\.h$")
SKIP_PREFIXES = ("build", "build-", "/", "node_modules", "../", "~", "http", "vendor/")
EXTENSIONS = r"(?:c|h|js|mjs|md|py|sh|json|cmake|css|html|svg|service|txt)"
PATH = re.compile(r"(?<![\w./${}-])((?:[\w.-]+/)+[\w.-]+\." + EXTENSIONS + r")\b(?!\()")
BARE = re.compile(r"(?<![\w./${}-])([\w][\w.-]*\." + EXTENSIONS + r")\b(?!\()")
# Example names in the docs, of files a user writes.
EXAMPLES = {"service.c"}
# Example paths that are deliberately not pointers: what a check refuses.
EXAMPLE_PATHS = {
    "store/store_db.h": "check_includes.py: an include by path, which it refuses",
}
CODE = re.compile(r"\.(c|h|js|mjs|css)$")
SCRIPT = re.compile(r"\.(py|sh|cmake)$|CMakeLists\.txt$|^\.ci/run$")
TEXT = re.compile(r"\.(md|c|h|js|mjs|py|sh|cmake|txt|css|html)$|CMakeLists\.txt$|^\.ci/run$")

# The docs whose backticked function names are checked against the C sources:
# those that cite code. (HTTP-API.md and README.md name metrics, flags and a
# scrape config's keys, which look like function names and are not.)
DOC_FUNCTIONS = ("docs/PERFORMANCE.md", "docs/ARCHITECTURE.md", "docs/STORE.md", "docs/SECURITY.md")
# Functions that are not ours and that our code does not call by that name.
OUTSIDE = {
    "tcp_sendmsg": "the kernel's TCP send path, in a perf profile of /feed",
    "gnutls_record_send": "GnuTLS, called by libmicrohttpd for a TLS stream",
    "wal_checkpoint": "SQLite's checkpoint: a PRAGMA in store_db.c, sqlite3_wal_checkpoint_v2 in C",
    "zcert_load": "czmq's certificate reader, which other tools use on zapm-keygen's files",
}
# Old names in dated measurements: the figure was taken on code that had that name.
# Each is allowed in its one doc only; an entry no doc needs any more is an error too.
HISTORIC = {
    "s_on_frame": ("docs/PERFORMANCE.md",
                   "profiles of 2026-11-23, collector as of eed1854; today s_ingest"),
    "validate_utf8": ("docs/PERFORMANCE.md",
                      "profiles of 2026-11-23, collector as of eed1854; today utf8_valid"),
    "store_scan_number": ("docs/PERFORMANCE.md",
                          "the writer's JSON scanner in a perf of 2026-12-01, removed in e2ae33c"),
}
C_SOURCE = re.compile(r"\.(c|h)$")
C_TOKEN = re.compile(r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)
SPAN = re.compile(r"`([^`]+)`")
# A name called in a span: `name (`, `name()`; not a man page's `crypt(3)` or a
# Debian version's `zapm (= 1.0)`.
CALL = re.compile(r"^([A-Za-z_]\w*)\s*\((?!\d\w*\)|\s*[=<>])")
FUNCTION_LIKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")
WORD = re.compile(r"\b[A-Za-z_]\w*\b")


def tracked(root):
    try:
        out = subprocess.run(["git", "-C", root, "ls-files"], capture_output=True, text=True,
                             check=True).stdout
        return [line for line in out.splitlines() if line]
    except (OSError, subprocess.CalledProcessError):
        found = []
        for top, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if d not in (".git", "node_modules") and not d.startswith("build")]
            found += [os.path.relpath(os.path.join(top, f), root) for f in files]
        return found


def comments(rel, lines):
    """The text a reader reads as prose: whole lines of docs, comments of code."""
    if CODE.search(rel):
        inside = False
        for line in lines:
            text = ""
            rest = line
            while rest:
                if inside:
                    end = rest.find("*/")
                    text += " " + (rest if end < 0 else rest[:end])
                    if end < 0:
                        break
                    rest, inside = rest[end + 2:], False
                else:
                    start, slashes = rest.find("/*"), rest.find("//")
                    if slashes >= 0 and (start < 0 or slashes < start):
                        text += " " + rest[slashes + 2:]
                        break
                    if start < 0:
                        break
                    rest, inside = rest[start + 2:], True
            yield text
    elif SCRIPT.search(rel):
        doc = False
        for line in lines:
            quotes = line.count('"""') + line.count("'''")
            text = line if doc or quotes else ""
            if quotes % 2:
                doc = not doc
            hash_at = line.find("#")
            if not text and hash_at >= 0:
                text = line[hash_at + 1:]
            yield text
    else:
        yield from lines


def code_names(root, files):
    """What the C sources call or define (`name (` outside comments and strings),
    and every word of the C and CMake sources outside comments, strings included."""
    called, words = set(), set()
    for rel in files:
        cmake = rel.endswith((".cmake", "CMakeLists.txt"))
        if not (C_SOURCE.search(rel) or cmake) or rel.startswith("tests/fuzz/corpus/"):
            continue
        try:
            with open(os.path.join(root, rel), encoding="utf-8") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError):
            continue
        if cmake:
            words.update(WORD.findall(re.sub(r"#[^\n]*", " ", text)))
            continue
        strings = [m.group(0) for m in C_TOKEN.finditer(text) if m.group(0)[0] in "\"'"]
        code = C_TOKEN.sub(lambda m: " " if m.group(0)[0] == "/" else '""', text)
        called.update(re.findall(r"\b([A-Za-z_]\w*)\s*\(", code))
        words.update(WORD.findall(code))
        for literal in strings:
            words.update(WORD.findall(literal))
    return called, words


def function_problems(root, files):
    """Backticked function names in DOC_FUNCTIONS that the C sources no longer have."""
    called, words = code_names(root, files)
    problems = []
    historic_used = set()
    for rel in DOC_FUNCTIONS:
        try:
            with open(os.path.join(root, rel), encoding="utf-8") as f:
                lines = f.read().splitlines()
        except OSError:
            continue
        for number, line in enumerate(lines, 1):
            for span in SPAN.findall(line):
                span = span.strip()
                m = CALL.match(span)
                if m:
                    name, known = m.group(1), m.group(1) in called
                elif FUNCTION_LIKE.match(span):
                    name = span
                    known = name in called if name.startswith("s_") else name in words
                else:
                    continue
                if name in HISTORIC and HISTORIC[name][0] == rel:
                    historic_used.add(name)
                    continue
                if known or name in OUTSIDE:
                    continue
                problems.append("%s:%d: names the function %s, which the C sources do not have"
                                % (rel, number, name))
    for name in sorted(set(HISTORIC) - historic_used):
        problems.append("check_paths.py: HISTORIC allows %s in %s, which no longer names it"
                        % (name, HISTORIC[name][0]))
    return problems


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
    files = tracked(root)
    names = {os.path.basename(f) for f in files}
    problems = []
    for rel in files:
        if not TEXT.search(rel) or rel.startswith("tests/fuzz/corpus/"):
            continue
        try:
            with open(os.path.join(root, rel), encoding="utf-8") as f:
                lines = f.read().splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        here = os.path.dirname(rel)
        for number, line in enumerate(comments(rel, lines), 1):
            if re.match(r"\s*#\s*include\s*<", line):
                continue
            for m in PATH.finditer(line):
                path = m.group(1)
                if path.startswith(SKIP_PREFIXES) or NOT_OURS.search(os.path.basename(path)):
                    continue
                if os.path.basename(path) in GENERATED or path in EXAMPLE_PATHS:
                    continue
                candidates = [path, os.path.join(here, path), os.path.join("web/src", path),
                              os.path.join("web", path)]
                if not any(os.path.exists(os.path.join(root, c)) for c in candidates):
                    problems.append("%s:%d: names %s, which does not exist" % (rel, number, path))
            for m in BARE.finditer(PATH.sub(" ", line)):
                name = m.group(1)
                if name in names or name in GENERATED or name in EXAMPLES or NOT_OURS.search(name):
                    continue
                problems.append("%s:%d: names %s, which no file of the repository is called"
                                % (rel, number, name))
    problems += function_problems(root, files)
    for p in problems:
        print(p)
    print("%d files read, %d stale pointers" % (len(files), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
