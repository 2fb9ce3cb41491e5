// Runs a whole hotdeploy run in its own PID namespace, so that nothing the run starts can outlive
// hotdeploy, even when hotdeploy is killed with SIGKILL:
//
//   hotdeploy (parent, host namespace) ── forwards SIGINT/SIGTERM/SIGHUP, waits, passes on the exit code
//     └─ run (PID 1 of a new PID namespace, PR_SET_PDEATHSIG = SIGKILL, private /proc)
//          └─ nginx masters and workers, fake-nginx-stamp, ...
//
// When the run process dies for any reason (its parent was killed, so the kernel sent it
// SIGKILL), the kernel kills every process of the namespace. Inside, /proc is mounted afresh in a
// private mount namespace, so the pids nginx writes to its pid files, the pids kill(2) takes and
// the pids /proc shows are the same. Needs CAP_SYS_ADMIN (root); without it the caller runs the
// body in place and relies on subreaping and end-of-run cleanup (see orchestrator/README.md).
#pragma once

#include <functional>
#include <optional>

namespace hotdeploy::orchestrator {

// Runs `body` as PID 1 of a new PID namespace and returns its exit code, or nullopt (having run
// nothing) when the kernel refuses the namespaces.
[[nodiscard]] std::optional<int> run_in_pid_namespace(const std::function<int()>& body);

}  // namespace hotdeploy::orchestrator
