#include "harness/judge/statistics.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace hotdeploy::harness {
namespace {

void require_values(const std::vector<double>& values, const char* what) {
  if (values.empty()) throw std::invalid_argument(std::string(what) + ": no values");
}

// Sum over groups of equal values of t^3 - t, t being the group's size.
double tie_term(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  double sum = 0;
  for (std::size_t i = 0; i < values.size();) {
    std::size_t j = i;
    while (j < values.size() && values[j] == values[i]) ++j;
    const auto t = static_cast<double>(j - i);
    sum += t * t * t - t;
    i = j;
  }
  return sum;
}

}  // namespace

double median(std::vector<double> values) {
  require_values(values, "median");
  std::sort(values.begin(), values.end());
  const auto n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

double nearest_rank(std::vector<double> values, double percent) {
  require_values(values, "nearest_rank");
  if (!(percent > 0 && percent <= 100)) throw std::invalid_argument("nearest_rank: percent must be in (0, 100]");
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<std::size_t>(std::ceil(percent / 100 * static_cast<double>(values.size())));
  return values[std::clamp<std::size_t>(rank, 1, values.size()) - 1];
}

double mann_whitney_exact_p(double u, int n_a, int n_b) {
  if (n_a < 1 || n_b < 1) throw std::invalid_argument("mann_whitney_exact_p: empty sample");
  // counts[m][k]: the number of orderings of m values of a among j values of b with U = k, for
  // the j of the current pass: f(m, j)(k) = f(m - 1, j)(k - j) + f(m, j - 1)(k).
  std::vector<std::vector<double>> counts(static_cast<std::size_t>(n_a) + 1, std::vector<double>{1.0});
  for (int j = 1; j <= n_b; ++j) {
    std::vector<std::vector<double>> next(counts.size());
    next[0] = {1.0};
    for (std::size_t m = 1; m < counts.size(); ++m) {
      std::vector<double> row(m * static_cast<std::size_t>(j) + 1, 0.0);
      for (std::size_t k = 0; k < counts[m].size(); ++k) row[k] += counts[m][k];
      for (std::size_t k = 0; k < next[m - 1].size(); ++k) row[k + static_cast<std::size_t>(j)] += next[m - 1][k];
      next[m] = std::move(row);
    }
    counts = std::move(next);
  }
  const auto& distribution = counts.back();
  const double total_pairs = static_cast<double>(n_a) * n_b;
  const double u_max = std::max(u, total_pairs - u);
  double total = 0;
  double at_or_above = 0;
  for (std::size_t k = 0; k < distribution.size(); ++k) {
    total += distribution[k];
    if (static_cast<double>(k) >= u_max - 1e-9) at_or_above += distribution[k];
  }
  return std::min(1.0, 2 * at_or_above / total);
}

double mann_whitney_asymptotic_p(const std::vector<double>& a, const std::vector<double>& b, double u_a) {
  const auto n_a = static_cast<double>(a.size());
  const auto n_b = static_cast<double>(b.size());
  const double n = n_a + n_b;
  std::vector<double> pooled(a);
  pooled.insert(pooled.end(), b.begin(), b.end());
  const double variance = n_a * n_b / 12 * ((n + 1) - tie_term(std::move(pooled)) / (n * (n - 1)));
  if (!(variance > 0)) return 1.0;  // every value the same: nothing tells the samples apart
  const double u_max = std::max(u_a, n_a * n_b - u_a);
  const double z = (u_max - n_a * n_b / 2 - 0.5) / std::sqrt(variance);
  return std::clamp(std::erfc(z / std::sqrt(2.0)), 0.0, 1.0);  // 2 * the normal upper tail
}

UTest mann_whitney_u(const std::vector<double>& a, const std::vector<double>& b) {
  require_values(a, "mann_whitney_u: first sample");
  require_values(b, "mann_whitney_u: second sample");
  UTest test;
  for (const double x : a) {
    for (const double y : b) test.u_a += x > y ? 1.0 : x == y ? 0.5 : 0.0;
  }
  const double pairs = static_cast<double>(a.size()) * static_cast<double>(b.size());
  test.u_b = pairs - test.u_a;
  std::vector<double> pooled(a);
  pooled.insert(pooled.end(), b.begin(), b.end());
  const bool ties = tie_term(pooled) > 0;
  test.exact = !ties && a.size() <= 8 && b.size() <= 8;
  if (test.exact) {
    test.p_value = mann_whitney_exact_p(test.u_a, static_cast<int>(a.size()), static_cast<int>(b.size()));
  } else {
    test.p_value = mann_whitney_asymptotic_p(a, b, test.u_a);
  }
  return test;
}

std::uint64_t SplitMix64::next() {
  state_ += 0x9E3779B97F4A7C15ULL;
  std::uint64_t z = state_;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::uint32_t SplitMix64::below(std::uint32_t n) { return static_cast<std::uint32_t>(((next() >> 32) * n) >> 32); }

double interpolated_quantile(const std::vector<double>& sorted, double q) {
  require_values(sorted, "interpolated_quantile");
  const double h = (static_cast<double>(sorted.size()) - 1) * std::clamp(q, 0.0, 1.0);
  const auto low = static_cast<std::size_t>(std::floor(h));
  if (low + 1 >= sorted.size()) return sorted.back();
  return sorted[low] + (h - static_cast<double>(low)) * (sorted[low + 1] - sorted[low]);
}

std::optional<Interval> bootstrap_interval(const std::vector<double>& a, const std::vector<double>& b, Effect effect,
                                           int resamples, double confidence, std::uint64_t seed) {
  require_values(a, "bootstrap_interval: first sample");
  require_values(b, "bootstrap_interval: second sample");
  if (resamples < 2) throw std::invalid_argument("bootstrap_interval: fewer than 2 resamples");
  SplitMix64 generator(seed);
  std::vector<double> effects;
  effects.reserve(static_cast<std::size_t>(resamples));
  std::vector<double> drawn_a(a.size());
  std::vector<double> drawn_b(b.size());
  for (int r = 0; r < resamples; ++r) {
    for (auto& value : drawn_a) value = a[generator.below(static_cast<std::uint32_t>(a.size()))];
    for (auto& value : drawn_b) value = b[generator.below(static_cast<std::uint32_t>(b.size()))];
    const double median_a = median(drawn_a);
    const double median_b = median(drawn_b);
    if (effect == Effect::ratio) {
      if (median_a == 0) return std::nullopt;
      effects.push_back(median_b / median_a);
    } else {
      effects.push_back(median_b - median_a);
    }
  }
  std::sort(effects.begin(), effects.end());
  return Interval{interpolated_quantile(effects, (1 - confidence) / 2),
                  interpolated_quantile(effects, (1 + confidence) / 2)};
}

namespace {

// P(X <= k) for X ~ Binomial(n, p), 0 < p < 1: the terms from i = 0 up, each from the one before
// it (t(i+1) = t(i) (n - i) / (i + 1) p / (1 - p)), summed in log space so that n = 10^9 neither
// underflows nor loses the small terms.
double binomial_cdf(std::uint64_t k, std::uint64_t n, double p) {
  const double nd = static_cast<double>(n);
  const double log_ratio = std::log(p) - std::log1p(-p);
  double log_term = nd * std::log1p(-p);
  double log_sum = log_term;
  for (std::uint64_t i = 0; i < k; ++i) {
    const double id = static_cast<double>(i);
    log_term += std::log(nd - id) - std::log(id + 1) + log_ratio;
    const double high = std::max(log_sum, log_term);
    log_sum = high + std::log(std::exp(log_sum - high) + std::exp(log_term - high));
  }
  return std::exp(log_sum);
}

}  // namespace

double rate_upper_bound(std::uint64_t events, std::uint64_t trials, double confidence) {
  if (events >= trials) return 1.0;
  const double n = static_cast<double>(trials);
  if (events == 0) return std::min(1.0, 3.0 / n);
  // The CDF falls as p rises: bisect for the p where it crosses 1 - confidence.
  double low = static_cast<double>(events) / n;
  double high = 1.0;
  for (int step = 0; step < 200 && high - low > 1e-12 * high; ++step) {
    const double mid = (low + high) / 2;
    (binomial_cdf(events, trials, mid) > 1 - confidence ? low : high) = mid;
  }
  return high;
}

}  // namespace hotdeploy::harness
