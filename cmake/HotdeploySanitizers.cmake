# HOTDEPLOY_SANITIZE=ON builds everything with AddressSanitizer + UndefinedBehaviorSanitizer,
# stopping at the first UB report so that a test run cannot pass over one.
if(HOTDEPLOY_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
