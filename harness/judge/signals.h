// Recognising orchestrator signal events in a History by their typed signal (Event::signal).
// Shared by the metrics and the checks.
#pragma once

#include "harness/history/history.h"

namespace hotdeploy::harness {

// True if e is a signal_sent event for that signal.
[[nodiscard]] bool is_signal(const Event& e, Signal signal);

// The first signal_sent event for that signal, or nullptr.
[[nodiscard]] const Event* first_signal(const History& history, Signal signal);

}  // namespace hotdeploy::harness
