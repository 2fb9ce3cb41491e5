#include "harness/result_file.h"

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
  j.metrics.switchover_ms = 12.5;
  j.checks.push_back(Check{"dropped", Verdict::fail, "2 of 10 requests dropped \"quoted\""});
  j.checks.push_back(Check{"run_errors", Verdict::pass, "no run errors"});
  std::ostringstream out;
  write_result_json("upgrade", j, out);
  EXPECT_EQ(out.str(), R"({
  "scenario": "upgrade",
  "verdict": "fail",
  "metrics": {
    "requests": 10,
    "ok": 8,
    "dropped": 2,
    "retried": 1,
    "dropped_by_reason": {
      "refused": 1,
      "truncated": 1
    },
    "switchover_ms": 12.5
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
  write_result_json("idle", j, out);
  EXPECT_EQ(out.str(), R"({
  "scenario": "idle",
  "verdict": "unknown",
  "metrics": {
    "requests": 0,
    "ok": 0,
    "dropped": 0,
    "retried": 0,
    "dropped_by_reason": {},
    "switchover_ms": null
  },
  "checks": []
}
)");
}

}  // namespace
}  // namespace hotdeploy::harness
