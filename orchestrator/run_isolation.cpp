#include "orchestrator/run_isolation.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <exception>

namespace hotdeploy::orchestrator {
namespace {

volatile std::sig_atomic_t forward_to = 0;

extern "C" void forward_signal(int signal_number) {
  if (forward_to > 0) ::kill(forward_to, signal_number);
}

// In the child, before the body: die with the parent, and see this namespace's pids in /proc.
// getppid() is 0 here (the parent is outside the namespace), so whether the parent died before
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

}  // namespace

std::optional<int> run_in_pid_namespace(const std::function<int()>& body) {
  int parent_alive[2];
  if (::pipe2(parent_alive, O_CLOEXEC) != 0) return std::nullopt;
  if (::unshare(CLONE_NEWPID) != 0) {
    ::close(parent_alive[0]);
    ::close(parent_alive[1]);
    return std::nullopt;
  }
  std::fflush(nullptr);
  const pid_t child = ::fork();
  if (child < 0) return std::nullopt;
  if (child == 0) {
    ::close(parent_alive[1]);
    if (!enter_namespace(parent_alive[0])) {
      std::perror("hotdeploy: cannot set up the run's PID namespace");
      ::_exit(3);
    }
    int code = 3;
    try {
      code = body();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "hotdeploy: internal error: %s\n", e.what());
    }
    std::fflush(nullptr);
    ::_exit(code);
  }
  ::close(parent_alive[0]);
  forward_to = child;
  struct sigaction forward {};
  forward.sa_handler = forward_signal;
  sigemptyset(&forward.sa_mask);
  for (int signal_number : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(signal_number, &forward, nullptr);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

}  // namespace hotdeploy::orchestrator
