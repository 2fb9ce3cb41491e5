// Follows an nginx error.log as it grows and splits it into lines in nginx's format
// ("2026/11/26 00:10:53 [notice] 1234#1234: message", with "*CID " before the message when a
// connection is concerned); a line that does not have that shape, or names an unknown level, is
// kept whole as its own message with no level. It also reads the lines that name
// processes ("start worker process 1240", "start new binary process 1241", "worker process 1240
// exited with code 0") because they classify a process before its title changes and give the exit
// code of processes hotdeploy cannot wait for. Partial lines wait for their newline, up to
// kMaxLineBytes: a longer run of bytes without one is returned as a line of its own.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/history/event.h"

namespace hotdeploy::orchestrator {

struct ErrorLogLine {
  harness::LogLevel level = harness::LogLevel::none;  // none when the line is not in nginx's format
  pid_t pid = 0;                                      // the process that wrote it; 0 when not in the format
  std::string message;                                // the text after "PID#TID: " and "*CID ", or the whole line
  std::uint32_t message_at = 0;                       // where `message` starts in `raw`
  std::string raw;
};

struct ProcessMention {
  enum class Kind : std::uint8_t { started_worker, started_new_binary, exited };
  Kind kind;
  pid_t pid = 0;
  int exit_code = -1;  // for exited: the code, or 128 + signal
};

[[nodiscard]] ErrorLogLine parse_error_log_line(std::string_view line);
[[nodiscard]] std::optional<ProcessMention> parse_process_mention(std::string_view message);

class ErrorLogTail {
 public:
  static constexpr std::size_t kMaxLineBytes = 64 * 1024;
  explicit ErrorLogTail(std::filesystem::path path) : path_(std::move(path)) {}
  // Complete lines appended since the last call (none if the file does not exist yet).
  [[nodiscard]] std::vector<std::string> read_new_lines();

 private:
  std::filesystem::path path_;
  std::uint64_t offset_ = 0;
  std::string partial_;
};

}  // namespace hotdeploy::orchestrator
