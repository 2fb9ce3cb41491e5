#include "orchestrator/exec_command.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <system_error>
#include <thread>
#include <vector>

extern char** environ;

namespace hotdeploy::orchestrator {
namespace {

using Clock = std::chrono::steady_clock;

// What the supervisor and the command tell hotdeploy through the status pipe.
enum class Tag : std::int32_t { exec_failed = 1, wait_status = 2, chdir_failed = 3, fork_failed = 4, started = 5 };
struct Record {
  Tag tag;
  std::int32_t value;
};

constexpr auto kKillGrace = std::chrono::seconds(2);

// Keeps the first kOutputHeadBytes and the last kOutputTailBytes of what is appended.
class BoundedOutput {
 public:
  void append(const char* data, std::size_t n) {
    total_ += n;
    const std::size_t to_head = std::min(n, kOutputHeadBytes - std::min(kOutputHeadBytes, head_.size()));
    head_.append(data, to_head);
    tail_.append(data + to_head, n - to_head);
    if (tail_.size() > 2 * kOutputTailBytes) tail_.erase(0, tail_.size() - kOutputTailBytes);
  }
  [[nodiscard]] std::string text() const {
    const std::size_t kept_tail = std::min(tail_.size(), kOutputTailBytes);
    const std::uint64_t left_out = total_ - head_.size() - kept_tail;
    std::string out = head_;
    if (left_out > 0) out += "\n[hotdeploy: " + std::to_string(left_out) + " bytes of output left out here]\n";
    out += tail_.substr(tail_.size() - kept_tail);
    return out;
  }
  [[nodiscard]] std::uint64_t total() const { return total_; }

 private:
  std::string head_;
  std::string tail_;
  std::uint64_t total_ = 0;
};

// The program's path: as given when it holds a '/' (relative to the working directory), else
// the first executable of that name in PATH.
std::optional<std::string> find_program(const std::string& program, const std::string& path_variable) {
  if (program.find('/') != std::string::npos) return program;
  std::size_t from = 0;
  while (from <= path_variable.size()) {
    const auto colon = path_variable.find(':', from);
    std::string dir = path_variable.substr(from, colon == std::string::npos ? std::string::npos : colon - from);
    if (dir.empty()) dir = ".";
    const std::string candidate = dir + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (colon == std::string::npos) break;
    from = colon + 1;
  }
  return std::nullopt;
}

// The processes of process group `pgid` that are running (not zombies), from /proc.
std::vector<pid_t> running_in_group(pid_t pgid) {
  std::vector<pid_t> found;
  DIR* dir = ::opendir("/proc");
  if (dir == nullptr) return found;
  while (const dirent* entry = ::readdir(dir)) {
    char* end = nullptr;
    const long pid = std::strtol(entry->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    std::ifstream stat("/proc/" + std::string(entry->d_name) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so read after the last ')'.
    const auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    char state = '?';
    long ppid = 0;
    long group = 0;
    if (std::sscanf(line.c_str() + close + 1, " %c %ld %ld", &state, &ppid, &group) != 3) continue;
    if (group == pgid && state != 'Z' && state != 'X') found.push_back(static_cast<pid_t>(pid));
  }
  ::closedir(dir);
  return found;
}

void write_record(int fd, Tag tag, int value) {
  const Record record{tag, value};
  [[maybe_unused]] const auto n = ::write(fd, &record, sizeof record);
}

// Everything the forked processes need, prepared before fork(): after it, in a copy of a
// multi-threaded process, only async-signal-safe calls are made.
struct Prepared {
  std::string program;
  std::vector<std::string> argv_storage;
  std::vector<std::string> env_storage;
  std::vector<char*> argv;
  std::vector<char*> envp;
  std::string directory;
};

[[noreturn]] void command_child(const Prepared& p, int null_fd, int output_fd, int status_fd) {
  ::dup2(null_fd, STDIN_FILENO);
  ::dup2(output_fd, STDOUT_FILENO);
  ::dup2(output_fd, STDERR_FILENO);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig = 1; sig < NSIG; ++sig) ::signal(sig, SIG_DFL);
  ::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);  // the status pipe closes on exec too
  if (!p.directory.empty() && ::chdir(p.directory.c_str()) != 0) {
    write_record(status_fd, Tag::chdir_failed, errno);
    ::_exit(127);
  }
  ::execve(p.program.c_str(), p.argv.data(), p.envp.data());
  write_record(status_fd, Tag::exec_failed, errno);
  ::_exit(127);
}

[[noreturn]] void supervisor(const Prepared& p, int null_fd, int output_fd, int status_fd) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  ::setpgid(0, 0);
  const pid_t command = ::fork();
  if (command < 0) {
    write_record(status_fd, Tag::fork_failed, errno);
    ::_exit(1);
  }
  if (command == 0) command_child(p, null_fd, output_fd, status_fd);
  write_record(status_fd, Tag::started, command);
  ::close(output_fd);  // the output pipe ends when the command and what it started are done
  int status = 0;
  while (::waitpid(command, &status, 0) < 0) {
    if (errno != EINTR) ::_exit(1);
  }
  write_record(status_fd, Tag::wait_status, status);
  ::_exit(0);
}

int exit_code_of(int status) { return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status); }

struct Pipe {
  int read = -1;
  int write = -1;
};

Pipe make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe2");
  return {fds[0], fds[1]};
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// Reads what is there without waiting; false at the end of the stream.
bool drain(int fd, BoundedOutput& output) {
  std::array<char, 16384> buffer{};
  while (true) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n > 0) {
      output.append(buffer.data(), static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    return false;
  }
}

}  // namespace

std::string describe(const ExecSpec& spec) {
  if (!spec.shell_line.empty()) return spec.shell_line;
  std::string text;
  for (const auto& arg : spec.argv) {
    const bool plain = !arg.empty() && arg.find_first_of(" \t'\"\\$") == std::string::npos;
    text += (text.empty() ? "" : " ") + (plain ? arg : "'" + arg + "'");
  }
  return text;
}

ExecResult run_exec(const ExecSpec& spec, const std::function<void()>& tick, const std::function<bool()>& should_stop) {
  ExecResult result;
  Prepared p;
  p.argv_storage = spec.shell_line.empty() ? spec.argv : std::vector<std::string>{"/bin/sh", "-c", spec.shell_line};
  if (p.argv_storage.empty() || p.argv_storage.front().empty()) {
    result.error = "exec: no program to run";
    return result;
  }
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string entry(*e);
    const auto name = entry.substr(0, entry.find('='));
    bool replaced = false;
    for (const auto& [key, value] : spec.environment) replaced = replaced || key == name;
    if (!replaced) p.env_storage.push_back(entry);
  }
  for (const auto& [key, value] : spec.environment) p.env_storage.push_back(key + "=" + value);
  std::string path_variable = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (const auto& entry : p.env_storage) {
    if (entry.starts_with("PATH=")) path_variable = entry.substr(5);
  }
  const auto program = find_program(p.argv_storage.front(), path_variable);
  if (!program) {
    result.error =
        "cannot run " + describe(spec) + ": '" + p.argv_storage.front() + "' is not in PATH (" + path_variable + ")";
    return result;
  }
  p.program = *program;
  for (auto& arg : p.argv_storage) p.argv.push_back(arg.data());
  p.argv.push_back(nullptr);
  for (auto& entry : p.env_storage) p.envp.push_back(entry.data());
  p.envp.push_back(nullptr);
  p.directory = spec.directory.string();

  Pipe output = make_pipe();
  Pipe status;
  try {
    status = make_pipe();
  } catch (...) {
    close_fd(output.read);
    close_fd(output.write);
    throw;
  }
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const auto started = Clock::now();
  const pid_t leader = ::fork();
  if (leader < 0) {
    const int err = errno;
    for (int* fd : {&output.read, &output.write, &status.read, &status.write, &null_fd}) close_fd(*fd);
    throw std::system_error(err, std::generic_category(), "fork");
  }
  if (leader == 0) supervisor(p, null_fd, output.write, status.write);
  ::setpgid(leader, leader);  // also here, so the group exists before any kill below
  close_fd(output.write);
  close_fd(status.write);
  close_fd(null_fd);
  ::fcntl(output.read, F_SETFL, O_NONBLOCK);
  ::fcntl(status.read, F_SETFL, O_NONBLOCK);

  BoundedOutput text;
  std::optional<int> wait_status;
  std::optional<std::string> start_error;
  std::string record_bytes;
  bool status_open = true;
  bool output_open = true;
  const auto deadline = started + spec.timeout;
  const auto read_status = [&] {
    std::array<char, 64> buffer{};
    while (true) {
      const ssize_t n = ::read(status.read, buffer.data(), buffer.size());
      if (n > 0) {
        record_bytes.append(buffer.data(), static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n == 0) status_open = false;
      break;
    }
    while (record_bytes.size() >= sizeof(Record)) {
      Record record{};
      std::memcpy(&record, record_bytes.data(), sizeof record);
      record_bytes.erase(0, sizeof record);
      switch (record.tag) {
        case Tag::wait_status: wait_status = record.value; break;
        case Tag::exec_failed:
          start_error = "cannot run " + describe(spec) + ": " + p.program + ": " + std::strerror(record.value);
          break;
        case Tag::chdir_failed:
          start_error = "cannot run " + describe(spec) + " in " + p.directory + ": " + std::strerror(record.value);
          break;
        case Tag::fork_failed:
          start_error = "cannot run " + describe(spec) + ": fork: " + std::strerror(record.value);
          break;
        case Tag::started: result.pid = record.value; break;
      }
    }
  };
  while (!wait_status && status_open) {
    if (Clock::now() >= deadline) {
      result.timed_out = true;
      break;
    }
    if (should_stop && should_stop()) {
      result.stopped = true;
      break;
    }
    pollfd fds[2] = {{output_open ? output.read : -1, POLLIN, 0}, {status.read, POLLIN, 0}};
    if (::poll(fds, 2, 1) < 0 && errno != EINTR) break;
    if (output_open && fds[0].revents != 0) output_open = drain(output.read, text);
    if (fds[1].revents != 0) read_status();
    if (tick) tick();
  }
  result.duration = Clock::now() - started;
  if (wait_status) {
    result.exit_code = exit_code_of(*wait_status);
  }
  if (start_error) {
    result.error = *start_error;
    result.exit_code = -1;
  }
  // The supervisor (the group's leader) is hotdeploy's own, never something the command left: on a
  // busy machine it may still be exiting after the grace above.
  auto before_kill = running_in_group(leader);
  std::erase(before_kill, leader);
  if (!result.timed_out && !result.stopped) result.left_running = static_cast<int>(before_kill.size());
  ::kill(-leader, SIGKILL);
  const auto kill_until = Clock::now() + kKillGrace;
  auto alive = running_in_group(leader);
  while (!alive.empty() && Clock::now() < kill_until) {
    ::kill(-leader, SIGKILL);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    alive = running_in_group(leader);
  }
  result.survivors = alive;
  // Whatever the killed processes had in the output pipe; a process outside the group that still
  // holds it (a daemon the command started) must not keep the step waiting.
  if (output_open) {
    const auto until = Clock::now() + std::chrono::milliseconds(100);
    while (output_open && Clock::now() < until) {
      pollfd fd{output.read, POLLIN, 0};
      if (::poll(&fd, 1, 10) > 0) output_open = drain(output.read, text);
    }
  }
  // The supervisor is hotdeploy's child: reap it unless the process observer already did.
  int ignored = 0;
  (void)::waitpid(leader, &ignored, WNOHANG);
  close_fd(output.read);
  close_fd(status.read);
  result.output = text.text();
  result.output_bytes = text.total();
  return result;
}

}  // namespace hotdeploy::orchestrator
