# ParityExports.cmake — writes the version script of libparity.so from
# include/parity.h: every name the header declares as a function (followed
# by "("), the internal parity__ names its inline functions call included,
# is global; everything else is local. So the shared library exports the
# API of the header and nothing else, whatever else the objects define
# (the static library keeps every internal name: the tests use them).
# Run as: cmake -DHEADER=include/parity.h -DOUT=libparity.map -P ParityExports.cmake
file(READ "${HEADER}" text)
string(REGEX MATCHALL "parity_[a-z0-9_]*[ ]*\\(" calls "${text}")
set(names "")
foreach(c IN LISTS calls)
  string(REGEX REPLACE "[ ]*\\($" "" name "${c}")
  list(APPEND names "${name}")
endforeach()
list(REMOVE_DUPLICATES names)
list(SORT names)
set(script "/* libparity.so's exports, written from parity.h by cmake/ParityExports.cmake */\n{\n  global:\n")
foreach(name IN LISTS names)
  string(APPEND script "    ${name};\n")
endforeach()
string(APPEND script "  local:\n    *;\n};\n")
# rewrite only on change, so the library is relinked only when the list changes
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
endif()
if(NOT old STREQUAL script)
  file(WRITE "${OUT}" "${script}")
endif()
