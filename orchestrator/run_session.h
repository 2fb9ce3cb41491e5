// The live part of a run, shared by `hotdeploy run` (runner.h) and `hotdeploy soak` (soak.h): the
// target prepared in the run directory, the scenario's upstreams serving, the first master
// started and watched by the process observer, the load generator, and the step runner. A run
// drives it as start(), start_load(), run_step() for each step, end_steps(), stop(), then takes
// its events; a soak repeats run_step() and end_steps() cycle after cycle and takes the events
// recorded so far while it runs.
//
// Promises: every process the run caused is ended by stop() or, whatever happens (an exception,
// Ctrl-C), by the destructor; the hotdeploy.log of the run directory gets the log lines for the
// session's lifetime; the kernel's TCP counters are sampled (in the run's own network namespace
// only) at the start, before each step and at the end.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/history/history.h"
#include "harness/history/run_clock.h"
#include "harness/load/load_generator.h"
#include "harness/upstream/upstream_server.h"
#include "orchestrator/process_observer.h"
#include "orchestrator/runner.h"
#include "orchestrator/scenario.h"
#include "orchestrator/step_runner.h"
#include "orchestrator/target.h"

namespace hotdeploy::orchestrator {

class RunSession {
 public:
  // Writes scenario.yaml, isolation.json and binaries.json, sets target.sysctls, raises the open
  // file limit and prepares the target. Throws EnvironmentError when the run cannot be set up.
  RunSession(const Scenario& scenario, const RunOptions& options);
  ~RunSession();
  RunSession(const RunSession&) = delete;
  RunSession& operator=(const RunSession&) = delete;

  // Starts the first master and waits until it serves: nullopt, or why it did not (the target's
  // stderr is then recorded as a run_error).
  [[nodiscard]] std::optional<std::string> start();
  void start_load();
  // Samples the kernel counters, then runs the step: nullopt, or why the run must stop.
  [[nodiscard]] std::optional<std::string> run_step(const Step& step, const std::string& label);
  // After the last step (of a run, or of a soak's cycle): records steps_ended and waits for the
  // signals' outstanding effects (StepRunner::finish).
  void end_steps();
  // Stops the load (at once when interrupted), records its error, samples the counters, stops
  // the upstreams and ends every process of the run.
  void stop();

  // After stop(): every event of the run, one log per producer, for History::merge.
  [[nodiscard]] std::vector<harness::EventLog> take_logs();
  // While running: the events recorded since the last take, from every producer (the load's
  // logs reserved for reserve_per_loop events each). Call from the thread that runs the steps.
  [[nodiscard]] std::vector<harness::Event> take_events_while_running(std::size_t reserve_per_loop);

  [[nodiscard]] const harness::RunSubject& subject() const { return subject_; }
  [[nodiscard]] const harness::RunClock& clock() const { return *clock_; }
  [[nodiscard]] harness::LoadProgress load_progress() const { return load_->progress(); }

 private:
  class LogFile;
  class Processes;

  void sample_kernel_counters(std::string when);
  void append_run_error(std::string text);

  std::unique_ptr<LogFile> log_file_;
  harness::RunIsolation isolation_;
  std::filesystem::path run_dir_;
  std::unique_ptr<Target> target_;
  harness::RunSubject subject_;
  std::unique_ptr<harness::RunClock> clock_;  // made once the target is prepared: t = 0 is just before it starts
  harness::EventLog steps_log_;
  std::unique_ptr<ProcessObserver> observer_;
  std::unique_ptr<harness::LoadGenerator> load_;
  std::vector<std::unique_ptr<harness::UpstreamServer>> upstreams_;
  std::unique_ptr<StepRunner> step_runner_;
  std::unique_ptr<Processes> processes_;
  bool load_started_ = false;
  bool stopped_ = false;
};

}  // namespace hotdeploy::orchestrator
