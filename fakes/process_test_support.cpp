#include "process_test_support.h"

#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include <httplib.h>

extern char **environ;

namespace hotdeploy::fakes::testing {
namespace {

constexpr auto poll_interval = std::chrono::milliseconds(10);
constexpr auto cleanup_deadline = std::chrono::seconds(5);

struct ProcStat {
  pid_t pid = 0;
  pid_t ppid = 0;
  char state = '?';
};

std::optional<ProcStat> read_stat(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(in, text)) return std::nullopt;
  // The command name is in parentheses and may hold spaces: parse after the last ')'.
  size_t close = text.rfind(')');
  if (close == std::string::npos || close + 2 >= text.size()) return std::nullopt;
  std::istringstream rest(text.substr(close + 2));
  ProcStat stat;
  stat.pid = pid;
  rest >> stat.state >> stat.ppid;
  return stat;
}

std::vector<ProcStat> all_processes() {
  std::vector<ProcStat> result;
  DIR *proc = ::opendir("/proc");
  if (proc == nullptr) return result;
  while (dirent *entry = ::readdir(proc)) {
    char *end = nullptr;
    long pid = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0') continue;
    if (auto stat = read_stat(static_cast<pid_t>(pid))) result.push_back(*stat);
  }
  ::closedir(proc);
  return result;
}

std::vector<pid_t> live_descendants_of(pid_t root) {
  std::multimap<pid_t, ProcStat> by_parent;
  for (const ProcStat &stat : all_processes()) by_parent.emplace(stat.ppid, stat);
  std::vector<pid_t> result;
  std::vector<pid_t> frontier = {root};
  while (!frontier.empty()) {
    pid_t parent = frontier.back();
    frontier.pop_back();
    auto [begin, end] = by_parent.equal_range(parent);
    for (auto it = begin; it != end; ++it) {
      if (it->second.state != 'Z') result.push_back(it->second.pid);
      frontier.push_back(it->second.pid);
    }
  }
  return result;
}

std::vector<char *> c_strings(std::vector<std::string> &strings) {
  std::vector<char *> pointers;
  for (std::string &s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

}  // namespace

ProcessCleanup::ProcessCleanup() { ::prctl(PR_SET_CHILD_SUBREAPER, 1); }

ProcessCleanup::~ProcessCleanup() {
  const auto deadline = std::chrono::steady_clock::now() + cleanup_deadline;
  for (;;) {
    std::vector<pid_t> live = live_descendants_of(::getpid());
    for (pid_t pid : live) ::kill(pid, SIGKILL);
    reap_exited();
    if (live.empty()) break;
    if (std::chrono::steady_clock::now() > deadline) {
      ADD_FAILURE() << "processes still alive after cleanup: " << describe(live);
      break;
    }
    std::this_thread::sleep_for(poll_interval);
  }
}

void ProcessCleanup::reap_exited() {
  while (::waitpid(-1, nullptr, WNOHANG) > 0) {
  }
}

TestPrefix::TestPrefix(PrefixSettings settings) : port_(free_loopback_port()) {
  char pattern[] = "/tmp/fake_nginx_test_XXXXXX";
  if (::mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  for (const char *sub : {"/conf", "/logs", "/sbin"}) std::filesystem::create_directory(dir_ + sub);
  std::filesystem::copy_file(FAKE_NGINX_PATH, binary());
  std::ostringstream conf;
  conf << "worker_processes " << settings.workers << ";\n"
       << "error_log logs/error.log info;\n"
       << "daemon " << (settings.daemon ? "on" : "off") << ";\n"
       << settings.extra_main_directives << "events { worker_connections 1024; }\n"
       << "http {\n  server {\n    listen 127.0.0.1:" << port_ << ";\n    location / { return 200; }\n  }\n}\n";
  write_conf(conf.str());
}

TestPrefix::~TestPrefix() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void TestPrefix::write_conf(const std::string &text) const {
  std::ofstream out(conf_file(), std::ios::trunc);
  out << text;
}

std::string TestPrefix::read_error_log() const {
  std::ifstream in(error_log());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

CommandResult run_command(const std::vector<std::string> &argv, std::chrono::milliseconds timeout,
                          const std::vector<std::string> &extra_env) {
  int err_pipe[2];
  if (::pipe2(err_pipe, O_CLOEXEC) == -1) return {};
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(err_pipe[1], STDERR_FILENO);
    int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, STDIN_FILENO);
    ::dup2(null, STDOUT_FILENO);
    std::vector<std::string> args = argv;
    std::vector<std::string> env;
    for (char **entry = environ; *entry != nullptr; ++entry) env.emplace_back(*entry);
    env.insert(env.end(), extra_env.begin(), extra_env.end());
    ::execve(args[0].c_str(), c_strings(args).data(), c_strings(env).data());
    ::_exit(127);
  }
  ::close(err_pipe[1]);
  CommandResult result;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  // Read stderr until every writer closes it (a daemon's child closes it soon after
  // start: it redirects stderr to the error log) or the deadline passes.
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd descriptor{err_pipe[0], POLLIN, 0};
    if (::poll(&descriptor, 1, static_cast<int>(left.count())) <= 0) break;
    char buffer[4096];
    ssize_t n = ::read(err_pipe[0], buffer, sizeof(buffer));
    if (n <= 0) break;
    result.stderr_text.append(buffer, static_cast<size_t>(n));
  }
  ::close(err_pipe[0]);
  for (;;) {
    int status = 0;
    pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) {
      result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return result;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      return result;
    }
    std::this_thread::sleep_for(poll_interval);
  }
}

pid_t start_command(const std::vector<std::string> &argv) {
  pid_t pid = ::fork();
  if (pid == 0) {
    int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, STDIN_FILENO);
    ::dup2(null, STDOUT_FILENO);
    ::dup2(null, STDERR_FILENO);
    std::vector<std::string> args = argv;
    ::execv(args[0].c_str(), c_strings(args).data());
    ::_exit(127);
  }
  return pid;
}

int free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  ::getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

std::optional<pid_t> read_pid(const std::string &path) {
  std::ifstream in(path);
  std::string text;
  if (!std::getline(in, text) || text.empty()) return std::nullopt;
  try {
    return static_cast<pid_t>(std::stol(text));
  } catch (const std::exception &) {
    return std::nullopt;
  }
}

bool file_exists(const std::string &path) { return ::access(path.c_str(), F_OK) == 0; }

std::string cmdline_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  std::stringstream raw;
  raw << in.rdbuf();
  std::string text = raw.str();
  while (!text.empty() && text.back() == '\0') text.pop_back();
  for (char &ch : text) {
    if (ch == '\0') ch = ' ';
  }
  return text;
}

bool is_live(pid_t pid) {
  auto stat = read_stat(pid);
  return stat && stat->state != 'Z';
}

std::vector<pid_t> live_children_of(pid_t pid) {
  std::vector<pid_t> result;
  for (const ProcStat &stat : all_processes()) {
    if (stat.ppid == pid && stat.state != 'Z') result.push_back(stat.pid);
  }
  return result;
}

std::string describe(const std::vector<pid_t> &pids) {
  std::string text = "[";
  for (pid_t pid : pids) {
    if (text.size() > 1) text += ", ";
    text += std::to_string(pid) + " \"" + cmdline_of(pid) + "\"";
  }
  return text + "]";
}

HttpReply http_get(int port, const std::string &path) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(std::chrono::seconds(2));
  client.set_read_timeout(std::chrono::seconds(5));
  HttpReply reply;
  auto result = client.Get(path);
  if (!result) {
    reply.connected = result.error() != httplib::Error::Connection;
    reply.error = httplib::to_string(result.error());
    return reply;
  }
  reply.connected = true;
  reply.status = result->status;
  reply.worker_pid = result->get_header_value("X-Worker-Pid");
  reply.body = result->body;
  return reply;
}

::testing::AssertionResult wait_until(const std::string &what, std::chrono::milliseconds timeout,
                                      const std::function<bool(std::string &seen)> &probe) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string seen;
  for (;;) {
    ProcessCleanup::reap_exited();
    if (probe(seen)) return ::testing::AssertionSuccess();
    if (std::chrono::steady_clock::now() > deadline) {
      return ::testing::AssertionFailure() << "timed out after " << timeout.count() << " ms waiting for " << what
                                           << "; last saw: " << seen;
    }
    std::this_thread::sleep_for(poll_interval);
  }
}

}  // namespace hotdeploy::fakes::testing
