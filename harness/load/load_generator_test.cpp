#include "harness/load/load_generator.h"

#include <gtest/gtest.h>

#include <chrono>
#include <ostream>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/load/load_generator_testing.h"
#include "harness/load/scripted_http_server.h"

namespace hotdeploy::harness {
namespace {

using namespace std::chrono_literals;
using testing::config_for;
using testing::ended;
using testing::expect_well_formed;
using testing::ok_response;
using testing::RefusingPort;
using testing::ScriptedHttpServer;
using testing::ScriptedReply;
using testing::ScriptedRequest;
using testing::StalledListener;
using testing::wait_for_progress;

constexpr auto kWait = testing::kLoadWait;

// Two loops share the id counters and each keeps its own log; take_events() merges them.
TEST(LoadGeneratorTest, KeepAliveConnectionsSplitOverTwoLoopsShareOneNumbering) {
  ScriptedHttpServer server([](const ScriptedRequest&) { return ScriptedReply::respond(ok_response(4343)); });
  RunClock clock;
  LoadGenerator g(config_for(server.port(), 5), clock, 2);
  EXPECT_EQ(g.loops(), 2);
  g.start();
  // On a busy machine one loop may finish many requests before the other runs at all.
  ASSERT_TRUE(server.wait_for_answered_connections(5, "GET / ", kWait));
  ASSERT_TRUE(wait_for_progress(
      g, [](const LoadProgress& p) { return p.ok >= 300; }, kWait, "300 ok"));
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
    return ScriptedReply::respond(
        "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\nX-Worker-Pid: 7\r\n\r\n");
  });
  RunClock clock;
  LoadGenerator g(config_for(server.port(), 1), clock);
  g.start();
  ASSERT_TRUE(wait_for_progress(
      g, [](const LoadProgress& p) { return p.ok >= 20; }, kWait, "20 ok"));
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
  ASSERT_TRUE(wait_for_progress(
      g, [](const LoadProgress& p) { return p.ok >= 5; }, kWait, "5 ok"));
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
  ASSERT_TRUE(wait_for_progress(
      g, [](const LoadProgress& p) { return p.ok >= 20; }, kWait, "20 ok"));
  g.stop(1000ms);
  const EventLog log = g.take_events();
  expect_well_formed(log);
  for (const Event& e : ended(log)) {
    EXPECT_EQ(e.outcome, Outcome::ok);
    EXPECT_EQ(e.pid, 9);
  }
  EXPECT_EQ(g.progress().dropped, 0u);
}

TEST(LoadGeneratorTest, RefusedConnectionsFailWithoutBeingSent) {
  RefusingPort port;
  RunClock clock;
  LoadConfig config = config_for(port.port(), 2);
  config.failure_backoff = 2ms;
  LoadGenerator g(config, clock);
  g.start();
  ASSERT_TRUE(wait_for_progress(
      g, [](const LoadProgress& p) { return p.dropped >= 6; }, kWait, "6 dropped"));
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
  ASSERT_TRUE(wait_for_progress(
      g, [](const LoadProgress& p) { return p.dropped >= 8; }, kWait, "8 dropped"));
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

// A SYN the kernel dropped on a full accept queue is sent again after the initial RTO (1 s).
// Under the default connect timeout the connect then completes: latency, recorded as the first
// request's connect_ns, not a drop.
TEST(LoadGeneratorTest, ConnectDelayedByADroppedSynIsLatencyNotADrop) {
  ScriptedHttpServer server([](const ScriptedRequest&) { return ScriptedReply::respond(ok_response(4343)); },
                            ScriptedHttpServer::AcceptQueue::held_full);
  RunClock clock;
  const LoadConfig config = config_for(server.port(), 1);
  ASSERT_GT(config.connect_timeout, 3s);  // two SYN retransmissions (1 s, then 3 s after the first SYN)
  LoadGenerator g(config, clock);
  g.start();
  ASSERT_TRUE(server.wait_for_dropped_syn(kWait));
  const std::int64_t opened_ns = clock.now_ns();
  server.open_accept_queue();
  ASSERT_TRUE(wait_for_progress(
      g, [](const LoadProgress& p) { return p.ok >= 3; }, kWait, "3 ok"));
  g.stop(1000ms);
  EXPECT_EQ(g.progress().dropped, 0u);
  const EventLog log = g.take_events();
  expect_well_formed(log);
  std::vector<const Event*> sent;
  for (const Event& e : log.events()) {
    if (e.type == EventType::request_sent) sent.push_back(&e);
  }
  ASSERT_GE(sent.size(), 3u);
  // The connect began before the dropped SYN was seen and completed after the queue opened.
  EXPECT_GT(sent[0]->t_ns, opened_ns);
  EXPECT_GT(sent[0]->connect_ns, sent[0]->t_ns - opened_ns) << "connect_ns " << sent[0]->connect_ns;
  EXPECT_FALSE(sent[0]->reused);
  // The later requests ride the same connection and made no connect.
  for (std::size_t k = 1; k < sent.size(); ++k) {
    EXPECT_EQ(sent[k]->connection_id, sent[0]->connection_id);
    EXPECT_EQ(sent[k]->connect_ns, 0) << "request_sent " << k;
  }
}

// The same dropped SYN under a connect timeout the scenario set short on purpose: the client
// gives up, a drop whose text names the timeout and its value.
TEST(LoadGeneratorTest, ConnectOutlastingAShortConnectTimeoutIsDroppedNamingTheTimeout) {
  ScriptedHttpServer server([](const ScriptedRequest&) { return ScriptedReply::respond(ok_response(4343)); },
                            ScriptedHttpServer::AcceptQueue::held_full);
  RunClock clock;
  LoadConfig config = config_for(server.port(), 1);
  config.connect_timeout = 200ms;
  config.failure_backoff = 1ms;
  LoadGenerator g(config, clock);
  g.start();
  ASSERT_TRUE(wait_for_progress(
      g, [](const LoadProgress& p) { return p.dropped >= 2; }, kWait, "2 dropped"));
  g.stop(0ms);
  EXPECT_EQ(g.progress().sent, 0u);
  const std::vector<Event> ends = ended(g.take_events());
  ASSERT_GE(ends.size(), 2u);
  for (const Event& e : ends) {
    EXPECT_EQ(e.outcome, Outcome::fail);
    EXPECT_EQ(e.reason, Reason::connect_timeout);
    EXPECT_EQ(e.text, "connect timeout 200ms");
    EXPECT_GE(e.latency_ns, 200'000'000);
  }
}

struct BadResponseCase {
  const char* name;
  std::string response;
  Outcome outcome;
  Reason reason;
  const char* text;  // of the request_ended event: the parser's error for a malformed response
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
  ASSERT_TRUE(wait_for_progress(
      g, [](const LoadProgress& p) { return p.dropped >= 2; }, kWait, "2 dropped"));
  g.stop(1000ms);
  const EventLog log = g.take_events();
  expect_well_formed(log);
  for (const Event& e : ended(log)) {
    EXPECT_EQ(e.outcome, c.outcome);
    EXPECT_EQ(e.reason, c.reason);
    EXPECT_EQ(e.text, c.text);
    EXPECT_GT(e.bytes, 0u);
  }
}

// Header lines that go on past the header count limit (fake-nginx's endless_headers fault sends
// them for as long as the connection lasts).
std::string endless_headers(int lines) {
  std::string response = "HTTP/1.1 200 OK\r\n";
  for (int k = 0; k < lines; ++k) response += "X-Endless-" + std::to_string(k) + ": more headers follow\r\n";
  return response;
}

// Few header lines, each under the line limit, that together pass the header size limit.
std::string oversized_header_block() {
  std::string response = "HTTP/1.1 200 OK\r\n";
  for (int k = 0; k < 10; ++k) response += "X-Big-" + std::to_string(k) + ": " + std::string(7000, 'b') + "\r\n";
  return response;
}

// A chunk size of 2^64 - 1 (fake-nginx's huge_chunk fault), with some of its promised bytes.
std::string huge_chunk() {
  return "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n" + std::string(4096, 'x');
}

INSTANTIATE_TEST_SUITE_P(
    Responses, LoadGeneratorBadResponseTest,
    ::testing::Values(
        BadResponseCase{"truncated_body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", Outcome::info,
                        Reason::truncated, ""},
        BadResponseCase{"truncated_headers", "HTTP/1.1 200 OK\r\nContent-Le", Outcome::info, Reason::truncated, ""},
        BadResponseCase{"early_close", "HTTP/1.1 200 OK\r\nContent-Length: 1024\r\n\r\n" + std::string(512, 'x'),
                        Outcome::info, Reason::truncated, ""},
        BadResponseCase{"service_unavailable", "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n",
                        Outcome::fail, Reason::bad_status, ""},
        BadResponseCase{"bad_gateway", "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n", Outcome::info,
                        Reason::bad_gateway, ""},
        BadResponseCase{"gateway_timeout", "HTTP/1.1 504 Gateway Time-out\r\nContent-Length: 0\r\n\r\n", Outcome::info,
                        Reason::gateway_timeout, ""},
        BadResponseCase{"garbage", "garbage\r\n\r\n", Outcome::fail, Reason::malformed_response, "bad_status_line"},
        BadResponseCase{"garbage_without_a_line_end", std::string(9000, 'g'), Outcome::fail, Reason::malformed_response,
                        "line_too_long"},
        BadResponseCase{"smuggling", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
                        Outcome::fail, Reason::malformed_response, "length_and_chunked"},
        BadResponseCase{"endless_headers", endless_headers(1000), Outcome::fail, Reason::malformed_response,
                        "too_many_headers"},
        BadResponseCase{"oversized_header_block", oversized_header_block(), Outcome::fail, Reason::malformed_response,
                        "headers_too_large"},
        BadResponseCase{"huge_chunk", huge_chunk(), Outcome::fail, Reason::malformed_response, "body_too_large"}),
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
  ASSERT_TRUE(wait_for_progress(
      g, [](const LoadProgress& p) { return p.dropped >= 3; }, kWait, "3 dropped"));
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
  ASSERT_TRUE(wait_for_progress(
      g, [](const LoadProgress& p) { return p.dropped >= 2; }, kWait, "2 dropped"));
  g.stop(0ms);
  const std::vector<Event> ends = ended(g.take_events());
  ASSERT_GE(ends.size(), 2u);
  EXPECT_EQ(ends[0].outcome, Outcome::info);
  EXPECT_EQ(ends[0].reason, Reason::response_timeout);
  EXPECT_EQ(ends[0].text, "response timeout 30ms");
}

// A response that starts and then stalls (fake-nginx's slow_drip fault) ends at the response
// timeout, not the first-byte one.
TEST(LoadGeneratorTest, StalledPartialResponseTimesOutAsInfo) {
  ScriptedHttpServer server([](const ScriptedRequest&) {
    return ScriptedReply::respond("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc");
  });
  RunClock clock;
  LoadConfig config = config_for(server.port(), 1);
  config.response_timeout = 50ms;
  LoadGenerator g(config, clock);
  g.start();
  ASSERT_TRUE(wait_for_progress(
      g, [](const LoadProgress& p) { return p.dropped >= 2; }, kWait, "2 dropped"));
  g.stop(0ms);
  const EventLog log = g.take_events();
  expect_well_formed(log);
  const std::vector<Event> ends = ended(log);
  ASSERT_GE(ends.size(), 2u);
  for (std::size_t k = 0; k < 2; ++k) {
    EXPECT_EQ(ends[k].outcome, Outcome::info);
    EXPECT_EQ(ends[k].reason, Reason::response_timeout);
    EXPECT_EQ(ends[k].text, "response timeout 50ms");
    EXPECT_GT(ends[k].bytes, 0u);
  }
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
