// Executes a scenario's steps against a running target, one at a time, recording each as
// orchestrator events: step_started, signal_sent (with the target master's pid and generation),
// binary_swapped, wait_satisfied or wait_timed_out. A step that cannot be carried out, or a wait
// that times out, records why (what it waited for and the last state it saw) and stops the run.
//
// `wait: {until: log, pattern: RE}` waits for an error.log line (notice and above) matching RE
// logged since the last signal was sent (since the start if none was).
//
// Masters are named as design.md says: `old` is the oldest live master, `new` the newest. A wait
// resolves its master when one fits and then keeps that pid until the wait ends (so `wait:
// master_exited of old` follows the master that was old when it began). In a wait, `new` means
// the newest live master born since the last USR2 — until it is born the wait keeps waiting — so
// `wait: {until: master_ready, of: new}` cannot be satisfied by the old master (the same holds
// for `serving`; `workers_exited` and `master_exited` of new mean the newest live master). A wait
// for an exit (`workers_exited`, `master_exited`) follows the master last signalled under the same
// name, even if it has already exited by the time the wait begins: `signal: {send: QUIT, to: new}`
// then `wait: {until: master_exited, of: new}` waits for the master that got the QUIT, never for
// the next-newest one.
//
// A wait for a master to be ready or serving ends at once, without waiting out its timeout, when
// the master it waits for exits (or, before one is known, a new master of the awaited generation,
// or every process of the run, the last with a non-zero status): the failure names the exit
// status and error.log's emerg, alert and crit lines.
//
// Every signal to a master is checked for its expected effect (signal_effect.h): one that shows
// none within kEffectGrace is recorded as a no_effect event, the way nginx's ignored signals are
// reported. Effects are settled at each step and, with waiting, by finish().
//
// `exec` runs the user's command (exec_command.h) with HOTDEPLOY_PREFIX, HOTDEPLOY_NGINX (the
// executable masters start from), HOTDEPLOY_CONF, HOTDEPLOY_PID_FILE and NGINX_PID (the master
// nginx.pid names when it is alive, else the oldest live master; empty when none is) in its
// environment, and records an exec_ended event (exit code, duration, output). A command that
// cannot start, times out, or exits with another code than expect_exit stops the run.
// The signals such a command sends are known from the masters' error.log ("signal 1 (SIGHUP)
// received from PID", signal_received.h): each line of a master naming a sender that is neither
// hotdeploy nor a process of the target becomes a signal_sent event with seen inferred_from_log,
// stamped when the observer read the line, and is checked for its effect like hotdeploy's own,
// from the start of the last exec step (the signal went out after it). Such lines are read while
// the command runs and at every later step, so a line written after the command ended still
// counts. Not seen this way: a signal nginx does not log (KILL, STOP; anything when error_log is
// above notice), one to a process the observer does not know as a master, and a master the
// command starts itself outside the target's process tree.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harness/history/history.h"
#include "harness/history/run_clock.h"
#include "orchestrator/process_observer.h"
#include "orchestrator/scenario.h"
#include "orchestrator/signal_effect.h"
#include "orchestrator/target.h"

namespace hotdeploy::orchestrator {

class StepRunner {
 public:
  StepRunner(Target& target, const ProcessObserver& observer, const harness::RunClock& clock, harness::EventLog& events)
      : target_(target), observer_(observer), clock_(clock), events_(events) {}

  // Runs one step. Returns the reason the run must stop, or nullopt to go on.
  [[nodiscard]] std::optional<std::string> run(const Step& step);
  // After the last step: waits (up to kEffectGrace after each signal) for the effects still
  // outstanding and records the signals that had none.
  void finish();

  static constexpr std::chrono::milliseconds kEffectGrace{2000};

 private:
  [[nodiscard]] std::optional<std::string> run_action(const SwapBinaryStep& step);
  [[nodiscard]] std::optional<std::string> run_action(const SignalStep& step);
  [[nodiscard]] std::optional<std::string> run_action(const WaitStep& step);
  [[nodiscard]] std::optional<std::string> run_action(const SleepStep& step);
  [[nodiscard]] std::optional<std::string> run_action(const ConfigStep& step);
  [[nodiscard]] std::optional<std::string> run_action(const ExecStep& step);
  // Records the signals the masters' error.log says came from someone other than hotdeploy and
  // the target (an exec step's command) since the last call.
  void attribute_logged_signals();
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> exec_environment() const;
  [[nodiscard]] std::optional<std::string> wait_for_log(const WaitStep& step);
  [[nodiscard]] std::optional<std::string> signal_process(const SignalStep& step, const ProcessRecord& process,
                                                          const ProcessTable& table);
  [[nodiscard]] std::optional<ProcessRecord> resolve(const MasterRef& ref, const ProcessTable& table,
                                                     bool born_since_usr2) const;
  // Drops the signals whose effect is settled, recording no_effect for those past the grace.
  void settle_effects();
  // Evaluates the condition for the pinned master; fills `seen` with what was observed.
  [[nodiscard]] bool condition_holds(const WaitStep& step, const ProcessRecord& master, const ProcessTable& table,
                                     std::string& seen);
  [[nodiscard]] std::string fail(harness::EventType type, std::string text);
  // The process whose exit means the wait can no longer be satisfied, or nullptr.
  [[nodiscard]] const ProcessRecord* exited_during_wait(const WaitStep& step,
                                                        const std::optional<ProcessRecord>& master,
                                                        const ProcessTable& table, std::int64_t started_ns) const;

  Target& target_;
  const ProcessObserver& observer_;
  const harness::RunClock& clock_;
  harness::EventLog& events_;
  int min_new_generation_ = 0;
  std::size_t log_lines_before_last_signal_ = 0;                             // `wait until log` reads from here
  std::map<std::pair<MasterRef::Kind, int>, ProcessRecord> last_signalled_;  // by (ref kind, generation)
  std::vector<SentSignal> awaiting_effect_;
  std::size_t signal_lines_read_ = 0;  // error.log lines attribute_logged_signals() has looked at
  std::int64_t last_exec_started_ns_ = -1;
  std::chrono::steady_clock::time_point next_probe_{};
};

}  // namespace hotdeploy::orchestrator
