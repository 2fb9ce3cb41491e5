// The environment a master hands to the new binary it executes on USR2, built as nginx
// builds it: only the variables named by `env` directives (NAME keeps the master's
// startup value, NAME=VALUE sets one) plus TZ, then `NGINX=fd;fd;`, then a `SPARE=XXX...`
// variable that leaves the new process room for its title. Nothing else passes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config.h"

namespace hotdeploy::fakes {

[[nodiscard]] std::vector<std::string> new_binary_environment(const std::vector<EnvDirective>& env_directives,
                                                              const std::vector<std::string>& startup_environment,
                                                              std::string_view nginx_variable_value);

// A snapshot of `environ` as the process started.
[[nodiscard]] std::vector<std::string> current_environment();

}  // namespace hotdeploy::fakes
