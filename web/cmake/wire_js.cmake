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
# must be a string literal, a plain numeric expression (digits, . e E, + - * /
# and parentheses), or a list, `{item, ...}` on the same line, of string
# literals and ZAPM_ names defined above it, which becomes a frozen array of
# those (`Object.freeze(["a", KEY_B])`); else this fails and names the line.
# The include guard (a #define without a value) is skipped.

cmake_policy(SET CMP0057 NEW)   # if(... IN_LIST ...), in script mode too

if(NOT IN OR NOT OUT)
  message(FATAL_ERROR "wire_js.cmake: usage: cmake -DIN=wire.h -DOUT=wire.js -P wire_js.cmake")
endif()

file(STRINGS "${IN}" lines REGEX "^[ \t]*#[ \t]*define[ \t]+ZAPM_")
set(body "")
set(count 0)
set(names "")
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
  if(rest MATCHES "^[ \t]+{([^{}]*)}(.*)$")
    # A list: string literals and names defined above, comma-separated.
    set(items "${CMAKE_MATCH_1}")
    set(tail "${CMAKE_MATCH_2}")
    string(REGEX MATCHALL "\"([^\"\\\\]|\\\\.)*\"|[^ \t,]+" tokens "${items}")
    string(REGEX REPLACE "\"([^\"\\\\]|\\\\.)*\"|[^ \t,]+" "x" shape "${items}")
    string(REGEX REPLACE "[ \t]" "" shape "${shape}")
    if(NOT tokens OR NOT shape MATCHES "^x(,x)*$")
      message(FATAL_ERROR "wire_js.cmake: ZAPM_${name} is not a list of items: '${line}'")
    endif()
    set(value "")
    foreach(token IN LISTS tokens)
      if(token MATCHES "^\"")
        set(item "${token}")
      elseif(token MATCHES "^ZAPM_([A-Za-z0-9_]+)$" AND CMAKE_MATCH_1 IN_LIST names)
        set(item "${CMAKE_MATCH_1}")   # its export, defined above in wire.js
      else()
        message(FATAL_ERROR "wire_js.cmake: ZAPM_${name}: '${token}' is neither a string "
                            "literal nor a ZAPM_ name defined above it: '${line}'")
      endif()
      if(value STREQUAL "")
        set(value "${item}")
      else()
        string(APPEND value ", ${item}")
      endif()
    endforeach()
    set(value "Object.freeze([${value}])")
  elseif(rest MATCHES "^[ \t]+(\"([^\"\\\\]|\\\\.)*\")(.*)$")
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
    message(FATAL_ERROR "wire_js.cmake: ZAPM_${name} is neither a string literal, a "
                        "numeric expression nor a list: '${line}'")
  endif()
  # After the value only blanks and a comment may follow.
  if(NOT tail MATCHES "^[ \t]*(//.*|/\\*.*\\*/[ \t]*)?$")
    message(FATAL_ERROR "wire_js.cmake: ZAPM_${name} has more after its value: '${line}'")
  endif()
  string(APPEND body "export const ${name} = ${value};\n")
  list(APPEND names "${name}")
  math(EXPR count "${count} + 1")
endforeach()

if(count EQUAL 0)
  message(FATAL_ERROR "wire_js.cmake: no #define ZAPM_... in ${IN}")
endif()

file(WRITE "${OUT}" "// wire.js: GENERATED from common/wire.h by web/cmake/wire_js.cmake at build
// time. Do not edit: edit common/wire.h and rebuild. ${count} names, each the
// #define ZAPM_<NAME> of wire.h without its prefix; what they mean is said there.

${body}")
