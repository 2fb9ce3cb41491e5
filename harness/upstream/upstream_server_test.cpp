#include "harness/upstream/upstream_server.h"

#include "harness/upstream/http_test_client.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace hotdeploy::harness {
namespace {

using namespace std::chrono_literals;
using testing::Client;
using testing::kWait;
using testing::Response;
using testing::wait_for;
using namespace std::string_view_literals;

class UpstreamServerTest : public ::testing::Test {
 protected:
  UpstreamServer& start(UpstreamConfig config = {}) {
    server_ = std::make_unique<UpstreamServer>(std::move(config), clock_);
    server_->start();
    return *server_;
  }
  std::vector<Event> stop_and_take() {
    server_->stop();
    return server_->take_events().release();
  }

  RunClock clock_;
  std::unique_ptr<UpstreamServer> server_;
};

TEST_F(UpstreamServerTest, ServesSeveralRequestsOnOneKeepAliveConnectionAndRecordsEach) {
  UpstreamConfig config;
  config.name = "orders";
  auto& server = start(config);
  Client client(server.port());
  ASSERT_TRUE(client.connected());
  for (int i = 1; i <= 3; ++i) {
    client.send("GET /item/" + std::to_string(i) +
                " HTTP/1.1\r\nHost: x\r\nX-Hotdeploy-Request: " + std::to_string(100 + i) + "\r\n\r\n");
    Response r;
    ASSERT_TRUE(client.read_response(r));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "ok\n");
    EXPECT_EQ(r.headers["x-upstream"], "orders");
    EXPECT_EQ(r.headers.count("connection"), 0U);
  }
  EXPECT_EQ(server.connections_accepted(), 1U);
  const auto events = stop_and_take();
  ASSERT_EQ(events.size(), 3U);
  for (std::size_t i = 0; i < events.size(); ++i) {
    const Event& e = events[i];
    EXPECT_EQ(e.type, EventType::upstream_request);
    EXPECT_EQ(e.upstream, "orders");
    EXPECT_EQ(e.connection_id, events[0].connection_id);
    EXPECT_EQ(e.request_id, 101 + i);
    EXPECT_EQ(e.method, "GET");
    EXPECT_EQ(e.path, "/item/" + std::to_string(i + 1));
    EXPECT_EQ(e.status, 200);
    EXPECT_TRUE(e.response_written);
    EXPECT_GE(e.responded_ns, e.t_ns);
  }
}

TEST_F(UpstreamServerTest, AnswersPipelinedRequestsInOrder) {
  auto& server = start();
  Client client(server.port());
  client.send("GET /a HTTP/1.1\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 2\r\n\r\nxyGET /c HTTP/1.1\r\n\r\n");
  for (int i = 0; i < 3; ++i) {
    Response r;
    ASSERT_TRUE(client.read_response(r)) << i;
  }
  const auto events = stop_and_take();
  ASSERT_EQ(events.size(), 3U);
  EXPECT_EQ(events[0].path, "/a");
  EXPECT_EQ(events[1].path, "/b");
  EXPECT_EQ(events[1].bytes, 2U);
  EXPECT_EQ(events[2].path, "/c");
}

TEST_F(UpstreamServerTest, ReadsContentLengthAndChunkedBodiesInFull) {
  auto& server = start();
  Client client(server.port());
  const std::string body(200'000, 'p');
  client.send("POST /big HTTP/1.1\r\nContent-Length: 200000\r\n\r\n");
  client.send(body.substr(0, 100'000));
  client.send(body.substr(100'000));
  Response r;
  ASSERT_TRUE(client.read_response(r));
  EXPECT_EQ(r.status, 200);
  client.send("POST /chunks HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n");
  client.send("3;x=y\r\nefg\r\n0\r\n\r\n");
  ASSERT_TRUE(client.read_response(r));
  EXPECT_EQ(r.status, 200);
  const auto events = stop_and_take();
  ASSERT_EQ(events.size(), 2U);
  EXPECT_EQ(events[0].bytes, 200'000U);
  EXPECT_EQ(events[0].method, "POST");
  EXPECT_EQ(events[1].bytes, 7U);
}

TEST_F(UpstreamServerTest, DelaysEachResponseAtLeastTheConfiguredTime) {
  UpstreamConfig config;
  config.delay_ns = 50'000'000;
  auto& server = start(config);
  Client client(server.port());
  client.send("GET / HTTP/1.1\r\n\r\n");
  Response r;
  ASSERT_TRUE(client.read_response(r));
  const auto events = stop_and_take();
  ASSERT_EQ(events.size(), 1U);
  EXPECT_GE(events[0].responded_ns - events[0].t_ns, config.delay_ns);
}

TEST_F(UpstreamServerTest, ARequestInFlightWhenThePeerClosesIsRecordedUnanswered) {
  UpstreamConfig config;
  config.delay_ns = 60'000'000'000;  // longer than the test: only the peer's close can end it
  auto& server = start(config);
  {
    Client client(server.port());
    client.send("POST /slow HTTP/1.1\r\nX-Hotdeploy-Request: 7\r\nContent-Length: 1\r\n\r\nz");
    ASSERT_TRUE(wait_for([&] { return server.requests_read(); }, 1, "requests read"));
  }
  ASSERT_TRUE(wait_for([&] { return server.requests_unanswered(); }, 1, "requests unanswered"));
  const auto events = stop_and_take();
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].request_id, 7U);
  EXPECT_FALSE(events[0].response_written);
  EXPECT_EQ(events[0].status, 200);  // what it was going to send
}

TEST_F(UpstreamServerTest, ARequestInFlightWhenTheServerStopsIsRecordedUnanswered) {
  UpstreamConfig config;
  config.delay_ns = 60'000'000'000;
  auto& server = start(config);
  Client client(server.port());
  client.send("GET /pending HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(wait_for([&] { return server.requests_read(); }, 1, "requests read"));
  const auto events = stop_and_take();
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].path, "/pending");
  EXPECT_FALSE(events[0].response_written);
}

TEST_F(UpstreamServerTest, ClosesAConnectionIdlePastTheKeepAliveTimeout) {
  UpstreamConfig config;
  config.keepalive_timeout_ns = 100'000'000;
  auto& server = start(config);
  Client client(server.port());
  client.send("GET / HTTP/1.1\r\n\r\n");
  Response r;
  ASSERT_TRUE(client.read_response(r));
  EXPECT_EQ(r.headers.count("connection"), 0U);  // kept alive, then closed for idling
  ASSERT_TRUE(client.wait_closed_by_server());
  EXPECT_EQ(server.connections_closed_by_server(), 1U);
  EXPECT_EQ(stop_and_take().size(), 1U);
}

TEST_F(UpstreamServerTest, ClosesAfterKeepAliveRequestsAndSaysSo) {
  UpstreamConfig config;
  config.keepalive_requests = 2;
  auto& server = start(config);
  Client client(server.port());
  Response r;
  client.send("GET /1 HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(client.read_response(r));
  EXPECT_EQ(r.headers.count("connection"), 0U);
  client.send("GET /2 HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(client.read_response(r));
  EXPECT_EQ(r.headers["connection"], "close");
  ASSERT_TRUE(client.wait_closed_by_server());
  EXPECT_EQ(server.connections_closed_by_server(), 1U);
}

TEST_F(UpstreamServerTest, HonoursConnectionCloseAndHttp10) {
  auto& server = start();
  {
    Client client(server.port());
    client.send("GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
    Response r;
    ASSERT_TRUE(client.read_response(r));
    EXPECT_EQ(r.headers["connection"], "close");
    EXPECT_TRUE(client.wait_closed_by_server());
  }
  {
    Client client(server.port());
    client.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    Response r;
    ASSERT_TRUE(client.read_response(r));
    EXPECT_EQ(r.headers["connection"], "keep-alive");
    client.send("GET / HTTP/1.0\r\n\r\n");
    ASSERT_TRUE(client.read_response(r));
    EXPECT_EQ(r.headers["connection"], "close");
    EXPECT_TRUE(client.wait_closed_by_server());
  }
  EXPECT_EQ(server.connections_closed_by_server(), 0U);  // the client asked each time
}

TEST_F(UpstreamServerTest, AnswersMalformedRequests400AndCloses) {
  auto& server = start();
  const std::string hostile[] = {
      "GET / HTTP/1.1\r\nHost : x\r\n\r\n",
      "POST /s HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc",
      std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"sv),  // a TLS ClientHello's start
      "GET / HTTP/1.1\r\nA: " + std::string(20'000, 'a') + "\r\n\r\n",
  };
  for (const std::string& text : hostile) {
    Client client(server.port());
    client.send(text);
    Response r;
    ASSERT_TRUE(client.read_response(r)) << text.substr(0, 40);
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.headers["connection"], "close");
    EXPECT_TRUE(client.wait_closed_by_server()) << text.substr(0, 40);
  }
  const auto events = stop_and_take();
  ASSERT_EQ(events.size(), std::size(hostile));
  for (const Event& e : events) {
    EXPECT_EQ(e.status, 400);
    EXPECT_TRUE(e.response_written);
    EXPECT_FALSE(e.text.empty());  // why it was refused
  }
  EXPECT_EQ(events[1].method, "POST");
  EXPECT_EQ(events[1].path, "/s");
}

TEST_F(UpstreamServerTest, APortInUseIsAnErrorNamingIt) {
  auto& first = start();
  UpstreamConfig config;
  config.name = "second";
  config.port = first.port();
  try {
    UpstreamServer second(config, clock_);
    FAIL() << "a second server bound the same port";
  } catch (const UpstreamListenError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("upstream second: 127.0.0.1:" + std::to_string(first.port())), std::string::npos) << what;
    EXPECT_NE(what.find("Address already in use"), std::string::npos) << what;
  }
}

TEST_F(UpstreamServerTest, ListensOnLoopbackOnly) {
  UpstreamConfig config;
  config.host = "10.1.2.3";
  EXPECT_THROW(UpstreamServer(config, clock_), UpstreamListenError);
  config.host = "example.com";
  EXPECT_THROW(UpstreamServer(config, clock_), UpstreamListenError);
  config.host = "::1";
  UpstreamServer v6(config, clock_);
  EXPECT_NE(v6.port(), 0);
}

}  // namespace
}  // namespace hotdeploy::harness
