#include "orchestrator/run_merge.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "orchestrator/cli.h"
#include "orchestrator/run_set.h"
#include "orchestrator/run_test_support.h"

namespace hotdeploy::orchestrator {
namespace {

namespace fs = std::filesystem;

// A single run's directory, as `hotdeploy run` leaves one: its scenario and the scenario's hash.
fs::path lone_run(const fs::path& dir, const std::string& name, const std::string& sha256) {
  fs::create_directories(dir);
  std::ofstream(dir / "scenario.yaml") << "name: " << name << "\nsteps: []\n";
  std::ofstream(dir / "scenario.sha256") << sha256 << "  /library/" << name << ".yaml\n";
  return dir;
}

// A shard's --out directory in which every scenario of the shard was skipped (no histories).
fs::path skipped_shard(const fs::path& dir, Shard shard, const std::vector<LibraryScenario>& library) {
  fs::create_directories(dir);
  RunSet set{shard, "nginx", 0, library, {}, {}};
  for (const auto& scenario : library) {
    if (scenario.here) set.not_run.emplace_back(scenario.name, "fake-only: faults");
  }
  write_run_set(dir, set);
  return dir;
}

std::string merge_error(const std::vector<fs::path>& dirs) {
  try {
    (void)merge_runs(dirs);
  } catch (const MergeError& e) {
    return e.what();
  }
  return "no error";
}

TEST(RunMergeTest, ARunSetIsReadBackAsWritten) {
  const auto dir = make_test_directory("merge-round-trip");
  RunSet set{Shard{2, 3}, "fake", 1, {{"up", "ab12", true}, {"down", "cd34", false}}, {}, {{"x", "why \"quoted\""}}};
  set.runs.push_back({"up#1", "up/1", 1.25, 0, "", ""});
  set.runs.push_back({"up#2", "up/2", 0.5, 130, "", "interrupted by signal 2"});
  write_run_set(dir, set);
  const auto read = read_run_set(dir);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->shard, (Shard{2, 3}));
  EXPECT_EQ(read->target, "fake");
  EXPECT_EQ(read->exit_code, 1);
  ASSERT_EQ(read->library.size(), 2U);
  EXPECT_EQ(read->library[1].name, "down");
  EXPECT_EQ(read->library[1].sha256, "cd34");
  EXPECT_FALSE(read->library[1].here);
  ASSERT_EQ(read->runs.size(), 2U);
  EXPECT_EQ(read->runs[1].dir, "up/2");
  EXPECT_EQ(read->runs[1].seconds, 0.5);
  EXPECT_EQ(read->runs[1].exit_code, 130);
  EXPECT_EQ(read->runs[1].interrupted, "interrupted by signal 2");
  EXPECT_EQ(read->not_run, set.not_run);
  EXPECT_FALSE(read_run_set(dir / "nothing").has_value());
  fs::remove_all(dir);
}

TEST(RunMergeTest, AMalformedRunSetNamesTheLine) {
  const auto dir = make_test_directory("merge-malformed");
  std::ofstream(dir / kRunSetFile) << R"({"kind": "run_set", "shard": "4/3", "target": "", "exit_code": 0})" << '\n';
  EXPECT_NE(merge_error({dir}).find(kRunSetFile + std::string(":1: --shard must be K/N")), std::string::npos)
      << merge_error({dir});
  std::ofstream(dir / kRunSetFile) << R"({"kind": "run_set", "shard": null, "target": "", "exit_code": 0})" << '\n'
                                   << R"({"kind": "run", "name": "up", "dir": "../elsewhere", "seconds": 1,)"
                                   << R"( "exit_code": 0, "error": "", "interrupted": ""})" << '\n';
  EXPECT_NE(merge_error({dir}).find(":2: \"dir\" must be a directory inside"), std::string::npos) << merge_error({dir});
  fs::remove_all(dir);
}

TEST(RunMergeTest, ShardsThatSkippedEverythingMergeInTheLibrarysOrder) {
  const auto dir = make_test_directory("merge-skipped");
  const auto first = skipped_shard(dir / "1", {1, 2}, {{"a", "aa", true}, {"b", "bb", false}, {"c", "cc", true}});
  const auto second = skipped_shard(dir / "2", {2, 2}, {{"a", "aa", false}, {"b", "bb", true}, {"c", "cc", false}});
  const auto merged = merge_runs({second, first});
  EXPECT_EQ(merged.heading, "merged 2 directories: shards 1/2, 2/2");
  EXPECT_TRUE(merged.runs.empty());
  ASSERT_EQ(merged.not_run.size(), 3U);
  EXPECT_EQ(merged.not_run[0].first, "a");
  EXPECT_EQ(merged.not_run[1].first, "b");
  EXPECT_EQ(merged.not_run[2].first, "c");
  EXPECT_EQ(merged.target, "nginx");
  EXPECT_FALSE(merged.interrupted);
  fs::remove_all(dir);
}

TEST(RunMergeTest, ADirectoryThatIsNoRunIsRefused) {
  const auto dir = make_test_directory("merge-not-a-run");
  fs::create_directories(dir / "empty");
  EXPECT_NE(merge_error({dir / "empty"}).find("empty: not a run directory: it has neither runs.jsonl"),
            std::string::npos)
      << merge_error({dir / "empty"});
  EXPECT_NE(merge_error({dir / "absent"}).find("absent: not a directory"), std::string::npos);
  fs::remove_all(dir);
}

TEST(RunMergeTest, TheSameScenarioTwiceIsRefused) {
  const auto dir = make_test_directory("merge-twice");
  const auto a = lone_run(dir / "a", "up", "ab12");
  const auto b = lone_run(dir / "b", "up", "ab12");
  EXPECT_NE(merge_error({a, b}).find("scenario 'up' is in both " + a.string() + " and " + b.string()),
            std::string::npos)
      << merge_error({a, b});
  fs::remove_all(dir);
}

TEST(RunMergeTest, TwoVersionsOfAScenarioAreRefused) {
  const auto dir = make_test_directory("merge-versions");
  const auto a = lone_run(dir / "a", "up", "ab1234567890ffff");
  const auto b = lone_run(dir / "b", "up", "cd1234567890ffff");
  EXPECT_NE(merge_error({a, b}).find("scenario 'up' is not the same file in " + a.string() +
                                     " (sha256 ab1234567890) and in " + b.string() + " (sha256 cd1234567890)"),
            std::string::npos)
      << merge_error({a, b});
  // Shards run from two checkouts: b is not run by the first but differs from the second's.
  const auto first = skipped_shard(dir / "1", {1, 2}, {{"a", "aa", true}, {"b", "old", false}});
  const auto second = skipped_shard(dir / "2", {2, 2}, {{"a", "aa", false}, {"b", "new", true}});
  EXPECT_NE(merge_error({first, second}).find("scenario 'b' is not the same file"), std::string::npos)
      << merge_error({first, second});
  fs::remove_all(dir);
}

TEST(RunMergeTest, AMissingShardADuplicateOneAndMixedCountsAreRefused) {
  const auto dir = make_test_directory("merge-shards");
  const std::vector<LibraryScenario> library = {{"a", "aa", true}, {"b", "bb", false}};
  const auto first = skipped_shard(dir / "1", {1, 2}, library);
  const auto again = skipped_shard(dir / "1again", {1, 2}, library);
  const auto of_three = skipped_shard(dir / "3", {2, 3}, {{"a", "aa", false}, {"b", "bb", true}});
  const auto missing = merge_error({first});
  EXPECT_NE(missing.find("scenario 'b' of the library that " + first.string() +
                         " ran from is in none of the directories merged (it belongs to shard " +
                         std::to_string(shard_of("b", 2)) + "/2, which is missing)"),
            std::string::npos)
      << missing;
  EXPECT_NE(merge_error({first, again}).find("shard 1/2 twice: "), std::string::npos) << merge_error({first, again});
  EXPECT_NE(merge_error({first, of_three}).find("is shard 1/2 and " + of_three.string() + " shard 2/3"),
            std::string::npos)
      << merge_error({first, of_three});
  fs::remove_all(dir);
}

// The command: one line on the error stream, exit 2; a bad --shard likewise.
TEST(RunMergeTest, TheCommandSaysWhatIsWrongInOneLineAndExitsTwo) {
  const auto dir = make_test_directory("merge-command");
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(run_cli({"merge", (dir / "absent").string()}, out, err), kExitUsage);
  EXPECT_EQ(err.str(), "hotdeploy merge: " + (dir / "absent").string() + ": not a directory\n");
  EXPECT_EQ(out.str(), "");
  std::ostringstream none_out;
  std::ostringstream none_err;
  EXPECT_EQ(run_cli({"merge"}, none_out, none_err), kExitUsage);
  EXPECT_NE(none_err.str().find("merge needs at least one RUN_DIR"), std::string::npos) << none_err.str();
  for (const std::string bad : {"4/3", "0/3", "1/0", "a/b"}) {
    std::ostringstream run_out;
    std::ostringstream run_err;
    EXPECT_EQ(run_cli({"run", (dir / "absent.yaml").string(), "--shard", bad}, run_out, run_err), kExitUsage);
    EXPECT_NE(run_err.str().find("--shard must be K/N with whole numbers 1 <= K <= N <= 1000 (shard K of N), got '" +
                                 bad + "'"),
              std::string::npos)
        << run_err.str();
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace hotdeploy::orchestrator
