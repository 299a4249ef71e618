# ZapmInstall.cmake: installing files whose content names install paths.
#
# GNUInstallDirs' CMAKE_INSTALL_FULL_* are fixed when the build is configured, but
# `cmake --install build --prefix DIR` (and CPack) choose the prefix later. So
# libzapm.pc and the systemd units are written at install time, from the prefix
# then in force; DESTDIR is added by file(INSTALL) as for every other file.
include_guard(GLOBAL)
include(CMakePackageConfigHelpers)

# zapm_install_configured(TEMPLATE DESTINATION COMPONENT [USR_DESTINATION DIR]):
# installs TEMPLATE, minus its .in suffix, into DESTINATION (relative to the
# prefix, or absolute), or into DIR when the install-time prefix is /usr, with
# configure_file's @VAR@ replaced at install time. The template can use
# @ZAPM_PREFIX@, @ZAPM_BINDIR@, @ZAPM_LIBDIR@, @ZAPM_INCLUDEDIR@ (absolute paths
# under the install prefix), @ZAPM_PC_LIBDIR@ and @ZAPM_PC_INCLUDEDIR@ (the same,
# relative to pkg-config's ${prefix} when under it) and @PROJECT_VERSION@.
function(zapm_install_configured template destination component)
  cmake_parse_arguments(PARSE_ARGV 3 arg "" "USR_DESTINATION" "")
  if(NOT arg_USR_DESTINATION)
    set(arg_USR_DESTINATION ${destination})
  endif()
  get_filename_component(name ${template} NAME)
  string(REGEX REPLACE "\\.in$" "" name ${name})
  set(staged ${CMAKE_CURRENT_BINARY_DIR}/install-time/${name})
  install(CODE "
    set(ZAPM_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
    foreach(_dir BINDIR:${CMAKE_INSTALL_BINDIR} LIBDIR:${CMAKE_INSTALL_LIBDIR} INCLUDEDIR:${CMAKE_INSTALL_INCLUDEDIR})
      string(REPLACE \":\" \";\" _pair \"\${_dir}\")
      list(GET _pair 0 _key)
      list(GET _pair 1 _rel)
      if(IS_ABSOLUTE \"\${_rel}\")
        set(ZAPM_\${_key} \"\${_rel}\")
        set(ZAPM_PC_\${_key} \"\${_rel}\")
      else()
        set(ZAPM_\${_key} \"\${CMAKE_INSTALL_PREFIX}/\${_rel}\")
        set(ZAPM_PC_\${_key} \"\\\${prefix}/\${_rel}\")
      endif()
    endforeach()
    set(PROJECT_VERSION \"${PROJECT_VERSION}\")
    configure_file(\"${template}\" \"${staged}\" @ONLY)
    set(_dest \"${destination}\")
    if(CMAKE_INSTALL_PREFIX STREQUAL \"/usr\")
      set(_dest \"${arg_USR_DESTINATION}\")
    endif()
    if(NOT IS_ABSOLUTE \"\${_dest}\")
      set(_dest \"\${CMAKE_INSTALL_PREFIX}/\${_dest}\")
    endif()
    file(INSTALL DESTINATION \"\${_dest}\" TYPE FILE FILES \"${staged}\")
  " COMPONENT ${component})
endfunction()

# zapm_install_cmake_package(): zapmConfig.cmake, its version file and the exported
# targets (zapm::zapm, zapm::zapm_static), relocatable, under lib.../cmake/zapm.
function(zapm_install_cmake_package)
  set(dir ${CMAKE_INSTALL_LIBDIR}/cmake/zapm)
  configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/zapmConfig.cmake.in
    ${CMAKE_CURRENT_BINARY_DIR}/zapmConfig.cmake
    INSTALL_DESTINATION ${dir})
  # 0.x: a minor release may change the API, so only the same minor is compatible.
  write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/zapmConfigVersion.cmake
    COMPATIBILITY SameMinorVersion)
  install(EXPORT zapmTargets NAMESPACE zapm:: DESTINATION ${dir} COMPONENT dev)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/zapmConfig.cmake
                ${CMAKE_CURRENT_BINARY_DIR}/zapmConfigVersion.cmake
          DESTINATION ${dir} COMPONENT dev)
endfunction()
