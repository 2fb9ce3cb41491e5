// Checks: pure functions from a History (and the scenario's expectations) to verdicts. Each
// check yields pass, unknown (the history cannot tell) or fail, with a one-line detail a
// person can act on; a run's verdict combines them so that fail beats unknown beats pass.
// A check appears in a Judgement only when its expectation is set, except run_errors, which
// is always there.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/history/history.h"
#include "harness/judge/metrics.h"

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

// At most max and at least min, each when set.
struct CountBounds {
  std::optional<std::uint64_t> max;
  std::optional<std::uint64_t> min;

  friend bool operator==(const CountBounds&, const CountBounds&) = default;
};

struct Expectations {
  std::optional<std::uint64_t> dropped_max = 0;  // default: none allowed
  std::optional<std::uint64_t> dropped_min;      // for scenarios that must show a drop
  // At most this many dropped requests of each kind named (the kind recorded on request events:
  // get, post, held -- the load's keepalive, idle and rate traffic all send get).
  std::map<RequestKind, std::uint64_t> dropped_max_by_kind;
  // At most this many dropped requests of each request of the load's mix named (Event::name).
  std::map<std::string, std::uint64_t> dropped_max_by_name;
  // When set, the only reasons a request may be dropped for (e.g. refused, after a QUIT closed
  // the listener); a drop for any other reason fails "dropped".
  std::optional<std::vector<Reason>> dropped_reasons;
  std::optional<double> switchover_ms_max;
  std::optional<ServedBy> served_by_at_end;
  std::optional<std::uint64_t> retried_max;
  std::optional<std::uint64_t> retried_min;
  std::optional<double> ready_ms_max;
  std::optional<double> drain_ms_max;
  std::optional<double> blackout_ms_max;
  // Bounds on connect latency (metrics.h's ConnectSummary), in ms: `connect_ms: {p99: {max: x}}`.
  std::optional<double> connect_ms_p50_max;
  std::optional<double> connect_ms_p99_max;
  std::optional<double> connect_ms_max_max;
  // Bounds on the connects over 1 s (a SYN retransmission): `connect_ms: {over_1s: {min: 1}}`.
  CountBounds connect_over_1s;
  // Bounds on kernel counters' rise over the run (Metrics::kernel_deltas), by nstat's name:
  // `kernel: {TcpExtListenOverflows: {min: 1}}`.
  std::map<std::string, CountBounds> kernel;
  // ECMAScript regular expressions searched in every log_line's text: each of log_contains must
  // match some line, none of log_not_contains may match any.
  std::vector<std::string> log_contains;
  std::vector<std::string> log_not_contains;
  std::optional<std::uint64_t> masters_at_end;
  // Steps that had no effect: how many no_effect events, or which -- each entry must occur in
  // the text of a different no_effect event, and there must be no other.
  std::optional<std::uint64_t> no_effect_count;
  std::optional<std::vector<std::string>> no_effect_steps;
  // Requests an upstream of the run answered in full that did not end ok at the client (a 502,
  // a 504, a reset, a timeout): at most this many (upstream_join.h).
  std::uint64_t upstream_answered_lost_max = 0;

  friend bool operator==(const Expectations&, const Expectations&) = default;
};

struct Judgement {
  Verdict verdict;
  Metrics metrics;
  std::vector<Check> checks;
};

// The window of "the end of the run" for served_by_at_end. The expected generation is, for
// new_generation, that of the newest master born in the run (Generations::newest_master), whether
// or not it ever had a worker; for old_generation, generation 1. Its transition is the last
// process_exited, before the steps ended (the steps_ended event, else the history's last event),
// of a master or worker of a generation other than the expected one: for new_generation, older
// than the expected one; for old_generation, any but generation 1. When there is one and no
// process of those generations is still alive when the steps ended, the window holds the ok
// responses that ended at or after it (exits after steps_ended, the orchestrator's cleanup, do not
// count). Otherwise the fallback: the ok responses that ended in the last 10% of the history's
// time span, and at least the last 50 ok responses.
//
// In flight: after a transition, a response of another generation is excused (named in the
// detail, not counted) only if its final attempt was sent before its worker's exit and ended
// within a bounded time after it: its end stamped at most kInFlightBoundNs (generations.h: 5 s)
// after the exit, its send at most kSendStampLagBoundNs (250 ms). The bounds are not zero
// because the stamps lag: a worker's last bytes may still be in the kernel's buffers when it
// exits and the load generator stamps what its loop reads when it gets a core, and a fake-nginx
// worker's exit is seen when its main thread is gone. The library's real runs lagged by at most
// 98.8 ms (end) and 83.7 ms (send) on fake-nginx, 2.4 ms on nginx; the bounds are three to ten
// times that, and still refuse what a dead worker cannot have served: requests sent well after
// its exit, responses ending long after it.
inline constexpr double kEndWindowFraction = 0.10;
inline constexpr std::size_t kEndWindowMinResponses = 50;

struct JudgeInputs;
struct EndWindow {
  std::int64_t from_ns = 0;  // judged: ok responses with end_ns >= from_ns
  // The process_exited event at from_ns (a pointer into the JudgeInputs' process history), or
  // nullptr when the fallback rule set from_ns.
  const Event* transition = nullptr;
};
[[nodiscard]] EndWindow served_by_at_end_window(const JudgeInputs& inputs, ServedBy expected);

// The drop rate's 95% upper bound in words (statistics.h, drop_rate_upper_bound): "rate < 0.0243% at
// 95% confidence". requests >= 1.
[[nodiscard]] std::string drop_rate_bound_words(std::uint64_t dropped, std::uint64_t requests);

// "dropped": within dropped_max / dropped_min, and only for dropped_reasons if set; unknown when
// no request was made.
[[nodiscard]] Check check_dropped(const Metrics& metrics, const Expectations& expect);
// "dropped_by_kind": for each kind in dropped_max_by_kind, its dropped requests at most the max;
// fail if any kind is over, else unknown if some kind had no requests at all.
[[nodiscard]] Check check_dropped_by_kind(const Metrics& metrics, const Expectations& expect);
// "dropped_by_name": for each request name in dropped_max_by_name, its dropped requests at most
// the max (the detail names their reasons); fail if any is over, else unknown if some named
// request was never made.
[[nodiscard]] Check check_dropped_by_name(const Metrics& metrics, const Expectations& expect);
// "switchover_ms": unknown without a USR2 or an ok from a newer generation; fail over the max.
[[nodiscard]] Check check_switchover(const History& history, const Metrics& metrics, double max_ms);
// "served_by_at_end": every ok response in the end window came from the expected generation
// (above): the newest master's (new_generation) or generation 1 (old_generation). Fails when
// that generation had no worker alive when the steps ended, or when a response in the window came
// from another generation and was not in flight at its worker's exit; unknown when no ok response
// (other than those in flight) ended in the window, or some came from a pid of no known generation.
[[nodiscard]] Check check_served_by_at_end(const History& history, ServedBy expected);
// The same from inputs already extracted (judge_inputs.h).
[[nodiscard]] Check check_served_by_at_end(const JudgeInputs& inputs, ServedBy expected);
// "connect_ms": the connect latency over the run within each bound set (p50, p99, max), and the
// connects over 1 s within connect_over_1s; the detail gives the figures and that count. Unknown when no connect was
// recorded (no new connection, or a history from before connect_ns).
[[nodiscard]] Check check_connect(const Metrics& metrics, const Expectations& expect);
// "kernel": each counter in expect.kernel rose over the run within its bounds; the detail gives
// every named counter's rise. Unknown when the run read no kernel counters (no network namespace
// of its own), or a named counter is not among the samples (a kernel that does not count it).
[[nodiscard]] Check check_kernel(const Metrics& metrics, const Expectations& expect);
// "run_errors": fail on any run_error or wait_timed_out event, naming their texts.
[[nodiscard]] Check check_run_errors(const History& history);
// "retried": within retried_max / retried_min; unknown when no request was made.
[[nodiscard]] Check check_retried(const Metrics& metrics, const Expectations& expect);
// "ready_ms", "drain_ms", "blackout_ms": the metric (transition_metrics.h) at most max_ms.
// Unknown when the opening signal was never sent (or, for blackout, no request was made);
// fail when it was sent but the metric never came about (no new master got ready, the old
// workers did not all exit).
[[nodiscard]] Check check_ready(const History& history, const Metrics& metrics, double max_ms);
[[nodiscard]] Check check_drain(const History& history, const Metrics& metrics, double max_ms);
[[nodiscard]] Check check_blackout(const History& history, const Metrics& metrics, double max_ms);
// "log": each log_contains pattern matches some log_line, no log_not_contains pattern matches
// any; an invalid pattern fails the check.
[[nodiscard]] Check check_log(const History& history, const Expectations& expect);
// "masters_at_end": the number of live masters at the end equals the expected one; unknown if
// no master was ever recorded.
[[nodiscard]] Check check_masters_at_end(const Metrics& metrics, std::uint64_t expected);
// "no_effect": the no_effect events match no_effect_count or no_effect_steps.
[[nodiscard]] Check check_no_effect(const History& history, const Expectations& expect);

// "upstream_answered": every request an upstream of the run answered in full ended ok at the
// client, but for at most upstream_answered_lost_max; the detail counts the lost ones by what the
// client got and names the first (upstream_join.h), and counts the 502s and 504s that reached no
// upstream. Unknown when no upstream record carries a request id (nothing could be joined).
[[nodiscard]] Check check_upstream_answered(const Metrics& metrics, const Expectations& expect);

// Why pattern is not a valid ECMAScript regular expression, or is one beyond the bounds every
// pattern keeps (at most 1024 characters; back-references and repetition counts at most 1000),
// or nullopt if it is fine: for a scenario parser to reject a bad log pattern up front.
[[nodiscard]] std::optional<std::string> regex_error(const std::string& pattern);

// Every check the expectations ask for, and run_errors. A check that rests on processes whose
// birth or exit the observer inferred (event.h's ProcessSeen) ends its detail with "; rests on N
// process(es) the observer inferred: worker 12, ..." (served_by_at_end and switchover_ms: the
// workers that served; ready_ms, drain_ms, blackout_ms, masters_at_end: every process).
[[nodiscard]] Judgement judge(const History& history, const Expectations& expect);

}  // namespace hotdeploy::harness
