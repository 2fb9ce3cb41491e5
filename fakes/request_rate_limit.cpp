#include "request_rate_limit.h"

#include <algorithm>
#include <limits>

namespace hotdeploy::fakes {
namespace {

// a * b / c, or the largest long when a * b does not fit: a bucket idle for long at a high rate
// has drained all it ever held.
long saturating_scale(long a, long b, long c) {
  long product = 0;
  if (__builtin_mul_overflow(a, b, &product)) return std::numeric_limits<long>::max();
  return product / c;
}

}  // namespace

RequestRateLimit::RequestRateLimit(std::vector<LimitReqZone> zones, std::vector<LimitReqRule> rules) {
  for (LimitReqRule& rule : rules) {
    auto zone = std::find_if(zones.begin(), zones.end(), [&](const LimitReqZone& z) { return z.name == rule.zone; });
    if (zone == zones.end() || zone->rate <= 0) continue;
    rules_.push_back({std::move(rule), zone->rate, {}});
  }
}

RateLimitDecision RequestRateLimit::account(const std::string& key, Clock::time_point now) {
  RateLimitDecision decision;
  if (key.empty()) return decision;
  std::lock_guard lock(mutex_);
  std::vector<long> excesses;
  for (ActiveRule& active : rules_) {
    auto found = active.buckets.find(key);
    long excess = 0;
    if (found != active.buckets.end()) {
      const long ms =
          std::max<long>(0, std::chrono::duration_cast<std::chrono::milliseconds>(now - found->second.last).count());
      excess = std::max<long>(0, found->second.excess - saturating_scale(active.rate, ms, 1000) + 1000);
    }
    if (excess > active.rule.burst) {
      decision.rejected = true;
      return decision;
    }
    excesses.push_back(excess);
  }
  for (size_t i = 0; i < rules_.size(); ++i) {
    ActiveRule& active = rules_[i];
    auto [bucket, inserted] = active.buckets.try_emplace(key, Bucket{0, now});
    if (!inserted) {
      bucket->second.excess = excesses[i];
      if (now > bucket->second.last) bucket->second.last = now;
    }
    if (excesses[i] > active.rule.delay) {
      decision.delay =
          std::max(decision.delay, std::chrono::milliseconds((excesses[i] - active.rule.delay) * 1000 / active.rate));
    }
  }
  return decision;
}

}  // namespace hotdeploy::fakes
