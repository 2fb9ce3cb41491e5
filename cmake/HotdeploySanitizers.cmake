# HOTDEPLOY_SANITIZE picks the sanitizers everything (hotdeploy, fake-nginx, the tests) is built with:
#   OFF      none (the default);
#   address  AddressSanitizer + UndefinedBehaviorSanitizer, stopping at the first UB report so that a
#            test run cannot pass over one (ON, the option's first spelling, means the same);
#   thread   ThreadSanitizer.
# ASan and TSan cannot share one binary, so each is a build directory of its own (ci/test).
# A Debug build under ThreadSanitizer is optimised at -O1, as its documentation advises for a
# reasonable speed (its slowdown is 5-15x, more at -O0).
set(HOTDEPLOY_SANITIZE OFF CACHE STRING "Sanitizers to build with: OFF, address (ASan + UBSan; ON means the same) or thread (TSan)")
set_property(CACHE HOTDEPLOY_SANITIZE PROPERTY STRINGS OFF address thread)
string(TOLOWER "${HOTDEPLOY_SANITIZE}" hotdeploy_sanitize)
if(hotdeploy_sanitize STREQUAL "address" OR hotdeploy_sanitize STREQUAL "on")
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
elseif(hotdeploy_sanitize STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer $<$<CONFIG:Debug>:-O1>)
  add_link_options(-fsanitize=thread)
elseif(HOTDEPLOY_SANITIZE)
  message(FATAL_ERROR "HOTDEPLOY_SANITIZE=${HOTDEPLOY_SANITIZE}: expected OFF, address (or ON) or thread")
endif()
