#include "orchestrator/shard.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "orchestrator/option_table.h"

namespace hotdeploy::orchestrator {
namespace {

// Names like the scenario library's, and many more made up.
std::vector<std::string> library_names() {
  std::vector<std::string> names = {"upgrade",    "rollback_hup",       "rollback_term", "held_across_winch",
                                    "hup_reload", "new_binary_crashes", "usr2_twice",    "winch_daemon_off"};
  for (int i = 0; i < 200; ++i) names.push_back("scenario_" + std::to_string(i));
  return names;
}

TEST(ShardTest, ParsesKOfN) {
  EXPECT_EQ(parse_shard("1/3"), (Shard{1, 3}));
  EXPECT_EQ(parse_shard("3/3"), (Shard{3, 3}));
  EXPECT_EQ(parse_shard("1/1"), (Shard{1, 1}));
  EXPECT_EQ(to_string(parse_shard("12/40")), "12/40");
}

TEST(ShardTest, RefusesEverythingElseNamingTheText) {
  for (const std::string bad :
       {"4/3", "0/3", "1/0", "a/b", "1/", "/3", "3", "1/3/", " 1/3", "-1/3", "+1/3", "1/1001", "1/99999999999", ""}) {
    try {
      (void)parse_shard(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("got '" + bad + "'"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("1 <= K <= N"), std::string::npos) << e.what();
    }
  }
}

TEST(ShardTest, TheShardsPartitionTheLibrary) {
  const auto names = library_names();
  for (const int count : {1, 2, 3, 7}) {
    std::map<std::string, int> owners;
    for (int k = 1; k <= count; ++k) {
      for (const auto& name : names) {
        if (shard_of(name, count) == k) ++owners[name];
      }
    }
    for (const auto& name : names) EXPECT_EQ(owners[name], 1) << name << " of " << count << " shards";
  }
}

TEST(ShardTest, AddingOrRemovingAScenarioMovesNoOther) {
  auto names = library_names();
  std::map<std::string, int> before;
  for (const auto& name : names) before[name] = shard_of(name, 3);
  names.push_back("a_new_scenario");
  names.erase(names.begin());
  for (const auto& name : names) {
    if (before.contains(name)) {
      EXPECT_EQ(shard_of(name, 3), before[name]) << name;
    }
  }
}

TEST(ShardTest, TheHashIsFnv1aSoEveryMachineAgrees) {
  // FNV-1a 64 reference values: "a" 0xaf63dc4c8601ec8c, "foobar" 0x85944171f73967e8.
  EXPECT_EQ(shard_of("a", 1000), static_cast<int>(0xaf63dc4c8601ec8cULL % 1000) + 1);
  EXPECT_EQ(shard_of("foobar", 7), static_cast<int>(0x85944171f73967e8ULL % 7) + 1);
}

}  // namespace
}  // namespace hotdeploy::orchestrator
