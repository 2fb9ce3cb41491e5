// Switchover benchmark: repeated executable upgrades of fake-nginx and of real nginx under load --
// scenarios/upgrade.yaml (swap the binary, USR2, WINCH, QUIT under keep-alive, new-connection and
// idle keep-alive traffic) run and judged as `hotdeploy run` does -- reporting ready_ms,
// switchover_ms, blackout_ms and drain_ms (median, p90 and max over the iterations) as counters,
// one row per target, so both sit side by side in one table. A run that does not pass stops its
// benchmark with the verdict line.
//
// Every run is a child in a PID namespace of its own (run_isolation.h, as `hotdeploy run` does),
// a subreaper that ends every process it started: nothing outlives the bench, even when it is
// killed; Ctrl-C ends the run in progress, skips the rest and exits 128 + the signal. Run
// directories go to a temporary directory, removed at exit (except after SIGKILL).
//
// Run: build/bench/switchover --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/judge/rejudge.h"
#include "orchestrator/interrupt.h"
#include "orchestrator/process_control.h"
#include "orchestrator/run_directory.h"
#include "orchestrator/run_isolation.h"
#include "orchestrator/runner.h"
#include "orchestrator/scenario_parser.h"

namespace hotdeploy::orchestrator {
namespace {
namespace fs = std::filesystem;

struct BenchSetup {
  fs::path scenario_file;
  BinaryLocations binaries;
  fs::path scratch;  // run directories, removed at exit
  IsolatedRuns* runs;
};

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const auto n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// Nearest rank: the smallest value with at least 90% of the values at or below it.
double p90(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<std::size_t>(std::ceil(0.9 * static_cast<double>(values.size())));
  return values[std::max<std::size_t>(rank, 1) - 1];
}

// One run of the scenario in an isolated child; its judgement, read back from its history.
harness::Judgement run_once(const Scenario& scenario, const BenchSetup& setup, const fs::path& run_dir) {
  setup.runs->start([&](const harness::RunIsolation& isolation) {
    become_child_subreaper();
    spdlog::set_level(spdlog::level::warn);
    RunOptions options{run_dir, setup.binaries};
    options.isolation = isolation;
    const auto result = run_scenario(scenario, options);
    return result.interrupted_by != 0 ? 128 + result.interrupted_by : 0;
  });
  const auto [pid, code] = setup.runs->wait_any();
  try {
    return harness::rejudge(run_dir, scenario.expect);
  } catch (const std::runtime_error& e) {
    return {harness::Verdict::fail,
            {},
            {{"run", harness::Verdict::fail, "exit status " + std::to_string(code) + ": " + e.what()}}};
  }
}

void BM_Upgrade(benchmark::State& state, TargetKind kind, const BenchSetup& setup) {
  auto scenario = parse_scenario_file(setup.scenario_file.string());
  scenario.target.kind = kind;
  const std::string target = kind == TargetKind::fake ? "fake" : "nginx";
  std::map<std::string, std::vector<double>> samples;  // metric -> one value per run
  int iteration = 0;
  for (auto _ : state) {
    const auto run_dir = make_named_run_directory(setup.scratch / target, std::to_string(++iteration));
    const auto judgement = interrupted() ? std::nullopt : std::optional(run_once(scenario, setup, run_dir));
    state.PauseTiming();
    fs::remove_all(run_dir);
    if (!judgement || interrupted()) {
      state.SkipWithError(("interrupted by signal " + std::to_string(interrupt_signal())).c_str());
      break;
    }
    if (judgement->verdict != harness::Verdict::pass) {
      state.SkipWithError(verdict_line(scenario.name + " on " + target, {}, *judgement).c_str());
      break;
    }
    const auto& m = judgement->metrics;
    const std::pair<const char*, std::optional<double>> metrics[] = {
        {"ready", m.ready_ms}, {"switch", m.switchover_ms}, {"blackout", m.blackout_ms}, {"drain", m.drain_ms}};
    for (const auto& [name, value] : metrics) {
      if (!value) {
        state.SkipWithError((std::string(name) + " missing from run " + std::to_string(iteration)).c_str());
        break;
      }
      samples[name].push_back(*value);
    }
    if (state.error_occurred()) break;
    state.ResumeTiming();
  }
  if (state.error_occurred()) return;
  for (const auto& [name, values] : samples) {
    state.counters[name + "_med"] = median(values);
    state.counters[name + "_p90"] = p90(values);
    state.counters[name + "_max"] = *std::max_element(values.begin(), values.end());
  }
}

}  // namespace
}  // namespace hotdeploy::orchestrator

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  using namespace hotdeploy::orchestrator;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  std::string scratch_template = (fs::temp_directory_path() / "hotdeploy-switchover-XXXXXX").string();
  if (::mkdtemp(scratch_template.data()) == nullptr) {
    std::perror("switchover: cannot make a temporary directory");
    return 3;
  }
  IsolatedRuns runs;  // from here on, SIGINT/SIGTERM/SIGHUP are forwarded to the run in progress
  BenchSetup setup;
  setup.scenario_file = HOTDEPLOY_SOURCE_DIR "/scenarios/upgrade.yaml";
  setup.binaries.fake_nginx = HOTDEPLOY_FAKE_NGINX;
  setup.scratch = scratch_template;
  setup.runs = &runs;
  for (const auto kind : {TargetKind::fake, TargetKind::nginx}) {
    benchmark::RegisterBenchmark(kind == TargetKind::fake ? "BM_Upgrade/fake" : "BM_Upgrade/nginx",
                                 [kind, &setup](benchmark::State& state) { BM_Upgrade(state, kind, setup); })
        ->Iterations(10)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::error_code ignored;
  fs::remove_all(setup.scratch, ignored);
  return interrupted() ? 128 + interrupt_signal() : 0;
}
