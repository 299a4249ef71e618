# wire_js.cmake: writes wire.js, the dashboard's copy of common/wire.h.
#
# The page must spell no wire key, event name, state name or limit of its own:
# it imports them from wire.js, which this script generates from the one
# definition in common/wire.h, so the collector, the agents and the page cannot
# drift apart. Run as a build step (cmake -P) from web/CMakeLists.txt, so an edit
# to wire.h regenerates it on the next build. Inputs:
#   IN   common/wire.h
#   OUT  the wire.js to write (in the build tree: it is never committed)
# Every `#define ZAPM_NAME value` becomes `export const NAME = value;`; the value
# must be a string literal or a plain numeric expression (digits, . e E, + - * /
# and parentheses), else this fails and names the line. The include guard (a
# #define without a value) is skipped.

if(NOT IN OR NOT OUT)
  message(FATAL_ERROR "wire_js.cmake: usage: cmake -DIN=wire.h -DOUT=wire.js -P wire_js.cmake")
endif()

file(STRINGS "${IN}" lines REGEX "^[ \t]*#[ \t]*define[ \t]+ZAPM_")
set(body "")
set(count 0)
foreach(line IN LISTS lines)
  if(NOT line MATCHES "^[ \t]*#[ \t]*define[ \t]+ZAPM_([A-Za-z0-9_]+)(.*)$")
    message(FATAL_ERROR "wire_js.cmake: cannot read '${line}'")
  endif()
  set(name "${CMAKE_MATCH_1}")
  set(rest "${CMAKE_MATCH_2}")
  if(rest MATCHES "^[ \t]*$")
    continue()                   # the include guard
  endif()
  if(NOT rest MATCHES "^[ \t]")
    message(FATAL_ERROR "wire_js.cmake: ZAPM_${name} is a function-like macro: '${line}'")
  endif()
  if(rest MATCHES "^[ \t]+(\"([^\"\\\\]|\\\\.)*\")(.*)$")
    # A string literal: C and JavaScript read the simple escapes alike.
    set(value "${CMAKE_MATCH_1}")
    set(tail "${CMAKE_MATCH_3}")
  elseif(rest MATCHES "^[ \t]+([-+*/().0-9eE \t]*[-+*().0-9eE])(.*)$")
    set(value "${CMAKE_MATCH_1}")
    set(tail "${CMAKE_MATCH_2}")
    # The class takes "/" and "e", so "5 // every" reads as one value: cut the comment.
    string(FIND "${value}" "//" comment)
    if(NOT comment EQUAL -1)
      string(SUBSTRING "${value}" 0 ${comment} value)
      string(STRIP "${value}" value)
      set(tail "")
    endif()
    if(NOT value MATCHES "[0-9]")
      message(FATAL_ERROR "wire_js.cmake: ZAPM_${name} is not a number: '${line}'")
    endif()
  else()
    message(FATAL_ERROR "wire_js.cmake: ZAPM_${name} is neither a string literal nor a "
                        "numeric expression: '${line}'")
  endif()
  # After the value only blanks and a comment may follow.
  if(NOT tail MATCHES "^[ \t]*(//.*|/\\*.*\\*/[ \t]*)?$")
    message(FATAL_ERROR "wire_js.cmake: ZAPM_${name} has more after its value: '${line}'")
  endif()
  string(APPEND body "export const ${name} = ${value};\n")
  math(EXPR count "${count} + 1")
endforeach()

if(count EQUAL 0)
  message(FATAL_ERROR "wire_js.cmake: no #define ZAPM_... in ${IN}")
endif()

file(WRITE "${OUT}" "// wire.js: GENERATED from common/wire.h by web/cmake/wire_js.cmake at build
// time. Do not edit: edit common/wire.h and rebuild. ${count} names, each the
// #define ZAPM_<NAME> of wire.h without its prefix; what they mean is said there.

${body}")
