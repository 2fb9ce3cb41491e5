#include "harness/report/result_file.h"

#include <gtest/gtest.h>

#include <sstream>

namespace hotdeploy::harness {
namespace {

TEST(ResultFileTest, WritesVerdictMetricsAndChecks) {
  Judgement j{Verdict::fail, {}, {}};
  j.metrics.requests = 10;
  j.metrics.ok = 8;
  j.metrics.dropped = 2;
  j.metrics.retried = 1;
  j.metrics.dropped_by_reason = {{"refused", 1}, {"truncated", 1}};
  j.metrics.requests_by_kind = {{"get", 9}, {"held", 1}};
  j.metrics.dropped_by_kind = {{"get", 2}};
  j.metrics.switchover_ms = 12.5;
  j.metrics.ready_ms = 3.25;
  j.metrics.drain_ms = 40;
  j.metrics.blackout_ms = 0;
  j.metrics.overlap_ms = 7.5;
  j.metrics.masters_at_end = 1;
  j.metrics.no_effect = 2;
  j.metrics.latency = LatencySummary{8, 0.5, 1.25, 2, 3};
  PhaseMetrics& usr2 = j.metrics.phases.emplace_back();
  usr2.name = "USR2";
  usr2.from_ms = 100;
  usr2.to_ms = 250.5;
  usr2.requests = 3;
  usr2.ok = 2;
  usr2.dropped = 1;
  usr2.dropped_by_reason = {{"truncated", 1}};
  usr2.latency = LatencySummary{2, 0.5, 1, 1, 1};
  j.checks.push_back(Check{"dropped", Verdict::fail, "2 of 10 requests dropped \"quoted\""});
  j.checks.push_back(Check{"run_errors", Verdict::pass, "no run errors"});
  std::ostringstream out;
  const RunSubject subject{"nginx", {{"binary", "/usr/sbin/nginx", "nginx version: nginx/1.22.1", "ab12"}}};
  write_result_json("upgrade", subject, j, out);
  EXPECT_EQ(out.str(), R"({
  "scenario": "upgrade",
  "verdict": "fail",
  "target": "nginx",
  "binaries": [
    {
      "role": "binary",
      "path": "/usr/sbin/nginx",
      "version": "nginx version: nginx/1.22.1",
      "sha256": "ab12"
    }
  ],
  "metrics": {
    "requests": 10,
    "ok": 8,
    "dropped": 2,
    "retried": 1,
    "dropped_by_reason": {
      "refused": 1,
      "truncated": 1
    },
    "requests_by_kind": {
      "get": 9,
      "held": 1
    },
    "dropped_by_kind": {
      "get": 2
    },
    "switchover_ms": 12.5,
    "ready_ms": 3.25,
    "drain_ms": 40,
    "blackout_ms": 0,
    "overlap_ms": 7.5,
    "masters_at_end": 1,
    "no_effect": 2,
    "latency_ms": {
      "count": 8,
      "p50": 0.5,
      "p99": 1.25,
      "p99.9": 2,
      "max": 3
    },
    "phases": [
      {
        "name": "USR2",
        "from_ms": 100,
        "to_ms": 250.5,
        "requests": 3,
        "ok": 2,
        "dropped": 1,
        "dropped_by_reason": {
          "truncated": 1
        },
        "latency_ms": {
          "count": 2,
          "p50": 0.5,
          "p99": 1,
          "p99.9": 1,
          "max": 1
        }
      }
    ]
  },
  "checks": [
    {
      "name": "dropped",
      "verdict": "fail",
      "detail": "2 of 10 requests dropped \"quoted\""
    },
    {
      "name": "run_errors",
      "verdict": "pass",
      "detail": "no run errors"
    }
  ]
}
)");
}

TEST(ResultFileTest, MissingSwitchoverIsNullAndEmptyCollectionsStayValid) {
  const Judgement j{Verdict::unknown, {}, {}};
  std::ostringstream out;
  write_result_json("idle", {}, j, out);
  EXPECT_EQ(out.str(), R"({
  "scenario": "idle",
  "verdict": "unknown",
  "target": null,
  "binaries": [],
  "metrics": {
    "requests": 0,
    "ok": 0,
    "dropped": 0,
    "retried": 0,
    "dropped_by_reason": {},
    "requests_by_kind": {},
    "dropped_by_kind": {},
    "switchover_ms": null,
    "ready_ms": null,
    "drain_ms": null,
    "blackout_ms": null,
    "overlap_ms": null,
    "masters_at_end": null,
    "no_effect": 0,
    "latency_ms": {
      "count": 0,
      "p50": 0,
      "p99": 0,
      "p99.9": 0,
      "max": 0
    },
    "phases": []
  },
  "checks": []
}
)");
}

}  // namespace
}  // namespace hotdeploy::harness
