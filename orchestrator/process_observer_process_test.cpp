// ProcessObserver against a stand-in master: a bash script that writes its pid file, forks ten
// children titled "nginx: worker process" that live 5 ms each (`sleep 0.005` under exec -a), one
// after the other, then renames its pid file to .oldbin, removes it and exits. Every one of those
// workers must be recorded born and exited with the script as its parent, each seen directly
// (alive, in /proc) with a bound on how long its birth went unseen, and each pid file write,
// rename and removal must be an event. A second script names, in an error.log line, a worker that
// is already gone: its birth and exit must be recorded and marked inferred. Starts processes:
// label `process`.
#include "orchestrator/process_observer.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

namespace hotdeploy::orchestrator {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using harness::Event;
using harness::EventType;
using harness::ProcessRole;
using harness::ProcessSeen;

constexpr int kShortWorkers = 10;

const char* const master_script = R"(
echo $$ > logs/nginx.pid
sleep 0.1
for i in $(seq 1 10); do
  (exec -a "nginx: worker process" sleep 0.005) &
  echo $! >> workers
  wait $!
  sleep 0.02
done
mv logs/nginx.pid logs/nginx.pid.oldbin
sleep 0.1
rm logs/nginx.pid.oldbin
sleep 0.1
)";

// Writes an nginx-style line naming as its worker the process whose pid is in $GONE_WORKER (one
// the test started and reaped before the observer began).
const char* const log_naming_a_gone_worker_script = R"(
echo $$ > logs/nginx.pid
sleep 0.1
echo "2026/01/01 00:00:00 [notice] $$#$$: start worker process $GONE_WORKER" >> logs/error.log
sleep 0.1
rm logs/nginx.pid
)";

class ObserverProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char path_template[] = "/tmp/hotdeploy-observer-XXXXXX";
    ASSERT_NE(::mkdtemp(path_template), nullptr);
    dir_ = path_template;
    fs::create_directory(dir_ / "logs");
  }

  void TearDown() override {
    if (master_ > 0) {
      ::kill(-master_, SIGKILL);
      ::waitpid(master_, nullptr, 0);
      // The process group (the script and its sleeps) is gone within 2 s.
      const auto deadline = std::chrono::steady_clock::now() + 2s;
      while (::kill(-master_, 0) == 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(1ms);
      }
      EXPECT_NE(::kill(-master_, 0), 0) << "a process of group " << master_ << " outlived the test";
    }
    fs::remove_all(dir_);
  }

  // Starts `script` with bash, in dir_, as the leader of a process group of its own.
  pid_t start_master(const char* script) {
    master_ = ::fork();
    if (master_ == 0) {
      ::setpgid(0, 0);
      if (::chdir(dir_.c_str()) == 0) ::execl("/bin/bash", "bash", "-c", script, static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::setpgid(master_, master_);
    master_pid_ = master_;
    return master_;
  }

  std::vector<pid_t> worker_pids() const {
    std::ifstream in(dir_ / "workers");
    std::vector<pid_t> pids;
    for (pid_t pid = 0; in >> pid;) pids.push_back(pid);
    return pids;
  }

  // Runs the observer from the start of `script` to its exit; its events, merged.
  harness::History observe(const char* script) {
    harness::RunClock clock;
    ProcessObserver observer({dir_ / "logs/nginx.pid", dir_ / "logs/nginx.pid.oldbin", dir_ / "logs/error.log"}, clock);
    const pid_t master = start_master(script);
    observer.start(master);
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    const auto master_exited = [&] {
      const ProcessTable table = observer.snapshot();  // find() points into it
      const auto* record = table.find(master);
      return record != nullptr && record->exited_ns.has_value();
    };
    while (!master_exited() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
    observer.stop();
    EXPECT_TRUE(master_exited()) << "the script did not end within 20 s: " << observer.snapshot().describe();
    if (master_exited()) master_ = -1;  // reaped by the observer
    std::vector<harness::EventLog> logs;
    logs.push_back(observer.take_events());
    return harness::History::merge(std::move(logs));
  }

  fs::path dir_;
  pid_t master_ = -1;      // while it may need killing
  pid_t master_pid_ = -1;  // the script's pid, kept after it was reaped
};

const Event* find_event(const std::vector<Event>& events, EventType type, pid_t pid) {
  for (const auto& event : events) {
    if (event.type == type && event.pid == pid) return &event;
  }
  return nullptr;
}

TEST_F(ObserverProcessTest, SeesEveryWorkerThatLivesFiveMilliseconds) {
  ASSERT_TRUE(fs::exists("/bin/bash"));
  const auto history = observe(master_script);
  ASSERT_FALSE(HasFailure());
  const pid_t master = master_pid_;
  const auto& events = history.events();

  const auto born_master = find_event(events, EventType::process_born, master);
  ASSERT_NE(born_master, nullptr);
  EXPECT_EQ(born_master->role, ProcessRole::master);
  EXPECT_EQ(born_master->generation, 1);
  const auto exited_master = find_event(events, EventType::process_exited, master);
  ASSERT_NE(exited_master, nullptr);
  EXPECT_EQ(exited_master->exit_code, 0);

  const auto workers = worker_pids();
  ASSERT_EQ(workers.size(), static_cast<std::size_t>(kShortWorkers));
  for (pid_t worker : workers) {
    const auto* born = find_event(events, EventType::process_born, worker);
    const auto* exited = find_event(events, EventType::process_exited, worker);
    ASSERT_NE(born, nullptr) << "worker " << worker << " was not seen";
    ASSERT_NE(exited, nullptr) << "worker " << worker << " was not seen exiting";
    EXPECT_EQ(born->role, ProcessRole::worker) << worker;
    EXPECT_EQ(born->parent_pid, master) << worker;
    EXPECT_EQ(born->generation, 1) << worker;
    EXPECT_EQ(exited->parent_pid, master) << worker;
    EXPECT_GE(exited->t_ns, born->t_ns) << worker;
    EXPECT_EQ(born->seen, ProcessSeen::directly) << worker;
    EXPECT_EQ(exited->seen, ProcessSeen::directly) << worker;
    EXPECT_GT(born->lag_ns, 0) << worker << ": its master's children were listed before it was born";
  }

  std::vector<std::string> pid_file_changes;
  for (const auto& event : events) {
    if (event.type == EventType::pid_file_changed) pid_file_changes.push_back(event.text);
  }
  const auto pid = std::to_string(master);
  EXPECT_EQ(pid_file_changes, (std::vector<std::string>{"nginx.pid " + pid, "nginx.pid removed",
                                                        "nginx.pid.oldbin " + pid, "nginx.pid.oldbin removed"}));
}

TEST_F(ObserverProcessTest, AWorkerKnownOnlyFromTheLogIsMarkedInferred) {
  ASSERT_TRUE(fs::exists("/bin/bash"));
  const pid_t gone = ::fork();
  if (gone == 0) ::_exit(0);
  ASSERT_GT(gone, 0);
  ASSERT_EQ(::waitpid(gone, nullptr, 0), gone);
  ::setenv("GONE_WORKER", std::to_string(gone).c_str(), 1);
  const auto history = observe(log_naming_a_gone_worker_script);
  ::unsetenv("GONE_WORKER");
  ASSERT_FALSE(HasFailure());
  const auto& events = history.events();
  const auto* born = find_event(events, EventType::process_born, gone);
  const auto* exited = find_event(events, EventType::process_exited, gone);
  ASSERT_NE(born, nullptr) << "the worker named by the log line was not recorded";
  ASSERT_NE(exited, nullptr) << "the worker named by the log line was not recorded exiting";
  EXPECT_EQ(born->role, ProcessRole::worker);
  EXPECT_EQ(born->parent_pid, master_pid_);
  EXPECT_EQ(born->seen, ProcessSeen::inferred_from_log);
  EXPECT_EQ(exited->seen, ProcessSeen::inferred_gone_when_found);
  EXPECT_EQ(exited->exit_code, -1);
  const auto* master_born = find_event(events, EventType::process_born, master_pid_);
  ASSERT_NE(master_born, nullptr);
  EXPECT_EQ(master_born->seen, ProcessSeen::directly);
}

}  // namespace
}  // namespace hotdeploy::orchestrator
