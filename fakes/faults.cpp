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

namespace {

using fault_list::Parameter;

// The fault `name` of struct T from the text after its `=` (nullopt when there was no `=`).
template <class T, Parameter P>
FaultParse parse_as(std::string_view name, std::optional<std::string_view> value) {
  const auto needs = [&](const char* what) -> FaultParse {
    return {std::nullopt,
            "fault \"" + std::string(name) + "\" needs " + what + ", got \"" + std::string(value.value_or("")) + "\""};
  };
  if constexpr (P == Parameter::none) {
    if (value) return {std::nullopt, "fault \"" + std::string(name) + "\" takes no value"};
    return {T{}, {}};
  } else if constexpr (P == Parameter::time) {
    auto delay = parse_nginx_time(value.value_or(""));
    if (!delay) return needs("a time such as 500ms or 2s");
    return {T{*delay}, {}};
  } else if constexpr (P == Parameter::count) {
    auto n = parse_long(value.value_or(""));
    if (!n || *n < 1) return needs("a count from 1");
    return {T{*n}, {}};
  } else if constexpr (P == Parameter::signal) {
    auto signo = parse_signal(value.value_or(""));
    if (!signo || *signo == SIGKILL || *signo == SIGSTOP) return needs("a signal that can be ignored");
    return {T{*signo}, {}};
  } else {
    static_assert(P == Parameter::status, "every parameter kind of faults.list is parsed");
    auto code = parse_long(value.value_or(""));
    if (!code || *code < 100 || *code > 599) return needs("an HTTP status code");
    return {T{static_cast<int>(*code)}, {}};
  }
}

template <Parameter P, class T>
std::string format_as(std::string_view name, const T& fault) {
  if constexpr (P == Parameter::none) {
    return std::string(name);
  } else {
    const auto& [value] = fault;
    std::string text = std::string(name) + "=";
    if constexpr (P == Parameter::time)
      return text + format_duration(value);
    else if constexpr (P == Parameter::signal)
      return text + "SIG" + sigabbrev_np(value);
    else
      return text + std::to_string(value);
  }
}

// Used only in the static_assert of a discarded branch, which clang 14 does not count as a use.
template <class>
[[maybe_unused]] constexpr bool kNoFaultStruct = false;

}  // namespace

FaultParse parse_fault(std::string_view text) {
  const size_t equals = text.find('=');
  const std::string_view name = text.substr(0, equals);
  std::optional<std::string_view> value;
  if (equals != std::string_view::npos) value = text.substr(equals + 1);
#define HOTDEPLOY_PARSE_FAULT(fault_name, Struct, parameter) \
  if (name == #fault_name) return parse_as<Struct, Parameter::parameter>(name, value);
  HOTDEPLOY_FAULTS(HOTDEPLOY_PARSE_FAULT)
#undef HOTDEPLOY_PARSE_FAULT
  return {std::nullopt, "unknown fault \"" + std::string(name) + "\""};
}

std::string format_fault(const Fault& fault) {
  return std::visit(
      [](const auto& f) -> std::string {
        using T = std::decay_t<decltype(f)>;
#define HOTDEPLOY_FORMAT_FAULT(fault_name, Struct, parameter) \
  if constexpr (std::is_same_v<T, Struct>)                    \
    return format_as<Parameter::parameter>(#fault_name, f);   \
  else
        HOTDEPLOY_FAULTS(HOTDEPLOY_FORMAT_FAULT)
#undef HOTDEPLOY_FORMAT_FAULT
        static_assert(kNoFaultStruct<T>, "every fault struct is named in faults.list");
      },
      fault);
}

}  // namespace hotdeploy::fakes
