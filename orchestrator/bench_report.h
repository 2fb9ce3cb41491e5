// What `hotdeploy bench` writes: the summary printed on the terminal, bench.json (every run's
// figures and the summary), bench.md (a Markdown table to paste into a pull request). bench.html
// is bench_html.h. The writers only format; every number comes from bench_summary.h.
#pragma once

#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "harness/report/run_subject.h"
#include "orchestrator/bench_summary.h"

namespace hotdeploy::orchestrator {

struct BenchRunRecord {
  std::string side;  // "A" or "B"
  int number = 0;    // 1.. within its side and kind (warm-up or counted)
  bool warmup = false;
  std::string run_dir;  // relative to the bench directory: "A/3", "B/warmup-1"
  std::string verdict;  // pass, fail, unknown, error
  std::string error;    // for error: what stopped the run
  double seconds = 0;
  std::map<std::string, double> figures;  // bench_summary.h's bench_figures
};

struct BenchSideInfo {
  std::string name;             // "A" or "B"
  std::string changes;          // "the scenario as `hotdeploy run` runs it", or the --vs-* flags
  harness::RunSubject subject;  // what the side's first run ran
};

struct BenchReport {
  std::string scenario;                 // its name
  std::string scenario_file;            // as given
  std::string command;                  // the command line
  std::string started_utc;              // "2026-12-02T07:10:00Z"
  std::string load_before, load_after;  // /proc/loadavg's three averages
  std::string isolation;                // "isolation: pid_namespace, network namespace: yes"
  int runs = 0, warmup = 0;
  BenchSideInfo a, b;
  std::vector<BenchRunRecord> records;  // in the order they ran
  std::vector<MetricComparison> comparisons;
  std::vector<GateResult> gate;  // empty without --max-regression
};

// The table and the lines in words, as printed after the runs.
void write_bench_text(const BenchReport& report, std::ostream& out);
[[nodiscard]] std::string bench_json(const BenchReport& report);
[[nodiscard]] std::string bench_markdown(const BenchReport& report);

// "24.2 (p90 39.2, 10.1–61.1)" for one side of a metric; "–" without figures.
[[nodiscard]] std::string side_cell(const std::optional<SideFigures>& side, const BenchMetric& metric);
// "×2.031 (1.850–2.203)", or the difference when A's median is 0.
[[nodiscard]] std::string effect_cell(const MetricComparison& comparison);

}  // namespace hotdeploy::orchestrator
