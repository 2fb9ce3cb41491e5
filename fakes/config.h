// Config: the part of nginx.conf that fake-nginx acts on, read from a directive tree.
//
// `include FILE|GLOB` is followed anywhere (relative to the config file's directory; a
// pattern matching nothing is fine, a missing plain file is an error), as nginx does.
// Main context: `worker_processes N|auto`, `pid PATH`, `error_log PATH|stderr [LEVEL]`
// (the first one counts), `daemon on|off`, `worker_shutdown_timeout TIME`, `env NAME[=VALUE]`.
// `http { server { listen ADDR:PORT [reuseport] [backlog=N] [ssl] ...; } }` gives the listening addresses
// (a server without `listen` listens on *:80 as root, *:8000 otherwise; equal addresses
// are merged). Every other directive and block is ignored, so a config written for real
// nginx loads unchanged. Paths are relative to the prefix. Defaults are nginx's: one
// worker, logs/nginx.pid, logs/error.log at level error, daemon on, an `events` block is
// required; `events { worker_connections N; }` (default 512) is read. `limit_req_zone` (http)
// and `limit_req` (http, server or location: the fake applies every one to every request;
// see request_rate_limit.h) are read with nginx's checks. `ssl_certificate FILE` and
// `ssl_certificate_key FILE` (http or server; a server's own win) serve a `listen ... ssl` of that
// server; one without them is nginx's emerg. load_config() also loads them (tls_server.h) and fails
// with nginx's `cannot load certificate` message. Errors carry nginx's wording and location (`...
// in /abs/nginx.conf:12`).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "conf_syntax.h"
#include "error_log.h"
#include "faults.h"
#include "listen_address.h"
#include "request_rate_limit.h"
#include "tls_server.h"

namespace hotdeploy::fakes {

// nginx's NGX_LISTEN_BACKLOG on Linux: the listen() backlog without `backlog=`.
inline constexpr int kDefaultListenBacklog = 511;

struct ListenDirective {
  ListenAddress address;
  bool reuseport = false;
  int backlog = kDefaultListenBacklog;  // `backlog=N`; the kernel caps it at net.core.somaxconn
  bool ssl = false;                     // `listen ... ssl`
  // with ssl: its server's (else http's) ssl_certificate and ssl_certificate_key, prefix-resolved,
  // and (load_config only) the context loaded from them
  std::string certificate;
  std::string certificate_key;
  std::shared_ptr<const TlsServerContext> tls;
};

// One `env` directive: NAME keeps the variable from the master's environment,
// NAME=VALUE sets it.
struct EnvDirective {
  std::string name;
  std::optional<std::string> value;
};

struct Config {
  std::string conf_file;  // as nginx names it in messages: prefix-resolved
  int worker_processes = 1;
  std::string pid_path;
  std::optional<std::string> error_log_path;  // "" is stderr; unset: -e or logs/error.log
  LogLevel error_log_level = LogLevel::error;
  bool daemon = true;
  std::chrono::milliseconds worker_shutdown_timeout{0};  // 0: none
  std::vector<EnvDirective> env;
  int worker_connections = 512;  // per worker; counts client connections only
  std::vector<ListenDirective> listens;
  std::vector<LimitReqZone> limit_req_zones;
  std::vector<LimitReqRule> limit_req_rules;

  [[nodiscard]] std::string old_pid_path() const { return pid_path + ".oldbin"; }
};

struct ConfigLoad {
  std::optional<Config> config;
  std::string error;     // full message with location, for an emerg line
  int error_number = 0;  // errno when the error is a failed system call
};

// `prefix` ends with '/'. `global_directives` is the -g argument, if any.
[[nodiscard]] ConfigLoad interpret_config(const std::vector<Directive>& file_directives,
                                          const std::vector<Directive>& global_directives, const std::string& conf_file,
                                          const std::string& prefix);

// Reads and interprets `conf_file` (already prefix-resolved). The fail_config fault makes
// a valid config fail.
[[nodiscard]] ConfigLoad load_config(const std::string& conf_file, const std::string& prefix,
                                     const std::optional<std::string>& global_directives, const Faults& faults = {});

// `path` made absolute with the prefix, as nginx's ngx_conf_full_name does.
[[nodiscard]] std::string resolve_path(const std::string& prefix, const std::string& path);

// The error log a config asks for: its own `error_log`, else `default_error_log` (from -e
// or logs/error.log). "" is stderr.
[[nodiscard]] std::string effective_error_log(const Config& config, const std::string& default_error_log);

// nginx time syntax: `10s`, `500ms`, `1m`, `1h`, a bare number is seconds.
[[nodiscard]] std::optional<std::chrono::milliseconds> parse_nginx_time(std::string_view text);

}  // namespace hotdeploy::fakes
