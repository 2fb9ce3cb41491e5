#include "orchestrator/incident.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "orchestrator/replay_test_logs.h"

namespace hotdeploy::orchestrator {
namespace {

Incident of(const std::string& text) { return reconstruct(read_incident_log(text)); }

std::string seed_walkthrough_log() {
  std::ifstream in(std::string(REPLAY_TESTDATA_DIR) + "/seed_walkthrough_error.log");
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_FALSE(text.str().empty()) << "testdata/seed_walkthrough_error.log";
  return text.str();
}

// "USR2 to 1: new master" for each signal, in log order.
std::vector<std::string> signals_of(const Incident& incident) {
  std::vector<std::string> signals;
  for (const auto& s : incident.signals) {
    signals.push_back(s.name + " to " + std::to_string(s.generation) + ": " + to_string(s.effect));
  }
  return signals;
}

TEST(Incident, TheSeedWalkthroughDoneByHandOnNginx) {
  const auto incident = of(seed_walkthrough_log());
  EXPECT_FALSE(incident.problem) << incident.problem->message;
  ASSERT_EQ(incident.masters.size(), 2U);
  const auto& old_master = incident.masters[0];
  EXPECT_EQ(old_master.pid, 3949);
  EXPECT_EQ(old_master.generation, 1);
  EXPECT_TRUE(old_master.start_seen);
  EXPECT_EQ(old_master.workers_at_start, 1);
  EXPECT_EQ(old_master.exit_line, 0);
  ASSERT_EQ(old_master.workers.size(), 2U);  // 3951, stopped by WINCH; 4026, started by the HUP
  EXPECT_EQ(old_master.workers[0].exited_line, 22);
  EXPECT_EQ(old_master.workers[0].exit_code, 0);
  EXPECT_EQ(old_master.workers[1].pid, 4026);
  EXPECT_EQ(old_master.workers[1].exited_line, 0);
  const auto& new_master = incident.masters[1];
  EXPECT_EQ(new_master.pid, 3977);
  EXPECT_EQ(new_master.generation, 2);
  EXPECT_EQ(new_master.parent, 3949);
  EXPECT_TRUE(new_master.inherited);
  EXPECT_EQ(new_master.start, MasterStart::running);
  EXPECT_EQ(signals_of(incident), (std::vector<std::string>{"USR2 to 1: new master", "WINCH to 1: workers stopped",
                                                            "HUP to 1: workers started", "USR2 to 2: ignored",
                                                            "WINCH to 2: workers stopped"}));
  for (const auto& s : incident.signals) EXPECT_EQ(s.from, 3830) << s.raw;
  EXPECT_EQ(incident.signals[0].new_master, 3977);
  EXPECT_EQ(incident.signals[0].effect_line, 16);  // its worker started
  EXPECT_FALSE(incident.signals[2].reconfigured);  // a HUP while a new binary runs restarts workers, no re-read
  EXPECT_EQ(incident.signals[3].effect_line, 27);  // the crit line
  EXPECT_EQ(incident.first_line, 1);
  EXPECT_EQ(incident.last_line, 33);
}

TEST(Incident, SignalsToTwoMastersLoggedOutOfOrderKeepTheirEffects) {
  // rollback_seed's USR2 and WINCH to the new master were sent back to back; nginx logged the
  // WINCH first, and its workers exited after the USR2's lines.
  const auto incident = of(testing::kRollbackSeedLog);
  EXPECT_FALSE(incident.problem);
  EXPECT_EQ(signals_of(incident), (std::vector<std::string>{"USR2 to 1: new master", "WINCH to 1: workers stopped",
                                                            "HUP to 1: workers started", "WINCH to 2: workers stopped",
                                                            "USR2 to 2: ignored", "QUIT to 2: master exited"}));
  EXPECT_EQ(incident.masters[1].exit_line, 50);  // its parent's "new binary process 12 exited with code 0"
  EXPECT_EQ(incident.masters[1].exit_code, 0);
}

TEST(Incident, ANewBinaryThatCouldNotBeExecuted) {
  const auto incident = of(testing::kNewBinaryMissingLog);
  EXPECT_FALSE(incident.problem);
  ASSERT_EQ(incident.masters.size(), 2U);
  EXPECT_EQ(incident.masters[1].start, MasterStart::exec_failed);
  EXPECT_EQ(incident.masters[1].start_failure_line, 11);
  EXPECT_EQ(incident.masters[1].exit_code, 1);
  ASSERT_EQ(incident.signals.size(), 1U);
  EXPECT_EQ(incident.signals[0].effect, SignalEffect::new_master_failed);
  EXPECT_EQ(incident.signals[0].effect_line, 13);
  EXPECT_NE(incident.signals[0].failure.find("No such file"), std::string::npos);
}

TEST(Incident, AReloadWhoseConfigFailedThenOneThatWorked) {
  const auto incident = of(testing::kHupBrokenConfigLog);
  EXPECT_EQ(signals_of(incident), (std::vector<std::string>{"HUP to 1: reload failed", "HUP to 1: workers started"}));
  EXPECT_TRUE(incident.signals[0].reconfigured);
  EXPECT_EQ(incident.signals[0].failure_line, 10);
  EXPECT_EQ(incident.signals[0].workers_started, 0);
  EXPECT_EQ(incident.signals[1].workers_started, 2);
  EXPECT_EQ(incident.masters[0].workers.size(), 4U);
}

TEST(Incident, WinchWithoutActionMeansTheMasterNeverDaemonized) {
  const auto incident = of(testing::kWinchDaemonOffLog);
  EXPECT_TRUE(incident.daemon_off);
  EXPECT_EQ(signals_of(incident), (std::vector<std::string>{"WINCH to 1: ignored"}));
  EXPECT_EQ(incident.masters[0].pid, 5);  // without daemon, the process that started is the master
}

TEST(Incident, TermToTheNewMasterAndTheOldOneRestartsItsWorkers) {
  const auto incident = of(testing::kRollbackTermLog);
  ASSERT_EQ(incident.signals.size(), 3U);
  EXPECT_EQ(incident.signals[2].name, "TERM");
  EXPECT_EQ(incident.signals[2].generation, 2);
  EXPECT_EQ(incident.signals[2].effect, SignalEffect::master_exited);
  EXPECT_TRUE(incident.signals[2].restarted_parent);
  EXPECT_EQ(incident.signals[2].restart_line, 47);
}

TEST(Incident, ASecondUsr2ToTheOldMasterIsIgnored) {
  const auto incident = of(testing::kUsr2TwiceLog);
  EXPECT_EQ(signals_of(incident),
            (std::vector<std::string>{"USR2 to 1: new master", "USR2 to 1: ignored", "WINCH to 1: workers stopped",
                                      "QUIT to 1: master exited"}));
  EXPECT_EQ(incident.masters[0].exit_line, 33);  // its own "exit": no parent logs it
}

TEST(Incident, ANewBinaryThatCrashedOrFailedItsConfig) {
  const std::string start =
      "2026/12/02 08:00:00 [notice] 7#7: start worker processes\n"
      "2026/12/02 08:00:00 [notice] 7#7: start worker process 8\n"
      "2026/12/02 08:00:01 [notice] 7#7: signal 12 (SIGUSR2) received from 1, changing binary\n"
      "2026/12/02 08:00:01 [notice] 7#7: changing binary\n"
      "2026/12/02 08:00:01 [notice] 7#7: start new binary process 12\n"
      "2026/12/02 08:00:01 [notice] 12#12: using inherited sockets from \"4;\"\n";
  const auto crashed = of(start + "2026/12/02 08:00:01 [alert] 7#7: new binary process 12 exited on signal 6\n");
  EXPECT_EQ(crashed.masters[1].start, MasterStart::crashed);
  EXPECT_EQ(crashed.signals[0].effect, SignalEffect::new_master_failed);
  EXPECT_TRUE(crashed.unsignalled_exits.empty());
  const auto bad_config =
      of(start +
         "2026/12/02 08:00:01 [emerg] 12#12: unknown directive \"wroker_processes\" in /p/conf/nginx.conf:1\n"
         "2026/12/02 08:00:01 [notice] 7#7: new binary process 12 exited with code 1\n");
  EXPECT_EQ(bad_config.masters[1].start, MasterStart::config_failed);
  EXPECT_EQ(bad_config.masters[1].start_failure_line, 7);
  EXPECT_EQ(bad_config.signals[0].failure_line, 7);
}

TEST(Incident, ARunningNewMasterKilledWithoutALoggedSignal) {
  const auto incident =
      of("2026/12/02 08:00:00 [notice] 7#7: start worker processes\n"
         "2026/12/02 08:00:00 [notice] 7#7: start worker process 8\n"
         "2026/12/02 08:00:01 [notice] 7#7: signal 12 (SIGUSR2) received from 1, changing binary\n"
         "2026/12/02 08:00:01 [notice] 7#7: start new binary process 12\n"
         "2026/12/02 08:00:01 [notice] 12#12: start worker processes\n"
         "2026/12/02 08:00:01 [notice] 12#12: start worker process 13\n"
         "2026/12/02 08:00:03 [alert] 7#7: new binary process 12 exited on signal 9\n");
  ASSERT_EQ(incident.unsignalled_exits.size(), 1U);
  EXPECT_EQ(incident.unsignalled_exits[0].generation, 2);
  EXPECT_EQ(incident.unsignalled_exits[0].exit_signal, 9);
  EXPECT_EQ(incident.unsignalled_exits[0].line, 7);
}

TEST(Incident, AWorkerCrashIsNamedAsWhatTheScenarioDoesNotReproduce) {
  const auto incident =
      of("2026/12/02 08:00:00 [notice] 7#7: start worker processes\n"
         "2026/12/02 08:00:00 [notice] 7#7: start worker process 8\n"
         "2026/12/02 08:00:02 [alert] 7#7: worker process 8 exited on signal 11 (core dumped)\n"
         "2026/12/02 08:00:02 [notice] 7#7: start worker process 9\n");
  ASSERT_EQ(incident.not_shown.size(), 1U);
  EXPECT_NE(incident.not_shown[0].find("line 3: worker 8"), std::string::npos) << incident.not_shown[0];
  EXPECT_EQ(incident.masters[0].workers_at_start, 1);  // the respawn is not part of its start
}

TEST(Incident, NoMasterLifecycle) {
  const auto only_requests =
      of("2026/12/02 08:00:00 [error] 8#8: *1 open() \"/srv/a\" failed (2: No such file or directory)\n"
         "2026/12/02 08:00:00 [notice] 5#5: using the \"epoll\" event method\n");
  ASSERT_TRUE(only_requests.problem);
  EXPECT_EQ(only_requests.problem->kind, Problem::Kind::no_master_lifecycle);
  const auto failed_start = of("2026/12/02 08:00:00 [emerg] 5#5: bind() to 0.0.0.0:80 failed (98: Address in use)\n");
  ASSERT_TRUE(failed_start.problem);
  EXPECT_NE(failed_start.problem->message.find("line 1 shows a start that failed"), std::string::npos)
      << failed_start.problem->message;
}

TEST(Incident, TwoInstancesInOneLog) {
  const auto incident =
      of("2026/12/02 08:00:00 [notice] 7#7: start worker processes\n"
         "2026/12/02 08:00:00 [notice] 7#7: start worker process 8\n"
         "2026/12/02 08:00:00 [notice] 20#20: start worker processes\n"
         "2026/12/02 08:00:00 [notice] 20#20: start worker process 21\n"
         "2026/12/02 08:00:01 [notice] 7#7: signal 3 (SIGQUIT) received from 1, shutting down\n");
  ASSERT_TRUE(incident.problem);
  EXPECT_EQ(incident.problem->kind, Problem::Kind::two_instances);
  EXPECT_NE(incident.problem->message.find("master 7 (from line 1) and master 20 (from line 3)"), std::string::npos)
      << incident.problem->message;
  EXPECT_NE(incident.problem->message.find("alive at the same time"), std::string::npos);
  // A master the log never saw start, beside one it did, belongs to another instance too.
  const auto joined =
      of("2026/12/02 08:00:00 [notice] 7#7: start worker processes\n"
         "2026/12/02 08:00:00 [notice] 7#7: start worker process 8\n"
         "2026/12/02 08:00:01 [notice] 30#30: signal 1 (SIGHUP) received from 1, reconfiguring\n");
  ASSERT_TRUE(joined.problem);
  EXPECT_EQ(joined.problem->kind, Problem::Kind::two_instances);
}

TEST(Incident, ALogThatStartsMidUpgradeIsReconstructedAsFarAsItGoes) {
  // The rollback_seed log from its WINCH on: both masters already ran.
  std::istringstream in(testing::kRollbackSeedLog);
  std::string text;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (n >= 19) text += line + "\n";
  }
  const auto incident = of(text);
  ASSERT_TRUE(incident.problem);
  EXPECT_EQ(incident.problem->kind, Problem::Kind::starts_mid_incident);
  EXPECT_NE(incident.problem->message.find("masters 7 (first named on line 1), 12 (first named on line 15)"),
            std::string::npos)
      << incident.problem->message;
  ASSERT_EQ(incident.masters.size(), 2U);
  EXPECT_EQ(incident.masters[0].pid, 7);
  EXPECT_EQ(incident.masters[0].generation, 1);
  EXPECT_EQ(incident.masters[1].generation, 2);
  EXPECT_EQ(incident.masters[0].workers_at_start, 2);  // the two whose exits the log shows
  EXPECT_EQ(signals_of(incident), (std::vector<std::string>{"WINCH to 1: workers stopped", "HUP to 1: workers started",
                                                            "WINCH to 2: workers stopped", "USR2 to 2: ignored",
                                                            "QUIT to 2: master exited"}));
}

}  // namespace
}  // namespace hotdeploy::orchestrator
