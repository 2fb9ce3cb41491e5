// RequestRateLimit: nginx's limit_req (ngx_http_limit_req_module), the parts fake-nginx models.
//
// A zone (`limit_req_zone KEY zone=NAME:SIZE rate=Nr/s|Nr/m`) keeps, per key, nginx's leaky
// bucket in thousandths of a request: each request adds 1000 to the key's excess, which drains
// at the zone's rate; a request whose excess would pass the rule's burst is rejected (503),
// one whose excess passes the rule's delay (0 unless `delay=N`; unlimited with `nodelay`) is
// delayed by (excess - delay) / rate. With several rules a request is rejected if any rule
// rejects it, else every rule counts it and the longest delay applies. An empty key is never
// limited. The fake keys every zone on the client address (nginx's $binary_remote_addr,
// empty on unix-domain sockets) whatever KEY says, and its buckets live in one worker, not in
// memory shared by all of them. Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace hotdeploy::fakes {

struct LimitReqZone {
  std::string name;
  long rate = 0;  // thousandths of a request per second, as nginx stores it
};

struct LimitReqRule {
  std::string zone;
  long burst = 0;  // thousandths of a request
  long delay = 0;  // thousandths of a request
};

struct RateLimitDecision {
  bool rejected = false;
  std::chrono::milliseconds delay{0};
};

class RequestRateLimit {
 public:
  using Clock = std::chrono::steady_clock;

  // Rules naming a zone not in `zones` are dropped (the config loader rejects them first).
  RequestRateLimit(std::vector<LimitReqZone> zones, std::vector<LimitReqRule> rules);

  [[nodiscard]] bool empty() const { return rules_.empty(); }
  [[nodiscard]] RateLimitDecision account(const std::string& key, Clock::time_point now);

 private:
  struct Bucket {
    long excess = 0;
    Clock::time_point last;
  };
  struct ActiveRule {
    LimitReqRule rule;
    long rate = 0;
    std::map<std::string, Bucket> buckets;
  };

  std::mutex mutex_;
  std::vector<ActiveRule> rules_;
};

}  // namespace hotdeploy::fakes
