#include "harness/judge/upstream_join.h"

#include <gtest/gtest.h>

#include "harness/history/history_builder.h"
#include "harness/judge/checks.h"
#include "harness/judge/history_validation.h"

namespace hotdeploy::harness {
namespace {

using testing::HistoryBuilder;

std::size_t slot(ClientResult r) { return static_cast<std::size_t>(r); }

const Check* find_check(const Judgement& j, std::string_view name) {
  for (const Check& c : j.checks) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

// Every case of the matrix: what the upstream did, beside what the client got.
//   1: answered, client ok             2: answered, client 502          3: answered, client 504
//   4: answered, client reset          5: answered, client never ended  6: read, not answered; client 502
//   7: never reached upstream, 502     8: never reached upstream, ok    9: answered, client 500
HistoryBuilder matrix() {
  HistoryBuilder b;
  b.at_ms(0).master(100, 1).worker(101, 100, 1);
  b.at_ms(10).upstream_request("app", 1, 1, true, 12).at_ms(12).ok(1, 101);
  b.at_ms(20).upstream_request("app", 1, 2, true, 22);
  b.at_ms(30).request(2, Outcome::fail, Reason::bad_gateway, 101).with_status(502);
  b.at_ms(40).upstream_request("app", 2, 3, true, 42).at_ms(50).request(3, Outcome::fail, Reason::gateway_timeout, 101);
  b.with_status(504);
  b.at_ms(60).upstream_request("api", 1, 4, true, 62).at_ms(63).request(4, Outcome::info, Reason::reset_after_send);
  b.at_ms(70).upstream_request("api", 1, 5, true, 72).at_ms(70).sent_only(5);
  b.at_ms(80).upstream_request("api", 2, 6, false, 85).at_ms(86).request(6, Outcome::fail, Reason::bad_gateway, 101);
  b.with_status(502);
  b.at_ms(90).request(7, Outcome::fail, Reason::bad_gateway, 101).with_status(502);
  b.at_ms(95).ok(8, 101);
  b.at_ms(96).upstream_request("app", 3, 9, true, 97).at_ms(98).request(9, Outcome::fail, Reason::bad_status, 101);
  b.with_status(500);
  return b;
}

TEST(UpstreamJoinTest, EveryCaseOfTheMatrixIsCountedWhereItBelongs) {
  const History history = matrix().build();
  ASSERT_TRUE(validate_history(history).valid());
  const Judgement j = judge(history, Expectations{});
  const UpstreamJoin& join = j.metrics.upstream;
  ASSERT_EQ(join.upstreams.size(), 2U);
  const UpstreamCounts& api = join.upstreams[0];
  const UpstreamCounts& app = join.upstreams[1];
  EXPECT_EQ(api.name, "api");
  EXPECT_EQ(app.name, "app");
  EXPECT_EQ(app.received, 4U);
  EXPECT_EQ(app.answered, 4U);
  EXPECT_EQ(app.answered_then[slot(ClientResult::ok)], 1U);
  EXPECT_EQ(app.answered_then[slot(ClientResult::bad_gateway)], 1U);
  EXPECT_EQ(app.answered_then[slot(ClientResult::gateway_timeout)], 1U);
  EXPECT_EQ(app.answered_then[slot(ClientResult::other_status)], 1U);
  EXPECT_EQ(api.received, 3U);
  EXPECT_EQ(api.answered, 2U);
  EXPECT_EQ(api.unanswered, 1U);
  EXPECT_EQ(api.answered_then[slot(ClientResult::nothing)], 2U);      // a reset, and one never ended
  EXPECT_EQ(join.answered_lost, 5U);                                  // 2, 3, 4, 5, 9
  EXPECT_EQ(join.not_received[slot(ClientResult::bad_gateway)], 1U);  // 7
  EXPECT_EQ(join.not_received[slot(ClientResult::ok)], 1U);           // 8
  EXPECT_EQ(join.not_received[slot(ClientResult::nothing)], 0U);
  ASSERT_EQ(join.lost_listed.size(), kMaxLostListed);
  EXPECT_EQ(join.lost_listed[0],
            "request 2 (get GET /): app answered 200 on its connection 1 at 22.0 ms; the client got 502");
  EXPECT_EQ(join.lost_listed[2],
            "request 4 (get GET /): api answered 200 on its connection 1 at 62.0 ms; the client got nothing "
            "(reset_after_send)");
  EXPECT_EQ(join.lost_listed[3],
            "request 5 (get GET /): api answered 200 on its connection 1 at 72.0 ms; the client got nothing (it "
            "never ended)");

  const Check* check = find_check(j, "upstream_answered");
  ASSERT_NE(check, nullptr);
  EXPECT_EQ(check->verdict, Verdict::fail);
  EXPECT_NE(check->detail.find("5 request(s) answered upstream did not end ok at the client (max 0; by upstream "
                               "record: 502 1, 504 1, other status 1, nothing 2): request 2 "),
            std::string::npos)
      << check->detail;
  EXPECT_NE(check->detail.find("; reached no upstream: 1 502, 0 504"), std::string::npos) << check->detail;
  // The client's side counts the 502s as drops of their own reason.
  EXPECT_EQ(j.metrics.dropped_by_reason.at("bad_gateway"), 3U);
}

TEST(UpstreamJoinTest, TheLostAreAllowedUpToTheExpectation) {
  Expectations expect;
  expect.upstream_answered_lost_max = 5;
  const Check* check = nullptr;
  const Judgement j = judge(matrix().build(), expect);
  check = find_check(j, "upstream_answered");
  ASSERT_NE(check, nullptr);
  EXPECT_EQ(check->verdict, Verdict::pass) << check->detail;
  EXPECT_NE(check->detail.find("1 of 6 answered upstream ended ok at the client; 5 did not (allowed 5): request 2"),
            std::string::npos)
      << check->detail;
  expect.upstream_answered_lost_max = 4;
  EXPECT_EQ(find_check(judge(matrix().build(), expect), "upstream_answered")->verdict, Verdict::fail);
}

TEST(UpstreamJoinTest, PassesWhenEveryAnsweredRequestEndedOk) {
  HistoryBuilder b;
  b.at_ms(0).master(100, 1).worker(101, 100, 1);
  b.at_ms(10).upstream_request("app", 1, 1, true, 11).at_ms(12).ok(1, 101);
  b.at_ms(20).upstream_request("app", 1, 2, true, 21).at_ms(22).ok(2, 101);
  const Judgement j = judge(b.build(), Expectations{});
  const Check* check = find_check(j, "upstream_answered");
  ASSERT_NE(check, nullptr);
  EXPECT_EQ(check->verdict, Verdict::pass);
  EXPECT_EQ(check->detail, "2 of 2 answered upstream ended ok at the client");
}

TEST(UpstreamJoinTest, RecordsWithoutIdsCannotBeJoined) {
  HistoryBuilder b;
  b.at_ms(0).master(100, 1).worker(101, 100, 1);
  b.at_ms(10).upstream_request("app", 1, 0, true, 11).at_ms(12).request(1, Outcome::fail, Reason::bad_gateway, 101);
  b.with_status(502);
  const Judgement j = judge(b.build(), Expectations{});
  const Check* check = find_check(j, "upstream_answered");
  ASSERT_NE(check, nullptr);
  EXPECT_EQ(check->verdict, Verdict::unknown);
  EXPECT_EQ(check->detail,
            "1 request(s) answered upstream, none with an X-Hotdeploy-Request id: the client's record cannot be "
            "joined to them");
  EXPECT_EQ(j.metrics.upstream.upstreams[0].no_request_id, 1U);
}

TEST(UpstreamJoinTest, AnIdNoClientRequestHasIsCountedApart) {
  HistoryBuilder b;
  b.at_ms(0).master(100, 1).worker(101, 100, 1);
  b.at_ms(10).upstream_request("app", 1, 77, true, 11).at_ms(12).ok(1, 101);
  const UpstreamJoin join = judge(b.build(), Expectations{}).metrics.upstream;
  EXPECT_EQ(join.upstreams[0].unknown_request, 1U);
  EXPECT_EQ(join.not_received[slot(ClientResult::ok)], 1U);
  EXPECT_EQ(join.answered_lost, 0U);
}

TEST(UpstreamJoinTest, NoUpstreamNoCheck) {
  HistoryBuilder b;
  b.at_ms(0).master(100, 1).worker(101, 100, 1).at_ms(10).ok(1, 101);
  const Judgement j = judge(b.build(), Expectations{});
  EXPECT_TRUE(j.metrics.upstream.empty());
  EXPECT_EQ(find_check(j, "upstream_answered"), nullptr);
}

}  // namespace
}  // namespace hotdeploy::harness
