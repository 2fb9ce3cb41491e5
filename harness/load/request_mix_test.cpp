// Tests of the user's request mix: url parsing, the mix's validation, the seeded weighted choice,
// and the load generator sending a mix (names, Host, headers, body, the request id header,
// expected statuses, ports).
#include "harness/load/request_mix.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/load/load_generator.h"
#include "harness/load/load_generator_testing.h"
#include "harness/load/scripted_http_server.h"

namespace hotdeploy::harness {
namespace {

using namespace std::chrono_literals;
using testing::config_for;
using testing::ended;
using testing::expect_well_formed;
using testing::ok_response;
using testing::ScriptedHttpServer;
using testing::ScriptedReply;
using testing::ScriptedRequest;
using testing::wait_for_progress;

constexpr auto kWait = testing::kLoadWait;

RequestUrl url_of(std::string_view text) {
  std::string error;
  RequestUrl url = parse_request_url(text, error);
  EXPECT_EQ(error, "") << text;
  return url;
}

std::string url_error(std::string_view text) {
  std::string error;
  (void)parse_request_url(text, error);
  return error;
}

MixRequest named(std::string name, std::string target = "/", std::uint32_t weight = 1) {
  MixRequest r;
  r.name = std::move(name);
  r.target = std::move(target);
  r.weight = weight;
  return r;
}

TEST(RequestUrlTest, APathAloneGoesToTheTargetsAddress) {
  const RequestUrl url = url_of("/cart?item=3&n=1");
  EXPECT_EQ(url.host, "");
  EXPECT_EQ(url.port, 0);
  EXPECT_EQ(url.target, "/cart?item=3&n=1");
}

TEST(RequestUrlTest, HostAndPortBecomeTheHostHeaderAndThePort) {
  const RequestUrl plain = url_of("http://shop.example/a/b?q=1");
  EXPECT_EQ(plain.host, "shop.example");
  EXPECT_EQ(plain.port, 0);
  EXPECT_EQ(plain.target, "/a/b?q=1");
  const RequestUrl with_port = url_of("HTTP://api.shop.example:8081");
  EXPECT_EQ(with_port.host, "api.shop.example:8081");
  EXPECT_EQ(with_port.port, 8081);
  EXPECT_EQ(with_port.target, "/");
  EXPECT_EQ(url_of("http://shop.example?x=1").target, "/?x=1");
  const RequestUrl v6 = url_of("http://[::1]:8080/x");
  EXPECT_EQ(v6.host, "[::1]:8080");
  EXPECT_EQ(v6.port, 8080);
}

TEST(RequestUrlTest, WhatCannotBeSentIsNamed) {
  EXPECT_NE(url_error("https://shop.example/").find("scheme 'https' is not supported"), std::string::npos);
  EXPECT_NE(url_error("shop.example/").find("http://HOST"), std::string::npos);
  EXPECT_NE(url_error("http://shop.example:0/").find("not within 1..65535"), std::string::npos);
  EXPECT_NE(url_error("http://shop.example:70000/").find("not within 1..65535"), std::string::npos);
  EXPECT_NE(url_error("http://shop.example:/").find("port after ':' is missing"), std::string::npos);
  EXPECT_NE(url_error("http://user@shop.example/").find("user information"), std::string::npos);
  EXPECT_NE(url_error("http://shop example/").find("is not a name"), std::string::npos);
  EXPECT_NE(url_error("http:///x").find("is not a name"), std::string::npos);
  EXPECT_NE(url_error("/a b").find("space"), std::string::npos);
  EXPECT_NE(url_error("/a#frag").find("'#'"), std::string::npos);
  EXPECT_NE(url_error("http://[::1/").find("no closing"), std::string::npos);
}

TEST(MixErrorTest, AcceptsAWellFormedMix) {
  MixRequest post = named("checkout", "/cart");
  post.method = "POST";
  post.host = "shop.example:8081";
  post.headers = {{"Content-Type", "application/json"}};
  post.body = "{}";
  post.expect_status = {{200, 299}, {409, 409}};
  EXPECT_EQ(mix_error({named("home"), post}), std::nullopt);
}

TEST(MixErrorTest, NamesEveryBadRequest) {
  const auto error_of = [](MixRequest r) { return mix_error({named("other"), std::move(r)}).value_or("accepted"); };
  EXPECT_NE(error_of(named("")).find("empty name"), std::string::npos);
  EXPECT_NE(error_of(named("other")).find("named twice"), std::string::npos);
  EXPECT_NE(error_of(named("a b")).find("only letters"), std::string::npos);
  EXPECT_NE(error_of(named(std::string(65, 'a'))).find("at most 64"), std::string::npos);
  MixRequest r = named("r");
  r.method = "GE T";
  EXPECT_NE(error_of(r).find("not an HTTP token"), std::string::npos);
  r = named("r", "cart");
  EXPECT_NE(error_of(r).find("is not a path"), std::string::npos);
  r = named("r");
  r.headers = {{"Host", "x"}};
  EXPECT_NE(error_of(r).find("set by hotdeploy"), std::string::npos);
  r.headers = {{"content-length", "3"}};
  EXPECT_NE(error_of(r).find("set by hotdeploy"), std::string::npos);
  r.headers = {{"X-Hotdeploy-Request", "3"}};
  EXPECT_NE(error_of(r).find("set by hotdeploy"), std::string::npos);
  r.headers = {{"X-Bad", "a\r\nInjected: yes"}};
  EXPECT_NE(error_of(r).find("CR, LF or NUL"), std::string::npos);
  r.headers = {{"Bad Name", "x"}};
  EXPECT_NE(error_of(r).find("not an HTTP token"), std::string::npos);
  r = named("r", "/", 0);
  EXPECT_NE(error_of(r).find("weight must be within"), std::string::npos);
  r = named("r", "/", kMaxWeight + 1);
  EXPECT_NE(error_of(r).find("weight must be within"), std::string::npos);
  r = named("r");
  r.expect_status = {{300, 200}};
  EXPECT_NE(error_of(r).find("not within 100..599"), std::string::npos);
  r.expect_status = {{99, 200}};
  EXPECT_NE(error_of(r).find("not within 100..599"), std::string::npos);
  r = named("r");
  r.body = std::string(kMaxBodyBytes + 1, 'x');
  EXPECT_NE(error_of(r).find("a body has at most"), std::string::npos);
}

TEST(MixStatusTest, UnexpectedStatusesHaveTheirReasons) {
  MixRequest r = named("r");
  EXPECT_TRUE(status_expected(r, 200));
  EXPECT_TRUE(status_expected(r, 304));
  EXPECT_FALSE(status_expected(r, 404));
  r.expect_status = {{404, 404}};
  EXPECT_TRUE(status_expected(r, 404));
  EXPECT_FALSE(status_expected(r, 200));
  EXPECT_EQ(reason_for_status(502), Reason::bad_gateway);
  EXPECT_EQ(reason_for_status(504), Reason::gateway_timeout);
  EXPECT_EQ(reason_for_status(503), Reason::bad_status);
  EXPECT_TRUE(idempotent("PUT"));
  EXPECT_FALSE(idempotent("POST"));
  EXPECT_FALSE(idempotent("PATCH"));
}

TEST(MixPickerTest, TheSameSeedAndStreamChooseTheSameSequence) {
  const std::vector<MixRequest> mix = {named("a", "/", 5), named("b", "/", 3), named("c", "/", 2)};
  const auto cumulative = cumulative_weights(mix);
  MixPicker first(&cumulative, 42, 7);
  MixPicker again(&cumulative, 42, 7);
  MixPicker other_stream(&cumulative, 42, 8);
  MixPicker other_seed(&cumulative, 43, 7);
  std::vector<std::size_t> a, b, c, d;
  for (int k = 0; k < 200; ++k) {
    a.push_back(first.next());
    b.push_back(again.next());
    c.push_back(other_stream.next());
    d.push_back(other_seed.next());
  }
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_NE(a, d);
}

TEST(MixPickerTest, WeightsAreHonouredOverABoundedCount) {
  const std::vector<MixRequest> mix = {named("a", "/", 6), named("b", "/", 3), named("c", "/", 1)};
  const auto cumulative = cumulative_weights(mix);
  MixPicker picker(&cumulative, 1, 0);
  constexpr int kDraws = 100000;
  std::map<std::size_t, int> counts;
  for (int k = 0; k < kDraws; ++k) ++counts[picker.next()];
  ASSERT_EQ(counts.size(), 3u);
  // Expected 60000, 30000, 10000; a binomial's standard deviation here is at most 155, and the
  // sequence is fixed by the seed, so a 1% band cannot fail by chance.
  EXPECT_NEAR(counts[0], 60000, 1000);
  EXPECT_NEAR(counts[1], 30000, 1000);
  EXPECT_NEAR(counts[2], 10000, 1000);
}

TEST(RequestBytesTest, HeadAndTailFrameTheRequestId) {
  MixRequest r = named("post", "/cart?x=1");
  r.method = "POST";
  r.host = "shop.example";
  r.headers = {{"X-Test", "yes"}};
  r.body = "a=1";
  const RequestBytes bytes = request_bytes(r, "127.0.0.1:8080");
  EXPECT_EQ(bytes.head + "17" + bytes.tail,
            "POST /cart?x=1 HTTP/1.1\r\nHost: shop.example\r\nUser-Agent: hotdeploy\r\nX-Test: yes\r\n"
            "X-Hotdeploy-Request: 17\r\nContent-Length: 3\r\n\r\na=1");
  EXPECT_EQ(request_bytes(named("home"), "127.0.0.1:8080").head,
            "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: hotdeploy\r\nX-Hotdeploy-Request: ");
}

// What the scripted server saw: each block's head, in order.
struct Heads {
  std::mutex mutex;
  std::vector<std::string> seen;
  void add(const std::string& head) {
    std::lock_guard lock(mutex);
    seen.push_back(head);
  }
  std::vector<std::string> copy() {
    std::lock_guard lock(mutex);
    return seen;
  }
};

TEST(LoadMixTest, SendsTheHostHeadersBodyAndRequestIdOfEachRequest) {
  Heads heads;
  ScriptedHttpServer server([&](const ScriptedRequest& request) {
    heads.add(request.head);
    return ScriptedReply::respond(ok_response(9));
  });
  RunClock clock;
  LoadConfig config = config_for(server.port(), 1);
  MixRequest post = named("checkout", "/cart?x=1");
  post.method = "POST";
  post.host = "shop.example";
  post.headers = {{"X-Test", "yes"}};
  post.body = "a=1";
  config.requests = {post};
  LoadGenerator g(config, clock);
  g.start();
  ASSERT_TRUE(wait_for_progress(
      g, [](const LoadProgress& p) { return p.ok >= 5; }, kWait, "5 ok"));
  g.stop(1000ms);
  const EventLog log = g.take_events();
  expect_well_formed(log);
  const auto seen = heads.copy();
  ASSERT_GE(seen.size(), 3u);
  EXPECT_TRUE(seen[0].starts_with("POST /cart?x=1 HTTP/1.1\r\nHost: shop.example\r\n")) << seen[0];
  EXPECT_NE(seen[0].find("\r\nX-Test: yes\r\n"), std::string::npos) << seen[0];
  EXPECT_NE(seen[0].find("\r\nX-Hotdeploy-Request: 1\r\n"), std::string::npos) << seen[0];
  EXPECT_NE(seen[0].find("\r\nContent-Length: 3"), std::string::npos) << seen[0];
  // The scripted server splits at blank lines only: the body leads the next block.
  EXPECT_TRUE(seen[1].starts_with("a=1POST /cart?x=1 ")) << seen[1];
  EXPECT_NE(seen[1].find("\r\nX-Hotdeploy-Request: 2\r\n"), std::string::npos) << seen[1];
  for (const Event& e : log.events()) {
    EXPECT_EQ(e.name, "checkout");
    EXPECT_EQ(e.kind, RequestKind::post);  // POST is not idempotent
  }
}

TEST(LoadMixTest, ChoosesByWeightReproduciblyFromTheSeed) {
  ScriptedHttpServer server([](const ScriptedRequest&) { return ScriptedReply::respond(ok_response(9)); });
  const auto names_of_first = [&](std::uint64_t seed, std::size_t n) {
    RunClock clock;
    LoadConfig config = config_for(server.port(), 1);
    config.requests = {named("a", "/a", 3), named("b", "/b", 1)};
    config.seed = seed;
    LoadGenerator g(config, clock);
    g.start();
    EXPECT_TRUE(wait_for_progress(
        g, [n](const LoadProgress& p) { return p.ok >= n; }, kWait, "enough ok"));
    g.stop(1000ms);
    std::vector<std::string> names(n);
    for (const Event& e : ended(g.take_events())) {
      EXPECT_EQ(e.outcome, Outcome::ok);
      if (e.request_id >= 1 && e.request_id <= n) names[e.request_id - 1] = e.name;
    }
    return names;
  };
  constexpr std::size_t kCount = 400;
  const auto first = names_of_first(5, kCount);
  EXPECT_EQ(first, names_of_first(5, kCount));  // one connection: request k is the picker's k-th draw
  EXPECT_NE(first, names_of_first(6, kCount));
  const auto a = std::count(first.begin(), first.end(), "a");
  const auto b = std::count(first.begin(), first.end(), "b");
  EXPECT_EQ(a + b, static_cast<long>(kCount));
  // Expected 300 of a (standard deviation 8.7); fixed by the seed.
  EXPECT_NEAR(static_cast<double>(a), 300.0, 45.0);
}

TEST(LoadMixTest, EachRequestIsJudgedByItsOwnExpectedStatus) {
  ScriptedHttpServer server([](const ScriptedRequest& request) {
    const auto status = [&](const char* line) {
      return ScriptedReply::respond(std::string("HTTP/1.1 ") + line +
                                    "\r\nContent-Length: 2\r\nX-Worker-Pid: 9\r\n\r\nok");
    };
    if (request.head.find("GET /missing ") != std::string::npos) return status("404 Not Found");
    if (request.head.find("GET /gateway ") != std::string::npos) return status("502 Bad Gateway");
    if (request.head.find("GET /slow ") != std::string::npos) return status("504 Gateway Timeout");
    if (request.head.find("GET /teapot ") != std::string::npos) return status("418 I'm a teapot");
    return status("200 OK");
  });
  RunClock clock;
  LoadConfig config = config_for(server.port(), 2);
  MixRequest missing = named("missing", "/missing");
  missing.expect_status = {{404, 404}};
  config.requests = {missing, named("gateway", "/gateway"), named("slow", "/slow"), named("teapot", "/teapot"),
                     named("home", "/")};
  LoadGenerator g(config, clock);
  g.start();
  ASSERT_TRUE(wait_for_progress(
      g, [](const LoadProgress& p) { return p.ok + p.dropped >= 300; }, kWait, "300 ended"));
  g.stop(1000ms);
  const EventLog log = g.take_events();
  expect_well_formed(log);
  std::map<std::string, std::map<std::string, int>> by_name;  // name -> "outcome/reason" -> count
  for (const Event& e : ended(log)) {
    ++by_name[e.name][std::string(to_string(e.outcome)) + "/" + std::string(to_string(e.reason))];
  }
  ASSERT_EQ(by_name.size(), 5u);
  const auto only = [&](const std::string& name, const std::string& ending) {
    EXPECT_EQ(by_name[name].size(), 1u) << name;
    EXPECT_GT(by_name[name][ending], 0) << name << " should end " << ending;
  };
  only("missing", "ok/none");
  only("gateway", "info/bad_gateway");
  only("slow", "info/gateway_timeout");
  only("teapot", "fail/bad_status");
  only("home", "ok/none");
}

TEST(LoadMixTest, ARequestWithItsOwnPortConnectsThere) {
  ScriptedHttpServer main_server([](const ScriptedRequest&) { return ScriptedReply::respond(ok_response(1)); });
  Heads other_heads;
  ScriptedHttpServer other_server([&](const ScriptedRequest& request) {
    other_heads.add(request.head);
    return ScriptedReply::respond(ok_response(2));
  });
  RunClock clock;
  LoadConfig config = config_for(main_server.port(), 1);
  MixRequest api = named("api", "/v1");
  api.host = "api.example:" + std::to_string(other_server.port());
  api.port = other_server.port();
  config.requests = {named("home"), api};
  LoadGenerator g(config, clock);
  g.start();
  ASSERT_TRUE(main_server.wait_for_requests(20, kWait));
  ASSERT_TRUE(other_server.wait_for_requests(20, kWait));
  g.stop(1000ms);
  const EventLog log = g.take_events();
  expect_well_formed(log);
  for (const Event& e : ended(log)) {
    if (e.outcome != Outcome::ok) continue;
    EXPECT_EQ(e.pid, e.name == "api" ? 2 : 1) << e.name;
  }
  const auto seen = other_heads.copy();
  ASSERT_FALSE(seen.empty());
  EXPECT_TRUE(seen[0].starts_with("GET /v1 HTTP/1.1\r\nHost: api.example:" + std::to_string(other_server.port())))
      << seen[0];
}

TEST(LoadMixTest, PostTrafficDoesNotRunBesideAMix) {
  LoadConfig config = config_for(8080, 1);
  config.requests = {named("home")};
  config.post.per_second = 10;
  EXPECT_THROW(validate(config), std::invalid_argument);
  config.post.per_second = 0;
  config.requests.push_back(named("home"));
  EXPECT_THROW(validate(config), std::invalid_argument);
}

}  // namespace
}  // namespace hotdeploy::harness
