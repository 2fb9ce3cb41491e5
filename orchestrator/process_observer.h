// The process observer: a thread that records as history events each master and worker born and
// exited (pid, parent, generation, exit code), each pid file change and each error.log line of
// notice level or above (with its level and message).
//
// It waits on events rather than polling where the kernel offers them:
// - exits: a pidfd per process seen (pidfd_watch.h), so an exit is stamped when it happens; hotdeploy's
//   own children (masters) are then reaped for their exit codes, workers' codes come from their
//   master's "exited with code" log line. Without pidfd_open (Linux < 5.3) each live process's
//   /proc/PID/stat is polled on every scan instead.
// - pid files and error.log: inotify on their directory (file_change_watch.h); without inotify
//   they are read on every scan.
// - births: no event exists for a fork by a process that is not ours, so the children of every
//   known master are listed from /proc on a timer: every `tick` (1 ms) while anything is
//   happening (any event in the last `busy_window`), every `idle_tick` otherwise; each master's
//   children file stays open, so a scan is one pread per master. nginx's "start worker process
//   N" log lines name children too, even those that lived less than a scan.
//
// Each process_born and process_exited says how it was known (harness::ProcessSeen): a child named
// only by its master's log line when it was already gone has its birth and exit marked inferred;
// one found by a scan as a zombie has its exit marked inferred (its birth was seen in the scan,
// within lag_ns); an exit found only by the last look at stop is inferred too. A birth seen
// directly carries lag_ns, a bound on how long it went unseen: the time
// since the last look at its parent's children that did not list it. The thread runs at the
// lowest real-time priority where it may (SCHED_FIFO 1, else nice -10), so that scans keep their
// pace when every core is busy.
//
// A child of a master is classified by, whichever comes first: the master's log line ("start
// worker process N" / "start new binary process N"), its title ("nginx: worker process"), or its
// pid appearing in a pid file (a master). A forked worker keeps its master's title for a moment,
// so an unclassified child waits rather than being guessed. A master's generation is its parent
// master's + 1; the first master is generation 1.
//
// The thread does its /proc and file reads on a table of its own and publishes a copy whenever it
// changed, so snapshot() never waits behind I/O.
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

#include "harness/history/history.h"
#include "harness/history/run_clock.h"
#include "orchestrator/error_log_tail.h"
#include "orchestrator/file_change_watch.h"
#include "orchestrator/pidfd_watch.h"
#include "orchestrator/proc_fs.h"
#include "orchestrator/process_table.h"

namespace hotdeploy::orchestrator {

struct ObserverConfig {
  std::filesystem::path pid_file;
  std::filesystem::path oldbin_file;
  std::filesystem::path error_log;
  std::chrono::milliseconds tick{1};        // /proc scan for births while busy
  std::chrono::milliseconds idle_tick{10};  // ... and otherwise
  std::chrono::milliseconds busy_window{250};
};

class ProcessObserver {
 public:
  ProcessObserver(ObserverConfig config, const harness::RunClock& clock);
  ~ProcessObserver();
  ProcessObserver(const ProcessObserver&) = delete;
  ProcessObserver& operator=(const ProcessObserver&) = delete;

  // Starts the thread, watching `launcher` (the process hotdeploy started) and its descendants.
  void start(pid_t launcher);
  // Stops the thread after one last look at everything. Safe to call twice.
  void stop();
  [[nodiscard]] ProcessTable snapshot() const;
  // Every pid of the run seen so far, live or not, including unclassified ones.
  [[nodiscard]] std::vector<pid_t> pids_seen() const;
  // error.log lines (notice level and above) seen so far: how many, and those from index `first`.
  [[nodiscard]] std::size_t log_line_count() const;
  [[nodiscard]] std::vector<std::string> log_lines_from(std::size_t first) const;
  // The same, each with the time its log_line event is stamped with (just after the read that saw it).
  [[nodiscard]] std::vector<std::pair<std::int64_t, std::string>> timed_log_lines_from(std::size_t first) const;
  // The observer's events recorded since the last take; callable while it runs. A process_exited
  // is recorded up to 200 ms after the exit it is stamped with (while its exit code is awaited).
  [[nodiscard]] harness::EventLog take_events();

 private:
  // How a process's birth and exit were known, and a bound on its birth time (for the event's lag).
  struct HowSeen {
    harness::ProcessSeen born = harness::ProcessSeen::directly;
    harness::ProcessSeen exit = harness::ProcessSeen::directly;
    // The birth happened after this moment: the last look at the parent's children that did not
    // list it, or the parent's own bound; nullopt when there was no such look.
    std::optional<std::int64_t> born_after_ns;
  };
  struct Wakeup {
    PidfdWatch::Ready ready;
    bool scan = false;   // the /proc scan is due
    bool final = false;  // the last look: read and check everything
  };
  void run();
  void handle(const Wakeup& wakeup);
  void mark_exited(pid_t pid, std::int64_t now, harness::ProcessSeen seen = harness::ProcessSeen::directly);
  void reap_children();
  void read_error_log();
  void read_pid_files();
  // Records a pid file's new state (nullopt: gone) if it differs from the last one recorded.
  void record_pid_file(std::size_t file, std::optional<pid_t> current);
  void discover_children();
  void poll_exits(harness::ProcessSeen seen);
  void classify(ProcessRecord& record);
  void promote_to_master(ProcessRecord& record);
  void notice_exits();
  void announce_birth(const ProcessRecord& record);
  // Records a process first heard of now (a known pid is returned as it is). `seen`: how its birth
  // is known should it no longer be running; a running process counts as seen directly.
  ProcessRecord& track(pid_t pid, pid_t parent, std::int64_t now,
                       harness::ProcessSeen seen = harness::ProcessSeen::directly);

  ObserverConfig config_;
  const harness::RunClock& clock_;
  ErrorLogTail log_tail_;
  FileChangeWatch files_;
  PidfdWatch exits_;
  void record_event(harness::Event event);

  std::mutex events_mutex_;  // guards events_ against take_events() while running
  harness::EventLog events_;
  ProcessTable table_;                 // the thread's own; never read by other threads
  bool changed_ = false;               // table_ differs from published_
  std::int64_t last_activity_ns_ = 0;  // last time anything was seen (busy window)
  mutable std::mutex mutex_;
  ProcessTable published_;                            // a copy of table_, guarded by mutex_
  std::vector<std::string> log_lines_;                // guarded by mutex_
  std::vector<std::int64_t> log_line_ns_;             // guarded by mutex_: when each of log_lines_ was read
  std::map<pid_t, ChildrenFile> children_files_;      // of live masters (and unclassified processes)
  std::map<pid_t, std::int64_t> last_look_ns_;        // parent -> when its children were last listed
  std::map<pid_t, HowSeen> how_seen_;                 // of every process tracked
  std::map<pid_t, harness::ProcessRole> role_hints_;  // from error.log
  std::map<pid_t, int> exit_codes_;                   // from waitpid and error.log
  std::set<pid_t> born_announced_;                    // process_born recorded
  std::set<pid_t> exit_announced_;                    // process_exited recorded
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace hotdeploy::orchestrator
