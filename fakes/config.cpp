#include "config.h"

#include <glob.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <fstream>
#include <limits>
#include <sstream>
#include <thread>

namespace hotdeploy::fakes {
namespace {

class Interpreter {
 public:
  Interpreter(std::string conf_file, std::string prefix) : prefix_(std::move(prefix)) {
    config_.conf_file = std::move(conf_file);
  }

  ConfigLoad run(const std::vector<Directive>& global_directives, const std::vector<Directive>& file_directives) {
    if (!main_context(global_directives, true) || !main_context(file_directives, false)) {
      return {std::nullopt, error_, 0};
    }
    if (!seen_events_) return {std::nullopt, "no \"events\" section in configuration", 0};
    if (!seen_pid_) config_.pid_path = resolve_path(prefix_, "logs/nginx.pid");
    for (const LimitReqRule& rule : config_.limit_req_rules) {
      auto& zones = config_.limit_req_zones;
      if (std::none_of(zones.begin(), zones.end(), [&](const LimitReqZone& z) { return z.name == rule.zone; })) {
        return {std::nullopt, "zero size shared memory zone \"" + rule.zone + "\"", 0};
      }
    }
    return {std::move(config_), {}, 0};
  }

 private:
  bool fail(const Directive& directive, const std::string& message) {
    const std::string& file = directive.file.empty() ? config_.conf_file : directive.file;
    error_ = message + (in_command_line_ ? " in command line" : " in " + file + ":" + std::to_string(directive.line));
    return false;
  }

  bool expect_simple(const Directive& d, size_t min_args, size_t max_args) {
    if (d.has_block) return fail(d, "directive \"" + d.name + "\" is not terminated by \";\"");
    if (d.args.size() < min_args || d.args.size() > max_args) {
      return fail(d, "invalid number of arguments in \"" + d.name + "\" directive");
    }
    return true;
  }

  bool expect_block(const Directive& d) {
    if (!d.has_block) return fail(d, "directive \"" + d.name + "\" has no opening \"{\"");
    return true;
  }

  bool not_duplicate(const Directive& d, bool& seen) {
    if (seen) return fail(d, "\"" + d.name + "\" directive is duplicate");
    seen = true;
    return true;
  }

  bool main_context(const std::vector<Directive>& directives, bool command_line) {
    in_command_line_ = command_line;
    for (const Directive& d : directives) {
      if (d.name == "worker_processes") {
        if (!expect_simple(d, 1, 1) || !not_duplicate(d, seen_worker_processes_)) return false;
        if (d.args[0] == "auto") {
          config_.worker_processes = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
        } else {
          int n = 0;
          auto [end, ec] = std::from_chars(d.args[0].data(), d.args[0].data() + d.args[0].size(), n);
          if (ec != std::errc() || end != d.args[0].data() + d.args[0].size() || n < 0) {
            return fail(d, "\"worker_processes\" directive invalid value");
          }
          config_.worker_processes = n;
        }
      } else if (d.name == "pid") {
        if (!expect_simple(d, 1, 1) || !not_duplicate(d, seen_pid_)) return false;
        config_.pid_path = resolve_path(prefix_, d.args[0]);
      } else if (d.name == "daemon") {
        if (!expect_simple(d, 1, 1) || !not_duplicate(d, seen_daemon_)) return false;
        if (d.args[0] == "on") {
          config_.daemon = true;
        } else if (d.args[0] == "off") {
          config_.daemon = false;
        } else {
          return fail(d, "invalid value \"" + d.args[0] + "\" in \"daemon\" directive, it must be \"on\" or \"off\"");
        }
      } else if (d.name == "error_log") {
        if (!expect_simple(d, 1, 2) || !error_log(d)) return false;
      } else if (d.name == "worker_shutdown_timeout") {
        if (!expect_simple(d, 1, 1) || !not_duplicate(d, seen_shutdown_timeout_)) return false;
        auto timeout = parse_nginx_time(d.args[0]);
        if (!timeout) return fail(d, "\"worker_shutdown_timeout\" directive invalid value");
        config_.worker_shutdown_timeout = *timeout;
      } else if (d.name == "env") {
        if (!expect_simple(d, 1, 1)) return false;
        const std::string& arg = d.args[0];
        size_t equals = arg.find('=');
        if (equals == std::string::npos) {
          config_.env.push_back({arg, std::nullopt});
        } else {
          config_.env.push_back({arg.substr(0, equals), arg.substr(equals + 1)});
        }
      } else if (d.name == "events") {
        if (!expect_block(d) || !not_duplicate(d, seen_events_) || !events_context(d.block)) return false;
      } else if (d.name == "http") {
        if (!expect_block(d) || !not_duplicate(d, seen_http_) || !http_context(d.block)) return false;
      } else if (d.name == "listen") {
        return fail(d, "\"listen\" directive is not allowed here");
      }
    }
    return true;
  }

  bool error_log(const Directive& d) {
    if (seen_error_log_) return true;
    seen_error_log_ = true;
    config_.error_log_path = d.args[0] == "stderr" ? std::string() : resolve_path(prefix_, d.args[0]);
    if (d.args.size() == 2) {
      auto level = parse_level(d.args[1]);
      if (!level) return fail(d, "invalid log level \"" + d.args[1] + "\"");
      config_.error_log_level = *level;
    }
    return true;
  }

  bool events_context(const std::vector<Directive>& directives) {
    for (const Directive& d : directives) {
      if (d.name != "worker_connections") continue;
      if (!expect_simple(d, 1, 1)) return false;
      int n = 0;
      auto [end, ec] = std::from_chars(d.args[0].data(), d.args[0].data() + d.args[0].size(), n);
      if (ec != std::errc() || end != d.args[0].data() + d.args[0].size() || n < 1) {
        return fail(d, "\"worker_connections\" directive invalid number");
      }
      config_.worker_connections = n;
    }
    return true;
  }

  // ssl_certificate or ssl_certificate_key: one file, prefix-resolved (nginx: relative to the
  // config prefix, which is the prefix's conf/ only when -c says so; hotdeploy writes absolute paths).
  bool certificate_file(const Directive& d, std::string& into) {
    if (!expect_simple(d, 1, 1)) return false;
    into = resolve_path(prefix_, d.args[0]);
    return true;
  }

  bool http_context(const std::vector<Directive>& directives) {
    for (const Directive& d : directives) {
      if (d.name == "ssl_certificate" && !certificate_file(d, http_certificate_)) return false;
      if (d.name == "ssl_certificate_key" && !certificate_file(d, http_certificate_key_)) return false;
    }
    for (const Directive& d : directives) {
      if (d.name == "server") {
        if (!expect_block(d) || !server_context(d)) return false;
      } else if (d.name == "listen") {
        return fail(d, "\"listen\" directive is not allowed here");
      } else if (d.name == "limit_req_zone") {
        if (!expect_simple(d, 3, 4) || !limit_req_zone(d)) return false;
      }
    }
    return limit_req_rules(directives);
  }

  // A rate, burst or delay: a positive number that nginx stores in thousandths, so one whose
  // thousandths, plus the one request a bucket adds, would not fit is refused (nginx itself would
  // overflow on it).
  static std::optional<long> positive_number(std::string_view text) {
    long n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size() || n <= 0) return std::nullopt;
    if (n >= std::numeric_limits<long>::max() / 1000) return std::nullopt;
    return n;
  }

  // nginx's ngx_http_limit_req_zone.
  bool limit_req_zone(const Directive& d) {
    LimitReqZone zone;
    long rate = 0;
    long scale = 1;
    for (size_t i = 1; i < d.args.size(); ++i) {
      const std::string& arg = d.args[i];
      if (arg.starts_with("zone=")) {
        size_t colon = arg.find(':', 5);
        if (colon == std::string::npos || colon == 5 || colon + 1 == arg.size()) {
          return fail(d, "invalid zone size \"" + arg + "\"");
        }
        zone.name = arg.substr(5, colon - 5);
      } else if (arg.starts_with("rate=")) {
        std::string_view number = std::string_view(arg).substr(5);
        if (number.ends_with("r/s")) {
          number.remove_suffix(3);
        } else if (number.ends_with("r/m")) {
          number.remove_suffix(3);
          scale = 60;
        }
        auto parsed = positive_number(number);
        if (!parsed) return fail(d, "invalid rate \"" + arg + "\"");
        rate = *parsed;
      } else if (arg != "sync") {
        return fail(d, "invalid parameter \"" + arg + "\"");
      }
    }
    if (zone.name.empty()) return fail(d, "\"limit_req_zone\" must have \"zone\" parameter");
    for (const LimitReqZone& existing : config_.limit_req_zones) {
      if (existing.name == zone.name) {
        return fail(d, "limit_req_zone \"" + zone.name + "\" is already bound to key \"" + d.args[0] + "\"");
      }
    }
    zone.rate = (rate > 0 ? rate : 1) * 1000 / scale;
    config_.limit_req_zones.push_back(zone);
    return true;
  }

  // nginx's ngx_http_limit_req, for every `limit_req` in the http block, its servers and
  // their locations.
  bool limit_req_rules(const std::vector<Directive>& directives) {
    for (const Directive& d : directives) {
      if (d.has_block && d.name != "http") {
        if (!limit_req_rules(d.block)) return false;
        continue;
      }
      if (d.name != "limit_req") continue;
      if (!expect_simple(d, 1, 3)) return false;
      LimitReqRule rule;
      for (const std::string& arg : d.args) {
        if (arg.starts_with("zone=")) {
          rule.zone = arg.substr(5);
        } else if (arg.starts_with("burst=")) {
          auto burst = positive_number(std::string_view(arg).substr(6));
          if (!burst) return fail(d, "invalid burst value \"" + arg + "\"");
          rule.burst = *burst * 1000;
        } else if (arg.starts_with("delay=")) {
          auto delay = positive_number(std::string_view(arg).substr(6));
          if (!delay) return fail(d, "invalid delay value \"" + arg + "\"");
          rule.delay = *delay * 1000;
        } else if (arg == "nodelay") {
          rule.delay = kUnlimitedDelay;
        } else {
          return fail(d, "invalid parameter \"" + arg + "\"");
        }
      }
      if (rule.zone.empty()) return fail(d, "\"limit_req\" must have \"zone\" parameter");
      config_.limit_req_rules.push_back(rule);
    }
    return true;
  }

  static constexpr long kUnlimitedDelay = std::numeric_limits<long>::max();

  bool server_context(const Directive& server) {
    bool has_listen = false;
    std::string certificate = http_certificate_;
    std::string certificate_key = http_certificate_key_;
    for (const Directive& d : server.block) {
      if (d.name == "ssl_certificate" && !certificate_file(d, certificate)) return false;
      if (d.name == "ssl_certificate_key" && !certificate_file(d, certificate_key)) return false;
    }
    for (const Directive& d : server.block) {
      if (d.name != "listen") continue;
      if (!expect_simple(d, 1, 64)) return false;
      ListenAddressParse parsed = parse_listen_address(d.args[0]);
      if (!parsed.address) return fail(d, parsed.error + " in \"" + d.args[0] + "\" of the \"listen\" directive");
      bool reuseport = false;
      bool ssl = false;
      std::optional<int> backlog;
      for (size_t i = 1; i < d.args.size(); ++i) {
        if (d.args[i] == "reuseport") reuseport = true;
        if (d.args[i] == "ssl") ssl = true;
        if (d.args[i].starts_with("backlog=")) {
          backlog = parse_backlog(std::string_view(d.args[i]).substr(8));
          if (!backlog) return fail(d, "invalid backlog \"" + d.args[i] + "\"");
        }
      }
      if (ssl && certificate.empty()) {
        return fail(d, "no \"ssl_certificate\" is defined for the \"listen ... ssl\" directive");
      }
      if (ssl && certificate_key.empty()) {
        return fail(d, "no \"ssl_certificate_key\" is defined for certificate \"" + certificate + "\"");
      }
      ListenDirective& listen = add_listen(*parsed.address, reuseport, backlog);
      if (ssl && !listen.ssl) {
        listen.ssl = true;
        listen.certificate = certificate;
        listen.certificate_key = certificate_key;
      }
      has_listen = true;
    }
    if (!has_listen) {
      ListenAddressParse parsed = parse_listen_address(::geteuid() == 0 ? "*:80" : "*:8000");
      add_listen(*parsed.address, false, std::nullopt);
    }
    return true;
  }

  // nginx's ngx_atoi: decimal digits only, no sign; 0 is refused as well.
  static std::optional<int> parse_backlog(std::string_view digits) {
    int n = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (digits.empty() || digits.front() == '-' || ec != std::errc() || end != digits.data() + digits.size() ||
        n == 0) {
      return std::nullopt;
    }
    return n;
  }

  ListenDirective& add_listen(const ListenAddress& address, bool reuseport, std::optional<int> backlog) {
    for (ListenDirective& existing : config_.listens) {
      if (existing.address == address) {
        existing.reuseport = existing.reuseport || reuseport;
        if (backlog) existing.backlog = *backlog;
        return existing;
      }
    }
    ListenDirective listen;
    listen.address = address;
    listen.reuseport = reuseport;
    listen.backlog = backlog.value_or(kDefaultListenBacklog);
    config_.listens.push_back(std::move(listen));
    return config_.listens.back();
  }

  std::string prefix_;
  std::string http_certificate_;  // http-level ssl_certificate, the default of every server
  std::string http_certificate_key_;
  Config config_;
  std::string error_;
  bool in_command_line_ = false;
  bool seen_worker_processes_ = false;
  bool seen_pid_ = false;
  bool seen_daemon_ = false;
  bool seen_error_log_ = false;
  bool seen_shutdown_timeout_ = false;
  bool seen_events_ = false;
  bool seen_http_ = false;
};

constexpr int kMaxIncludeDepth = 16;

std::optional<std::string> read_text(const std::string& path, int& error_number) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error_number = errno;
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Replaces every `include` in `directives` (and their blocks) by the directives of the
// files it names, marked with their file. False with `load` holding the error.
bool expand_includes(std::vector<Directive>& directives, const std::string& conf_dir, const std::string& file,
                     int depth, ConfigLoad& load) {
  std::vector<Directive> expanded;
  for (Directive& d : directives) {
    if (d.has_block && !expand_includes(d.block, conf_dir, file, depth, load)) return false;
    if (d.name != "include") {
      expanded.push_back(std::move(d));
      continue;
    }
    const std::string location = " in " + file + ":" + std::to_string(d.line);
    if (d.has_block || d.args.size() != 1) {
      load.error = "invalid number of arguments in \"include\" directive" + location;
      return false;
    }
    if (depth >= kMaxIncludeDepth) {
      load.error = "too deeply nested \"include\"" + location;
      return false;
    }
    const std::string pattern = resolve_path(conf_dir, d.args[0]);
    glob_t matches{};
    int rc = ::glob(pattern.c_str(), 0, nullptr, &matches);
    std::vector<std::string> paths(matches.gl_pathv, matches.gl_pathv + matches.gl_pathc);
    ::globfree(&matches);
    const bool wildcard = pattern.find_first_of("*?[") != std::string::npos;
    if (rc == GLOB_NOMATCH && !wildcard) {
      load.error = "open() \"" + pattern + "\" failed" + errno_suffix(ENOENT) + location;
      return false;
    }
    for (const std::string& path : paths) {
      int error_number = 0;
      std::optional<std::string> text = read_text(path, error_number);
      if (!text) {
        load.error = "open() \"" + path + "\" failed" + errno_suffix(error_number) + location;
        return false;
      }
      ConfParse parsed = parse_conf_text(*text);
      if (parsed.error) {
        load.error = parsed.error->message + " in " + path + ":" + std::to_string(parsed.error->line);
        return false;
      }
      if (!expand_includes(parsed.directives, conf_dir, path, depth + 1, load)) return false;
      for (Directive& included : parsed.directives) {
        if (included.file.empty()) included.file = path;
        expanded.push_back(std::move(included));
      }
    }
  }
  directives = std::move(expanded);
  return true;
}

}  // namespace

std::string resolve_path(const std::string& prefix, const std::string& path) {
  if (!path.empty() && path.front() == '/') return path;
  return prefix + path;
}

std::string effective_error_log(const Config& config, const std::string& default_error_log) {
  return config.error_log_path.value_or(default_error_log);
}

std::optional<std::chrono::milliseconds> parse_nginx_time(std::string_view text) {
  constexpr long long kMax = std::numeric_limits<long long>::max();
  if (text.empty()) return std::nullopt;
  long long total_ms = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    if (text[pos] < '0' || text[pos] > '9') return std::nullopt;  // as nginx: digits, no sign
    long long value = 0;
    auto [end, ec] = std::from_chars(text.data() + pos, text.data() + text.size(), value);
    if (ec != std::errc()) return std::nullopt;
    pos = static_cast<size_t>(end - text.data());
    std::string_view unit = text.substr(pos);
    long long scale = 1000;
    size_t unit_length = 0;
    if (unit.starts_with("ms")) {
      scale = 1, unit_length = 2;
    } else if (!unit.empty() && unit.front() == 's') {
      scale = 1000, unit_length = 1;
    } else if (!unit.empty() && unit.front() == 'm') {
      scale = 60'000, unit_length = 1;
    } else if (!unit.empty() && unit.front() == 'h') {
      scale = 3'600'000, unit_length = 1;
    } else if (!unit.empty() && unit.front() == 'd') {
      scale = 86'400'000, unit_length = 1;
    } else if (!unit.empty()) {
      return std::nullopt;
    }
    // nginx's ngx_parse_time refuses a time that overflows rather than wrap it.
    if (value > kMax / scale || total_ms > kMax - value * scale) return std::nullopt;
    total_ms += value * scale;
    pos += unit_length;
  }
  return std::chrono::milliseconds(total_ms);
}

ConfigLoad interpret_config(const std::vector<Directive>& file_directives,
                            const std::vector<Directive>& global_directives, const std::string& conf_file,
                            const std::string& prefix) {
  return Interpreter(conf_file, prefix).run(global_directives, file_directives);
}

ConfigLoad load_config(const std::string& conf_file, const std::string& prefix,
                       const std::optional<std::string>& global_directives, const Faults& faults) {
  std::vector<Directive> globals;
  if (global_directives) {
    ConfParse parsed = parse_conf_params(*global_directives);
    if (parsed.error) return {std::nullopt, parsed.error->message + " in command line", 0};
    globals = std::move(parsed.directives);
  }
  int error_number = 0;
  std::optional<std::string> text = read_text(conf_file, error_number);
  if (!text) return {std::nullopt, "open() \"" + conf_file + "\" failed", error_number};
  ConfParse parsed = parse_conf_text(*text);
  if (parsed.error) {
    return {std::nullopt, parsed.error->message + " in " + conf_file + ":" + std::to_string(parsed.error->line), 0};
  }
  const std::string conf_dir = conf_file.substr(0, conf_file.rfind('/') + 1);
  ConfigLoad included;
  if (!expand_includes(parsed.directives, conf_dir, conf_file, 0, included)) return included;
  ConfigLoad load = interpret_config(parsed.directives, globals, conf_file, prefix);
  if (load.config && faults.has<FailConfig>()) {
    return {std::nullopt, "configuration rejected by the fail_config fault in " + conf_file, 0};
  }
  if (load.config) {
    for (ListenDirective& listen : load.config->listens) {
      if (!listen.ssl) continue;
      std::string error;
      listen.tls = TlsServerContext::load(listen.certificate, listen.certificate_key, error);
      if (!listen.tls) return {std::nullopt, error, 0};
    }
  }
  return load;
}

}  // namespace hotdeploy::fakes
