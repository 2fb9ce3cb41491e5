// Runs the hotdeploy executable as a user would and interrupts it under load: after SIGINT or
// SIGTERM it must end every process of the run, still write the history, and exit 128 + the
// signal; after SIGKILL (where it may run its runs in a PID namespace, as root) no process of the
// run may survive either. Processes are found and checked from outside, by host pid.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <thread>

#include "orchestrator/cli.h"
#include "orchestrator/run_test_support.h"
#include "orchestrator/sha256.h"

namespace hotdeploy::orchestrator {
namespace {

using namespace std::chrono_literals;

// Owns a started hotdeploy: if a test ends before reaping it, SIGTERM (which ends its run and
// every process of it) and, past 15 s, SIGKILL.
class HotdeployProcess {
 public:
  explicit HotdeployProcess(pid_t pid) : pid_(pid) {}
  ~HotdeployProcess() {
    if (reaped_) return;
    ::kill(pid_, SIGTERM);
    if (!wait_for_exit(15s)) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  HotdeployProcess(const HotdeployProcess&) = delete;
  HotdeployProcess& operator=(const HotdeployProcess&) = delete;

  [[nodiscard]] pid_t pid() const { return pid_; }
  // The exit status (128 + signal if killed), or nullopt if it is still running at the deadline.
  std::optional<int> wait_for_exit(std::chrono::milliseconds deadline) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < until) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        reaped_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(5ms);
    }
    return std::nullopt;
  }

 private:
  pid_t pid_;
  bool reaped_ = false;
};

pid_t start_hotdeploy(const std::filesystem::path& scenario, const std::filesystem::path& out) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int log = ::open((out / "hotdeploy.output").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(log, STDOUT_FILENO);
    ::dup2(log, STDERR_FILENO);
    ::execl(HOTDEPLOY_PATH, HOTDEPLOY_PATH, "run", scenario.c_str(), "--out", out.c_str(), "--fake-nginx",
            FAKE_NGINX_PATH, static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

bool wait_for_text(const std::filesystem::path& path, const std::string& text, std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    std::ifstream in(path);
    const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (content.find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(5ms);
  }
  return false;
}

class InterruptedRun : public ::testing::TestWithParam<int> {};

TEST_P(InterruptedRun, EndsEveryProcessOfTheRunAndExitsWithTheSignal) {
  const int signal_number = GetParam();
  const auto dir = make_test_directory("interrupted-" + std::to_string(signal_number));
  const auto scenario = dir / "long.yaml";
  std::ofstream(scenario) << "name: long\nload: {keepalive: {connections: 4}}\nsteps:\n  - sleep: 60s\n";
  HotdeployProcess hotdeploy(start_hotdeploy(scenario, dir));
  ASSERT_TRUE(wait_for_text(dir / "long" / "hotdeploy.log", "step: sleep 60s", 10s))
      << "the run never reached its sleep step (target serving, load running)";
  const auto pids = host_pids_of_run(dir);
  ASSERT_GE(pids.size(), 3u) << "expected a master and two workers of the run";
  ASSERT_EQ(::kill(hotdeploy.pid(), signal_number), 0);
  const auto code = hotdeploy.wait_for_exit(15s);
  ASSERT_TRUE(code.has_value()) << "hotdeploy did not exit within 15 s of signal " << signal_number;
  EXPECT_EQ(*code, 128 + signal_number);
  EXPECT_EQ(still_running_after(pids, 2s), std::vector<pid_t>{});
  if (signal_number != SIGKILL) {
    std::ifstream history(dir / "long" / "history.jsonl");
    const std::string text((std::istreambuf_iterator<char>(history)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("\"type\":\"request_ended\""), std::string::npos) << "the load never ran";
  }
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Signals, InterruptedRun, ::testing::Values(SIGINT, SIGTERM, SIGKILL),
                         [](const auto& info) {
                           return std::string(info.param == SIGINT ? "SIGINT" : info.param == SIGTERM ? "SIGTERM" : "SIGKILL");
                         });

}  // namespace
}  // namespace hotdeploy::orchestrator

namespace hotdeploy::orchestrator {
namespace {

// Two runs at once (--jobs 2) never collide: each has its own port, prefix and pid files, both
// pass, the summary and the JUnit file name both, and `check` re-judges a saved run the same way.
TEST(ParallelRuns, TwoUpgradesAtOnceBothPassAndCheckAgrees) {
  const auto dir = make_test_directory("parallel");
  for (const char* name : {"first", "second"}) {
    std::ofstream(dir / (std::string(name) + ".yaml"))
        << "name: " << name << "\nload: {keepalive: {connections: 8}, rate: {per_second: 200}}\n"
        << "steps:\n  - sleep: 200ms\n  - upgrade: {}\n  - sleep: 300ms\nexpect: {dropped: 0, served_by_at_end: new}\n";
  }
  const auto out = dir / "runs";
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int log = ::open((dir / "output").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(log, STDOUT_FILENO);
    ::dup2(log, STDERR_FILENO);
    ::execl(HOTDEPLOY_PATH, HOTDEPLOY_PATH, "run", (dir / "first.yaml").c_str(), (dir / "second.yaml").c_str(),
            "--jobs", "2", "--out", out.c_str(), "--junit", (dir / "junit.xml").c_str(), "--fake-nginx",
            FAKE_NGINX_PATH, "-q", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  HotdeployProcess hotdeploy(pid);
  const auto code = hotdeploy.wait_for_exit(60s);
  std::ifstream output_file(dir / "output");
  const std::string output((std::istreambuf_iterator<char>(output_file)), std::istreambuf_iterator<char>());
  ASSERT_TRUE(code.has_value()) << output;
  EXPECT_EQ(*code, 0) << output;
  EXPECT_NE(output.find("PASS first:"), std::string::npos) << output;
  EXPECT_NE(output.find("PASS second:"), std::string::npos) << output;
  EXPECT_NE(output.find("runs: 2 passed, 0 failed"), std::string::npos) << output;
  std::ifstream junit(dir / "junit.xml");
  const std::string xml((std::istreambuf_iterator<char>(junit)), std::istreambuf_iterator<char>());
  EXPECT_NE(xml.find("name=\"first\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("name=\"second\""), std::string::npos) << xml;
  std::ostringstream check_out;
  std::ostringstream check_err;
  EXPECT_EQ(run_cli({"check", (out / "first").string()}, check_out, check_err), exit_pass) << check_err.str();
  EXPECT_EQ(check_out.str().rfind("PASS first:", 0), 0u) << check_out.str();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hotdeploy::orchestrator

namespace hotdeploy::orchestrator {
namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Starts `hotdeploy ARGS... --fake-nginx FAKE` with stdout and stderr in dir/stdout and dir/stderr.
pid_t start_hotdeploy_with(const std::filesystem::path& dir, std::vector<std::string> args) {
  args.insert(args.begin(), HOTDEPLOY_PATH);
  args.emplace_back("--fake-nginx");
  args.emplace_back(FAKE_NGINX_PATH);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int out = ::open((dir / "stdout").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = ::open((dir / "stderr").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(err, STDERR_FILENO);
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    ::execv(HOTDEPLOY_PATH, argv.data());
    ::_exit(127);
  }
  return pid;
}

// Issue 21.5 and 21.7: a first master that dies at start ends the start wait at once (not after
// its 10 s timeout) with its exit status; the verdict is on stdout, the log lines on stderr.
TEST(CliProcess, AMasterThatDiesAtStartEndsTheWaitAtOnceAndLogsGoToStderr) {
  const auto dir = make_test_directory("cli-dies-at-start");
  std::ofstream(dir / "dies.yaml") << "name: dies\ntarget: {faults: {old: [crash_on_start]}}\nsteps:\n  - sleep: 1s\n";
  const auto started = std::chrono::steady_clock::now();
  HotdeployProcess hotdeploy(start_hotdeploy_with(dir, {"run", (dir / "dies.yaml").string(), "--out", (dir / "runs").string()}));
  const auto code = hotdeploy.wait_for_exit(30s);
  const auto took = std::chrono::steady_clock::now() - started;
  const auto out = read_file(dir / "stdout");
  const auto err = read_file(dir / "stderr");
  ASSERT_TRUE(code.has_value()) << out << err;
  EXPECT_EQ(*code, exit_fail) << out << err;
  EXPECT_LT(took, 8s) << "the start wait (10 s) was waited out:\n" << out;
  EXPECT_NE(out.find("FAIL dies:"), std::string::npos) << out;
  EXPECT_NE(out.find("  run_errors: run_error: wait serving of old ended: "), std::string::npos) << out;
  EXPECT_NE(out.find("exited with status"), std::string::npos) << out;
  EXPECT_EQ(out.find("[hotdeploy]"), std::string::npos) << "a log line on stdout:\n" << out;
  EXPECT_NE(err.find("[hotdeploy] [info] run dies of "), std::string::npos) << err;
  std::filesystem::remove_all(dir);
}

// Issue 21.7: -q leaves verdicts and errors; an expected warning (a WINCH that nginx with
// `daemon off` ignores, which the scenario expects) is not printed.
TEST(CliProcess, QuietPrintsNoExpectedWarning) {
  const auto dir = make_test_directory("cli-quiet");
  std::ofstream(dir / "winch.yaml") << "name: winch\ntarget: {daemon: false}\nload: {keepalive: {connections: 2}}\n"
                                    << "steps:\n  - sleep: 200ms\n  - signal: {send: WINCH, to: old}\n  - sleep: 500ms\n"
                                    << "expect: {no_effect: [\"WINCH to generation 1\"]}\n";
  HotdeployProcess hotdeploy(start_hotdeploy_with(dir, {"run", (dir / "winch.yaml").string(), "--out", (dir / "runs").string(), "-q"}));
  const auto code = hotdeploy.wait_for_exit(30s);
  const auto out = read_file(dir / "stdout");
  const auto err = read_file(dir / "stderr");
  ASSERT_TRUE(code.has_value()) << out << err;
  EXPECT_EQ(*code, exit_pass) << out << err;
  EXPECT_NE(out.find("PASS winch:"), std::string::npos) << out;
  EXPECT_EQ(out.find("[hotdeploy]"), std::string::npos) << out;
  EXPECT_EQ(err, "");
  std::filesystem::remove_all(dir);
}

// Issue 21.2: --repeat gives distinct testcase names, classname names the target, and the
// binaries' checksums are those of the copies that ran.
TEST(CliProcess, JunitAndResultNameTheTargetAndTheBinariesOfEveryRun) {
  const auto dir = make_test_directory("cli-what-ran");
  std::ofstream(dir / "up.yaml") << "name: up\nload: {keepalive: {connections: 2}}\nsteps:\n  - upgrade: {}\n";
  HotdeployProcess hotdeploy(start_hotdeploy_with(
      dir, {"run", (dir / "up.yaml").string(), "--repeat=2", "--out", (dir / "runs").string(), "--junit",
            (dir / "junit.xml").string(), "-q"}));
  const auto code = hotdeploy.wait_for_exit(60s);
  const auto out = read_file(dir / "stdout");
  ASSERT_TRUE(code.has_value()) << out;
  EXPECT_EQ(*code, exit_pass) << out << read_file(dir / "stderr");
  const auto xml = read_file(dir / "junit.xml");
  EXPECT_NE(xml.find("<testcase classname=\"hotdeploy.fake\" name=\"up#1\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<testcase classname=\"hotdeploy.fake\" name=\"up#2\""), std::string::npos) << xml;
  const auto installed_sha = sha256_file_hex(dir / "runs" / "up" / "1" / "prefix" / "sbin" / "nginx.old");
  EXPECT_NE(xml.find("<property name=\"binary.sha256\" value=\"" + installed_sha + "\"/>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<property name=\"new_binary.version\" value=\"nginx version: fake-nginx/2.0\"/>"),
            std::string::npos)
      << xml;
  const auto result = read_file(dir / "runs" / "up" / "1" / "result.json");
  EXPECT_NE(result.find("\"target\": \"fake\""), std::string::npos) << result;
  EXPECT_NE(result.find("\"sha256\": \"" + installed_sha + "\""), std::string::npos) << result;
  EXPECT_NE(out.find("PASS up#1: "), std::string::npos) << out;
  EXPECT_NE(out.find("\n  on fake: binary " + std::string(FAKE_NGINX_PATH) + " (nginx version: fake-nginx/1.0, sha256 " +
                     installed_sha.substr(0, 16) + ")"),
            std::string::npos)
      << out;
  std::ostringstream check_out;
  std::ostringstream check_err;
  EXPECT_EQ(run_cli({"check", (dir / "runs" / "up" / "2").string()}, check_out, check_err), exit_pass);
  EXPECT_NE(check_out.str().find("\n  on fake: binary "), std::string::npos) << check_out.str();
  std::filesystem::remove_all(dir);
}

// Issue 21.3: with --target nginx, a DIR's fake-only scenarios are skipped (and say why in
// JUnit) while the rest run.
TEST(CliProcess, TargetNginxSkipsTheFakeOnlyScenariosOfADirectory) {
  if (!std::filesystem::exists("/usr/sbin/nginx")) GTEST_SKIP() << "no /usr/sbin/nginx here";
  const auto dir = make_test_directory("cli-skip-fake-only");
  std::filesystem::create_directories(dir / "library");
  std::ofstream(dir / "library" / "faulty.yaml") << "name: faulty\ntarget: {faults: {new: [crash_on_start]}}\nsteps: []\n";
  std::ofstream(dir / "library" / "plain.yaml")
      << "name: plain\nload: {keepalive: {connections: 2}}\nsteps:\n  - sleep: 200ms\n";
  HotdeployProcess hotdeploy(start_hotdeploy_with(
      dir, {"run", (dir / "library").string(), "--target", "nginx", "--out", (dir / "runs").string(), "--junit",
            (dir / "junit.xml").string(), "-q"}));
  const auto code = hotdeploy.wait_for_exit(60s);
  const auto out = read_file(dir / "stdout");
  ASSERT_TRUE(code.has_value()) << out;
  EXPECT_EQ(*code, exit_pass) << out << read_file(dir / "stderr");
  EXPECT_NE(out.find("PASS plain:"), std::string::npos) << out;
  EXPECT_NE(out.find("runs: 1 passed, 0 failed, 1 not run"), std::string::npos) << out;
  const auto xml = read_file(dir / "junit.xml");
  EXPECT_NE(xml.find("<testcase classname=\"hotdeploy.nginx\" name=\"faulty\" time=\"0.000\">"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<skipped message=\"fake-only: its binaries carry fake-nginx faults"), std::string::npos) << xml;
  std::filesystem::remove_all(dir);
}

// Issue 21.8: Ctrl-C of a parallel batch is neither pass nor fail: the runs it cut short show as
// interrupted, the ones it never started are listed, and JUnit marks all of them skipped.
TEST(CliProcess, AnInterruptedBatchShowsInterruptedAndListsWhatDidNotRun) {
  const auto dir = make_test_directory("cli-interrupted-batch");
  std::filesystem::create_directories(dir / "library");
  for (const char* name : {"a", "b", "c"}) {
    std::ofstream(dir / "library" / (std::string(name) + ".yaml"))
        << "name: " << name << "\nload: {keepalive: {connections: 2}}\nsteps:\n  - sleep: 60s\n";
  }
  HotdeployProcess hotdeploy(start_hotdeploy_with(
      dir, {"run", (dir / "library").string(), "--jobs", "2", "--out", (dir / "runs").string(), "--junit",
            (dir / "junit.xml").string()}));
  ASSERT_TRUE(wait_for_text(dir / "runs" / "a" / "hotdeploy.log", "step: sleep 60s", 20s));
  ASSERT_TRUE(wait_for_text(dir / "runs" / "b" / "hotdeploy.log", "step: sleep 60s", 20s));
  ASSERT_EQ(::kill(hotdeploy.pid(), SIGINT), 0);
  const auto code = hotdeploy.wait_for_exit(30s);
  const auto out = read_file(dir / "stdout");
  ASSERT_TRUE(code.has_value()) << out;
  EXPECT_EQ(*code, 128 + SIGINT) << out;
  EXPECT_NE(out.find("INTERRUPTED a (interrupted by signal 2; not judged)"), std::string::npos) << out;
  EXPECT_EQ(out.find("PASS "), std::string::npos) << out;
  EXPECT_EQ(out.find("FAIL "), std::string::npos) << out;
  EXPECT_NE(out.find("\nc         not run      interrupted by signal 2 before it started\n"), std::string::npos) << out;
  EXPECT_NE(out.find("runs: 0 passed, 0 failed, 1 not run, 2 interrupted"), std::string::npos) << out;
  const auto xml = read_file(dir / "junit.xml");
  EXPECT_NE(xml.find("failures=\"0\" errors=\"0\" skipped=\"3\""), std::string::npos) << xml;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hotdeploy::orchestrator
