// An nginx error.log read as facts about nginx's processes: each line of notice level or above in
// nginx's format ("2026/11/26 00:10:53 [notice] 1234#1234: message") whose message is one of
// the process model's (ngx_process.c, ngx_process_cycle.c, nginx.c: signals received, binary
// changes, workers started and exited, a master's start and exit, failed execs, emerg lines)
// becomes a LogFact, with its line number, time and the pid that wrote it. Lines of other modules
// (an open() that failed for a client, ...) and lines below notice are counted and left out;
// lines not in nginx's format are counted too, so a caller can tell an error.log from another
// file. Pure: text in, facts out.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "harness/history/event.h"

namespace hotdeploy::orchestrator {

enum class LogFactKind : std::uint8_t {
  signal_received,           // "signal 12 (SIGUSR2) received from 4242, changing binary"
  changing_binary,           // "changing binary"
  binary_change_ignored,     // crit "the changing binary signal is ignored: ..."
  start_new_binary,          // "start new binary process 17845": other_pid is the new master
  using_inherited_sockets,   // "using inherited sockets from "6;7;"": the writer is a new binary
  start_worker_processes,    // "start worker processes": the writer is a master starting workers
  start_worker,              // "start worker process 17846": other_pid is the worker
  child_exited,              // "worker process 17812 exited with code 0", "... exited on signal 6"
  reconfiguring,             // "reconfiguring": a HUP that re-reads the config
  reopening_logs,            // "reopening logs"
  gracefully_shutting_down,  // a worker told to quit
  exiting,                   // "exiting": a worker (or single process) leaving its loop
  exit,                      // "exit": the process is about to exit (master or worker)
  execve_failed,             // alert "execve() failed while executing new binary process "..." (2: ...)"
  startup,                   // a start's notices: "using the "epoll" event method", "nginx/1.22.1", "OS: ...", ...
  fatal,                     // any other emerg, alert or crit line (a bad config, a failed bind, ...)
};

struct LogFact {
  LogFactKind kind{};
  int line = 0;             // 1-based line number in the file
  std::int64_t time_s = 0;  // the line's timestamp, in seconds (a count; only differences mean anything)
  harness::LogLevel level = harness::LogLevel::notice;
  pid_t pid = 0;            // the process that wrote the line
  pid_t other_pid = 0;      // signal_received: the sender (0 when not named); start_*, child_exited: the child
  int signal_number = 0;    // signal_received: the signal; child_exited: the signal it died of (0: none)
  std::string signal_name;  // signal_received: "USR2" (without SIG)
  std::string action;       // signal_received: ", changing binary" without ", " ("" when none was logged)
  std::string child_kind;   // child_exited: "worker process", "new binary process", "unknown process", ...
  int exit_code = -1;       // child_exited: the code when it exited normally
  std::string message;      // the line's message
  std::string raw;          // the whole line
};

struct IncidentLog {
  std::vector<LogFact> facts;      // in file order
  int lines = 0;                   // non-empty lines in the file
  int lines_in_format = 0;         // of those, lines in nginx's error.log format
  int lines_below_notice = 0;      // in format but debug or info: left out
  int lines_of_other_modules = 0;  // in format, notice or above, not about the process model
  int first_unformatted_line = 0;  // the first non-empty line not in nginx's format (0: none)
  bool binary = false;             // the text holds NUL bytes
};

// Reads a whole error.log. Never throws on any input.
[[nodiscard]] IncidentLog read_incident_log(std::string_view text);

// "YYYY/MM/DD HH:MM:SS" as seconds since 1970-01-01 in the log's own clock; -1 when malformed.
[[nodiscard]] std::int64_t log_time_seconds(std::string_view timestamp);

}  // namespace hotdeploy::orchestrator
