#!/usr/bin/env python3
"""check_paths.py: every file that the docs and the source comments name exists.

A pointer to a file that is not there (a design note that lives elsewhere, a
file that was renamed) sends a reader nowhere. This reads every tracked text
file of the repository and checks two kinds of names in it:

- a path with a slash, like `collector/ingest/ingest.c` or `docs/HTTP-API.md`: it must
  exist relative to the repository's root, to the naming file's directory, or
  (for the dashboard's own modules) to web/src;
- a bare file name with a source-like extension, like `ring.c`: some tracked
  file must have that name.

Names of files that only the build makes are listed in GENERATED, each with
the place that makes it; names outside the repository (system headers, the
build tree, node_modules) are not pointers into it and are skipped.

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
CODE = re.compile(r"\.(c|h|js|mjs|css)$")
SCRIPT = re.compile(r"\.(py|sh|cmake)$|CMakeLists\.txt$|^\.ci/run$")
TEXT = re.compile(r"\.(md|c|h|js|mjs|py|sh|cmake|txt|css|html)$|CMakeLists\.txt$|^\.ci/run$")


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
                if os.path.basename(path) in GENERATED:
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
    for p in problems:
        print(p)
    print("%d files read, %d stale pointers" % (len(files), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
