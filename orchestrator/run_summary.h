// The end of a batch of runs, as `hotdeploy run` and `hotdeploy merge` both show it: each finished
// run judged from its saved history (or, when it has none, the reason), the summary table -- a row
// per run and per run that did not happen, the counts, and the drop-rate bound over every request
// of the batch (harness/judge/statistics.h) -- and the JUnit file. Both commands print the same
// table, so a merge of shards reads like one run of the whole library.
#pragma once

#include <filesystem>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "harness/judge/checks.h"
#include "harness/report/junit_xml.h"
#include "harness/report/run_subject.h"

namespace hotdeploy::orchestrator {

struct FinishedRun {
  std::string name;  // the scenario's, with #k under --repeat
  std::filesystem::path run_dir;
  int exit_code = 0;
  double seconds = 0;
  harness::Judgement judgement;
  harness::RunSubject subject;
  std::string error;        // what stopped the run when the environment did
  std::string interrupted;  // "interrupted by signal N" when an interrupt cut it short
};

// A run that did not happen: its name and why (fake-only with --target nginx, an interrupt).
using NotRun = std::pair<std::string, std::string>;

// The run process's note of what stopped it, for the parent's verdict and JUnit <error>.
[[nodiscard]] std::filesystem::path environment_error_path(const std::filesystem::path& run_dir);

// Judges run from run_dir/history.jsonl with `expect`, failing it with a "run" check when
// run.error is set; without a history, a fail naming run.error, or the run directory's
// environment error note, or the exit code.
void judge_finished_run(FinishedRun& run, const harness::Expectations& expect);

// "pass", "fail", "unknown", "error" or "interrupted".
[[nodiscard]] std::string shown_verdict(const FinishedRun& run);

// The table; `heading`, when not empty, is printed as its first line ("shard 2/3: ...").
void print_summary(const std::vector<FinishedRun>& runs, const std::vector<NotRun>& not_run, const std::string& heading,
                   std::ostream& out);

// Writes the JUnit file (creating its directory); throws EnvironmentError naming the file.
void write_junit_file(const std::filesystem::path& file, const std::vector<harness::ScenarioOutcome>& outcomes,
                      const std::string& suite);

// target: the --target the runs that did not happen would have had ("" when none was given).
void write_junit(const std::filesystem::path& file, const std::vector<FinishedRun>& runs,
                 const std::vector<NotRun>& not_run, const std::string& target, const std::string& suite);

}  // namespace hotdeploy::orchestrator
