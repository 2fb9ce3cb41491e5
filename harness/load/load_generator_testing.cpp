#include "harness/load/load_generator_testing.h"

#include <map>
#include <thread>
#include <utility>

namespace hotdeploy::harness::testing {

using namespace std::chrono_literals;

LoadConfig config_for(std::uint16_t port, int connections) {
  LoadConfig c;
  c.port = port;
  c.keepalive.connections = connections;
  c.reserve_events = 1024;
  return c;
}

::testing::AssertionResult wait_for_progress(const LoadGenerator& g,
                                             const std::function<bool(const LoadProgress&)>& pred,
                                             std::chrono::milliseconds timeout, const char* what) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  LoadProgress p = g.progress();
  while (!pred(p)) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return ::testing::AssertionFailure()
             << "waited " << timeout.count() << " ms for " << what << "; last progress: sent " << p.sent << ", ok "
             << p.ok << ", dropped " << p.dropped << ", retried " << p.retried;
    }
    std::this_thread::sleep_for(1ms);
    p = g.progress();
  }
  return ::testing::AssertionSuccess();
}

std::vector<Event> ended(const EventLog& log) {
  std::vector<Event> out;
  for (const Event& e : log.events()) {
    if (e.type == EventType::request_ended) out.push_back(e);
  }
  return out;
}

void expect_well_formed(const EventLog& log) {
  std::map<std::pair<std::uint64_t, int>, int> sent;
  std::map<std::pair<std::uint64_t, int>, int> ends;
  std::int64_t last_t = 0;
  for (const Event& e : log.events()) {
    EXPECT_GE(e.t_ns, last_t);
    last_t = e.t_ns;
    const auto key = std::make_pair(e.request_id, int{e.attempt});
    if (e.type == EventType::request_sent) {
      EXPECT_EQ(ends[key], 0) << "request " << e.request_id << " sent after it ended";
      ++sent[key];
    } else {
      ASSERT_EQ(e.type, EventType::request_ended);
      EXPECT_NE(e.outcome, Outcome::none);
      ++ends[key];
    }
  }
  for (const auto& [key, n] : sent) EXPECT_EQ(n, 1) << "request " << key.first << " attempt " << key.second;
  for (const auto& [key, n] : ends) EXPECT_EQ(n, 1) << "request " << key.first << " attempt " << key.second;
  for (const auto& [key, n] : sent) EXPECT_EQ(ends[key], 1) << "request " << key.first << " never ended";
}

}  // namespace hotdeploy::harness::testing
