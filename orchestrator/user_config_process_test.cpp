// Runs the hotdeploy executable on a user's own nginx.conf (target.config) with Debian's nginx:
// two runs at once of a config with `listen 80` and absolute log, pid and temp paths, each in its
// own namespaces, as root and as nobody (user namespace); and bad input (a missing config, one
// nginx -t rejects, a machine without namespaces), each one clear error with its exit code and no
// process left behind.
#include <grp.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "orchestrator/cli.h"
#include "orchestrator/run_test_support.h"

namespace hotdeploy::orchestrator {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr const char* kRealNginx = "/usr/sbin/nginx";

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs hotdeploy as `who` to its end (SIGKILL past the deadline); returns its exit status and output.
std::pair<int, std::string> run_hotdeploy(RunAs who, const std::vector<std::string>& args, const fs::path& output,
                                          std::chrono::seconds deadline) {
  const pid_t pid = start_as(who, HOTDEPLOY_PATH, args, output);
  const auto until = std::chrono::steady_clock::now() + deadline;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) != pid) {
    if (std::chrono::steady_clock::now() > until) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return {-1, "hotdeploy did not end within " + std::to_string(deadline.count()) + " s: " + read_text(output)};
    }
    std::this_thread::sleep_for(10ms);
  }
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), read_text(output)};
}

// A deployment's config: port 80, Debian's absolute paths, its server in an included file.
void write_config(const fs::path& dir, const std::string& server_extra = "") {
  fs::create_directories(dir / "sites");
  std::ofstream(dir / "nginx.conf") << "worker_processes 2;\n"
                                       "pid /run/nginx.pid;\n"
                                       "error_log /var/log/nginx/error.log notice;\n"
                                       "events { worker_connections 512; }\n"
                                       "http {\n"
                                       "    access_log /var/log/nginx/access.log;\n"
                                       "    include sites/*.conf;\n"
                                       "}\n";
  std::ofstream(dir / "sites" / "site.conf") << "server {\n"
                                                "    listen 80;\n"
                                             << server_extra
                                             << "    location / { return 200 \"site\\n\"; }\n"
                                                "}\n";
}

void write_scenario(const fs::path& file, const std::string& name, const std::string& steps) {
  std::ofstream(file) << "name: " << name << "\ntarget: {kind: nginx, config: conf/nginx.conf}\n"
                      << "load: {keepalive: {connections: 8}, rate: {per_second: 200}}\n"
                      << "steps:\n"
                      << steps << "expect: {dropped: 0}\n";
}

std::string upgrade_steps() {
  return "  - wait: {until: serving, of: old, timeout: 5s}\n  - upgrade: {}\n  - sleep: 200ms\n";
}

::testing::AssertionResult nothing_left_of(const fs::path& dir) {
  const auto left = still_running_after(host_pids_of_run(dir), 2s);
  if (left.empty()) return ::testing::AssertionSuccess();
  auto failure = ::testing::AssertionFailure() << left.size() << " process(es) of " << dir.string() << " still run:";
  for (pid_t pid : left) failure << ' ' << pid;
  return failure;
}

bool real_nginx_missing() { return ::access(kRealNginx, X_OK) != 0; }

// Whether nobody may make a user namespace here (some distributions restrict it): without one, a
// run as nobody has no namespaces for target.config.
bool nobody_may_make_user_namespaces() {
  const pid_t child = ::fork();
  if (child == 0) {
    const bool nobody = ::setgroups(0, nullptr) == 0 && ::setgid(65534) == 0 && ::setuid(65534) == 0;
    ::_exit(nobody && ::unshare(CLONE_NEWUSER) == 0 ? 0 : 1);
  }
  int status = 0;
  return child > 0 && ::waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

class TwoRunsAtOnce : public ::testing::TestWithParam<RunAs> {};

// Both runs listen on port 80 and write /run/nginx.pid and /var/log/nginx/*.log, each in its own
// namespaces: both pass, each run directory holds its own logs, the config as run and the list
// of changes, and the host's files are untouched.
TEST_P(TwoRunsAtOnce, AConfigWithListen80AndAbsolutePathsRunsTwiceAtOnce) {
  if (::geteuid() != 0) GTEST_SKIP() << "starting hotdeploy as root and as nobody needs root";
  if (real_nginx_missing()) GTEST_SKIP() << kRealNginx << " is not installed";
  if (GetParam() == RunAs::nobody && !nobody_may_make_user_namespaces()) {
    GTEST_SKIP() << "nobody may not make user namespaces here";
  }
  const auto dir = make_test_directory("user-config-jobs");
  write_config(dir / "conf");
  write_scenario(dir / "first.yaml", "first", upgrade_steps());
  write_scenario(dir / "second.yaml", "second", upgrade_steps());
  if (GetParam() == RunAs::nobody) give_to_nobody(dir);
  struct stat host_log_before {};
  const bool host_log = ::stat("/var/log/nginx/error.log", &host_log_before) == 0;
  const bool host_pid_file = fs::exists("/run/nginx.pid");
  const auto out = dir / "runs";
  const auto [code, output] = run_hotdeploy(GetParam(),
                                            {"run", (dir / "first.yaml").string(), (dir / "second.yaml").string(),
                                             "--jobs", "2", "--out", out.string(), "--nginx", kRealNginx},
                                            dir / "output", 90s);
  EXPECT_EQ(code, 0) << output;
  EXPECT_NE(output.find("runs: 2 passed, 0 failed"), std::string::npos) << output;
  for (const char* name : {"first", "second"}) {
    const auto run = out / name;
    EXPECT_NE(read_text(run / "hotdeploy.log").find("on 127.0.0.1:80\n"), std::string::npos) << name;
    EXPECT_NE(read_text(run / "private/var/log/nginx/error.log").find("changing binary"), std::string::npos) << name;
    EXPECT_NE(read_text(run / "private/var/log/nginx/access.log").find("GET / HTTP/1.1\" 200"), std::string::npos)
        << name;
    const auto changes = read_text(run / "config-changes.txt");
    EXPECT_NE(
        changes.find((dir / "conf/nginx.conf").string() + ":5: http: added `add_header X-Worker-Pid $pid always;`"),
        std::string::npos)
        << changes;
    EXPECT_NE(changes.find("/var/log/nginx: a directory of the run's own"), std::string::npos) << changes;
    EXPECT_NE(changes.find("The default load goes to 127.0.0.1:80"), std::string::npos) << changes;
    EXPECT_NE(read_text(run / "config-as-run" / (dir / "conf/nginx.conf").relative_path())
                  .find("http { add_header X-Worker-Pid $pid always;\n"),
              std::string::npos);
    EXPECT_TRUE(nothing_left_of(run));
  }
  if (GetParam() == RunAs::nobody) {
    EXPECT_NE(read_text(out / "first" / "config-changes.txt").find("net.ipv4.ip_unprivileged_port_start = 0"),
              std::string::npos);
  }
  struct stat host_log_after {};
  if (host_log) {
    ASSERT_EQ(::stat("/var/log/nginx/error.log", &host_log_after), 0);
    EXPECT_EQ(host_log_after.st_size, host_log_before.st_size) << "the host's error.log was written";
  }
  if (!host_pid_file) {
    EXPECT_FALSE(fs::exists("/run/nginx.pid")) << "the host's /run got a pid file";
  }
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(AsRootAndAsNobody, TwoRunsAtOnce, ::testing::Values(RunAs::test_user, RunAs::nobody),
                         [](const ::testing::TestParamInfo<RunAs>& info) {
                           return info.param == RunAs::test_user ? std::string("root") : std::string("nobody");
                         });

TEST(UserConfigBadInput, AMissingConfigIsOneErrorAndExitTwo) {
  const auto dir = make_test_directory("user-config-missing");
  write_scenario(dir / "s.yaml", "s", upgrade_steps());
  const auto [code, output] = run_hotdeploy(
      RunAs::test_user, {"run", (dir / "s.yaml").string(), "--out", (dir / "runs").string()}, dir / "output", 30s);
  EXPECT_EQ(code, kExitUsage) << output;
  EXPECT_EQ(output, "hotdeploy: invalid scenario: " + (dir / "s.yaml").string() + ": target.config " +
                        (dir / "conf/nginx.conf").string() + ": no such file\n");
  EXPECT_FALSE(fs::exists(dir / "runs" / "s")) << "a run directory was made for a run that never started";
  fs::remove_all(dir);
}

// nginx -t's own words, naming the included file and line, and no nginx left running.
TEST(UserConfigBadInput, AConfigNginxRejectsEndsWithNginxsMessageAndExitTwo) {
  if (real_nginx_missing()) GTEST_SKIP() << kRealNginx << " is not installed";
  const auto dir = make_test_directory("user-config-rejected");
  write_config(dir / "conf", "    no_such_directive on;\n");
  write_scenario(dir / "s.yaml", "s", upgrade_steps());
  const auto [code, output] = run_hotdeploy(
      RunAs::test_user, {"run", (dir / "s.yaml").string(), "--out", (dir / "runs").string(), "--nginx", kRealNginx},
      dir / "output", 30s);
  EXPECT_EQ(code, kExitUsage) << output;
  // Debian's nginx logs to stderr in the error log's format before it has read the config:
  // "2026/12/02 07:31:18 [emerg] 2#2: unknown directive ...".
  EXPECT_NE(output.find("nginx -t rejects it:\n"), std::string::npos) << output;
  EXPECT_NE(output.find("[emerg] "), std::string::npos) << output;
  EXPECT_NE(
      output.find("unknown directive \"no_such_directive\" in " + (dir / "conf/sites/site.conf").string() + ":3\n"),
      std::string::npos)
      << output;
  EXPECT_NE(output.find("test failed"), std::string::npos) << output;
  EXPECT_EQ(output.find("PASS"), std::string::npos) << output;
  EXPECT_FALSE(fs::exists(dir / "runs" / "s")) << "a run directory was made for a run that never started";
  EXPECT_TRUE(nothing_left_of(dir));
  fs::remove_all(dir);
}

TEST(UserConfigBadInput, WithoutAnyNamespaceItSaysWhatIsMissingAndExitsThree) {
  if (::geteuid() != 0) GTEST_SKIP() << "starting hotdeploy as nobody needs root";
  if (real_nginx_missing()) GTEST_SKIP() << kRealNginx << " is not installed";
  const auto dir = make_test_directory("user-config-no-namespace");
  write_config(dir / "conf");
  write_scenario(dir / "s.yaml", "s", upgrade_steps());
  give_to_nobody(dir);
  const auto [code, output] = run_hotdeploy(
      RunAs::nobody_without_user_namespaces,
      {"run", (dir / "s.yaml").string(), "--out", (dir / "runs").string(), "--nginx", kRealNginx}, dir / "output", 30s);
  EXPECT_EQ(code, kExitEnvironment) << output;
  EXPECT_EQ(output,
            "hotdeploy: target.config runs the config's own listen ports and absolute paths inside a mount and "
            "network namespace of the run's own (hotdeploy as root, or unprivileged user namespaces allowed); this "
            "machine refused them (PID namespace: Operation not permitted; user namespace: No space left on device)\n");
  EXPECT_FALSE(fs::exists(dir / "runs" / "s"));
  EXPECT_TRUE(nothing_left_of(dir));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace hotdeploy::orchestrator
