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

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include <httplib.h>

extern char** environ;

namespace hotdeploy::fakes::testing {
namespace {

using namespace std::chrono_literals;

constexpr auto kPollInterval = std::chrono::milliseconds(10);
constexpr auto kCleanupDeadline = std::chrono::seconds(5);

std::vector<ProcStat> all_processes() {
  std::vector<ProcStat> result;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return result;
  while (dirent* entry = ::readdir(proc)) {
    char* end = nullptr;
    long pid = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0') continue;
    if (auto stat = read_stat(static_cast<pid_t>(pid))) result.push_back(*stat);
  }
  ::closedir(proc);
  return result;
}

std::vector<pid_t> live_descendants_of(pid_t root) {
  std::multimap<pid_t, ProcStat> by_parent;
  for (const ProcStat& stat : all_processes()) by_parent.emplace(stat.ppid, stat);
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

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (std::string& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

}  // namespace

ProcessCleanup::ProcessCleanup() { ::prctl(PR_SET_CHILD_SUBREAPER, 1); }

ProcessCleanup::~ProcessCleanup() {
  const auto deadline = std::chrono::steady_clock::now() + kCleanupDeadline;
  for (;;) {
    std::vector<pid_t> live = live_descendants_of(::getpid());
    for (pid_t pid : live) ::kill(pid, SIGKILL);
    reap_exited();
    if (live.empty()) break;
    if (std::chrono::steady_clock::now() > deadline) {
      ADD_FAILURE() << "processes still alive after cleanup: " << describe(live);
      break;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

void ProcessCleanup::reap_exited() {
  while (::waitpid(-1, nullptr, WNOHANG) > 0) {
  }
}

TestPrefix::TestPrefix(PrefixSettings settings) : port_(free_loopback_port()), daemon_(settings.daemon) {
  char pattern[] = "/tmp/fake_nginx_test_XXXXXX";
  if (::mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  for (const char* sub : {"/conf", "/logs", "/sbin"}) std::filesystem::create_directory(dir_ + sub);
  std::filesystem::copy_file(FAKE_NGINX_PATH, binary());
  write_conf(conf_text(settings.extra_main_directives, settings.workers));
}

std::string TestPrefix::conf_text(const std::string& extra_main_directives, int workers) const {
  std::ostringstream conf;
  conf << "worker_processes " << workers << ";\n"
       << "error_log logs/error.log info;\n"
       << "daemon " << (daemon_ ? "on" : "off") << ";\n"
       << extra_main_directives << "events { worker_connections 1024; }\n"
       << "http {\n  server {\n    listen 127.0.0.1:" << port_ << ";\n    location / { return 200; }\n  }\n}\n";
  return conf.str();
}

void TestPrefix::install_binary(const BinaryIdentity& identity) const {
  if (auto error = write_stamped_binary(FAKE_NGINX_PATH, binary(), identity)) {
    ADD_FAILURE() << "installing a stamped binary: " << *error;
  }
}

TestPrefix::~TestPrefix() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void TestPrefix::write_conf(const std::string& text) const {
  std::ofstream out(conf_file(), std::ios::trunc);
  out << text;
}

std::string TestPrefix::read_error_log() const {
  std::ifstream in(error_log());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// In a forked child: exec argv[0] with this process's environment plus `extra_env`, and no
// descriptor but 0, 1 and 2 (as a service manager starts nginx): what the test process or its
// runner holds open would otherwise shift the numbers nginx gives its sockets.
[[noreturn]] static void exec_with_extra_env(const std::vector<std::string>& argv,
                                             const std::vector<std::string>& extra_env) {
  ::close_range(STDERR_FILENO + 1, ~0U, 0);
  std::vector<std::string> args = argv;
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) env.emplace_back(*entry);
  env.insert(env.end(), extra_env.begin(), extra_env.end());
  ::execve(args[0].c_str(), c_strings(args).data(), c_strings(env).data());
  ::_exit(127);
}

CommandResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                          const std::vector<std::string>& extra_env) {
  int err_pipe[2];
  if (::pipe2(err_pipe, O_CLOEXEC) == -1) return {};
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(err_pipe[1], STDERR_FILENO);
    int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, STDIN_FILENO);
    ::dup2(null, STDOUT_FILENO);
    exec_with_extra_env(argv, extra_env);
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
    std::this_thread::sleep_for(kPollInterval);
  }
}

pid_t start_command(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env) {
  pid_t pid = ::fork();
  if (pid == 0) {
    int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, STDIN_FILENO);
    ::dup2(null, STDOUT_FILENO);
    ::dup2(null, STDERR_FILENO);
    exec_with_extra_env(argv, extra_env);
  }
  return pid;
}

int free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

std::optional<pid_t> read_pid(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  if (!std::getline(in, text) || text.empty()) return std::nullopt;
  try {
    return static_cast<pid_t>(std::stol(text));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

bool file_exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

std::string cmdline_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  std::stringstream raw;
  raw << in.rdbuf();
  std::string text = raw.str();
  while (!text.empty() && text.back() == '\0') text.pop_back();
  for (char& ch : text) {
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
  for (const ProcStat& stat : all_processes()) {
    if (stat.ppid == pid && stat.state != 'Z') result.push_back(stat.pid);
  }
  return result;
}

std::string describe(const std::vector<pid_t>& pids) {
  std::string text = "[";
  for (pid_t pid : pids) {
    if (text.size() > 1) text += ", ";
    text += std::to_string(pid) + " \"" + cmdline_of(pid) + "\"";
  }
  return text + "]";
}

HttpReply http_get(int port, const std::string& path) {
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

::testing::AssertionResult wait_until(const std::string& what, std::chrono::milliseconds timeout,
                                      const std::function<bool(std::string& seen)>& probe) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string seen;
  for (;;) {
    ProcessCleanup::reap_exited();
    if (probe(seen)) return ::testing::AssertionSuccess();
    if (std::chrono::steady_clock::now() > deadline) {
      return ::testing::AssertionFailure()
             << "timed out after " << timeout.count() << " ms waiting for " << what << "; last saw: " << seen;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

::testing::AssertionResult stays_true_for(const std::string& what, std::chrono::milliseconds duration,
                                          const std::function<bool(std::string& seen)>& probe) {
  const auto until = std::chrono::steady_clock::now() + duration;
  std::string seen;
  while (std::chrono::steady_clock::now() < until) {
    ProcessCleanup::reap_exited();
    if (!probe(seen)) return ::testing::AssertionFailure() << "expected " << what << " to hold; saw: " << seen;
    std::this_thread::sleep_for(kPollInterval);
  }
  return ::testing::AssertionSuccess();
}

std::vector<pid_t> workers_of(pid_t master) {
  std::vector<pid_t> workers;
  for (pid_t pid : live_children_of(master)) {
    if (cmdline_of(pid).starts_with("nginx: worker process")) workers.push_back(pid);
  }
  return workers;
}

::testing::AssertionResult wait_for_workers(pid_t master, size_t count, std::vector<pid_t>& workers) {
  return wait_until("master " + std::to_string(master) + " to have " + std::to_string(count) + " workers", 5s,
                    [&](std::string& seen) {
                      workers = workers_of(master);
                      seen = describe(workers);
                      return workers.size() == count;
                    });
}

::testing::AssertionResult wait_for_pid_file(const std::string& path, std::optional<pid_t> not_this, pid_t& pid) {
  return wait_until("pid file " + path + " naming a live process", 5s, [&](std::string& seen) {
    auto read = read_pid(path);
    seen = read ? std::to_string(*read) : "no pid file";
    if (!read || !is_live(*read) || read == not_this) return false;
    pid = *read;
    return true;
  });
}

::testing::AssertionResult wait_for_exit(pid_t pid) {
  return wait_until("process " + std::to_string(pid) + " to exit", 5s, [&](std::string& seen) {
    seen = is_live(pid) ? cmdline_of(pid) : "gone";
    return !is_live(pid);
  });
}

::testing::AssertionResult wait_for_log(const TestPrefix& prefix, const std::string& text) {
  return wait_until("error.log to contain \"" + text + "\"", 5s, [&](std::string& seen) {
    std::string log = prefix.read_error_log();
    seen = log.substr(log.size() > 600 ? log.size() - 600 : 0);
    return log.find(text) != std::string::npos;
  });
}

// Serves GETs until every worker in `expected` answered; says which answered otherwise.
::testing::AssertionResult wait_for_serving_workers(int port, const std::vector<pid_t>& expected) {
  std::set<std::string> wanted;
  for (pid_t pid : expected) wanted.insert(std::to_string(pid));
  std::set<std::string> answered;
  return wait_until("workers " + describe(expected) + " to answer GET /", 10s, [&](std::string& seen) {
    HttpReply reply = http_get(port, "/");
    if (reply.status == 200) answered.insert(reply.worker_pid);
    seen = "status " + std::to_string(reply.status) + " " + reply.error + ", answered so far:";
    for (const std::string& pid : answered) seen += " " + pid;
    return std::includes(answered.begin(), answered.end(), wanted.begin(), wanted.end());
  });
}

pid_t start_daemon(const TestPrefix& prefix, const std::vector<std::string>& extra_args,
                   const std::vector<std::string>& extra_env) {
  std::vector<std::string> argv = {prefix.binary(), "-p", prefix.dir()};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  CommandResult started = run_command(argv, std::chrono::seconds(10), extra_env);
  EXPECT_EQ(started.exit_code, 0) << started.stderr_text;
  pid_t master = 0;
  EXPECT_TRUE(wait_for_pid_file(prefix.pid_file(), std::nullopt, master));
  return master;
}

::testing::AssertionResult start_serving(const TestPrefix& prefix, size_t workers, Generation& generation) {
  generation.master = start_daemon(prefix);
  if (generation.master == 0) return ::testing::AssertionFailure() << "no master started";
  if (auto waited = wait_for_workers(generation.master, workers, generation.workers); !waited) return waited;
  return wait_for_serving_workers(prefix.port(), generation.workers);
}

::testing::AssertionResult upgrade(const TestPrefix& prefix, const Generation& old_generation, size_t workers,
                                   Generation& new_generation) {
  if (::kill(old_generation.master, SIGUSR2) == -1) return ::testing::AssertionFailure() << "kill(USR2) failed";
  if (auto waited = wait_for_pid_file(prefix.pid_file(), old_generation.master, new_generation.master); !waited) {
    return waited;
  }
  return wait_for_workers(new_generation.master, workers, new_generation.workers);
}

NewConnectionLoad::NewConnectionLoad(int port) : port_(port), thread_([this] { run(); }) {}

NewConnectionLoad::~NewConnectionLoad() { stop(); }

void NewConnectionLoad::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void NewConnectionLoad::run() {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (int i = 0; i < 100'000 && !stopping_ && std::chrono::steady_clock::now() < deadline; ++i) {
    HttpReply reply = http_get(port_, "/");
    if (!reply.connected) ++refused_;
    if (reply.status == 200) ++ok_;
  }
}

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

std::string conf_for_both(int port, int workers, const std::string& error_log_level, const std::string& location_body) {
  return "worker_processes " + std::to_string(workers) + ";\n" +
         "pid logs/nginx.pid;\n"
         "error_log logs/error.log " +
         error_log_level + ";\n" +
         "events { worker_connections 1024; }\n"
         "http {\n"
         "  access_log off;\n"
         "  client_body_temp_path logs/body;\n"
         "  proxy_temp_path logs/proxy;\n"
         "  fastcgi_temp_path logs/fastcgi;\n"
         "  uwsgi_temp_path logs/uwsgi;\n"
         "  scgi_temp_path logs/scgi;\n"
         "  server {\n"
         "    listen 127.0.0.1:" +
         std::to_string(port) + ";\n" + "    location / { " + location_body +
         " }\n"
         "  }\n"
         "}\n";
}

}  // namespace hotdeploy::fakes::testing
