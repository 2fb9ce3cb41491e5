#include "orchestrator/runner.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "harness/history/history_file.h"
#include "harness/judge/history_validation.h"
#include "harness/report/junit_xml.h"
#include "harness/report/report_html.h"
#include "harness/report/result_file.h"
#include "orchestrator/environment_error.h"
#include "orchestrator/interrupt.h"
#include "orchestrator/progress_file.h"
#include "orchestrator/run_session.h"

namespace hotdeploy::orchestrator {
namespace fs = std::filesystem;

std::filesystem::path progress_path(const std::filesystem::path& run_dir) { return run_dir / "progress"; }

RunResult run_scenario(const Scenario& scenario, const RunOptions& options) {
  RunResult result;
  result.run_dir = options.run_dir;
  RunSession session(scenario, options);
  result.subject = session.subject();
  std::atomic<std::size_t> steps_done{0};
  const ProgressFile progress(progress_path(result.run_dir), [&] {
    const auto load_progress = session.load_progress();
    const double seconds = static_cast<double>(session.clock().now_ns()) / 1e9;
    const auto done = steps_done.load();
    std::ostringstream line;
    line << std::fixed << std::setprecision(1) << seconds << "s  step " << std::min(done + 1, scenario.steps.size())
         << '/' << scenario.steps.size() << ' '
         << (done < scenario.steps.size() ? describe(scenario.steps[done]) : std::string("ending")) << "  "
         << static_cast<std::uint64_t>(seconds > 0 ? static_cast<double>(load_progress.sent) / seconds : 0)
         << " req/s  dropped " << load_progress.dropped;
    return line.str();
  });
  auto stopped_because = session.start();
  if (!stopped_because) {
    session.start_load();
    for (const auto& step : scenario.steps) {
      stopped_because = session.run_step(step, "before step " + std::to_string(steps_done + 1) + ": " + describe(step));
      if (stopped_because) break;
      ++steps_done;
    }
    session.end_steps();
  }
  if (stopped_because) spdlog::error("run stopped: {}", *stopped_because);
  session.stop();
  result.interrupted_by = interrupt_signal();

  const auto history = harness::History::merge(session.take_logs());
  {
    std::ofstream out(result.run_dir / "history.jsonl");
    harness::write_jsonl(history, out);
    if (!out) throw EnvironmentError("cannot write " + (result.run_dir / "history.jsonl").string());
  }
  // A history the run could not have produced is a bug: it is kept, and fails history_invalid.
  result.judgement = harness::judge_valid(history, scenario.expect);
  write_judgement(result.run_dir, scenario.name, result.subject, history, result.judgement);
  for (const auto& check : result.judgement.checks) {
    spdlog::info("check {}: {} ({})", check.name, harness::to_string(check.verdict), check.detail);
  }
  return result;
}

void write_judgement(const fs::path& run_dir, const std::string& scenario_name, const harness::RunSubject& subject,
                     const harness::History& history, const harness::Judgement& judgement) {
  {
    std::ofstream out(run_dir / "result.json");
    harness::write_result_json(scenario_name, subject, judgement, out);
    if (!out) throw EnvironmentError("cannot write " + (run_dir / "result.json").string());
  }
  {
    const auto& events = history.events();
    const double seconds = events.empty() ? 0 : static_cast<double>(events.back().t_ns - events.front().t_ns) / 1e9;
    const harness::ScenarioOutcome outcome{scenario_name, seconds, judgement, subject, {}, {}};
    std::ofstream out(run_dir / "junit.xml");
    harness::write_junit_xml(std::span(&outcome, 1), out);
    if (!out) throw EnvironmentError("cannot write " + (run_dir / "junit.xml").string());
  }
  std::ofstream out(run_dir / "report.html");
  harness::write_report_html(scenario_name, subject, history, judgement, out);
  if (!out) throw EnvironmentError("cannot write " + (run_dir / "report.html").string());
}

namespace {

// Checks that name a cause come first, then the ones that usually follow from it.
int cause_rank(const std::string& check) {
  if (check == "run" || check == "run_errors" || check == "history_invalid") return 0;
  if (check == "served_by_at_end" || check == "masters_at_end") return 2;
  return 1;
}

}  // namespace

std::string verdict_line(const std::string& scenario_name, const harness::RunSubject& subject,
                         const harness::Judgement& judgement) {
  const auto& metrics = judgement.metrics;
  std::ostringstream line;
  std::string verdict(harness::to_string(judgement.verdict));
  for (char& c : verdict) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  line << verdict << ' ' << scenario_name << ": " << metrics.requests << " requests, " << metrics.dropped
       << " dropped, " << metrics.retried << " retried, switchover ";
  if (metrics.switchover_ms) {
    line << std::fixed << std::setprecision(1) << *metrics.switchover_ms << " ms";
  } else {
    line << "n/a";
  }
  if (!subject.target.empty()) line << "\n  " << harness::describe_subject(subject, 16);
  std::vector<const harness::Check*> failing;
  for (const auto& check : judgement.checks) {
    if (check.verdict != harness::Verdict::pass) failing.push_back(&check);
  }
  std::stable_sort(failing.begin(), failing.end(), [](const harness::Check* a, const harness::Check* b) {
    return cause_rank(a->name) < cause_rank(b->name);
  });
  for (const auto* check : failing) line << "\n  " << check->name << ": " << check->detail;
  return line.str();
}

}  // namespace hotdeploy::orchestrator
