// Metrics: the numbers a run is judged by, computed from a History alone. A request is one
// request_id; its outcome is that of its final attempt (the request_ended with the highest
// attempt). dropped = final attempt ended fail or info; retried = an attempt 2 ended ok. A
// request that was sent but never ended counts as dropped under the reason "no_end". A request's
// kind is the one on its events (request_sent and request_ended carry the same).
//
// Phases are the intervals between signals: phase 0 ("start") runs to the first signal_sent,
// each later one is named after the signal that opened it ("USR2", "WINCH", ...). A request
// belongs to the phase in which it ended (one that never ended: in which it started). Latency
// percentiles are over requests that ended ok, from latency_ns, with 3 significant digits.
// The transition metrics (ready, drain, blackout, overlap, masters at end) are defined in
// transition_metrics.h.
//
// Kernel counters (kernel_counters events, sampled at the start, before every step and at the
// end): a counter's value at a phase boundary is that of the last sample at or before it (the
// first sample for the start of phase 0, the last sample for the end of the last phase), and a
// phase's delta is its end value minus its start value. A rise between the last sample before a
// signal and the signal counts in the phase the signal opens. A counter missing from either
// sample has no delta.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "harness/history/history.h"
#include "harness/judge/tls_metrics.h"
#include "harness/judge/transition_metrics.h"
#include "harness/judge/upstream_join.h"

namespace hotdeploy::harness {

struct LatencySummary {
  std::uint64_t count = 0;  // ok requests measured
  double p50_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0;

  friend bool operator==(const LatencySummary&, const LatencySummary&) = default;
};

// Connect latency: connect() start -> first byte written, of every connection the load generator
// opened that connected (event.h's connect_ns), by the phase in which the connect began.
inline constexpr std::int64_t kSynRetransmitNs = 1'000'000'000;  // RFC 6298's initial RTO
struct ConnectSummary {
  std::uint64_t count = 0;  // connects measured
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  std::uint64_t over_1s = 0;  // connects longer than 1 s: a SYN the kernel dropped and sent again

  friend bool operator==(const ConnectSummary&, const ConnectSummary&) = default;
};

struct PhaseMetrics {
  std::string name;  // "start", or the signal that opened the phase
  double from_ms = 0;
  double to_ms = 0;  // the next signal, or the end of the history
  std::uint64_t requests = 0, ok = 0, dropped = 0;
  std::map<std::string, std::uint64_t> dropped_by_reason;
  LatencySummary latency;
  // counter name -> rise over the phase; empty when the history has no kernel_counters
  std::map<std::string, std::int64_t> kernel_deltas;
  ConnectSummary connect;

  friend bool operator==(const PhaseMetrics&, const PhaseMetrics&) = default;
};

// How well the process observer saw the run's processes (event.h's ProcessSeen, lag_ns).
struct ObserverMetrics {
  std::uint64_t processes = 0;           // distinct pids with a process_born
  std::uint64_t inferred = 0;            // of those, with a birth or an exit not seen directly
  std::uint64_t exit_code_unknown = 0;   // process_exited with exit code -1
  std::uint64_t born_after_serving = 0;  // workers whose first ok response ended before their process_born
  // Over births with a lag bound (lag_ns > 0): how long a birth went unseen, at most (nearest rank).
  std::optional<double> birth_lag_p99_ms;
  std::optional<double> birth_lag_max_ms;

  friend bool operator==(const ObserverMetrics&, const ObserverMetrics&) = default;
};

// One request of the load's mix, by its name (event.h's Event::name): the same figures as the
// run's, over that name's requests only.
struct NamedRequestMetrics {
  std::uint64_t requests = 0, ok = 0, dropped = 0, retried = 0;
  std::map<std::string, std::uint64_t> dropped_by_reason;
  LatencySummary latency;

  friend bool operator==(const NamedRequestMetrics&, const NamedRequestMetrics&) = default;
};

struct Metrics {
  std::uint64_t requests = 0;  // distinct request_ids
  std::uint64_t ok = 0, dropped = 0, retried = 0;
  std::map<std::string, std::uint64_t> dropped_by_reason;  // reason name -> count
  std::map<std::string, std::uint64_t> requests_by_kind;   // request kind (get, post, held) -> requests
  std::map<std::string, std::uint64_t> dropped_by_kind;    // request kind -> dropped requests
  std::map<std::string, NamedRequestMetrics> by_name;      // request name -> its figures; empty without a mix
  // first USR2 signal_sent -> first ok served by a worker of a generation > the USR2 target's
  std::optional<double> switchover_ms;
  std::optional<double> ready_ms;
  std::optional<double> drain_ms;
  std::optional<double> blackout_ms;
  // where the blackout is measured (transition_metrics.h); nullopt without a signal
  std::optional<TransitionWindow> transition_window;
  std::optional<double> overlap_ms;
  std::optional<std::uint64_t> masters_at_end;
  std::uint64_t no_effect = 0;  // no_effect events (steps that changed nothing)
  LatencySummary latency;
  ConnectSummary connect;
  // reason name -> which timeout expired and its value, for the timeout reasons among the drops
  std::map<std::string, std::string> timeout_of_reason;
  std::vector<PhaseMetrics> phases;
  ObserverMetrics observer;
  std::uint64_t kernel_samples = 0;  // kernel_counters events; 0: the run did not read the kernel's counters
  // counter name -> rise from the first sample to the last
  std::map<std::string, std::int64_t> kernel_deltas;
  // The upstreams' record joined to the client's; empty when the run started no upstream.
  UpstreamJoin upstream;
  // TLS handshakes, full and resumed (tls_metrics.h); nullopt when the load was plaintext.
  std::optional<TlsMetrics> tls;

  friend bool operator==(const Metrics&, const Metrics&) = default;
};

struct JudgeInputs;

[[nodiscard]] Metrics compute_metrics(const History& history);
// The same from inputs already extracted (judge_inputs.h), so judge() reads the history once.
[[nodiscard]] Metrics compute_metrics(const JudgeInputs& inputs);

}  // namespace hotdeploy::harness
