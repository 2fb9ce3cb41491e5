#include "harness/history/event.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <utility>

namespace hotdeploy::harness {
namespace {

// Names indexed by enum value; the static_asserts keep each table in step with its enum.
constexpr std::array<std::string_view, 17> kEventTypeNames = {
    "request_sent",   "request_ended", "step_started",    "signal_sent",  "binary_swapped",  "wait_satisfied",
    "wait_timed_out", "no_effect",     "run_error",       "process_born", "process_exited",  "pid_file_changed",
    "log_line",       "steps_ended",   "kernel_counters", "exec_ended",   "upstream_request"};
static_assert(kEventTypeNames.size() == static_cast<std::size_t>(EventType::upstream_request) + 1);

constexpr std::array<std::string_view, 4> kOutcomeNames = {"none", "ok", "fail", "info"};
static_assert(kOutcomeNames.size() == static_cast<std::size_t>(Outcome::info) + 1);

constexpr std::array<std::string_view, 16> kReasonNames = {"none",
                                                           "refused",
                                                           "reset_before_send",
                                                           "closed_without_response",
                                                           "reset_after_send",
                                                           "connect_timeout",
                                                           "response_timeout",
                                                           "truncated",
                                                           "bad_status",
                                                           "malformed_response",
                                                           "load_stopped",
                                                           "first_byte_timeout",
                                                           "wrong_body_size",
                                                           "bad_gateway",
                                                           "gateway_timeout",
                                                           "tls_handshake"};
static_assert(kReasonNames.size() == static_cast<std::size_t>(Reason::tls_handshake) + 1);

constexpr std::array<std::string_view, 3> kProcessRoleNames = {"none", "master", "worker"};
static_assert(kProcessRoleNames.size() == static_cast<std::size_t>(ProcessRole::worker) + 1);

constexpr std::array<std::string_view, 3> kRequestKindNames = {"get", "post", "held"};
static_assert(kRequestKindNames.size() == static_cast<std::size_t>(RequestKind::held) + 1);

constexpr std::array<std::string_view, 4> kProcessSeenNames = {"directly", "inferred_from_log",
                                                               "inferred_gone_when_found", "inferred_at_stop"};
static_assert(kProcessSeenNames.size() == static_cast<std::size_t>(ProcessSeen::inferred_at_stop) + 1);

constexpr std::array<std::string_view, 9> kLogLevelNames = {"",      "debug", "info",  "notice", "warn",
                                                            "error", "crit",  "alert", "emerg"};
static_assert(kLogLevelNames.size() == static_cast<std::size_t>(LogLevel::emerg) + 1);

// Signal::none is "" ("signal" is written only on the events that carry one).
constexpr std::array<std::string_view, 9> kSignalNames = {"",    "USR2", "WINCH", "QUIT", "TERM",
                                                          "INT", "HUP",  "USR1",  "KILL"};
static_assert(kSignalNames.size() == static_cast<std::size_t>(Signal::kill) + 1);

constexpr std::array<std::string_view, 3> kPidFileNames = {"none", "pid", "oldbin"};
static_assert(kPidFileNames.size() == static_cast<std::size_t>(PidFile::oldbin) + 1);

constexpr std::array<std::string_view, 3> kPidFileStateNames = {"none", "written", "removed"};
static_assert(kPidFileStateNames.size() == static_cast<std::size_t>(PidFileState::removed) + 1);

constexpr std::array<std::string_view, 3> kTlsHandshakeNames = {"none", "full", "resumed"};
static_assert(kTlsHandshakeNames.size() == static_cast<std::size_t>(TlsHandshake::resumed) + 1);

template <typename Enum, std::size_t N>
std::string_view name_of(const std::array<std::string_view, N>& names, Enum value) {
  const auto i = static_cast<std::size_t>(value);
  return i < N ? names[i] : std::string_view{"invalid"};
}

template <typename Enum, std::size_t N>
std::optional<Enum> parse(const std::array<std::string_view, N>& names, std::string_view text) {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == text) return static_cast<Enum>(i);
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(EventType value) { return name_of(kEventTypeNames, value); }
std::string_view to_string(Outcome value) { return name_of(kOutcomeNames, value); }
std::string_view to_string(Reason value) { return name_of(kReasonNames, value); }
std::string_view to_string(ProcessRole value) { return name_of(kProcessRoleNames, value); }
std::string_view to_string(RequestKind value) { return name_of(kRequestKindNames, value); }
std::string_view to_string(LogLevel value) { return name_of(kLogLevelNames, value); }
std::string_view to_string(ProcessSeen value) { return name_of(kProcessSeenNames, value); }
std::string_view to_string(Signal value) { return name_of(kSignalNames, value); }
std::string_view to_string(PidFile value) { return name_of(kPidFileNames, value); }
std::string_view to_string(PidFileState value) { return name_of(kPidFileStateNames, value); }
std::string_view to_string(TlsHandshake value) { return name_of(kTlsHandshakeNames, value); }

std::string_view Event::message() const {
  return std::string_view(text).substr(std::min<std::size_t>(message_at, text.size()));
}

template <>
std::optional<EventType> from_string<EventType>(std::string_view text) {
  return parse<EventType>(kEventTypeNames, text);
}
template <>
std::optional<Outcome> from_string<Outcome>(std::string_view text) {
  return parse<Outcome>(kOutcomeNames, text);
}
template <>
std::optional<Reason> from_string<Reason>(std::string_view text) {
  return parse<Reason>(kReasonNames, text);
}
template <>
std::optional<ProcessRole> from_string<ProcessRole>(std::string_view text) {
  return parse<ProcessRole>(kProcessRoleNames, text);
}
template <>
std::optional<RequestKind> from_string<RequestKind>(std::string_view text) {
  return parse<RequestKind>(kRequestKindNames, text);
}
template <>
std::optional<LogLevel> from_string<LogLevel>(std::string_view text) {
  return parse<LogLevel>(kLogLevelNames, text);
}
template <>
std::optional<ProcessSeen> from_string<ProcessSeen>(std::string_view text) {
  return parse<ProcessSeen>(kProcessSeenNames, text);
}
template <>
std::optional<Signal> from_string<Signal>(std::string_view text) {
  return parse<Signal>(kSignalNames, text);
}
template <>
std::optional<PidFile> from_string<PidFile>(std::string_view text) {
  return parse<PidFile>(kPidFileNames, text);
}
template <>
std::optional<PidFileState> from_string<PidFileState>(std::string_view text) {
  return parse<PidFileState>(kPidFileStateNames, text);
}
template <>
std::optional<TlsHandshake> from_string<TlsHandshake>(std::string_view text) {
  return parse<TlsHandshake>(kTlsHandshakeNames, text);
}

}  // namespace hotdeploy::harness
