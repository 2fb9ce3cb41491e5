// run_exec against real shell commands (its environment, exit codes, bounded output, a timeout
// or a stop that kills the whole process group, what a command leaves running), and `exec` steps
// in hotdeploy runs on fake-nginx: a command that exits with another code than expected fails
// the run naming both codes and its output, a hung one is killed at its timeout with nothing of
// it left, and the HUP a command sends is recorded as a signal_sent and judged by its effect.
#include "orchestrator/exec_command.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "harness/history/history_file.h"
#include "orchestrator/proc_fs.h"
#include "orchestrator/run_test_support.h"

namespace hotdeploy::orchestrator {
namespace {

using namespace std::chrono_literals;

ExecSpec shell(std::string line, std::chrono::milliseconds timeout = 60s) {
  ExecSpec spec;
  spec.shell_line = std::move(line);
  spec.timeout = timeout;
  spec.directory = "/";
  return spec;
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<pid_t> pids_in(const std::string& text) {
  std::istringstream in(text);
  std::vector<pid_t> pids;
  pid_t pid = 0;
  while (in >> pid) pids.push_back(pid);
  return pids;
}

TEST(ExecCommand, GivesItsEnvironmentAndReturnsExitCodeAndOutput) {
  ExecSpec spec = shell("echo \"prefix=$HOTDEPLOY_PREFIX pid=$NGINX_PID\"; echo oops >&2; pwd; exit 3");
  spec.environment = {{"HOTDEPLOY_PREFIX", "/run/x"}, {"NGINX_PID", "123"}};
  spec.directory = "/tmp";
  int ticks = 0;
  const ExecResult result = run_exec(
      spec, [&] { ++ticks; }, [] { return false; });
  EXPECT_EQ(result.error, "");
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_FALSE(result.timed_out);
  EXPECT_EQ(result.output, "prefix=/run/x pid=123\noops\n/tmp\n");
  EXPECT_EQ(result.output_bytes, result.output.size());
  EXPECT_GT(result.pid, 0);
  EXPECT_GT(result.duration.count(), 0);
  EXPECT_GT(ticks, 0);
}

TEST(ExecCommand, FindsAProgramInPathAndReportsOneThatIsNot) {
  ExecSpec spec;
  spec.argv = {"sh", "-c", "exit 7"};
  spec.directory = "/";
  EXPECT_EQ(run_exec(spec, {}, {}).exit_code, 7);
  spec.argv = {"no-such-program-hotdeploy"};
  const ExecResult missing = run_exec(spec, {}, {});
  EXPECT_EQ(missing.exit_code, -1);
  EXPECT_NE(missing.error.find("'no-such-program-hotdeploy' is not in PATH"), std::string::npos) << missing.error;
  spec.argv = {"./no-such-script.sh"};
  const ExecResult unrunnable = run_exec(spec, {}, {});
  EXPECT_NE(unrunnable.error.find("No such file or directory"), std::string::npos) << unrunnable.error;
  spec.argv = {"true"};
  spec.directory = "/no/such/directory";
  const ExecResult no_directory = run_exec(spec, {}, {});
  EXPECT_NE(no_directory.error.find("/no/such/directory"), std::string::npos) << no_directory.error;
}

TEST(ExecCommand, KeepsTheHeadAndTailOfALongOutput) {
  const ExecResult result = run_exec(shell("head -c 200000 /dev/zero | tr '\\0' x; echo END"), {}, {});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.output_bytes, 200004u);
  EXPECT_NE(result.output.find("bytes of output left out here"), std::string::npos);
  EXPECT_TRUE(result.output.starts_with(std::string(kOutputHeadBytes, 'x') + "\n[hotdeploy: "));
  EXPECT_TRUE(result.output.ends_with("xEND\n"));
  EXPECT_LT(result.output.size(), kOutputHeadBytes + kOutputTailBytes + 100);
}

TEST(ExecCommand, ATimeoutKillsEverythingTheCommandStarted) {
  const auto dir = make_test_directory("exec-timeout");
  const auto pids = dir / "pids";
  // The shell, two background sleeps and a foreground one: four processes of the group.
  const ExecResult result =
      run_exec(shell("sleep 600 & a=$!; sleep 600 & b=$!; echo $$ $a $b > " + pids.string() + "; sleep 600", 500ms), {},
               [] { return false; });
  EXPECT_TRUE(result.timed_out);
  EXPECT_EQ(result.exit_code, -1);
  EXPECT_TRUE(result.survivors.empty());
  const auto started = pids_in(read_text(pids));
  ASSERT_EQ(started.size(), 3u);
  EXPECT_EQ(started.front(), result.pid);
  // run_exec returned only once none of them ran; checked again from here.
  EXPECT_EQ(still_running_after(started, 0ms), std::vector<pid_t>{});
}

TEST(ExecCommand, AStopKillsTheCommandAtOnce) {
  const auto dir = make_test_directory("exec-stop");
  const auto pids = dir / "pids";
  int ticks = 0;
  const ExecResult result = run_exec(
      shell("echo $$ > " + pids.string() + "; exec sleep 600"), [&] { ++ticks; },
      [&] { return !read_text(pids).empty() && ticks > 0; });
  EXPECT_TRUE(result.stopped);
  EXPECT_FALSE(result.timed_out);
  EXPECT_EQ(still_running_after(pids_in(read_text(pids)), 0ms), std::vector<pid_t>{});
}

TEST(ExecCommand, WhatTheCommandLeftRunningIsCountedAndKilled) {
  const auto dir = make_test_directory("exec-left");
  const auto pids = dir / "pids";
  const ExecResult result =
      run_exec(shell("sleep 600 > /dev/null 2>&1 & echo $! > " + pids.string() + "; exit 0"), {}, {});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_FALSE(result.timed_out);
  EXPECT_EQ(result.left_running, 1);
  EXPECT_EQ(still_running_after(pids_in(read_text(pids)), 0ms), std::vector<pid_t>{});
}

// ---------------------------------------------------------------------------------------------
// exec steps in hotdeploy runs

struct FinishedRun {
  int exit_status = -1;
  std::filesystem::path dir;
  std::string output;
};

FinishedRun run_hotdeploy(const std::string& name, const std::string& steps) {
  const auto dir = make_test_directory("exec-run-" + name);
  const auto scenario = dir / (name + ".yaml");
  {
    std::ofstream out(scenario);
    out << "name: " << name << "\ntarget: {kind: fake, workers: 1}\nload: {keepalive: {connections: 2}}\nsteps:\n"
        << "  - wait: {until: serving, of: old, timeout: 5s}\n"
        << steps;
  }
  const pid_t pid =
      start_as(RunAs::test_user, HOTDEPLOY_PATH,
               {"run", scenario.string(), "--out", (dir / "runs").string(), "--fake-nginx", FAKE_NGINX_PATH},
               dir / "hotdeploy.output");
  int status = 0;
  ::waitpid(pid, &status, 0);
  FinishedRun run;
  run.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  run.dir = dir / "runs" / name;
  run.output = read_text(dir / "hotdeploy.output");
  return run;
}

harness::History history_of(const FinishedRun& run) {
  std::ifstream in(run.dir / "history.jsonl");
  EXPECT_TRUE(in.is_open()) << run.dir / "history.jsonl";
  return harness::read_jsonl(in);
}

TEST(ExecStep, AnExitOtherThanExpectedFailsTheRunNamingBothAndTheOutput) {
  const FinishedRun run =
      run_hotdeploy("exec_exit", "  - exec: {run: \"echo no config here; exit 3\", expect_exit: 0}\n");
  EXPECT_EQ(run.exit_status, 1) << run.output;
  EXPECT_NE(run.output.find("exec echo no config here; exit 3 exited with 3, expected 0; its output ends: no config "
                            "here"),
            std::string::npos)
      << run.output;
  const auto history = history_of(run);
  int exec_events = 0;
  for (const auto& e : history.events()) {
    if (e.type != harness::EventType::exec_ended) continue;
    ++exec_events;
    EXPECT_EQ(e.exit_code, 3);
    EXPECT_EQ(e.output, "no config here\n");
    EXPECT_GT(e.duration_ns, 0);
  }
  EXPECT_EQ(exec_events, 1);
}

TEST(ExecStep, AHungCommandIsKilledAtItsTimeout) {
  // Within the run's own PID namespace its pids mean nothing here: ATimeoutKillsEverythingTheCommandStarted
  // checks that nothing of the command is left; this checks that the run says so and fails.
  const FinishedRun run = run_hotdeploy("exec_hung", "  - exec: {run: \"sleep 600 & sleep 600\", timeout: 300ms}\n");
  EXPECT_EQ(run.exit_status, 1) << run.output;
  EXPECT_NE(run.output.find("exec sleep 600 & sleep 600 timed out after 300ms; its process group was killed"),
            std::string::npos)
      << run.output;
  EXPECT_EQ(still_running_after(host_pids_of_run(run.dir), 2000ms), std::vector<pid_t>{});
}

TEST(ExecStep, TheEnvironmentNamesTheTargetAndAHupSentByTheCommandIsJudged) {
  const FinishedRun run = run_hotdeploy(
      "exec_hup",
      "  - exec: {run: 'test -x \"$HOTDEPLOY_NGINX\" && test -f \"$HOTDEPLOY_CONF\" && test \"$(cat "
      "\"$HOTDEPLOY_PID_FILE\")\" = \"$NGINX_PID\" && test -d \"$HOTDEPLOY_PREFIX\" && kill -HUP \"$NGINX_PID\"'}\n"
      "  - sleep: 500ms\n");
  EXPECT_EQ(run.exit_status, 0) << run.output;
  const auto history = history_of(run);
  int hups = 0;
  int no_effect = 0;
  for (const auto& e : history.events()) {
    if (e.type == harness::EventType::signal_sent && e.text == "HUP") {
      ++hups;
      EXPECT_EQ(e.seen, harness::ProcessSeen::inferred_from_log);
      EXPECT_EQ(e.generation, 1);
    }
    if (e.type == harness::EventType::no_effect) ++no_effect;
  }
  EXPECT_EQ(hups, 1);
  EXPECT_EQ(no_effect, 0);
}

}  // namespace
}  // namespace hotdeploy::orchestrator
