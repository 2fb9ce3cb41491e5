#include "orchestrator/nginx_build_defaults.h"

#include <algorithm>
#include <chrono>
#include <map>

#include "orchestrator/environment_error.h"
#include "orchestrator/process_control.h"

namespace hotdeploy::orchestrator {
namespace fs = std::filesystem;

namespace {

// The words of the "configure arguments:" line, shell-like: single and double quotes group.
std::vector<std::string> configure_arguments(std::string_view output) {
  constexpr std::string_view marker = "configure arguments:";
  const auto at = output.find(marker);
  if (at == std::string_view::npos) return {};
  auto line = output.substr(at + marker.size());
  line = line.substr(0, line.find('\n'));
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (char c : line) {
    if (quote != 0) {
      if (c == quote) {
        quote = 0;
      } else {
        word += c;
      }
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\r') {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(word);
  return words;
}

}  // namespace

fs::path NginxBuildDefaults::resolve(const std::string& path) const {
  const fs::path p(path);
  return p.is_absolute() ? p : prefix / p;
}

NginxBuildDefaults parse_build_defaults(std::string_view version_output) {
  NginxBuildDefaults defaults;
  struct TempPath {
    std::string_view option;
    std::string_view module;  // --without-<module> leaves the path out
    std::string path;
  };
  std::vector<TempPath> temps = {
      {"--http-client-body-temp-path", "", "client_body_temp"},
      {"--http-proxy-temp-path", "http_proxy_module", "proxy_temp"},
      {"--http-fastcgi-temp-path", "http_fastcgi_module", "fastcgi_temp"},
      {"--http-uwsgi-temp-path", "http_uwsgi_module", "uwsgi_temp"},
      {"--http-scgi-temp-path", "http_scgi_module", "scgi_temp"},
  };
  std::vector<std::string> without;
  for (const auto& word : configure_arguments(version_output)) {
    const auto eq = word.find('=');
    const auto option = word.substr(0, eq);
    const auto value = eq == std::string::npos ? std::string() : word.substr(eq + 1);
    if (option.rfind("--without-", 0) == 0) without.push_back(option.substr(std::string("--without-").size()));
    if (eq == std::string::npos) continue;
    if (option == "--prefix") defaults.prefix = value;
    if (option == "--error-log-path") defaults.error_log = value;
    if (option == "--http-log-path") defaults.access_log = value;
    if (option == "--pid-path") defaults.pid_file = value;
    for (auto& temp : temps) {
      if (option == temp.option) temp.path = value;
    }
  }
  defaults.temp_paths.clear();
  for (const auto& temp : temps) {
    const bool left_out =
        !temp.module.empty() && std::find(without.begin(), without.end(), temp.module) != without.end();
    if (!left_out) defaults.temp_paths.push_back(temp.path);
  }
  return defaults;
}

NginxBuildDefaults read_build_defaults(const fs::path& binary) {
  const auto completed = run_to_completion({binary.string(), "-V"}, std::chrono::seconds(10));
  if (completed.exit_code != 0) {
    throw EnvironmentError(binary.string() + " -V (to learn its compiled-in paths) ended with exit code " +
                           std::to_string(completed.exit_code) + ": " + completed.stderr_text);
  }
  return parse_build_defaults(completed.stderr_text);
}

}  // namespace hotdeploy::orchestrator
