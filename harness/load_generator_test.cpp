#include "harness/load_generator.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <ostream>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "harness/metrics.h"
#include "harness/scripted_http_server.h"

namespace hotdeploy::harness {
namespace {

using namespace std::chrono_literals;
using testing::ok_response;
using testing::RefusingPort;
using testing::ScriptedHttpServer;
using testing::ScriptedReply;
using testing::ScriptedRequest;
using testing::StalledListener;

constexpr auto kWait = 5000ms;

LoadConfig config_for(std::uint16_t port, int connections) {
  LoadConfig c;
  c.port = port;
  c.keepalive.connections = connections;
  c.reserve_events = 1024;
  return c;
}

// Polls the generator's progress until pred holds or the timeout passes; reports the last
// progress seen on timeout.
::testing::AssertionResult wait_for_progress(const LoadGenerator& g, const std::function<bool(const LoadProgress&)>& pred,
                                             std::chrono::milliseconds timeout, const char* what) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  LoadProgress p = g.progress();
  while (!pred(p)) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return ::testing::AssertionFailure() << "waited " << timeout.count() << " ms for " << what << "; last progress: sent "
                                           << p.sent << ", ok " << p.ok << ", dropped " << p.dropped << ", retried "
                                           << p.retried;
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

// Checks that every event is a client event, timestamps never go backwards, and each request
// attempt has at most one request_sent followed by exactly one request_ended.
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
  ASSERT_TRUE(server.wait_for_answered_connections(4, "GET / ", kWait));
  ASSERT_TRUE(wait_for_progress(g, [](const LoadProgress& p) { return p.ok >= 200; }, kWait, "200 ok"));
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

// Two loops share the id counters and each keeps its own log; take_events() merges them.
TEST(LoadGeneratorTest, KeepAliveConnectionsSplitOverTwoLoopsShareOneNumbering) {
  ScriptedHttpServer server([](const ScriptedRequest&) { return ScriptedReply::respond(ok_response(4343)); });
  RunClock clock;
  LoadGenerator g(config_for(server.port(), 5), clock, 2);
  EXPECT_EQ(g.loops(), 2);
  g.start();
  // On a busy machine one loop may finish many requests before the other runs at all.
  ASSERT_TRUE(server.wait_for_answered_connections(5, "GET / ", kWait));
  ASSERT_TRUE(wait_for_progress(g, [](const LoadProgress& p) { return p.ok >= 300; }, kWait, "300 ok"));
  g.stop(1000ms);
  EXPECT_FALSE(g.error());
  const LoadProgress p = g.progress();
  const EventLog log = g.take_events();
  expect_well_formed(log);

  std::set<std::uint64_t> requests;
  std::set<std::uint32_t> connections;
  for (const Event& e : ended(log)) {
    EXPECT_EQ(e.outcome, Outcome::ok);
    EXPECT_TRUE(requests.insert(e.request_id).second) << "request " << e.request_id << " ended twice";
    connections.insert(e.connection_id);
  }
  ASSERT_EQ(requests.size(), p.ok);
  EXPECT_EQ(p.sent, p.ok);
  // Ids 1..N with none skipped: no connect was pending at the stop, so every id handed out was
  // sent and ended.
  EXPECT_EQ(*requests.begin(), 1u);
  EXPECT_EQ(*requests.rbegin(), p.ok);
  EXPECT_EQ(connections, (std::set<std::uint32_t>{1, 2, 3, 4, 5}));
}

TEST(LoadGeneratorTest, NeverMoreLoopsThanKeepAliveConnections) {
  RunClock clock;
  EXPECT_EQ(LoadGenerator(config_for(1, 1), clock, 2).loops(), 1);
  EXPECT_EQ(LoadGenerator(config_for(1, 0), clock, 2).loops(), 1);
  EXPECT_EQ(LoadGenerator(config_for(1, 3), clock, 2).loops(), 2);
  EXPECT_EQ(LoadGenerator(config_for(1, 3), clock, 1).loops(), 1);
  EXPECT_GE(LoadGenerator::default_loops(), 1);
  EXPECT_LE(LoadGenerator::default_loops(), 2);
  EXPECT_THROW(LoadGenerator(config_for(1, 3), clock, 0), std::invalid_argument);
}

TEST(LoadGeneratorTest, ConnectionCloseOpensANewConnectionWithANewId) {
  ScriptedHttpServer server([](const ScriptedRequest&) {
    return ScriptedReply::respond("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\nX-Worker-Pid: 7\r\n\r\n");
  });
  RunClock clock;
  LoadGenerator g(config_for(server.port(), 1), clock);
  g.start();
  ASSERT_TRUE(wait_for_progress(g, [](const LoadProgress& p) { return p.ok >= 20; }, kWait, "20 ok"));
  g.stop(1000ms);
  const EventLog log = g.take_events();
  expect_well_formed(log);
  std::set<std::uint32_t> connections;
  for (const Event& e : ended(log)) {
    EXPECT_EQ(e.outcome, Outcome::ok);
    EXPECT_FALSE(e.reused);
    EXPECT_TRUE(connections.insert(e.connection_id).second) << "connection " << e.connection_id << " reused";
  }
}

TEST(LoadGeneratorTest, CloseDelimitedHttp10BodyIsOk) {
  ScriptedHttpServer server([](const ScriptedRequest&) {
    return ScriptedReply::respond("HTTP/1.0 200 OK\r\nX-Worker-Pid: 8\r\n\r\nbody until close", true);
  });
  RunClock clock;
  LoadGenerator g(config_for(server.port(), 1), clock);
  g.start();
  ASSERT_TRUE(wait_for_progress(g, [](const LoadProgress& p) { return p.ok >= 5; }, kWait, "5 ok"));
  g.stop(1000ms);
  for (const Event& e : ended(g.take_events())) {
    EXPECT_EQ(e.outcome, Outcome::ok);
    EXPECT_EQ(e.pid, 8);
  }
}

TEST(LoadGeneratorTest, ChunkedResponseIsOk) {
  ScriptedHttpServer server([](const ScriptedRequest&) {
    return ScriptedReply::respond(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Worker-Pid: 9\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n");
  });
  RunClock clock;
  LoadGenerator g(config_for(server.port(), 2), clock);
  g.start();
  ASSERT_TRUE(wait_for_progress(g, [](const LoadProgress& p) { return p.ok >= 20; }, kWait, "20 ok"));
  g.stop(1000ms);
  const EventLog log = g.take_events();
  expect_well_formed(log);
  for (const Event& e : ended(log)) {
    EXPECT_EQ(e.outcome, Outcome::ok);
    EXPECT_EQ(e.pid, 9);
  }
  EXPECT_EQ(g.progress().dropped, 0u);
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
  ASSERT_TRUE(wait_for_progress(g, [](const LoadProgress& p) { return p.retried >= 10; }, kWait, "10 retried"));
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
  ASSERT_TRUE(wait_for_progress(g, [](const LoadProgress& p) { return p.dropped >= 3; }, kWait, "3 dropped"));
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

TEST(LoadGeneratorTest, RefusedConnectionsFailWithoutBeingSent) {
  RefusingPort port;
  RunClock clock;
  LoadConfig config = config_for(port.port(), 2);
  config.failure_backoff = 2ms;
  LoadGenerator g(config, clock);
  g.start();
  ASSERT_TRUE(wait_for_progress(g, [](const LoadProgress& p) { return p.dropped >= 6; }, kWait, "6 dropped"));
  g.stop(1000ms);
  EXPECT_EQ(g.progress().sent, 0u);
  const EventLog log = g.take_events();
  ASSERT_FALSE(log.events().empty());
  for (const Event& e : log.events()) {
    EXPECT_EQ(e.type, EventType::request_ended);
    EXPECT_EQ(e.outcome, Outcome::fail);
    EXPECT_EQ(e.reason, Reason::refused);
    EXPECT_EQ(e.attempt, 1);
  }
}

TEST(LoadGeneratorTest, ConnectThatNeverCompletesTimesOut) {
  StalledListener listener;
  RunClock clock;
  LoadConfig config = config_for(listener.port(), 4);
  config.connect_timeout = 50ms;
  config.response_timeout = 50ms;
  LoadGenerator g(config, clock);
  g.start();
  ASSERT_TRUE(wait_for_progress(g, [](const LoadProgress& p) { return p.dropped >= 8; }, kWait, "8 dropped"));
  g.stop(0ms);
  int connect_timeouts = 0;
  for (const Event& e : ended(g.take_events())) {
    EXPECT_TRUE(e.reason == Reason::connect_timeout || e.reason == Reason::response_timeout ||
                e.reason == Reason::load_stopped)
        << to_string(e.reason);
    if (e.reason == Reason::connect_timeout) {
      EXPECT_EQ(e.outcome, Outcome::fail);
      ++connect_timeouts;
    }
  }
  EXPECT_GT(connect_timeouts, 0);
}

struct BadResponseCase {
  const char* name;
  const char* response;
  Outcome outcome;
  Reason reason;
};

void PrintTo(const BadResponseCase& c, std::ostream* os) { *os << c.name; }

class LoadGeneratorBadResponseTest : public ::testing::TestWithParam<BadResponseCase> {};

TEST_P(LoadGeneratorBadResponseTest, EndsWithTheNamedOutcome) {
  const BadResponseCase& c = GetParam();
  ScriptedHttpServer server([&](const ScriptedRequest&) { return ScriptedReply::respond(c.response, true); });
  RunClock clock;
  LoadConfig config = config_for(server.port(), 1);
  config.failure_backoff = 1ms;
  LoadGenerator g(config, clock);
  g.start();
  ASSERT_TRUE(wait_for_progress(g, [](const LoadProgress& p) { return p.dropped >= 2; }, kWait, "2 dropped"));
  g.stop(1000ms);
  const EventLog log = g.take_events();
  expect_well_formed(log);
  for (const Event& e : ended(log)) {
    EXPECT_EQ(e.outcome, c.outcome);
    EXPECT_EQ(e.reason, c.reason);
    EXPECT_GT(e.bytes, 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Responses, LoadGeneratorBadResponseTest,
    ::testing::Values(
        BadResponseCase{"truncated_body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", Outcome::info,
                        Reason::truncated},
        BadResponseCase{"truncated_headers", "HTTP/1.1 200 OK\r\nContent-Le", Outcome::info, Reason::truncated},
        BadResponseCase{"service_unavailable", "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n",
                        Outcome::fail, Reason::bad_status},
        BadResponseCase{"garbage", "garbage\r\n\r\n", Outcome::fail, Reason::malformed_response},
        BadResponseCase{"smuggling", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
                        Outcome::fail, Reason::malformed_response}),
    [](const ::testing::TestParamInfo<BadResponseCase>& info) { return std::string(info.param.name); });

TEST(LoadGeneratorTest, BadStatusKeepsTheStatusAndTheConnection) {
  ScriptedHttpServer server([](const ScriptedRequest&) {
    return ScriptedReply::respond("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nX-Worker-Pid: 5\r\n\r\n");
  });
  RunClock clock;
  LoadConfig config = config_for(server.port(), 1);
  config.failure_backoff = 1ms;
  LoadGenerator g(config, clock);
  g.start();
  ASSERT_TRUE(wait_for_progress(g, [](const LoadProgress& p) { return p.dropped >= 3; }, kWait, "3 dropped"));
  g.stop(1000ms);
  std::set<std::uint32_t> connections;
  for (const Event& e : ended(g.take_events())) {
    EXPECT_EQ(e.reason, Reason::bad_status);
    EXPECT_EQ(e.status, 404);
    connections.insert(e.connection_id);
  }
  EXPECT_EQ(connections.size(), 1u);
}

TEST(LoadGeneratorTest, UnansweredRequestTimesOutAsInfo) {
  ScriptedHttpServer server([](const ScriptedRequest&) { return ScriptedReply::hang(); });
  RunClock clock;
  LoadConfig config = config_for(server.port(), 1);
  config.response_timeout = 30ms;
  LoadGenerator g(config, clock);
  g.start();
  ASSERT_TRUE(wait_for_progress(g, [](const LoadProgress& p) { return p.dropped >= 2; }, kWait, "2 dropped"));
  g.stop(0ms);
  const std::vector<Event> ends = ended(g.take_events());
  ASSERT_GE(ends.size(), 2u);
  EXPECT_EQ(ends[0].outcome, Outcome::info);
  EXPECT_EQ(ends[0].reason, Reason::response_timeout);
}

TEST(LoadGeneratorTest, StopEndsOutstandingRequestsAsLoadStoppedAfterTheDrainTime) {
  ScriptedHttpServer server([](const ScriptedRequest&) { return ScriptedReply::hang(); });
  RunClock clock;
  LoadConfig config = config_for(server.port(), 3);
  config.response_timeout = 60s;
  LoadGenerator g(config, clock);
  g.start();
  ASSERT_TRUE(server.wait_for_requests(3, kWait));
  const auto before = std::chrono::steady_clock::now();
  g.stop(50ms);
  const auto took = std::chrono::steady_clock::now() - before;
  EXPECT_GE(took, 40ms);
  EXPECT_LT(took, 5s);
  const LoadProgress p = g.progress();
  EXPECT_EQ(p.sent, 3u);
  EXPECT_EQ(p.dropped, 3u);
  const EventLog log = g.take_events();
  expect_well_formed(log);
  for (const Event& e : ended(log)) {
    EXPECT_EQ(e.outcome, Outcome::info);
    EXPECT_EQ(e.reason, Reason::load_stopped);
  }
}

TEST(LoadGeneratorTest, ZeroConnectionsRecordNothing) {
  RunClock clock;
  LoadGenerator g(config_for(1, 0), clock);
  g.start();
  g.stop(0ms);
  EXPECT_TRUE(g.take_events().events().empty());
  EXPECT_FALSE(g.error());
}

TEST(LoadGeneratorTest, MisuseIsRejected) {
  RunClock clock;
  LoadGenerator g(config_for(1, 0), clock);
  g.start();
  EXPECT_THROW(g.start(), std::logic_error);
  EXPECT_THROW(static_cast<void>(g.take_events()), std::logic_error);
  g.stop(0ms);
  g.stop(0ms);
  EXPECT_TRUE(g.take_events().events().empty());
}

TEST(LoadGeneratorTest, OnlyLoopbackAndValidTargetsAreAccepted) {
  RunClock clock;
  const auto make = [&](std::string host, std::uint16_t port, std::string path, int connections) {
    LoadConfig c;
    c.host = std::move(host);
    c.port = port;
    c.path = std::move(path);
    c.keepalive.connections = connections;
    LoadGenerator g(c, clock);
  };
  EXPECT_NO_THROW(make("127.0.0.1", 80, "/", 1));
  EXPECT_NO_THROW(make("127.3.2.1", 80, "/a?b=c", 1));
  EXPECT_NO_THROW(make("::1", 80, "/", 1));
  EXPECT_THROW(make("10.0.0.1", 80, "/", 1), std::invalid_argument);
  EXPECT_THROW(make("localhost", 80, "/", 1), std::invalid_argument);
  EXPECT_THROW(make("::2", 80, "/", 1), std::invalid_argument);
  EXPECT_THROW(make("0.0.0.0", 80, "/", 1), std::invalid_argument);
  EXPECT_THROW(make("127.0.0.1", 0, "/", 1), std::invalid_argument);
  EXPECT_THROW(make("127.0.0.1", 80, "x", 1), std::invalid_argument);
  EXPECT_THROW(make("127.0.0.1", 80, "/a b", 1), std::invalid_argument);
  EXPECT_THROW(make("127.0.0.1", 80, "/\r\nX: y", 1), std::invalid_argument);
  EXPECT_THROW(make("127.0.0.1", 80, "/", -1), std::invalid_argument);
}

}  // namespace
}  // namespace hotdeploy::harness
