#include "orchestrator/cli.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "orchestrator/run_test_support.h"

namespace hotdeploy::orchestrator {
namespace {

struct CliOutput {
  int code;
  std::string out;
  std::string err;
};

CliOutput cli(const std::vector<std::string>& args) {
  std::ostringstream out;
  std::ostringstream err;
  const int code = run_cli(args, out, err);
  return {code, out.str(), err.str()};
}

TEST(Cli, HelpAndVersionExitZero) {
  const auto help = cli({"--help"});
  EXPECT_EQ(help.code, exit_pass);
  EXPECT_NE(help.out.find("usage: hotdeploy run FILE"), std::string::npos);
  const auto version = cli({"--version"});
  EXPECT_EQ(version.code, exit_pass);
  EXPECT_EQ(version.out.rfind("hotdeploy ", 0), 0u);
}

TEST(Cli, BadUsageExitsTwoWithTheReason) {
  EXPECT_EQ(cli({}).code, exit_usage);
  const auto unknown = cli({"frobnicate"});
  EXPECT_EQ(unknown.code, exit_usage);
  EXPECT_EQ(unknown.err.rfind("hotdeploy: unknown command 'frobnicate'\n", 0), 0u);
  const auto no_file = cli({"run"});
  EXPECT_EQ(no_file.code, exit_usage);
  EXPECT_EQ(no_file.err.rfind("hotdeploy: run needs a scenario FILE\n", 0), 0u);
  const auto no_value = cli({"run", "x.yaml", "--out"});
  EXPECT_EQ(no_value.err.rfind("hotdeploy: --out needs a value\n", 0), 0u);
}

TEST(Cli, InvalidScenarioExitsTwoNamingFileLineAndColumn) {
  const auto dir = make_test_directory("cli-invalid");
  const auto file = (dir / "typo.yaml").string();
  std::ofstream(file) << "name: typo\nsteps:\n  - signal: {sned: USR2}\n";
  const auto result = cli({"run", file});
  EXPECT_EQ(result.code, exit_usage);
  EXPECT_EQ(result.err, "hotdeploy: invalid scenario: " + file +
                            ":3:14: unknown key 'sned' in signal (known: send, to)\n");
  const auto missing = cli({"run", (dir / "missing.yaml").string()});
  EXPECT_EQ(missing.code, exit_usage);
  EXPECT_EQ(missing.err, "hotdeploy: invalid scenario: " + (dir / "missing.yaml").string() +
                             ": cannot open the scenario file\n");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hotdeploy::orchestrator
