// What the process observer knows about the target's processes at one moment: every master and
// worker seen (pid, parent, role, generation, birth, exit) and the pid files' contents. It is a
// plain value: the observer updates its own copy and hands out snapshots, and the step runner's
// waits and the failure messages are pure queries over a snapshot.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/history/event.h"

namespace hotdeploy::orchestrator {

struct ProcessRecord {
  pid_t pid = 0;
  pid_t parent = 0;
  harness::ProcessRole role = harness::ProcessRole::none;  // none: not classified yet
  int generation = 0;
  std::int64_t born_ns = 0;               // first seen
  std::optional<std::int64_t> exited_ns;  // first seen gone
  int exit_code = -1;                     // -1 while unknown
};

struct ProcessTable {
  std::vector<ProcessRecord> records;
  std::optional<pid_t> pid_file;     // pid in nginx.pid, if the file exists and holds one
  std::optional<pid_t> oldbin_file;  // pid in nginx.pid.oldbin

  [[nodiscard]] const ProcessRecord* find(pid_t pid) const;
  [[nodiscard]] ProcessRecord* find(pid_t pid);
  // Live masters, oldest generation first.
  [[nodiscard]] std::vector<ProcessRecord> live_masters() const;
  [[nodiscard]] const ProcessRecord* master_of_generation(int generation) const;
  [[nodiscard]] int live_workers_of(pid_t master) const;
  [[nodiscard]] int max_generation() const;
  // One line for failure messages: each master with its workers and state, and the pid files.
  [[nodiscard]] std::string describe() const;
};

}  // namespace hotdeploy::orchestrator
