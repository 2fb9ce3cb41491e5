# HOTDEPLOY_FUZZ=ON builds the libFuzzer targets (ci/fuzz), and only makes sense in a build
# directory of its own configured with clang (CXX=clang++): every file is compiled with the fuzzer's
# coverage instrumentation, AddressSanitizer and UndefinedBehaviorSanitizer (stopping at the first
# UB report), and each target links libFuzzer's main.
#
# hotdeploy_fuzz_target(NAME SOURCE LIBRARIES...): NAME, built from SOURCE and linked with
# LIBRARIES, fuzzed from the seed inputs in fuzz/corpus/NAME/ beside SOURCE. Each target is listed
# in the build directory's fuzz_targets.txt as "NAME EXECUTABLE SEED_FOLDER", which ci/fuzz reads.
if(HOTDEPLOY_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "HOTDEPLOY_FUZZ needs clang (libFuzzer); configure a build directory of its own "
                        "with CXX=clang++ (ci/fuzz does)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
  file(WRITE ${PROJECT_BINARY_DIR}/fuzz_targets.txt "")
endif()

function(hotdeploy_fuzz_target name source)
  add_executable(${name} ${source})
  target_link_libraries(${name} PRIVATE ${ARGN})
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  hotdeploy_warnings(${name})
  file(APPEND ${PROJECT_BINARY_DIR}/fuzz_targets.txt
       "${name} ${CMAKE_CURRENT_BINARY_DIR}/${name} ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/${name}\n")
endfunction()
