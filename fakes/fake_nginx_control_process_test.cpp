// Process tests of reload, log reopening, respawn, rollback and the control options.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>

#include "process_test_support.h"

namespace hotdeploy::fakes::testing {
namespace {

using namespace std::chrono_literals;

// The end of a rollback: QUIT to the new master, which exits; the old master renames
// nginx.pid.oldbin back to nginx.pid.
void quit_new_master_and_expect_the_old_pid_file_back(const TestPrefix& prefix, const Generation& old_generation,
                                                      const Generation& new_generation) {
  ASSERT_EQ(::kill(new_generation.master, SIGQUIT), 0);
  EXPECT_TRUE(wait_for_exit(new_generation.master));
  EXPECT_TRUE(wait_until("nginx.pid back to the old master", 5s, [&](std::string& seen) {
    auto pid = read_pid(prefix.pid_file());
    seen = pid ? std::to_string(*pid) : "absent";
    return pid == old_generation.master && !file_exists(prefix.old_pid_file());
  }));
}

class FakeNginxControl : public ::testing::Test {
 protected:
  ProcessCleanup cleanup_;
};

TEST_F(FakeNginxControl, HupReloadsTheConfigWithNewWorkers) {
  TestPrefix prefix;
  Generation generation;
  ASSERT_TRUE(start_serving(prefix, 2, generation));
  prefix.write_conf(prefix.conf_text("", 3));
  ASSERT_EQ(::kill(generation.master, SIGHUP), 0);
  EXPECT_TRUE(
      wait_for_log(prefix, "signal 1 (SIGHUP) received from " + std::to_string(::getpid()) + ", reconfiguring"));
  EXPECT_TRUE(wait_for_log(prefix, "] " + std::to_string(generation.master) + "#" + std::to_string(generation.master) +
                                       ": reconfiguring\n"));
  for (pid_t worker : generation.workers) EXPECT_TRUE(wait_for_exit(worker));
  std::vector<pid_t> reloaded;
  ASSERT_TRUE(wait_for_workers(generation.master, 3, reloaded));
  EXPECT_TRUE(wait_for_serving_workers(prefix.port(), reloaded));
}

TEST_F(FakeNginxControl, HupWithABrokenConfigKeepsTheOldWorkers) {
  TestPrefix prefix;
  Generation generation;
  ASSERT_TRUE(start_serving(prefix, 2, generation));
  prefix.write_conf("events {}\nhttp {\n");
  ASSERT_EQ(::kill(generation.master, SIGHUP), 0);
  EXPECT_TRUE(wait_for_log(prefix, "[emerg] " + std::to_string(generation.master) + "#" +
                                       std::to_string(generation.master) +
                                       ": unexpected end of file, expecting \"}\" in " + prefix.conf_file() + ":3"));
  EXPECT_EQ(workers_of(generation.master), generation.workers);
  EXPECT_TRUE(wait_for_serving_workers(prefix.port(), generation.workers));
}

// The reference's doc rollback (a): put the old binary back, HUP the old master (it
// restarts workers from its old config without reading the file), QUIT the new master.
TEST_F(FakeNginxControl, HupWhileANewBinaryRunsRestartsOldWorkersWithoutRereading) {
  TestPrefix prefix;
  Generation old_generation;
  ASSERT_TRUE(start_serving(prefix, 2, old_generation));
  prefix.install_binary({"2.0", Faults()});
  Generation new_generation;
  ASSERT_TRUE(upgrade(prefix, old_generation, 2, new_generation));
  ASSERT_EQ(::kill(old_generation.master, SIGWINCH), 0);
  for (pid_t worker : old_generation.workers) ASSERT_TRUE(wait_for_exit(worker));

  prefix.write_conf("this config would not load;\n");
  ASSERT_EQ(::kill(old_generation.master, SIGHUP), 0);
  std::vector<pid_t> restarted;
  ASSERT_TRUE(wait_for_workers(old_generation.master, 2, restarted));
  EXPECT_EQ(prefix.read_error_log().find(": reconfiguring\n"), std::string::npos) << "no re-read";

  quit_new_master_and_expect_the_old_pid_file_back(prefix, old_generation, new_generation);
  EXPECT_TRUE(wait_for_serving_workers(prefix.port(), restarted));
}

// The seed's rollback: HUP old, then USR2 to the new master (ignored: the old master is
// alive), then WINCH new (its workers stop), then QUIT new.
TEST_F(FakeNginxControl, SeedRollbackProcedureIgnoresTheSecondUsr2) {
  TestPrefix prefix;
  Generation old_generation;
  ASSERT_TRUE(start_serving(prefix, 2, old_generation));
  Generation new_generation;
  ASSERT_TRUE(upgrade(prefix, old_generation, 2, new_generation));

  ASSERT_EQ(::kill(old_generation.master, SIGHUP), 0);
  std::vector<pid_t> old_workers_now;
  ASSERT_TRUE(wait_for_workers(old_generation.master, 4, old_workers_now)) << "two more workers, none stopped";

  ASSERT_EQ(::kill(new_generation.master, SIGUSR2), 0);
  const std::string new_master = std::to_string(new_generation.master);
  EXPECT_TRUE(wait_for_log(prefix, "[crit] " + new_master + "#" + new_master +
                                       ": the changing binary signal is ignored: you should shutdown or terminate "
                                       "before either old or new binary's process"));
  EXPECT_TRUE(wait_for_log(
      prefix, new_master + ": signal 12 (SIGUSR2) received from " + std::to_string(::getpid()) + ", ignoring"));

  ASSERT_EQ(::kill(new_generation.master, SIGWINCH), 0);
  for (pid_t worker : new_generation.workers) EXPECT_TRUE(wait_for_exit(worker));
  EXPECT_TRUE(is_live(new_generation.master)) << "the new master lingers without workers";

  quit_new_master_and_expect_the_old_pid_file_back(prefix, old_generation, new_generation);
}

TEST_F(FakeNginxControl, Usr1ReopensTheErrorLogInMasterAndWorkers) {
  TestPrefix prefix({.workers = 1, .daemon = true, .extra_main_directives = {}});
  Generation generation;
  ASSERT_TRUE(start_serving(prefix, 1, generation));
  std::filesystem::rename(prefix.error_log(), prefix.error_log() + ".1");
  ASSERT_EQ(::kill(generation.master, SIGUSR1), 0);
  // As nginx does, each process says so in the old file, then opens the new one.
  const std::string master = std::to_string(generation.master);
  const std::string worker = std::to_string(generation.workers[0]);
  EXPECT_TRUE(wait_until("both reopenings in the renamed log", 5s, [&](std::string& seen) {
    std::ifstream in(prefix.error_log() + ".1");
    std::stringstream text;
    text << in.rdbuf();
    seen = text.str();
    return seen.find(master + ": reopening logs") != std::string::npos &&
           seen.find(worker + ": reopening logs") != std::string::npos;
  }));
  ASSERT_TRUE(wait_until("the new error.log", 5s, [&](std::string& seen) {
    seen = file_exists(prefix.error_log()) ? "present" : "absent";
    return file_exists(prefix.error_log());
  }));
  ASSERT_EQ(::kill(generation.master, SIGUSR1), 0);
  EXPECT_TRUE(wait_for_log(prefix, master + ": signal 10 (SIGUSR1) received from "));
}

TEST_F(FakeNginxControl, WorkerThatDiesIsRespawned) {
  TestPrefix prefix;
  Generation generation;
  ASSERT_TRUE(start_serving(prefix, 2, generation));
  ASSERT_EQ(::kill(generation.workers[0], SIGKILL), 0);
  EXPECT_TRUE(wait_for_log(prefix, "worker process " + std::to_string(generation.workers[0]) + " exited on signal 9"));
  std::vector<pid_t> workers;
  ASSERT_TRUE(wait_until("a replacement worker", 5s, [&](std::string& seen) {
    workers = workers_of(generation.master);
    seen = describe(workers);
    return workers.size() == 2 && std::find(workers.begin(), workers.end(), generation.workers[0]) == workers.end();
  }));
  EXPECT_TRUE(wait_for_serving_workers(prefix.port(), workers));
}

TEST_F(FakeNginxControl, SignalOptionSignalsTheMasterNamedByThePidFile) {
  TestPrefix prefix;
  Generation generation;
  ASSERT_TRUE(start_serving(prefix, 2, generation));
  CommandResult reload = run_command({prefix.binary(), "-p", prefix.dir(), "-s", "reload"});
  EXPECT_EQ(reload.exit_code, 0) << reload.stderr_text;
  EXPECT_TRUE(wait_for_log(prefix, "signal 1 (SIGHUP) received from "));
  CommandResult quit = run_command({prefix.binary(), "-p", prefix.dir(), "-s", "quit"});
  EXPECT_EQ(quit.exit_code, 0) << quit.stderr_text;
  EXPECT_TRUE(wait_for_exit(generation.master));

  CommandResult stop = run_command({prefix.binary(), "-p", prefix.dir(), "-s", "stop"});
  EXPECT_EQ(stop.exit_code, 1);
  EXPECT_EQ(stop.stderr_text,
            "nginx: [error] open() \"" + prefix.pid_file() + "\" failed (2: No such file or directory)\n");
}

TEST_F(FakeNginxControl, GlobalDirectivesOptionAndDuplicates) {
  TestPrefix prefix;
  CommandResult started = run_command({prefix.binary(), "-p", prefix.dir(), "-g", "pid logs/other.pid;"});
  EXPECT_EQ(started.exit_code, 0) << started.stderr_text;
  pid_t from_other = 0;
  ASSERT_TRUE(wait_for_pid_file(prefix.dir() + "/logs/other.pid", std::nullopt, from_other));
  std::vector<pid_t> workers;
  EXPECT_TRUE(wait_for_workers(from_other, 2, workers));

  CommandResult duplicate = run_command({prefix.binary(), "-p", prefix.dir(), "-t", "-g", "daemon off;"});
  EXPECT_EQ(duplicate.exit_code, 1);
  EXPECT_EQ(
      duplicate.stderr_text.find("nginx: [emerg] \"daemon\" directive is duplicate in " + prefix.conf_file() + ":3\n"),
      0u)
      << duplicate.stderr_text;
}

TEST_F(FakeNginxControl, ErrorLogOptionTakesStartupMessages) {
  TestPrefix prefix;
  prefix.write_conf("events {}\n}\n");
  CommandResult started = run_command({prefix.binary(), "-p", prefix.dir(), "-e", "logs/startup.log"});
  EXPECT_EQ(started.exit_code, 1);
  std::ifstream in(prefix.dir() + "/logs/startup.log");
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find("[emerg]"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("unexpected \"}\" in " + prefix.conf_file() + ":2"), std::string::npos) << text.str();
}

TEST_F(FakeNginxControl, NewBinaryGetsOnlyNginxsEnvironment) {
  TestPrefix prefix({.workers = 1, .daemon = true, .extra_main_directives = "env KEEP_ME;\n"});
  // The environment shows in nginx's debug lines: /proc/PID/environ is overwritten by the title.
  std::string conf = prefix.conf_text("env KEEP_ME;\n", 1);
  conf.replace(conf.find("info;"), 5, "debug;");
  prefix.write_conf(conf);
  pid_t master = start_daemon(prefix, {}, {"KEEP_ME=yes", "DROP_ME=no", "TZ=UTC"});
  std::vector<pid_t> workers;
  ASSERT_TRUE(wait_for_workers(master, 1, workers));
  ASSERT_EQ(::kill(master, SIGUSR2), 0);
  pid_t new_master = 0;
  ASSERT_TRUE(wait_for_pid_file(prefix.pid_file(), master, new_master));
  std::vector<std::string> env;
  std::istringstream log(prefix.read_error_log());
  for (std::string line; std::getline(log, line);) {
    size_t at = line.find(std::to_string(master) + ": env: ");
    if (at != std::string::npos) env.push_back(line.substr(line.find(": env: ") + 7));
  }
  ASSERT_EQ(env.size(), 4u) << ::testing::PrintToString(env);
  EXPECT_EQ(env[0], "KEEP_ME=yes");
  EXPECT_EQ(env[1], "TZ=UTC");
  EXPECT_TRUE(env[2].starts_with("NGINX=")) << env[2];
  EXPECT_EQ(env[3], "SPARE=" + std::string(300, 'X'));
}

TEST_F(FakeNginxControl, ReuseportGivesEachWorkerItsOwnSocket) {
  TestPrefix prefix;
  std::string conf = prefix.conf_text("", 2);
  conf.replace(conf.find(";\n    location"), 1, " reuseport;");
  prefix.write_conf(conf);
  Generation old_generation;
  ASSERT_TRUE(start_serving(prefix, 2, old_generation));
  Generation new_generation;
  ASSERT_TRUE(upgrade(prefix, old_generation, 2, new_generation));
  std::string log = prefix.read_error_log();
  size_t at = log.find("using inherited sockets from \"");
  ASSERT_NE(at, std::string::npos) << log;
  std::string variable = log.substr(at + 30, log.find('"', at + 30) - at - 30);
  EXPECT_EQ(std::count(variable.begin(), variable.end(), ';'), 2) << "one socket per worker: " << variable;
  std::vector<pid_t> everyone = old_generation.workers;
  everyone.insert(everyone.end(), new_generation.workers.begin(), new_generation.workers.end());
  EXPECT_TRUE(wait_for_serving_workers(prefix.port(), everyone));
}

TEST_F(FakeNginxControl, WorkerShutdownTimeoutCutsHeldResponses) {
  TestPrefix prefix({.workers = 1, .daemon = true, .extra_main_directives = "worker_shutdown_timeout 300ms;\n"});
  Generation generation;
  ASSERT_TRUE(start_serving(prefix, 1, generation));
  httplib::Client client("127.0.0.1", prefix.port());
  client.set_read_timeout(std::chrono::seconds(10));
  std::atomic<size_t> received{0};
  std::optional<httplib::Result> held;
  std::thread request([&] {
    held.emplace(client.Get("/held?seconds=5&bytes=5000", [&](const char*, size_t length) {
      received += length;
      return true;
    }));
  });
  EXPECT_TRUE(wait_until("the first bytes of the held response", 5s, [&](std::string& seen) {
    seen = std::to_string(received.load()) + " bytes";
    return received > 0;
  }));
  const auto quit_sent = std::chrono::steady_clock::now();
  ASSERT_EQ(::kill(generation.master, SIGQUIT), 0);
  request.join();
  EXPECT_LT(std::chrono::steady_clock::now() - quit_sent, 2s);
  EXPECT_LT(received.load(), 5000u);
  EXPECT_TRUE(wait_for_exit(generation.workers[0]));
  EXPECT_TRUE(wait_for_exit(generation.master));
}

TEST_F(FakeNginxControl, ConnectionsBeyondWorkerConnectionsAreClosed) {
  TestPrefix prefix({.workers = 1, .daemon = true, .extra_main_directives = {}});
  std::string conf = prefix.conf_text("", 1);
  conf.replace(conf.find("worker_connections 1024"), 23, "worker_connections 1");
  prefix.write_conf(conf);
  Generation generation;
  ASSERT_TRUE(start_serving(prefix, 1, generation));
  httplib::Client kept("127.0.0.1", prefix.port());
  kept.set_keep_alive(true);
  ASSERT_TRUE(kept.Get("/")) << "the first connection is served and kept open";
  HttpReply second = http_get(prefix.port(), "/");
  EXPECT_EQ(second.status, 0) << "the second connection is closed unanswered";
  EXPECT_TRUE(wait_for_log(prefix, "[alert] " + std::to_string(generation.workers[0]) + "#" +
                                       std::to_string(generation.workers[0]) +
                                       ": 1 worker_connections are not enough"));
}

TEST_F(FakeNginxControl, InvalidNginxVariableIsReportedAndMeansInherited) {
  TestPrefix prefix({.workers = 1, .daemon = true, .extra_main_directives = {}});
  pid_t started = start_command({prefix.binary(), "-p", prefix.dir()}, {"NGINX=x;"});
  pid_t master = 0;
  ASSERT_TRUE(wait_for_pid_file(prefix.pid_file(), std::nullopt, master));
  EXPECT_EQ(master, started) << "inherited: not daemonized, so the started process is the master";
  EXPECT_TRUE(wait_for_log(prefix, "using inherited sockets from \"x;\""));
  EXPECT_TRUE(wait_for_log(prefix,
                           "invalid socket number \"x;\" in NGINX environment variable, ignoring the "
                           "rest of the variable"));
  std::vector<pid_t> workers;
  ASSERT_TRUE(wait_for_workers(master, 1, workers));
  EXPECT_TRUE(wait_for_serving_workers(prefix.port(), workers)) << "it bound the address itself";
}

}  // namespace
}  // namespace hotdeploy::fakes::testing
