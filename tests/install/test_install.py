"""test_install.py: what `cmake --install` and the Debian packages deliver.

Each case installs the build tree under test (ZAPM_BUILD_DIR) into a fresh
temporary prefix, or builds what it needs in a temporary directory, and checks
the installed files as a user of them would: a service compiled outside the tree
with pkg-config or find_package(zapm) publishes to the installed collector and
its samples show on /feed; the libraries export only zapm_*; the units pass
`systemd-analyze verify`; every man page renders; the packages hold the files.
Every command has a timeout; every process is stopped by zapmtest's Procs.

Run by ctest (tests/install/CMakeLists.txt) as install.<case>; by hand:
  ZAPM_BUILD_DIR=build ZAPM_SOURCE_DIR=. /usr/bin/python3 \
      tests/install/test_install.py --case symbols
"""

import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
import zapmtest as zt  # noqa: E402
from zapmtest import case, check, log  # noqa: E402

BUILD = os.path.abspath(os.environ.get("ZAPM_BUILD_DIR", "build"))
SOURCE = os.path.abspath(os.environ.get("ZAPM_SOURCE_DIR", os.path.join(HERE, "..", "..")))
VERSION = os.environ.get("ZAPM_VERSION", "0.1.0")

# What `cmake --install` must put under the prefix, relative to it; LIB is the
# library directory (lib, or lib/<multiarch> for /usr).
EXPECTED = [
    "bin/zapm-collector", "bin/zapm-agent", "bin/zapm-demo",
    "include/zapm.h",
    "LIB/libzapm.so", "LIB/libzapm.so.0", "LIB/libzapm.so.%s" % VERSION, "LIB/libzapm.a",
    "LIB/pkgconfig/libzapm.pc",
    "LIB/cmake/zapm/zapmConfig.cmake", "LIB/cmake/zapm/zapmConfigVersion.cmake",
    "LIB/cmake/zapm/zapmTargets.cmake",
    "share/man/man8/zapm-collector.8.gz", "share/man/man1/zapm-agent.1.gz",
    "share/man/man1/zapm-demo.1.gz", "share/man/man3/libzapm.3.gz",
    "lib/systemd/system/zapm-collector.service", "lib/systemd/system/zapm-agent@.service",
]


def sh(argv, timeout=120, env=None, cwd=None, ok=True):
    """Runs argv; returns (status, stdout, stderr). Fails the case if ok and status != 0."""
    argv = [str(a) for a in argv]
    full_env = dict(os.environ)
    full_env.update(env or {})
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                           env=full_env, cwd=cwd, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise zt.Failure("%s: not done within %d s" % (" ".join(argv), timeout))
    if ok:
        check(p.returncode == 0, "%s exited %d:\n%s%s", " ".join(argv), p.returncode,
              p.stdout[-3000:], p.stderr[-3000:])
    return p.returncode, p.stdout, p.stderr


class Tmp:
    """A temporary directory removed at the end of the case."""

    def __init__(self):
        self.path = tempfile.mkdtemp(prefix="zapm-install-")

    def close(self):
        shutil.rmtree(self.path, ignore_errors=True)


def tmpdir(procs):
    return procs.own(Tmp()).path


def install(procs):
    """Installs the build tree into a fresh prefix; returns (prefix, libdir)."""
    prefix = os.path.join(tmpdir(procs), "prefix")
    sh(["cmake", "--install", BUILD, "--prefix", prefix], timeout=60)
    pcs = glob.glob(os.path.join(prefix, "lib*", "**", "pkgconfig", "libzapm.pc"), recursive=True)
    check(len(pcs) == 1, "expected one libzapm.pc under %s, found %r", prefix, pcs)
    libdir = os.path.dirname(os.path.dirname(pcs[0]))
    return prefix, libdir


def exported_api(header):
    """The function names zapm.h marks ZAPM_EXPORT."""
    with open(header) as f:
        names = re.findall(r"^ZAPM_EXPORT\b[^(]*?\b(zapm_\w+)\s*\(", f.read(), re.M)
    check(len(names) >= 10, "found only %d ZAPM_EXPORT functions in %s", len(names), header)
    return set(names)


def defined_globals(nm_argv):
    """Names of the defined global symbols nm prints (any type but U, w, v)."""
    _, out, _ = sh(nm_argv)
    names = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] not in ("U", "w", "v"):
            names.add(parts[2])
    return names


def feed_agents(collector, names, timeout=15.0):
    """Reads /feed until a sample of every agent in names arrived; returns them by name."""
    feed = collector.feed()
    seen = {}

    def until(ev, _):
        if ev.type == "message":
            sample = ev.json()
            if sample.get("agent") in names:
                seen.setdefault(sample["agent"], sample)
        return set(seen) == set(names)

    feed.collect(until, timeout, what="samples of %s" % ", ".join(sorted(names)))
    return seen


def run_services(procs, collector, services, env=None):
    """Starts each (argv, name) service, waits for its samples on /feed, then
    for it to exit 0 after its 5 samples."""
    feed_names = set()
    started = []
    for argv, name in services:
        p = subprocess.Popen([*argv, collector.endpoint, name], env={**os.environ, **(env or {})},
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        started.append((p, name))
        feed_names.add(name)
    try:
        seen = feed_agents(collector, feed_names)
        for name, sample in seen.items():
            log("%s: seq %s, custom %s", name, sample.get("seq"), sample.get("custom"))
            check(sample.get("custom", {}).get("orders") == 1,
                  "%s's sample lacks custom.orders == 1: %r", name, sample)
        for p, name in started:
            out, _ = p.communicate(timeout=15)
            check(p.returncode == 0, "%s exited %d: %s", name, p.returncode, out)
    finally:
        for p, _ in started:
            if p.poll() is None:
                p.kill()
                p.wait(5)


def start_installed_collector(procs, prefix):
    zt.BIN.collector = os.path.join(prefix, "bin", "zapm-collector")
    return procs.collector()


# ---------------------------------------------------------------- cases

@case
def layout(procs):
    """--prefix and DESTDIR put every file under the prefix; paths inside follow it."""
    prefix, libdir = install(procs)
    rel_lib = os.path.relpath(libdir, prefix)
    for rel in EXPECTED:
        path = os.path.join(prefix, rel.replace("LIB", rel_lib, 1) if rel.startswith("LIB") else rel)
        check(os.path.lexists(path), "not installed: %s", path)
    check(os.readlink(os.path.join(libdir, "libzapm.so")) == "libzapm.so.0", "libzapm.so link")
    check(os.readlink(os.path.join(libdir, "libzapm.so.0")) == "libzapm.so.%s" % VERSION,
          "libzapm.so.0 link")
    # Files whose content names the prefix were written for this prefix at install time.
    with open(os.path.join(libdir, "pkgconfig", "libzapm.pc")) as f:
        pc = f.read()
    check("prefix=%s\n" % prefix in pc, "libzapm.pc does not name the prefix %s:\n%s", prefix, pc)
    with open(os.path.join(prefix, "lib/systemd/system/zapm-collector.service")) as f:
        unit = f.read()
    check("ExecStart=%s/bin/zapm-collector " % prefix in unit, "ExecStart is not under %s", prefix)
    # The installed programs find the installed libzapm.so.0 with no help (RUNPATH).
    clean_env = {k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"}
    for prog in ("zapm-agent", "zapm-demo"):
        p = subprocess.run([os.path.join(prefix, "bin", prog), "--version"], env=clean_env,
                           capture_output=True, text=True, timeout=10)
        check(p.returncode == 0 and p.stdout.strip() == "%s %s" % (prog, VERSION),
              "installed %s --version: %d %r %r", prog, p.returncode, p.stdout, p.stderr)
        _, ldd, _ = sh(["ldd", os.path.join(prefix, "bin", prog)], env=clean_env)
        found = re.search(r"libzapm\.so\.0 => (\S+)", ldd)
        check(found and os.path.realpath(found.group(1)) == os.path.realpath(
            os.path.join(libdir, "libzapm.so.0")),
              "%s does not load the installed libzapm.so.0:\n%s", prog, ldd)
    # DESTDIR: staged under DESTDIR, nothing outside it; with the configured prefix,
    # and with /usr (as a package is), whose units go to systemd's own directory.
    _, systemd_dir, _ = sh(["pkg-config", "--variable=systemdsystemunitdir", "systemd"])
    for name, extra, unitdir, bindir in (
            ("stage", [], None, None),
            ("usr-stage", ["--prefix", "/usr"], systemd_dir.strip() or "/usr/lib/systemd/system",
             "/usr/bin")):
        stage = os.path.join(tmpdir(procs), name)
        _, out, _ = sh(["cmake", "--install", BUILD, *extra], env={"DESTDIR": stage}, timeout=60)
        installed = re.findall(r"^-- (?:Installing|Up-to-date): (\S+)", out, re.M)
        check(len(installed) >= len(EXPECTED), "DESTDIR install listed only %d files",
              len(installed))
        outside = [p for p in installed if not p.startswith(stage + "/")]
        check(not outside, "DESTDIR install wrote outside %s: %r", stage, outside[:5])
        check(glob.glob(stage + "/**/zapm.h", recursive=True), "no zapm.h under DESTDIR")
        if unitdir:
            unit = stage + unitdir + "/zapm-collector.service"
            check(os.path.exists(unit), "no %s", unit)
            with open(unit) as f:
                check("ExecStart=%s/zapm-collector " % bindir in f.read(),
                      "%s: ExecStart is not %s/zapm-collector", unit, bindir)


@case
def symbols(procs):
    """Only zapm_* leaves the shared and the static library; the SONAME is libzapm.so.0."""
    prefix, libdir = install(procs)
    api = exported_api(os.path.join(prefix, "include", "zapm.h"))
    shared = defined_globals(["nm", "-D", "--defined-only", os.path.join(libdir, "libzapm.so")])
    static = defined_globals(["nm", "-g", "--defined-only", os.path.join(libdir, "libzapm.a")])
    log("zapm.h exports %d functions; libzapm.so %d symbols, libzapm.a %d",
        len(api), len(shared), len(static))
    for what, names in (("libzapm.so", shared), ("libzapm.a", static)):
        check(all(n.startswith("zapm_") for n in names), "%s exports non-zapm_ symbols: %r",
              what, sorted(n for n in names if not n.startswith("zapm_")))
        check(names == api, "%s exports %r, zapm.h declares %r (missing %r, extra %r)", what,
              len(names), len(api), sorted(api - names), sorted(names - api))
    # The control: the library's internal objects do define other globals, so the
    # two checks above can fail (and the hiding is what makes them pass).
    core = glob.glob(os.path.join(BUILD, "agent", "libzapm_agent_core.a"))
    check(core, "no libzapm_agent_core.a in %s/agent", BUILD)
    internal = defined_globals(["nm", "-g", "--defined-only", core[0]])
    check(any(not n.startswith("zapm_") for n in internal),
          "control: the internal archive has no non-zapm_ global either: %r", sorted(internal))
    _, dyn, _ = sh(["readelf", "-d", os.path.join(libdir, "libzapm.so")])
    check(re.search(r"\(SONAME\)\s+Library soname: \[libzapm\.so\.0\]", dyn), "SONAME:\n%s", dyn)


@case
def pkgconfig_service(procs):
    """A service built with `pkg-config --cflags --libs libzapm` publishes to /feed."""
    prefix, libdir = install(procs)
    env = {"PKG_CONFIG_PATH": os.path.join(libdir, "pkgconfig")}
    _, flags, _ = sh(["pkg-config", "--cflags", "--libs", "libzapm"], env=env)
    _, static, _ = sh(["pkg-config", "--static", "--libs", "libzapm"], env=env)
    log("pkg-config: %s", flags.strip())
    for lib in ("-lzapm", "-lczmq", "-lzmq", "-lpthread", "-lm"):
        check(lib in static.split(), "pkg-config --static --libs lacks %s: %s", lib, static)
    work = tmpdir(procs)
    shutil.copy(os.path.join(HERE, "service.c"), work)
    exe = os.path.join(work, "service")
    sh(["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", "service.c", "-o", exe, *flags.split()],
       cwd=work)
    collector = start_installed_collector(procs, prefix)
    # A service linked from a non-system prefix finds libzapm.so.0 as any such
    # library is found: through LD_LIBRARY_PATH (or ldconfig, for /usr/local).
    run_services(procs, collector, [([exe], "pkgconfig-service")], env={"LD_LIBRARY_PATH": libdir})


@case
def cmake_service(procs):
    """find_package(zapm): zapm::zapm and zapm::zapm_static services publish to /feed."""
    prefix, _ = install(procs)
    work = tmpdir(procs)
    src = os.path.join(work, "src")
    shutil.copytree(os.path.join(HERE, "consumer"), src)
    shutil.copy(os.path.join(HERE, "service.c"), src)
    build = os.path.join(work, "build")
    sh(["cmake", "-S", src, "-B", build, "-DCMAKE_PREFIX_PATH=%s" % prefix,
        "-DCMAKE_C_FLAGS=-Wall -Wextra -Werror"], timeout=120)
    sh(["cmake", "--build", build], timeout=120)
    shared, static = os.path.join(build, "service_shared"), os.path.join(build, "service_static")
    _, dyn_shared, _ = sh(["readelf", "-d", shared])
    _, dyn_static, _ = sh(["readelf", "-d", static])
    check("[libzapm.so.0]" in dyn_shared, "service_shared does not need libzapm.so.0")
    check("libzapm" not in dyn_static and "[libczmq.so.4]" in dyn_static,
          "service_static should link libzapm.a and libczmq.so.4:\n%s", dyn_static)
    collector = start_installed_collector(procs, prefix)
    run_services(procs, collector, [([shared], "cmake-shared"), ([static], "cmake-static")])


@case
def man(procs):
    """Every installed page renders with no groff warning; every program has one."""
    prefix, _ = install(procs)
    pages = sorted(glob.glob(os.path.join(prefix, "share", "man", "man*", "*")))
    programs = sorted(os.listdir(os.path.join(prefix, "bin")))
    for prog in programs:
        check(any(os.path.basename(p).startswith(prog + ".") for p in pages),
              "installed program %s has no man page (pages: %r)", prog, pages)
    check(any(p.endswith("/man3/libzapm.3.gz") for p in pages), "no libzapm(3)")
    rendered = {}
    for page in pages:
        _, out, err = sh(["man", "--warnings", "-l", page], env={"MANWIDTH": "80"}, timeout=30)
        check(not err.strip(), "man -l %s warns:\n%s", page, err)
        name = os.path.basename(page).split(".")[0]
        check(re.search(r"^NAME\n\s+%s\b" % re.escape(name), out, re.M),
              "%s: no NAME section naming %s:\n%s", page, name, out[:500])
        rendered[name] = out
        log("%s: %d lines", os.path.basename(page), out.count("\n"))
    # A generated page documents the program's flags (from its --help).
    check("--max-series" in rendered["zapm-collector"], "zapm-collector(8) lacks --max-series")
    # libzapm(3) documents every function the header exports.
    api = exported_api(os.path.join(prefix, "include", "zapm.h"))
    missing = sorted(f for f in api if f not in rendered["libzapm"])
    check(not missing, "libzapm(3) does not document %r", missing)


@case
def systemd(procs):
    """systemd-analyze verify accepts the installed units (offline, no systemd running)."""
    prefix, _ = install(procs)
    unitdir = os.path.join(prefix, "lib", "systemd", "system")
    # Documentation=man:... is checked with man: find the pages just installed.
    env = {"MANPATH": os.path.join(prefix, "share", "man"), "SYSTEMD_LOG_COLOR": "0"}
    work = tmpdir(procs)
    # A template is verified as an instance, the way it runs.
    instance = os.path.join(work, "zapm-agent@nginx.service")
    shutil.copy(os.path.join(unitdir, "zapm-agent@.service"), instance)
    collector_unit = os.path.join(unitdir, "zapm-collector.service")
    for unit in (collector_unit, instance):
        _, out, err = sh(["systemd-analyze", "verify", unit], env=env, timeout=30)
        check(not (out + err).strip(), "systemd-analyze verify %s says:\n%s%s", unit, out, err)
    # The control: a misspelled key and a missing program are reported here, so
    # silence above means the units were read and accepted.
    with open(collector_unit) as f:
        text = f.read()
    broken = os.path.join(work, "zapm-collector.service")
    with open(broken, "w") as f:
        f.write(text.replace("ProtectSystem=", "ProtectSytem=").replace(
            "/bin/zapm-collector", "/bin/zapm-collector-missing"))
    status, out, err = sh(["systemd-analyze", "verify", broken], env=env, ok=False, timeout=30)
    check(status != 0 and "ProtectSytem" in err and "zapm-collector-missing" in err,
          "control: a broken unit passed verify (%d):\n%s%s", status, out, err)
    # The hardening stays where it was measured (docs: README, systemd/); the
    # threshold fails the case if a setting is dropped.
    for unit, threshold in ((collector_unit, 15), (instance, 25)):
        status, out, err = sh(["systemd-analyze", "security", "--offline=true",
                               "--threshold=%d" % threshold, unit], env=env, ok=False, timeout=30)
        level = re.search(r"Overall exposure level for \S+: ([\d.]+)", out)
        check(status == 0 and level, "systemd-analyze security %s over %.1f:\n%s%s", unit,
              threshold / 10, out[-1500:], err)
        log("%s: exposure %s", os.path.basename(unit), level.group(1))


@case
def packages(procs):
    """scripts/package.sh builds zapm and libzapm-dev; their files, dependencies and use."""
    build = os.path.join(BUILD, "install-tests", "package")
    _, out, _ = sh([os.path.join(SOURCE, "scripts", "package.sh"), build], timeout=900)
    debs = out.split()
    log("built %s", " ".join(os.path.basename(d) for d in debs))
    runtime = [d for d in debs if os.path.basename(d).startswith("zapm_")]
    dev = [d for d in debs if os.path.basename(d).startswith("libzapm-dev_")]
    check(len(runtime) == 1 and len(dev) == 1 and len(debs) == 2, "package.sh printed %r", debs)
    contents = {}
    for deb in debs:
        _, listing, _ = sh(["dpkg-deb", "--contents", deb])
        contents[deb] = set(re.findall(r" \./(\S+)", listing))
    libdir = next(p for p in contents[runtime[0]] if p.endswith("/libzapm.so.0")).rsplit("/", 1)[0]
    check(libdir.startswith("usr/lib/"), "libzapm.so.0 not in /usr/lib/...: %s", libdir)
    want = {
        runtime[0]: ["usr/bin/zapm-collector", "usr/bin/zapm-agent", "usr/bin/zapm-demo",
                     libdir + "/libzapm.so.0", libdir + "/libzapm.so.%s" % VERSION,
                     "usr/share/man/man8/zapm-collector.8.gz", "usr/share/man/man1/zapm-agent.1.gz",
                     "usr/share/man/man1/zapm-demo.1.gz",
                     "lib/systemd/system/zapm-collector.service",
                     "lib/systemd/system/zapm-agent@.service"],
        dev[0]: ["usr/include/zapm.h", libdir + "/libzapm.a", libdir + "/libzapm.so",
                 libdir + "/pkgconfig/libzapm.pc", libdir + "/cmake/zapm/zapmConfig.cmake",
                 libdir + "/cmake/zapm/zapmConfigVersion.cmake",
                 libdir + "/cmake/zapm/zapmTargets.cmake", "usr/share/man/man3/libzapm.3.gz"],
    }
    for deb, files in want.items():
        missing = [f for f in files if f not in contents[deb]]
        check(not missing, "%s lacks %r", os.path.basename(deb), missing)
    check(not any(f.endswith((".a", ".h", ".pc")) or f.endswith("/libzapm.so")
                  for f in contents[runtime[0]]), "development files in the runtime package")
    _, depends, _ = sh(["dpkg-deb", "-f", runtime[0], "Depends"])
    for lib in ("libczmq4", "libzmq5", "libmicrohttpd12", "libcjson1", "libc6"):
        check(lib in depends, "zapm's Depends (from dpkg-shlibdeps) lacks %s: %s", lib, depends)
    _, dev_depends, _ = sh(["dpkg-deb", "-f", dev[0], "Depends"])
    for dep in ("zapm (= %s)" % VERSION, "libczmq-dev", "libzmq3-dev"):
        check(dep in dev_depends, "libzapm-dev's Depends lacks %s: %s", dep, dev_depends)
    _, shlibs, _ = sh(["dpkg-deb", "-I", runtime[0], "shlibs"])
    check(shlibs.split() == ["libzapm", "0", "zapm", "(>=", "%s)" % VERSION], "shlibs: %r", shlibs)
    # The packages' files work where dpkg would put them (extracted to a root; the
    # pkg-config prefix is moved to it): the service links and reaches the
    # packaged collector.
    root = os.path.join(tmpdir(procs), "root")
    for deb in debs:
        sh(["dpkg-deb", "-x", deb, root])
    env = {"PKG_CONFIG_PATH": os.path.join(root, libdir, "pkgconfig")}
    _, flags, _ = sh(["pkg-config", "--define-variable=prefix=%s/usr" % root,
                      "--cflags", "--libs", "libzapm"], env=env)
    work = tmpdir(procs)
    exe = os.path.join(work, "service")
    sh(["cc", "-std=c11", "-Wall", "-Werror", os.path.join(HERE, "service.c"), "-o", exe,
        *flags.split()])
    collector = start_installed_collector(procs, os.path.join(root, "usr"))
    run_services(procs, collector, [([exe], "deb-service")],
                 env={"LD_LIBRARY_PATH": os.path.join(root, libdir)})


def _pc_dir_without(procs, hidden):
    """A PKG_CONFIG_LIBDIR with every .pc of the system's search path but hidden."""
    _, path, _ = sh(["pkg-config", "--variable", "pc_path", "pkg-config"])
    out = os.path.join(tmpdir(procs), "pc")
    os.makedirs(out)
    for d in path.strip().split(":"):
        for pc in glob.glob(os.path.join(d, "*.pc")):
            name = os.path.basename(pc)
            if name not in hidden and not os.path.exists(os.path.join(out, name)):
                os.symlink(pc, os.path.join(out, name))
    return out


@case
def agent_only(procs):
    """ZAPM_AGENT_ONLY builds without libmicrohttpd, cJSON, Python or npm; a full
    configure names the missing package."""
    pc = _pc_dir_without(procs, {"libmicrohttpd.pc", "libcjson.pc"})
    env = {"PKG_CONFIG_LIBDIR": pc, "PKG_CONFIG_PATH": ""}
    work = tmpdir(procs)
    # Full build: stops at the first missing dependency and names its package.
    status, out, err = sh(["cmake", "-S", SOURCE, "-B", os.path.join(work, "full")],
                          env=env, ok=False, timeout=120)
    check(status != 0 and "libmicrohttpd>=0.9.70 not found: apt-get install libmicrohttpd-dev"
          in err, "a configure without libmicrohttpd should name libmicrohttpd-dev (%d):\n%s",
          status, err[-2000:])
    env_mhd = {"PKG_CONFIG_LIBDIR": _pc_dir_without(procs, {"libcjson.pc"}), "PKG_CONFIG_PATH": ""}
    status, _, err = sh(["cmake", "-S", SOURCE, "-B", os.path.join(work, "full2")],
                        env=env_mhd, ok=False, timeout=120)
    check(status != 0 and "libcjson>=1.7 not found: apt-get install libcjson-dev" in err,
          "a configure without cJSON should name libcjson-dev (%d):\n%s", status, err[-2000:])
    # Agent only: configures, builds and passes its tests with neither. Node and
    # npm are kept off PATH; Python is never looked for (no ZAPM_PYTHON in the cache).
    build = os.path.join(work, "agent")
    nodeless = os.path.join(work, "bin")
    os.makedirs(nodeless)
    for tool in ("node", "npm"):  # a PATH entry that shadows them with failures
        with open(os.path.join(nodeless, tool), "w") as f:
            f.write("#!/bin/sh\necho '%s must not run' >&2\nexit 1\n" % tool)
        os.chmod(os.path.join(nodeless, tool), 0o755)
    env["PATH"] = nodeless + ":/usr/bin:/bin"
    sh(["cmake", "-S", SOURCE, "-B", build, "-DZAPM_AGENT_ONLY=ON", "-DZAPM_WERROR=ON"],
       env=env, timeout=120)
    with open(os.path.join(build, "CMakeCache.txt")) as f:
        cache = f.read()
    for var in ("ZAPM_PYTHON:", "MHD_FOUND", "CJSON_FOUND", "ZAPM_NODE:"):
        check(var not in cache, "the agent-only configure looked for %s", var.rstrip(":"))
    sh(["cmake", "--build", build, "-j2"], env=env, timeout=600)
    for f in ("bin/zapm-agent", "bin/zapm-demo", "agent/libzapm.so.0", "agent/libzapm.a"):
        check(os.path.exists(os.path.join(build, f)), "agent-only build lacks %s", f)
    check(not os.path.exists(os.path.join(build, "bin", "zapm-collector")),
          "agent-only build built the collector")
    sh(["ctest", "--test-dir", build, "--output-on-failure"], env=env, timeout=300)
    stage = os.path.join(work, "stage")
    sh(["cmake", "--install", build, "--prefix", stage], env=env, timeout=60)
    check(os.path.exists(os.path.join(stage, "share/man/man1/zapm-agent.1.gz")),
          "agent-only install lacks zapm-agent(1)")
    check(not os.path.exists(os.path.join(stage, "lib/systemd/system/zapm-collector.service")),
          "agent-only install has the collector's unit")


if __name__ == "__main__":
    zt.run()
