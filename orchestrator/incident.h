// An incident reconstructed from an nginx error.log's facts (incident_log.h): the masters that
// existed, each with its generation (the first master is 1, a master started by a USR2 is its
// parent's + 1, as in scenarios/README.md), the workers each started and how they exited, every
// signal each master received (from which pid, with nginx's own word on what it did) and what
// the log shows it caused, failed starts of a new binary, and what the log could not tell.
//
// Three things make a log unusable, and reconstruct() says which as a Problem: nothing about a
// master in it; two nginx instances in it (a master that no other master of the log started
// while another was alive, or after a start the log shows); and a log that starts in the middle
// of an incident (a master's first line is not its start). The last still yields an incident:
// the masters already running are given generations by pid (the older pid first) and the
// problem names what that assumed. Pure: facts in, model out.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "orchestrator/incident_log.h"

namespace hotdeploy::orchestrator {

struct IncidentWorker {
  pid_t pid = 0;
  int started_line = 0;  // 0: started before the log begins
  int exited_line = 0;   // its master's "... exited ..." line; 0: alive at the end of the log
  int exit_code = -1;    // when it exited normally
  int exit_signal = 0;   // when it died of a signal
};

// How a master's start went.
enum class MasterStart : std::uint8_t {
  running,        // it started workers (or was already running when the log begins)
  exec_failed,    // execve() of the new binary failed: the binary is missing or not executable
  config_failed,  // it exited with a code before starting workers, after emerg lines
  crashed,        // it died of a signal before starting workers
};

struct IncidentMaster {
  pid_t pid = 0;
  int generation = 0;
  pid_t parent = 0;          // the master whose USR2 started it; 0 for the first
  int first_line = 0;        // the first line that names it as a master
  bool start_seen = false;   // the log shows it start
  bool inherited = false;    // it logged "using inherited sockets": a new binary
  int workers_at_start = 0;  // the workers it started when it started
  MasterStart start = MasterStart::running;
  int start_failure_line = 0;  // the line that says why its start failed
  std::string start_failure;   // that line's message
  int exit_line = 0;           // its own "exit" or its parent's "new binary process N exited" (0: alive at the end)
  int exit_code = -1;
  int exit_signal = 0;
  std::vector<IncidentWorker> workers;
};

// What the log shows a signal to a master did, before the next signal to any master.
enum class SignalEffect : std::uint8_t {
  new_master,         // USR2: a new master started and started its workers
  new_master_failed,  // USR2: a new master was forked and its start failed
  ignored,            // USR2 ignored (crit line), WINCH without daemon (no action logged): no effect
  workers_stopped,    // WINCH: its workers exited
  workers_started,    // HUP: workers started (a reload, or a restart while a new binary runs)
  reload_failed,      // HUP: "reconfiguring", then emerg lines, and no worker started: no effect
  master_exited,      // QUIT, TERM, INT: the master exited
  logs_reopened,      // USR1
  none_seen,          // nothing the log shows
};

struct IncidentSignal {
  int line = 0;
  std::int64_t time_s = 0;
  std::string raw;   // the "signal ... received" line
  std::string name;  // "USR2"
  int number = 0;
  pid_t to = 0;        // the master that received it
  int generation = 0;  // that master's generation
  pid_t from = 0;      // the sender nginx logged (0: not named)
  std::string action;  // nginx's word: "changing binary", "ignoring", "" ...
  SignalEffect effect = SignalEffect::none_seen;
  int effect_line = 0;  // the line that shows the effect complete (0: none)
  std::int64_t effect_time_s = 0;
  pid_t new_master = 0;           // USR2: the master it started
  int workers_started = 0;        // HUP, USR2 (new master): the workers started
  int workers_at_signal = 0;      // the master's live workers when it received the signal
  int workers_exited = 0;         // of those and later ones, how many exited before the next signal
  bool reconfigured = false;      // HUP: "reconfiguring" (the config is re-read; not while a new binary runs)
  bool restarted_parent = false;  // QUIT/TERM/INT to a new master: its parent restarted its workers after it exited
  int restart_line = 0;           // that restart's last "start worker process" line
  std::string failure;            // new_master_failed, reload_failed: the line that says why
  int failure_line = 0;
};

// A master's exit the log shows with no signal for it: a new binary killed by SIGKILL (which its
// receiver cannot log) or dead of another signal.
struct UnsignalledExit {
  pid_t master = 0;
  int generation = 0;
  int line = 0;
  int exit_signal = 0;
};

struct Problem {
  enum class Kind : std::uint8_t { no_master_lifecycle, two_instances, starts_mid_incident };
  Kind kind;
  std::string message;  // one line, naming lines and pids
};

struct Incident {
  std::vector<IncidentMaster> masters;  // by generation, then first line
  std::vector<IncidentSignal> signals;  // in log order
  std::vector<UnsignalledExit> unsignalled_exits;
  std::vector<std::string> not_shown;  // what the log could not tell, one line each (e.g. a worker's crash)
  std::optional<Problem> problem;
  bool daemon_off = false;  // the log shows a master that never daemonized (WINCH without action)
  int first_line = 0;       // the first line with a fact
  int last_line = 0;

  [[nodiscard]] const IncidentMaster* master(pid_t pid) const;
  [[nodiscard]] const IncidentMaster* master_of_generation(int generation) const;
};

[[nodiscard]] Incident reconstruct(const IncidentLog& log);

[[nodiscard]] std::string to_string(SignalEffect effect);

}  // namespace hotdeploy::orchestrator
