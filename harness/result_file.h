// result.json: a run's judgement for machines and people, pretty-printed:
//   {"scenario": ..., "verdict": "pass"|"fail"|"unknown",
//    "metrics": {"requests": n, "ok": n, "dropped": n, "retried": n,
//                "dropped_by_reason": {"refused": n, ...}, "switchover_ms": x|null},
//    "checks": [{"name": ..., "verdict": ..., "detail": ...}, ...]}
#pragma once

#include <iosfwd>
#include <string_view>

#include "harness/checks.h"

namespace hotdeploy::harness {

void write_result_json(std::string_view scenario, const Judgement& judgement, std::ostream& out);

}  // namespace hotdeploy::harness
