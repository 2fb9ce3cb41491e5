#include "error_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <mutex>

#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>

namespace hotdeploy::fakes {
namespace {

constexpr std::array<std::string_view, 9> kLevelNames = {"",     "emerg",  "alert", "crit", "error",
                                                         "warn", "notice", "info",  "debug"};

// spdlog has fewer levels; the mapping only matters to spdlog itself, the nginx name is
// printed from the ErrorLog's own level.
spdlog::level::level_enum to_spdlog_level(LogLevel level) {
  switch (level) {
    case LogLevel::emerg:
    case LogLevel::alert:
    case LogLevel::crit: return spdlog::level::critical;
    case LogLevel::error: return spdlog::level::err;
    case LogLevel::warn: return spdlog::level::warn;
    case LogLevel::notice:
    case LogLevel::info: return spdlog::level::info;
    case LogLevel::debug: return spdlog::level::debug;
  }
  return spdlog::level::info;
}

void write_whole(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
}

// One formatted line, one write(2).
class AppendFdSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit AppendFdSink(int fd) : fd_(fd) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    write_whole(fd_, line.data(), line.size());
  }
  void flush_() override {}

 private:
  int fd_;
};

}  // namespace

std::string_view level_name(LogLevel level) { return kLevelNames.at(static_cast<size_t>(level)); }

std::optional<LogLevel> parse_level(std::string_view name) {
  for (size_t i = 1; i < kLevelNames.size(); ++i) {
    if (kLevelNames[i] == name) return static_cast<LogLevel>(i);
  }
  return std::nullopt;
}

std::string format_line_body(LogLevel level, long pid, long tid, std::string_view message) {
  std::string body;
  body.reserve(message.size() + 32);
  body += '[';
  body += level_name(level);
  body += "] ";
  body += std::to_string(pid);
  body += '#';
  body += std::to_string(tid);
  body += ": ";
  body += message;
  return body;
}

std::string errno_suffix(int error_number) {
  return " (" + std::to_string(error_number) + ": " + std::strerror(error_number) + ")";
}

ErrorLog::ErrorLog() { rebuild_logger(); }

ErrorLog::~ErrorLog() {
  if (fd_ > 2) ::close(fd_);
}

int ErrorLog::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return errno;
  if (fd_ > 2) ::close(fd_);
  fd_ = fd;
  path_ = path;
  rebuild_logger();
  return 0;
}

void ErrorLog::use_stderr() {
  if (fd_ > 2) ::close(fd_);
  fd_ = 2;
  path_.clear();
  rebuild_logger();
}

int ErrorLog::reopen() {
  if (path_.empty()) return 0;
  return open(std::string(path_));
}

void ErrorLog::rebuild_logger() {
  auto sink = std::make_shared<AppendFdSink>(fd_);
  sink->set_formatter(
      std::make_unique<spdlog::pattern_formatter>("%Y/%m/%d %H:%M:%S %v", spdlog::pattern_time_type::local, "\n"));
  logger_ = std::make_shared<spdlog::logger>("error_log", std::move(sink));
  logger_->set_level(spdlog::level::trace);
}

void ErrorLog::log(LogLevel level, std::string_view message) {
  if (level > threshold_) return;
  logger_->log(to_spdlog_level(level), "{}",
               format_line_body(level, static_cast<long>(::getpid()), static_cast<long>(::gettid()), message));
  if (echo_to_stderr_ && level <= LogLevel::warn && fd_ != 2) {
    std::string line = "nginx: [";
    line += level_name(level);
    line += "] ";
    line += message;
    line += '\n';
    write_whole(2, line.data(), line.size());
  }
}

void ErrorLog::log_errno(LogLevel level, int error_number, std::string_view message) {
  std::string text(message);
  text += errno_suffix(error_number);
  log(level, text);
}

}  // namespace hotdeploy::fakes
