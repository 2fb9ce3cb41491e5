#include "orchestrator/run_summary.h"

#include <algorithm>
#include <fstream>
#include <iomanip>
#include <iterator>
#include <sstream>

#include "harness/judge/rejudge.h"
#include "orchestrator/environment_error.h"

namespace hotdeploy::orchestrator {
namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// "requests: 12345 in all, 0 dropped (rate < 0.0243% at 95% confidence)".
std::string requests_line(const std::vector<FinishedRun>& runs) {
  std::uint64_t requests = 0;
  std::uint64_t dropped = 0;
  for (const auto& run : runs) {
    requests += run.judgement.metrics.requests;
    dropped += run.judgement.metrics.dropped;
  }
  std::string line = "requests: " + std::to_string(requests) + " in all, " + std::to_string(dropped) + " dropped";
  if (requests == 0) return line + " (no requests, so nothing can be said about drops)";
  return line + " (" + harness::drop_rate_bound_words(dropped, requests) + ")";
}

}  // namespace

fs::path environment_error_path(const fs::path& run_dir) { return run_dir / "error.txt"; }

void judge_finished_run(FinishedRun& run, const harness::Expectations& expect) {
  if (fs::exists(run.run_dir / "history.jsonl")) {
    try {
      run.judgement = harness::rejudge(run.run_dir, expect);
    } catch (const std::runtime_error& e) {
      run.judgement = {harness::Verdict::fail, {}, {{"run", harness::Verdict::fail, e.what()}}};
    }
    if (!run.error.empty()) {
      run.judgement.checks.insert(run.judgement.checks.begin(), {"run", harness::Verdict::fail, run.error});
      run.judgement.verdict = harness::Verdict::fail;
    }
    return;
  }
  if (!run.error.empty()) {
    run.judgement = {harness::Verdict::fail, {}, {{"run", harness::Verdict::fail, run.error}}};
    return;
  }
  run.error = read_text(environment_error_path(run.run_dir));
  if (run.error.empty()) {
    run.error = "the run ended with exit status " + std::to_string(run.exit_code) + " before writing its history";
  }
  run.judgement = {harness::Verdict::fail, {}, {{"run", harness::Verdict::fail, run.error}}};
}

std::string shown_verdict(const FinishedRun& run) {
  if (!run.interrupted.empty()) return "interrupted";
  if (!run.error.empty()) return "error";
  return std::string(harness::to_string(run.judgement.verdict));
}

void print_summary(const std::vector<FinishedRun>& runs, const std::vector<NotRun>& not_run, const std::string& heading,
                   std::ostream& out) {
  std::size_t name_width = std::string("scenario").size();
  for (const auto& run : runs) name_width = std::max(name_width, run.name.size());
  for (const auto& [name, reason] : not_run) name_width = std::max(name_width, name.size());
  name_width += 2;
  out << '\n';
  if (!heading.empty()) out << heading << '\n';
  out << std::left << std::setw(static_cast<int>(name_width)) << "scenario" << std::setw(13) << "verdict" << std::right
      << std::setw(10) << "requests" << std::setw(9) << "dropped" << std::setw(9) << "retried" << std::setw(15)
      << "switchover_ms"
      << "  run directory\n";
  int passed = 0;
  int failed = 0;
  for (const auto& run : runs) {
    const auto& metrics = run.judgement.metrics;
    const auto verdict = shown_verdict(run);
    passed += verdict == "pass" ? 1 : 0;
    failed += verdict == "fail" || verdict == "unknown" || verdict == "error" ? 1 : 0;
    std::ostringstream switchover;
    if (metrics.switchover_ms) switchover << std::fixed << std::setprecision(1) << *metrics.switchover_ms;
    out << std::left << std::setw(static_cast<int>(name_width)) << run.name << std::setw(13) << verdict << std::right
        << std::setw(10) << metrics.requests << std::setw(9) << metrics.dropped << std::setw(9) << metrics.retried
        << std::setw(15) << (metrics.switchover_ms ? switchover.str() : "-") << "  " << run.run_dir.string() << '\n';
  }
  for (const auto& [name, reason] : not_run) {
    out << std::left << std::setw(static_cast<int>(name_width)) << name << std::setw(13) << "not run" << reason << '\n';
  }
  out << "runs: " << passed << " passed, " << failed << " failed";
  if (!not_run.empty()) out << ", " << not_run.size() << " not run";
  const auto cut = std::count_if(runs.begin(), runs.end(), [](const FinishedRun& r) { return !r.interrupted.empty(); });
  if (cut > 0) out << ", " << cut << " interrupted";
  out << '\n' << requests_line(runs) << '\n';
}

void write_junit_file(const fs::path& file, const std::vector<harness::ScenarioOutcome>& outcomes,
                      const std::string& suite) {
  std::error_code error;
  fs::create_directories(fs::absolute(file).parent_path(), error);
  if (error) throw EnvironmentError("cannot create the directory of " + file.string() + ": " + error.message());
  std::ofstream out(file);
  harness::write_junit_xml(outcomes, out, suite);
  if (!out) throw EnvironmentError("cannot write " + file.string());
}

void write_junit(const fs::path& file, const std::vector<FinishedRun>& runs, const std::vector<NotRun>& not_run,
                 const std::string& target, const std::string& suite) {
  std::vector<harness::ScenarioOutcome> outcomes;
  for (const auto& run : runs) {
    outcomes.push_back({run.name, run.seconds, run.judgement, run.subject, run.interrupted.empty() ? run.error : "",
                        run.interrupted.empty() ? "" : "not judged: " + run.interrupted});
  }
  for (const auto& [name, reason] : not_run) outcomes.push_back({name, 0, {}, {target, {}}, {}, reason});
  write_junit_file(file, outcomes, suite);
}

}  // namespace hotdeploy::orchestrator
