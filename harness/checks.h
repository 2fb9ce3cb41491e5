// Checks: pure functions from a History (and the scenario's expectations) to verdicts. Each
// check yields pass, unknown (the history cannot tell) or fail, with a one-line detail a
// person can act on; a run's verdict combines them so that fail beats unknown beats pass.
// A check appears in a Judgement only when its expectation is set, except run_errors, which
// is always there.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/history.h"
#include "harness/metrics.h"

namespace hotdeploy::harness {

enum class Verdict : std::uint8_t { pass, unknown, fail };  // combine: fail beats unknown beats pass
[[nodiscard]] Verdict combine(Verdict a, Verdict b);
[[nodiscard]] std::string_view to_string(Verdict verdict);

struct Check {
  std::string name;
  Verdict verdict;
  std::string detail;
};

enum class ServedBy : std::uint8_t { old_generation, new_generation };

struct Expectations {
  std::optional<std::uint64_t> dropped_max = 0;  // default: none allowed
  std::optional<std::uint64_t> dropped_min;      // for scenarios that must show a drop
  std::optional<double> switchover_ms_max;
  std::optional<ServedBy> served_by_at_end;
};

struct Judgement {
  Verdict verdict;
  Metrics metrics;
  std::vector<Check> checks;
};

// The window of "the end of the run" for served_by_at_end: ok responses that ended in the last
// 10% of the history's time span, and at least the last 50 ok responses.
inline constexpr double kEndWindowFraction = 0.10;
inline constexpr std::size_t kEndWindowMinResponses = 50;

// "dropped": within dropped_max / dropped_min; unknown when no request was made.
[[nodiscard]] Check check_dropped(const Metrics& metrics, const Expectations& expect);
// "switchover_ms": unknown without a USR2 or an ok from a newer generation; fail over the max.
[[nodiscard]] Check check_switchover(const History& history, const Metrics& metrics, double max_ms);
// "served_by_at_end": every ok response in the end window came from the newest generation that
// had workers (new_generation) or from generation 1 (old_generation).
[[nodiscard]] Check check_served_by_at_end(const History& history, ServedBy expected);
// "run_errors": fail on any run_error or wait_timed_out event, naming their texts.
[[nodiscard]] Check check_run_errors(const History& history);

[[nodiscard]] Judgement judge(const History& history, const Expectations& expect);

}  // namespace hotdeploy::harness
