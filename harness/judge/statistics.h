// Statistics for comparing two sets of measurements, one figure per run (hotdeploy bench): order
// statistics, the Mann-Whitney U test and a seeded percentile bootstrap of the ratio or the
// difference of two medians; and the upper bound on a drop rate that the dropped check and
// `hotdeploy merge` print. Pure functions; nothing here reads a clock or a global generator, so
// every result is a function of its inputs (and the seed).
//
// Assumptions, which the caller must make true: the values of one side are independent draws from
// one distribution (independent runs), and the two sides are independent of each other. Runs on a
// machine whose load drifts are not identically distributed over time; interleaving the sides
// (A B A B ...) makes the drift hit both alike, so that it widens both distributions instead of
// shifting one of them.
//
// The reference values these functions are tested against come from scipy
// (harness/judge/testdata/statistics_reference.py).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace hotdeploy::harness {

// The one-sided upper confidence bound on a rate from `events` in `trials` (a soak's dropped
// requests in its requests, or its switchovers that lost a request in its switchovers): the rule
// of three, 3 / trials, when events is 0; otherwise the exact (Clopper-Pearson) bound, the p at
// which P(X <= events) = 1 - confidence for X ~ Binomial(trials, p). 1 when events >= trials.
// trials must be positive; confidence in (0, 1).
[[nodiscard]] double rate_upper_bound(std::uint64_t events, std::uint64_t trials, double confidence = 0.95);

// The median (the mean of the two middle values for an even count). values must not be empty.
[[nodiscard]] double median(std::vector<double> values);

// Nearest rank: the smallest value with at least `percent` % of the values at or below it
// (percent in (0, 100]). values must not be empty.
[[nodiscard]] double nearest_rank(std::vector<double> values, double percent);

// The Mann-Whitney U test of "the two samples come from one distribution", two-sided.
// u_a counts the pairs (a, b) with a > b, plus half of the tied pairs; u_b = |a| |b| - u_a.
// exact: the p-value is the exact distribution of U (both samples of at most 8 values and no
// ties, as scipy.stats.mannwhitneyu's method="auto" decides); otherwise the normal approximation
// with the tie correction of the variance and a continuity correction of 0.5. When every value of
// both samples is the same, p_value is 1. Both samples must be non-empty.
struct UTest {
  double u_a = 0;
  double u_b = 0;
  double p_value = 1;
  bool exact = false;
};
[[nodiscard]] UTest mann_whitney_u(const std::vector<double>& a, const std::vector<double>& b);

// Exact two-sided p-value for U = u from samples of n_a and n_b values without ties:
// 2 * P(U >= max(u, n_a n_b - u)), at most 1.
[[nodiscard]] double mann_whitney_exact_p(double u, int n_a, int n_b);

// The asymptotic two-sided p-value, as described above for UTest.
[[nodiscard]] double mann_whitney_asymptotic_p(const std::vector<double>& a, const std::vector<double>& b, double u_a);

// SplitMix64 (Steele, Lea and Flood 2014): a small generator whose output is easy to reproduce
// in any language, so that a bootstrap can be checked value for value.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next();
  // Uniform in [0, n): the high 32 bits times n, shifted down (n < 2^32).
  std::uint32_t below(std::uint32_t n);

 private:
  std::uint64_t state_;
};

enum class Effect : std::uint8_t { ratio, difference };  // median(b) / median(a), median(b) - median(a)

struct Interval {
  double low = 0;
  double high = 0;
};

// Percentile bootstrap of the effect of b over a: `resamples` times, draw |a| values of a with
// replacement, then |b| of b (generator seeded with `seed`), and compute the effect of the
// resampled medians; the interval is the (1 - confidence) / 2 and (1 + confidence) / 2 quantiles
// of those effects, linearly interpolated (numpy's default). nullopt for a ratio when a resampled
// median of a is 0. Both samples must be non-empty; resamples at least 2.
[[nodiscard]] std::optional<Interval> bootstrap_interval(const std::vector<double>& a, const std::vector<double>& b,
                                                         Effect effect, int resamples, double confidence,
                                                         std::uint64_t seed);

// The q-quantile (q in [0, 1]) of sorted values by linear interpolation between closest ranks.
[[nodiscard]] double interpolated_quantile(const std::vector<double>& sorted, double q);

}  // namespace hotdeploy::harness
