#include "orchestrator/run_test_support.h"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <set>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "harness/history/history_file.h"
#include "orchestrator/proc_fs.h"

namespace hotdeploy::orchestrator {

std::vector<pid_t> pids_in_history(const std::filesystem::path& history_jsonl) {
  std::ifstream in(history_jsonl);
  if (!in) throw std::runtime_error("cannot open " + history_jsonl.string());
  const auto history = harness::read_jsonl(in);
  std::set<pid_t> pids;
  for (const auto& event : history.events()) {
    if (event.type == harness::EventType::process_born) pids.insert(event.pid);
  }
  return {pids.begin(), pids.end()};
}

std::vector<pid_t> host_pids_of_run(const std::filesystem::path& run_dir) {
  std::vector<pid_t> found;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = std::stoi(name);
    if (is_running(pid) && read_title(pid).find(run_dir.string()) != std::string::npos) found.push_back(pid);
  }
  for (std::size_t i = 0; i < found.size(); ++i) {
    for (pid_t child : read_children(found[i])) {
      if (std::find(found.begin(), found.end(), child) == found.end()) found.push_back(child);
    }
  }
  return found;
}

std::vector<pid_t> still_running_after(const std::vector<pid_t>& pids, std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (true) {
    std::vector<pid_t> running;
    for (pid_t pid : pids) {
      if (is_running(pid)) running.push_back(pid);
    }
    if (running.empty() || std::chrono::steady_clock::now() >= until) return running;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::filesystem::path make_test_directory(const std::string& name) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("hotdeploy-test-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace hotdeploy::orchestrator

namespace hotdeploy::orchestrator {
namespace {

constexpr uid_t kNobodyUid = 65534;
constexpr gid_t kNogroupGid = 65534;

void write_text(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "open " + path);
  const ssize_t written = ::write(fd, text.data(), text.size());
  const int error = errno;
  ::close(fd);
  if (written != static_cast<ssize_t>(text.size())) throw std::system_error(error, std::generic_category(), path);
}

// In the child: one byte on `fd`, or _exit when the other side is gone.
void await_byte(int fd) {
  char byte = 0;
  if (::read(fd, &byte, 1) != 1) ::_exit(126);
}

}  // namespace

std::string to_string(RunAs who) {
  switch (who) {
    case RunAs::test_user: return "test_user";
    case RunAs::nobody: return "nobody";
    case RunAs::nobody_without_user_namespaces: return "nobody_without_user_namespaces";
  }
  return "?";
}

void give_to_nobody(const std::filesystem::path& dir) {
  if (::chown(dir.c_str(), kNobodyUid, kNogroupGid) != 0) {
    throw std::system_error(errno, std::generic_category(), "chown " + dir.string());
  }
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (::lchown(entry.path().c_str(), kNobodyUid, kNogroupGid) != 0) {
      throw std::system_error(errno, std::generic_category(), "chown " + entry.path().string());
    }
  }
}

pid_t start_as(RunAs who, const std::string& executable, const std::vector<std::string>& args,
               const std::filesystem::path& output) {
  std::vector<std::string> words{executable};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);
  int mapped[2];    // parent -> child: the user namespace's maps are written
  int unshared[2];  // child -> parent: the user namespace is made
  if (::pipe2(mapped, O_CLOEXEC) != 0 || ::pipe2(unshared, O_CLOEXEC) != 0) {
    throw std::system_error(errno, std::generic_category(), "pipe2");
  }
  const pid_t pid = ::fork();
  if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork");
  if (pid == 0) {
    const int log = ::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(log, STDOUT_FILENO);
    ::dup2(log, STDERR_FILENO);
    if (who == RunAs::nobody_without_user_namespaces) {
      if (::unshare(CLONE_NEWUSER) != 0) ::_exit(125);
      (void)::write(unshared[1], "u", 1);
      await_byte(mapped[0]);
      try {
        write_text("/proc/sys/user/max_user_namespaces", "0\n");
      } catch (const std::exception& e) {
        std::fprintf(stderr, "test: %s\n", e.what());
        ::_exit(125);
      }
    }
    if (who != RunAs::test_user &&
        (::setgroups(0, nullptr) != 0 || ::setgid(kNogroupGid) != 0 || ::setuid(kNobodyUid) != 0)) {
      std::perror("test: cannot become nobody");
      ::_exit(125);
    }
    ::execv(executable.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(mapped[0]);
  ::close(unshared[1]);
  if (who == RunAs::nobody_without_user_namespaces) {
    char byte = 0;
    if (::read(unshared[0], &byte, 1) != 1) {
      ::close(mapped[1]);
      ::close(unshared[0]);
      throw std::runtime_error("the child that was to make a user namespace exited first");
    }
    const std::string proc = "/proc/" + std::to_string(pid);
    try {
      write_text(proc + "/uid_map", "0 0 4294967295\n");
      write_text(proc + "/gid_map", "0 0 4294967295\n");
    } catch (const std::exception&) {
      ::close(mapped[1]);  // the child reads end-of-file and exits
      ::close(unshared[0]);
      ::waitpid(pid, nullptr, 0);
      throw;
    }
    (void)::write(mapped[1], "m", 1);
  }
  ::close(mapped[1]);
  ::close(unshared[0]);
  return pid;
}

std::optional<int> run_with_deadline(const std::vector<std::string>& argv, const std::filesystem::path& output,
                                     std::chrono::seconds deadline) {
  using namespace std::chrono_literals;
  const pid_t child = ::fork();
  if (child == 0) {
    ::setpgid(0, 0);
    const int fd = ::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    std::vector<char*> args;
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    int status = 0;
    if (::waitpid(child, &status, WNOHANG) == child) {
      ::kill(-child, SIGKILL);  // anything the process left in its group
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(20ms);
  }
  ::kill(-child, SIGTERM);
  std::this_thread::sleep_for(2s);
  ::kill(-child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  return std::nullopt;
}

}  // namespace hotdeploy::orchestrator
