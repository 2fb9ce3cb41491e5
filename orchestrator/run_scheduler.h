// The parallel-run scheduler of `hotdeploy run`: starts planned runs in order, at most `jobs` at
// once, each an isolated child (run_isolation.h), and hands every ended run back with its exit
// code and wall time, in the order they end. On a terminal it redraws, four times a second, a
// line per run in flight (its progress file, progress_file.h). After an interrupt (interrupt.h)
// it starts nothing more and waits for the runs in flight; the runs it never started are those
// from the returned index on.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <ostream>
#include <string>

#include "harness/report/run_subject.h"
#include "orchestrator/run_isolation.h"

namespace hotdeploy::orchestrator {

struct StartedRun {
  std::string label;              // the name on the progress line
  std::filesystem::path run_dir;  // holds the progress file
  // Runs in the child, with the isolation it was given; its result is the exit code.
  std::function<int(const harness::RunIsolation&)> body;
};

struct SchedulerOptions {
  int jobs = 1;
  bool show_progress = false;  // draw the progress lines on `display`
  std::ostream& display;
};

// Starts the runs through `runs`, whose isolation the caller has decided (IsolatedRuns::decide)
// before any run directory was made. prepare(i) makes planned run i ready to start (its
// directory); ended(i, exit_code, seconds) is called as each ends. Returns how many runs were started: all of them
// unless interrupted.
std::size_t schedule_runs(IsolatedRuns& runs, std::size_t count, const SchedulerOptions& options,
                          const std::function<StartedRun(std::size_t)>& prepare,
                          const std::function<void(std::size_t, int, double)>& ended);

}  // namespace hotdeploy::orchestrator
