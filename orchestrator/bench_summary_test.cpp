#include "orchestrator/bench_summary.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "orchestrator/bench_html.h"
#include "orchestrator/bench_report.h"
#include "orchestrator/cli.h"
#include "orchestrator/option_table.h"
#include "orchestrator/run_test_support.h"

namespace hotdeploy::orchestrator {
namespace {

std::vector<std::map<std::string, double>> runs_of(const std::vector<double>& ready, double dropped = 0) {
  std::vector<std::map<std::string, double>> runs;
  for (const double value : ready) runs.push_back({{"ready", value}, {"switchover", value + 10}, {"dropped", dropped}});
  return runs;
}

const MetricComparison& metric(const std::vector<MetricComparison>& comparisons, const std::string& name) {
  for (const auto& c : comparisons) {
    if (c.metric.name == name) return c;
  }
  throw std::logic_error("no metric " + name);
}

TEST(BenchSummary, ASlowerSideIsCalledSlowerByTheDifferenceOfMedians) {
  const auto comparisons = compare_sides(runs_of({10, 12, 11, 13, 9, 10, 12, 11, 10, 12}),
                                         runs_of({60, 62, 61, 64, 59, 61, 60, 63, 62, 61}));
  const auto& ready = metric(comparisons, "ready");
  ASSERT_TRUE(ready.side_a && ready.side_b && ready.ratio && ready.ratio_interval && ready.test);
  EXPECT_DOUBLE_EQ(ready.side_a->median, 11);
  EXPECT_DOUBLE_EQ(ready.side_b->median, 61);
  EXPECT_DOUBLE_EQ(ready.side_a->p90, 12);  // nearest rank: the 9th of 10
  EXPECT_DOUBLE_EQ(*ready.difference, 50);
  EXPECT_GT(ready.ratio_interval->low, 1);
  EXPECT_EQ(ready.finding, Finding::worse);
  // Three metrics have figures on both sides (ready, switchover, dropped): alpha 0.05 / 3.
  EXPECT_DOUBLE_EQ(ready.alpha, 0.05 / 3);
  EXPECT_EQ(finding_words(ready).rfind("slower by 50.0 ms (B/A ×5.545, 95% CI ×", 0), 0U) << finding_words(ready);
  // No drops on either side: all figures tied, a p of 1, and no ratio (A's median is 0).
  const auto& dropped = metric(comparisons, "dropped");
  EXPECT_EQ(dropped.finding, Finding::not_distinguishable);
  EXPECT_FALSE(dropped.ratio.has_value());
  EXPECT_NE(finding_words(dropped).find("p = 1.000"), std::string::npos) << finding_words(dropped);
  EXPECT_EQ(metric(comparisons, "blackout").finding, Finding::no_data);
}

TEST(BenchSummary, OverlappingSidesAreNotDistinguishableAndFasterIsFaster) {
  const auto same = compare_sides(runs_of({10, 12, 11, 13, 9, 10, 12, 11}), runs_of({11, 10, 12, 9, 13, 11, 10, 12}));
  EXPECT_EQ(metric(same, "ready").finding, Finding::not_distinguishable);
  EXPECT_EQ(finding_words(metric(same, "ready")).rfind("not distinguishable (B/A ×", 0), 0U);
  const auto faster =
      compare_sides(runs_of({60, 62, 61, 64, 59, 61, 60, 63}), runs_of({10, 12, 11, 13, 9, 10, 12, 11}));
  EXPECT_EQ(metric(faster, "ready").finding, Finding::better);
  EXPECT_EQ(finding_name(Finding::better, metric(faster, "ready").metric), "faster");
  EXPECT_EQ(finding_name(Finding::worse, metric(faster, "dropped").metric), "more");
}

TEST(BenchGate, ParsesPercentMillisecondsSecondsAndCounts) {
  const auto limits = parse_regression_limits("switchover=10%,blackout=5ms,drain=0.5s,dropped=0");
  ASSERT_EQ(limits.size(), 4U);
  EXPECT_TRUE(limits[0].percent);
  EXPECT_DOUBLE_EQ(limits[0].allowed, 10);
  EXPECT_FALSE(limits[1].percent);
  EXPECT_DOUBLE_EQ(limits[1].allowed, 5);
  EXPECT_DOUBLE_EQ(limits[2].allowed, 500);
  EXPECT_DOUBLE_EQ(limits[3].allowed, 0);
  for (const std::string bad : {"", "switchover", "speed=10%", "blackout=5", "blackout=-1ms", "blackout=fast",
                                "ready=5ms,ready=6ms", "dropped=1ms", "ready=nan%"}) {
    EXPECT_THROW((void)parse_regression_limits(bad), UsageError) << bad;
  }
}

TEST(BenchGate, FailsOnlyWhenTheIntervalsLowerEndIsPastTheAllowance) {
  const auto comparisons = compare_sides(runs_of({10, 12, 11, 13, 9, 10, 12, 11, 10, 12}),
                                         runs_of({60, 62, 61, 64, 59, 61, 60, 63, 62, 61}, 1));
  const auto& ready = metric(comparisons, "ready");
  ASSERT_TRUE(ready.difference_interval);
  const auto results =
      apply_gate(parse_regression_limits("ready=20ms,switchover=1000%,dropped=0,blackout=5ms"), comparisons);
  ASSERT_EQ(results.size(), 4U);
  EXPECT_TRUE(results[0].exceeded) << results[0].detail;   // +50 ms, more than 20
  EXPECT_FALSE(results[1].exceeded) << results[1].detail;  // ×3.3, not above ×11
  EXPECT_TRUE(results[2].exceeded) << results[2].detail;   // one drop a run where A had none
  EXPECT_TRUE(results[3].exceeded) << results[3].detail;   // no blackout figures: cannot be shown within
  const auto loose = apply_gate(parse_regression_limits("ready=60ms"), comparisons);
  EXPECT_FALSE(loose[0].exceeded) << loose[0].detail;
}

struct CliOutput {
  int code;
  std::string out;
  std::string err;
};

CliOutput cli(const std::vector<std::string>& args) {
  std::ostringstream out;
  std::ostringstream err;
  const int code = run_cli(args, out, err);
  return {code, out.str(), err.str()};
}

TEST(BenchCli, BadArgumentsExitTwoWithOneLineNamingThem) {
  const auto dir = make_test_directory("bench-cli-usage");
  const auto scenario = (dir / "s.yaml").string();
  std::ofstream(scenario) << "name: s\nsteps:\n  - sleep: 10ms\n";
  std::ofstream(dir / "bad-config.yaml") << "kind: nginx\n";
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"bench"}, "bench needs exactly one scenario FILE"},
      {{"bench", scenario, "--runs", "0"}, "--runs must be a whole number from 1 to 1000, got '0'"},
      {{"bench", scenario, "--max-regression", "speed=1%"}, "unknown metric 'speed'"},
      {{"bench", scenario, "--vs-faults", "newer:slow_start=1s"}, "--vs-faults must be old:FAULT"},
      {{"bench", scenario, "--vs-faults", "new:no_such_fault"}, "unknown fault 'no_such_fault'"},
      {{"bench", scenario, "--vs-config", (dir / "bad-config.yaml").string()}, "'kind' is not a configuration key"},
      {{"bench", scenario, "--vs-nginx", "/usr/sbin/nginx"}, "--vs-nginx is not used"},
      {{"bench", scenario, "--vs-new-binary", "/bin/true"}, "swaps in no new binary"},
      {{"bench", dir.string()}, "is a directory"},
  };
  for (const auto& [args, message] : cases) {
    const auto result = cli(args);
    EXPECT_EQ(result.code, kExitUsage) << result.err;
    EXPECT_NE(result.err.find(message), std::string::npos) << "want '" << message << "' in: " << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  }
  EXPECT_FALSE(std::filesystem::exists("runs/bench-s")) << "a refused bench made its directory";
  std::filesystem::remove_all(dir);
}

TEST(BenchReportFiles, MarkdownAndJsonHoldEveryMetricAndHtmlEscapes) {
  BenchReport report;
  report.scenario = "up<grade>";
  report.runs = 3;
  report.a = {"A", "the scenario", {}};
  report.b = {"B", "--vs-faults new:slow_start=50ms", {}};
  for (int k = 1; k <= 3; ++k) {
    report.records.push_back({"A", k, false, "A/" + std::to_string(k), "pass", "", 1.0, {{"ready", 10.0 + k}}});
    report.records.push_back({"B", k, false, "B/" + std::to_string(k), "pass", "", 1.0, {{"ready", 60.0 + k}}});
  }
  report.comparisons = compare_sides({{{"ready", 11}}, {{"ready", 12}}, {{"ready", 13}}},
                                     {{{"ready", 61}}, {{"ready", 62}}, {{"ready", 63}}});
  const auto md = bench_markdown(report);
  for (const auto& m : bench_metrics()) EXPECT_NE(md.find("| " + m.name), std::string::npos) << md;
  EXPECT_NE(md.find("| ready (ms) | 12.0 (p90 13.0, 11.0–13.0) | 62.0 (p90 63.0, 61.0–63.0) | ×5.167"),
            std::string::npos)
      << md;
  const auto json = bench_json(report);
  EXPECT_NE(json.find("\"run_dir\": \"B/3\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"finding\": \"not distinguishable\""), std::string::npos) << json;  // 3 runs: p >= 0.1
  const auto html = bench_html(report);
  EXPECT_EQ(html.find("up<grade>"), std::string::npos);
  EXPECT_NE(html.find("up&lt;grade&gt;"), std::string::npos);
  EXPECT_EQ(std::count_if(
                bench_metrics().begin(), bench_metrics().end(),
                [&](const BenchMetric& m) { return html.find("id=\"metric-" + m.name + "\"") != std::string::npos; }),
            6);
}

}  // namespace
}  // namespace hotdeploy::orchestrator
