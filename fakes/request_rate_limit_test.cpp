#include "request_rate_limit.h"

#include <gtest/gtest.h>

#include <limits>

namespace hotdeploy::fakes {
namespace {

using std::chrono::milliseconds;

// http_keepalive_shutdown.t's limit: rate=1r/s, burst=5.
RequestRateLimit one_per_second_burst_five() { return RequestRateLimit({{"one", 1000}}, {{"one", 5000, 0}}); }

TEST(RequestRateLimit, SecondRequestAtOnceWaitsOneIntervalAsInNginx) {
  RequestRateLimit limit = one_per_second_burst_five();
  const auto start = RequestRateLimit::Clock::now();
  EXPECT_EQ(limit.account("127.0.0.1", start).delay, milliseconds(0));
  RateLimitDecision second = limit.account("127.0.0.1", start);
  EXPECT_FALSE(second.rejected);
  EXPECT_EQ(second.delay, milliseconds(1000));
  EXPECT_EQ(limit.account("127.0.0.1", start).delay, milliseconds(2000));
}

TEST(RequestRateLimit, ExcessDrainsAtTheRate) {
  RequestRateLimit limit = one_per_second_burst_five();
  const auto start = RequestRateLimit::Clock::now();
  EXPECT_EQ(limit.account("a", start).delay, milliseconds(0));
  EXPECT_EQ(limit.account("a", start + milliseconds(500)).delay, milliseconds(500));
  EXPECT_EQ(limit.account("a", start + milliseconds(5000)).delay, milliseconds(0));
}

TEST(RequestRateLimit, BeyondTheBurstIsRejectedAndNotCounted) {
  RequestRateLimit limit = one_per_second_burst_five();
  const auto start = RequestRateLimit::Clock::now();
  for (int i = 0; i < 6; ++i) EXPECT_FALSE(limit.account("a", start).rejected) << i;
  EXPECT_TRUE(limit.account("a", start).rejected);
  EXPECT_EQ(limit.account("a", start + milliseconds(1000)).delay, milliseconds(5000));
}

TEST(RequestRateLimit, KeysAreSeparateAndAnEmptyKeyIsNotLimited) {
  RequestRateLimit limit({{"z", 1000}}, {{"z", 0, 0}});
  const auto start = RequestRateLimit::Clock::now();
  EXPECT_FALSE(limit.account("a", start).rejected);
  EXPECT_TRUE(limit.account("a", start).rejected);
  EXPECT_FALSE(limit.account("b", start).rejected);
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(limit.account("", start).rejected);
}

TEST(RequestRateLimit, NodelayServesTheBurstAtOnce) {
  RequestRateLimit limit({{"z", 1000}}, {{"z", 2000, 1'000'000'000}});
  const auto start = RequestRateLimit::Clock::now();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limit.account("a", start).delay, milliseconds(0)) << i;
  EXPECT_TRUE(limit.account("a", start).rejected);
}

// The largest rate and burst config.cpp lets through: a bucket idle for ten years at that rate has
// drained, where rate * idle milliseconds once overflowed.
TEST(RequestRateLimit, ABucketIdleForYearsAtTheLargestRateHasDrained) {
  constexpr long kLargest = (std::numeric_limits<long>::max() / 1000 - 1) * 1000;
  RequestRateLimit limit({{"z", kLargest}}, {{"z", 0, 0}});
  const auto start = RequestRateLimit::Clock::now();
  EXPECT_FALSE(limit.account("a", start).rejected);
  EXPECT_TRUE(limit.account("a", start).rejected);
  const RateLimitDecision later = limit.account("a", start + std::chrono::hours(24 * 365 * 10));
  EXPECT_FALSE(later.rejected);
  EXPECT_EQ(later.delay, milliseconds(0));
}

TEST(RequestRateLimit, RulesOnUnknownZonesAreDropped) {
  RequestRateLimit limit({{"z", 1000}}, {{"other", 0, 0}});
  EXPECT_TRUE(limit.empty());
}

}  // namespace
}  // namespace hotdeploy::fakes
