#include "harness/judge/statistics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace hotdeploy::harness {
namespace {

std::vector<double> parse_list(const std::string& text) {
  std::vector<double> values;
  std::istringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) values.push_back(std::stod(item));
  return values;
}

struct ReferenceLines {
  std::vector<std::string> utests;
  std::vector<std::string> bootstraps;
};

// statistics_reference.txt, written by scipy (testdata/statistics_reference.py).
ReferenceLines read_reference() {
  std::ifstream in(STATISTICS_REFERENCE_FILE);
  EXPECT_TRUE(in) << "cannot open " << STATISTICS_REFERENCE_FILE;
  ReferenceLines lines;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("utest ", 0) == 0) lines.utests.push_back(line);
    if (line.rfind("bootstrap ", 0) == 0) lines.bootstraps.push_back(line);
  }
  return lines;
}

// P(X <= k), X ~ Binomial(n, p), summed term by term from the binomial coefficients.
double direct_binomial_cdf(int k, int n, double p) {
  double sum = 0;
  double coefficient = 1;
  for (int i = 0; i <= k; ++i) {
    sum += coefficient * std::pow(p, i) * std::pow(1 - p, n - i);
    coefficient = coefficient * (n - i) / (i + 1);
  }
  return sum;
}

TEST(Statistics, RateUpperBoundIsTheRuleOfThreeThenClopperPearson) {
  EXPECT_DOUBLE_EQ(rate_upper_bound(0, 1'000'000), 3e-6);
  EXPECT_DOUBLE_EQ(rate_upper_bound(0, 2), 1.0);
  EXPECT_DOUBLE_EQ(rate_upper_bound(7, 7), 1.0);
  // The textbook value: one lost in ten, 95% one-sided (the upper end of the 90% two-sided interval).
  EXPECT_NEAR(rate_upper_bound(1, 10), 0.3942, 1e-4);
  for (const auto& [k, n] : {std::pair{1, 10}, {5, 100}, {3, 40}, {20, 60}}) {
    const double bound = rate_upper_bound(static_cast<std::uint64_t>(k), static_cast<std::uint64_t>(n));
    EXPECT_NEAR(direct_binomial_cdf(k, n, bound), 0.05, 1e-9) << k << " of " << n;
    EXPECT_GT(bound, static_cast<double>(k) / n);
  }
  // Large counts stay finite and sit just above the observed rate.
  const double large = rate_upper_bound(5, 10'000'000);
  EXPECT_GT(large, 5e-7);
  EXPECT_LT(large, 1.2e-6);
}

TEST(Statistics, MedianAndNearestRank) {
  EXPECT_DOUBLE_EQ(median({3, 1, 2}), 2);
  EXPECT_DOUBLE_EQ(median({4, 1, 3, 2}), 2.5);
  EXPECT_DOUBLE_EQ(nearest_rank({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 90), 9);
  EXPECT_DOUBLE_EQ(nearest_rank({10, 1, 5}, 90), 10);
  EXPECT_DOUBLE_EQ(nearest_rank({7}, 90), 7);
  EXPECT_THROW((void)median({}), std::invalid_argument);
  EXPECT_THROW((void)nearest_rank({1}, 0), std::invalid_argument);
}

TEST(Statistics, InterpolatedQuantileIsNumpysLinear) {
  const std::vector<double> sorted = {1, 2, 4, 8};
  EXPECT_DOUBLE_EQ(interpolated_quantile(sorted, 0), 1);
  EXPECT_DOUBLE_EQ(interpolated_quantile(sorted, 1), 8);
  EXPECT_DOUBLE_EQ(interpolated_quantile(sorted, 0.5), 3);        // h = 1.5
  EXPECT_DOUBLE_EQ(interpolated_quantile(sorted, 0.025), 1.075);  // h = 0.075
}

TEST(Statistics, UTestMatchesScipy) {
  const auto reference = read_reference();
  ASSERT_GE(reference.utests.size(), 8U);
  int exact = 0;
  for (const auto& line : reference.utests) {
    std::istringstream in(line);
    std::string tag, method, a_text, b_text;
    double u_a = 0, p = 0;
    in >> tag >> method >> a_text >> b_text >> u_a >> p;
    ASSERT_TRUE(in) << line;
    const auto a = parse_list(a_text);
    const auto b = parse_list(b_text);
    const auto test = mann_whitney_u(a, b);
    EXPECT_DOUBLE_EQ(test.u_a, u_a) << line;
    EXPECT_DOUBLE_EQ(test.u_b, static_cast<double>(a.size() * b.size()) - u_a) << line;
    // The function picks exact or asymptotic as scipy's method="auto" does; the file names which.
    EXPECT_EQ(test.exact, method == "exact") << line;
    EXPECT_NEAR(test.p_value, p, 1e-9 + 1e-9 * p) << line;
    exact += test.exact ? 1 : 0;
  }
  EXPECT_GE(exact, 3);
}

TEST(Statistics, AllValuesTheSameIsNotDistinguishable) {
  const auto test = mann_whitney_u({0, 0, 0, 0, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 0, 0, 0, 0, 0});
  EXPECT_FALSE(test.exact);
  EXPECT_DOUBLE_EQ(test.p_value, 1);
  EXPECT_DOUBLE_EQ(test.u_a, 40.5);
}

TEST(Statistics, ExactDistributionOfSmallSamples) {
  // n_a = n_b = 2: U is 0, 1, 2, 2, 3, 4 over the 6 orderings.
  EXPECT_DOUBLE_EQ(mann_whitney_exact_p(0, 2, 2), 2.0 / 6);
  EXPECT_DOUBLE_EQ(mann_whitney_exact_p(1, 2, 2), 4.0 / 6);
  EXPECT_DOUBLE_EQ(mann_whitney_exact_p(2, 2, 2), 1);
}

TEST(Statistics, SplitMix64IsTheReferenceSequence) {
  // The first outputs for seed 1234567 in the generator's reference implementation (Vigna's
  // splitmix64.c).
  SplitMix64 generator(1234567);
  EXPECT_EQ(generator.next(), 6457827717110365317ULL);
  EXPECT_EQ(generator.next(), 3203168211198807973ULL);
  EXPECT_EQ(generator.next(), 9817491932198370423ULL);
}

TEST(Statistics, BootstrapReplaysTheReferenceAndAgreesWithScipy) {
  const auto reference = read_reference();
  ASSERT_GE(reference.bootstraps.size(), 4U);
  for (const auto& line : reference.bootstraps) {
    std::istringstream in(line);
    std::string tag, kind, a_text, b_text;
    std::uint64_t seed = 0;
    int resamples = 0;
    double low = 0, high = 0, scipy_low = 0, scipy_high = 0;
    in >> tag >> kind >> seed >> resamples >> a_text >> b_text >> low >> high >> scipy_low >> scipy_high;
    ASSERT_TRUE(in) << line;
    const auto effect = kind == "ratio" ? Effect::ratio : Effect::difference;
    const auto interval = bootstrap_interval(parse_list(a_text), parse_list(b_text), effect, resamples, 0.95, seed);
    ASSERT_TRUE(interval.has_value()) << line;
    EXPECT_NEAR(interval->low, low, 1e-9 * std::max(1.0, std::abs(low))) << line;
    EXPECT_NEAR(interval->high, high, 1e-9 * std::max(1.0, std::abs(high))) << line;
    // scipy draws with its own generator: the ends agree within a fifth of the interval's width.
    const double slack = 0.2 * (scipy_high - scipy_low);
    EXPECT_NEAR(interval->low, scipy_low, slack) << line;
    EXPECT_NEAR(interval->high, scipy_high, slack) << line;
  }
}

TEST(Statistics, BootstrapIsAFunctionOfItsSeed) {
  const std::vector<double> a = {10, 12, 11, 15, 9, 13, 30};
  const std::vector<double> b = {20, 22, 25, 19, 40, 21, 23};
  const auto first = bootstrap_interval(a, b, Effect::ratio, 500, 0.95, 5);
  const auto again = bootstrap_interval(a, b, Effect::ratio, 500, 0.95, 5);
  ASSERT_TRUE(first && again);
  EXPECT_EQ(first->low, again->low);
  EXPECT_EQ(first->high, again->high);
  EXPECT_LE(first->low, first->high);
}

TEST(Statistics, RatioOfAZeroMedianHasNoInterval) {
  EXPECT_FALSE(bootstrap_interval({0, 0, 0}, {1, 2, 3}, Effect::ratio, 100, 0.95, 1).has_value());
  const auto difference = bootstrap_interval({0, 0, 0}, {1, 1, 1}, Effect::difference, 100, 0.95, 1);
  ASSERT_TRUE(difference.has_value());
  EXPECT_DOUBLE_EQ(difference->low, 1);
  EXPECT_DOUBLE_EQ(difference->high, 1);
}

// With none dropped, the rule of three; otherwise the exact one-sided Clopper-Pearson limit (the
// reference values solve P(X <= k) = 0.05 for Binomial(n, p), e.g. (1 - p)^10 + 10 p (1 - p)^9
// = 0.05 for 1 of 10, found by bisection in Python).
TEST(Statistics, RateUpperBoundMatchesReferenceValues) {
  EXPECT_DOUBLE_EQ(rate_upper_bound(0, 12345), 3.0 / 12345);
  EXPECT_DOUBLE_EQ(rate_upper_bound(0, 2), 1);
  EXPECT_NEAR(rate_upper_bound(1, 10), 0.3941633024365048, 1e-9);
  EXPECT_NEAR(rate_upper_bound(1, 100), 0.046559811453538755, 1e-9);
  EXPECT_NEAR(rate_upper_bound(5, 1000), 0.010484076911415277, 1e-9);
  EXPECT_NEAR(rate_upper_bound(976, 12345), 0.08316938077438388, 1e-9);
  EXPECT_DOUBLE_EQ(rate_upper_bound(10, 10), 1);
}

}  // namespace
}  // namespace hotdeploy::harness
