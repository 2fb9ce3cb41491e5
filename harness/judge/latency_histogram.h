// LatencyHistogram: a log-linear histogram of non-negative integer values (nanoseconds here)
// with 3 significant decimal digits, as HdrHistogram: values below 2048 are counted exactly,
// and each power-of-two range above is split into 1024 equal buckets, so any value is known to
// within 1/1024 of itself. Buckets are allocated as values need them (at most ~55,000 for the
// whole int64 range). percentile() reports the highest value equivalent to the bucket the rank
// falls in, never more than the largest value recorded.
#pragma once

#include <cstdint>
#include <vector>

namespace hotdeploy::harness {

class LatencyHistogram {
 public:
  // Negative values are recorded as 0.
  void record(std::int64_t value);
  void merge(const LatencyHistogram& other);

  [[nodiscard]] std::uint64_t count() const { return count_; }
  [[nodiscard]] std::int64_t max() const { return max_; }  // 0 when empty
  // The value at or below which `percent` (0..100) of the recorded values fall; 0 when empty.
  [[nodiscard]] std::int64_t percentile(double percent) const;

  // Bucket arithmetic, exposed for tests: the bucket of a value and the bucket's value range.
  [[nodiscard]] static std::size_t bucket_of(std::uint64_t value);
  [[nodiscard]] static std::uint64_t lowest_in(std::size_t bucket);
  [[nodiscard]] static std::uint64_t highest_in(std::size_t bucket);

 private:
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  std::int64_t max_ = 0;
};

}  // namespace hotdeploy::harness
