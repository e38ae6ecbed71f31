# LeakCheckHelpers.cmake: CTest registration for test binaries linked with
# leakcheck. Installed beside LeakCheckConfig.cmake and included by it; the
# leakcheck build includes it too.
#
#   leakcheck_add_test(<target> [CMOCKA] [NAME <name>] [REPORT_DIR <dir>]
#                      [LABELS <label>...] [ENV <VAR=value>...])
#
# Registers <target> as the ctest test <name> (default: the target's name) with
#   LEAKCHECK_JSON=<dir>/<name>.json and LEAKCHECK_JUNIT=<dir>/<name>.xml
# in its environment, so each test binary writes its own reports (ctest -j runs
# binaries in parallel; one file per test keeps them apart). <dir> defaults to
# ${CMAKE_BINARY_DIR}/leakcheck-reports, a relative <dir> is taken from the
# current binary directory, and it is created now because ctest does not create
# directories. LABELS default to "leakcheck" (ctest -L leakcheck). ENV entries
# are added to the environment as they are, e.g. LEAKCHECK_ITERATIONS=10.
#
# CMOCKA registers a plain cmocka binary, unmodified: LEAKCHECK_CMOCKA=1 makes
# leakcheck judge every one of its tests. A target that does not link
# LeakCheck::leakcheck itself gets the library preloaded (LD_PRELOAD).
include_guard(GLOBAL)

function(leakcheck_add_test target)
  cmake_parse_arguments(PARSE_ARGV 1 LCT "CMOCKA" "NAME;REPORT_DIR" "LABELS;ENV")
  if(LCT_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "leakcheck_add_test(${target}): unexpected arguments: "
      "${LCT_UNPARSED_ARGUMENTS} (accepted: CMOCKA, NAME, REPORT_DIR, LABELS, ENV)")
  endif()
  if(NOT TARGET ${target})
    message(FATAL_ERROR "leakcheck_add_test: '${target}' is not a target")
  endif()
  set(name ${target})
  if(LCT_NAME)
    set(name ${LCT_NAME})
  endif()
  set(dir ${CMAKE_BINARY_DIR}/leakcheck-reports)
  if(LCT_REPORT_DIR)
    get_filename_component(dir "${LCT_REPORT_DIR}" ABSOLUTE
      BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")
  endif()
  set(labels leakcheck)
  if(LCT_LABELS)
    set(labels ${LCT_LABELS})
  endif()
  foreach(entry IN LISTS LCT_ENV)
    if(NOT entry MATCHES "^[A-Za-z_][A-Za-z0-9_]*=")
      message(FATAL_ERROR "leakcheck_add_test(${target}): ENV entry '${entry}' is not VAR=value")
    endif()
  endforeach()
  file(MAKE_DIRECTORY "${dir}")
  add_test(NAME ${name} COMMAND ${target})
  set_property(TEST ${name} PROPERTY ENVIRONMENT
    "LEAKCHECK_JSON=${dir}/${name}.json" "LEAKCHECK_JUNIT=${dir}/${name}.xml"
    "G_SLICE=always-malloc" ${LCT_ENV})
  set_property(TEST ${name} PROPERTY LABELS ${labels})
  if(LCT_CMOCKA)
    set_property(TEST ${name} APPEND PROPERTY ENVIRONMENT LEAKCHECK_CMOCKA=1)
    get_target_property(libs ${target} LINK_LIBRARIES)
    if(NOT "${libs}" MATCHES "(^|;)(LeakCheck::)?leakcheck(_static)?(;|$)")
      set_property(TEST ${name} PROPERTY ENVIRONMENT_MODIFICATION
        "LD_PRELOAD=path_list_prepend:$<TARGET_FILE:LeakCheck::leakcheck>")
    endif()
  endif()
endfunction()
