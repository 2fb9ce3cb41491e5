#include "harness/judge/generations.h"

#include <gtest/gtest.h>

#include "harness/history/history_builder.h"

namespace hotdeploy::harness {
namespace {

using testing::HistoryBuilder;

TEST(GenerationsTest, MapsWorkersAndMastersToTheirGeneration) {
  const History h = HistoryBuilder()
                        .master(100, 1)
                        .worker(101, 100, 1)
                        .worker(102, 100, 0)  // inferred from master 100
                        .master(200, 2)
                        .worker(201, 200, 2)
                        .build();
  const Generations g = Generations::from(h);
  EXPECT_EQ(g.of_master(100), 1);
  EXPECT_EQ(g.of_master(200), 2);
  EXPECT_EQ(g.of_worker(101), 1);
  EXPECT_EQ(g.of_worker(102), 1);
  EXPECT_EQ(g.of_worker(201), 2);
  EXPECT_FALSE(g.of_worker(100));
  EXPECT_FALSE(g.of_worker(999));
  EXPECT_FALSE(g.of_master(101));
  EXPECT_EQ(g.newest_with_workers(), 2);
}

TEST(GenerationsTest, AWorkerRecordedBeforeItsMasterStillInheritsItsGeneration) {
  const History h = HistoryBuilder().at_ms(1).worker(301, 300, 0).at_ms(2).master(300, 3).build();
  EXPECT_EQ(Generations::from(h).of_worker(301), 3);
}

TEST(GenerationsTest, NewestGenerationCountsOnlyGenerationsWithWorkers) {
  const History h = HistoryBuilder().master(100, 1).worker(101, 100, 1).master(200, 2).build();
  EXPECT_EQ(Generations::from(h).newest_with_workers(), 1);
  EXPECT_FALSE(Generations::from(History()).newest_with_workers());
  // A worker whose generation cannot be known is left out.
  EXPECT_FALSE(Generations::from(HistoryBuilder().worker(5, 4, 0).build()).of_worker(5));
}

}  // namespace
}  // namespace hotdeploy::harness
