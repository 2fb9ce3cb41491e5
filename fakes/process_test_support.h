// Support for tests that start fake-nginx processes.
//
// ProcessCleanup makes the test process a child subreaper and, when it goes out of scope
// (also after a failed assertion), SIGKILLs every live descendant it can find in /proc
// and reaps them all, so no process outlives a test. TestPrefix is a throw-away nginx
// prefix (conf/, logs/, sbin/nginx copied from the built fake-nginx) with a generated
// nginx.conf on a free loopback port. wait_until() polls a probe until it is satisfied or
// a deadline passes and reports what it waited for and the last value it saw. Process
// state comes from /proc, ignoring zombies.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "binary_identity.h"

namespace hotdeploy::fakes::testing {

class ProcessCleanup {
 public:
  ProcessCleanup();
  ~ProcessCleanup();
  ProcessCleanup(const ProcessCleanup&) = delete;
  ProcessCleanup& operator=(const ProcessCleanup&) = delete;

  // Reaps exited children now (the test process is their subreaper).
  static void reap_exited();
};

struct PrefixSettings {
  int workers = 2;
  bool daemon = true;
  std::string extra_main_directives;
};

class TestPrefix {
 public:
  explicit TestPrefix(PrefixSettings settings = {});
  ~TestPrefix();
  TestPrefix(const TestPrefix&) = delete;
  TestPrefix& operator=(const TestPrefix&) = delete;

  [[nodiscard]] const std::string& dir() const { return dir_; }  // no trailing slash
  [[nodiscard]] std::string binary() const { return dir_ + "/sbin/nginx"; }
  [[nodiscard]] std::string conf_file() const { return dir_ + "/conf/nginx.conf"; }
  [[nodiscard]] std::string pid_file() const { return dir_ + "/logs/nginx.pid"; }
  [[nodiscard]] std::string old_pid_file() const { return pid_file() + ".oldbin"; }
  [[nodiscard]] std::string error_log() const { return dir_ + "/logs/error.log"; }
  [[nodiscard]] int port() const { return port_; }
  void write_conf(const std::string& text) const;
  // The generated nginx.conf's text, with `extra_main_directives` replaced.
  [[nodiscard]] std::string conf_text(const std::string& extra_main_directives, int workers) const;
  // Puts a copy of the built fake-nginx carrying `identity` at sbin/nginx (the upgrade's
  // "swap the binary" step: rename over the running file, as package managers do).
  void install_binary(const BinaryIdentity& identity) const;
  [[nodiscard]] std::string read_error_log() const;

 private:
  std::string dir_;
  int port_;
  bool daemon_;
};

struct CommandResult {
  int exit_code = -1;  // -1: did not exit by itself within the deadline (it was killed)
  std::string stderr_text;
};

// Runs a command to completion (with a deadline) and returns its exit code and stderr.
[[nodiscard]] CommandResult run_command(const std::vector<std::string>& argv,
                                        std::chrono::milliseconds timeout = std::chrono::seconds(10),
                                        const std::vector<std::string>& extra_env = {});
// Starts a command in the background (stdio to /dev/null) and returns its pid.
[[nodiscard]] pid_t start_command(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env = {});

[[nodiscard]] int free_loopback_port();
[[nodiscard]] std::optional<pid_t> read_pid(const std::string& path);
[[nodiscard]] bool file_exists(const std::string& path);
// /proc/PID/cmdline with NUL bytes between arguments turned into spaces, trailing NULs dropped.
[[nodiscard]] std::string cmdline_of(pid_t pid);
[[nodiscard]] bool is_live(pid_t pid);  // exists and is not a zombie
[[nodiscard]] std::vector<pid_t> live_children_of(pid_t pid);
[[nodiscard]] std::string describe(const std::vector<pid_t>& pids);

struct HttpReply {
  bool connected = false;  // false: refused or unreachable
  int status = 0;
  std::string worker_pid;  // X-Worker-Pid
  std::string body;
  std::string error;
};

// One GET on a fresh connection to 127.0.0.1:port.
[[nodiscard]] HttpReply http_get(int port, const std::string& path);

// Polls `probe` every 10 ms until it returns true or `timeout` passes. The probe writes
// what it saw into its argument; a timeout reports `what` and that last observation.
[[nodiscard]] ::testing::AssertionResult wait_until(const std::string& what, std::chrono::milliseconds timeout,
                                                    const std::function<bool(std::string& seen)>& probe);

// Holds `probe` true for all of `duration` (a bounded observation that something does not
// happen); fails at the first false with what was seen.
[[nodiscard]] ::testing::AssertionResult stays_true_for(const std::string& what, std::chrono::milliseconds duration,
                                                        const std::function<bool(std::string& seen)>& probe);

// Waits, with 5 s deadlines, for the conditions the process tests share.
[[nodiscard]] std::vector<pid_t> workers_of(pid_t master);
[[nodiscard]] ::testing::AssertionResult wait_for_workers(pid_t master, size_t count, std::vector<pid_t>& workers);
[[nodiscard]] ::testing::AssertionResult wait_for_pid_file(const std::string& path, std::optional<pid_t> not_this,
                                                           pid_t& pid);
[[nodiscard]] ::testing::AssertionResult wait_for_exit(pid_t pid);
[[nodiscard]] ::testing::AssertionResult wait_for_log(const TestPrefix& prefix, const std::string& text);
// GETs (up to 10 s) until every worker in `expected` has answered.
[[nodiscard]] ::testing::AssertionResult wait_for_serving_workers(int port, const std::vector<pid_t>& expected);

// Starts sbin/nginx daemonized (extra arguments and environment allowed) and returns the
// master's pid from the pid file, or 0 after recording a failure.
[[nodiscard]] pid_t start_daemon(const TestPrefix& prefix, const std::vector<std::string>& extra_args = {},
                                 const std::vector<std::string>& extra_env = {});

// A running generation: its master and workers.
struct Generation {
  pid_t master = 0;
  std::vector<pid_t> workers;
};

// Starts a daemon with `workers` workers and waits until each serves.
[[nodiscard]] ::testing::AssertionResult start_serving(const TestPrefix& prefix, size_t workers,
                                                       Generation& generation);
// USR2 to `old_generation`'s master; waits for the new master's pid file and workers.
[[nodiscard]] ::testing::AssertionResult upgrade(const TestPrefix& prefix, const Generation& old_generation,
                                                 size_t workers, Generation& new_generation);

// Sends a GET on a new connection, one after another, on a thread until stopped (at most
// 100,000 or 60 s), counting the answers and the refused connections.
class NewConnectionLoad {
 public:
  explicit NewConnectionLoad(int port);
  ~NewConnectionLoad();
  NewConnectionLoad(const NewConnectionLoad&) = delete;
  NewConnectionLoad& operator=(const NewConnectionLoad&) = delete;
  void stop();
  [[nodiscard]] int ok() const { return ok_; }
  [[nodiscard]] int refused() const { return refused_; }

 private:
  void run();

  int port_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> ok_{0};
  std::atomic<int> refused_{0};
  std::thread thread_;
};

// What /proc/PID/stat says of a process (its command name may hold spaces: parsed after the last ')').
struct ProcStat {
  pid_t pid = 0;
  pid_t ppid = 0;
  char state = '?';
};

[[nodiscard]] std::optional<ProcStat> read_stat(pid_t pid);

// One nginx.conf that fake-nginx and Debian's nginx both accept: pid file and temp paths inside
// the prefix (Debian's defaults point at /run and /var/lib/nginx), `location / { location_body }`.
[[nodiscard]] std::string conf_for_both(int port, int workers, const std::string& error_log_level,
                                        const std::string& location_body);

}  // namespace hotdeploy::fakes::testing
