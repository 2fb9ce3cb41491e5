#include "orchestrator/bench_summary.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "orchestrator/option_table.h"

namespace hotdeploy::orchestrator {
namespace {

std::string printf_text(const char* format, double value) {
  char text[64];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

SideFigures side_figures(const std::vector<double>& values) {
  return {values.size(), harness::median(values), harness::nearest_rank(values, 90),
          *std::min_element(values.begin(), values.end()), *std::max_element(values.begin(), values.end())};
}

std::vector<double> figures_of(const std::vector<std::map<std::string, double>>& runs, const std::string& metric) {
  std::vector<double> values;
  for (const auto& run : runs) {
    if (const auto found = run.find(metric); found != run.end()) values.push_back(found->second);
  }
  return values;
}

std::string with_unit(const std::string& figure, const BenchMetric& metric) {
  return metric.unit.empty() ? figure : figure + " " + metric.unit;
}

std::string signed_figure(double value, const BenchMetric& metric) {
  return (value >= 0 ? "+" : "-") + format_figure(std::abs(value), metric);
}

}  // namespace

const std::vector<BenchMetric>& bench_metrics() {
  static const std::vector<BenchMetric> metrics = {
      {"ready", "ms", "USR2 -> the new master's pid file, with its workers up"},
      {"switchover", "ms", "USR2 -> the first ok response from the new generation"},
      {"blackout", "ms", "the longest gap with requests outstanding and none answered"},
      {"drain", "ms", "WINCH -> the last old worker gone"},
      {"connect_p99", "ms", "99th percentile of the load generator's connect latency"},
      {"dropped", "", "requests lost (their final attempt failed)"},
  };
  return metrics;
}

const BenchMetric* find_bench_metric(const std::string& name) {
  for (const auto& metric : bench_metrics()) {
    if (metric.name == name) return &metric;
  }
  return nullptr;
}

std::map<std::string, double> bench_figures(const harness::Metrics& metrics) {
  std::map<std::string, double> figures;
  if (metrics.ready_ms) figures["ready"] = *metrics.ready_ms;
  if (metrics.switchover_ms) figures["switchover"] = *metrics.switchover_ms;
  if (metrics.blackout_ms) figures["blackout"] = *metrics.blackout_ms;
  if (metrics.drain_ms) figures["drain"] = *metrics.drain_ms;
  if (metrics.connect.count > 0) figures["connect_p99"] = metrics.connect.p99_ms;
  figures["dropped"] = static_cast<double>(metrics.dropped);
  return figures;
}

std::vector<MetricComparison> compare_sides(const std::vector<std::map<std::string, double>>& a_runs,
                                            const std::vector<std::map<std::string, double>>& b_runs) {
  std::vector<MetricComparison> comparisons;
  for (const auto& metric : bench_metrics()) {
    MetricComparison c;
    c.metric = metric;
    c.a = figures_of(a_runs, metric.name);
    c.b = figures_of(b_runs, metric.name);
    if (!c.a.empty()) c.side_a = side_figures(c.a);
    if (!c.b.empty()) c.side_b = side_figures(c.b);
    comparisons.push_back(std::move(c));
  }
  const auto compared = std::count_if(comparisons.begin(), comparisons.end(),
                                      [](const MetricComparison& c) { return c.side_a && c.side_b; });
  for (auto& c : comparisons) {
    if (!c.side_a || !c.side_b) continue;
    c.alpha = kBenchFamilyAlpha / static_cast<double>(compared);
    c.difference = c.side_b->median - c.side_a->median;
    if (c.side_a->median != 0) c.ratio = c.side_b->median / c.side_a->median;
    c.difference_interval = harness::bootstrap_interval(c.a, c.b, harness::Effect::difference, kBenchResamples,
                                                        kBenchConfidence, kBenchSeed);
    c.ratio_interval =
        harness::bootstrap_interval(c.a, c.b, harness::Effect::ratio, kBenchResamples, kBenchConfidence, kBenchSeed);
    c.test = harness::mann_whitney_u(c.a, c.b);
    if (c.test->p_value >= c.alpha) {
      c.finding = Finding::not_distinguishable;
    } else {
      // u_a counts pairs where A is above B: a small u_a means B's figures are the larger.
      c.finding = c.test->u_b > c.test->u_a ? Finding::worse : Finding::better;
    }
  }
  return comparisons;
}

std::string format_figure(double value, const BenchMetric& metric) {
  if (metric.unit.empty()) return printf_text(value == std::floor(value) ? "%.0f" : "%.1f", value);
  return printf_text(std::abs(value) < 10 ? "%.2f" : "%.1f", value);
}

std::string format_p(double p) { return printf_text(p < 0.001 ? "%.1e" : "%.3f", p); }

std::string format_ratio(double ratio) { return "×" + printf_text(ratio < 10 ? "%.3f" : "%.1f", ratio); }

std::string finding_name(Finding finding, const BenchMetric& metric) {
  const bool count = metric.unit.empty();
  switch (finding) {
    case Finding::worse: return count ? "more" : "slower";
    case Finding::better: return count ? "fewer" : "faster";
    case Finding::not_distinguishable: return "not distinguishable";
    case Finding::no_data: return "no figures";
  }
  return "";
}

std::string finding_words(const MetricComparison& c) {
  if (c.finding == Finding::no_data) {
    return "no figures (A " + std::to_string(c.a.size()) + " runs, B " + std::to_string(c.b.size()) + " runs)";
  }
  std::ostringstream intervals;
  if (c.ratio && c.ratio_interval) {
    intervals << "B/A " << format_ratio(*c.ratio) << ", 95% CI " << format_ratio(c.ratio_interval->low) << "–"
              << format_ratio(c.ratio_interval->high).substr(std::string("×").size());
  } else {
    intervals << "B−A " << with_unit(signed_figure(*c.difference, c.metric), c.metric) << ", 95% CI "
              << signed_figure(c.difference_interval->low, c.metric) << " to "
              << with_unit(signed_figure(c.difference_interval->high, c.metric), c.metric);
  }
  intervals << "; p = " << format_p(c.test->p_value);
  if (c.finding == Finding::not_distinguishable) return "not distinguishable (" + intervals.str() + ")";
  const auto by = with_unit(format_figure(std::abs(*c.difference), c.metric), c.metric);
  return finding_name(c.finding, c.metric) + " by " + by + " (" + intervals.str() + ")";
}

std::vector<RegressionLimit> parse_regression_limits(const std::string& text) {
  std::vector<RegressionLimit> limits;
  std::istringstream in(text);
  std::string item;
  const auto bad = [&](const std::string& why) {
    throw UsageError("--max-regression '" + item + "': " + why +
                     " (write metric=X% or metric=Xms, e.g. switchover=10%,blackout=5ms,dropped=0)");
  };
  while (std::getline(in, item, ',')) {
    const auto equals = item.find('=');
    if (equals == std::string::npos) bad("no '='");
    RegressionLimit limit;
    limit.metric = item.substr(0, equals);
    limit.text = item;
    const auto* metric = find_bench_metric(limit.metric);
    if (!metric) {
      std::string names;
      for (const auto& m : bench_metrics()) names += (names.empty() ? "" : ", ") + m.name;
      bad("unknown metric '" + limit.metric + "' (known: " + names + ")");
    }
    std::string value = item.substr(equals + 1);
    double scale = 1;
    if (value.ends_with("%")) {
      limit.percent = true;
      value.pop_back();
    } else if (!metric->unit.empty() && value.ends_with("ms")) {
      value.resize(value.size() - 2);
    } else if (!metric->unit.empty() && value.ends_with("s")) {
      value.pop_back();
      scale = 1000;
    } else if (!metric->unit.empty()) {
      bad("a time needs a unit, ms or s, or a percentage");
    }
    std::size_t used = 0;
    try {
      limit.allowed = std::stod(value, &used) * scale;
    } catch (const std::exception&) {
      used = 0;
    }
    if (value.empty() || used != value.size() || !std::isfinite(limit.allowed) || limit.allowed < 0) {
      bad("the allowance must be a number at or above 0");
    }
    for (const auto& earlier : limits) {
      if (earlier.metric == limit.metric) bad("a second limit for " + limit.metric);
    }
    limits.push_back(std::move(limit));
  }
  if (limits.empty()) throw UsageError("--max-regression needs at least one metric=limit");
  return limits;
}

std::vector<GateResult> apply_gate(const std::vector<RegressionLimit>& limits,
                                   const std::vector<MetricComparison>& comparisons) {
  std::vector<GateResult> results;
  for (const auto& limit : limits) {
    const auto c = std::find_if(comparisons.begin(), comparisons.end(),
                                [&](const MetricComparison& m) { return m.metric.name == limit.metric; });
    GateResult result{limit, false, ""};
    if (c == comparisons.end()) {
      result.exceeded = true;
      result.detail = "not compared";
    } else if (!c->difference_interval) {
      result.exceeded = true;
      result.detail = "no figures to judge by (A " + std::to_string(c->a.size()) + " runs, B " +
                      std::to_string(c->b.size()) + " runs)";
    } else if (limit.percent && c->ratio_interval) {
      const double bound = 1 + limit.allowed / 100;
      result.exceeded = c->ratio_interval->low > bound;
      result.detail = "B/A 95% CI low " + format_ratio(c->ratio_interval->low) + (result.exceeded ? " > " : " ≤ ") +
                      format_ratio(bound);
    } else {
      const double bound = limit.percent ? 0 : limit.allowed;
      result.exceeded = c->difference_interval->low > bound;
      result.detail = "B−A 95% CI low " + with_unit(signed_figure(c->difference_interval->low, c->metric), c->metric) +
                      (result.exceeded ? " > " : " ≤ ") + with_unit(format_figure(bound, c->metric), c->metric) +
                      (limit.percent ? " (A's median is 0, so any rise is unbounded in %)" : "");
    }
    results.push_back(std::move(result));
  }
  return results;
}

}  // namespace hotdeploy::orchestrator
