// One run of one scenario, start to finish: prepare the target in a fresh run directory, start
// the first master, wait until it serves, start the load, execute the steps, stop the load, end
// every process of the run, then merge the history, judge it and write history.jsonl and
// result.json. Nothing is judged while the run is on.
//
// Whatever happens (a failed step, an exception, Ctrl-C), every process the run caused is ended
// before run_scenario returns.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "harness/judge/checks.h"
#include "harness/report/run_subject.h"
#include "orchestrator/scenario.h"
#include "orchestrator/target.h"

namespace hotdeploy::orchestrator {

struct RunOptions {
  std::filesystem::path run_dir;  // made beforehand (run_directory.h); the run's files go here
  BinaryLocations binaries;
  // What the run process got from run_isolation.h. With a network namespace of its own the
  // target listens on 127.0.0.1:8080 and target.sysctls are set there; without one the port is
  // any free one and a scenario with sysctls cannot run.
  harness::RunIsolation isolation{"none", "run in process, not by `hotdeploy run`", false,
                                  "run in process, not by `hotdeploy run`"};
};

// The run's live status line (progress_file.h), in the run directory while it runs.
[[nodiscard]] std::filesystem::path progress_path(const std::filesystem::path& run_dir);

struct RunResult {
  harness::Judgement judgement;
  harness::RunSubject subject;
  std::filesystem::path run_dir;
  int interrupted_by = 0;  // the signal that cut the run short, or 0
};

// Throws EnvironmentError when the run cannot be set up (binary missing, directory unwritable, a
// sysctl that cannot be set).
[[nodiscard]] RunResult run_scenario(const Scenario& scenario, const RunOptions& options);

// result.json, junit.xml (one testcase: this run) and report.html of a judged run; result.json and
// report.html say the run's isolation when the run directory has an isolation.json.
void write_judgement(const std::filesystem::path& run_dir, const std::string& scenario_name,
                     const harness::RunSubject& subject, const harness::History& history,
                     const harness::Judgement& judgement);

// "PASS upgrade: 12345 requests, 0 dropped, 2 retried, switchover 14.2 ms", then what ran ("on
// nginx: binary /usr/sbin/nginx (nginx version: nginx/1.22.1, sha256 ...)", when known), then a
// line for each check that did not pass, causes first: run and run_errors (and history_invalid),
// then the rest, then served_by_at_end and masters_at_end, which usually follow from a cause.
[[nodiscard]] std::string verdict_line(const std::string& scenario_name, const harness::RunSubject& subject,
                                       const harness::Judgement& judgement);

}  // namespace hotdeploy::orchestrator
