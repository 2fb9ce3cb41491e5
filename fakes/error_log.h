// ErrorLog: nginx's error.log, written the way nginx writes it.
//
// Every line has nginx's exact shape, `2026/11/26 00:10:53 [notice] 1234#1234: message`,
// and reaches the file in one write(2) on an O_APPEND descriptor, so a master and its
// workers can share the file without tearing lines. nginx has eight levels and spdlog
// six: the nginx level is kept here and printed by name; spdlog carries the pattern
// (local time) and the sink. While the process starts (before its pid file exists) lines
// at warn and above are also echoed to stderr as `nginx: [emerg] message`, as nginx does.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace spdlog {
class logger;
}

namespace hotdeploy::fakes {

enum class LogLevel { emerg = 1, alert, crit, error, warn, notice, info, debug };

[[nodiscard]] std::string_view level_name(LogLevel level);
[[nodiscard]] std::optional<LogLevel> parse_level(std::string_view name);

// The part of a line after the timestamp: `[notice] 1234#1234: message`.
[[nodiscard]] std::string format_line_body(LogLevel level, long pid, long tid, std::string_view message);

// The text nginx appends to a message about a failed system call: ` (98: Address already in use)`.
[[nodiscard]] std::string errno_suffix(int error_number);

class ErrorLog {
 public:
  // Starts writing to stderr until open() names a file.
  ErrorLog();
  ~ErrorLog();
  ErrorLog(const ErrorLog&) = delete;
  ErrorLog& operator=(const ErrorLog&) = delete;

  // Opens `path` for appending. On failure keeps the current destination and returns errno.
  [[nodiscard]] int open(const std::string& path);
  // Writes to stderr from now on.
  void use_stderr();
  // Opens the file again (USR1); keeps the old descriptor if that fails.
  [[nodiscard]] int reopen();
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] int fd() const { return fd_; }

  void set_threshold(LogLevel level) { threshold_ = level; }
  [[nodiscard]] LogLevel threshold() const { return threshold_; }
  // nginx's ngx_use_stderr: echo warn and above to stderr while starting.
  void set_echo_to_stderr(bool on) { echo_to_stderr_ = on; }

  void log(LogLevel level, std::string_view message);
  void log_errno(LogLevel level, int error_number, std::string_view message);

 private:
  void rebuild_logger();

  std::string path_;
  int fd_ = 2;
  LogLevel threshold_ = LogLevel::notice;
  bool echo_to_stderr_ = false;
  std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace hotdeploy::fakes
