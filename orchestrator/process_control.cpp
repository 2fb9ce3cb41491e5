#include "orchestrator/process_control.h"

#include <linux/close_range.h>
#include <sys/syscall.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <cerrno>
#include <csignal>
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

pid_t launch(const LaunchSpec& spec) {
  if (spec.argv.empty()) throw EnvironmentError("launch: empty command line");
  std::vector<std::string> args(spec.argv.begin() + 1, spec.argv.end());
  // hotdeploy's own descriptors (log files, sockets) must not leak into nginx. Boost.Process
  // reports exec failures through a close-on-exec pipe, so mark rather than close.
  const auto close_ours_on_exec = bp::extend::on_exec_setup = [](auto&) {
    ::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
    ::signal(SIGPIPE, SIG_DFL);
  };
  try {
    bp::child child(bp::exe = spec.argv.front(), bp::args = args, bp::start_dir = spec.working_directory.string(),
                    bp::std_in < bp::null, bp::std_out > spec.stdout_file.string(),
                    bp::std_err > spec.stderr_file.string(), close_ours_on_exec);
    const pid_t pid = child.id();
    child.detach();
    return pid;
  } catch (const bp::process_error& e) {
    throw EnvironmentError("cannot start " + spec.argv.front() + ": " + e.what());
  }
}

CompletedProcess run_to_completion(const std::vector<std::string>& argv, std::chrono::milliseconds deadline) {
  if (argv.empty()) throw EnvironmentError("run: empty command line");
  std::vector<std::string> args(argv.begin() + 1, argv.end());
  CompletedProcess completed;
  try {
    bp::ipstream errors;
    bp::child child(bp::exe = argv.front(), bp::args = args, bp::std_in < bp::null, bp::std_out > bp::null,
                    bp::std_err > errors);
    if (!child.wait_for(deadline)) {
      child.terminate();
      return completed;
    }
    completed.exit_code = child.exit_code();
    std::string line;
    while (std::getline(errors, line)) completed.stderr_text += line + "\n";
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
