// Transition metrics: how an upgrade's switch between generations went, computed from a History
// (and its request rows) alone. All times are in ms; nullopt means the history cannot tell
// (the signal was never sent, or had no effect). "The end" of a run is its steps_ended event if
// there is one (the orchestrator ends every process after it), else its last event.
//
//   ready_ms       first USR2 sent -> the new master (the first master of a newer generation
//                  than the USR2's target) has written the pid file (a pid_file_changed naming
//                  it, on a file other than *.oldbin) and has a worker: the later of the two
//   drain_ms       first WINCH or QUIT sent -> the last worker of its target's generation
//                  exited; nullopt if a worker of that generation was still alive at the end
//   blackout_ms    the longest interval inside the transition window during which requests
//                  were outstanding and none completed ok
//
// The transition window: from the first USR2 (or the first signal if there was no USR2) to the
// later of the last signal and the drain's end (the first WINCH or QUIT + drain_ms). It is the
// one definition of "the transition": the blackout is measured inside it and report.html shades
// it (Metrics::transition_window).
//   overlap_ms     how long the USR2 target's generation and a newer one both served ok: from
//                  the later of their first ok responses to the earlier of their last ones
//   masters_at_end masters born and not exited at the end
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "harness/history/history.h"
#include "harness/judge/generations.h"
#include "harness/judge/request_table.h"

namespace hotdeploy::harness {

struct TransitionWindow {
  std::int64_t from_ns = 0;
  std::int64_t to_ns = 0;
  Signal opened_by = Signal::none;  // the signal at from_ns
  Signal last_signal = Signal::none;
  bool ends_at_drain = false;  // to_ns is the drain's end, later than the last signal

  friend bool operator==(const TransitionWindow&, const TransitionWindow&) = default;
};

[[nodiscard]] std::int64_t end_of_run_ns(const History& history);
[[nodiscard]] std::optional<double> ready_ms(const History& history, const Generations& generations);
[[nodiscard]] std::optional<double> drain_ms(const History& history, const Generations& generations);
[[nodiscard]] std::optional<TransitionWindow> transition_window(const History& history, std::optional<double> drain);
[[nodiscard]] std::optional<double> blackout_ms(const std::vector<RequestRow>& rows, const TransitionWindow& window);
// rows with RequestRow::generation filled in (judge_inputs.h).
[[nodiscard]] std::optional<double> overlap_ms(const History& history, const std::vector<RequestRow>& rows,
                                               const Generations& generations);
[[nodiscard]] std::optional<std::uint64_t> masters_at_end(const History& history);

}  // namespace hotdeploy::harness
