#include "orchestrator/process_control.h"

#include <linux/close_range.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <system_error>
#include <thread>

#include "orchestrator/environment_error.h"

namespace hotdeploy::orchestrator {
namespace bp = boost::process;

void become_child_subreaper() {
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
    throw std::system_error(errno, std::generic_category(), "prctl(PR_SET_CHILD_SUBREAPER)");
  }
}

namespace {

// hotdeploy's own descriptors (log files, sockets, pipes) must not leak into the programs it
// starts. Boost.Process reports exec failures through a close-on-exec pipe, so mark rather than
// close; standard input, output and error are already redirected when this runs.
const auto kCloseOursOnExec = bp::extend::on_exec_setup = [](auto&) {
  ::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
  ::signal(SIGPIPE, SIG_DFL);
};

}  // namespace

pid_t launch(const LaunchSpec& spec) {
  if (spec.argv.empty()) throw EnvironmentError("launch: empty command line");
  std::vector<std::string> args(spec.argv.begin() + 1, spec.argv.end());
  try {
    bp::child child(bp::exe = spec.argv.front(), bp::args = args, bp::start_dir = spec.working_directory.string(),
                    bp::std_in<bp::null, bp::std_out> spec.stdout_file.string(),
                    bp::std_err > spec.stderr_file.string(), kCloseOursOnExec);
    const pid_t pid = child.id();
    child.detach();
    return pid;
  } catch (const bp::process_error& e) {
    throw EnvironmentError("cannot start " + spec.argv.front() + ": " + e.what());
  }
}

namespace {

// The exit code of a wait status: the code, or 128 + signal when the process was killed.
int exit_code_of(int status) { return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status); }

// Appends what the pipe holds now, without waiting; false at its end (or on an error).
bool read_available(int fd, std::string& text) {
  char buffer[4096];
  while (true) {
    pollfd readable{fd, POLLIN, 0};
    if (::poll(&readable, 1, 0) <= 0) return true;
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    text.append(buffer, static_cast<std::size_t>(got));
  }
}

// Reads the child's stderr as it comes (so a chatty child never blocks on a full pipe) and reaps
// it when it exits, with poll(2) on the pipe and a pidfd; after the exit, what is left in the pipe
// is read too. Boost.Process's child::wait_for is not used: it can wait out its whole deadline
// after the child has exited (boostorg/process#69), which held runs up for 30 s at a time. Without
// pidfd_open (Linux < 5.3) the exit is looked for every 10 ms. At the deadline, or if poll fails,
// the child is killed and reaped and exit_code stays -1; so it does when another waiter reaped the
// child first (ECHILD), as its status is then lost.
void collect(pid_t pid, int stderr_fd, std::chrono::milliseconds deadline, CompletedProcess& completed) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  pollfd watched[2] = {{stderr_fd, POLLIN, 0}, {pidfd, POLLIN, 0}};
  bool kill_it = false;
  while (true) {
    int status = 0;
    const pid_t reaped = ::waitpid(pid, &status, WNOHANG);
    if (reaped == pid) {
      completed.exit_code = exit_code_of(status);
      break;
    }
    if (reaped < 0 && errno != EINTR) break;  // ECHILD: reaped by someone else
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      kill_it = true;
      break;
    }
    const int timeout_ms = static_cast<int>(pidfd >= 0 ? left.count() : std::min<std::int64_t>(left.count(), 10));
    if (::poll(watched, 2, timeout_ms) < 0 && errno != EINTR) {
      kill_it = true;
      break;
    }
    if (watched[0].fd >= 0 && watched[0].revents != 0 && !read_available(stderr_fd, completed.stderr_text)) {
      watched[0].fd = -1;  // end of stderr: poll ignores a negative descriptor
    }
  }
  if (kill_it) {
    ::kill(pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  if (watched[0].fd >= 0) (void)read_available(stderr_fd, completed.stderr_text);
  if (pidfd >= 0) ::close(pidfd);
}

}  // namespace

CompletedProcess run_to_completion(const std::vector<std::string>& argv, std::chrono::milliseconds deadline) {
  if (argv.empty()) throw EnvironmentError("run: empty command line");
  std::vector<std::string> args(argv.begin() + 1, argv.end());
  CompletedProcess completed;
  try {
    bp::pipe errors;
    bp::child child(bp::exe = argv.front(), bp::args = args, bp::std_in<bp::null, bp::std_out> bp::null,
                    bp::std_err > errors, kCloseOursOnExec);
    // Only the child writes to the pipe: with our write end closed, its exit ends the stream.
    ::close(errors.native_sink());
    errors.assign_sink(-1);
    const pid_t pid = child.id();
    child.detach();  // collect() reaps it
    collect(pid, errors.native_source(), deadline, completed);
  } catch (const bp::process_error& e) {
    throw EnvironmentError("cannot run " + argv.front() + ": " + e.what());
  }
  return completed;
}

int send_signal(pid_t pid, int signal_number) {
  if (pid <= 0) return ESRCH;
  return ::kill(pid, signal_number) == 0 ? 0 : errno;
}

std::vector<pid_t> kill_until_gone(const std::function<std::vector<pid_t>()>& live_pids,
                                   std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  auto alive = live_pids();
  while (!alive.empty() && std::chrono::steady_clock::now() < until) {
    for (pid_t pid : alive) (void)send_signal(pid, SIGKILL);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    alive = live_pids();
  }
  return alive;
}

}  // namespace hotdeploy::orchestrator
