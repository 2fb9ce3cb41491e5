#include "orchestrator/run_isolation.h"

#include "orchestrator/interrupt.h"

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
#include <csignal>
#include <cstdio>
#include <exception>
#include <system_error>

namespace hotdeploy::orchestrator {
namespace {

// The runs to forward signals to; written only while signals cannot interleave badly (a pid is
// published before the run can receive anything that matters, and cleared after it is reaped).
constexpr std::size_t max_forwarded = 256;
std::array<volatile std::sig_atomic_t, max_forwarded> forward_to{};

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

// In the child, before the body: die with the parent, and see this namespace's pids in /proc.
// getppid() is 0 in a new namespace (the parent is outside it), so whether the parent died before
// PR_SET_PDEATHSIG took hold is read from `parent_alive`, a pipe whose write end only the parent
// holds: it hangs up when the parent is gone.
bool enter_namespace(int parent_alive) {
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) return false;
  pollfd hangup{parent_alive, POLLIN, 0};
  if (::poll(&hangup, 1, 0) != 0) return false;
  if (::unshare(CLONE_NEWNS) != 0) return false;
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return false;
  return ::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) == 0;
}

[[noreturn]] void run_body(const std::function<int()>& body) {
  int code = 3;
  try {
    code = body();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hotdeploy: internal error: %s\n", e.what());
  }
  std::fflush(nullptr);
  ::_exit(code);
}

// clone(CLONE_NEWPID) puts just this child in a new namespace (unshare(CLONE_NEWPID) would work
// once per process); fork() when the kernel refuses.
pid_t fork_into_new_pid_namespace(bool& namespaced) {
  const long child = ::syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
  namespaced = child >= 0;
  if (child >= 0 || (errno != EPERM && errno != EINVAL)) return static_cast<pid_t>(child);
  return ::fork();
}

}  // namespace

IsolatedRuns::IsolatedRuns() {
  struct sigaction forward {};
  forward.sa_handler = forward_signal;
  sigemptyset(&forward.sa_mask);
  for (int signal_number : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(signal_number, &forward, nullptr);
}

IsolatedRuns::~IsolatedRuns() {
  for (const auto& [pid, parent_alive] : running_) ::kill(pid, SIGKILL);
  while (!running_.empty()) (void)wait_any();
}

pid_t IsolatedRuns::start(const std::function<int()>& body) {
  int parent_alive[2];
  if (::pipe2(parent_alive, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe2");
  std::fflush(nullptr);
  bool namespaced = false;
  const pid_t child = fork_into_new_pid_namespace(namespaced);
  if (child < 0) {
    const int error = errno;
    ::close(parent_alive[0]);
    ::close(parent_alive[1]);
    throw std::system_error(error, std::generic_category(), "fork");
  }
  if (child == 0) {
    ::close(parent_alive[1]);
    if (namespaced && !enter_namespace(parent_alive[0])) {
      std::perror("hotdeploy: cannot set up the run's PID namespace");
      ::_exit(3);
    }
    run_body(body);
  }
  ::close(parent_alive[0]);
  namespaced_ = namespaced_ || namespaced;
  publish(child, 0);
  running_[child] = parent_alive[1];  // held open until the run is reaped
  return child;
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
