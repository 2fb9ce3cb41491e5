// Process tests: fake-nginx started for real in a throw-away prefix, driven with signals.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include <httplib.h>

#include "process_test_support.h"

namespace hotdeploy::fakes::testing {
namespace {

using namespace std::chrono_literals;

class FakeNginxProcess : public ::testing::Test {
 protected:
  ProcessCleanup cleanup_;
};

TEST_F(FakeNginxProcess, DaemonWritesPidFileSetsTitlesAndServes) {
  TestPrefix prefix;
  pid_t master = start_daemon(prefix);
  ASSERT_GT(master, 0);
  const std::string title = "nginx: master process " + prefix.binary() + " -p " + prefix.dir();
  // nginx too writes its pid file a moment before it retitles the master.
  EXPECT_TRUE(wait_until("the master's title", 5s, [&](std::string& seen) {
    seen = cmdline_of(master);
    return seen == title;
  }));
  std::vector<pid_t> workers;
  ASSERT_TRUE(wait_for_workers(master, 2, workers));
  for (pid_t worker : workers) EXPECT_EQ(cmdline_of(worker), "nginx: worker process");

  HttpReply reply = http_get(prefix.port(), "/");
  ASSERT_EQ(reply.status, 200) << reply.error;
  EXPECT_TRUE(reply.worker_pid == std::to_string(workers[0]) || reply.worker_pid == std::to_string(workers[1]))
      << reply.worker_pid << " not in " << describe(workers);
  EXPECT_EQ(reply.body, "worker " + reply.worker_pid + " master " + std::to_string(master) + " version 1.0\n");

  const std::string log = prefix.read_error_log();
  EXPECT_NE(log.find("[notice] " + std::to_string(master) + "#" + std::to_string(master) + ": start worker processes"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("start worker process " + std::to_string(workers[0])), std::string::npos) << log;
}

TEST_F(FakeNginxProcess, TestConfigReportsSuccess) {
  TestPrefix prefix;
  CommandResult result = run_command({prefix.binary(), "-p", prefix.dir(), "-t"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.stderr_text, "nginx: the configuration file " + prefix.conf_file() +
                                    " syntax is ok\nnginx: configuration file " + prefix.conf_file() +
                                    " test is successful\n");
}

TEST_F(FakeNginxProcess, SyntaxErrorNamesFileAndLineAndFailsTest) {
  TestPrefix prefix;
  prefix.write_conf("events {}\nhttp {\n}\n}\n");
  CommandResult tested = run_command({prefix.binary(), "-p", prefix.dir(), "-t"});
  EXPECT_EQ(tested.exit_code, 1);
  EXPECT_EQ(tested.stderr_text, "nginx: [emerg] unexpected \"}\" in " + prefix.conf_file() +
                                    ":4\nnginx: configuration file " + prefix.conf_file() + " test failed\n");

  CommandResult started = run_command({prefix.binary(), "-p", prefix.dir()});
  EXPECT_EQ(started.exit_code, 1);
  EXPECT_EQ(started.stderr_text, "nginx: [emerg] unexpected \"}\" in " + prefix.conf_file() + ":4\n");
  EXPECT_NE(prefix.read_error_log().find("[emerg]"), std::string::npos);
  EXPECT_FALSE(file_exists(prefix.pid_file()));
}

TEST_F(FakeNginxProcess, QuietTestPrintsNothing) {
  TestPrefix prefix;
  CommandResult result = run_command({prefix.binary(), "-p", prefix.dir(), "-t", "-q"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.stderr_text, "");
}

TEST_F(FakeNginxProcess, VersionHelpAndUnknownOption) {
  TestPrefix prefix;
  CommandResult version = run_command({prefix.binary(), "-v"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.stderr_text, "nginx version: fake-nginx/1.0\n");
  CommandResult unknown = run_command({prefix.binary(), "-x"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_EQ(unknown.stderr_text, "nginx: invalid option: \"x\"\n");
}

TEST_F(FakeNginxProcess, BindFailureExitsWithNginxMessage) {
  TestPrefix prefix;
  int holder = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(prefix.port()));
  ASSERT_EQ(::bind(holder, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(::listen(holder, 1), 0);
  CommandResult started = run_command({prefix.binary(), "-p", prefix.dir()});
  ::close(holder);
  EXPECT_EQ(started.exit_code, 1);
  const std::string bind_line =
      "nginx: [emerg] bind() to 127.0.0.1:" + std::to_string(prefix.port()) + " failed (98: Address already in use)\n";
  EXPECT_EQ(started.stderr_text.find(bind_line), 0u) << started.stderr_text;
  EXPECT_NE(started.stderr_text.find("nginx: [emerg] still could not bind()\n"), std::string::npos)
      << started.stderr_text;
  EXPECT_FALSE(file_exists(prefix.pid_file()));
}

TEST_F(FakeNginxProcess, BinaryUpgradeWithUsr2WinchQuitLosesNoConnection) {
  TestPrefix prefix;
  pid_t old_master = start_daemon(prefix);
  ASSERT_GT(old_master, 0);
  std::vector<pid_t> old_workers;
  ASSERT_TRUE(wait_for_workers(old_master, 2, old_workers));
  ASSERT_TRUE(wait_for_serving_workers(prefix.port(), old_workers));

  NewConnectionLoad load(prefix.port());
  ASSERT_EQ(::kill(old_master, SIGUSR2), 0);
  pid_t new_master = 0;
  ASSERT_TRUE(wait_for_pid_file(prefix.pid_file(), old_master, new_master));
  EXPECT_EQ(read_pid(prefix.old_pid_file()), old_master);
  EXPECT_EQ(live_children_of(old_master).size(), 3u)
      << "two workers and the new master: " << describe(live_children_of(old_master));
  EXPECT_TRUE(wait_until("the new master's title", 5s, [&](std::string& seen) {
    seen = cmdline_of(new_master);
    return seen == "nginx: master process " + prefix.binary() + " -p " + prefix.dir();
  }));
  std::vector<pid_t> new_workers;
  ASSERT_TRUE(wait_for_workers(new_master, 2, new_workers));
  std::vector<pid_t> everyone = old_workers;
  everyone.insert(everyone.end(), new_workers.begin(), new_workers.end());
  ASSERT_TRUE(wait_for_serving_workers(prefix.port(), everyone)) << "both generations serve";
  EXPECT_TRUE(wait_for_log(prefix, "signal 12 (SIGUSR2) received from "));
  EXPECT_TRUE(wait_for_log(prefix, "start new binary process " + std::to_string(new_master)));
  EXPECT_TRUE(wait_for_log(prefix, "using inherited sockets from \""));

  ASSERT_EQ(::kill(old_master, SIGWINCH), 0);
  for (pid_t worker : old_workers) EXPECT_TRUE(wait_for_exit(worker));
  EXPECT_TRUE(is_live(old_master)) << "the old master stays after WINCH";
  EXPECT_TRUE(wait_for_serving_workers(prefix.port(), new_workers));

  ASSERT_EQ(::kill(old_master, SIGQUIT), 0);
  EXPECT_TRUE(wait_for_exit(old_master));
  EXPECT_TRUE(wait_until(".oldbin to be removed", 5s, [&](std::string& seen) {
    seen = file_exists(prefix.old_pid_file()) ? "present" : "absent";
    return !file_exists(prefix.old_pid_file());
  }));
  EXPECT_EQ(read_pid(prefix.pid_file()), new_master);
  EXPECT_TRUE(wait_for_serving_workers(prefix.port(), new_workers));

  load.stop();
  EXPECT_EQ(load.refused(), 0) << "connections refused during the upgrade";
  EXPECT_GT(load.ok(), 0);
}

TEST_F(FakeNginxProcess, NewBinaryExitRestoresPidFileAndRestartsWinchedWorkers) {
  TestPrefix prefix;
  pid_t old_master = start_daemon(prefix);
  ASSERT_GT(old_master, 0);
  std::vector<pid_t> old_workers;
  ASSERT_TRUE(wait_for_workers(old_master, 2, old_workers));
  ASSERT_EQ(::kill(old_master, SIGUSR2), 0);
  pid_t new_master = 0;
  ASSERT_TRUE(wait_for_pid_file(prefix.pid_file(), old_master, new_master));
  std::vector<pid_t> new_workers;
  ASSERT_TRUE(wait_for_workers(new_master, 2, new_workers));
  ASSERT_EQ(::kill(old_master, SIGWINCH), 0);
  for (pid_t worker : old_workers) ASSERT_TRUE(wait_for_exit(worker));

  ASSERT_EQ(::kill(new_master, SIGTERM), 0);
  EXPECT_TRUE(wait_for_exit(new_master));
  pid_t restored = 0;
  ASSERT_TRUE(wait_for_pid_file(prefix.pid_file(), std::nullopt, restored));
  EXPECT_EQ(restored, old_master);
  EXPECT_FALSE(file_exists(prefix.old_pid_file()));
  std::vector<pid_t> restarted;
  ASSERT_TRUE(wait_for_workers(old_master, 2, restarted));
  EXPECT_TRUE(wait_for_serving_workers(prefix.port(), restarted));
  EXPECT_TRUE(wait_for_log(prefix, "new binary process " + std::to_string(new_master) + " exited with code 0"));
}

TEST_F(FakeNginxProcess, Usr2AndWinchAreIgnoredWithoutDaemon) {
  TestPrefix prefix({.workers = 1, .daemon = false, .extra_main_directives = {}});
  pid_t master = start_command({prefix.binary(), "-p", prefix.dir()});
  pid_t written = 0;
  ASSERT_TRUE(wait_for_pid_file(prefix.pid_file(), std::nullopt, written));
  EXPECT_EQ(written, master) << "daemon off: the started process is the master";
  std::vector<pid_t> workers;
  ASSERT_TRUE(wait_for_workers(master, 1, workers));

  ASSERT_EQ(::kill(master, SIGUSR2), 0);
  EXPECT_TRUE(wait_for_log(prefix, "[crit] " + std::to_string(master) + "#" + std::to_string(master) +
                                       ": the changing binary signal is ignored: you should shutdown or terminate "
                                       "before either old or new binary's process"));
  EXPECT_NE(
      prefix.read_error_log().find("signal 12 (SIGUSR2) received from " + std::to_string(::getpid()) + ", ignoring"),
      std::string::npos);
  EXPECT_FALSE(file_exists(prefix.old_pid_file()));

  ASSERT_EQ(::kill(master, SIGWINCH), 0);
  EXPECT_TRUE(wait_for_log(prefix, "signal 28 (SIGWINCH) received from " + std::to_string(::getpid()) + "\n"));
  EXPECT_TRUE(wait_for_serving_workers(prefix.port(), workers)) << "WINCH without daemon stops nothing";
}

TEST_F(FakeNginxProcess, TermStopsEverythingAndRemovesPidFile) {
  TestPrefix prefix;
  pid_t master = start_daemon(prefix);
  ASSERT_GT(master, 0);
  std::vector<pid_t> workers;
  ASSERT_TRUE(wait_for_workers(master, 2, workers));
  ASSERT_EQ(::kill(master, SIGTERM), 0);
  EXPECT_TRUE(wait_for_exit(master));
  for (pid_t worker : workers) EXPECT_TRUE(wait_for_exit(worker));
  EXPECT_FALSE(file_exists(prefix.pid_file()));
  EXPECT_TRUE(wait_for_log(prefix, "signal 15 (SIGTERM) received from " + std::to_string(::getpid()) + ", exiting"));
  EXPECT_TRUE(wait_for_log(prefix, "] " + std::to_string(master) + "#" + std::to_string(master) + ": exit\n"));
}

TEST_F(FakeNginxProcess, TermEscalatesToSigkillForAWorkerThatDoesNotExit) {
  TestPrefix prefix;
  pid_t master = start_daemon(prefix);
  ASSERT_GT(master, 0);
  std::vector<pid_t> workers;
  ASSERT_TRUE(wait_for_workers(master, 2, workers));
  // A stopped worker cannot read its channel: only SIGKILL ends it.
  ASSERT_EQ(::kill(workers[0], SIGSTOP), 0);
  const auto sent = std::chrono::steady_clock::now();
  ASSERT_EQ(::kill(master, SIGTERM), 0);
  EXPECT_TRUE(wait_for_log(prefix, "worker process " + std::to_string(workers[0]) + " exited on signal 9"));
  EXPECT_GE(std::chrono::steady_clock::now() - sent, 1s) << "TERM is re-sent with a doubling delay first";
  EXPECT_TRUE(wait_for_exit(master));
  EXPECT_TRUE(wait_for_log(prefix, "worker process " + std::to_string(workers[1]) + " exited with code 0"));
}

TEST_F(FakeNginxProcess, QuitWaitsForInFlightResponseWhichClosesTheConnection) {
  TestPrefix prefix({.workers = 1, .daemon = true, .extra_main_directives = {}});
  pid_t master = start_daemon(prefix);
  ASSERT_GT(master, 0);
  std::vector<pid_t> workers;
  ASSERT_TRUE(wait_for_workers(master, 1, workers));
  ASSERT_TRUE(wait_for_serving_workers(prefix.port(), workers));

  httplib::Client client("127.0.0.1", prefix.port());
  client.set_read_timeout(std::chrono::seconds(5));
  std::optional<httplib::Result> held;
  std::atomic<size_t> received{0};
  std::thread request([&] {
    held.emplace(client.Get("/held?seconds=1&bytes=1000", [&](const char*, size_t length) {
      received += length;
      return true;
    }));
  });
  EXPECT_TRUE(wait_until("the first bytes of the held response", 5s, [&](std::string& seen) {
    seen = std::to_string(received.load()) + " bytes";
    return received > 0;
  }));
  ASSERT_EQ(::kill(master, SIGQUIT), 0);
  request.join();
  ASSERT_TRUE(held && *held) << httplib::to_string(held->error());
  const httplib::Response& response = held->value();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(received.load(), 1000u) << "the in-flight response completes";
  EXPECT_EQ(response.get_header_value("Connection"), "close");
  EXPECT_TRUE(wait_for_exit(master));
  EXPECT_TRUE(wait_for_log(prefix, std::to_string(workers[0]) + ": gracefully shutting down"));
}

}  // namespace
}  // namespace hotdeploy::fakes::testing
