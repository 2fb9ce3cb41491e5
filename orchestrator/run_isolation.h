// Runs each hotdeploy run as a child process, in namespaces of its own where the kernel allows
// it, so that nothing a run starts can outlive hotdeploy, even when hotdeploy is killed with
// SIGKILL, and no two runs share a port or a network sysctl:
//
//   hotdeploy (parent) ── forwards SIGINT/SIGTERM/SIGHUP to every run (and notes them, interrupt.h),
//                         waits, collects exit codes
//     └─ run (PR_SET_PDEATHSIG = SIGTERM; where allowed PID 1 of a new PID namespace with a
//          │   private /proc and a network namespace of its own with `lo` up)
//          └─ nginx masters and workers, fake-nginx-stamp, ...
//
// The first of these the kernel grants is used for every run:
//   pid_namespace   new PID, mount and network namespaces (needs CAP_SYS_ADMIN: root);
//   user_namespace  the same inside a new user namespace that maps the invoking user and group to
//                   themselves (no privilege needed where unprivileged user namespaces are allowed;
//                   the user keeps its own uid inside, so nginx behaves as when started by that
//                   user: it does not switch its workers to another user);
//   none            a plain fork, which relies on subreaping and end-of-run cleanup.
// In every mode the run asks for SIGTERM when hotdeploy dies and handles it as an interruption:
// it ends every process of the run and writes what it has. In the namespace modes the kernel
// also kills whatever is left of the namespace when the run process exits. Each refusal is kept
// (the errno text) for the run's result.json (RunIsolation).
//
// Several runs may be in flight at once (`--jobs`); the parent must stay single-threaded, since
// each run starts life as a fork of it.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <optional>
#include <utility>

#include "harness/report/run_subject.h"

namespace hotdeploy::orchestrator {

class IsolatedRuns {
 public:
  // With `require_pid_namespace`, start() throws EnvironmentError instead of running a run that
  // would get no PID namespace.
  explicit IsolatedRuns(bool require_pid_namespace = false);
  ~IsolatedRuns();  // SIGKILLs and reaps any run still in flight
  IsolatedRuns(const IsolatedRuns&) = delete;
  IsolatedRuns& operator=(const IsolatedRuns&) = delete;

  // The isolation every run gets here: decided on the first call, by starting a child with each
  // kind in turn (it exits at once) until the kernel grants one. Throws EnvironmentError, naming
  // the refusals, when a PID namespace is required and none was granted.
  const harness::RunIsolation& decide();
  // Forks a run that executes `body` with the isolation it got and exits with its result.
  // Returns the run's pid (in hotdeploy's namespace); throws std::system_error when fork fails,
  // and what decide() throws.
  pid_t start(const std::function<int(const harness::RunIsolation&)>& body);
  // Waits for any run to end: its pid and exit code (128 + signal when killed).
  [[nodiscard]] std::pair<pid_t, int> wait_any();
  // The same without waiting: nullopt when no run has ended.
  [[nodiscard]] std::optional<std::pair<pid_t, int>> poll_any();

 private:
  // waitpid(-1, options) until a run of ours ends (or, with WNOHANG, none has).
  [[nodiscard]] std::optional<std::pair<pid_t, int>> reap(int options);

  std::map<pid_t, int> running_;  // run pid -> write end of its parent-alive pipe
  bool require_pid_namespace_;
  // Once decided: the index of the kind of isolation the kernel granted (past the end: none, a
  // plain fork).
  std::optional<std::size_t> granted_;
  harness::RunIsolation isolation_;
};

}  // namespace hotdeploy::orchestrator
