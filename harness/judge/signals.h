// Recognising orchestrator signal events in a History: signal_sent carries the signal name in
// text ("USR2"; a "SIG" prefix is tolerated). Shared by the metrics and the checks.
#pragma once

#include <optional>
#include <string_view>

#include "harness/history/history.h"

namespace hotdeploy::harness {

// True if e is a signal_sent event for the named signal (name without "SIG", e.g. "USR2").
[[nodiscard]] bool is_signal(const Event& e, std::string_view name);

// The first signal_sent event for the named signal, or nullptr.
[[nodiscard]] const Event* first_signal(const History& history, std::string_view name);

}  // namespace hotdeploy::harness
