#include "orchestrator/bench_html.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <sstream>

#include "harness/report/report_html.h"

namespace hotdeploy::orchestrator {
namespace {

using harness::html_escape;

constexpr double kWidth = 560;
constexpr double kHeight = 250;
constexpr double kTop = 16;
constexpr double kBottom = 206;  // the axis at 0
constexpr double kLeft = 64;
constexpr const char* kColourA = "#0969da";
constexpr const char* kColourB = "#bc4c00";

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", value);
  return text;
}

// A round step for about `count` ticks over [0, span].
double nice_step(double span, int count) {
  if (!(span > 0)) return 1;
  const double raw = span / count;
  const double power = std::pow(10, std::floor(std::log10(raw)));
  for (const double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * power >= raw) return m * power;
  }
  return 10 * power;
}

std::string tick_label(double value) {
  char text[32];
  std::snprintf(text, sizeof text, value == std::floor(value) ? "%.0f" : "%.1f", value);
  return text;
}

void write_side(std::ostringstream& svg, const std::vector<double>& values, const std::optional<SideFigures>& side,
                double centre, const char* colour, const std::function<double(double)>& y, const std::string& label) {
  svg << "<text class=\"side-label\" x=\"" << number(centre) << "\" y=\"" << number(kBottom + 20) << "\" fill=\""
      << colour << "\">" << html_escape(label) << "</text>\n";
  if (!side) {
    svg << "<text class=\"empty\" x=\"" << number(centre) << "\" y=\"" << number((kTop + kBottom) / 2)
        << "\">no figures</text>\n";
    return;
  }
  svg << "<line class=\"range\" x1=\"" << number(centre) << "\" x2=\"" << number(centre) << "\" y1=\""
      << number(y(side->min)) << "\" y2=\"" << number(y(side->max)) << "\" stroke=\"" << colour << "\"/>\n";
  for (std::size_t i = 0; i < values.size(); ++i) {
    // A fixed spread, so that equal figures stay visible side by side and the page is reproducible.
    const double jitter = (static_cast<double>((i * 7) % 13) - 6) * 5;
    svg << "<circle cx=\"" << number(centre + jitter) << "\" cy=\"" << number(y(values[i])) << "\" r=\"3.5\" fill=\""
        << colour << "\" fill-opacity=\".55\"><title>run " << i + 1 << ": " << html_escape(tick_label(values[i]))
        << "</title></circle>\n";
  }
  svg << "<line class=\"median\" x1=\"" << number(centre - 46) << "\" x2=\"" << number(centre + 46) << "\" y1=\""
      << number(y(side->median)) << "\" y2=\"" << number(y(side->median)) << "\" stroke=\"" << colour << "\"/>\n"
      << "<line class=\"p90\" x1=\"" << number(centre - 34) << "\" x2=\"" << number(centre + 34) << "\" y1=\""
      << number(y(side->p90)) << "\" y2=\"" << number(y(side->p90)) << "\" stroke=\"" << colour << "\"/>\n";
}

std::string metric_svg(const MetricComparison& c) {
  double top_value = 0;
  for (const auto* values : {&c.a, &c.b}) {
    for (const double v : *values) top_value = std::max(top_value, v);
  }
  const double step = nice_step(top_value > 0 ? top_value : 1, 5);
  const double axis_max = std::max(step, std::ceil(top_value / step) * step);
  const auto y = [&](double v) { return kBottom - (kBottom - kTop) * (v / axis_max); };
  std::ostringstream svg;
  svg << "<svg class=\"chart\" id=\"metric-" << html_escape(c.metric.name) << "\" viewBox=\"0 0 " << kWidth << ' '
      << kHeight << "\" role=\"img\" aria-label=\"" << html_escape(c.metric.name) << " per run, A and B\">\n";
  for (double t = 0; t <= axis_max + step / 2; t += step) {
    svg << "<line class=\"grid\" x1=\"" << kLeft << "\" x2=\"" << kWidth - 8 << "\" y1=\"" << number(y(t)) << "\" y2=\""
        << number(y(t)) << "\"/><text class=\"tick\" x=\"" << kLeft - 6 << "\" y=\"" << number(y(t) + 4)
        << "\" text-anchor=\"end\">" << tick_label(t) << "</text>\n";
  }
  svg << "<text class=\"axis-title\" transform=\"translate(14," << number((kTop + kBottom) / 2)
      << ") rotate(-90)\" text-anchor=\"middle\">" << html_escape(c.metric.unit.empty() ? "count" : c.metric.unit)
      << "</text>\n";
  const double span = kWidth - 8 - kLeft;
  write_side(svg, c.a, c.side_a, kLeft + span * 0.27, kColourA, y, "A (" + std::to_string(c.a.size()) + " runs)");
  write_side(svg, c.b, c.side_b, kLeft + span * 0.73, kColourB, y, "B (" + std::to_string(c.b.size()) + " runs)");
  svg << "</svg>\n";
  return svg.str();
}

void write_head(std::ostringstream& out, const std::string& title) {
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" << html_escape(title)
      << " · hotdeploy bench</title>\n<style>\n"
      << "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1f2328;margin:0 auto;"
         "padding:16px 24px 40px;max-width:1240px}\n"
         "h1{font-size:22px;margin:4px 0 8px}h2{font-size:17px;margin:28px 0 6px;border-bottom:1px solid #d0d7de;"
         "padding-bottom:3px}h3{font-size:15px;margin:4px 0}\n"
         "table{border-collapse:collapse;margin:6px 0}td,th{border:1px solid #d0d7de;padding:3px 9px;"
         "text-align:left;vertical-align:top}th{background:#f6f8fa}td.num{text-align:right;"
         "font-variant-numeric:tabular-nums}\n"
         ".badge{display:inline-block;padding:1px 9px;border-radius:10px;color:#fff;font-weight:600;"
         "text-transform:uppercase;font-size:12px}\n"
         ".badge.pass{background:#1a7f37}.badge.unknown{background:#9a6700}.badge.fail,.badge.error{background:#cf222e}"
         "\n.badge.worse{background:#cf222e}.badge.better{background:#1a7f37}.badge.same{background:#59636e}\n"
         ".note{color:#59636e;margin:2px 0 6px}.summary{font-size:15px}\n"
         ".side-a{color:#0969da;font-weight:600}.side-b{color:#bc4c00;font-weight:600}\n"
         ".metrics{display:grid;grid-template-columns:repeat(auto-fill,minmax(440px,1fr));gap:14px 24px}\n"
         ".metric{border:1px solid #d0d7de;border-radius:6px;padding:8px 10px}\n"
         "svg.chart{width:100%;height:auto;display:block;font-family:system-ui,sans-serif}\n"
         "svg .grid{stroke:#eaeef2;stroke-width:1}svg .tick{font-size:11px;fill:#59636e}\n"
         "svg .axis-title{font-size:12px;fill:#59636e}svg .empty{font-size:14px;fill:#59636e;text-anchor:middle}\n"
         "svg .side-label{font-size:13px;font-weight:600;text-anchor:middle}\n"
         "svg .range{stroke-width:1.5;stroke-opacity:.6}svg .median{stroke-width:3}"
         "svg .p90{stroke-width:2;stroke-dasharray:5 3}\n"
         ".gate-bad{color:#cf222e;font-weight:600}\n"
      << "</style>\n</head>\n<body>\n";
}

std::string badge(Finding finding, const BenchMetric& metric) {
  const char* kind = finding == Finding::worse ? "worse" : finding == Finding::better ? "better" : "same";
  return "<span class=\"badge " + std::string(kind) + "\">" + html_escape(finding_name(finding, metric)) + "</span>";
}

void write_side_description(std::ostringstream& out, const BenchSideInfo& side, const char* css) {
  out << "<li><span class=\"" << css << "\">" << html_escape(side.name) << "</span>: " << html_escape(side.changes);
  const auto subject = harness::describe_subject(side.subject, 12);
  if (!subject.empty()) out << "<br><span class=\"note\">" << html_escape(subject) << "</span>";
  out << "</li>\n";
}

}  // namespace

std::string bench_html(const BenchReport& report) {
  std::ostringstream out;
  write_head(out, "bench " + report.scenario);
  out << "<h1>hotdeploy bench · " << html_escape(report.scenario) << "</h1>\n"
      << "<p class=\"summary\">" << report.runs << " counted runs a side, interleaved A B A B …, after "
      << report.warmup << " warm-up runs a side (not counted). Started " << html_escape(report.started_utc)
      << "; load average " << html_escape(report.load_before) << " before, " << html_escape(report.load_after)
      << " after.</p>\n<ul>\n";
  write_side_description(out, report.a, "side-a");
  write_side_description(out, report.b, "side-b");
  out << "</ul>\n<p class=\"note\">" << html_escape(report.command) << "<br>" << html_escape(report.isolation)
      << "</p>\n";

  out << "<h2>Summary</h2>\n<table>\n<tr><th>metric</th><th>A median (p90, min–max)</th><th>B median (p90, "
         "min–max)</th><th>B/A (95% CI)</th><th>p (U test)</th><th>B is</th></tr>\n";
  for (const auto& c : report.comparisons) {
    out << "<tr><td>" << html_escape(c.metric.name) << (c.metric.unit.empty() ? "" : " (" + c.metric.unit + ")")
        << "</td><td class=\"num\">" << html_escape(side_cell(c.side_a, c.metric)) << "</td><td class=\"num\">"
        << html_escape(side_cell(c.side_b, c.metric)) << "</td><td class=\"num\">" << html_escape(effect_cell(c))
        << "</td><td class=\"num\">" << (c.test ? html_escape(format_p(c.test->p_value)) : "–") << "</td><td>"
        << badge(c.finding, c.metric) << "</td></tr>\n";
  }
  out << "</table>\n<ul>\n";
  for (const auto& c : report.comparisons) {
    out << "<li><b>" << html_escape(c.metric.name) << "</b>: B " << html_escape(finding_words(c)) << "</li>\n";
  }
  out << "</ul>\n<p class=\"note\">B is called slower or faster only when the U test's p is below 0.05 divided by "
         "the number of metrics compared; the intervals are percentile bootstraps ("
      << kBenchResamples << " resamples, seed " << kBenchSeed
      << ") of the medians. Both assume independent runs.</p>\n";
  if (!report.gate.empty()) {
    out << "<h2>Regression gate</h2>\n<ul>\n";
    for (const auto& g : report.gate) {
      out << "<li" << (g.exceeded ? " class=\"gate-bad\">regression " : ">within ") << "<code>"
          << html_escape(g.limit.text) << "</code>: " << html_escape(g.detail) << "</li>\n";
    }
    out << "</ul>\n";
  }

  out << "<h2>Per metric</h2>\n<p class=\"note\">One dot per counted run; the solid bar is the median, the "
         "dashed bar p90, the line the range.</p>\n<div class=\"metrics\">\n";
  for (const auto& c : report.comparisons) {
    out << "<div class=\"metric\"><h3>" << html_escape(c.metric.name) << ' ' << badge(c.finding, c.metric)
        << "</h3>\n<p class=\"note\">" << html_escape(c.metric.what) << "</p>\n"
        << metric_svg(c) << "</div>\n";
  }
  out << "</div>\n";

  out << "<h2>Runs</h2>\n<table>\n<tr><th>#</th><th>side</th><th>run</th><th>verdict</th><th>seconds</th>";
  for (const auto& metric : bench_metrics()) out << "<th>" << html_escape(metric.name) << "</th>";
  out << "</tr>\n";
  int order = 0;
  for (const auto& record : report.records) {
    out << "<tr><td class=\"num\">" << ++order << "</td><td>" << html_escape(record.side) << "</td><td><a href=\""
        << html_escape(record.run_dir) << "/report.html\">" << html_escape(record.run_dir) << "</a>"
        << (record.warmup ? " (warm-up)" : "") << "</td><td><span class=\"badge " << html_escape(record.verdict)
        << "\">" << html_escape(record.verdict) << "</span>"
        << (record.error.empty() ? "" : " " + html_escape(record.error)) << "</td><td class=\"num\">"
        << number(record.seconds) << "</td>";
    for (const auto& metric : bench_metrics()) {
      const auto found = record.figures.find(metric.name);
      out << "<td class=\"num\">"
          << (found == record.figures.end() ? "–" : html_escape(format_figure(found->second, metric))) << "</td>";
    }
    out << "</tr>\n";
  }
  out << "</table>\n</body>\n</html>\n";
  return out.str();
}

}  // namespace hotdeploy::orchestrator
