// Tests of the load generator's traffic kinds other than keep-alive (rate, post, held, idle),
// its first-byte timeout, all kinds at once, and LoadConfig validation.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "harness/load/load_config.h"
#include "harness/load/load_generator.h"
#include "harness/load/scripted_http_server.h"

namespace hotdeploy::harness {
namespace {

using namespace std::chrono_literals;
using testing::ok_response;
using testing::ScriptedHttpServer;
using testing::ScriptedReply;
using testing::ScriptedRequest;

constexpr auto kWait = 5000ms;

LoadConfig base_config(std::uint16_t port) {
  LoadConfig c;
  c.port = port;
  c.reserve_events = 4096;
  return c;
}

::testing::AssertionResult wait_for(const LoadGenerator& g, const std::function<bool(const LoadProgress&)>& pred,
                                    const char* what) {
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  LoadProgress p = g.progress();
  while (!pred(p)) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return ::testing::AssertionFailure() << "waited for " << what << "; last progress: sent " << p.sent << ", ok "
                                           << p.ok << ", dropped " << p.dropped;
    }
    std::this_thread::sleep_for(1ms);
    p = g.progress();
  }
  return ::testing::AssertionSuccess();
}

std::vector<Event> of_type(const EventLog& log, EventType type) {
  std::vector<Event> out;
  for (const Event& e : log.events()) {
    if (e.type == type) out.push_back(e);
  }
  return out;
}

std::string body_response(std::size_t bytes, std::int32_t pid) {
  return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(bytes) + "\r\nX-Worker-Pid: " + std::to_string(pid) +
         "\r\n\r\n" + std::string(bytes, 'x');
}

TEST(LoadTrafficTest, RateOpensANewConnectionPerRequestAtTheGivenRate) {
  ScriptedHttpServer server([](const ScriptedRequest&) { return ScriptedReply::respond(ok_response(7)); });
  RunClock clock;
  LoadConfig config = base_config(server.port());
  config.rate.per_second = 200;
  LoadGenerator g(config, clock);
  const auto started = std::chrono::steady_clock::now();
  g.start();
  ASSERT_TRUE(wait_for(
      g, [](const LoadProgress& p) { return p.ok >= 40; }, "40 ok"));
  g.stop(1000ms);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const EventLog log = g.take_events();
  const auto ends = of_type(log, EventType::request_ended);
  std::set<std::uint32_t> connections;
  for (const Event& e : ends) {
    EXPECT_EQ(e.outcome, Outcome::ok);
    EXPECT_FALSE(e.reused);
    EXPECT_EQ(e.kind, RequestKind::get);
    EXPECT_GT(e.latency_ns, 0);
    connections.insert(e.connection_id);
  }
  EXPECT_EQ(connections.size(), ends.size());
  // 200/s: never more than the schedule allows in the time it ran (plus the one due at start).
  EXPECT_LE(static_cast<double>(ends.size()), 200 * seconds + 1);
}

TEST(LoadTrafficTest, RateLatencyCountsFromTheIntendedSendTime) {
  // One slot; the first request is never answered, so requests due meanwhile wait for the slot.
  ScriptedHttpServer server([](const ScriptedRequest& r) {
    return r.total == 0 ? ScriptedReply::hang() : ScriptedReply::respond(ok_response(7));
  });
  RunClock clock;
  LoadConfig config = base_config(server.port());
  config.rate.per_second = 100;
  config.rate.max_in_flight = 1;
  config.response_timeout = 150ms;
  LoadGenerator g(config, clock);
  g.start();
  ASSERT_TRUE(wait_for(
      g, [](const LoadProgress& p) { return p.ok >= 3; }, "3 ok"));
  g.stop(1000ms);
  const auto ends = of_type(g.take_events(), EventType::request_ended);
  ASSERT_GE(ends.size(), 3u);
  EXPECT_EQ(ends[0].reason, Reason::response_timeout);
  EXPECT_GE(ends[0].latency_ns, 150'000'000);
  // Request 2 was due 10 ms after the start but could only be sent after the timeout: its
  // latency includes the wait, though the server answered at once.
  EXPECT_EQ(ends[1].outcome, Outcome::ok);
  EXPECT_GE(ends[1].latency_ns, 100'000'000);
}

TEST(LoadTrafficTest, PostSendsItsBodyToEchoAndIsNeverRetried) {
  std::mutex mutex;
  std::vector<std::string> heads;
  ScriptedHttpServer server([&](const ScriptedRequest& r) {
    std::lock_guard lock(mutex);
    heads.push_back(r.head);
    return ScriptedReply::close();
  });
  RunClock clock;
  LoadConfig config = base_config(server.port());
  config.post.per_second = 500;
  LoadGenerator g(config, clock);
  g.start();
  ASSERT_TRUE(wait_for(
      g, [](const LoadProgress& p) { return p.dropped >= 5; }, "5 dropped"));
  g.stop(1000ms);
  const EventLog log = g.take_events();
  for (const Event& e : log.events()) {
    EXPECT_EQ(e.kind, RequestKind::post);
    EXPECT_EQ(e.attempt, 1);
    EXPECT_FALSE(e.reused);
    if (e.type == EventType::request_ended) {
      EXPECT_EQ(e.reason, Reason::reset_after_send);
    }
  }
  std::lock_guard lock(mutex);
  ASSERT_FALSE(heads.empty());
  EXPECT_EQ(heads[0].substr(0, 20), "POST /echo HTTP/1.1\r");
  EXPECT_NE(heads[0].find("Content-Length: " + std::to_string(kPostBody.size())), std::string::npos);
}

TEST(LoadTrafficTest, HeldResponsesMustCarryExactlyTheBytesAsked) {
  std::mutex mutex;
  std::string first_head;
  ScriptedHttpServer server([&](const ScriptedRequest& r) {
    {
      std::lock_guard lock(mutex);
      if (r.total == 0) first_head = r.head;
    }
    // Every third response is short.
    return ScriptedReply::respond(body_response(r.total % 3 == 2 ? 999 : 1000, 5));
  });
  RunClock clock;
  LoadConfig config = base_config(server.port());
  config.held = {.connections = 2, .seconds = 0.25, .bytes = 1000};
  LoadGenerator g(config, clock);
  g.start();
  ASSERT_TRUE(wait_for(
      g, [](const LoadProgress& p) { return p.dropped >= 3; }, "3 dropped"));
  g.stop(1000ms);
  std::map<Reason, int> reasons;
  for (const Event& e : of_type(g.take_events(), EventType::request_ended)) {
    EXPECT_EQ(e.kind, RequestKind::held);
    ++reasons[e.reason];
    if (e.reason == Reason::wrong_body_size) {
      EXPECT_EQ(e.outcome, Outcome::fail);
    }
  }
  EXPECT_GE(reasons[Reason::none], 4);
  EXPECT_GE(reasons[Reason::wrong_body_size], 3);
  std::lock_guard lock(mutex);
  EXPECT_EQ(first_head.substr(0, first_head.find('\r')), "GET /held?seconds=0.25&bytes=1000 HTTP/1.1");
}

// By default held connection k of n sends its first request no earlier than k * seconds / n
// after the generator started: the connections arrive spread over the response time.
TEST(LoadTrafficTest, HeldConnectionsStartSpreadOverTheirDuration) {
  ScriptedHttpServer server([](const ScriptedRequest&) { return ScriptedReply::hang(); });
  RunClock clock;
  LoadConfig config = base_config(server.port());
  config.held = {.connections = 4, .seconds = 0.4, .bytes = 64};
  LoadGenerator g(config, clock);
  const std::int64_t before_start_ns = clock.now_ns();
  g.start();
  ASSERT_TRUE(server.wait_for_requests(4, kWait));
  g.stop(0ms);
  const std::vector<Event> sent = of_type(g.take_events(), EventType::request_sent);
  ASSERT_EQ(sent.size(), 4u);
  constexpr std::int64_t kStaggerNs = 100'000'000;  // 0.4 s over 4 connections
  for (std::size_t k = 0; k < sent.size(); ++k) {
    EXPECT_GE(sent[k].t_ns, before_start_ns + static_cast<std::int64_t>(k) * kStaggerNs) << "connection " << k;
  }
}

// start: together asks for the burst: all the held connections send at once, so all four arrive
// long before a spread start over 20 s would have sent the second.
TEST(LoadTrafficTest, HeldConnectionsStartTogetherWhenAsked) {
  ScriptedHttpServer server([](const ScriptedRequest&) { return ScriptedReply::hang(); });
  RunClock clock;
  LoadConfig config = base_config(server.port());
  config.held = {.connections = 4, .seconds = 20, .bytes = 64, .start_together = true};
  LoadGenerator g(config, clock);
  g.start();
  ASSERT_TRUE(server.wait_for_requests(4, kWait));
  g.stop(0ms);
}

// The requests of one paced keep-alive connection (idle, or keep-alive POSTs): at least 4, all of
// `kind` on one connection, each after the first reusing it and sent at least `pause` after the
// previous one ended.
void expect_paced_on_one_connection(const EventLog& log, RequestKind kind, std::chrono::nanoseconds pause) {
  const auto sent = of_type(log, EventType::request_sent);
  const auto ends = of_type(log, EventType::request_ended);
  ASSERT_GE(sent.size(), 4u);
  for (std::size_t k = 0; k < sent.size(); ++k) {
    EXPECT_EQ(sent[k].kind, kind);
    EXPECT_EQ(sent[k].connection_id, sent[0].connection_id);
    EXPECT_EQ(sent[k].reused, k > 0);
    if (k > 0) {
      EXPECT_GE(sent[k].t_ns - ends[k - 1].t_ns, pause.count());
    }
  }
}

TEST(LoadTrafficTest, IdleConnectionsPauseBetweenRequestsOnTheSameConnection) {
  ScriptedHttpServer server([](const ScriptedRequest&) { return ScriptedReply::respond(ok_response(9)); });
  RunClock clock;
  LoadConfig config = base_config(server.port());
  config.idle = {.connections = 1, .every = 40ms};
  LoadGenerator g(config, clock);
  g.start();
  ASSERT_TRUE(wait_for(
      g, [](const LoadProgress& p) { return p.ok >= 4; }, "4 ok"));
  g.stop(1000ms);
  expect_paced_on_one_connection(g.take_events(), RequestKind::get, 40ms);
}

TEST(LoadTrafficTest, AnIdleConnectionClosedByTheServerIsReplacedWithoutADrop) {
  // The server closes each connection right after its response, without saying so: the idle
  // client sees the EOF while idle and opens a fresh connection for the next request.
  ScriptedHttpServer server([](const ScriptedRequest&) { return ScriptedReply::respond(ok_response(9), true); });
  RunClock clock;
  LoadConfig config = base_config(server.port());
  config.idle = {.connections = 2, .every = 20ms};
  LoadGenerator g(config, clock);
  g.start();
  ASSERT_TRUE(wait_for(
      g, [](const LoadProgress& p) { return p.ok >= 6; }, "6 ok"));
  g.stop(1000ms);
  EXPECT_EQ(g.progress().dropped, 0u);
  for (const Event& e : of_type(g.take_events(), EventType::request_sent)) EXPECT_FALSE(e.reused);
}

TEST(LoadTrafficTest, KeepAlivePostsReuseTheirConnectionBetweenPauses) {
  ScriptedHttpServer server([](const ScriptedRequest&) { return ScriptedReply::respond(ok_response(9)); });
  RunClock clock;
  LoadConfig config = base_config(server.port());
  config.post.connections = 1;
  config.post.every = 30ms;
  LoadGenerator g(config, clock);
  g.start();
  ASSERT_TRUE(wait_for(
      g, [](const LoadProgress& p) { return p.ok >= 4; }, "4 ok"));
  g.stop(1000ms);
  expect_paced_on_one_connection(g.take_events(), RequestKind::post, 30ms);
}

// The server closes every kept-alive connection as its second request arrives, unanswered: the
// keep-alive close race. The GET is retried on a fresh connection and served; the POST is lost.
TEST(LoadTrafficTest, AKeepAliveCloseRaceLosesThePostButNotTheGet) {
  ScriptedHttpServer server([](const ScriptedRequest& r) {
    return r.on_connection == 1 ? ScriptedReply::close() : ScriptedReply::respond(ok_response(9));
  });
  RunClock clock;
  LoadConfig config = base_config(server.port());
  config.idle = {.connections = 1, .every = 10ms};
  config.post.connections = 1;
  config.post.every = 10ms;
  LoadGenerator g(config, clock);
  g.start();
  ASSERT_TRUE(wait_for(
      g, [](const LoadProgress& p) { return p.retried >= 3 && p.dropped >= 3; }, "3 retried, 3 dropped"));
  g.stop(1000ms);
  int lost_posts = 0;
  int retried_gets = 0;
  for (const Event& e : of_type(g.take_events(), EventType::request_ended)) {
    if (e.kind == RequestKind::post) {
      EXPECT_EQ(e.attempt, 1);
      if (e.reused) {
        EXPECT_EQ(e.outcome, Outcome::info);
        EXPECT_EQ(e.reason, Reason::closed_without_response);
        ++lost_posts;
      } else {
        EXPECT_EQ(e.outcome, Outcome::ok);
      }
    } else if (e.attempt == 1 && e.reused) {
      EXPECT_EQ(e.reason, Reason::closed_without_response);
    } else {
      EXPECT_EQ(e.outcome, Outcome::ok);
      if (e.attempt == 2) ++retried_gets;
    }
  }
  EXPECT_GE(lost_posts, 3);
  EXPECT_GE(retried_gets, 3);
  EXPECT_EQ(g.progress().dropped, static_cast<std::uint64_t>(lost_posts));
}

TEST(LoadTrafficTest, NoResponseByteWithinTheFirstByteTimeoutIsInfo) {
  ScriptedHttpServer server([](const ScriptedRequest&) { return ScriptedReply::hang(); });
  RunClock clock;
  LoadConfig config = base_config(server.port());
  config.keepalive.connections = 1;
  config.first_byte_timeout = 30ms;
  config.response_timeout = 10s;
  LoadGenerator g(config, clock);
  g.start();
  ASSERT_TRUE(wait_for(
      g, [](const LoadProgress& p) { return p.dropped >= 1; }, "1 dropped"));
  g.stop(0ms);
  const auto ends = of_type(g.take_events(), EventType::request_ended);
  ASSERT_FALSE(ends.empty());
  EXPECT_EQ(ends[0].outcome, Outcome::info);
  EXPECT_EQ(ends[0].reason, Reason::first_byte_timeout);
  EXPECT_LT(ends[0].latency_ns, 5'000'000'000);
}

// The first loop carries idle, held, rate and post traffic (both forms) beside its share of
// keep-alive.
TEST(LoadTrafficTest, EveryKindAtOnceWithKeepAliveSplitOverTwoLoops) {
  ScriptedHttpServer server([](const ScriptedRequest& r) {
    if (r.head.starts_with("GET /held")) return ScriptedReply::respond(body_response(64, 2));
    return ScriptedReply::respond(ok_response(2));
  });
  RunClock clock;
  LoadConfig config = base_config(server.port());
  config.keepalive.connections = 2;
  config.idle = {.connections = 2, .every = 10ms};
  config.held = {.connections = 2, .seconds = 0.1, .bytes = 64};
  config.rate.per_second = 200;
  config.post.per_second = 100;
  config.post.connections = 2;
  config.post.every = 10ms;
  LoadGenerator g(config, clock, 2);
  ASSERT_EQ(g.loops(), 2);
  g.start();
  // A count of ok responses may be reached by the keep-alive GETs alone: wait for a response read
  // on every closed-loop connection of each kind (keep-alive and idle GETs, held, keep-alive POSTs).
  ASSERT_TRUE(server.wait_for_answered_connections(4, "GET / ", kWait));
  ASSERT_TRUE(server.wait_for_answered_connections(2, "GET /held", kWait));
  ASSERT_TRUE(server.wait_for_answered_connections(2, "POST /echo", kWait));
  ASSERT_TRUE(wait_for(
      g, [](const LoadProgress& p) { return p.ok >= 300; }, "300 ok"));
  g.stop(1000ms);
  EXPECT_EQ(g.progress().dropped, 0u);
  std::map<RequestKind, int> kinds;
  for (const Event& e : of_type(g.take_events(), EventType::request_ended)) ++kinds[e.kind];
  EXPECT_GT(kinds[RequestKind::get], 0);
  EXPECT_GT(kinds[RequestKind::held], 0);
  EXPECT_GT(kinds[RequestKind::post], 0);
}

TEST(LoadConfigTest, ValidateRejectsNonsense) {
  const auto valid = [] {
    LoadConfig c;
    c.port = 80;
    return c;
  };
  EXPECT_NO_THROW(validate(valid()));
  const std::vector<std::function<void(LoadConfig&)>> broken = {
      [](LoadConfig& c) { c.rate.per_second = -1; },
      [](LoadConfig& c) { c.rate.per_second = std::numeric_limits<double>::quiet_NaN(); },
      [](LoadConfig& c) { c.post.per_second = 2e6; },
      [](LoadConfig& c) {
        c.rate.per_second = 10;
        c.rate.max_in_flight = 0;
      },
      [](LoadConfig& c) { c.held.connections = -1; },
      [](LoadConfig& c) { c.held.seconds = -0.5; },
      [](LoadConfig& c) { c.idle.connections = -3; },
      [](LoadConfig& c) { c.idle.every = -1ms; },
      [](LoadConfig& c) { c.post.connections = -1; },
      [](LoadConfig& c) { c.post.every = -1ms; },
      [](LoadConfig& c) { c.first_byte_timeout = -1ms; },
  };
  for (std::size_t k = 0; k < broken.size(); ++k) {
    LoadConfig c = valid();
    broken[k](c);
    EXPECT_THROW(validate(c), std::invalid_argument) << "case " << k;
  }
}

TEST(LoadConfigTest, HeldTargetSpellsSecondsAndBytes) {
  EXPECT_EQ(held_target({.connections = 1, .seconds = 3, .bytes = 1024}), "/held?seconds=3&bytes=1024");
  EXPECT_EQ(held_target({.connections = 1, .seconds = 0.5, .bytes = 0}), "/held?seconds=0.5&bytes=0");
}

}  // namespace
}  // namespace hotdeploy::harness
