// What an nginx executable does when a config leaves a path out: its compiled-in prefix, error
// log, access log, pid file and temp directories, read from the "configure arguments:" line that
// `nginx -V` prints (Debian's: --prefix=/usr/share/nginx --error-log-path=stderr
// --pid-path=/run/nginx.pid --http-client-body-temp-path=/var/lib/nginx/body ...). An option
// the build did not give keeps nginx's own default (auto/options), and a temp path of a module
// built --without is left out, since nginx then never creates it.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace hotdeploy::orchestrator {

struct NginxBuildDefaults {
  std::filesystem::path prefix = "/usr/local/nginx";
  std::string error_log = "logs/error.log";  // "stderr" is nginx's own spelling for standard error
  std::string access_log = "logs/access.log";
  std::string pid_file = "logs/nginx.pid";
  // client_body, proxy, fastcgi, uwsgi and scgi temp paths, those compiled in
  std::vector<std::string> temp_paths = {"client_body_temp", "proxy_temp", "fastcgi_temp", "uwsgi_temp", "scgi_temp"};

  // `path` as nginx resolves a relative path against its prefix (ngx_conf_full_name, not conf_prefix).
  [[nodiscard]] std::filesystem::path resolve(const std::string& path) const;
};

// Parses `nginx -V` output (nginx prints it on stderr). Unknown options are ignored; quoted
// values ('-g -O2 ...') are one argument.
[[nodiscard]] NginxBuildDefaults parse_build_defaults(std::string_view version_output);

// Runs `binary -V` and parses it; throws EnvironmentError naming the binary when it does not
// answer.
[[nodiscard]] NginxBuildDefaults read_build_defaults(const std::filesystem::path& binary);

}  // namespace hotdeploy::orchestrator
