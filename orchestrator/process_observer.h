// The process observer: a thread that, every tick (1 ms), reaps hotdeploy's own children, reads
// the new lines of error.log and the pid files, lists the children of every known master, and
// records as history events each master and worker born and exited (pid, parent, generation, exit
// code), each pid file change and each error.log line of notice level or above.
//
// A child of a master is classified by, whichever comes first: the master's log line ("start
// worker process N" / "start new binary process N"), its title ("nginx: worker process"), or its
// pid appearing in a pid file (a master). A forked worker keeps its master's title for a moment,
// so an unclassified child waits rather than being guessed. A master's generation is its parent
// master's + 1; the first master is generation 1.
//
// The thread does its /proc and file reads on a table of its own and publishes a copy at the end
// of each tick, so snapshot() never waits behind I/O.
//
// hotdeploy must be a child subreaper (see subreaper.h) so that daemonized and orphaned masters
// become its children and their exit codes are seen here.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "harness/history.h"
#include "harness/run_clock.h"
#include "orchestrator/error_log_tail.h"
#include "orchestrator/process_table.h"

namespace hotdeploy::orchestrator {

struct ObserverConfig {
  std::filesystem::path pid_file;
  std::filesystem::path oldbin_file;
  std::filesystem::path error_log;
  std::chrono::microseconds tick{1000};
};

class ProcessObserver {
 public:
  ProcessObserver(ObserverConfig config, const harness::RunClock& clock);
  ~ProcessObserver();
  ProcessObserver(const ProcessObserver&) = delete;
  ProcessObserver& operator=(const ProcessObserver&) = delete;

  // Starts the thread, watching `launcher` (the process hotdeploy started) and its descendants.
  void start(pid_t launcher);
  // Stops the thread after one last tick. Safe to call twice.
  void stop();
  [[nodiscard]] ProcessTable snapshot() const;
  // Every pid of the run seen so far, live or not, including unclassified ones.
  [[nodiscard]] std::vector<pid_t> pids_seen() const;
  // error.log lines (notice level and above) seen so far: how many, and those from index `first`.
  [[nodiscard]] std::size_t log_line_count() const;
  [[nodiscard]] std::vector<std::string> log_lines_from(std::size_t first) const;
  // The observer's events; call after stop().
  [[nodiscard]] harness::EventLog take_events();

 private:
  void run();
  void tick();
  void reap_children();
  void read_error_log();
  void read_pid_files();
  void discover_children();
  void classify(ProcessRecord& record);
  void promote_to_master(ProcessRecord& record);
  void notice_exits();
  void announce_birth(const ProcessRecord& record);
  ProcessRecord& track(pid_t pid, pid_t parent, std::int64_t now);

  ObserverConfig config_;
  const harness::RunClock& clock_;
  ErrorLogTail log_tail_;
  harness::EventLog events_;
  ProcessTable table_;                             // the thread's own; never read by other threads
  mutable std::mutex mutex_;
  ProcessTable published_;                         // a copy of table_ after each tick, guarded by mutex_
  std::vector<std::string> log_lines_;             // guarded by mutex_
  std::map<pid_t, harness::ProcessRole> role_hints_;  // from error.log
  std::map<pid_t, int> exit_codes_;                // from waitpid and error.log
  std::set<pid_t> born_announced_;                 // process_born recorded
  std::set<pid_t> exit_announced_;                 // process_exited recorded
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace hotdeploy::orchestrator
