// `hotdeploy run --shard K/N` and `hotdeploy merge`, run as a user runs them: three shards of a
// small library, merged, say what one run of the whole library says.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>

#include "orchestrator/cli.h"
#include "orchestrator/run_test_support.h"

namespace hotdeploy::orchestrator {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// `hotdeploy ARGS... -q` (run with the built fake-nginx); its exit status and output.
std::pair<std::optional<int>, std::string> hotdeploy(std::vector<std::string> args, const fs::path& output) {
  args.insert(args.begin(), HOTDEPLOY_PATH);
  if (args[1] == "run") args.insert(args.end(), {"--fake-nginx", FAKE_NGINX_PATH, "-q"});
  const auto code = run_with_deadline(args, output, 90s);
  return {code, read_text(output)};
}

// The summary table's rows, scenario -> verdict, and its "runs:" line.
struct Table {
  std::map<std::string, std::string> verdicts;
  std::string runs_line;
};
Table table_of(const std::string& output) {
  Table table;
  std::istringstream lines(output.substr(output.find("\nscenario ") + 1));
  std::string line;
  std::getline(lines, line);  // the column names
  while (std::getline(lines, line) && !line.starts_with("runs: ")) {
    std::istringstream words(line);
    std::string name;
    std::string verdict;
    words >> name >> verdict;
    table.verdicts[name] = verdict;
  }
  table.runs_line = line;
  return table;
}

// JUnit testcases, name -> "pass" or the first element inside (failure, error, skipped).
std::map<std::string, std::string> junit_cases(const std::string& xml) {
  std::map<std::string, std::string> cases;
  const std::regex testcase(R"re(<testcase classname="[^"]*" name="([^"]*)" time="[^"]*"(/?)>)re");
  for (std::sregex_iterator it(xml.begin(), xml.end(), testcase), end; it != end; ++it) {
    std::string outcome = "pass";
    if ((*it)[2].str().empty()) {
      const auto body = xml.substr(it->position() + it->length(),
                                   xml.find("</testcase>", it->position()) - (it->position() + it->length()));
      for (const char* kind : {"<failure", "<error", "<skipped"}) {
        if (body.find(kind) != std::string::npos) outcome = kind + 1;
      }
    }
    cases[(*it)[1].str()] = outcome;
  }
  return cases;
}

TEST(ShardProcess, ThreeShardsMergedSayWhatOneRunOfTheLibrarySays) {
  const auto dir = make_test_directory("shard-merge");
  const auto library = dir / "library";
  fs::create_directories(library);
  for (const std::string name : {"alpha", "bravo", "charlie", "delta"}) {
    std::ofstream(library / (name + ".yaml"))
        << "name: " << name << "\nload: {keepalive: {connections: 2}}\nsteps:\n  - sleep: 200ms\n";
  }
  // A first master that dies at start: a fail, found at once.
  std::ofstream(library / "echo.yaml") << "name: echo\ntarget: {faults: {old: [crash_on_start]}}\nsteps:\n"
                                       << "  - sleep: 1s\n";

  const auto [whole_code, whole] =
      hotdeploy({"run", library.string(), "--out", (dir / "whole").string(), "--junit", (dir / "whole.xml").string()},
                dir / "whole.output");
  ASSERT_TRUE(whole_code.has_value()) << whole;
  EXPECT_EQ(*whole_code, kExitFail) << whole;

  std::vector<std::string> merge_args = {"merge"};
  std::size_t sharded = 0;
  for (int k = 1; k <= 3; ++k) {
    const auto shard = "shard" + std::to_string(k);
    const auto [code, output] = hotdeploy({"run", library.string(), "--shard", std::to_string(k) + "/3", "--out",
                                           (dir / shard).string(), "--junit", (dir / (shard + ".xml")).string()},
                                          dir / (shard + ".output"));
    ASSERT_TRUE(code.has_value()) << output;
    const auto rows = table_of(output).verdicts;
    EXPECT_EQ(*code, rows.contains("echo") ? kExitFail : kExitPass) << output;
    EXPECT_NE(
        output.find("\nshard " + std::to_string(k) + "/3: " + std::to_string(rows.size()) + " of the 5 scenarios\n"),
        std::string::npos)
        << output;
    EXPECT_NE(read_text(dir / (shard + ".xml")).find("<testsuite name=\"hotdeploy shard " + std::to_string(k) + "/3\""),
              std::string::npos);
    sharded += rows.size();
    merge_args.push_back((dir / shard).string());
  }
  EXPECT_EQ(sharded, 5U) << "every scenario in exactly one shard";

  merge_args.insert(merge_args.end(), {"--junit", (dir / "merged.xml").string()});
  const auto [merge_code, merged] = hotdeploy(merge_args, dir / "merged.output");
  ASSERT_TRUE(merge_code.has_value()) << merged;
  EXPECT_EQ(*merge_code, kExitFail) << merged;
  EXPECT_NE(merged.find("merged 3 directories: shards 1/3, 2/3, 3/3\n"), std::string::npos) << merged;

  const auto whole_table = table_of(whole);
  const auto merged_table = table_of(merged);
  EXPECT_EQ(merged_table.verdicts, whole_table.verdicts) << whole << "\n" << merged;
  EXPECT_EQ(merged_table.verdicts.size(), 5U) << merged;
  EXPECT_EQ(merged_table.verdicts.at("echo"), "fail") << merged;
  EXPECT_EQ(merged_table.runs_line, "runs: 4 passed, 1 failed") << merged;
  EXPECT_EQ(merged_table.runs_line, whole_table.runs_line);
  EXPECT_NE(merged.find("\nrequests: "), std::string::npos) << merged;
  EXPECT_NE(merged.find(" dropped (rate < "), std::string::npos) << merged;
  EXPECT_EQ(junit_cases(read_text(dir / "merged.xml")), junit_cases(read_text(dir / "whole.xml")));
  EXPECT_EQ(junit_cases(read_text(dir / "merged.xml")).size(), 5U);

  // The whole run merges too, alone; with a shard beside it, each scenario would be there twice.
  const auto [alone_code, alone] = hotdeploy({"merge", (dir / "whole").string()}, dir / "alone.output");
  ASSERT_TRUE(alone_code.has_value()) << alone;
  EXPECT_EQ(*alone_code, kExitFail) << alone;
  EXPECT_EQ(table_of(alone).verdicts, whole_table.verdicts) << alone;
  const auto [twice_code, twice] =
      hotdeploy({"merge", (dir / "whole").string(), (dir / "whole" / "alpha").string()}, dir / "twice.output");
  ASSERT_TRUE(twice_code.has_value()) << twice;
  EXPECT_EQ(*twice_code, kExitUsage) << twice;
  EXPECT_EQ(twice, "hotdeploy merge: scenario 'alpha' is in both " + (dir / "whole").string() + " and " +
                       (dir / "whole" / "alpha").string() + ": merge each scenario's runs once\n");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace hotdeploy::orchestrator
