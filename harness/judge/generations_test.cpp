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

TEST(GenerationsTest, AReusedPidIsTwoProcessesEachWithItsOwnGeneration) {
  // Worker 101 of generation 1 exits at 200 ms; the kernel gives pid 101 to a worker of
  // generation 2 at 6500 ms (later than the in-flight bound after the exit).
  const History h = HistoryBuilder()
                        .master(100, 1)
                        .worker(101, 100, 1)
                        .at_ms(100)
                        .master(200, 2)
                        .at_ms(200)
                        .exited(101, 100, ProcessRole::worker, 1)
                        .at_ms(6500)
                        .worker(101, 200, 0)
                        .build();
  const Generations g = Generations::from(h);
  ASSERT_NE(g.alive(101, 150'000'000), nullptr);
  EXPECT_EQ(g.alive(101, 150'000'000)->generation, 1);
  EXPECT_EQ(g.alive(101, 6'600'000'000)->generation, 2);
  EXPECT_EQ(g.alive(101, 300'000'000), nullptr);
  // A response read 50 ms after the first 101 exited is still its; one read 50 ms before the
  // second was first seen is the second's; between the bounds, neither's.
  EXPECT_EQ(g.serving(101, 250'000'000)->generation, 1);
  EXPECT_EQ(g.serving(101, 6'450'000'000)->generation, 2);
  EXPECT_EQ(g.serving(101, 200'000'000 + kInFlightBoundNs + 1), nullptr);
  EXPECT_EQ(g.serving(101, 6'500'000'000 - kBirthLagBoundNs - 1), nullptr);
  EXPECT_EQ(g.of_worker(101), 2);  // by pid alone: the last
}

// The observer's birth stamp may lag the real birth: by its lag bound for a birth it saw (at least
// kBirthLagBoundNs), by any time for one it inferred (heard of only when the worker was gone).
TEST(GenerationsTest, AResponseBeforeABirthStampIsTheWorkersWithinWhatTheObserverMayHaveMissed) {
  const History h = HistoryBuilder()
                        .master(100, 1)
                        .at_ms(1000)
                        .worker(101, 100, 0)
                        .at_ms(2000)
                        .worker(102, 100, 0)
                        .observed(ProcessSeen::directly, 400)
                        .at_ms(3000)
                        .worker(103, 100, 0)
                        .observed(ProcessSeen::inferred_from_log)
                        .build();
  const Generations g = Generations::from(h);
  const auto ns = [](double ms) { return static_cast<std::int64_t>(ms * 1e6); };
  EXPECT_NE(g.serving(101, ns(1000) - kBirthLagBoundNs), nullptr);
  EXPECT_EQ(g.serving(101, ns(1000) - kBirthLagBoundNs - 1), nullptr);
  EXPECT_NE(g.serving(102, ns(1650)), nullptr);  // within its 400 ms lag bound
  EXPECT_EQ(g.serving(102, ns(1500) - 1), nullptr);
  ASSERT_NE(g.serving(103, ns(500)), nullptr);  // inferred: it may have been born any time before
  EXPECT_EQ(g.serving(103, ns(500))->generation, 1);
}

TEST(GenerationsTest, TheNewestMasterIsTheHighestGenerationBornEvenWithoutWorkers) {
  const History h = HistoryBuilder().master(100, 1).worker(101, 100, 1).at_ms(5).master(200, 2).build();
  const Generations g = Generations::from(h);
  ASSERT_NE(g.newest_master(), nullptr);
  EXPECT_EQ(g.newest_master()->pid, 200);
  EXPECT_EQ(g.newest_master()->generation, 2);
  EXPECT_EQ(Generations::from(History()).newest_master(), nullptr);
}

}  // namespace
}  // namespace hotdeploy::harness
