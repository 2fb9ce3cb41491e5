// Runs each hotdeploy run as a child process, in a PID namespace of its own where the kernel
// allows it, so that nothing a run starts can outlive hotdeploy, even when hotdeploy is killed
// with SIGKILL:
//
//   hotdeploy (parent) ── forwards SIGINT/SIGTERM/SIGHUP to every run (and notes them, interrupt.h),
//                         waits, collects exit codes
//     └─ run (PID 1 of a new PID namespace, PR_SET_PDEATHSIG = SIGKILL, private /proc)
//          └─ nginx masters and workers, fake-nginx-stamp, ...
//
// When a run process dies for any reason (its parent was killed, so the kernel sent it SIGKILL),
// the kernel kills every process of its namespace. Inside, /proc is mounted afresh in a private
// mount namespace, so the pids nginx writes to its pid files, the pids kill(2) takes and the pids
// /proc shows are the same. Namespaces need CAP_SYS_ADMIN (root); without it the run is a plain
// child that relies on subreaping and end-of-run cleanup (see orchestrator/README.md).
//
// Several runs may be in flight at once (`--jobs`); the parent must stay single-threaded, since
// each run starts life as a fork of it.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <optional>
#include <utility>

namespace hotdeploy::orchestrator {

class IsolatedRuns {
 public:
  IsolatedRuns();
  ~IsolatedRuns();  // SIGKILLs and reaps any run still in flight
  IsolatedRuns(const IsolatedRuns&) = delete;
  IsolatedRuns& operator=(const IsolatedRuns&) = delete;

  // Forks a run that executes `body` and exits with its result. Returns the run's pid (in
  // hotdeploy's namespace); throws std::system_error when fork fails.
  pid_t start(const std::function<int()>& body);
  // Waits for any run to end: its pid and exit code (128 + signal when killed).
  [[nodiscard]] std::pair<pid_t, int> wait_any();
  // The same without waiting: nullopt when no run has ended.
  [[nodiscard]] std::optional<std::pair<pid_t, int>> poll_any();
  // Whether the runs get PID namespaces here (decided on the first start()).
  [[nodiscard]] bool namespaced() const { return namespaced_; }

 private:
  // waitpid(-1, options) until a run of ours ends (or, with WNOHANG, none has).
  [[nodiscard]] std::optional<std::pair<pid_t, int>> reap(int options);

  std::map<pid_t, int> running_;  // run pid -> write end of its parent-alive pipe
  bool namespaced_ = false;
};

}  // namespace hotdeploy::orchestrator
