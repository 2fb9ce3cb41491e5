# hotdeploy_warnings(target): the warning set for the project's own code. Third-party headers
# come in as system includes, so -Werror judges only what is written here.
function(hotdeploy_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
endfunction()
