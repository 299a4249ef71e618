# ZapmPackaging.cmake: Debian packages with CPack (`cpack -G DEB`, or
# scripts/package.sh), one per install component:
#   zapm       (runtime) the programs, libzapm.so.0, their man pages, the units
#   libzapm-dev (dev)    zapm.h, libzapm.a, the libzapm.so link, libzapm.pc, the
#                        CMake package and libzapm(3)
# Dependencies of the binaries are computed by dpkg-shlibdeps; the -dev package
# depends on the exact runtime version and on the -dev packages of libczmq and
# libzmq, which the static library and Requires.private name.
set(CPACK_PACKAGE_NAME zapm)
set(CPACK_PACKAGE_VENDOR "zapm")
set(CPACK_PACKAGE_CONTACT "zapm developers")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Stripped, as Debian ships binaries (the build tree keeps the symbols).
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)

set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME zapm)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION net)
# First line: the synopsis; the rest: the extended description.
set(CPACK_DEBIAN_RUNTIME_DESCRIPTION "application performance monitoring over ZeroMQ
zapm-collector collects psutil-like samples that agents publish over ZeroMQ
and serves them live: a dashboard, server-sent events, JSON and Prometheus
metrics. zapm-agent samples a process or the host; libzapm.so.0 is the agent
library a service links. With the systemd units zapm-collector.service and
zapm-agent@.service.")
# libzapm.so.0 is in this very package: tell dpkg-shlibdeps so, and generate the
# shlibs file that other packages' dependencies on libzapm.so.0 come from.
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME libzapm-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
  "zapm (= ${PROJECT_VERSION}), libczmq-dev (>= 4.2), libzmq3-dev (>= 4.3)")
set(CPACK_DEBIAN_DEV_DESCRIPTION "development files of libzapm, the zapm agent library
The header zapm.h, the static library libzapm.a, the pkg-config file
libzapm.pc, the CMake package (find_package(zapm): zapm::zapm,
zapm::zapm_static) and the libzapm(3) manual.")

include(CPack)
