#include "faults.h"

#include <signal.h>

#include <charconv>
#include <cstring>

#include "config.h"

namespace hotdeploy::fakes {
namespace {

std::optional<long> parse_long(std::string_view text) {
  long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string format_duration(std::chrono::milliseconds duration) { return std::to_string(duration.count()) + "ms"; }

}  // namespace

std::optional<int> parse_signal(std::string_view text) {
  if (auto number = parse_long(text); number && *number > 0 && *number < NSIG) return static_cast<int>(*number);
  std::string name(text);
  if (!name.starts_with("SIG")) name = "SIG" + name;
  for (int signo = 1; signo < NSIG; ++signo) {
    if (sigabbrev_np(signo) != nullptr && "SIG" + std::string(sigabbrev_np(signo)) == name) return signo;
  }
  return std::nullopt;
}

FaultParse parse_fault(std::string_view text) {
  size_t equals = text.find('=');
  std::string_view name = text.substr(0, equals);
  std::string_view value = equals == std::string_view::npos ? std::string_view() : text.substr(equals + 1);
  const bool has_value = equals != std::string_view::npos;
  auto bare = [&](Fault fault) -> FaultParse {
    if (has_value) return {std::nullopt, "fault \"" + std::string(name) + "\" takes no value"};
    return {fault, {}};
  };
  auto needs = [&](const char *what) -> FaultParse {
    return {std::nullopt, "fault \"" + std::string(name) + "\" needs " + what + ", got \"" + std::string(value) + "\""};
  };

  if (name == "crash_on_start") return bare(CrashOnStart{});
  if (name == "fail_config") return bare(FailConfig{});
  if (name == "ignore_inherited") return bare(IgnoreInherited{});
  if (name == "hang_on_quit") return bare(HangOnQuit{});
  if (name == "abort_on_quit") return bare(AbortOnQuit{});
  if (name == "shutdown_listener") return bare(ShutdownListener{});
  if (name == "slow_start" || name == "die_after") {
    auto delay = parse_nginx_time(value);
    if (!delay) return needs("a time such as 500ms or 2s");
    if (name == "slow_start") return {SlowStart{*delay}, {}};
    return {DieAfter{*delay}, {}};
  }
  if (name == "worker_crash_on_request") {
    auto n = parse_long(value);
    if (!n || *n < 1) return needs("a request number from 1");
    return {WorkerCrashOnRequest{*n}, {}};
  }
  if (name == "ignore_signal") {
    auto signo = parse_signal(value);
    if (!signo || *signo == SIGKILL || *signo == SIGSTOP) return needs("a signal that can be ignored");
    return {IgnoreSignal{*signo}, {}};
  }
  if (name == "bad_status") {
    auto code = parse_long(value);
    if (!code || *code < 100 || *code > 599) return needs("an HTTP status code");
    return {BadStatus{static_cast<int>(*code)}, {}};
  }
  return {std::nullopt, "unknown fault \"" + std::string(name) + "\""};
}

std::string format_fault(const Fault &fault) {
  return std::visit(
      [](const auto &f) -> std::string {
        using T = std::decay_t<decltype(f)>;
        if constexpr (std::is_same_v<T, CrashOnStart>) return "crash_on_start";
        else if constexpr (std::is_same_v<T, FailConfig>) return "fail_config";
        else if constexpr (std::is_same_v<T, SlowStart>) return "slow_start=" + format_duration(f.delay);
        else if constexpr (std::is_same_v<T, IgnoreInherited>) return "ignore_inherited";
        else if constexpr (std::is_same_v<T, WorkerCrashOnRequest>)
          return "worker_crash_on_request=" + std::to_string(f.request_number);
        else if constexpr (std::is_same_v<T, HangOnQuit>) return "hang_on_quit";
        else if constexpr (std::is_same_v<T, AbortOnQuit>) return "abort_on_quit";
        else if constexpr (std::is_same_v<T, ShutdownListener>) return "shutdown_listener";
        else if constexpr (std::is_same_v<T, IgnoreSignal>) return "ignore_signal=SIG" + std::string(sigabbrev_np(f.signo));
        else if constexpr (std::is_same_v<T, BadStatus>) return "bad_status=" + std::to_string(f.status_code);
        else {
          static_assert(std::is_same_v<T, DieAfter>, "every fault has a text form");
          return "die_after=" + format_duration(f.delay);
        }
      },
      fault);
}

}  // namespace hotdeploy::fakes
