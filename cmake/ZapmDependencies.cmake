# ZapmDependencies.cmake: every outside dependency of the build is found here, by
# pkg-config, and a missing one stops the configure with the Debian package that
# provides it. Why each is needed:
#   libzmq, libczmq   the wire: agents' PUB and the collector's SUB sockets, and the
#                     agent's background thread (a czmq actor); the library needs them
#   libmicrohttpd     the collector's web server (/, /feed, /api/*, /metrics)
#   libcjson          the collector's validation of untrusted samples; the agent's
#                     unit tests parse what it encodes
#   gnutls            the collector checks a --tls-cert/--tls-key pair before serving
#                     it (libmicrohttpd's TLS is GnuTLS on Debian); zapm-ssesink --tls
#   libxcrypt         crypt(3) for the password hashes of --users
#   libcurl           remote write's HTTP(S) client (TLS, keep-alive, timeouts)
#   snappy            remote write's body compression (its block format is the protocol's)
#   sqlite3           the collector's durable history: one file, crash-safe appends
#                     through its WAL, readable with the sqlite3 shell (docs/STORE.md)
#   python3           the end-to-end tests and the accuracy check against psutil
#   help2man          man pages of the programs, generated from their --help
# The agent-only build (ZAPM_AGENT_ONLY) needs only the first two and help2man.
include_guard(GLOBAL)
find_package(PkgConfig)
if(NOT PKG_CONFIG_FOUND)
  message(FATAL_ERROR "pkg-config not found: apt-get install pkg-config")
endif()

# zapm_require_pkg(PREFIX MODULE DEBIAN_PACKAGE): pkg_check_modules (a macro, so
# the PREFIX_* variables reach the caller) with an
# IMPORTED_TARGET PkgConfig::PREFIX, or a fatal error naming the package to install.
macro(zapm_require_pkg prefix module debian)
  pkg_check_modules(${prefix} QUIET IMPORTED_TARGET GLOBAL ${module})
  if(NOT ${prefix}_FOUND)
    message(FATAL_ERROR
      "${module} not found: apt-get install ${debian} (or run scripts/setup.sh)")
  endif()
  message(STATUS "Found ${module}: ${${prefix}_VERSION}")
endmacro()

# zapm_require_program(VAR NAME DEBIAN_PACKAGE [PATHS...]): find_program or a fatal
# error naming the package.
function(zapm_require_program var name debian)
  if(ARGN)
    find_program(${var} ${name} PATHS ${ARGN} NO_DEFAULT_PATH)
  else()
    find_program(${var} ${name})
  endif()
  if(NOT ${var})
    message(FATAL_ERROR "${name} not found: apt-get install ${debian} (or run scripts/setup.sh)")
  endif()
endfunction()

zapm_require_pkg(ZMQ  "libzmq>=4.3"  libzmq3-dev)
zapm_require_pkg(CZMQ "libczmq>=4.2" libczmq-dev)
find_package(Threads REQUIRED)

if(NOT ZAPM_AGENT_ONLY)
  zapm_require_pkg(MHD   "libmicrohttpd>=0.9.70" libmicrohttpd-dev)
  zapm_require_pkg(CJSON "libcjson>=1.7"         libcjson-dev)
  zapm_require_pkg(GNUTLS "gnutls>=3.6"          libgnutls28-dev)
  zapm_require_pkg(CRYPT  "libxcrypt>=4.4"       libcrypt-dev)
  zapm_require_pkg(CURL   "libcurl>=7.85"        libcurl4-openssl-dev)
  zapm_require_pkg(SNAPPY "snappy>=1.1"          libsnappy-dev)
  zapm_require_pkg(SQLITE "sqlite3>=3.35"        libsqlite3-dev)
  # The Debian interpreter: python3-psutil and python3-zmq are installed for it,
  # whatever other python3 comes first on PATH.
  zapm_require_program(ZAPM_PYTHON python3 "python3 python3-psutil python3-zmq" /usr/bin)
endif()
