// The seed's walkthrough (000_de098f61418ac4f1.txt), done with kill(2) on a server
// started by hand, on Debian's nginx and on fake-nginx, observed identically.
//
// Each run: a temp prefix with the binary copied to PREFIX/sbin/nginx, started as
// `PREFIX/sbin/nginx -p PREFIX/ -c conf/nginx.conf`; then the seed's steps: back up the
// binary and put the "new" one in place, USR2 the old master, WINCH the old master; roll
// back: `mv nginx.old nginx`, HUP the old master, USR2 the new master (ignored: the old
// master is alive), WINCH the new master; and QUIT the new master. After every step the
// test waits (polling, with a deadline) until the step's expected change happened and the
// processes, pid files and error.log stay unchanged for a quiet period, then records an
// Observation with pids replaced by names (M1, W1.1, M2, ...; X is the test process, the
// sender of every kill). The two sequences must be equal step by step; the fake's is also
// checked against the sequence recorded from Debian's nginx 1.22.1 (so it is checked
// where /usr/sbin/nginx is not installed).
#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "process_test_support.h"

namespace hotdeploy::fakes::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* debian_nginx = "/usr/sbin/nginx";
constexpr int kWorkerCount = 1;  // as in the seed; one worker keeps log order deterministic
constexpr auto kStepDeadline = 10s;
constexpr auto kQuietPeriod = 300ms;
constexpr auto kPollInterval = 10ms;

// --- raw state, read from /proc and the prefix -------------------------------------------

struct RawProcess {
  pid_t pid = 0;
  pid_t ppid = 0;
  std::string title;  // /proc/PID/cmdline, NULs as spaces
  bool operator==(const RawProcess&) const = default;
};

struct RawState {
  std::vector<RawProcess> processes;  // live descendants of the test process titled "nginx: ..."
  std::optional<std::string> pid_file;
  std::optional<std::string> old_pid_file;
  std::string log;  // complete lines of error.log
  bool operator==(const RawState&) const = default;
};

std::vector<RawProcess> nginx_descendants() {
  std::multimap<pid_t, pid_t> children;
  if (DIR* proc = ::opendir("/proc")) {
    while (dirent* entry = ::readdir(proc)) {
      char* end = nullptr;
      long pid = std::strtol(entry->d_name, &end, 10);
      if (end == entry->d_name || *end != '\0') continue;
      auto stat = read_stat(static_cast<pid_t>(pid));
      if (stat && stat->state != 'Z') children.emplace(stat->ppid, static_cast<pid_t>(pid));
    }
    ::closedir(proc);
  }
  std::vector<RawProcess> result;
  std::vector<pid_t> frontier = {::getpid()};
  while (!frontier.empty()) {
    pid_t parent = frontier.back();
    frontier.pop_back();
    auto [begin, end] = children.equal_range(parent);
    for (auto it = begin; it != end; ++it) {
      frontier.push_back(it->second);
      std::string title = cmdline_of(it->second);
      if (title.starts_with("nginx: ")) result.push_back({it->second, parent, title});
    }
  }
  std::sort(result.begin(), result.end(), [](const auto& a, const auto& b) { return a.pid < b.pid; });
  return result;
}

std::optional<std::string> read_trimmed(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  std::string value = text.str();
  while (!value.empty() && (value.back() == '\n' || value.back() == ' ')) value.pop_back();
  return value;
}

RawState read_state(const TestPrefix& prefix) {
  RawState state;
  state.processes = nginx_descendants();
  state.pid_file = read_trimmed(prefix.pid_file());
  state.old_pid_file = read_trimmed(prefix.old_pid_file());
  state.log = prefix.read_error_log();
  state.log.resize(state.log.rfind('\n') == std::string::npos ? 0 : state.log.rfind('\n') + 1);
  return state;
}

bool is_master(const RawProcess& process) { return process.title.starts_with("nginx: master process"); }
bool is_worker(const RawProcess& process) { return process.title.starts_with("nginx: worker process"); }

size_t worker_count_of(const RawState& state, pid_t master) {
  return static_cast<size_t>(std::count_if(state.processes.begin(), state.processes.end(),
                                           [&](const RawProcess& p) { return p.ppid == master && is_worker(p); }));
}

bool has_process(const RawState& state, pid_t pid) {
  return std::any_of(state.processes.begin(), state.processes.end(), [&](const RawProcess& p) { return p.pid == pid; });
}

std::optional<pid_t> pid_in(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  try {
    return static_cast<pid_t>(std::stol(*text));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

size_t count_of(const std::string& text, const std::string& needle) {
  size_t count = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++count;
  return count;
}

// --- symbolic names ------------------------------------------------------------------------

// Masters are M1, M2, ... in order of first appearance (a generation each); a worker is
// W<generation>.<n>, numbered within its generation. Names are given only to settled
// state: a freshly forked worker briefly carries its master's title.
class Names {
 public:
  void learn(const RawState& state) {
    for (const RawProcess& process : state.processes) {
      if (is_master(process) && !names_.contains(process.pid)) {
        ++masters_;
        names_[process.pid] = "M" + std::to_string(masters_);
        generation_[process.pid] = masters_;
      }
    }
    for (const RawProcess& process : state.processes) {
      if (!is_worker(process) || names_.contains(process.pid)) continue;
      auto master = generation_.find(process.ppid);
      std::string generation = master == generation_.end() ? "?" : std::to_string(master->second);
      names_[process.pid] = "W" + generation + "." + std::to_string(++workers_[generation]);
      generation_[process.pid] = master == generation_.end() ? 0 : master->second;
    }
  }
  [[nodiscard]] std::string name(pid_t pid) const {
    if (pid == ::getpid()) return "X";
    auto found = names_.find(pid);
    return found == names_.end() ? "?" : found->second;
  }
  [[nodiscard]] std::string name(const std::string& pid_text) const {
    try {
      return name(static_cast<pid_t>(std::stol(pid_text)));
    } catch (const std::exception&) {
      return "?";
    }
  }
  [[nodiscard]] int generation(pid_t pid) const {
    auto found = generation_.find(pid);
    return found == generation_.end() ? 0 : found->second;
  }

 private:
  std::map<pid_t, std::string> names_;
  std::map<pid_t, int> generation_;
  std::map<std::string, int> workers_;
  int masters_ = 0;
};

// --- observations ---------------------------------------------------------------------------

struct Observation {
  std::string step;
  std::string processes;         // per generation: names and titles (prefix path as PREFIX)
  std::string pid_files;         // which master each pid file names
  std::string served;            // outcomes of GET / : status and generation of the answering worker
  std::vector<std::string> log;  // error.log lines the step added, normalized
  bool settled = true;
  bool operator==(const Observation&) const = default;
};

std::string render(const Observation& observation) {
  std::string text = "step: " + observation.step + (observation.settled ? "" : "  (DID NOT SETTLE)") + "\n";
  text += "  processes: " + observation.processes + "\n";
  text += "  pid files: " + observation.pid_files + "\n";
  text += "  GET /: " + observation.served + "\n";
  text += "  error.log:\n";
  for (const std::string& line : observation.log) text += "    " + line + "\n";
  return text;
}

std::string render(const std::vector<Observation>& observations) {
  std::string text;
  for (const Observation& observation : observations) text += render(observation);
  return text;
}

std::string describe_processes(const RawState& state, const Names& names, const std::string& prefix_dir) {
  std::map<int, std::vector<std::string>> by_generation;
  for (const RawProcess& process : state.processes) {
    std::string title = process.title.substr(std::string_view("nginx: ").size());
    for (size_t at = title.find(prefix_dir); at != std::string::npos; at = title.find(prefix_dir, at)) {
      title.replace(at, prefix_dir.size(), "PREFIX");
    }
    // Masters first within a generation.
    auto& entries = by_generation[names.generation(process.pid)];
    std::string entry = names.name(process.pid) + " \"" + title + "\"";
    if (is_master(process)) {
      entries.insert(entries.begin(), entry);
    } else {
      entries.push_back(entry);
    }
  }
  if (by_generation.empty()) return "none";
  std::string text;
  for (auto& [generation, entries] : by_generation) {
    if (!text.empty()) text += " | ";
    std::sort(entries.begin() + 1, entries.end());
    text += "gen " + (generation == 0 ? std::string("?") : std::to_string(generation)) + ":";
    for (const std::string& entry : entries) text += " " + entry;
  }
  return text;
}

std::string describe_pid_files(const RawState& state, const Names& names) {
  std::string text;
  auto one = [&](const char* file, const std::optional<std::string>& content) {
    if (!content) return;
    if (!text.empty()) text += ", ";
    text += std::string(file) + " -> " + names.name(*content);
  };
  one("nginx.pid", state.pid_file);
  one("nginx.pid.oldbin", state.old_pid_file);
  return text.empty() ? "none" : text;
}

// GETs on fresh connections until every generation that has an accepting worker has
// answered, or the step deadline passes. Both generations accept on the same sockets, and which
// worker takes a connection is up to the scheduler, in no fixed proportion and in runs of any
// length on a busy machine: only the deadline bounds the wait. Records the distinct outcomes.
std::string describe_serving(int port, const RawState& state, const Names& names) {
  std::set<std::string> expected;
  for (const RawProcess& process : state.processes) {
    if (process.title == "nginx: worker process")
      expected.insert("200 from gen " + std::to_string(names.generation(process.pid)));
  }
  std::set<std::string> outcomes;
  const auto deadline = std::chrono::steady_clock::now() + kStepDeadline;
  while (true) {
    HttpReply reply = http_get(port, "/");
    if (!reply.connected) {
      outcomes.insert("refused");
    } else if (reply.status == 0) {
      outcomes.insert("error " + reply.error);
    } else {
      pid_t worker = 0;
      try {
        worker = static_cast<pid_t>(std::stol(reply.worker_pid));
      } catch (const std::exception&) {
      }
      int generation = names.generation(worker);
      outcomes.insert(std::to_string(reply.status) + " from gen " +
                      (generation == 0 ? "? (X-Worker-Pid " + reply.worker_pid + ")" : std::to_string(generation)));
    }
    if (expected.empty() || std::includes(outcomes.begin(), outcomes.end(), expected.begin(), expected.end())) break;
    if (std::chrono::steady_clock::now() >= deadline) break;
  }
  std::string text;
  for (const std::string& outcome : outcomes) text += (text.empty() ? "" : ", ") + outcome;
  return text;
}

// nginx's start-up notices describe the build and the host, not the process model; the
// fake does not write them (fakes/DIFFERENCES.md).
bool is_startup_chatter(const std::string& message) {
  return message.starts_with("using the \"") || message.starts_with("nginx/") || message.starts_with("OS: ") ||
         message.starts_with("getrlimit(") || message.starts_with("built by ") || message.starts_with("built with ");
}

// `2026/11/26 00:52:09 [notice] 30018#30018: signal 12 (SIGUSR2) received from 29976, changing binary`
// becomes `[notice] M1: signal 12 (SIGUSR2) received from X, changing binary`.
std::vector<std::string> normalize_log(const std::string& added, const Names& names) {
  static const std::regex kLineShape(R"(^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d (\[\w+\]) (\d+)#\d+: (.*)$)");
  static const std::regex kPidInMessage(R"((received from |process )(\d+))");
  std::vector<std::string> lines;
  std::istringstream in(added);
  std::string line;
  while (std::getline(in, line)) {
    std::smatch parts;
    if (!std::regex_match(line, parts, kLineShape)) {
      lines.push_back("(unparsed) " + line);
      continue;
    }
    const std::string message = parts[3];
    if (is_startup_chatter(message)) continue;
    std::string normalized;
    auto begin = message.cbegin();
    for (std::sregex_iterator it(message.begin(), message.end(), kPidInMessage), end; it != end; ++it) {
      normalized.append(begin, (*it)[0].first);
      normalized += (*it)[1].str() + names.name((*it)[2].str());
      begin = (*it)[0].second;
    }
    normalized.append(begin, message.cend());
    lines.push_back(parts[1].str() + " " + names.name(parts[2].str()) + ": " + normalized);
  }
  return lines;
}

// --- the walkthrough ------------------------------------------------------------------------

// One config both accept: the walkthrough's workers, error.log at notice.
std::string seed_conf(int port) {
  return conf_for_both(port, kWorkerCount, "notice",
                       "add_header X-Worker-Pid $pid always; return 200 \"worker $pid\\n\";");
}

// What is installed at sbin/nginx before the start and as the "new version".
struct Implementation {
  std::string name;
  std::function<void(const std::string& target)> install_old;
  std::function<void(const std::string& target)> install_new;
};

// Copies `source` beside `target` and renames it over `target`, as package managers do
// (a running executable cannot be overwritten in place).
void install_copy(const std::string& source, const std::string& target) {
  const std::string staged = target + ".staged";
  std::filesystem::copy_file(source, staged, std::filesystem::copy_options::overwrite_existing);
  std::filesystem::rename(staged, target);
}

Implementation debian() {
  return {"Debian nginx", [](const std::string& target) { install_copy(debian_nginx, target); },
          [](const std::string& target) { install_copy(debian_nginx, target); }};
}

Implementation fake() {
  return {"fake-nginx", [](const std::string& target) { install_copy(FAKE_NGINX_PATH, target); },
          [](const std::string& target) {
            BinaryIdentity next;
            next.version_label = "2.0";
            if (auto error = write_stamped_binary(FAKE_NGINX_PATH, target, next)) ADD_FAILURE() << *error;
          }};
}

class Walkthrough {
 public:
  explicit Walkthrough(Implementation implementation) : implementation_(std::move(implementation)) {}

  std::vector<Observation> run() {
    ProcessCleanup cleanup;  // this run's processes die with it, even on a failed assertion
    TestPrefix prefix;
    prefix.write_conf(seed_conf(prefix.port()));
    implementation_.install_old(prefix.binary());
    const std::string sbin = prefix.dir() + "/sbin";
    pid_t old_master = 0;
    pid_t new_master = 0;

    step(
        prefix, "start: sbin/nginx -p PREFIX/ -c conf/nginx.conf",
        [&] {
          CommandResult started = run_command({prefix.binary(), "-p", prefix.dir() + "/", "-c", "conf/nginx.conf"});
          EXPECT_EQ(started.exit_code, 0) << implementation_.name << ": " << started.stderr_text;
        },
        [&](const RawState& now, const std::string&) {
          auto master = pid_in(now.pid_file);
          if (!master || worker_count_of(now, *master) != kWorkerCount) return false;
          old_master = *master;
          return true;
        });
    if (old_master == 0) return observations_;

    step(
        prefix, "cp nginx nginx.old; new binary to nginx; kill -USR2 M1",
        [&] {
          std::filesystem::copy_file(sbin + "/nginx", sbin + "/nginx.old");
          implementation_.install_new(prefix.binary());
          EXPECT_EQ(::kill(old_master, SIGUSR2), 0);
        },
        [&](const RawState& now, const std::string&) {
          auto master = pid_in(now.pid_file);
          if (pid_in(now.old_pid_file) != old_master || !master || *master == old_master ||
              worker_count_of(now, *master) != kWorkerCount) {
            return false;
          }
          new_master = *master;
          return true;
        });
    if (new_master == 0) return observations_;

    step(
        prefix, "kill -WINCH M1", [&] { EXPECT_EQ(::kill(old_master, SIGWINCH), 0); },
        [&](const RawState& now, const std::string& added) {
          return worker_count_of(now, old_master) == 0 && count_of(added, " exited with code ") >= kWorkerCount;
        });

    step(
        prefix, "mv nginx.old nginx; kill -HUP M1",
        [&] {
          std::filesystem::rename(sbin + "/nginx.old", sbin + "/nginx");
          EXPECT_EQ(::kill(old_master, SIGHUP), 0);
        },
        [&](const RawState& now, const std::string&) { return worker_count_of(now, old_master) == kWorkerCount; });

    // The seed's "stop the new version accepting": real nginx ignores it, since the old
    // master is still alive. Done when the crit line is written or a new master appears.
    step(
        prefix, "kill -USR2 M2", [&] { EXPECT_EQ(::kill(new_master, SIGUSR2), 0); },
        [&](const RawState& now, const std::string& added) {
          return added.find("the changing binary signal is ignored") != std::string::npos ||
                 std::count_if(now.processes.begin(), now.processes.end(), is_master) > 2;
        });

    step(
        prefix, "kill -WINCH M2", [&] { EXPECT_EQ(::kill(new_master, SIGWINCH), 0); },
        [&](const RawState& now, const std::string& added) {
          return worker_count_of(now, new_master) == 0 && count_of(added, " exited with code ") >= kWorkerCount;
        });

    step(
        prefix, "kill -QUIT M2", [&] { EXPECT_EQ(::kill(new_master, SIGQUIT), 0); },
        [&](const RawState& now, const std::string& added) {
          return !has_process(now, new_master) && pid_in(now.pid_file) == old_master && !now.old_pid_file &&
                 added.find("new binary process") != std::string::npos;
        });
    return observations_;
  }

 private:
  // Acts, then polls until `done` holds and the state has stayed the same for the quiet
  // period (so trailing log lines and late processes are seen), or the deadline passes.
  void step(const TestPrefix& prefix, const std::string& name, const std::function<void()>& act,
            const std::function<bool(const RawState&, const std::string& added)>& done) {
    const size_t log_start = log_offset_;
    act();
    const auto deadline = std::chrono::steady_clock::now() + kStepDeadline;
    RawState last = read_state(prefix);
    auto unchanged_since = std::chrono::steady_clock::now();
    bool settled = false;
    for (;;) {
      ProcessCleanup::reap_exited();
      RawState now = read_state(prefix);
      const auto now_time = std::chrono::steady_clock::now();
      if (!(now == last)) {
        last = std::move(now);
        unchanged_since = now_time;
      }
      const std::string added = last.log.size() > log_start ? last.log.substr(log_start) : std::string();
      if (done(last, added) && now_time - unchanged_since >= kQuietPeriod) {
        settled = true;
        break;
      }
      if (now_time > deadline) break;
      std::this_thread::sleep_for(kPollInterval);
    }
    EXPECT_TRUE(settled) << implementation_.name << ": step \"" << name << "\" did not reach its expected state in "
                         << kStepDeadline.count() << " s";
    names_.learn(last);
    Observation observation;
    observation.step = name;
    observation.settled = settled;
    observation.processes = describe_processes(last, names_, prefix.dir());
    observation.pid_files = describe_pid_files(last, names_);
    observation.served = describe_serving(prefix.port(), last, names_);
    observation.log = normalize_log(last.log.size() > log_start ? last.log.substr(log_start) : "", names_);
    log_offset_ = last.log.size();
    observations_.push_back(std::move(observation));
  }

  Implementation implementation_;
  Names names_;
  size_t log_offset_ = 0;
  std::vector<Observation> observations_;
};

// Recorded from Debian's nginx 1.22.1 with this test (DebianNginxMatchesRecordedSequence
// keeps it honest).
const char* const recorded_nginx_sequence = R"(step: start: sbin/nginx -p PREFIX/ -c conf/nginx.conf
  processes: gen 1: M1 "master process PREFIX/sbin/nginx -p PREFIX/ -c conf/nginx.conf" W1.1 "worker process"
  pid files: nginx.pid -> M1
  GET /: 200 from gen 1
  error.log:
    [notice] M1: start worker processes
    [notice] M1: start worker process W1.1
step: cp nginx nginx.old; new binary to nginx; kill -USR2 M1
  processes: gen 1: M1 "master process PREFIX/sbin/nginx -p PREFIX/ -c conf/nginx.conf" W1.1 "worker process" | gen 2: M2 "master process PREFIX/sbin/nginx -p PREFIX/ -c conf/nginx.conf" W2.1 "worker process"
  pid files: nginx.pid -> M2, nginx.pid.oldbin -> M1
  GET /: 200 from gen 1, 200 from gen 2
  error.log:
    [notice] M1: signal 12 (SIGUSR2) received from X, changing binary
    [notice] M1: changing binary
    [notice] M1: start new binary process M2
    [notice] M2: using inherited sockets from "4;"
    [notice] M2: start worker processes
    [notice] M2: start worker process W2.1
step: kill -WINCH M1
  processes: gen 1: M1 "master process PREFIX/sbin/nginx -p PREFIX/ -c conf/nginx.conf" | gen 2: M2 "master process PREFIX/sbin/nginx -p PREFIX/ -c conf/nginx.conf" W2.1 "worker process"
  pid files: nginx.pid -> M2, nginx.pid.oldbin -> M1
  GET /: 200 from gen 2
  error.log:
    [notice] M1: signal 28 (SIGWINCH) received from X, stop accepting connections
    [notice] W1.1: gracefully shutting down
    [notice] W1.1: exiting
    [notice] W1.1: exit
    [notice] M1: signal 17 (SIGCHLD) received from W1.1
    [notice] M1: worker process W1.1 exited with code 0
step: mv nginx.old nginx; kill -HUP M1
  processes: gen 1: M1 "master process PREFIX/sbin/nginx -p PREFIX/ -c conf/nginx.conf" W1.2 "worker process" | gen 2: M2 "master process PREFIX/sbin/nginx -p PREFIX/ -c conf/nginx.conf" W2.1 "worker process"
  pid files: nginx.pid -> M2, nginx.pid.oldbin -> M1
  GET /: 200 from gen 1, 200 from gen 2
  error.log:
    [notice] M1: signal 1 (SIGHUP) received from X, reconfiguring
    [notice] M1: start worker processes
    [notice] M1: start worker process W1.2
step: kill -USR2 M2
  processes: gen 1: M1 "master process PREFIX/sbin/nginx -p PREFIX/ -c conf/nginx.conf" W1.2 "worker process" | gen 2: M2 "master process PREFIX/sbin/nginx -p PREFIX/ -c conf/nginx.conf" W2.1 "worker process"
  pid files: nginx.pid -> M2, nginx.pid.oldbin -> M1
  GET /: 200 from gen 1, 200 from gen 2
  error.log:
    [notice] M2: signal 12 (SIGUSR2) received from X, ignoring
    [crit] M2: the changing binary signal is ignored: you should shutdown or terminate before either old or new binary's process
step: kill -WINCH M2
  processes: gen 1: M1 "master process PREFIX/sbin/nginx -p PREFIX/ -c conf/nginx.conf" W1.2 "worker process" | gen 2: M2 "master process PREFIX/sbin/nginx -p PREFIX/ -c conf/nginx.conf"
  pid files: nginx.pid -> M2, nginx.pid.oldbin -> M1
  GET /: 200 from gen 1
  error.log:
    [notice] M2: signal 28 (SIGWINCH) received from X, stop accepting connections
    [notice] W2.1: gracefully shutting down
    [notice] W2.1: exiting
    [notice] W2.1: exit
    [notice] M2: signal 17 (SIGCHLD) received from W2.1
    [notice] M2: worker process W2.1 exited with code 0
step: kill -QUIT M2
  processes: gen 1: M1 "master process PREFIX/sbin/nginx -p PREFIX/ -c conf/nginx.conf" W1.2 "worker process"
  pid files: nginx.pid -> M1
  GET /: 200 from gen 1
  error.log:
    [notice] M2: signal 3 (SIGQUIT) received from X, shutting down
    [notice] M2: exit
    [notice] M1: signal 17 (SIGCHLD) received from M2
    [notice] M1: new binary process M2 exited with code 0
)";

// The descriptor numbers in `using inherited sockets from "4;"` depend on what the test
// process itself inherited (ctest adds one): against the recording they are compared as
// a count; Debian's nginx and fake-nginx, run side by side, must agree on the numbers.
std::string without_fd_numbers(std::string text) {
  static const std::regex kInheritedSockets(R"(using kInheritedSockets sockets from "[0-9;:]*")");
  static const std::regex kNumber("[0-9]+");
  std::string result;
  auto begin = text.cbegin();
  for (std::sregex_iterator it(text.begin(), text.end(), kInheritedSockets), end; it != end; ++it) {
    result.append(begin, (*it)[0].first);
    result += std::regex_replace((*it)[0].str(), kNumber, "N");
    begin = (*it)[0].second;
  }
  result.append(begin, text.cend());
  return result;
}

void expect_same_sequence(const std::string& left_name, const std::vector<Observation>& left,
                          const std::string& right_name, const std::vector<Observation>& right) {
  bool same = left.size() == right.size();
  for (size_t i = 0; i < std::min(left.size(), right.size()); ++i) {
    EXPECT_EQ(render(left[i]), render(right[i])) << "step " << i << " differs";
    same = same && left[i] == right[i];
  }
  EXPECT_EQ(left.size(), right.size());
  if (!same) {
    ADD_FAILURE() << "--- " << left_name << " ---\n"
                  << render(left) << "--- " << right_name << " ---\n"
                  << render(right);
  }
}

class SeedWalkthrough : public ::testing::Test {
 protected:
  void SetUp() override {
    if (needs_debian_nginx_) {
      if (!file_exists(debian_nginx)) GTEST_SKIP() << debian_nginx << " is not installed";
      if (::geteuid() != 0) GTEST_SKIP() << "Debian's nginx master needs root to start its workers as nobody";
    }
  }
  bool needs_debian_nginx_ = true;
  ProcessCleanup cleanup_;
};

class SeedWalkthroughOnFake : public SeedWalkthrough {
 protected:
  SeedWalkthroughOnFake() { needs_debian_nginx_ = false; }
};

TEST_F(SeedWalkthrough, FakeNginxShowsWhatDebianNginxShowsStepByStep) {
  std::vector<Observation> real = Walkthrough(debian()).run();
  std::vector<Observation> faked = Walkthrough(fake()).run();
  expect_same_sequence("Debian nginx", real, "fake-nginx", faked);
  std::cout << "--- Debian nginx ---\n" << render(real) << "--- fake-nginx ---\n" << render(faked);
}

TEST_F(SeedWalkthrough, DebianNginxMatchesRecordedSequence) {
  EXPECT_EQ(without_fd_numbers(render(Walkthrough(debian()).run())), without_fd_numbers(recorded_nginx_sequence));
}

TEST_F(SeedWalkthroughOnFake, FakeNginxMatchesRecordedNginxSequence) {
  EXPECT_EQ(without_fd_numbers(render(Walkthrough(fake()).run())), without_fd_numbers(recorded_nginx_sequence));
}

}  // namespace
}  // namespace hotdeploy::fakes::testing
