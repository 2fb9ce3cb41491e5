// Small, allocation-light readers of /proc for the process observer. Each returns what the
// kernel says right now, or nothing when the process is gone; none throws.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace hotdeploy::orchestrator {

struct ProcStat {
  char state = '?';  // R, S, D, Z, X, ...
  pid_t parent = 0;
};

[[nodiscard]] std::optional<ProcStat> read_proc_stat(pid_t pid);
// True while the process exists and is not a zombie (a zombie has exited; only its status is left).
[[nodiscard]] bool is_running(pid_t pid);
// Direct children, from /proc/PID/task/PID/children (the main thread's; nginx is single-threaded).
[[nodiscard]] std::vector<pid_t> read_children(pid_t pid);

// The same file kept open, for a process whose children are listed every millisecond: each
// read() is one pread at offset 0 (about 0.8 us here) where open, read and close cost about 10.
class ChildrenFile {
 public:
  explicit ChildrenFile(pid_t pid);
  ~ChildrenFile();
  ChildrenFile(const ChildrenFile&) = delete;
  ChildrenFile& operator=(const ChildrenFile&) = delete;
  // The children now; nullopt when the file is not open or the read failed (the process is gone),
  // so that an empty list always means "no children".
  [[nodiscard]] std::optional<std::vector<pid_t>> read() const;
  // false when the open failed (the process was gone, or no descriptor was left): read() is nullopt.
  [[nodiscard]] bool is_open() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};
// The process title as `ps` shows it: /proc/PID/cmdline with NULs turned into spaces.
[[nodiscard]] std::string read_title(pid_t pid);

}  // namespace hotdeploy::orchestrator
