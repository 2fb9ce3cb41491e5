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

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace hotdeploy::fakes::testing {

class ProcessCleanup {
public:
  ProcessCleanup();
  ~ProcessCleanup();
  ProcessCleanup(const ProcessCleanup &) = delete;
  ProcessCleanup &operator=(const ProcessCleanup &) = delete;

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
  TestPrefix(const TestPrefix &) = delete;
  TestPrefix &operator=(const TestPrefix &) = delete;

  [[nodiscard]] const std::string &dir() const { return dir_; }  // no trailing slash
  [[nodiscard]] std::string binary() const { return dir_ + "/sbin/nginx"; }
  [[nodiscard]] std::string conf_file() const { return dir_ + "/conf/nginx.conf"; }
  [[nodiscard]] std::string pid_file() const { return dir_ + "/logs/nginx.pid"; }
  [[nodiscard]] std::string old_pid_file() const { return pid_file() + ".oldbin"; }
  [[nodiscard]] std::string error_log() const { return dir_ + "/logs/error.log"; }
  [[nodiscard]] int port() const { return port_; }
  void write_conf(const std::string &text) const;
  [[nodiscard]] std::string read_error_log() const;

private:
  std::string dir_;
  int port_;
};

struct CommandResult {
  int exit_code = -1;  // -1: did not exit by itself within the deadline (it was killed)
  std::string stderr_text;
};

// Runs a command to completion (with a deadline) and returns its exit code and stderr.
[[nodiscard]] CommandResult run_command(const std::vector<std::string> &argv,
                                        std::chrono::milliseconds timeout = std::chrono::seconds(10),
                                        const std::vector<std::string> &extra_env = {});
// Starts a command in the background (stdio to /dev/null) and returns its pid.
[[nodiscard]] pid_t start_command(const std::vector<std::string> &argv);

[[nodiscard]] int free_loopback_port();
[[nodiscard]] std::optional<pid_t> read_pid(const std::string &path);
[[nodiscard]] bool file_exists(const std::string &path);
// /proc/PID/cmdline with NUL bytes between arguments turned into spaces, trailing NULs dropped.
[[nodiscard]] std::string cmdline_of(pid_t pid);
[[nodiscard]] bool is_live(pid_t pid);  // exists and is not a zombie
[[nodiscard]] std::vector<pid_t> live_children_of(pid_t pid);
[[nodiscard]] std::string describe(const std::vector<pid_t> &pids);

struct HttpReply {
  bool connected = false;  // false: refused or unreachable
  int status = 0;
  std::string worker_pid;  // X-Worker-Pid
  std::string body;
  std::string error;
};

// One GET on a fresh connection to 127.0.0.1:port.
[[nodiscard]] HttpReply http_get(int port, const std::string &path);

// Polls `probe` every 10 ms until it returns true or `timeout` passes. The probe writes
// what it saw into its argument; a timeout reports `what` and that last observation.
[[nodiscard]] ::testing::AssertionResult wait_until(const std::string &what, std::chrono::milliseconds timeout,
                                                    const std::function<bool(std::string &seen)> &probe);

}  // namespace hotdeploy::fakes::testing
