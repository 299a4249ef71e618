#!/usr/bin/env python3
"""test_readme_example.py: the README's service.c, as printed, compiles against libzapm
and survives a half-set environment (issue 19, item 9).

The example is the first C block under "## Linking the agent into a service". With
ZAPM_CURVE_SERVER set and ZAPM_CURVE_CERT not, zapm_agent_new refuses (CURVE needs
both) and returns NULL; the example used to go on with the NULL and crash (SIGSEGV).
It must now exit 1, with the library's one "zapm: " line saying why.

Usage: test_readme_example.py README CC INCLUDE_DIR LIBZAPM_SO [CFLAG...]
"""
import os
import re
import subprocess
import sys
import tempfile


def main():
    readme, cc, include, library = sys.argv[1:5]
    cflags = sys.argv[5:]  # a sanitizer build's -fsanitize=...
    text = open(readme, encoding="utf-8").read()
    section = text[text.index("## Linking the agent into a service"):]
    source = re.search(r"```c\n(.*?)```", section, re.S).group(1)
    assert "zapm_agent_new" in source, "no zapm_agent_new in the README's example"
    with tempfile.TemporaryDirectory(prefix="zapm-readme-") as d:
        path = os.path.join(d, "service.c")
        with open(path, "w") as f:
            f.write(source)
        exe = os.path.join(d, "service")
        libdir = os.path.dirname(library)
        r = subprocess.run([cc, "-std=c11", "-Wall", "-Werror", *cflags, "-I", include, path, "-o", exe,
                            "-L", libdir, "-Wl,-rpath," + libdir, "-lzapm"],
                           capture_output=True, timeout=60)
        if r.returncode != 0:
            print("FAIL: the README's service.c does not compile:\n" + r.stderr.decode())
            return 1
        env = {k: v for k, v in os.environ.items() if not k.startswith("ZAPM_")}
        env["ZAPM_CURVE_SERVER"] = "0" * 40  # half set: no ZAPM_CURVE_CERT
        r = subprocess.run([exe], env=env, capture_output=True, timeout=30)
        err = r.stderr.decode(errors="replace")
        print("half-set environment: exit %d, stderr %r" % (r.returncode, err))
        if r.returncode != 1 or "zapm: CURVE needs both" not in err:
            print("FAIL: want exit 1 and the library's line (a negative exit is a signal)")
            return 1
    print("ok: the README's service.c checks zapm_agent_new's NULL")
    return 0


if __name__ == "__main__":
    sys.exit(main())
