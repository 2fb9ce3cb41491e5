// Small, allocation-light readers of /proc for the process observer. Each returns what the
// kernel says right now, or nothing when the process is gone; none throws.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace hotdeploy::orchestrator {

struct ProcStat {
  char state = '?';   // R, S, D, Z, X, ...
  pid_t parent = 0;
};

[[nodiscard]] std::optional<ProcStat> read_proc_stat(pid_t pid);
// True while the process exists and is not a zombie (a zombie has exited; only its status is left).
[[nodiscard]] bool is_running(pid_t pid);
// Direct children, from /proc/PID/task/PID/children (the main thread's; nginx is single-threaded).
[[nodiscard]] std::vector<pid_t> read_children(pid_t pid);
// The process title as `ps` shows it: /proc/PID/cmdline with NULs turned into spaces.
[[nodiscard]] std::string read_title(pid_t pid);

}  // namespace hotdeploy::orchestrator
