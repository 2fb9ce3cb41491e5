// What `hotdeploy bench` concludes from its runs: per metric, each side's median, p90 (nearest
// rank) and range, the ratio and the difference of B's median over A's with 95% bootstrap
// intervals, a two-sided Mann-Whitney U test, a finding in words, and the regression gate.
//
// Every metric is one where more is worse (times in ms, dropped requests). B is called slower
// (more, for dropped) or faster (fewer) only when the U test's p-value is below 0.05 divided by
// the number of metrics compared (a Bonferroni correction: an A/A comparison calls no metric
// distinguishable in at least 95% of repetitions, when runs are independent); otherwise the
// metric is "not distinguishable". The bootstrap is seeded (kBenchSeed), so a summary is a function
// of the figures alone.
//
// The gate: `metric=X%` fails when the lower end of the 95% interval of the ratio B/A is above
// 1 + X/100; `metric=Xms` (and `dropped=N`) when the lower end of the 95% interval of the
// difference B - A is above X: B is worse than allowed with 97.5% confidence (one-sided). When
// A's median is 0 a ratio is undefined, and `X%` then fails when the difference's lower end is
// above 0. A metric with no figure on a side fails the gate: nothing shows it is within bounds.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "harness/judge/checks.h"
#include "harness/judge/statistics.h"

namespace hotdeploy::orchestrator {

inline constexpr std::uint64_t kBenchSeed = 24;
inline constexpr int kBenchResamples = 10000;
inline constexpr double kBenchConfidence = 0.95;
inline constexpr double kBenchFamilyAlpha = 0.05;

struct BenchMetric {
  std::string name;  // "switchover", as --max-regression names it
  std::string unit;  // "ms", or "" for a count
  std::string what;  // one line: how a run measures it
};

// ready, switchover, blackout, drain, connect_p99, dropped: the order of every table.
[[nodiscard]] const std::vector<BenchMetric>& bench_metrics();
[[nodiscard]] const BenchMetric* find_bench_metric(const std::string& name);

// A run's figures, metric name -> value; a metric the run did not measure is absent.
[[nodiscard]] std::map<std::string, double> bench_figures(const harness::Metrics& metrics);

struct SideFigures {
  std::size_t count = 0;
  double median = 0, p90 = 0, min = 0, max = 0;
};

enum class Finding : std::uint8_t { worse, better, not_distinguishable, no_data };

struct MetricComparison {
  BenchMetric metric;
  std::vector<double> a, b;  // the counted runs' figures, in run order
  std::optional<SideFigures> side_a, side_b;
  std::optional<double> ratio;  // median B / median A (absent when A's is 0)
  std::optional<harness::Interval> ratio_interval;
  std::optional<double> difference;  // median B - median A
  std::optional<harness::Interval> difference_interval;
  std::optional<harness::UTest> test;
  double alpha = kBenchFamilyAlpha;  // the p-value below which the finding is worse or better
  Finding finding = Finding::no_data;
};

[[nodiscard]] std::vector<MetricComparison> compare_sides(const std::vector<std::map<std::string, double>>& a_runs,
                                                          const std::vector<std::map<std::string, double>>& b_runs);

// "slower by 49.8 ms (×5.02, 95% CI ×4.41–5.63; p = 6.8e-08)", "not distinguishable (B/A ×1.03,
// 95% CI ×0.91–1.12; p = 0.62)", "no figures (A 0 runs, B 20 runs)".
[[nodiscard]] std::string finding_words(const MetricComparison& comparison);
[[nodiscard]] std::string finding_name(Finding finding, const BenchMetric& metric);  // slower, more, ...

// A figure as printed: "12.3" for ms (one decimal, two below 10), "3" for counts.
[[nodiscard]] std::string format_figure(double value, const BenchMetric& metric);
[[nodiscard]] std::string format_p(double p);
[[nodiscard]] std::string format_ratio(double ratio);

struct RegressionLimit {
  std::string metric;
  double allowed = 0;
  bool percent = false;  // X% of A's median; otherwise in the metric's unit
  std::string text;      // as written: "switchover=10%"
};

// "switchover=10%,blackout=5ms,dropped=0". Throws UsageError naming the bad item.
[[nodiscard]] std::vector<RegressionLimit> parse_regression_limits(const std::string& text);

struct GateResult {
  RegressionLimit limit;
  bool exceeded = false;
  std::string detail;  // "B/A 95% CI low ×1.02 ≤ ×1.10"
};

[[nodiscard]] std::vector<GateResult> apply_gate(const std::vector<RegressionLimit>& limits,
                                                 const std::vector<MetricComparison>& comparisons);

}  // namespace hotdeploy::orchestrator
