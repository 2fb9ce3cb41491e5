// What a soak keeps of each cycle once it has judged it, and what it concludes from them all:
// the line of cycles.jsonl, the totals with their 95% upper bounds on loss (per request and per
// switchover, harness/judge/statistics.h's rate_upper_bound), the distributions of the
// transition figures across cycles, result.json and the summary printed at the end. Pure: the
// soak (soak.h) measures, this only adds up and formats.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/judge/checks.h"
#include "harness/report/run_subject.h"

namespace hotdeploy::orchestrator {

struct CycleRecord {
  int number = 0;
  harness::Verdict verdict = harness::Verdict::pass;
  std::uint64_t requests = 0, dropped = 0, retried = 0;
  // Requests of a cycle whose history the judge refused (history_invalid: no metrics, so none of
  // the figures above): counted apart, never in the bounds.
  std::uint64_t unjudged_requests = 0;
  std::optional<double> switchover_ms, blackout_ms, ready_ms, drain_ms;
  double from_s = 0, to_s = 0;           // the cycle's window, seconds since the soak began
  std::vector<std::string> failed;       // "check: detail" of each check that did not pass
  bool kept = false;                     // its full history is in cycles/N/
  double rss_mib = 0, peak_rss_mib = 0;  // VmRSS and VmHWM of the soak's process when it was judged
  std::uint64_t requests_so_far = 0;     // of the soak, up to and including this cycle
  // Its requests over its window in kStripBuckets equal parts: ok, and dropped, per part.
  std::vector<std::uint32_t> strip_ok, strip_dropped;
};

inline constexpr std::size_t kStripBuckets = 40;

// p50, p90, p99 (nearest rank) and max of a figure over the cycles that have it.
struct Distribution {
  std::size_t count = 0;
  double p50 = 0, p90 = 0, p99 = 0, max = 0;
};

struct SoakTotals {
  std::uint64_t cycles = 0, passed = 0, failed = 0;  // failed: fail or unknown
  std::uint64_t requests = 0, dropped = 0, retried = 0;
  std::uint64_t unjudged_requests = 0;              // in cycles whose history was refused
  std::uint64_t switchovers = 0;                    // cycles in which a new generation served (switchover_ms known)
  std::uint64_t switchovers_with_loss = 0;          // of those, the ones that dropped a request
  std::optional<double> loss_bound_per_request;     // 95% upper bound; none without requests
  std::optional<double> loss_bound_per_switchover;  // 95% upper bound; none without switchovers
  Distribution switchover_ms, blackout_ms, ready_ms, drain_ms;
  double max_rss_mib = 0, peak_rss_mib = 0;
};

[[nodiscard]] SoakTotals add_up(const std::vector<CycleRecord>& cycles);

// The 95% upper bound on loss per request of `dropped` in `requests` (none when 0 requests).
[[nodiscard]] std::optional<double> loss_bound(std::uint64_t dropped, std::uint64_t requests);

// One line of cycles.jsonl (no newline): {"cycle", "verdict", "requests", "dropped", "retried",
// "unjudged_requests",
// "switchover_ms", "blackout_ms", "ready_ms", "drain_ms" (null when not measured), "from_s",
// "to_s", "kept", "rss_mib", "peak_rss_mib", "requests_so_far", "failed"}: a flat object, "failed"
// the checks that did not pass as "check: detail", joined by "; " ("" when it passed).
[[nodiscard]] std::string cycle_json_line(const CycleRecord& cycle);

struct SoakOutcome {
  std::string scenario;
  harness::RunSubject subject;
  std::string stopped_by;  // which limit ended it ("cycles 10"), or what did
  double seconds = 0;
  // How long the steps waited for the judge to catch up (the judge was slower than the load, and
  // the cycles' windows include the wait): 0 when it kept up.
  double judge_wait_s = 0;
  SoakTotals totals;
};

// result.json: {"scenario", "verdict", "stopped_by", "seconds", "judge_wait_s", "target", "binaries",
// "totals": {...}, "distributions": {"switchover_ms": {"count", "p50", "p90", "p99", "max"}, ...},
// "failed_cycles": [numbers]}.
[[nodiscard]] std::string soak_result_json(const SoakOutcome& outcome, const std::vector<CycleRecord>& cycles);

// The lines printed at the end: verdict, totals, bounds, distributions.
[[nodiscard]] std::string soak_summary_text(const SoakOutcome& outcome);

// pass when every cycle passed, else fail.
[[nodiscard]] harness::Verdict soak_verdict(const SoakTotals& totals);

}  // namespace hotdeploy::orchestrator
