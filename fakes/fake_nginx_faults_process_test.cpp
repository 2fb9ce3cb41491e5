// Process tests of the faults an executable can carry, and of the version label.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <string_view>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>

#include "process_test_support.h"

namespace hotdeploy::fakes::testing {
namespace {

using namespace std::chrono_literals;

class FakeNginxFaults : public ::testing::Test {
 protected:
  ProcessCleanup cleanup_;
};

::testing::AssertionResult pid_file_names(const TestPrefix& prefix, pid_t expected) {
  return wait_until("nginx.pid to name " + std::to_string(expected) + " and no .oldbin", 5s, [&](std::string& seen) {
    auto pid = read_pid(prefix.pid_file());
    seen = "nginx.pid " + (pid ? std::to_string(*pid) : "absent") + ", .oldbin " +
           (file_exists(prefix.old_pid_file()) ? "present" : "absent");
    return pid == expected && !file_exists(prefix.old_pid_file());
  });
}

// USR2 to a master whose new binary fails to start: the old generation keeps serving.
void expect_failed_upgrade_rolls_back(const TestPrefix& prefix, const Generation& old_generation,
                                      const std::string& exit_text) {
  ASSERT_EQ(::kill(old_generation.master, SIGUSR2), 0);
  EXPECT_TRUE(wait_for_log(prefix, "start new binary process "));
  EXPECT_TRUE(wait_for_log(prefix, exit_text));
  EXPECT_TRUE(pid_file_names(prefix, old_generation.master));
  EXPECT_TRUE(wait_for_serving_workers(prefix.port(), old_generation.workers));
}

TEST_F(FakeNginxFaults, VersionLabelTravelsWithTheExecutable) {
  TestPrefix prefix;
  Generation old_generation;
  ASSERT_TRUE(start_serving(prefix, 2, old_generation));
  EXPECT_NE(http_get(prefix.port(), "/").body.find(" version 1.0\n"), std::string::npos);

  CommandResult stamped =
      run_command({FAKE_NGINX_STAMP_PATH, "--from", FAKE_NGINX_PATH, "--to", prefix.binary(), "--version", "2.0"});
  ASSERT_EQ(stamped.exit_code, 0) << stamped.stderr_text;
  EXPECT_EQ(run_command({prefix.binary(), "-v"}).stderr_text, "nginx version: fake-nginx/2.0\n");

  Generation new_generation;
  ASSERT_TRUE(upgrade(prefix, old_generation, 2, new_generation));
  ASSERT_TRUE(wait_until("a response from the new generation", 5s, [&](std::string& seen) {
    HttpReply reply = http_get(prefix.port(), "/");
    seen = reply.body + reply.error;
    return reply.body ==
           "worker " + reply.worker_pid + " master " + std::to_string(new_generation.master) + " version 2.0\n";
  }));
}

TEST_F(FakeNginxFaults, CrashOnStartRollsBackAutomatically) {
  TestPrefix prefix;
  Generation old_generation;
  ASSERT_TRUE(start_serving(prefix, 2, old_generation));
  prefix.install_binary({"2.0", Faults({CrashOnStart{}})});
  expect_failed_upgrade_rolls_back(prefix, old_generation, "exited on signal 6");
}

TEST_F(FakeNginxFaults, FailConfigRollsBackAndFailsTheConfigTest) {
  TestPrefix prefix;
  Generation old_generation;
  ASSERT_TRUE(start_serving(prefix, 2, old_generation));
  prefix.install_binary({"2.0", Faults({FailConfig{}})});
  CommandResult tested = run_command({prefix.binary(), "-p", prefix.dir(), "-t"});
  EXPECT_EQ(tested.exit_code, 1);
  EXPECT_EQ(tested.stderr_text, "nginx: [emerg] configuration rejected by the fail_config fault in " +
                                    prefix.conf_file() + "\nnginx: configuration file " + prefix.conf_file() +
                                    " test failed\n");
  expect_failed_upgrade_rolls_back(prefix, old_generation, "exited with code 1");
  EXPECT_TRUE(wait_for_log(prefix, "[emerg]"));
}

TEST_F(FakeNginxFaults, IgnoreInheritedMeetsAddressInUseAndRollsBack) {
  TestPrefix prefix;
  Generation old_generation;
  ASSERT_TRUE(start_serving(prefix, 2, old_generation));
  prefix.install_binary({"2.0", Faults({IgnoreInherited{}})});
  expect_failed_upgrade_rolls_back(prefix, old_generation, "still could not bind()");
  EXPECT_TRUE(wait_for_log(prefix, "exited with code 1"));
  EXPECT_TRUE(wait_for_log(
      prefix, "bind() to 127.0.0.1:" + std::to_string(prefix.port()) + " failed (98: Address already in use)"));
}

TEST_F(FakeNginxFaults, SlowStartDelaysThePidFile) {
  TestPrefix prefix;
  Generation old_generation;
  ASSERT_TRUE(start_serving(prefix, 2, old_generation));
  prefix.install_binary({"2.0", Faults({SlowStart{600ms}})});
  const auto sent = std::chrono::steady_clock::now();
  ASSERT_EQ(::kill(old_generation.master, SIGUSR2), 0);
  pid_t new_master = 0;
  ASSERT_TRUE(wait_for_pid_file(prefix.pid_file(), old_generation.master, new_master));
  EXPECT_GE(std::chrono::steady_clock::now() - sent, 600ms);
}

TEST_F(FakeNginxFaults, WorkerCrashOnRequestIsRespawned) {
  TestPrefix prefix({.workers = 1, .daemon = true, .extra_main_directives = {}});
  prefix.install_binary({"1.0", Faults({WorkerCrashOnRequest{2}})});
  pid_t master = start_daemon(prefix);
  std::vector<pid_t> workers;
  ASSERT_TRUE(wait_for_workers(master, 1, workers));
  EXPECT_EQ(http_get(prefix.port(), "/").status, 200);
  HttpReply crashed = http_get(prefix.port(), "/");
  EXPECT_EQ(crashed.status, 0) << "the second request gets no response";
  EXPECT_TRUE(wait_for_log(prefix, "worker process " + std::to_string(workers[0]) + " exited on signal 6"));
  std::vector<pid_t> respawned;
  ASSERT_TRUE(wait_until("a respawned worker", 5s, [&](std::string& seen) {
    respawned = workers_of(master);
    seen = describe(respawned);
    return respawned.size() == 1 && respawned[0] != workers[0];
  }));
  EXPECT_TRUE(wait_for_log(prefix, "start worker process " + std::to_string(respawned[0])));
  EXPECT_TRUE(wait_for_serving_workers(prefix.port(), respawned));
}

TEST_F(FakeNginxFaults, HangOnQuitNeverExitsUntilTerminated) {
  TestPrefix prefix({.workers = 1, .daemon = true, .extra_main_directives = {}});
  prefix.install_binary({"1.0", Faults({HangOnQuit{}})});
  Generation generation;
  ASSERT_TRUE(start_serving(prefix, 1, generation));
  ASSERT_EQ(::kill(generation.master, SIGQUIT), 0);
  EXPECT_TRUE(wait_for_log(prefix, std::to_string(generation.workers[0]) + ": gracefully shutting down"));
  EXPECT_TRUE(stays_true_for("the quitting worker and its master to stay", 500ms, [&](std::string& seen) {
    seen = describe({generation.master, generation.workers[0]});
    return is_live(generation.master) && is_live(generation.workers[0]);
  }));
  ASSERT_EQ(::kill(generation.master, SIGTERM), 0);
  EXPECT_TRUE(wait_for_exit(generation.workers[0]));
  EXPECT_TRUE(wait_for_exit(generation.master));
}

TEST_F(FakeNginxFaults, AbortOnQuitResetsInFlightResponses) {
  TestPrefix prefix({.workers = 1, .daemon = true, .extra_main_directives = {}});
  prefix.install_binary({"1.0", Faults({AbortOnQuit{}})});
  Generation generation;
  ASSERT_TRUE(start_serving(prefix, 1, generation));
  httplib::Client client("127.0.0.1", prefix.port());
  std::atomic<size_t> received{0};
  std::optional<httplib::Result> held;
  std::thread request([&] {
    held.emplace(client.Get("/held?seconds=2&bytes=2000", [&](const char*, size_t length) {
      received += length;
      return true;
    }));
  });
  EXPECT_TRUE(wait_until("the first bytes of the held response", 5s, [&](std::string& seen) {
    seen = std::to_string(received.load()) + " bytes";
    return received > 0;
  }));
  ASSERT_EQ(::kill(generation.master, SIGQUIT), 0);
  request.join();
  EXPECT_LT(received.load(), 2000u) << "the response was cut";
  EXPECT_FALSE(held && *held) << "the client saw an error";
  EXPECT_TRUE(wait_for_log(prefix, "worker process " + std::to_string(generation.workers[0]) + " exited on signal 6"));
}

TEST_F(FakeNginxFaults, ShutdownListenerStopsTheNewGenerationToo) {
  TestPrefix prefix({.workers = 1, .daemon = true, .extra_main_directives = {}});
  prefix.install_binary({"1.0", Faults({ShutdownListener{}})});
  Generation old_generation;
  ASSERT_TRUE(start_serving(prefix, 1, old_generation));
  prefix.install_binary({"2.0", Faults()});
  Generation new_generation;
  ASSERT_TRUE(upgrade(prefix, old_generation, 1, new_generation));
  ASSERT_TRUE(wait_for_serving_workers(prefix.port(), new_generation.workers));
  ASSERT_EQ(::kill(old_generation.master, SIGWINCH), 0);
  ASSERT_TRUE(wait_for_exit(old_generation.workers[0]));
  HttpReply after = http_get(prefix.port(), "/");
  EXPECT_FALSE(after.connected) << "the shared socket was shut down for every process; got status " << after.status;
}

TEST_F(FakeNginxFaults, IgnoreSignalMakesTheMasterDeafToIt) {
  TestPrefix prefix({.workers = 1, .daemon = true, .extra_main_directives = {}});
  prefix.install_binary({"1.0", Faults({IgnoreSignal{SIGUSR2}})});
  Generation generation;
  ASSERT_TRUE(start_serving(prefix, 1, generation));
  ASSERT_EQ(::kill(generation.master, SIGUSR2), 0);
  EXPECT_TRUE(stays_true_for("no upgrade and no signal line", 400ms, [&](std::string& seen) {
    std::string log = prefix.read_error_log();
    seen = log.substr(log.size() > 300 ? log.size() - 300 : 0);
    return log.find("SIGUSR2") == std::string::npos && !file_exists(prefix.old_pid_file());
  }));
}

TEST_F(FakeNginxFaults, BadStatusAnswersEveryRequestWithIt) {
  TestPrefix prefix({.workers = 1, .daemon = true, .extra_main_directives = {}});
  prefix.install_binary({"1.0", Faults({BadStatus{503}})});
  pid_t master = start_daemon(prefix);
  std::vector<pid_t> workers;
  ASSERT_TRUE(wait_for_workers(master, 1, workers));
  HttpReply reply = http_get(prefix.port(), "/");
  EXPECT_EQ(reply.status, 503);
  EXPECT_EQ(reply.worker_pid, std::to_string(workers[0]));
}

// The worker is known by the master's "start worker process N" line, not by looking at the
// master's children: the master may be dead before a look (a busy machine can delay one by more
// than die_after).
TEST_F(FakeNginxFaults, DieAfterKillsTheMasterAndOrphansItsWorkers) {
  TestPrefix prefix({.workers = 1, .daemon = true, .extra_main_directives = {}});
  prefix.install_binary({"1.0", Faults({DieAfter{300ms}})});
  pid_t master = start_daemon(prefix);
  ASSERT_TRUE(wait_for_exit(master));
  const std::string log = prefix.read_error_log();
  constexpr std::string_view kStarted = "start worker process ";
  const std::size_t started = log.find(kStarted);
  ASSERT_NE(started, std::string::npos) << "the master started no worker before it was killed: " << log;
  const pid_t worker = std::stoi(log.substr(started + kStarted.size()));
  EXPECT_TRUE(is_live(worker)) << "workers outlive a killed master, as nginx's do: " << log;
  EXPECT_EQ(read_pid(prefix.pid_file()), master) << "a killed master leaves its pid file";
}

}  // namespace
}  // namespace hotdeploy::fakes::testing
