// Process control for a run: making hotdeploy a child subreaper (so that daemonized and orphaned
// masters are reparented to it rather than to PID 1, which does not reap them here), starting the
// first master with Boost.Process, sending signals, and ending every process of a run.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace hotdeploy::orchestrator {

// prctl(PR_SET_CHILD_SUBREAPER); throws std::system_error if the kernel refuses.
void become_child_subreaper();

struct LaunchSpec {
  std::vector<std::string> argv;  // argv[0] is the executable's absolute path
  std::filesystem::path working_directory;
  std::filesystem::path stdout_file;
  std::filesystem::path stderr_file;
};

// Starts the process with the caller's environment, stdin from /dev/null, every descriptor of
// hotdeploy above 2 closed on exec. Returns its pid; the caller reaps it (the process observer
// does). Throws EnvironmentError naming the executable when it cannot be started.
[[nodiscard]] pid_t launch(const LaunchSpec& spec);

struct CompletedProcess {
  int exit_code = -1;  // 128 + signal when killed; -1 when it did not finish in time
  std::string stderr_text;
};

// Runs a short helper program to completion (stdout discarded), killing it at the deadline.
// Throws EnvironmentError when it cannot be started.
[[nodiscard]] CompletedProcess run_to_completion(const std::vector<std::string>& argv,
                                                 std::chrono::milliseconds deadline);

// kill(2); returns 0 or the errno.
[[nodiscard]] int send_signal(pid_t pid, int signal_number);

// SIGKILLs every live pid that `live_pids` returns, again and again until it returns none or the
// deadline passes (a master killed between two passes may have forked a worker). Returns the pids
// still alive at the deadline.
[[nodiscard]] std::vector<pid_t> kill_until_gone(const std::function<std::vector<pid_t>()>& live_pids,
                                                 std::chrono::milliseconds deadline);

}  // namespace hotdeploy::orchestrator
