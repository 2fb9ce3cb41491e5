#include "orchestrator/error_log_tail.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <charconv>

namespace hotdeploy::orchestrator {
namespace {

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

std::optional<int> leading_number(std::string_view text) {
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end == text.data()) return std::nullopt;
  return value;
}

// "YYYY/MM/DD HH:MM:SS": digits with separators at fixed places.
bool is_timestamp(std::string_view text) {
  constexpr std::string_view kShape = "dddd/dd/dd dd:dd:dd";
  if (text.size() < kShape.size()) return false;
  for (std::size_t i = 0; i < kShape.size(); ++i) {
    const bool digit = text[i] >= '0' && text[i] <= '9';
    if (kShape[i] == 'd' ? !digit : text[i] != kShape[i]) return false;
  }
  return true;
}

// Skips a run of digits; returns how many there were.
std::size_t digits_at(std::string_view text, std::size_t at) {
  std::size_t n = 0;
  while (at + n < text.size() && text[at + n] >= '0' && text[at + n] <= '9') ++n;
  return n;
}

}  // namespace

ErrorLogLine parse_error_log_line(std::string_view line) {
  ErrorLogLine parsed;
  parsed.raw = std::string(line);
  parsed.message = parsed.raw;
  // "YYYY/MM/DD HH:MM:SS [level] PID#TID: *CID message" (the "*CID " connection number is optional)
  constexpr std::size_t kLevelOpen = 20;
  if (!is_timestamp(line) || line.size() <= kLevelOpen || line[kLevelOpen - 1] != ' ' || line[kLevelOpen] != '[') {
    return parsed;
  }
  const auto level_close = line.find(']', kLevelOpen);
  if (level_close == std::string_view::npos) return parsed;
  const auto level = harness::from_string<harness::LogLevel>(line.substr(kLevelOpen + 1, level_close - kLevelOpen - 1));
  if (!level || *level == harness::LogLevel::none) return parsed;
  std::size_t at = level_close + 1;
  if (at >= line.size() || line[at] != ' ') return parsed;
  ++at;
  const std::size_t pid_digits = digits_at(line, at);
  if (pid_digits == 0 || at + pid_digits >= line.size() || line[at + pid_digits] != '#') return parsed;
  const auto pid = leading_number(line.substr(at));
  at += pid_digits + 1;
  const std::size_t tid_digits = digits_at(line, at);
  if (tid_digits == 0 || line.substr(at + tid_digits, 2) != ": ") return parsed;
  at += tid_digits + 2;
  if (at < line.size() && line[at] == '*') {
    const std::size_t connection_digits = digits_at(line, at + 1);
    if (connection_digits > 0 && line.substr(at + 1 + connection_digits, 1) == " ") at += connection_digits + 2;
  }
  parsed.level = *level;
  parsed.pid = pid.value_or(0);
  parsed.message_at = static_cast<std::uint32_t>(at);
  parsed.message = std::string(line.substr(at));
  return parsed;
}

std::optional<ProcessMention> parse_process_mention(std::string_view message) {
  constexpr std::string_view kStartWorker = "start worker process ";
  constexpr std::string_view kStartBinary = "start new binary process ";
  if (starts_with(message, kStartWorker)) {
    if (auto pid = leading_number(message.substr(kStartWorker.size()))) {
      return ProcessMention{ProcessMention::Kind::started_worker, *pid, -1};
    }
  }
  if (starts_with(message, kStartBinary)) {
    if (auto pid = leading_number(message.substr(kStartBinary.size()))) {
      return ProcessMention{ProcessMention::Kind::started_new_binary, *pid, -1};
    }
  }
  // "worker process 1240 exited with code 0", "new binary process 1241 exited on signal 9"
  for (std::string_view name : {std::string_view("worker process "), std::string_view("new binary process ")}) {
    if (!starts_with(message, name)) continue;
    const auto rest = message.substr(name.size());
    auto pid = leading_number(rest);
    if (!pid) return std::nullopt;
    constexpr std::string_view kWithCode = " exited with code ";
    constexpr std::string_view kOnSignal = " exited on signal ";
    const auto after_pid = rest.substr(rest.find(' ') == std::string_view::npos ? rest.size() : rest.find(' '));
    if (starts_with(after_pid, kWithCode)) {
      if (auto code = leading_number(after_pid.substr(kWithCode.size()))) {
        return ProcessMention{ProcessMention::Kind::exited, *pid, *code};
      }
    }
    if (starts_with(after_pid, kOnSignal)) {
      if (auto signal = leading_number(after_pid.substr(kOnSignal.size()))) {
        return ProcessMention{ProcessMention::Kind::exited, *pid, 128 + *signal};
      }
    }
  }
  return std::nullopt;
}

std::vector<std::string> ErrorLogTail::read_new_lines() {
  std::vector<std::string> lines;
  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return lines;
  std::array<char, 16384> buffer{};
  while (true) {
    const ssize_t n = ::pread(fd, buffer.data(), buffer.size(), static_cast<off_t>(offset_));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    offset_ += static_cast<std::uint64_t>(n);
    partial_.append(buffer.data(), static_cast<std::size_t>(n));
  }
  ::close(fd);
  std::size_t start = 0;
  for (auto newline = partial_.find('\n'); newline != std::string::npos; newline = partial_.find('\n', start)) {
    lines.emplace_back(partial_, start, newline - start);
    start = newline + 1;
  }
  partial_.erase(0, start);
  while (partial_.size() > kMaxLineBytes) {
    lines.emplace_back(partial_, 0, kMaxLineBytes);
    partial_.erase(0, kMaxLineBytes);
  }
  return lines;
}

}  // namespace hotdeploy::orchestrator
