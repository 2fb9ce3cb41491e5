#include "harness/judge/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace hotdeploy::harness {
namespace {

constexpr unsigned kSubBucketBits = 11;                                    // 2048 sub-buckets
constexpr std::uint64_t kHalf = std::uint64_t{1} << (kSubBucketBits - 1);  // 1024

// The power-of-two shift of the range a bucket belongs to (0 for the exact range below 2048).
unsigned shift_of_bucket(std::size_t bucket) {
  return bucket < 2 * kHalf ? 0u : static_cast<unsigned>(bucket / kHalf) - 1u;
}

}  // namespace

std::size_t LatencyHistogram::bucket_of(std::uint64_t value) {
  const unsigned width = static_cast<unsigned>(std::bit_width(value));
  const unsigned shift = width > kSubBucketBits ? width - kSubBucketBits : 0u;
  return static_cast<std::size_t>(shift * kHalf + (value >> shift));
}

std::uint64_t LatencyHistogram::lowest_in(std::size_t bucket) {
  const unsigned shift = shift_of_bucket(bucket);
  return (static_cast<std::uint64_t>(bucket) - shift * kHalf) << shift;
}

std::uint64_t LatencyHistogram::highest_in(std::size_t bucket) {
  return lowest_in(bucket) + ((std::uint64_t{1} << shift_of_bucket(bucket)) - 1);
}

void LatencyHistogram::record(std::int64_t value) {
  const auto v = static_cast<std::uint64_t>(std::max<std::int64_t>(0, value));
  const std::size_t bucket = bucket_of(v);
  if (bucket >= counts_.size()) counts_.resize(bucket + 1, 0);
  ++counts_[bucket];
  ++count_;
  max_ = std::max(max_, static_cast<std::int64_t>(v));
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  if (other.counts_.size() > counts_.size()) counts_.resize(other.counts_.size(), 0);
  for (std::size_t i = 0; i < other.counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
}

std::int64_t LatencyHistogram::percentile(double percent) const {
  if (count_ == 0) return 0;
  const double clamped = std::clamp(percent, 0.0, 100.0);
  // The small subtraction keeps 99.9% of 1000 at rank 999 despite rounding in the product.
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(clamped * static_cast<double>(count_) / 100.0 - 1e-9)));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(static_cast<std::int64_t>(highest_in(i)), max_);
  }
  return max_;
}

}  // namespace hotdeploy::harness
