#include "orchestrator/process_table.h"

#include <gtest/gtest.h>

namespace hotdeploy::orchestrator {
namespace {

using harness::ProcessRole;

ProcessTable upgrade_in_progress() {
  ProcessTable table;
  table.records = {
      {100, 1, ProcessRole::master, 1, 0, std::nullopt, -1},
      {101, 100, ProcessRole::worker, 1, 0, 50, 0},
      {102, 100, ProcessRole::worker, 1, 0, std::nullopt, -1},
      {200, 100, ProcessRole::master, 2, 10, std::nullopt, -1},
      {201, 200, ProcessRole::worker, 2, 10, std::nullopt, -1},
      {300, 100, ProcessRole::none, 0, 20, std::nullopt, -1},
  };
  table.pid_file = 200;
  table.oldbin_file = 100;
  return table;
}

TEST(ProcessTable, ListsLiveMastersOldestGenerationFirst) {
  auto table = upgrade_in_progress();
  std::swap(table.records[0], table.records[3]);
  const auto masters = table.live_masters();
  ASSERT_EQ(masters.size(), 2u);
  EXPECT_EQ(masters[0].pid, 100);
  EXPECT_EQ(masters[1].pid, 200);
  EXPECT_EQ(table.max_generation(), 2);
}

TEST(ProcessTable, CountsOnlyLiveWorkersOfAMaster) {
  const auto table = upgrade_in_progress();
  EXPECT_EQ(table.live_workers_of(100), 1);
  EXPECT_EQ(table.live_workers_of(200), 1);
  EXPECT_EQ(table.live_workers_of(999), 0);
}

TEST(ProcessTable, FindsMastersByGeneration) {
  const auto table = upgrade_in_progress();
  ASSERT_NE(table.master_of_generation(2), nullptr);
  EXPECT_EQ(table.master_of_generation(2)->pid, 200);
  EXPECT_EQ(table.master_of_generation(3), nullptr);
}

TEST(ProcessTable, DescribesMastersWorkersAndPidFiles) {
  auto table = upgrade_in_progress();
  EXPECT_EQ(table.describe(),
            "generation 1 master 100 with 1 live workers; generation 2 master 200 with 1 live workers; "
            "nginx.pid 200, nginx.pid.oldbin 100");
  table.records[3].exited_ns = 99;
  table.records[3].exit_code = 1;
  table.pid_file.reset();
  EXPECT_EQ(table.describe(),
            "generation 1 master 100 with 1 live workers; generation 2 master 200 exited (code 1); "
            "nginx.pid absent, nginx.pid.oldbin 100");
  EXPECT_EQ(ProcessTable{}.describe(), "no master seen; nginx.pid absent, nginx.pid.oldbin absent");
}

}  // namespace
}  // namespace hotdeploy::orchestrator
