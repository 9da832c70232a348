# ParityInstall.cmake — what `cmake --install` (and `make install`) puts
# where, in the GNU directories Debian uses (GNUInstallDirs; docs/install.md):
#
#   bin/parity                                   the command
#   LIBDIR/libparity.a, libparity.so.*           static and shared library
#   include/parity.h                             the whole API
#   LIBDIR/pkgconfig/parity.pc                   pkg-config --cflags --libs parity
#   LIBDIR/cmake/parity/                         find_package(parity): parity::parity
#   share/man/man1/parity.1                      man parity
#   share/bash-completion/completions/parity     verbs and options on TAB
#   PARITY_INSTALL_PYTHONDIR/parity_trace/       import parity_trace
#
# Included from CMakeLists.txt when PARITY_INSTALL is on.
include(CMakePackageConfigHelpers)

set(PARITY_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/parity)

if(TARGET parity_cli)
  install(TARGETS parity_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
install(TARGETS parity EXPORT parityTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
if(TARGET parity_shared)
  install(TARGETS parity_shared EXPORT parityTargets
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
endif()
install(FILES ${PROJECT_SOURCE_DIR}/include/parity.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

# The CMake package: the targets (relocatable: paths relative to where the
# files land) and a config file that finds the dependencies first.
install(EXPORT parityTargets NAMESPACE parity:: DESTINATION ${PARITY_CMAKEDIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/parityConfig.cmake.in
  ${PROJECT_BINARY_DIR}/parityConfig.cmake INSTALL_DESTINATION ${PARITY_CMAKEDIR})
# 0.x: a minor release may change the ABI (as the SONAME says); then any
# release of one major version serves.
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(parity_compat SameMinorVersion)
else()
  set(parity_compat SameMajorVersion)
endif()
write_basic_package_version_file(${PROJECT_BINARY_DIR}/parityConfigVersion.cmake
  COMPATIBILITY ${parity_compat})
install(FILES ${PROJECT_BINARY_DIR}/parityConfig.cmake
              ${PROJECT_BINARY_DIR}/parityConfigVersion.cmake
        DESTINATION ${PARITY_CMAKEDIR})

# parity.pc is written when installing, for the prefix installed to
# (cmake --install --prefix P may differ from the configured prefix).
configure_file(${PROJECT_SOURCE_DIR}/cmake/ParityPkgConfig.cmake.in
               ${PROJECT_BINARY_DIR}/ParityPkgConfig.cmake @ONLY)
install(SCRIPT ${PROJECT_BINARY_DIR}/ParityPkgConfig.cmake)

install(FILES ${PROJECT_SOURCE_DIR}/docs/parity.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${PROJECT_SOURCE_DIR}/cli/parity.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME parity)

# The Python tracer, as a plain package where Debian's python3 looks:
# /usr/lib/python3/dist-packages for the prefix /usr (Debian's place for
# packaged modules, one for every Python 3), PREFIX/lib/python3.X/
# dist-packages for any other prefix (/usr/local/lib/python3.11/
# dist-packages is on Debian 12's sys.path; elsewhere set PYTHONPATH).
set(PARITY_INSTALL_PYTHONDIR "" CACHE STRING
    "Where the Python tracer parity_trace is installed, relative to the prefix (empty: Debian's dist-packages for it)")
if(PARITY_INSTALL_PYTHONDIR)
  set(parity_pydir ${PARITY_INSTALL_PYTHONDIR})
elseif(CMAKE_INSTALL_PREFIX MATCHES "^/usr/?$" OR NOT PARITY_PYTHON)
  set(parity_pydir lib/python3/dist-packages)
else()
  execute_process(COMMAND ${PARITY_PYTHON} -c "import sys; print('%d.%d' % sys.version_info[:2])"
                  OUTPUT_VARIABLE parity_pyver OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE parity_pyrc)
  if(parity_pyrc EQUAL 0 AND parity_pyver MATCHES "^3\\.[0-9]+$")
    set(parity_pydir lib/python${parity_pyver}/dist-packages)
  else()
    set(parity_pydir lib/python3/dist-packages)
  endif()
endif()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/python/parity_trace DESTINATION ${parity_pydir}
        FILES_MATCHING PATTERN "*.py" PATTERN "__pycache__" EXCLUDE)
