#include "harness/history/run_clock.h"

#include <gtest/gtest.h>

#include <time.h>

#include <cstdint>

namespace hotdeploy::harness {
namespace {

std::int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

TEST(RunClockTest, StartsNearZeroAndNeverGoesBack) {
  const RunClock clock;
  std::int64_t last = clock.now_ns();
  EXPECT_GE(last, 0);
  EXPECT_LT(last, 1'000'000'000);
  for (int i = 0; i < 10000; ++i) {
    const std::int64_t now = clock.now_ns();
    ASSERT_GE(now, last);
    last = now;
  }
}

TEST(RunClockTest, MeasuresMonotonicTimeSinceConstruction) {
  const std::int64_t before = monotonic_ns();
  const RunClock clock;
  const std::int64_t after = monotonic_ns();
  // Wait for the monotonic clock to move on by a millisecond, by reading it (no sleeping).
  while (monotonic_ns() < after + 1'000'000) {
  }
  const std::int64_t elapsed = clock.now_ns();
  const std::int64_t outer = monotonic_ns() - before;
  EXPECT_GE(elapsed, 1'000'000);
  EXPECT_LE(elapsed, outer);
}

TEST(RunClockTest, ACopySharesTheStart) {
  const RunClock clock;
  const RunClock copy = clock;
  const std::int64_t a = clock.now_ns();
  const std::int64_t b = copy.now_ns();
  const std::int64_t c = clock.now_ns();
  EXPECT_LE(a, b);
  EXPECT_LE(b, c);
}

}  // namespace
}  // namespace hotdeploy::harness
