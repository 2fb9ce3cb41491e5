#include "orchestrator/replay_scenario.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

#include "orchestrator/replay_test_logs.h"
#include "orchestrator/scenario_parser.h"

namespace hotdeploy::orchestrator {
namespace {

struct Replayed {
  ReplayScenario written;
  Scenario scenario;
};

Replayed replay(const std::string& log, TargetKind target = TargetKind::fake) {
  ReplayRequest request;
  request.name = "replayed";
  request.source = "error.log";
  request.target = target;
  Replayed replayed;
  replayed.written = write_replay_scenario(reconstruct(read_incident_log(log)), request);
  try {
    replayed.scenario = parse_scenario_text(replayed.written.yaml, "replayed.yaml");
  } catch (const ScenarioError& e) {
    ADD_FAILURE() << e.what() << "\n" << replayed.written.yaml;
  }
  return replayed;
}

std::vector<std::string> steps_of(const Scenario& scenario) {
  std::vector<std::string> steps;
  for (const auto& step : scenario.steps) steps.push_back(describe(step));
  return steps;
}

bool has_line(const std::vector<std::string>& lines, const std::string& prefix) {
  return std::any_of(lines.begin(), lines.end(), [&](const auto& line) { return line.starts_with(prefix); });
}

std::string seed_walkthrough_log() {
  std::ifstream in(std::string(REPLAY_TESTDATA_DIR) + "/seed_walkthrough_error.log");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ReplayScenario, TheSeedWalkthroughShowsItsIgnoredUsr2AsNoEffect) {
  const auto replayed = replay(seed_walkthrough_log());
  const auto& scenario = replayed.scenario;
  EXPECT_EQ(scenario.name, "replayed");
  EXPECT_EQ(scenario.target.workers, 1);
  EXPECT_EQ(scenario.target.kind, TargetKind::fake);
  EXPECT_EQ(steps_of(scenario), (std::vector<std::string>{
                                    "wait serving of generation 1 (timeout 10s)",
                                    "sleep 300ms",
                                    "swap_binary new",
                                    "signal USR2 to generation 1",
                                    "wait master_ready of generation 2 (timeout 10s)",
                                    "sleep 1s",  // lines 16 and 17 are 2 s apart
                                    "signal WINCH to generation 1",
                                    "wait workers_exited of generation 1 (timeout 10s)",
                                    "signal HUP to generation 1",
                                    "wait serving of generation 1 (timeout 10s)",
                                    "signal USR2 to generation 2",
                                    "wait log /the changing binary signal is ignored/ (timeout 10s)",
                                    "signal WINCH to generation 2",
                                    "wait workers_exited of generation 2 (timeout 10s)",
                                    "sleep 500ms",
                                }));
  ASSERT_TRUE(scenario.expect.no_effect_steps);
  EXPECT_EQ(*scenario.expect.no_effect_steps, std::vector<std::string>{"USR2 to generation 2"});
  EXPECT_EQ(scenario.expect.served_by_at_end, harness::ServedBy::old_generation);
  EXPECT_EQ(scenario.expect.masters_at_end, 2U);
  EXPECT_EQ(scenario.expect.log_contains, std::vector<std::string>{"the changing binary signal is ignored"});
  // Each step under the log line behind it.
  EXPECT_NE(replayed.written.yaml.find("  # line 26: 2026/12/02 07:17:41 [notice] 3977#3977: signal 12 (SIGUSR2) "
                                       "received from 3830, ignoring\n  - signal: {send: USR2, to: 2}"),
            std::string::npos)
      << replayed.written.yaml;
  EXPECT_TRUE(has_line(replayed.written.assumed, "load: 16 keep-alive connections")) << replayed.written.yaml;
  EXPECT_TRUE(has_line(replayed.written.assumed, "lead_in: 300ms"));
  EXPECT_TRUE(has_line(replayed.written.assumed, "settle: 500ms"));
  EXPECT_TRUE(replayed.written.not_reproduced.empty());
}

TEST(ReplayScenario, SignalsInTheOrderNginxLoggedThem) {
  const auto scenario = replay(testing::kRollbackSeedLog).scenario;
  EXPECT_EQ(steps_of(scenario), (std::vector<std::string>{
                                    "wait serving of generation 1 (timeout 10s)",
                                    "sleep 300ms",
                                    "swap_binary new",
                                    "signal USR2 to generation 1",
                                    "wait master_ready of generation 2 (timeout 10s)",
                                    "signal WINCH to generation 1",
                                    "wait workers_exited of generation 1 (timeout 10s)",
                                    "signal HUP to generation 1",
                                    "wait serving of generation 1 (timeout 10s)",
                                    "signal WINCH to generation 2",
                                    "wait workers_exited of generation 2 (timeout 10s)",
                                    "signal USR2 to generation 2",
                                    "wait log /the changing binary signal is ignored/ (timeout 10s)",
                                    "signal QUIT to generation 2",
                                    "wait master_exited of generation 2 (timeout 10s)",
                                    "sleep 500ms",
                                }));
  EXPECT_EQ(scenario.expect.masters_at_end, 1U);
  EXPECT_EQ(scenario.target.workers, 2);
}

TEST(ReplayScenario, AReloadToFewerWorkersKeepsTheFirstCountInTheTarget) {
  const auto scenario = replay(
                            "2026/12/02 08:00:00 [notice] 7#7: start worker processes\n"
                            "2026/12/02 08:00:00 [notice] 7#7: start worker process 8\n"
                            "2026/12/02 08:00:00 [notice] 7#7: start worker process 9\n"
                            "2026/12/02 08:00:00 [notice] 7#7: start worker process 10\n"
                            "2026/12/02 08:00:01 [notice] 7#7: signal 1 (SIGHUP) received from 1, reconfiguring\n"
                            "2026/12/02 08:00:01 [notice] 7#7: reconfiguring\n"
                            "2026/12/02 08:00:01 [notice] 7#7: start worker processes\n"
                            "2026/12/02 08:00:01 [notice] 7#7: start worker process 14\n"
                            "2026/12/02 08:00:01 [notice] 7#7: worker process 8 exited with code 0\n")
                            .scenario;
  EXPECT_EQ(scenario.target.workers, 3);
  EXPECT_EQ(steps_of(scenario),
            (std::vector<std::string>{"wait serving of generation 1 (timeout 10s)", "sleep 300ms", "config workers 1",
                                      "signal HUP to generation 1", "wait serving of generation 1 (timeout 10s)",
                                      "sleep 500ms"}));
}

TEST(ReplayScenario, AMissingNewBinaryOnEitherTarget) {
  for (const auto target : {TargetKind::fake, TargetKind::nginx}) {
    const auto scenario = replay(testing::kNewBinaryMissingLog, target).scenario;
    EXPECT_EQ(scenario.target.kind, target);
    EXPECT_EQ(scenario.target.new_binary.name, "missing");
    EXPECT_EQ(steps_of(scenario),
              (std::vector<std::string>{"wait serving of generation 1 (timeout 10s)", "sleep 300ms", "swap_binary new",
                                        "signal USR2 to generation 1",
                                        "wait log /new binary process [0-9]+ exited/ (timeout 10s)", "sleep 500ms"}));
    EXPECT_EQ(scenario.expect.served_by_at_end, harness::ServedBy::old_generation);
    EXPECT_EQ(scenario.expect.masters_at_end, 1U);
  }
}

const std::string kStartThenUsr2 =
    "2026/12/02 08:00:00 [notice] 7#7: start worker processes\n"
    "2026/12/02 08:00:00 [notice] 7#7: start worker process 8\n"
    "2026/12/02 08:00:01 [notice] 7#7: signal 12 (SIGUSR2) received from 1, changing binary\n"
    "2026/12/02 08:00:01 [notice] 7#7: changing binary\n"
    "2026/12/02 08:00:01 [notice] 7#7: start new binary process 12\n"
    "2026/12/02 08:00:01 [notice] 12#12: using inherited sockets from \"4;\"\n";

TEST(ReplayScenario, ACrashAtStartIsAFakeFaultOnEitherTarget) {
  const std::string log =
      kStartThenUsr2 + "2026/12/02 08:00:01 [alert] 7#7: new binary process 12 exited on signal 6\n";
  const auto on_fake = replay(log, TargetKind::fake).scenario;
  EXPECT_EQ(on_fake.target.new_binary.faults, std::vector<std::string>{"crash_on_start"});
  EXPECT_EQ(on_fake.target.new_binary.name, "default");
  const auto on_nginx = replay(log, TargetKind::nginx);
  EXPECT_EQ(on_nginx.scenario.target.kind, TargetKind::nginx);
  EXPECT_EQ(on_nginx.scenario.target.new_binary.name, "fake");
  EXPECT_EQ(on_nginx.scenario.target.new_binary.faults, std::vector<std::string>{"crash_on_start"});
  EXPECT_TRUE(has_line(on_nginx.written.assumed, "the new binary is fake-nginx with crash_on_start"));
}

TEST(ReplayScenario, AFailedConfigIsAFaultOnFakeAndABrokenConfigOnNginx) {
  const std::string log = kStartThenUsr2 +
                          "2026/12/02 08:00:01 [emerg] 12#12: unknown directive \"wroker\" in /p/conf/nginx.conf:1\n"
                          "2026/12/02 08:00:01 [notice] 7#7: new binary process 12 exited with code 1\n";
  const auto on_fake = replay(log, TargetKind::fake).scenario;
  EXPECT_EQ(on_fake.target.new_binary.faults, std::vector<std::string>{"fail_config"});
  EXPECT_FALSE(has_line(steps_of(on_fake), "config"));
  const auto on_nginx = replay(log, TargetKind::nginx).scenario;
  EXPECT_TRUE(on_nginx.target.new_binary.faults.empty());
  EXPECT_EQ(steps_of(on_nginx),
            (std::vector<std::string>{"wait serving of generation 1 (timeout 10s)", "sleep 300ms", "config broken",
                                      "swap_binary new", "signal USR2 to generation 1",
                                      "wait log /new binary process [0-9]+ exited/ (timeout 10s)",
                                      "config workers 1",  // put back for what follows
                                      "sleep 500ms"}));
}

TEST(ReplayScenario, AReloadThatFailedAndOneThatWorked) {
  const auto scenario = replay(testing::kHupBrokenConfigLog).scenario;
  EXPECT_EQ(steps_of(scenario),
            (std::vector<std::string>{"wait serving of generation 1 (timeout 10s)", "sleep 300ms", "config broken",
                                      "signal HUP to generation 1", "wait log /\\[emerg\\]/ (timeout 10s)",
                                      "config workers 2", "signal HUP to generation 1",
                                      "wait serving of generation 1 (timeout 10s)", "sleep 500ms"}));
  ASSERT_TRUE(scenario.expect.no_effect_steps);
  EXPECT_EQ(*scenario.expect.no_effect_steps, std::vector<std::string>{"HUP to generation 1"});
}

TEST(ReplayScenario, WinchToAMasterThatNeverDaemonized) {
  const auto replayed = replay(testing::kWinchDaemonOffLog);
  EXPECT_FALSE(replayed.scenario.target.daemon);
  EXPECT_EQ(steps_of(replayed.scenario),
            (std::vector<std::string>{"wait serving of generation 1 (timeout 10s)", "sleep 300ms",
                                      "signal WINCH to generation 1", "sleep 300ms", "sleep 500ms"}));
  ASSERT_TRUE(replayed.scenario.expect.no_effect_steps);
  EXPECT_EQ(*replayed.scenario.expect.no_effect_steps, std::vector<std::string>{"WINCH to generation 1"});
  EXPECT_TRUE(has_line(replayed.written.assumed, "pause: 300ms"));
}

TEST(ReplayScenario, AFastShutdownMayCutARequestPerConnection) {
  const auto scenario = replay(testing::kRollbackTermLog).scenario;
  EXPECT_EQ(steps_of(scenario), (std::vector<std::string>{
                                    "wait serving of generation 1 (timeout 10s)",
                                    "sleep 300ms",
                                    "swap_binary new",
                                    "signal USR2 to generation 1",
                                    "wait master_ready of generation 2 (timeout 10s)",
                                    "signal WINCH to generation 1",
                                    "wait workers_exited of generation 1 (timeout 10s)",
                                    "signal TERM to generation 2",
                                    "wait master_exited of generation 2 (timeout 10s)",
                                    "wait serving of generation 1 (timeout 10s)",
                                    "sleep 500ms",
                                }));
  EXPECT_EQ(scenario.expect.served_by_at_end, harness::ServedBy::old_generation);
  EXPECT_EQ(scenario.expect.dropped_max, 16U);
  EXPECT_EQ(scenario.expect.no_effect_count, 0U);
}

TEST(ReplayScenario, AKilledNewMasterIsAKillStep) {
  const auto scenario = replay(kStartThenUsr2 +
                               "2026/12/02 08:00:01 [notice] 12#12: start worker processes\n"
                               "2026/12/02 08:00:01 [notice] 12#12: start worker process 13\n"
                               "2026/12/02 08:00:02 [alert] 7#7: new binary process 12 exited on signal 9\n")
                            .scenario;
  EXPECT_EQ(steps_of(scenario),
            (std::vector<std::string>{"wait serving of generation 1 (timeout 10s)", "sleep 300ms", "swap_binary new",
                                      "signal USR2 to generation 1", "wait master_ready of generation 2 (timeout 10s)",
                                      "signal KILL to generation 2", "wait master_exited of generation 2 (timeout 10s)",
                                      "sleep 500ms"}));
  EXPECT_EQ(scenario.expect.served_by_at_end, harness::ServedBy::old_generation);
}

TEST(ReplayScenario, LongPausesBetweenSignalsAreShortened) {
  const auto replayed = replay(
      "2026/12/02 08:00:00 [notice] 7#7: start worker processes\n"
      "2026/12/02 08:00:00 [notice] 7#7: start worker process 8\n"
      "2026/12/02 08:00:01 [notice] 7#7: signal 1 (SIGHUP) received from 1, reconfiguring\n"
      "2026/12/02 08:00:01 [notice] 7#7: reconfiguring\n"
      "2026/12/02 08:00:01 [notice] 7#7: start worker processes\n"
      "2026/12/02 08:00:01 [notice] 7#7: start worker process 9\n"
      "2026/12/02 08:00:04 [notice] 7#7: signal 1 (SIGHUP) received from 1, reconfiguring\n"
      "2026/12/02 08:00:04 [notice] 7#7: reconfiguring\n"
      "2026/12/02 08:00:04 [notice] 7#7: start worker processes\n"
      "2026/12/02 08:00:04 [notice] 7#7: start worker process 10\n"
      "2026/12/02 08:12:04 [notice] 7#7: signal 3 (SIGQUIT) received from 1, shutting down\n"
      "2026/12/02 08:12:04 [notice] 7#7: exit\n");
  const auto steps = steps_of(replayed.scenario);
  EXPECT_EQ(std::count(steps.begin(), steps.end(), "sleep 2s"), 1);  // 3 s apart: at least 2 s
  EXPECT_EQ(std::count(steps.begin(), steps.end(), "sleep 5s"), 1);  // 12 minutes, shortened
  EXPECT_TRUE(has_line(replayed.written.assumed, "max_gap: "));
  EXPECT_EQ(replayed.scenario.expect.masters_at_end, 0U);
  EXPECT_FALSE(replayed.scenario.expect.served_by_at_end);  // no worker left to serve
  EXPECT_EQ(replayed.scenario.expect.dropped_min, 1U);      // so the load's requests after it fail
  EXPECT_EQ(replayed.scenario.target.workers, 1);
}

}  // namespace
}  // namespace hotdeploy::orchestrator
