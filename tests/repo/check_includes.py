#!/usr/bin/env python3
"""check_includes.py: a collector part is reached through its face only.

The build already refuses an include of another part's internal header: each
part's library puts only its include/ folder on other parts' include path
(collector/CMakeLists.txt). What the include path cannot stop is a quoted
include that names a path ("../store/store_db.h", "store/store_db.h"), which
the compiler resolves from the including file's own folder. So this checks
every C file under collector/, tests/ and bench/: a quoted #include names a
bare file, never a path.

Usage: check_includes.py REPO_ROOT
"""
import os
import re
import subprocess
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def main():
    root = sys.argv[1]
    files = subprocess.run(["git", "-C", root, "ls-files", "collector", "tests", "bench"],
                           capture_output=True, text=True, check=True).stdout.split()
    bad = 0
    read = 0
    for name in files:
        if not name.endswith((".c", ".h")):
            continue
        read += 1
        with open(os.path.join(root, name), encoding="utf-8") as f:
            text = f.read()
        for match in INCLUDE.finditer(text):
            if "/" in match.group(1):
                line = text.count("\n", 0, match.start()) + 1
                print(f"{name}:{line}: includes \"{match.group(1)}\" by path; "
                      "include the part's face by name (its include/ folder is on the path)")
                bad += 1
    print(f"{read} files read, {bad} includes by path")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
