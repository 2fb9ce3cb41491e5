// A user's own nginx.conf, read the way nginx reads it, for what hotdeploy must know and the one
// thing it must change:
//   - `include` resolves as nginx resolves it when started with `-c FILE`: a relative path against
//     FILE's directory (nginx's conf_prefix), a pattern (`*`, `?`, `[`) expands to its matches in
//     name order and may match nothing; other relative paths (logs, temp directories) resolve
//     against the binary's compiled-in prefix (NginxBuildDefaults);
//   - the pid file, the main error log, worker_processes, the http servers' listen addresses, and
//     every directory the config makes nginx write to (log directories, the pid file's, temp and
//     cache directories, with the compiled-in defaults for what the config leaves out);
//   - where `add_header X-Worker-Pid $pid always;` goes so that every response names its worker:
//     at http level, and in every server, location or `if` block that has add_header directives
//     of its own (nginx inherits add_header from the enclosing level only when a level has none).
//     The text goes right after the block's `{`, on the same line, so nginx's messages keep the
//     user's line numbers.
// The reader does not judge the config: a syntax problem is kept (UserConfig::problem) for the
// caller, which lets `nginx -t` say what is wrong in nginx's own words.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "orchestrator/nginx_build_defaults.h"

namespace hotdeploy::orchestrator {

inline constexpr std::string_view kWorkerPidHeader = "add_header X-Worker-Pid $pid always;";

struct ConfigPlace {
  std::filesystem::path file;
  int line = 0;
};
[[nodiscard]] std::string describe(const ConfigPlace& place);  // "FILE:LINE"

struct ListenAddress {
  std::string host;  // as written: "" (port only), "*", "127.0.0.1", "localhost", "[::]", "unix:/x"
  std::uint16_t port = 0;
  bool default_server = false;
  bool ssl = false;          // TLS, which the load does not speak
  bool stream = false;       // a stream {} server's (not HTTP)
  std::string server_names;  // of its server block, space-separated
  ConfigPlace where;         // the listen directive, or the server block for nginx's implicit one
};

// A directory nginx writes into, and why.
struct WrittenDirectory {
  std::filesystem::path path;
  std::string why;  // "error_log /var/log/nginx/error.log at FILE:LINE", "compiled-in pid file ..."
  // Temp and cache directories nginx creates itself when missing: then their parent is written.
  bool created_by_nginx = false;
};

struct HeaderInjection {
  ConfigPlace where;       // the block's opening line
  std::size_t offset = 0;  // in where.file's text, just after the '{'
  std::string block;       // "http", "server (server_name a.example)", "location /api"
  std::string why;
};

struct UserConfig {
  std::filesystem::path main_file;                     // absolute
  std::vector<std::filesystem::path> files;            // every file read, main first, once each
  std::map<std::filesystem::path, std::string> texts;  // their contents
  std::optional<std::string> problem;                  // "FILE:LINE: what" when the reader gave up
  std::filesystem::path pid_file;
  // The main error log as a path; "stderr" for standard error; empty for syslog: or memory:.
  std::string error_log;
  int workers = 1;
  std::vector<ListenAddress> listens;
  std::vector<WrittenDirectory> written;
  std::vector<HeaderInjection> injections;
  bool has_http = false;
};

// Reads main_file and its includes. `as_root`: nginx's implicit listen of a server without one is
// *:80 for root, *:8000 otherwise. Throws EnvironmentError only when main_file cannot be read; an
// include that cannot be read or a syntax problem ends in `problem`.
[[nodiscard]] UserConfig read_user_config(const std::filesystem::path& main_file, const NginxBuildDefaults& defaults,
                                          bool as_root);

// Each file's text with the injections applied; files without one are left out.
[[nodiscard]] std::map<std::filesystem::path, std::string> rewritten_files(const UserConfig& config);

// The listen address the default load goes to: the first plain-HTTP one (not ssl, not a stream
// server's) reachable on the run's own loopback as 127.0.0.1 (a port alone, `*`, 0.0.0.0, 127.0.0.1
// or localhost); nullptr when none.
[[nodiscard]] const ListenAddress* load_address(const UserConfig& config);

}  // namespace hotdeploy::orchestrator
