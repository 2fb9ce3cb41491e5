#include "exec_environment.h"

extern char** environ;

namespace hotdeploy::fakes {
namespace {

constexpr size_t kSpareLength = 300;

}  // namespace

std::vector<std::string> new_binary_environment(const std::vector<EnvDirective>& env_directives,
                                                const std::vector<std::string>& startup_environment,
                                                std::string_view nginx_variable_value) {
  std::vector<EnvDirective> wanted = env_directives;
  bool names_tz = false;
  for (const EnvDirective& directive : wanted) names_tz = names_tz || directive.name == "TZ";
  if (!names_tz) wanted.push_back({"TZ", std::nullopt});

  std::vector<std::string> result;
  for (const EnvDirective& directive : wanted) {
    if (directive.value) {
      result.push_back(directive.name + "=" + *directive.value);
      continue;
    }
    const std::string prefix = directive.name + "=";
    for (const std::string& entry : startup_environment) {
      if (entry.starts_with(prefix)) {
        result.push_back(entry);
        break;
      }
    }
  }
  result.push_back("NGINX=" + std::string(nginx_variable_value));
  result.push_back("SPARE=" + std::string(kSpareLength, 'X'));
  return result;
}

std::vector<std::string> current_environment() {
  std::vector<std::string> result;
  for (char** entry = environ; *entry != nullptr; ++entry) result.emplace_back(*entry);
  return result;
}

}  // namespace hotdeploy::fakes
