// Metrics: the numbers a run is judged by, computed from a History alone. A request is one
// request_id; its outcome is that of its final attempt (the request_ended with the highest
// attempt). dropped = final attempt ended fail or info; retried = an attempt 2 ended ok. A
// request that was sent but never ended counts as dropped under the reason "no_end".
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "harness/history.h"

namespace hotdeploy::harness {

struct Metrics {
  std::uint64_t requests = 0;  // distinct request_ids
  std::uint64_t ok = 0, dropped = 0, retried = 0;
  std::map<std::string, std::uint64_t> dropped_by_reason;  // reason name -> count
  // first USR2 signal_sent -> first ok served by a worker of a generation > the USR2 target's
  std::optional<double> switchover_ms;

  friend bool operator==(const Metrics&, const Metrics&) = default;
};

[[nodiscard]] Metrics compute_metrics(const History& history);

}  // namespace hotdeploy::harness
