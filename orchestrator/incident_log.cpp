#include "orchestrator/incident_log.h"

#include <charconv>
#include <optional>

#include "orchestrator/error_log_tail.h"

namespace hotdeploy::orchestrator {
namespace {

using harness::LogLevel;

std::optional<long> number_at(std::string_view text) {
  long value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end == text.data()) return std::nullopt;
  return value;
}

bool consume(std::string_view& text, std::string_view prefix) {
  if (!text.starts_with(prefix)) return false;
  text.remove_prefix(prefix.size());
  return true;
}

// Skips the digits at the front of text; returns them as a number.
std::optional<long> consume_number(std::string_view& text) {
  const auto value = number_at(text);
  if (!value) return std::nullopt;
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  text.remove_prefix(digits);
  return value;
}

// "signal 12 (SIGUSR2) received from 4242, changing binary" (ngx_signal_handler); the sender
// is absent when the kernel did not name one.
bool read_signal_received(std::string_view message, LogFact& fact) {
  if (!consume(message, "signal ")) return false;
  const auto number = consume_number(message);
  if (!number || !consume(message, " (")) return false;
  const auto close = message.find(')');
  if (close == std::string_view::npos) return false;
  auto name = message.substr(0, close);
  message.remove_prefix(close + 1);
  if (!consume(message, " received")) return false;
  if (consume(message, " from ")) {
    const auto from = consume_number(message);
    if (!from) return false;
    fact.other_pid = static_cast<pid_t>(*from);
  }
  if (consume(message, ", ")) fact.action = std::string(message);
  // "SIGSYS, SIG_IGN" names an ignored signal; the name is what comes before any comma.
  name = name.substr(0, name.find(','));
  if (name.starts_with("SIG")) name.remove_prefix(3);
  fact.kind = LogFactKind::signal_received;
  fact.signal_number = static_cast<int>(*number);
  fact.signal_name = std::string(name);
  return true;
}

// "worker process 17812 exited with code 0", "new binary process 17845 exited on signal 6
// (core dumped)" (ngx_process_get_status): NAME PID exited ...
bool read_child_exited(std::string_view message, LogFact& fact) {
  const auto exited = message.find(" exited ");
  if (exited == std::string_view::npos) return false;
  auto head = message.substr(0, exited);
  const auto space = head.rfind(' ');
  if (space == std::string_view::npos) return false;
  const auto pid = number_at(head.substr(space + 1));
  if (!pid || head.substr(space + 1).find_first_not_of("0123456789") != std::string_view::npos) return false;
  auto rest = message.substr(exited + 8);
  if (consume(rest, "with code ")) {
    const auto code = number_at(rest);
    if (!code) return false;
    fact.exit_code = static_cast<int>(*code);
  } else if (consume(rest, "on signal ")) {
    const auto signal = number_at(rest);
    if (!signal) return false;
    fact.signal_number = static_cast<int>(*signal);
  } else {
    return false;
  }
  fact.kind = LogFactKind::child_exited;
  fact.child_kind = std::string(head.substr(0, space));
  fact.other_pid = static_cast<pid_t>(*pid);
  return true;
}

bool read_started(std::string_view message, std::string_view prefix, LogFactKind kind, LogFact& fact) {
  if (!consume(message, prefix)) return false;
  const auto pid = number_at(message);
  if (!pid) return false;
  fact.kind = kind;
  fact.other_pid = static_cast<pid_t>(*pid);
  return true;
}

// The notices nginx writes when it starts (ngx_os_status, the event module), before any worker.
bool is_startup_notice(std::string_view message) {
  return message.starts_with("using the \"") || message.starts_with("nginx/") || message.starts_with("OS: ") ||
         message.starts_with("getrlimit(") || message.starts_with("built by ") || message.starts_with("built with ");
}

// The fact a message states, if it is one of the process model's.
std::optional<LogFactKind> classify(const ErrorLogLine& parsed, LogFact& fact) {
  std::string_view message = parsed.message;
  if (read_signal_received(message, fact) || read_child_exited(message, fact)) return fact.kind;
  if (read_started(message, "start new binary process ", LogFactKind::start_new_binary, fact)) return fact.kind;
  if (read_started(message, "start worker process ", LogFactKind::start_worker, fact)) return fact.kind;
  if (message == "start worker processes") return LogFactKind::start_worker_processes;
  if (message == "changing binary") return LogFactKind::changing_binary;
  if (message.starts_with("the changing binary signal is ignored")) return LogFactKind::binary_change_ignored;
  if (message.starts_with("using inherited sockets from ")) return LogFactKind::using_inherited_sockets;
  if (message == "reconfiguring") return LogFactKind::reconfiguring;
  if (message == "reopening logs") return LogFactKind::reopening_logs;
  if (message == "gracefully shutting down") return LogFactKind::gracefully_shutting_down;
  if (message == "exiting") return LogFactKind::exiting;
  if (message == "exit") return LogFactKind::exit;
  if (message.starts_with("execve() failed while executing ")) return LogFactKind::execve_failed;
  if (is_startup_notice(message)) return LogFactKind::startup;
  if (parsed.level >= LogLevel::crit) return LogFactKind::fatal;
  return std::nullopt;
}

}  // namespace

std::int64_t log_time_seconds(std::string_view timestamp) {
  // "YYYY/MM/DD HH:MM:SS"
  if (timestamp.size() < 19) return -1;
  const auto field = [&](std::size_t at, std::size_t length) -> long {
    long value = 0;
    const auto text = timestamp.substr(at, length);
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    return error == std::errc{} && end == text.data() + text.size() ? value : -1;
  };
  const long year = field(0, 4), month = field(5, 2), day = field(8, 2);
  const long hour = field(11, 2), minute = field(14, 2), second = field(17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 ||
      minute > 59 || second < 0 || second > 60) {
    return -1;
  }
  // Days from the civil date (Howard Hinnant's algorithm, public domain).
  const long y = year - (month <= 2 ? 1 : 0);
  const long era = (y >= 0 ? y : y - 399) / 400;
  const long year_of_era = y - era * 400;
  const long day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const long day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  const std::int64_t days = static_cast<std::int64_t>(era) * 146097 + day_of_era - 719468;
  return days * 86400 + hour * 3600 + minute * 60 + second;
}

IncidentLog read_incident_log(std::string_view text) {
  IncidentLog log;
  log.binary = text.find('\0') != std::string_view::npos;
  int number = 0;
  while (!text.empty()) {
    const auto newline = text.find('\n');
    auto line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    ++number;
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    ++log.lines;
    const auto parsed = parse_error_log_line(line);
    if (parsed.level == LogLevel::none) {
      if (log.first_unformatted_line == 0) log.first_unformatted_line = number;
      continue;
    }
    ++log.lines_in_format;
    if (parsed.level < LogLevel::notice) {
      ++log.lines_below_notice;
      continue;
    }
    LogFact fact;
    const auto kind = classify(parsed, fact);
    if (!kind) {
      ++log.lines_of_other_modules;
      continue;
    }
    fact.kind = *kind;
    fact.line = number;
    fact.time_s = log_time_seconds(line);
    fact.level = parsed.level;
    fact.pid = parsed.pid;
    fact.message = parsed.message;
    fact.raw = std::string(line);
    log.facts.push_back(std::move(fact));
  }
  return log;
}

}  // namespace hotdeploy::orchestrator
