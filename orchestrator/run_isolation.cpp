#include "orchestrator/run_isolation.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <system_error>
#include <thread>

#include "orchestrator/environment_error.h"
#include "orchestrator/interrupt.h"
#include "orchestrator/run_isolation_network.h"

namespace hotdeploy::orchestrator {
namespace {

// The runs to forward signals to; written only while signals cannot interleave badly (a pid is
// published before the run can receive anything that matters, and cleared after it is reaped).
constexpr std::size_t kMaxForwarded = 256;
std::array<volatile std::sig_atomic_t, kMaxForwarded> forward_to{};

extern "C" void forward_signal(int signal_number) {
  note_interrupt(signal_number);
  for (auto& pid : forward_to) {
    if (pid > 0) ::kill(pid, signal_number);
  }
}

void publish(pid_t pid, pid_t replacing) {
  for (auto& slot : forward_to) {
    if (slot == replacing) {
      slot = pid;
      return;
    }
  }
}

// One way to start a run, tried in this order until the kernel grants one.
struct Attempt {
  const char* mode;     // RunIsolation::mode
  const char* refusal;  // what a refusal is called in RunIsolation::refused
  unsigned long flags;  // clone flags
};
constexpr std::array<Attempt, 4> kAttempts{{
    {"pid_namespace", "PID namespace", CLONE_NEWPID | CLONE_NEWNET},
    {"pid_namespace", "PID namespace", CLONE_NEWPID},
    {"user_namespace", "user namespace", CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET},
    {"user_namespace", "user namespace", CLONE_NEWUSER | CLONE_NEWPID},
}};

void write_file(const char* path, const std::string& text) {
  const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), path);
  const ssize_t written = ::write(fd, text.data(), text.size());
  const int error = errno;
  ::close(fd);
  if (written != static_cast<ssize_t>(text.size())) throw std::system_error(error, std::generic_category(), path);
}

// In a new user namespace, before anything else: the invoking user and group are themselves
// inside (one line each, all an unprivileged process may map; setgroups must be denied first).
void map_invoking_user(uid_t uid, gid_t gid) {
  write_file("/proc/self/setgroups", "deny");
  write_file("/proc/self/uid_map", std::to_string(uid) + ' ' + std::to_string(uid) + " 1\n");
  write_file("/proc/self/gid_map", std::to_string(gid) + ' ' + std::to_string(gid) + " 1\n");
}

// A private mount namespace with this PID namespace's /proc, so the pids nginx writes to its pid
// files, the pids kill(2) takes and the pids /proc shows are the same.
void mount_own_proc() {
  if (::unshare(CLONE_NEWNS) != 0) throw std::system_error(errno, std::generic_category(), "unshare(CLONE_NEWNS)");
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    throw std::system_error(errno, std::generic_category(), "mount --make-rprivate /");
  }
  if (::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
    throw std::system_error(errno, std::generic_category(), "mount proc on /proc");
  }
}

// SIGINT, SIGTERM and SIGHUP: what hotdeploy forwards to its runs and a run takes as an interruption.
sigset_t interruption_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int signal_number : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&set, signal_number);
  return set;
}

// How long the destructor lets runs end themselves after SIGTERM: a run stops its load within
// 200 ms of an interruption, then ends its processes and writes its history (seen up to 2.7 s
// for a long run's 146 MB history).
constexpr std::chrono::seconds kRunTermGrace{10};

// The first thing a run does: take SIGINT/SIGTERM/SIGHUP as interruptions (not the parent's
// forwarding), then ask for SIGTERM when the parent dies. The parent may have died before
// prctl took hold; getppid() cannot tell (it is 0 in a new PID namespace, whose parent is
// outside), so `parent_alive`, a pipe whose write end only the parent holds, is asked: it hangs
// up when the parent is gone. Returns false when the parent is already gone.
bool follow_parent(int parent_alive) {
  install_interrupt_handlers();
  const sigset_t interruptions = interruption_signals();
  ::sigprocmask(SIG_UNBLOCK, &interruptions, nullptr);  // blocked by start() across the clone
  if (::prctl(PR_SET_PDEATHSIG, SIGTERM) != 0) {
    throw std::system_error(errno, std::generic_category(), "PR_SET_PDEATHSIG");
  }
  pollfd hangup{parent_alive, POLLIN, 0};
  return ::poll(&hangup, 1, 0) == 0;
}

[[noreturn]] void run_child(const Attempt* attempt, uid_t uid, gid_t gid, int parent_alive,
                            const harness::RunIsolation& isolation,
                            const std::function<int(const harness::RunIsolation&)>& body) {
  int code = 3;
  try {
    if (attempt && (attempt->flags & CLONE_NEWUSER) != 0) map_invoking_user(uid, gid);
    if (!follow_parent(parent_alive)) ::_exit(128 + SIGTERM);
    if (attempt) mount_own_proc();
    if (isolation.network_namespace && !bring_loopback_up()) {
      throw std::system_error(errno, std::generic_category(), "bring lo up in the run's network namespace");
    }
    code = body(isolation);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hotdeploy: cannot set up or finish the run: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "hotdeploy: cannot set up or finish the run: an exception that is not std::exception\n");
  }
  std::fflush(nullptr);
  ::_exit(code);
}

// clone() with namespace flags puts just this child in the new namespaces (unshare(CLONE_NEWPID)
// would work once per process).
long clone_with(unsigned long flags) {
  return ::syscall(SYS_clone, flags | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
}

std::string join_refusals(const std::string& so_far, const Attempt& attempt, int error) {
  const std::string text = std::string(attempt.refusal) + ": " + std::strerror(error);
  if (so_far.find(text) != std::string::npos) return so_far;
  return so_far.empty() ? text : so_far + "; " + text;
}

}  // namespace

IsolatedRuns::IsolatedRuns(bool require_pid_namespace) : require_pid_namespace_(require_pid_namespace) {
  struct sigaction forward {};
  forward.sa_handler = forward_signal;
  sigemptyset(&forward.sa_mask);
  for (int signal_number : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(signal_number, &forward, nullptr);
}

IsolatedRuns::~IsolatedRuns() {
  // SIGTERM first: a run takes it as an interruption and ends its own processes, which a SIGKILL
  // would orphan where the run has no PID namespace of its own. SIGKILL only for what is left.
  for (const auto& [pid, parent_alive] : running_) ::kill(pid, SIGTERM);
  const auto until = std::chrono::steady_clock::now() + kRunTermGrace;
  try {
    while (!running_.empty() && std::chrono::steady_clock::now() < until) {
      if (!poll_any()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    for (const auto& [pid, parent_alive] : running_) ::kill(pid, SIGKILL);
    while (!running_.empty()) (void)wait_any();
  } catch (const std::system_error&) {
    // waitpid failed (no child left to wait for): nothing more a destructor can do.
  }
}

const harness::RunIsolation& IsolatedRuns::decide() {
  if (granted_) return isolation_;
  std::string refused;
  std::string network_refused;
  std::size_t k = 0;
  for (; k < kAttempts.size(); ++k) {
    const long child = clone_with(kAttempts[k].flags);
    if (child == 0) ::_exit(0);
    if (child > 0) {
      while (::waitpid(static_cast<pid_t>(child), nullptr, 0) < 0 && errno == EINTR) {
      }
      break;
    }
    const int error = errno;
    refused = join_refusals(refused, kAttempts[k], error);
    if ((kAttempts[k].flags & CLONE_NEWNET) != 0)
      network_refused = std::string("network namespace: ") + std::strerror(error);
  }
  const bool any = k < kAttempts.size();
  if (!any && require_pid_namespace_) {
    throw EnvironmentError("--require-isolation: the run would get no PID namespace (" + refused +
                           "); it would rely on subreaping and cleanup only");
  }
  granted_ = k;
  isolation_.mode = any ? kAttempts[k].mode : "none";
  isolation_.refused = any ? "" : refused;
  isolation_.network_namespace = any && (kAttempts[k].flags & CLONE_NEWNET) != 0;
  // Without any namespace the network namespace was refused for the same reasons as the rest.
  isolation_.network_refused = isolation_.network_namespace ? "" : any ? network_refused : refused;
  return isolation_;
}

pid_t IsolatedRuns::start(const std::function<int(const harness::RunIsolation&)>& body) {
  (void)decide();
  const Attempt* granted = *granted_ < kAttempts.size() ? &kAttempts[*granted_] : nullptr;
  int parent_alive[2];
  if (::pipe2(parent_alive, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe2");
  const uid_t uid = ::geteuid();
  const gid_t gid = ::getegid();
  std::fflush(nullptr);
  // An interruption that arrives between the clone and publish() would reach neither the new run
  // (not yet published for forwarding) nor its own handlers (not yet installed): hold it back
  // until both are in place. The child unblocks in follow_parent().
  const sigset_t interruptions = interruption_signals();
  sigset_t before;
  ::sigprocmask(SIG_BLOCK, &interruptions, &before);
  const long child = granted ? clone_with(granted->flags) : ::fork();
  if (child < 0) {
    const int error = errno;
    ::sigprocmask(SIG_SETMASK, &before, nullptr);
    ::close(parent_alive[0]);
    ::close(parent_alive[1]);
    throw std::system_error(error, std::generic_category(), "fork");
  }
  if (child == 0) {
    ::close(parent_alive[1]);
    // Earlier runs' write ends are the parent's alone: held here, they would keep those runs from
    // seeing the parent's death.
    for (const auto& [pid, write_end] : running_) ::close(write_end);
    run_child(granted, uid, gid, parent_alive[0], isolation_, body);
  }
  ::close(parent_alive[0]);
  publish(static_cast<pid_t>(child), 0);
  running_[static_cast<pid_t>(child)] = parent_alive[1];  // held open until the run is reaped
  ::sigprocmask(SIG_SETMASK, &before, nullptr);
  return static_cast<pid_t>(child);
}

std::pair<pid_t, int> IsolatedRuns::wait_any() {
  while (true) {
    if (auto ended = reap(0)) return *ended;
  }
}

std::optional<std::pair<pid_t, int>> IsolatedRuns::poll_any() { return reap(WNOHANG); }

std::optional<std::pair<pid_t, int>> IsolatedRuns::reap(int options) {
  while (true) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, options);
    if (pid == 0) return std::nullopt;
    if (pid < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "waitpid");
    }
    const auto run = running_.find(pid);
    if (run == running_.end()) continue;
    ::close(run->second);
    running_.erase(run);
    publish(0, pid);
    return std::pair{pid, WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status)};
  }
}

}  // namespace hotdeploy::orchestrator
