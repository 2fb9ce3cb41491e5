// Runs scenarios end to end against fake-nginx, in process, and checks what the run concluded
// and that nothing of it outlives it.
#include <gtest/gtest.h>

#include <fstream>

#include <map>

#include "harness/history/history_file.h"
#include "orchestrator/environment_error.h"
#include "orchestrator/error_log_tail.h"
#include "orchestrator/process_control.h"
#include "orchestrator/run_directory.h"
#include "orchestrator/run_test_support.h"
#include "orchestrator/runner.h"
#include "orchestrator/scenario_parser.h"

namespace hotdeploy::orchestrator {
namespace {

using namespace std::chrono_literals;

class RunnerProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    become_child_subreaper();
    out_ = make_test_directory(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  void TearDown() override { std::filesystem::remove_all(out_); }

  RunResult run(const std::string& yaml) {
    const auto scenario = parse_scenario_text(yaml, (out_ / "scenario.yaml").string());
    RunOptions options;
    options.run_dir = make_named_run_directory(out_, scenario.name);
    options.binaries.fake_nginx = FAKE_NGINX_PATH;
    auto result = run_scenario(scenario, options);
    const auto pids = pids_in_history(result.run_dir / "history.jsonl");
    EXPECT_FALSE(pids.empty()) << "the history names no process";
    EXPECT_EQ(still_running_after(pids, 2s), std::vector<pid_t>{}) << "processes of the run outlived it";
    return result;
  }

  [[nodiscard]] static const harness::Check* check_named(const RunResult& result, const std::string& name) {
    for (const auto& check : result.judgement.checks) {
      if (check.name == name) return &check;
    }
    return nullptr;
  }

  std::filesystem::path out_;
};

TEST_F(RunnerProcessTest, KillingEveryProcessUnderLoadIsReportedAsDrops) {
  const auto result = run(R"(
name: kill-everything
target: {workers: 2}
load: {keepalive: {connections: 16}}
steps:
  - sleep: 300ms
  - signal: {send: KILL, to: all}
  - sleep: 500ms
)");
  EXPECT_EQ(result.judgement.verdict, harness::Verdict::fail);
  EXPECT_GT(result.judgement.metrics.dropped, 0u);
  std::ifstream junit(result.run_dir / "junit.xml");
  const std::string xml((std::istreambuf_iterator<char>(junit)), std::istreambuf_iterator<char>());
  EXPECT_NE(xml.find("<failure"), std::string::npos) << xml;
  EXPECT_NE(xml.find("dropped"), std::string::npos) << xml;
  EXPECT_GT(result.judgement.metrics.dropped_by_reason.count("refused"), 0u);
  const auto* dropped = check_named(result, "dropped");
  ASSERT_NE(dropped, nullptr);
  EXPECT_EQ(dropped->verdict, harness::Verdict::fail);
}

TEST_F(RunnerProcessTest, QuietRunWithoutStepsPassesWithEveryRequestOk) {
  const auto result = run(R"(
name: steady
load: {keepalive: {connections: 4}}
steps:
  - sleep: 300ms
)");
  EXPECT_EQ(result.judgement.verdict, harness::Verdict::pass);
  EXPECT_GT(result.judgement.metrics.requests, 0u);
  EXPECT_EQ(result.judgement.metrics.dropped, 0u);
  // In process, the run has no network namespace of its own: the host's counters would mix in.
  EXPECT_EQ(result.judgement.metrics.kernel_samples, 0u);
  std::ifstream in(result.run_dir / "result.json");
  const std::string json((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(json.find("\"kernel_counters\": null,\n    \"kernel_counters_missing\": \"the run had no network "
                      "namespace of its own"),
            std::string::npos)
      << json;
}

TEST_F(RunnerProcessTest, WaitTimeoutFailsTheRunNamingWhatItSaw) {
  const auto result = run(R"(
name: workers-never-exit
load: {keepalive: {connections: 4}}
steps:
  - wait: {until: workers_exited, of: old, timeout: 300ms}
)");
  EXPECT_EQ(result.judgement.verdict, harness::Verdict::fail);
  const auto* errors = check_named(result, "run_errors");
  ASSERT_NE(errors, nullptr);
  EXPECT_EQ(errors->verdict, harness::Verdict::fail);
  EXPECT_NE(errors->detail.find("wait workers_exited of old timed out after 300ms; last seen: generation 1 master "),
            std::string::npos)
      << errors->detail;
}

TEST_F(RunnerProcessTest, NewMasterNeverBornBeforeUsr2ButOnlyMasterIsNew) {
  const auto result = run(R"(
name: no-usr2
load: {keepalive: {connections: 4}}
steps:
  - wait: {until: master_ready, of: new, timeout: 2s}
  - sleep: 100ms
)");
  EXPECT_EQ(result.judgement.verdict, harness::Verdict::pass) << "with one master, old and new are the same master";
}

TEST_F(RunnerProcessTest, WaitForExitFollowsTheMasterThatWasSignalledEvenIfItIsAlreadyGone) {
  const auto result = run(R"(
name: quit-then-wait
load: {keepalive: {connections: 4}}
steps:
  - swap_binary: new
  - signal: {send: USR2, to: old}
  - wait: {until: master_ready, of: new, timeout: 5s}
  - signal: {send: QUIT, to: new}
  - sleep: 500ms
  - wait: {until: master_exited, of: new, timeout: 2s}
)");
  EXPECT_EQ(result.judgement.verdict, harness::Verdict::pass)
      << "by the time the wait began the new master had exited; the wait must not pick the old one";
}

// Every process error.log says was started or exited is in the observer's timeline with the same
// role and exit code, and the observer saw no worker or new master that the log does not name.
TEST_F(RunnerProcessTest, ObserverTimelineMatchesErrorLogStartAndExitLines) {
  const auto result = run(R"(
name: timeline
target: {workers: 3}
load: {keepalive: {connections: 8}}
steps:
  - sleep: 200ms
  - upgrade: {}
  - signal: {send: HUP, to: old}
  - sleep: 500ms
)");
  ASSERT_EQ(result.judgement.verdict, harness::Verdict::pass);
  std::ifstream in(result.run_dir / "history.jsonl");
  const auto history = harness::read_jsonl(in);
  std::map<pid_t, harness::ProcessRole> born;
  std::map<pid_t, int> exit_codes;
  std::map<pid_t, harness::ProcessRole> started_in_log;
  std::map<pid_t, int> exited_in_log;
  for (const auto& event : history.events()) {
    if (event.type == harness::EventType::process_born) born[event.pid] = event.role;
    if (event.type == harness::EventType::process_exited) exit_codes[event.pid] = event.exit_code;
    if (event.type != harness::EventType::log_line) continue;
    const auto mention = parse_process_mention(parse_error_log_line(event.text).message);
    if (!mention) continue;
    switch (mention->kind) {
      case ProcessMention::Kind::started_worker: started_in_log[mention->pid] = harness::ProcessRole::worker; break;
      case ProcessMention::Kind::started_new_binary: started_in_log[mention->pid] = harness::ProcessRole::master; break;
      case ProcessMention::Kind::exited: exited_in_log[mention->pid] = mention->exit_code; break;
    }
  }
  // 3 workers of generation 1, then 3 of generation 2, then 3 more after the HUP; and one new binary.
  EXPECT_EQ(started_in_log.size(), 10u);
  for (const auto& [pid, role] : started_in_log) {
    ASSERT_EQ(born.count(pid), 1u) << "error.log started " << pid << " but the observer never saw it born";
    EXPECT_EQ(born[pid], role) << "pid " << pid;
  }
  for (const auto& [pid, code] : exited_in_log) {
    ASSERT_EQ(exit_codes.count(pid), 1u) << "error.log says " << pid << " exited; the observer did not";
    EXPECT_EQ(exit_codes[pid], code) << "pid " << pid;
  }
  int first_master = 0;
  for (const auto& [pid, role] : born) {
    if (role == harness::ProcessRole::none) continue;
    if (started_in_log.count(pid) == 0) {
      EXPECT_EQ(role, harness::ProcessRole::master) << "worker " << pid << " is not in error.log";
      ++first_master;
    }
  }
  EXPECT_EQ(first_master, 1) << "only the first master (started by hotdeploy) is not announced by a master's log line";
}

TEST_F(RunnerProcessTest, WaitUntilLogSeesTheLineTheSignalCausedAndTimesOutOnOneThatNeverComes) {
  const auto result = run(R"(
name: log-waits
load: {keepalive: {connections: 4}}
steps:
  - signal: {send: HUP, to: old}
  - wait: {until: log, pattern: "signal 1 \\(SIGHUP\\) received from [0-9]+, reconfiguring", timeout: 5s}
  - wait: {until: log, pattern: "never logged", timeout: 300ms}
)");
  EXPECT_EQ(result.judgement.verdict, harness::Verdict::fail);
  const auto* errors = check_named(result, "run_errors");
  ASSERT_NE(errors, nullptr);
  EXPECT_NE(errors->detail.find("wait log /never logged/ timed out after 300ms"), std::string::npos) << errors->detail;
  std::ifstream in(result.run_dir / "history.jsonl");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("reconfiguring"), std::string::npos);
  EXPECT_NE(text.find("\"type\":\"wait_satisfied\""), std::string::npos);
}

TEST_F(RunnerProcessTest, MissingNewBinaryIsAnEnvironmentErrorBeforeAnythingStarts) {
  const auto scenario =
      parse_scenario_text("name: m\ntarget: {new_binary: /nonexistent/nginx}\nsteps: []\n", "/tmp/m.yaml");
  RunOptions options;
  options.run_dir = make_named_run_directory(out_, scenario.name);
  options.binaries.fake_nginx = FAKE_NGINX_PATH;
  try {
    (void)run_scenario(scenario, options);
    FAIL() << "expected EnvironmentError";
  } catch (const EnvironmentError& e) {
    EXPECT_EQ(std::string(e.what()), "binary /nonexistent/nginx (from '/nonexistent/nginx' in /tmp/m.yaml): not found");
  }
}

}  // namespace
}  // namespace hotdeploy::orchestrator
