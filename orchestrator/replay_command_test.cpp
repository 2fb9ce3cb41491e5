// `hotdeploy replay` through the command line (run_cli): what it writes, and one clear message
// with exit 2 for each kind of bad input. Runs nothing (no --run).
#include "orchestrator/replay_command.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "orchestrator/cli.h"
#include "orchestrator/replay_test_logs.h"
#include "orchestrator/run_test_support.h"
#include "orchestrator/scenario_parser.h"

namespace hotdeploy::orchestrator {
namespace {

struct Replay {
  int code;
  std::string out;
  std::string err;
};

class ReplayCommand : public ::testing::Test {
 protected:
  std::filesystem::path write_log(const std::string& name, const std::string& text) {
    const auto file = dir_ / name;
    std::ofstream(file, std::ios::binary) << text;
    return file;
  }
  static Replay replay(const std::vector<std::string>& args) {
    std::ostringstream out;
    std::ostringstream err;
    std::vector<std::string> all = {"replay"};
    all.insert(all.end(), args.begin(), args.end());
    const int code = run_cli(all, out, err);
    return {code, out.str(), err.str()};
  }
  // Exactly one line on the error stream, naming the file.
  static void expect_one_message(const Replay& result, const std::filesystem::path& file, const std::string& words) {
    EXPECT_EQ(result.code, kExitUsage) << result.err;
    EXPECT_EQ(result.err.rfind("hotdeploy: replay: " + file.string() + ": ", 0), 0U) << result.err;
    EXPECT_NE(result.err.find(words), std::string::npos) << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  }

  std::filesystem::path dir_ = make_test_directory("replay-command");
};

TEST_F(ReplayCommand, WritesTheScenarioToOutAndSaysWhatItAssumed) {
  const auto log = write_log("error.log", testing::kUsr2TwiceLog);
  const auto out = dir_ / "usr2.yaml";
  const auto result = replay({log.string(), "--out", out.string(), "--target", "nginx"});
  EXPECT_EQ(result.code, kExitPass) << result.err;
  EXPECT_NE(result.out.find("replay: 2 master(s), 4 signal(s) from " + log.string() +
                            " (lines 1-33); scenario "
                            "written to " +
                            out.string()),
            std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("assumed: load: 16 keep-alive connections"), std::string::npos) << result.out;
  const auto scenario = parse_scenario_file(out.string());
  EXPECT_EQ(scenario.name, "usr2");  // from --out's file name
  EXPECT_EQ(scenario.target.kind, TargetKind::nginx);
  ASSERT_TRUE(scenario.expect.no_effect_steps);
  EXPECT_EQ(*scenario.expect.no_effect_steps, std::vector<std::string>{"USR2 to generation 1"});
}

TEST_F(ReplayCommand, WithoutOutTheScenarioIsStandardOutputAndTheNotesGoToErrors) {
  const auto log = write_log("error.log", testing::kWinchDaemonOffLog);
  const auto result = replay({log.string()});
  EXPECT_EQ(result.code, kExitPass);
  const auto scenario = parse_scenario_text(result.out, "stdout");
  EXPECT_EQ(scenario.name, "replay_error");
  EXPECT_FALSE(scenario.target.daemon);
  EXPECT_NE(result.err.find("assumed: pause: 300ms"), std::string::npos) << result.err;
}

TEST_F(ReplayCommand, AFileThatIsNotAnErrorLog) {
  const auto yaml = write_log("upgrade.yaml", "name: upgrade\nsteps:\n  - upgrade: {}\n");
  expect_one_message(replay({yaml.string()}), yaml, "not an nginx error.log: no line has its format");
  const auto binary = write_log("nginx", std::string("\x7f"
                                                     "ELF\x02\x01\x01\0\0\0",
                                                     10));
  expect_one_message(replay({binary.string()}), binary, "NUL bytes");
  const auto empty = write_log("empty.log", "");
  expect_one_message(replay({empty.string()}), empty, "it is empty");
  const auto mostly_other = write_log("mixed.log",
                                      "2026/12/02 08:00:00 [notice] 7#7: start worker processes\n"
                                      "Traceback (most recent call last):\n  File x\nValueError\n");
  expect_one_message(replay({mostly_other.string()}), mostly_other, "only 1 of its 4 lines have its format; line 2");
  const auto missing = dir_ / "no-such.log";
  expect_one_message(replay({missing.string()}), missing, "cannot read it");
}

TEST_F(ReplayCommand, ALogWithNoMasterLifecycle) {
  const auto log = write_log(
      "error.log",
      "2026/12/02 08:00:00 [error] 8#8: *1 open() \"/srv/a\" failed (2: No such file or directory), client: ::1\n"
      "2026/12/02 08:00:01 [warn] 8#8: *2 an upstream response is buffered to a temporary file\n");
  expect_one_message(replay({log.string()}), log, "no master lifecycle in it");
  EXPECT_FALSE(std::filesystem::exists(dir_ / "replay_error.yaml"));
}

TEST_F(ReplayCommand, MixedLinesOfTwoInstances) {
  const auto log =
      write_log("error.log",
                "2026/12/02 08:00:00 [notice] 7#7: start worker processes\n"
                "2026/12/02 08:00:00 [notice] 7#7: start worker process 8\n"
                "2026/12/02 08:00:00 [notice] 40#40: start worker processes\n"
                "2026/12/02 08:00:00 [notice] 40#40: start worker process 41\n"
                "2026/12/02 08:00:01 [notice] 40#40: signal 12 (SIGUSR2) received from 1, changing binary\n"
                "2026/12/02 08:00:01 [notice] 7#7: signal 28 (SIGWINCH) received from 1, stop accepting "
                "connections\n");
  const auto out = dir_ / "mixed.yaml";
  const auto result = replay({log.string(), "--out", out.string()});
  expect_one_message(result, log, "two nginx instances in one log: master 7 (from line 1) and master 40 (from line 3)");
  EXPECT_FALSE(std::filesystem::exists(out));
}

TEST_F(ReplayCommand, ALogThatStartsMidUpgradeIsWrittenAsFarAsItGoesButRefused) {
  std::istringstream full(testing::kRollbackSeedLog);
  std::string text;
  std::string line;
  for (int n = 1; std::getline(full, line); ++n) {
    if (n >= 19) text += line + "\n";  // from the WINCH to the old master on
  }
  const auto log = write_log("rotated.log", text);
  const auto out = dir_ / "rotated.yaml";
  const auto result = replay({log.string(), "--out", out.string(), "--run"});
  expect_one_message(result, log, "the log starts in the middle of an incident (truncated or rotated)");
  EXPECT_NE(result.out.find("scenario written to " + out.string()), std::string::npos) << result.out;
  const auto scenario = parse_scenario_file(out.string());  // what it could reconstruct, not run
  ASSERT_TRUE(scenario.expect.no_effect_steps);
  EXPECT_EQ(*scenario.expect.no_effect_steps, std::vector<std::string>{"USR2 to generation 2"});
  EXPECT_EQ(result.out.find("PASS"), std::string::npos);
}

TEST_F(ReplayCommand, HelpListsItWithEveryOptionOfItsTable) {
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(run_cli({"--help"}, out, err), kExitPass);
  EXPECT_NE(out.str().find("hotdeploy replay ERROR_LOG [OPTION...]"), std::string::npos);
  EXPECT_NE(out.str().find(replay_options_help()), std::string::npos);
  for (const char* option : {"--out FILE", "--target KIND", "--name NAME", "--run"}) {
    EXPECT_NE(replay_options_help().find(option), std::string::npos) << option;
  }
}

TEST_F(ReplayCommand, BadOptionsAreUsageErrors) {
  const auto log = write_log("error.log", testing::kUsr2TwiceLog);
  EXPECT_EQ(replay({log.string(), "--target", "apache"}).code, kExitUsage);
  EXPECT_EQ(replay({}).code, kExitUsage);
  EXPECT_EQ(replay({log.string(), log.string()}).code, kExitUsage);
}

}  // namespace
}  // namespace hotdeploy::orchestrator
