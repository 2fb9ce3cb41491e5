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
  j.metrics.observer = ObserverMetrics{6, 1, 0, 2, 1.5, 9.75};
  j.metrics.latency = LatencySummary{8, 0.5, 1.25, 2, 3};
  j.metrics.by_name["checkout"] =
      NamedRequestMetrics{3, 2, 1, 0, {{"bad_gateway", 1}}, LatencySummary{2, 0.5, 1, 1, 1}};
  PhaseMetrics& usr2 = j.metrics.phases.emplace_back();
  usr2.name = "USR2";
  usr2.from_ms = 100;
  usr2.to_ms = 250.5;
  usr2.requests = 3;
  usr2.ok = 2;
  usr2.dropped = 1;
  usr2.dropped_by_reason = {{"truncated", 1}};
  usr2.latency = LatencySummary{2, 0.5, 1, 1, 1};
  usr2.kernel_deltas = {{"TcpExtListenOverflows", 0}, {"TcpOutRsts", 4}};
  j.metrics.kernel_samples = 5;
  j.metrics.kernel_deltas = {{"TcpExtListenOverflows", 1}, {"TcpOutRsts", 6}};
  usr2.connect = ConnectSummary{3, 0.25, 1003.5, 1003.5, 1};
  j.metrics.connect = ConnectSummary{5, 0.25, 1003.5, 1003.5, 1};
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
    "observer": {
      "processes": 6,
      "inferred": 1,
      "exit_code_unknown": 0,
      "born_after_serving": 2,
      "birth_lag_p99_ms": 1.5,
      "birth_lag_max_ms": 9.75
    },
    "latency_ms": {
      "count": 8,
      "p50": 0.5,
      "p99": 1.25,
      "p99.9": 2,
      "max": 3
    },
    "by_name": {
      "checkout": {
        "requests": 3,
        "ok": 2,
        "dropped": 1,
        "retried": 0,
        "dropped_by_reason": {
          "bad_gateway": 1
        },
        "latency_ms": {
          "count": 2,
          "p50": 0.5,
          "p99": 1,
          "p99.9": 1,
          "max": 1
        }
      }
    },
    "kernel_counters": {
      "samples": 5,
      "kernel_deltas": {
        "TcpExtListenOverflows": 1,
        "TcpOutRsts": 6
      }
    },
    "connect_ms": {
      "count": 5,
      "p50": 0.25,
      "p99": 1003.5,
      "max": 1003.5,
      "over_1s": 1
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
        },
        "kernel_deltas": {
          "TcpExtListenOverflows": 0,
          "TcpOutRsts": 4
        },
        "connect_ms": {
          "count": 3,
          "p50": 0.25,
          "p99": 1003.5,
          "max": 1003.5,
          "over_1s": 1
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
    "observer": {
      "processes": 0,
      "inferred": 0,
      "exit_code_unknown": 0,
      "born_after_serving": 0,
      "birth_lag_p99_ms": null,
      "birth_lag_max_ms": null
    },
    "latency_ms": {
      "count": 0,
      "p50": 0,
      "p99": 0,
      "p99.9": 0,
      "max": 0
    },
    "by_name": {},
    "kernel_counters": null,
    "kernel_counters_missing": "the history has no kernel_counters samples",
    "connect_ms": {
      "count": 0,
      "p50": 0,
      "p99": 0,
      "max": 0,
      "over_1s": 0
    },
    "phases": []
  },
  "checks": []
}
)");
}

TEST(ResultFileTest, UpstreamsCarryTheJoinAfterTheObserver) {
  Judgement j{Verdict::fail, {}, {}};
  UpstreamCounts app;
  app.name = "app";
  app.received = 4;
  app.answered = 3;
  app.unanswered = 1;
  app.answered_then = {2, 1, 0, 0, 0};
  app.no_request_id = 0;
  app.unknown_request = 0;
  j.metrics.upstream.upstreams.push_back(app);
  j.metrics.upstream.answered_lost = 1;
  j.metrics.upstream.lost_listed = {
      "request 2 (get GET /): app answered 200 on its connection 1 at 21.0 ms; the "
      "client got 502"};
  j.metrics.upstream.not_received = {5, 1, 0, 0, 0};
  j.metrics.upstream.joinable = true;
  std::ostringstream out;
  write_result_json("proxy", RunSubject{}, j, out);
  const std::string text = out.str();
  const auto from = text.find("    \"upstreams\": {");
  ASSERT_NE(from, std::string::npos) << text;
  EXPECT_LT(text.find("\"observer\""), from);
  EXPECT_EQ(text.substr(from, text.find("    \"latency_ms\"", from) - from), R"(    "upstreams": {
      "answered_lost": 1,
      "lost": [
        "request 2 (get GET /): app answered 200 on its connection 1 at 21.0 ms; the client got 502"
      ],
      "not_received": {
        "ok": 5,
        "bad_gateway": 1,
        "gateway_timeout": 0,
        "other_status": 0,
        "nothing": 0
      },
      "by_upstream": [
        {
          "name": "app",
          "received": 4,
          "answered": 3,
          "unanswered": 1,
          "answered_then": {
            "ok": 2,
            "bad_gateway": 1,
            "gateway_timeout": 0,
            "other_status": 0,
            "nothing": 0
          },
          "no_request_id": 0,
          "unknown_request": 0
        }
      ]
    },
)");
}

TEST(ResultFileTest, IsolationMembersCloseTheObjectAndDescribeSaysWhyNone) {
  const Judgement j{Verdict::pass, {}, {}};
  const RunIsolation none{"none", "PID namespace: Operation not permitted; user namespace: No space left on device",
                          false, "PID namespace: Operation not permitted; user namespace: No space left on device"};
  std::ostringstream out;
  write_result_json("idle", RunSubject{"", {}, none}, j, out);
  EXPECT_NE(out.str().find(R"(  "checks": [],
  "isolation": "none",
  "isolation_refused": "PID namespace: Operation not permitted; user namespace: No space left on device",
  "network_namespace": false,
  "network_namespace_refused": "PID namespace: Operation not permitted; user namespace: No space left on device"
}
)"),
            std::string::npos)
      << out.str();
  EXPECT_NE(out.str().find(
                R"(    "kernel_counters": null,
    "kernel_counters_missing": "the run had no network namespace of its own, so the kernel's counters would mix in )"
                R"(other traffic: PID namespace: Operation not permitted; user namespace: No space left on device",)"),
            std::string::npos)
      << out.str();
  EXPECT_EQ(describe(RunIsolation{"user_namespace", "", true, ""}),
            "isolation: user_namespace, network namespace: yes");
  EXPECT_EQ(describe(RunIsolation{"none", "PID namespace: EPERM", false, "PID namespace: EPERM"}),
            "isolation: none (PID namespace: EPERM), network namespace: no (PID namespace: EPERM)");
}

}  // namespace
}  // namespace hotdeploy::harness
