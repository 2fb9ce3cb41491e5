#include "harness/judge/latency_histogram.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace hotdeploy::harness {
namespace {

TEST(LatencyHistogramTest, EmptyReportsZero) {
  const LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(50), 0);
  EXPECT_EQ(h.max(), 0);
}

TEST(LatencyHistogramTest, SmallValuesAreExact) {
  LatencyHistogram h;
  for (int v = 1; v <= 1000; ++v) h.record(v);
  EXPECT_EQ(h.percentile(50), 500);
  EXPECT_EQ(h.percentile(99), 990);
  EXPECT_EQ(h.percentile(99.9), 999);
  EXPECT_EQ(h.percentile(100), 1000);
  EXPECT_EQ(h.max(), 1000);
}

TEST(LatencyHistogramTest, BucketsTileTheRangeWithThreeSignificantDigits) {
  for (std::uint64_t v : {std::uint64_t{0}, std::uint64_t{2047}, std::uint64_t{2048}, std::uint64_t{4095},
                          std::uint64_t{4096}, std::uint64_t{123'456'789}, std::uint64_t{1} << 62,
                          static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())}) {
    const std::size_t b = LatencyHistogram::bucket_of(v);
    EXPECT_LE(LatencyHistogram::lowest_in(b), v) << v;
    EXPECT_GE(LatencyHistogram::highest_in(b), v) << v;
    // Relative width below 1/1000: three significant digits.
    EXPECT_LE(static_cast<double>(LatencyHistogram::highest_in(b) - LatencyHistogram::lowest_in(b)),
              static_cast<double>(v) / 1000.0 + 1)
        << v;
    if (b > 0) {
      EXPECT_EQ(LatencyHistogram::highest_in(b - 1) + 1, LatencyHistogram::lowest_in(b)) << v;
    }
  }
}

TEST(LatencyHistogramTest, LargeValuesKeepThreeDigitsAndTheExactMax) {
  LatencyHistogram h;
  for (int k = 0; k < 990; ++k) h.record(1'000'000);  // 1 ms
  for (int k = 0; k < 9; ++k) h.record(50'000'000);   // 50 ms
  h.record(2'345'678'901);                            // 2.3 s
  EXPECT_NEAR(static_cast<double>(h.percentile(50)), 1e6, 1e3);
  EXPECT_NEAR(static_cast<double>(h.percentile(99)), 1e6, 1e3);
  EXPECT_NEAR(static_cast<double>(h.percentile(99.9)), 5e7, 5e4);
  EXPECT_EQ(h.percentile(100), 2'345'678'901);
  EXPECT_EQ(h.max(), 2'345'678'901);
}

TEST(LatencyHistogramTest, NegativeIsZeroAndMergeAdds) {
  LatencyHistogram a;
  LatencyHistogram b;
  a.record(-5);
  b.record(3'000'000);
  a.merge(b);
  EXPECT_EQ(a.count(), 2u);
  EXPECT_EQ(a.percentile(50), 0);
  EXPECT_EQ(a.max(), 3'000'000);
}

}  // namespace
}  // namespace hotdeploy::harness
