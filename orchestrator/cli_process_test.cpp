// Runs the hotdeploy executable as a user would, as root and as nobody (with and without user
// namespaces), and interrupts it under load: after SIGINT, SIGTERM or SIGKILL it must end every
// process of the run, still write the history, and exit 128 + the signal. Processes are found and
// checked from outside, by host pid. Also: runs in network namespaces of their own (the same port
// at once, sysctls that stay theirs) and --require-isolation.
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <thread>
#include <tuple>

#include "orchestrator/cli.h"
#include "orchestrator/run_test_support.h"
#include "orchestrator/sha256.h"

namespace hotdeploy::orchestrator {
namespace {

using namespace std::chrono_literals;

// How long a test waits for a run to get somewhere by itself (reach a step, or end): only a guard
// against a hang, under the tests' 120 s CTest timeout; a sanitized build on a busy machine takes
// many times a plain build's time.
constexpr auto kRunProgress = 100s;

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

pid_t start_hotdeploy(const std::filesystem::path& scenario, const std::filesystem::path& out,
                      RunAs who = RunAs::test_user, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{"run", scenario.string(), "--out", out.string(), "--fake-nginx", FAKE_NGINX_PATH};
  args.insert(args.end(), extra.begin(), extra.end());
  return start_as(who, HOTDEPLOY_PATH, args, out / "hotdeploy.output");
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

::testing::AssertionResult wait_for_text(const std::filesystem::path& path, const std::string& text,
                                         std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  std::string content;
  while (std::chrono::steady_clock::now() < until) {
    content = read_text(path);
    if (content.find(text) != std::string::npos) return ::testing::AssertionSuccess();
    std::this_thread::sleep_for(5ms);
  }
  return ::testing::AssertionFailure() << "timed out after " << deadline.count() << " ms waiting for '" << text
                                       << "' in " << path.string() << "; last saw: '"
                                       << content.substr(content.size() > 2000 ? content.size() - 2000 : 0) << "'";
}

// Whether nobody may make a user namespace here (some distributions restrict it); asked of the
// kernel by a child that becomes nobody and tries.
bool nobody_may_make_user_namespaces() {
  const pid_t child = ::fork();
  if (child == 0) {
    const bool nobody = ::setgroups(0, nullptr) == 0 && ::setgid(65534) == 0 && ::setuid(65534) == 0;
    ::_exit(nobody && ::unshare(CLONE_NEWUSER) == 0 ? 0 : 1);
  }
  int status = 0;
  return child > 0 && ::waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// The isolation a run gets when started as `who` by a test run as root, and what result.json must
// then say; empty when the tests do not run as root (the test user's runs get what the machine
// allows).
std::string expected_isolation(RunAs who) {
  switch (who) {
    case RunAs::test_user: return ::geteuid() == 0 ? "pid_namespace" : "";
    case RunAs::nobody: return nobody_may_make_user_namespaces() ? "user_namespace" : "none";
    case RunAs::nobody_without_user_namespaces: return "none";
  }
  return "?";
}

bool skip_unless_root() { return ::geteuid() != 0; }

}  // namespace

void PrintTo(RunAs who, std::ostream* out) { *out << to_string(who); }

namespace {

class InterruptedRun : public ::testing::TestWithParam<std::tuple<int, RunAs>> {};

// Under load, SIGINT/SIGTERM of hotdeploy end the run through its handlers, SIGKILL through the
// run's parent-death signal; either way no process of the run is alive 2 s after hotdeploy
// exits, and the run still writes its history, result.json and the isolation it had.
TEST_P(InterruptedRun, EndsEveryProcessOfTheRunAndExitsWithTheSignal) {
  const auto [signal_number, who] = GetParam();
  if (who != RunAs::test_user && skip_unless_root()) GTEST_SKIP() << "starting hotdeploy as nobody needs root";
  const auto dir = make_test_directory("interrupted-" + std::to_string(signal_number) + "-" + to_string(who));
  const auto scenario = dir / "long.yaml";
  std::ofstream(scenario) << "name: long\nload: {keepalive: {connections: 4}}\nsteps:\n  - sleep: 60s\n";
  if (who != RunAs::test_user) give_to_nobody(dir);
  HotdeployProcess hotdeploy(start_hotdeploy(scenario, dir, who));
  ASSERT_TRUE(wait_for_text(dir / "long" / "hotdeploy.log", "step: sleep 60s", kRunProgress))
      << "the run never reached its sleep step (target serving, load running); hotdeploy said: "
      << read_text(dir / "hotdeploy.output");
  const auto pids = host_pids_of_run(dir);
  ASSERT_GE(pids.size(), 3u) << "expected a master and two workers of the run";
  ASSERT_EQ(::kill(hotdeploy.pid(), signal_number), 0);
  const auto code = hotdeploy.wait_for_exit(15s);
  ASSERT_TRUE(code.has_value()) << "hotdeploy did not exit within 15 s of signal " << signal_number;
  EXPECT_EQ(*code, 128 + signal_number);
  EXPECT_EQ(still_running_after(pids, 2s), std::vector<pid_t>{});
  ASSERT_TRUE(wait_for_text(dir / "long" / "result.json", "\"isolation\"", 10s))
      << "the run wrote no result.json after signal " << signal_number << " to hotdeploy";
  const auto result = read_text(dir / "long" / "result.json");
  EXPECT_NE(result.find("\"isolation\": \"" + expected_isolation(who)), std::string::npos) << result;
  if (who == RunAs::nobody_without_user_namespaces) {
    EXPECT_NE(result.find("PID namespace: Operation not permitted; user namespace: No space left on device"),
              std::string::npos)
        << result;
  }
  EXPECT_NE(read_text(dir / "long" / "history.jsonl").find("\"type\":\"request_ended\""), std::string::npos)
      << "the load never ran";
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Signals, InterruptedRun,
                         ::testing::Combine(::testing::Values(SIGINT, SIGTERM, SIGKILL),
                                            ::testing::Values(RunAs::test_user, RunAs::nobody,
                                                              RunAs::nobody_without_user_namespaces)),
                         [](const auto& info) {
                           const int signal_number = std::get<0>(info.param);
                           return std::string(signal_number == SIGINT    ? "SIGINT"
                                              : signal_number == SIGTERM ? "SIGTERM"
                                                                         : "SIGKILL") +
                                  "_" + to_string(std::get<1>(info.param));
                         });

// Where hotdeploy would get no PID namespace, --require-isolation refuses to run at all, with one
// message that names what the kernel refused, before making any run directory.
TEST(RequireIsolation, WithoutAnyNamespaceExitsThreeNamingWhatWasRefused) {
  if (skip_unless_root()) GTEST_SKIP() << "starting hotdeploy as nobody needs root";
  const auto dir = make_test_directory("require-isolation");
  std::ofstream(dir / "s.yaml") << "name: s\nsteps:\n  - sleep: 100ms\n";
  give_to_nobody(dir);
  HotdeployProcess hotdeploy(
      start_hotdeploy(dir / "s.yaml", dir, RunAs::nobody_without_user_namespaces, {"--require-isolation"}));
  const auto code = hotdeploy.wait_for_exit(15s);
  const auto output = read_text(dir / "hotdeploy.output");
  ASSERT_TRUE(code.has_value()) << output;
  EXPECT_EQ(*code, kExitEnvironment) << output;
  EXPECT_EQ(output,
            "hotdeploy: --require-isolation: the run would get no PID namespace (PID namespace: Operation not "
            "permitted; user namespace: No space left on device); it would rely on subreaping and cleanup only\n");
  EXPECT_FALSE(std::filesystem::exists(dir / "s")) << "a run directory was made for a run that never started";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hotdeploy::orchestrator

namespace hotdeploy::orchestrator {
namespace {

// Two runs at once (--jobs 2) never collide: each has its own port, prefix and pid files (as root,
// its own network namespace, where both listen on 127.0.0.1:8080), both pass, the summary and the
// JUnit file name both, and `check` re-judges a saved run the same way.
TEST(ParallelRuns, TwoUpgradesAtOnceBothPassAndCheckAgrees) {
  const auto dir = make_test_directory("parallel");
  for (const char* name : {"first", "second"}) {
    std::ofstream(dir / (std::string(name) + ".yaml"))
        << "name: " << name << "\nload: {keepalive: {connections: 8}, rate: {per_second: 200}}\n"
        << "steps:\n  - sleep: 200ms\n  - upgrade: {}\n  - sleep: 300ms\nexpect: {dropped: 0, served_by_at_end: new}\n";
  }
  const auto out = dir / "runs";
  HotdeployProcess hotdeploy(
      start_as(RunAs::test_user, HOTDEPLOY_PATH,
               {"run", (dir / "first.yaml").string(), (dir / "second.yaml").string(), "--jobs", "2", "--out",
                out.string(), "--junit", (dir / "junit.xml").string(), "--fake-nginx", FAKE_NGINX_PATH},
               dir / "output"));
  const auto code = hotdeploy.wait_for_exit(kRunProgress);
  const auto output = read_text(dir / "output");
  ASSERT_TRUE(code.has_value()) << output;
  EXPECT_EQ(*code, 0) << output;
  EXPECT_NE(output.find("PASS first:"), std::string::npos) << output;
  EXPECT_NE(output.find("PASS second:"), std::string::npos) << output;
  EXPECT_NE(output.find("runs: 2 passed, 0 failed"), std::string::npos) << output;
  const auto xml = read_text(dir / "junit.xml");
  EXPECT_NE(xml.find("name=\"first\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("name=\"second\""), std::string::npos) << xml;
  if (!skip_unless_root()) {
    for (const char* name : {"first", "second"}) {
      EXPECT_NE(read_text(out / name / "hotdeploy.log").find("on 127.0.0.1:8080"), std::string::npos) << name;
      EXPECT_NE(read_text(out / name / "result.json").find("\"network_namespace\": true"), std::string::npos) << name;
    }
  }
  std::ostringstream check_out;
  std::ostringstream check_err;
  EXPECT_EQ(run_cli({"check", (out / "first").string()}, check_out, check_err), kExitPass) << check_err.str();
  EXPECT_EQ(check_out.str().rfind("PASS first:", 0), 0u) << check_out.str();
  EXPECT_NE(read_text(out / "first" / "result.json").find("\"isolation\""), std::string::npos)
      << "check dropped the run's isolation from result.json";
  std::filesystem::remove_all(dir);
}

// A run in its own network namespace samples the kernel's TCP counters at the start, before each
// step and at the end, and result.json carries their rise: the load's connections were accepted
// in that namespace, so TcpPassiveOpens rose.
TEST(RunKernelCounters, ANamespacedRunRecordsTheKernelsCountersInItsHistoryAndResult) {
  if (skip_unless_root()) GTEST_SKIP() << "a network namespace per run needs root";
  const auto dir = make_test_directory("kernel-counters");
  std::ofstream(dir / "counters.yaml") << "name: counters\nload: {keepalive: {connections: 4}}\n"
                                       << "steps:\n  - sleep: 200ms\n  - signal: {send: HUP, to: old}\n"
                                       << "  - sleep: 200ms\n";
  HotdeployProcess hotdeploy(start_hotdeploy(dir / "counters.yaml", dir, RunAs::test_user, {"--require-isolation"}));
  const auto code = hotdeploy.wait_for_exit(kRunProgress);
  ASSERT_TRUE(code.has_value()) << read_text(dir / "hotdeploy.output");
  EXPECT_EQ(*code, 0) << read_text(dir / "hotdeploy.output");
  const auto history = read_text(dir / "counters" / "history.jsonl");
  for (const char* when : {"\"text\":\"start\"", "\"text\":\"before step 1: sleep 200ms\"",
                           "\"text\":\"before step 3: sleep 200ms\"", "\"text\":\"end\""}) {
    EXPECT_NE(history.find(std::string("\"type\":\"kernel_counters\",") + when), std::string::npos) << when;
  }
  const auto result = read_text(dir / "counters" / "result.json");
  EXPECT_NE(result.find("\"kernel_counters\": {\n      \"samples\": 5,"), std::string::npos) << result;
  const auto passive = result.find("\"TcpPassiveOpens\": ");
  ASSERT_NE(passive, std::string::npos) << result;
  EXPECT_GE(std::stoll(result.substr(passive + std::string("\"TcpPassiveOpens\": ").size())), 4) << result;
  EXPECT_EQ(result.find("kernel_counters_missing"), std::string::npos) << result;
  std::filesystem::remove_all(dir);
}

// target.sysctls are set in the run's own network namespace: the run reads back its values, while
// the host's stay as they were during the run and after it. As nobody, in a user namespace, too;
// --require-isolation lets both run.
class RunSysctls : public ::testing::TestWithParam<RunAs> {};

TEST_P(RunSysctls, AreTheRunsOwnAndLeaveTheHostsAlone) {
  if (skip_unless_root()) GTEST_SKIP() << "a network namespace per run needs root (or, as nobody, a test run as root)";
  if (GetParam() == RunAs::nobody && !nobody_may_make_user_namespaces()) {
    GTEST_SKIP() << "the kernel refuses nobody a user namespace here";
  }
  const auto dir = make_test_directory("sysctls-" + to_string(GetParam()));
  const std::string host_somaxconn = read_text("/proc/sys/net/core/somaxconn");
  const std::string host_migrate = read_text("/proc/sys/net/ipv4/tcp_migrate_req");
  const std::string inside_somaxconn = host_somaxconn == "64\n" ? "65" : "64";
  const std::string inside_migrate = host_migrate == "1\n" ? "0" : "1";
  std::ofstream(dir / "sysctls.yaml") << "name: sysctls\ntarget:\n  sysctls:\n    net.core.somaxconn: "
                                      << inside_somaxconn << "\n    net.ipv4.tcp_migrate_req: " << inside_migrate
                                      << "\nload: {keepalive: {connections: 4}}\nsteps:\n  - sleep: 60s\n";
  if (GetParam() != RunAs::test_user) give_to_nobody(dir);
  HotdeployProcess hotdeploy(start_hotdeploy(dir / "sysctls.yaml", dir, GetParam(), {"--require-isolation"}));
  const auto log = dir / "sysctls" / "hotdeploy.log";
  ASSERT_TRUE(wait_for_text(log, "step: sleep 60s", kRunProgress)) << read_text(dir / "hotdeploy.output");
  const auto said = read_text(log);
  EXPECT_NE(said.find("sysctl net.core.somaxconn = " + inside_somaxconn + " in the run's network namespace"),
            std::string::npos)
      << said;
  EXPECT_NE(said.find("sysctl net.ipv4.tcp_migrate_req = " + inside_migrate + " in the run's network namespace"),
            std::string::npos)
      << said;
  EXPECT_EQ(read_text("/proc/sys/net/core/somaxconn"), host_somaxconn) << "during the run";
  EXPECT_EQ(read_text("/proc/sys/net/ipv4/tcp_migrate_req"), host_migrate) << "during the run";
  ASSERT_EQ(::kill(hotdeploy.pid(), SIGTERM), 0);
  ASSERT_TRUE(hotdeploy.wait_for_exit(15s).has_value());
  EXPECT_EQ(read_text("/proc/sys/net/core/somaxconn"), host_somaxconn) << "after the run";
  EXPECT_EQ(read_text("/proc/sys/net/ipv4/tcp_migrate_req"), host_migrate) << "after the run";
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(As, RunSysctls, ::testing::Values(RunAs::test_user, RunAs::nobody),
                         [](const auto& info) { return to_string(info.param); });

// A sysctl the kernel will not take is an environment error (exit 3) that names it; without a
// network namespace of its own a run refuses every sysctl rather than set the host's.
TEST(RunSysctlsRefused, AnUnknownKeyOrNoNetworkNamespaceIsExitThreeNamingTheKey) {
  if (skip_unless_root()) GTEST_SKIP() << "needs root";
  const auto dir = make_test_directory("sysctls-refused");
  std::ofstream(dir / "unknown.yaml") << "name: unknown\ntarget: {sysctls: {net.core.no_such_knob: 1}}\nsteps: []\n";
  std::ofstream(dir / "host.yaml") << "name: host\ntarget: {sysctls: {net.core.somaxconn: 64}}\nsteps: []\n";
  give_to_nobody(dir);
  {
    HotdeployProcess hotdeploy(start_hotdeploy(dir / "unknown.yaml", dir, RunAs::test_user, {"-q"}));
    const auto code = hotdeploy.wait_for_exit(15s);
    const auto output = read_text(dir / "hotdeploy.output");
    ASSERT_TRUE(code.has_value()) << output;
    EXPECT_EQ(*code, kExitEnvironment) << output;
    EXPECT_NE(output.find("hotdeploy: target.sysctls: cannot set net.core.no_such_knob to 1 in the run's network "
                          "namespace (/proc/sys/net/core/no_such_knob): No such file or directory"),
              std::string::npos)
        << output;
  }
  HotdeployProcess hotdeploy(start_hotdeploy(dir / "host.yaml", dir, RunAs::nobody_without_user_namespaces, {"-q"}));
  const auto code = hotdeploy.wait_for_exit(15s);
  const auto output = read_text(dir / "hotdeploy.output");
  ASSERT_TRUE(code.has_value()) << output;
  EXPECT_EQ(*code, kExitEnvironment) << output;
  EXPECT_NE(output.find("hotdeploy: target.sysctls (net.core.somaxconn, ...) need the run's own network namespace, "
                        "which it did not get (PID namespace: Operation not permitted; user namespace: No space left "
                        "on device)"),
            std::string::npos)
      << output;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hotdeploy::orchestrator

namespace hotdeploy::orchestrator {
namespace {

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

// Issue 21.5 and 21.7: a first master that dies at start ends the start wait with its exit status
// (the run error says the wait ended and how the master exited, not that it timed out after 10 s);
// the verdict is on stdout, the log lines on stderr.
TEST(CliProcess, AMasterThatDiesAtStartEndsTheWaitAtOnceAndLogsGoToStderr) {
  const auto dir = make_test_directory("cli-dies-at-start");
  std::ofstream(dir / "dies.yaml") << "name: dies\ntarget: {faults: {old: [crash_on_start]}}\nsteps:\n  - sleep: 1s\n";
  HotdeployProcess hotdeploy(
      start_hotdeploy_with(dir, {"run", (dir / "dies.yaml").string(), "--out", (dir / "runs").string()}));
  const auto code = hotdeploy.wait_for_exit(kRunProgress);
  const auto out = read_text(dir / "stdout");
  const auto err = read_text(dir / "stderr");
  ASSERT_TRUE(code.has_value()) << out << err;
  EXPECT_EQ(*code, kExitFail) << out << err;
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
  std::ofstream(dir / "winch.yaml")
      << "name: winch\ntarget: {daemon: false}\nload: {keepalive: {connections: 2}}\n"
      << "steps:\n  - sleep: 200ms\n  - signal: {send: WINCH, to: old}\n  - sleep: 500ms\n"
      << "expect: {no_effect: [\"WINCH to generation 1\"]}\n";
  HotdeployProcess hotdeploy(
      start_hotdeploy_with(dir, {"run", (dir / "winch.yaml").string(), "--out", (dir / "runs").string(), "-q"}));
  const auto code = hotdeploy.wait_for_exit(kRunProgress);
  const auto out = read_text(dir / "stdout");
  const auto err = read_text(dir / "stderr");
  ASSERT_TRUE(code.has_value()) << out << err;
  EXPECT_EQ(*code, kExitPass) << out << err;
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
  HotdeployProcess hotdeploy(
      start_hotdeploy_with(dir, {"run", (dir / "up.yaml").string(), "--repeat=2", "--out", (dir / "runs").string(),
                                 "--junit", (dir / "junit.xml").string(), "-q"}));
  const auto code = hotdeploy.wait_for_exit(kRunProgress);
  const auto out = read_text(dir / "stdout");
  ASSERT_TRUE(code.has_value()) << out;
  EXPECT_EQ(*code, kExitPass) << out << read_text(dir / "stderr");
  const auto xml = read_text(dir / "junit.xml");
  EXPECT_NE(xml.find("<testcase classname=\"hotdeploy.fake\" name=\"up#1\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<testcase classname=\"hotdeploy.fake\" name=\"up#2\""), std::string::npos) << xml;
  const auto installed_sha = sha256_file_hex(dir / "runs" / "up" / "1" / "prefix" / "sbin" / "nginx.old");
  EXPECT_NE(xml.find("<property name=\"binary.sha256\" value=\"" + installed_sha + "\"/>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<property name=\"new_binary.version\" value=\"nginx version: fake-nginx/2.0\"/>"),
            std::string::npos)
      << xml;
  const auto result = read_text(dir / "runs" / "up" / "1" / "result.json");
  EXPECT_NE(result.find("\"target\": \"fake\""), std::string::npos) << result;
  EXPECT_NE(result.find("\"sha256\": \"" + installed_sha + "\""), std::string::npos) << result;
  EXPECT_NE(out.find("PASS up#1: "), std::string::npos) << out;
  EXPECT_NE(out.find("\n  on fake: binary " + std::string(FAKE_NGINX_PATH) +
                     " (nginx version: fake-nginx/1.0, sha256 " + installed_sha.substr(0, 16) + ")"),
            std::string::npos)
      << out;
  std::ostringstream check_out;
  std::ostringstream check_err;
  EXPECT_EQ(run_cli({"check", (dir / "runs" / "up" / "2").string()}, check_out, check_err), kExitPass);
  EXPECT_NE(check_out.str().find("\n  on fake: binary "), std::string::npos) << check_out.str();
  std::filesystem::remove_all(dir);
}

// Issue 21.3: with --target nginx, a DIR's fake-only scenarios are skipped (and say why in
// JUnit) while the rest run.
TEST(CliProcess, TargetNginxSkipsTheFakeOnlyScenariosOfADirectory) {
  if (!std::filesystem::exists("/usr/sbin/nginx")) GTEST_SKIP() << "no /usr/sbin/nginx here";
  const auto dir = make_test_directory("cli-skip-fake-only");
  std::filesystem::create_directories(dir / "library");
  std::ofstream(dir / "library" / "faulty.yaml")
      << "name: faulty\ntarget: {faults: {new: [crash_on_start]}}\nsteps: []\n";
  std::ofstream(dir / "library" / "plain.yaml")
      << "name: plain\nload: {keepalive: {connections: 2}}\nsteps:\n  - sleep: 200ms\n";
  HotdeployProcess hotdeploy(
      start_hotdeploy_with(dir, {"run", (dir / "library").string(), "--target", "nginx", "--out",
                                 (dir / "runs").string(), "--junit", (dir / "junit.xml").string(), "-q"}));
  const auto code = hotdeploy.wait_for_exit(kRunProgress);
  const auto out = read_text(dir / "stdout");
  ASSERT_TRUE(code.has_value()) << out;
  EXPECT_EQ(*code, kExitPass) << out << read_text(dir / "stderr");
  EXPECT_NE(out.find("PASS plain:"), std::string::npos) << out;
  EXPECT_NE(out.find("runs: 1 passed, 0 failed, 1 not run"), std::string::npos) << out;
  const auto xml = read_text(dir / "junit.xml");
  EXPECT_NE(xml.find("<testcase classname=\"hotdeploy.nginx\" name=\"faulty\" time=\"0.000\">"), std::string::npos)
      << xml;
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
  HotdeployProcess hotdeploy(
      start_hotdeploy_with(dir, {"run", (dir / "library").string(), "--jobs", "2", "--out", (dir / "runs").string(),
                                 "--junit", (dir / "junit.xml").string()}));
  ASSERT_TRUE(wait_for_text(dir / "runs" / "a" / "hotdeploy.log", "step: sleep 60s", kRunProgress));
  ASSERT_TRUE(wait_for_text(dir / "runs" / "b" / "hotdeploy.log", "step: sleep 60s", kRunProgress));
  ASSERT_EQ(::kill(hotdeploy.pid(), SIGINT), 0);
  const auto code = hotdeploy.wait_for_exit(30s);
  const auto out = read_text(dir / "stdout");
  ASSERT_TRUE(code.has_value()) << out;
  EXPECT_EQ(*code, 128 + SIGINT) << out;
  EXPECT_NE(out.find("INTERRUPTED a (interrupted by signal 2; not judged)"), std::string::npos) << out;
  EXPECT_EQ(out.find("PASS "), std::string::npos) << out;
  EXPECT_EQ(out.find("FAIL "), std::string::npos) << out;
  EXPECT_NE(out.find("\nc         not run      interrupted by signal 2 before it started\n"), std::string::npos) << out;
  EXPECT_NE(out.find("runs: 0 passed, 0 failed, 1 not run, 2 interrupted"), std::string::npos) << out;
  const auto xml = read_text(dir / "junit.xml");
  EXPECT_NE(xml.find("failures=\"0\" errors=\"0\" skipped=\"3\""), std::string::npos) << xml;
  std::filesystem::remove_all(dir);
}

// A run process killed from outside (a crash, the OOM killer) while hotdeploy itself was not
// interrupted is an error of that run: never shown as interrupted, never skipped in JUnit.
TEST(CliProcess, ARunKilledFromOutsideIsAnErrorNotAnInterruption) {
  const auto dir = make_test_directory("cli-run-killed");
  std::ofstream(dir / "long.yaml") << "name: long\nload: {keepalive: {connections: 2}}\nsteps:\n  - sleep: 60s\n";
  HotdeployProcess hotdeploy(
      start_hotdeploy_with(dir, {"run", (dir / "long.yaml").string(), "--out", (dir / "runs").string(), "--junit",
                                 (dir / "junit.xml").string()}));
  ASSERT_TRUE(wait_for_text(dir / "runs" / "long" / "hotdeploy.log", "step: sleep 60s", kRunProgress));
  const auto children =
      read_text("/proc/" + std::to_string(hotdeploy.pid()) + "/task/" + std::to_string(hotdeploy.pid()) + "/children");
  const pid_t run = static_cast<pid_t>(std::atoi(children.c_str()));
  ASSERT_GT(run, 0) << "hotdeploy's children: '" << children << "'";
  ASSERT_EQ(::kill(run, SIGKILL), 0);
  const auto code = hotdeploy.wait_for_exit(30s);
  const auto out = read_text(dir / "stdout");
  ASSERT_TRUE(code.has_value()) << out;
  EXPECT_EQ(*code, 1) << out;
  EXPECT_EQ(out.find("INTERRUPTED"), std::string::npos) << out;
  EXPECT_NE(out.find("the run process was killed by signal 9"), std::string::npos) << out;
  const auto xml = read_text(dir / "junit.xml");
  EXPECT_NE(xml.find("skipped=\"0\""), std::string::npos) << xml;
  EXPECT_EQ(xml.find("skipped=\"1\""), std::string::npos) << xml;
  std::filesystem::remove_all(dir);
}

// A run directory's files that are corrupt are invalid input, as an invalid scenario is: `check`
// and `diff` exit 2 and name the file and the line.
TEST(CorruptRunFiles, CheckAndDiffExitTwoNamingTheFileAndLine) {
  const auto dir = make_test_directory("corrupt-run-files");
  const auto run = dir / "run";
  std::filesystem::create_directories(run);
  std::ofstream(run / "scenario.yaml") << "name: corrupt\nsteps:\n  - sleep: 1ms\n";
  const std::string good_line = R"({"i":0,"t_ns":5,"type":"steps_ended","text":"steps ended"})";
  std::ofstream(run / "history.jsonl") << good_line << "\n"
                                       << R"({"i":1,"t_ns":6,"type":"steps_ended","te)"
                                       << "\n";
  const auto hotdeploy = [&](const std::vector<std::string>& args) {
    HotdeployProcess process(start_as(RunAs::test_user, HOTDEPLOY_PATH, args, dir / "output"));
    const auto code = process.wait_for_exit(30s);
    return std::make_pair(code, read_text(dir / "output"));
  };
  const auto expect_invalid = [&](const std::vector<std::string>& args, const std::string& where) {
    const auto [code, output] = hotdeploy(args);
    ASSERT_TRUE(code.has_value()) << "hotdeploy " << args[0] << " still running after 30 s: " << output;
    EXPECT_EQ(*code, kExitUsage) << output;
    EXPECT_NE(output.find("hotdeploy: invalid input: " + where), std::string::npos) << output;
  };
  const std::string history = (run / "history.jsonl").string();
  expect_invalid({"check", run.string()}, history + ":2: ");
  expect_invalid({"diff", run.string(), run.string()}, history + ":2: ");

  std::ofstream(run / "history.jsonl") << good_line << "\n";
  std::ofstream(run / "binaries.json") << "{\n  \"target\": \"fake\",\n  \"binary.path\": 7\n}\n";
  const std::string binaries = (run / "binaries.json").string();
  expect_invalid({"check", run.string()}, binaries + ":3: \"binary.path\" is missing or not a string");
  std::ofstream(run / "binaries.json") << "{\n  \"target\": \"fake\",\n  \"binary.path\n";
  expect_invalid({"check", run.string()}, binaries + ":3: ");

  std::filesystem::remove(run / "binaries.json");
  std::ofstream(run / "isolation.json") << "{\"isolation\": \"none\",\n\"isolation_refused\": 1}";
  expect_invalid({"check", run.string()},
                 (run / "isolation.json").string() + ":2: 'isolation_refused' must be a string");

  // The same directory, repaired, is read again.
  std::filesystem::remove(run / "isolation.json");
  const auto [code, output] = hotdeploy({"check", run.string()});
  ASSERT_TRUE(code.has_value()) << output;
  EXPECT_EQ(output.find("invalid input"), std::string::npos) << output;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hotdeploy::orchestrator
