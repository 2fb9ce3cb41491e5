// bench.html: a `hotdeploy bench` comparison as one self-contained page, styled like a run's
// report.html (no scripts, fonts or network: CSS and SVG inline). Top to bottom: what the two
// sides ran, the table of bench.md, the finding per metric in words, the regression gate, then
// per metric both sides' figures side by side as an SVG strip plot (one dot per counted run, a
// bar at the median, a dashed bar at p90, the range as a line; both sides on one axis from 0),
// and the list of runs with links to their report.html. Every string is HTML-escaped.
#pragma once

#include <string>

#include "orchestrator/bench_report.h"

namespace hotdeploy::orchestrator {

[[nodiscard]] std::string bench_html(const BenchReport& report);

}  // namespace hotdeploy::orchestrator
