// result.json: a run's judgement for machines and people, pretty-printed:
//   {"scenario": ..., "verdict": "pass"|"fail"|"unknown",
//    "target": "fake"|"nginx"|null,
//    "binaries": [{"role": "binary"|"new_binary", "path": ..., "version": ..., "sha256": ...}, ...],
//    "metrics": {"requests": n, "ok": n, "dropped": n, "retried": n,
//                "dropped_by_reason": {"refused": n, ...}, "requests_by_kind": {"get": n, ...},
//                "dropped_by_kind": {"get": n, ...},
//                "switchover_ms": x|null, "ready_ms": x|null, "drain_ms": x|null,
//                "blackout_ms": x|null, "overlap_ms": x|null, "masters_at_end": n|null,
//                "no_effect": n,
//                "observer": {"processes": n, "inferred": n, "exit_code_unknown": n,
//                             "born_after_serving": n, "birth_lag_p99_ms": x|null,
//                             "birth_lag_max_ms": x|null},
//                "latency_ms": {"count": n, "p50": x, "p99": x, "p99.9": x, "max": x},
//                "by_name": {NAME: {"requests": n, "ok": n, "dropped": n, "retried": n,
//                                   "dropped_by_reason": {...}, "latency_ms": {...}}, ...}
//                           (the requests of the load's mix, by name; {} without a mix),
//                "kernel_counters": {"samples": n, "kernel_deltas": {"TcpOutRsts": n, ...}}|null,
//                "kernel_counters_missing": "why" (only when kernel_counters is null),
//                "tls_handshakes": {"total": {"full": n, "resumed": n}, "before_switchover": {...},
//                                   "after_switchover": {...}, "by_generation": {"1": {...}, ...}}
//                           (only when the load was TLS; tls_metrics.h),
//                "phases": [{"name": "start"|signal, "from_ms": x, "to_ms": x, "requests": n,
//                            "ok": n, "dropped": n, "dropped_by_reason": {...},
//                            "latency_ms": {...}, "kernel_deltas": {...}}, ...]},
//    "checks": [{"name": ..., "verdict": ..., "detail": ...}, ...],
//    "isolation": "pid_namespace"|"user_namespace"|"none", "isolation_refused": "...",
//    "network_namespace": true|false, "network_namespace_refused": "..."}
// The isolation members are there when the run's isolation is known (RunIsolation). The kernel
// counters (metrics.h) are read only in the run's own network namespace; a phase's
// "kernel_deltas" is there only when they were.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/history/json_writer.h"
#include "harness/judge/checks.h"
#include "harness/report/run_subject.h"

namespace hotdeploy::harness {

void write_result_json(std::string_view scenario, const RunSubject& subject, const Judgement& judgement,
                       std::ostream& out);

// The value of result.json's "binaries" (an array of role, path, version, sha256), for every file
// that states what ran (a soak's result.json, bench.json).
void write_binaries(JsonWriter& w, const std::vector<BinaryRecord>& binaries);

// Why a run has no kernel counters ("kernel_counters_missing"; the report says the same).
[[nodiscard]] std::string kernel_counters_missing(const RunSubject& subject);

}  // namespace hotdeploy::harness
