// The load generator against the judge: what the generator counted (its progress) and what
// the judge reads from the events it recorded must agree. These tests use two rooms, load and
// judge, so they sit above both, in harness/ itself.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "harness/history/history.h"
#include "harness/history/run_clock.h"
#include "harness/judge/metrics.h"
#include "harness/load/load_config.h"
#include "harness/load/load_generator.h"
#include "harness/load/load_generator_testing.h"
#include "harness/load/scripted_http_server.h"

namespace hotdeploy::harness {
namespace {

using namespace std::chrono_literals;
using testing::config_for;
using testing::ended;
using testing::expect_well_formed;
using testing::kLoadWait;
using testing::ok_response;
using testing::ScriptedHttpServer;
using testing::ScriptedReply;
using testing::ScriptedRequest;
using testing::wait_for_progress;

Metrics metrics_of(EventLog log) {
  std::vector<EventLog> logs;
  logs.push_back(std::move(log));
  return compute_metrics(History::merge(std::move(logs)));
}

TEST(LoadGeneratorTest, KeepAliveConnectionsServeEveryRequestOk) {
  ScriptedHttpServer server([](const ScriptedRequest&) { return ScriptedReply::respond(ok_response(4242)); });
  RunClock clock;
  LoadGenerator g(config_for(server.port(), 4), clock);
  g.start();
  // The connections are split over the loops, and one loop may reach any count of ok responses
  // before the other's connections sent anything: wait for a response read on each connection.
  ASSERT_TRUE(server.wait_for_answered_connections(4, "GET / ", kLoadWait));
  ASSERT_TRUE(wait_for_progress(
      g, [](const LoadProgress& p) { return p.ok >= 200; }, kLoadWait, "200 ok"));
  g.stop(1000ms);
  EXPECT_FALSE(g.error());
  const LoadProgress p = g.progress();
  const EventLog log = g.take_events();
  expect_well_formed(log);

  std::set<std::uint32_t> connections;
  std::map<std::uint32_t, int> per_connection;
  for (const Event& e : ended(log)) {
    EXPECT_EQ(e.outcome, Outcome::ok);
    EXPECT_EQ(e.reason, Reason::none);
    EXPECT_EQ(e.status, 200);
    EXPECT_EQ(e.pid, 4242);
    EXPECT_EQ(e.attempt, 1);
    EXPECT_GT(e.bytes, 2u);
    // Only the first request on each connection is sent on a fresh one.
    EXPECT_EQ(e.reused, per_connection[e.connection_id]++ > 0);
    connections.insert(e.connection_id);
  }
  EXPECT_EQ(connections.size(), 4u);
  EXPECT_EQ(p.dropped, 0u);
  EXPECT_EQ(p.sent, p.ok);
  const Metrics m = metrics_of(log);
  EXPECT_EQ(m.requests, p.ok);
  EXPECT_EQ(m.ok, p.ok);
  EXPECT_EQ(m.dropped, 0u);
}

// The server closes a keep-alive connection instead of answering its second request, like a
// worker that shuts down an idle connection just as the next request arrives.
TEST(LoadGeneratorTest, ZeroByteCloseOnAReusedConnectionIsRetriedOnAFreshOne) {
  ScriptedHttpServer server([](const ScriptedRequest& r) {
    return r.on_connection == 0 ? ScriptedReply::respond(ok_response(11)) : ScriptedReply::close();
  });
  RunClock clock;
  LoadGenerator g(config_for(server.port(), 1), clock);
  g.start();
  ASSERT_TRUE(wait_for_progress(
      g, [](const LoadProgress& p) { return p.retried >= 10; }, kLoadWait, "10 retried"));
  g.stop(1000ms);
  const LoadProgress p = g.progress();
  EventLog log = g.take_events();
  expect_well_formed(log);

  std::map<std::uint64_t, std::vector<Event>> by_request;
  for (const Event& e : ended(log)) by_request[e.request_id].push_back(e);
  int retried = 0;
  for (const auto& [id, attempts] : by_request) {
    if (attempts.size() == 1) {
      EXPECT_EQ(attempts[0].outcome, Outcome::ok) << "request " << id;
      continue;
    }
    ASSERT_EQ(attempts.size(), 2u) << "request " << id;
    const Event& first = attempts[0];
    const Event& second = attempts[1];
    EXPECT_EQ(first.attempt, 1);
    EXPECT_TRUE(first.reused);
    EXPECT_EQ(first.outcome, Outcome::fail);
    EXPECT_EQ(first.reason, Reason::closed_without_response);
    EXPECT_EQ(first.bytes, 0u);
    EXPECT_EQ(second.attempt, 2);
    EXPECT_FALSE(second.reused);
    EXPECT_NE(second.connection_id, first.connection_id);
    EXPECT_EQ(second.outcome, Outcome::ok);
    ++retried;
  }
  EXPECT_GE(retried, 10);
  EXPECT_EQ(p.dropped, 0u);
  const Metrics m = metrics_of(std::move(log));
  EXPECT_EQ(m.dropped, 0u);
  EXPECT_EQ(m.retried, p.retried);
  EXPECT_EQ(m.ok, m.requests);
}

TEST(LoadGeneratorTest, ARetryThatAlsoFailsIsDropped) {
  ScriptedHttpServer server([](const ScriptedRequest& r) {
    return r.total == 0 ? ScriptedReply::respond(ok_response(12)) : ScriptedReply::close();
  });
  RunClock clock;
  LoadConfig config = config_for(server.port(), 1);
  config.failure_backoff = 1ms;
  LoadGenerator g(config, clock);
  g.start();
  ASSERT_TRUE(wait_for_progress(
      g, [](const LoadProgress& p) { return p.dropped >= 3; }, kLoadWait, "3 dropped"));
  g.stop(1000ms);
  EventLog log = g.take_events();
  expect_well_formed(log);
  const std::vector<Event> ends = ended(log);
  ASSERT_GE(ends.size(), 3u);
  EXPECT_EQ(ends[0].outcome, Outcome::ok);
  // Request 2 went out on the reused connection, was closed unanswered, retried, closed again.
  EXPECT_EQ(ends[1].request_id, ends[2].request_id);
  EXPECT_EQ(ends[1].reason, Reason::closed_without_response);
  EXPECT_EQ(ends[2].attempt, 2);
  EXPECT_EQ(ends[2].outcome, Outcome::info);
  EXPECT_EQ(ends[2].reason, Reason::reset_after_send);
  const Metrics m = metrics_of(std::move(log));
  EXPECT_EQ(m.retried, 0u);
  EXPECT_EQ(m.ok, 1u);
  EXPECT_EQ(m.dropped, m.requests - 1);
  EXPECT_EQ(m.dropped_by_reason.at("reset_after_send"), m.dropped);
}

}  // namespace
}  // namespace hotdeploy::harness
