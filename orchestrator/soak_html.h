// report.html of a soak: one self-contained page (inline CSS and SVG, no scripts) with the
// summary (verdict, totals, the bounds on loss, the distributions) and one row per cycle: its
// verdict, requests, dropped, retried, switchover, blackout, ready and drain, a strip of its
// requests over its window (ok in green, dropped in red), the checks that did not pass, and a link
// to the full report of each cycle kept in cycles/N/ (every failing cycle, the first and the last).
#pragma once

#include <string>
#include <vector>

#include "orchestrator/soak_record.h"

namespace hotdeploy::orchestrator {

[[nodiscard]] std::string soak_html(const SoakOutcome& outcome, const std::vector<CycleRecord>& cycles);

}  // namespace hotdeploy::orchestrator
