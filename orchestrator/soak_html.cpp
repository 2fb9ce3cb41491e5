#include "orchestrator/soak_html.h"

#include <algorithm>
#include <iomanip>
#include <sstream>

#include "harness/report/report_html.h"

namespace hotdeploy::orchestrator {

namespace {

constexpr int kStripWidth = 160;
constexpr int kStripHeight = 18;

std::string figure(const std::optional<double>& value) {
  if (!value) return "-";
  std::ostringstream text;
  text << std::fixed << std::setprecision(1) << *value;
  return text.str();
}

// The cycle's requests per part of its window, as bars scaled to the busiest part: ok stacked
// under dropped; a part with a drop gets a full-height red mark, so one lost request shows.
std::string strip_svg(const CycleRecord& cycle) {
  std::ostringstream svg;
  svg << "<svg width=\"" << kStripWidth << "\" height=\"" << kStripHeight << "\" role=\"img\">";
  const auto n = cycle.strip_ok.size();
  std::uint32_t busiest = 1;
  for (std::size_t i = 0; i < n; ++i) busiest = std::max(busiest, cycle.strip_ok[i] + cycle.strip_dropped[i]);
  const double width = n == 0 ? 0 : static_cast<double>(kStripWidth) / static_cast<double>(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double x = width * static_cast<double>(i);
    const double ok = kStripHeight * static_cast<double>(cycle.strip_ok[i]) / busiest;
    svg << std::fixed << std::setprecision(1) << "<rect x=\"" << x << "\" y=\"" << kStripHeight - ok << "\" width=\""
        << width << "\" height=\"" << ok << "\" fill=\"#4a9\"/>";
    if (cycle.strip_dropped[i] > 0) {
      svg << "<rect x=\"" << x << "\" y=\"0\" width=\"" << std::max(width, 2.0) << "\" height=\"" << kStripHeight
          << "\" fill=\"#d33\"><title>" << cycle.strip_dropped[i] << " dropped</title></rect>";
    }
  }
  svg << "</svg>";
  return svg.str();
}

}  // namespace

std::string soak_html(const SoakOutcome& outcome, const std::vector<CycleRecord>& cycles) {
  std::ostringstream page;
  const auto verdict = std::string(harness::to_string(soak_verdict(outcome.totals)));
  page << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>soak " << harness::html_escape(outcome.scenario)
       << "</title><style>"
       << "body{font-family:sans-serif;margin:1.5em}pre{background:#f6f6f6;padding:.8em}"
       << "table{border-collapse:collapse;font-size:13px}td,th{padding:2px 6px;border-bottom:1px solid #ddd;"
       << "text-align:right}td.l,th.l{text-align:left}.pass{color:#176}.fail,.unknown{color:#b00;font-weight:bold}"
       << "</style></head><body>\n";
  page << "<h1>soak " << harness::html_escape(outcome.scenario) << ": <span class=\"" << verdict << "\">" << verdict
       << "</span></h1>\n";
  page << "<p>" << harness::html_escape(harness::describe_subject(outcome.subject, 16)) << "</p>\n";
  page << "<pre>" << harness::html_escape(soak_summary_text(outcome)) << "</pre>\n";
  page << "<table><tr><th>cycle</th><th class=\"l\">verdict</th><th>requests</th><th>dropped</th><th>retried</th>"
       << "<th>switchover ms</th><th>blackout ms</th><th>ready ms</th><th>drain ms</th><th>from s</th>"
       << "<th class=\"l\">requests over the cycle</th><th class=\"l\">full history</th>"
       << "<th class=\"l\">checks that did not pass</th></tr>\n";
  for (const auto& cycle : cycles) {
    const auto cycle_verdict = std::string(harness::to_string(cycle.verdict));
    page << "<tr><td>" << cycle.number << "</td><td class=\"l " << cycle_verdict << "\">" << cycle_verdict
         << "</td><td>" << cycle.requests << "</td><td>" << cycle.dropped << "</td><td>" << cycle.retried << "</td><td>"
         << figure(cycle.switchover_ms) << "</td><td>" << figure(cycle.blackout_ms) << "</td><td>"
         << figure(cycle.ready_ms) << "</td><td>" << figure(cycle.drain_ms) << "</td><td>" << figure(cycle.from_s)
         << "</td><td class=\"l\">" << strip_svg(cycle) << "</td><td class=\"l\">";
    if (cycle.kept) page << "<a href=\"cycles/" << cycle.number << "/report.html\">report</a>";
    page << "</td><td class=\"l\">";
    for (const auto& failed : cycle.failed) page << harness::html_escape(failed) << "<br>";
    page << "</td></tr>\n";
  }
  page << "</table>\n</body></html>\n";
  return page.str();
}

}  // namespace hotdeploy::orchestrator
