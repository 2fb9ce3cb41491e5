// Runs the command of an `exec` step: the user's own procedure (`nginx -s reload`, an init
// script, a deploy script) as a process group of its own, with a timeout that ends it and
// everything it started.
//
// The command runs under a small supervisor process that hotdeploy forks: the supervisor leads a
// new process group, forks the command into it and waits for it, then hands its wait status back
// through a pipe. The command is thus never hotdeploy's own child, so the process observer's
// waitpid(-1), which reaps hotdeploy's children, cannot take its status away. stdout and stderr
// go, interleaved, into one pipe that is read as the command runs (so it never blocks on a full
// pipe) and kept up to kOutputHeadBytes from the start and kOutputTailBytes from the end, with a
// line saying how much was left out between them.
//
// At the timeout, or when should_stop() says so (hotdeploy was interrupted), the whole process
// group gets SIGKILL. When the command exits by itself, whatever of its process group is still
// running (a background job it left) is killed too, and counted. Either way run_exec() returns
// only when no process of the group is running any more (a zombie is not running), or says which
// survived. A process that left the group (setsid, setpgid: a daemon, such as an nginx master the
// command started) is not the group's and is left alone.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace hotdeploy::orchestrator {

inline constexpr std::size_t kOutputHeadBytes = 16 * 1024;
inline constexpr std::size_t kOutputTailBytes = 48 * 1024;

struct ExecSpec {
  std::vector<std::string> argv;    // the program (found in PATH unless it holds a '/') and its arguments
  std::string shell_line;           // instead of argv: run by /bin/sh -c
  std::filesystem::path directory;  // the working directory
  // Set in the command's environment on top of hotdeploy's own.
  std::vector<std::pair<std::string, std::string>> environment;
  std::chrono::milliseconds timeout{30000};
};

struct ExecResult {
  pid_t pid = 0;           // the command's pid (0 if it never started)
  int exit_code = -1;      // its exit code, 128 + signal when a signal ended it, -1 when hotdeploy killed it
  bool timed_out = false;  // killed at its timeout
  bool stopped = false;    // killed because should_stop() said so
  std::chrono::nanoseconds duration{0};
  std::string output;              // stdout and stderr, bounded (above)
  std::uint64_t output_bytes = 0;  // all it wrote
  int left_running = 0;            // processes of its group still running after it exited, then killed
  std::vector<pid_t> survivors;    // processes of its group still running after SIGKILL and a grace time
  std::string error;               // why it could not be started ("cannot run ...: No such file or directory")
};

// Runs the command to its end or its timeout. `tick` is called about every millisecond while it
// runs (the step runner reads the error.log there); `should_stop` is asked as often. Throws
// std::system_error only when a pipe or a fork fails in hotdeploy itself.
[[nodiscard]] ExecResult run_exec(const ExecSpec& spec, const std::function<void()>& tick,
                                  const std::function<bool()>& should_stop);

// The command as one line, for the history and the report.
[[nodiscard]] std::string describe(const ExecSpec& spec);

}  // namespace hotdeploy::orchestrator
