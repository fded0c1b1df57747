# The standard and third-party headers most of the tree includes, parsed once per big target
# instead of once per file: header parsing was a third to a half of a sanitized file's compile
# (a clean CI build on 2 cores had grown to ~29 min). <utility> comes first: it stands in for the
# root's `-include utility` (Boost 1.74 Asio under C++20), which GCC only accepts after a
# precompiled header, not before it. Small targets skip it: the header costs more than it saves.
set(SEKIMORI_PCH_HEADERS <utility> <algorithm> <chrono> <cstdint> <filesystem> <functional> <map>
    <memory> <optional> <set> <string> <string_view> <vector> <nlohmann/json.hpp>
    <boost/asio/any_io_executor.hpp> <boost/asio/io_context.hpp> <boost/asio/post.hpp>
    <boost/asio/steady_timer.hpp>)
set(SEKIMORI_PCH_MIN_SOURCES 8)

function(sekimori_precompile target)
  if(NOT SEKIMORI_PCH)
    return()
  endif()
  get_target_property(sources ${target} SOURCES)
  list(FILTER sources INCLUDE REGEX "\\.cpp$")
  list(LENGTH sources count)
  if(count LESS SEKIMORI_PCH_MIN_SOURCES)
    return()
  endif()
  get_target_property(options ${target} COMPILE_OPTIONS)
  list(REMOVE_ITEM options -include utility)
  set_target_properties(${target} PROPERTIES COMPILE_OPTIONS "${options}")
  target_precompile_headers(${target} PRIVATE ${SEKIMORI_PCH_HEADERS} ${ARGN})
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    # clang stamps the header's build time into it, which ccache would take for a changed input.
    target_compile_options(${target} PRIVATE "SHELL:-Xclang -fno-pch-timestamp")
  endif()
endfunction()

# One library per folder, built from every .cpp in it (so adding a file needs no CMake edit).
function(sekimori_library name)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  if(sources)
    add_library(${name} STATIC ${sources})
  else()
    add_library(${name} INTERFACE)
  endif()
  if(sources)
    target_link_libraries(${name} PUBLIC ${ARG_DEPS})
    sekimori_precompile(${name})
  else()
    target_link_libraries(${name} INTERFACE ${ARG_DEPS})
  endif()
endfunction()

# One gtest executable per tests/ folder, from every *_test.cpp in it.
function(sekimori_test_folder name)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_test.cpp)
  if(NOT sources)
    return()
  endif()
  add_executable(${name} ${sources})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE SEKIMORI_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
                                             SEKIMORI_BINARY_DIR="${CMAKE_BINARY_DIR}")
  if(SEKIMORI_SANITIZE)
    # The tests' own code under ASan only: every product file they drive keeps UBSan too, and
    # UBSan's checks on the test files cost a quarter of their compile (the CI run's budget).
    target_compile_options(${name} PRIVATE -fno-sanitize=undefined)
  endif()
  sekimori_precompile(${name} <gtest/gtest.h>)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 300)
endfunction()
