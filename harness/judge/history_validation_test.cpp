#include "harness/judge/history_validation.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "harness/history/history_builder.h"

namespace hotdeploy::harness {
namespace {

using testing::HistoryBuilder;

// One upgrade, valid: generation 1 (master 100, workers 101 and 102) serves, USR2, generation 2
// (master 200, worker 201) serves, the old workers and master exit.
HistoryBuilder upgrade() {
  HistoryBuilder b;
  b.at_ms(0).master(100, 1).at_ms(1).worker(101, 100, 1).worker(102, 100, 1);
  b.at_ms(10).ok(1, 101).at_ms(20).ok(2, 102);
  b.at_ms(100).signal("USR2", 100, 1).at_ms(110).master(200, 2).at_ms(120).worker(201, 200, 2);
  b.at_ms(130).ok(3, 201).at_ms(140).ok(4, 101);
  b.at_ms(200).exited(101, 100, ProcessRole::worker, 1).exited(102, 100, ProcessRole::worker, 1);
  b.at_ms(300).exited(100, 1, ProcessRole::master, 1).at_ms(1500).ok(5, 201);
  return b;
}

// The builder's events, each request on its own connection.
std::vector<Event> events_of(const HistoryBuilder& b) {
  std::vector<Event> events = b.build().events();
  for (Event& e : events) {
    if (e.type == EventType::request_sent || e.type == EventType::request_ended) {
      e.connection_id = static_cast<std::uint32_t>(e.request_id);
    }
  }
  return events;
}

Event client(EventType type, double ms, std::uint64_t id, std::uint8_t attempt, std::uint32_t connection) {
  Event e;
  e.type = type;
  e.t_ns = static_cast<std::int64_t>(ms * 1e6);
  e.request_id = id;
  e.attempt = attempt;
  e.connection_id = connection;
  return e;
}

// Request id's attempt 1 on reused keep-alive connection 7 of the given kind, ended as given,
// then attempt 2 on fresh connection 8, ended ok by worker 201.
std::vector<Event> with_retry(std::vector<Event> events, std::uint64_t id, RequestKind kind, Outcome outcome,
                              Reason reason, std::uint64_t bytes, bool reused) {
  Event sent = client(EventType::request_sent, 150, id, 1, 7);
  sent.kind = kind;
  sent.reused = reused;
  Event ended = sent;
  ended.type = EventType::request_ended;
  ended.t_ns += 1'000'000;
  ended.outcome = outcome;
  ended.reason = reason;
  ended.bytes = bytes;
  Event retry = client(EventType::request_sent, 152, id, 2, 8);
  retry.kind = kind;
  Event retry_ok = retry;
  retry_ok.type = EventType::request_ended;
  retry_ok.t_ns += 1'000'000;
  retry_ok.outcome = Outcome::ok;
  retry_ok.status = 200;
  retry_ok.bytes = 512;
  retry_ok.pid = 201;
  for (const Event& e : {sent, ended, retry, retry_ok}) events.push_back(e);
  return events;
}

std::vector<std::string> rules_of(std::vector<Event> events) {
  const HistoryValidation v = validate_history(History::from_events(std::move(events)));
  std::vector<std::string> rules;
  for (const Violation& violation : v.violations) rules.push_back(violation.rule);
  return rules;
}

using Rules = std::vector<std::string>;

TEST(HistoryValidationTest, AcceptsAnUpgradeWithTheRfc9112Retry) {
  EXPECT_EQ(rules_of(with_retry(events_of(upgrade()), 9, RequestKind::get, Outcome::fail,
                                Reason::closed_without_response, 0, true)),
            Rules{});
  EXPECT_EQ(rules_of(with_retry(events_of(upgrade()), 9, RequestKind::held, Outcome::fail, Reason::reset_before_send, 0,
                                true)),
            Rules{});
}

TEST(HistoryValidationTest, AcceptsKernelCountersThatCountUpAndRefusesOneThatWentBack) {
  HistoryBuilder b = upgrade();
  b.at_ms(2000).kernel_counters("end", {{"TcpOutRsts", 5}, {"TcpExtListenOverflows", 2}});
  HistoryBuilder start;
  start.at_ms(0).kernel_counters("start", {{"TcpOutRsts", 3}, {"TcpExtListenOverflows", 0}});
  std::vector<Event> events = events_of(start);
  for (const Event& e : events_of(b)) events.push_back(e);
  EXPECT_EQ(rules_of(events), Rules{});
  events.back().counters["TcpOutRsts"] = 2;
  const HistoryValidation v = validate_history(History::from_events(events));
  ASSERT_EQ(v.violations.size(), 1U);
  EXPECT_EQ(v.violations[0].rule, "kernel_counter_went_back");
  EXPECT_EQ(v.violations[0].detail, "TcpOutRsts is 2, down from 3 at line 1");
}

TEST(HistoryValidationTest, RefusesARetriedPost) {
  EXPECT_EQ(rules_of(with_retry(events_of(upgrade()), 9, RequestKind::post, Outcome::fail,
                                Reason::closed_without_response, 0, true)),
            Rules{"retry_without_cause"});
}

TEST(HistoryValidationTest, RefusesARetryAfterAResetOnAFreshConnection) {
  EXPECT_EQ(rules_of(with_retry(events_of(upgrade()), 9, RequestKind::get, Outcome::info, Reason::reset_after_send, 0,
                                false)),
            Rules{"retry_without_cause"});
}

TEST(HistoryValidationTest, RefusesARetryAfterATruncatedResponse) {
  EXPECT_EQ(rules_of(with_retry(events_of(upgrade()), 9, RequestKind::get, Outcome::info, Reason::truncated, 80, true)),
            Rules{"retry_without_cause"});
}

TEST(HistoryValidationTest, RefusesAThirdAttempt) {
  std::vector<Event> events =
      with_retry(events_of(upgrade()), 9, RequestKind::get, Outcome::fail, Reason::closed_without_response, 0, true);
  for (Event& e : events) {
    if (e.request_id == 9 && e.attempt == 2 && e.type == EventType::request_ended) {
      e.outcome = Outcome::fail;
      e.reason = Reason::refused;
      e.bytes = 0;
      e.pid = 0;
    }
  }
  Event third = client(EventType::request_sent, 160, 9, 3, 9);
  events.push_back(third);
  third.type = EventType::request_ended;
  third.outcome = Outcome::ok;
  third.status = 200;
  third.bytes = 512;
  third.pid = 201;
  events.push_back(third);
  EXPECT_EQ(rules_of(events), (Rules{"bad_attempt", "bad_attempt"}));
}

TEST(HistoryValidationTest, RefusesAnAttemptEndedTwiceBeforeItWasSentOrWithoutBeingSent) {
  std::vector<Event> twice = events_of(upgrade());
  Event again = client(EventType::request_ended, 15, 1, 1, 1);
  again.outcome = Outcome::fail;
  again.reason = Reason::refused;
  twice.push_back(again);
  EXPECT_EQ(rules_of(twice), Rules{"attempt_ended_twice"});

  std::vector<Event> early = events_of(upgrade());
  for (Event& e : early) {
    if (e.request_id == 2 && e.type == EventType::request_sent) e.t_ns = 25'000'000;  // after its end at 20 ms
  }
  EXPECT_EQ(rules_of(early), Rules{"ended_before_sent"});

  std::vector<Event> unsent =
      with_retry(events_of(upgrade()), 9, RequestKind::get, Outcome::fail, Reason::closed_without_response, 0, true);
  std::erase_if(
      unsent, [](const Event& e) { return e.request_id == 9 && e.attempt == 2 && e.type == EventType::request_sent; });
  EXPECT_EQ(rules_of(unsent), Rules{"ended_without_send"});
}

TEST(HistoryValidationTest, AcceptsAnAttemptRefusedBeforeAnyByteLeft) {
  std::vector<Event> events = events_of(upgrade());
  Event refused = client(EventType::request_ended, 50, 8, 1, 8);
  refused.outcome = Outcome::fail;
  refused.reason = Reason::refused;
  events.push_back(refused);
  EXPECT_EQ(rules_of(events), Rules{});
}

TEST(HistoryValidationTest, RefusesOneRequestIdOnTwoConnections) {
  std::vector<Event> events = events_of(upgrade());
  for (Event& e : events) {
    if (e.request_id == 2) e.request_id = 1;
  }
  EXPECT_EQ(rules_of(events), (Rules{"duplicate_request_id", "duplicate_request_id"}));
}

TEST(HistoryValidationTest, RefusesAnOkThatItsStatusBytesOrReasonContradict) {
  std::vector<Event> bad_status = events_of(upgrade());
  std::vector<Event> empty = events_of(upgrade());
  for (auto* events : {&bad_status, &empty}) {
    for (Event& e : *events) {
      if (e.request_id != 3 || e.type != EventType::request_ended) continue;
      if (events == &bad_status) {
        e.status = 503;
      } else {
        e.bytes = 0;
        e.reason = Reason::truncated;
      }
    }
  }
  EXPECT_EQ(rules_of(bad_status), Rules{"ok_contradicted"});
  EXPECT_EQ(rules_of(empty), (Rules{"ok_contradicted", "ok_contradicted"}));
}

TEST(HistoryValidationTest, ANamedRequestMayExpectAnyStatusButHotdeploysOwnOnly2xxOr3xx) {
  const auto with_status = [](std::uint16_t status, const std::string& name) {
    std::vector<Event> events = events_of(upgrade());
    for (Event& e : events) {
      if (e.request_id != 3) continue;
      e.name = name;
      if (e.type == EventType::request_ended) e.status = status;
    }
    return events;
  };
  EXPECT_EQ(rules_of(with_status(404, "missing")), Rules{});
  EXPECT_EQ(rules_of(with_status(404, "")), Rules{"ok_contradicted"});
  EXPECT_EQ(rules_of(with_status(600, "missing")), Rules{"ok_contradicted"});
}

TEST(HistoryValidationTest, AGatewayErrorNeedsASentRequest) {
  std::vector<Event> events = events_of(upgrade());
  std::erase_if(events, [](const Event& e) { return e.request_id == 3 && e.type == EventType::request_sent; });
  for (Event& e : events) {
    if (e.request_id != 3) continue;
    e.outcome = Outcome::info;
    e.reason = Reason::bad_gateway;
    e.status = 502;
  }
  EXPECT_EQ(rules_of(events), Rules{"ended_without_send"});
}

TEST(HistoryValidationTest, RefusesAConnectTimeThatCannotHaveHappened) {
  // Request 3 was sent at 130 ms, on a fresh connection.
  const auto with_connect = [](std::int64_t connect_ns, bool reused) {
    std::vector<Event> events = events_of(upgrade());
    for (Event& e : events) {
      if (e.request_id != 3) continue;
      e.reused = reused;
      if (e.type == EventType::request_sent) e.connect_ns = connect_ns;
    }
    return events;
  };
  EXPECT_EQ(rules_of(with_connect(1'000'000'000 / 10, false)), Rules{});
  EXPECT_EQ(rules_of(with_connect(-5, false)), Rules{"connect_contradicted"});
  EXPECT_EQ(rules_of(with_connect(1'000'000, true)), Rules{"connect_contradicted"});
  EXPECT_EQ(rules_of(with_connect(131'000'000, false)), Rules{"connect_contradicted"});
}

TEST(HistoryValidationTest, RefusesAResponseOutsideItsWorkersLife) {
  // Request 1 credited to the new worker 201, 120 ms before it was first seen.
  std::vector<Event> before = events_of(upgrade());
  for (Event& e : before) {
    if (e.request_id == 1 && e.type == EventType::request_ended) e.pid = 201;
  }
  EXPECT_EQ(rules_of(before), Rules{"response_outside_lifetime"});
  // Request 5, sent at 1500 ms, credited to worker 101, which exited at 200 ms.
  std::vector<Event> after = events_of(upgrade());
  for (Event& e : after) {
    if (e.request_id == 5 && e.type == EventType::request_ended) e.pid = 101;
  }
  EXPECT_EQ(rules_of(after), Rules{"response_outside_lifetime"});
}

// A worker the observer heard of only when it was gone (a log line, a zombie) may have served
// long before its birth stamp: a real run at ordinary priority on a busy machine produces this.
TEST(HistoryValidationTest, AcceptsAResponseBeforeTheStampOfABirthTheObserverInferred) {
  std::vector<Event> events = events_of(upgrade());
  for (Event& e : events) {
    if (e.request_id == 1 && e.type == EventType::request_ended) e.pid = 201;
    if (e.type == EventType::process_born && e.pid == 201) e.seen = ProcessSeen::inferred_from_log;
  }
  EXPECT_EQ(rules_of(events), Rules{});
}

TEST(HistoryValidationTest, AcceptsAResponseReadShortlyAfterItsWorkerExited) {
  std::vector<Event> events = events_of(upgrade());
  for (Event& e : events) {
    if (e.request_id == 5 && e.type != EventType::process_born) e.t_ns = 201'000'000;
    if (e.request_id == 5 && e.type == EventType::request_sent) e.t_ns = 199'000'000;
    if (e.request_id == 5 && e.type == EventType::request_ended) e.pid = 101;
  }
  EXPECT_EQ(rules_of(events), Rules{});
}

TEST(HistoryValidationTest, RefusesAWorkerWhoseGenerationContradictsItsMasters) {
  HistoryBuilder b = upgrade();
  b.at_ms(150).worker(202, 200, 1);
  EXPECT_EQ(rules_of(events_of(b)), Rules{"worker_generation_mismatch"});
}

TEST(HistoryValidationTest, RefusesAnExitTwiceAnExitWithoutBirthAndABirthTwice) {
  HistoryBuilder twice = upgrade();
  twice.at_ms(350).exited(100, 1, ProcessRole::master, 1);
  EXPECT_EQ(rules_of(events_of(twice)), Rules{"exited_twice"});
  HistoryBuilder unborn = upgrade();
  unborn.at_ms(350).exited(300, 1, ProcessRole::master, 3);
  EXPECT_EQ(rules_of(events_of(unborn)), Rules{"exit_without_birth"});
  HistoryBuilder reborn = upgrade();
  reborn.at_ms(350).worker(201, 200, 2);
  EXPECT_EQ(rules_of(events_of(reborn)), Rules{"born_twice"});
}

TEST(HistoryValidationTest, AcceptsAPidReusedAfterItsProcessExited) {
  HistoryBuilder b = upgrade();
  b.at_ms(1500).worker(101, 200, 2).at_ms(1510).ok(6, 101);
  EXPECT_EQ(rules_of(events_of(b)), Rules{});
}

TEST(HistoryValidationTest, NamesTheLineOfEachViolation) {
  std::vector<Event> events = events_of(upgrade());
  for (Event& e : events) {
    if (e.request_id == 3 && e.type == EventType::request_ended) e.status = 503;
  }
  const History h = History::from_events(events);
  const HistoryValidation v = validate_history(h);
  ASSERT_EQ(v.count, 1U);
  const auto it = std::find_if(h.events().begin(), h.events().end(),
                               [](const Event& e) { return e.request_id == 3 && e.type == EventType::request_ended; });
  EXPECT_EQ(
      describe(v.violations[0], "h.jsonl"),
      "h.jsonl:" + std::to_string(it->index + 1) + ": ok_contradicted: request 3 attempt 1 ended ok with status 503");
}

TEST(HistoryValidationTest, AnInvalidHistoryIsNotJudged) {
  HistoryBuilder b = upgrade();
  b.at_ms(350).exited(100, 1, ProcessRole::master, 1);
  const Judgement j = judge_valid(History::from_events(events_of(b)), Expectations{});
  EXPECT_EQ(j.verdict, Verdict::fail);
  ASSERT_EQ(j.checks.size(), 1U);
  EXPECT_EQ(j.checks[0].name, "history_invalid");
  EXPECT_NE(j.checks[0].detail.find("exited_twice"), std::string::npos) << j.checks[0].detail;
  EXPECT_EQ(j.metrics.requests, 0U);
  EXPECT_EQ(judge_valid(History::from_events(events_of(upgrade())), Expectations{}).verdict, Verdict::pass);
}

}  // namespace
}  // namespace hotdeploy::harness
