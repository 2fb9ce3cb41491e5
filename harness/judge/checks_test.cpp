#include "harness/judge/checks.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "harness/history/history_builder.h"
#include "harness/judge/judge_inputs.h"

namespace hotdeploy::harness {
namespace {

using testing::HistoryBuilder;

Metrics metrics(std::uint64_t requests, std::uint64_t dropped, std::map<std::string, std::uint64_t> by_reason = {}) {
  Metrics m;
  m.requests = requests;
  m.ok = requests - dropped;
  m.dropped = dropped;
  m.dropped_by_reason = std::move(by_reason);
  return m;
}

TEST(ChecksTest, CombineLetsFailBeatUnknownBeatPass) {
  EXPECT_EQ(combine(Verdict::pass, Verdict::pass), Verdict::pass);
  EXPECT_EQ(combine(Verdict::pass, Verdict::unknown), Verdict::unknown);
  EXPECT_EQ(combine(Verdict::unknown, Verdict::pass), Verdict::unknown);
  EXPECT_EQ(combine(Verdict::unknown, Verdict::fail), Verdict::fail);
  EXPECT_EQ(combine(Verdict::fail, Verdict::pass), Verdict::fail);
  EXPECT_EQ(combine(Verdict::fail, Verdict::unknown), Verdict::fail);
  EXPECT_EQ(to_string(Verdict::unknown), "unknown");
}

TEST(CheckDroppedTest, ZeroDroppedPrintsTheRuleOfThreeBound) {
  const Check c = check_dropped(metrics(12345, 0), Expectations{});
  EXPECT_EQ(c.name, "dropped");
  EXPECT_EQ(c.verdict, Verdict::pass);
  EXPECT_EQ(c.detail, "0 of 12345 requests dropped (rate < 0.0243% at 95% confidence)");
}

TEST(CheckDroppedTest, DropsOverTheMaximumFailAndListReasons) {
  const Check c = check_dropped(metrics(100, 3, {{"refused", 2}, {"truncated", 1}}), Expectations{});
  EXPECT_EQ(c.verdict, Verdict::fail);
  EXPECT_EQ(c.detail, "3 of 100 requests dropped (refused: 2, truncated: 1); at most 0 allowed");
  Expectations lenient;
  lenient.dropped_max = 3;
  EXPECT_EQ(check_dropped(metrics(100, 3, {{"refused", 3}}), lenient).verdict, Verdict::pass);
}

TEST(CheckDroppedTest, ATimeoutDropSaysWhichTimeoutAndItsValue) {
  Metrics m = metrics(100, 3, {{"connect_timeout", 2}, {"refused", 1}});
  m.timeout_of_reason = {{"connect_timeout", "connect timeout 200ms"}};
  EXPECT_EQ(check_dropped(m, Expectations{}).detail,
            "3 of 100 requests dropped (connect_timeout: 2 (connect timeout 200ms), refused: 1); at most 0 allowed");
}

TEST(CheckConnectTest, EachBoundSetHoldsTheRunsConnectLatency) {
  Metrics m = metrics(100, 0);
  Expectations expect;
  expect.connect_ms_p99_max = 200;
  const Check none = check_connect(m, expect);
  EXPECT_EQ(none.verdict, Verdict::unknown);
  m.connect = ConnectSummary{50, 0.25, 150, 1003.5, 1};
  const Check within = check_connect(m, expect);
  EXPECT_EQ(within.verdict, Verdict::pass);
  EXPECT_EQ(within.detail, "50 connects: p50 0.2 ms, p99 150.0 ms, max 1003.5 ms, 1 over 1 s; p99 max 200.0 ms");
  expect.connect_ms_max_max = 1000;
  const Check over = check_connect(m, expect);
  EXPECT_EQ(over.verdict, Verdict::fail);
  EXPECT_EQ(over.detail,
            "50 connects: p50 0.2 ms, p99 150.0 ms, max 1003.5 ms, 1 over 1 s; p99 max 200.0 ms; max max 1000.0 ms "
            "exceeded");
}

TEST(CheckConnectTest, OverOneSecondBoundsCountTheSynRetransmissions) {
  Metrics m = metrics(100, 0);
  m.connect = ConnectSummary{50, 0.25, 150, 1003.5, 1};
  Expectations expect;
  expect.connect_over_1s.min = 1;
  const Check shown = check_connect(m, expect);
  EXPECT_EQ(shown.verdict, Verdict::pass);
  EXPECT_EQ(shown.detail, "50 connects: p50 0.2 ms, p99 150.0 ms, max 1003.5 ms, 1 over 1 s; over 1 s min 1");
  m.connect.over_1s = 0;
  const Check missing = check_connect(m, expect);
  EXPECT_EQ(missing.verdict, Verdict::fail);
  EXPECT_EQ(missing.detail,
            "50 connects: p50 0.2 ms, p99 150.0 ms, max 1003.5 ms, 0 over 1 s; over 1 s min 1 not reached");
  Expectations at_most;
  at_most.connect_over_1s.max = 0;
  EXPECT_EQ(check_connect(m, at_most).verdict, Verdict::pass);
  m.connect.over_1s = 3;
  EXPECT_EQ(check_connect(m, at_most).verdict, Verdict::fail);
}

TEST(CheckKernelTest, EachNamedCountersRiseWithinItsBounds) {
  Metrics m = metrics(100, 0);
  Expectations expect;
  expect.kernel["TcpExtListenOverflows"].min = 1;
  expect.kernel["TcpExtTCPMigrateReqFailure"].max = 0;
  const Check unread = check_kernel(m, expect);
  EXPECT_EQ(unread.verdict, Verdict::unknown);
  EXPECT_EQ(unread.detail, "the run read no kernel counters (it had no network namespace of its own)");

  m.kernel_samples = 4;
  m.kernel_deltas = {{"TcpExtListenOverflows", 770}, {"TcpExtTCPMigrateReqFailure", 0}};
  const Check agree = check_kernel(m, expect);
  EXPECT_EQ(agree.verdict, Verdict::pass);
  EXPECT_EQ(agree.detail, "TcpExtListenOverflows rose by 770 (min 1); TcpExtTCPMigrateReqFailure rose by 0 (max 0)");

  m.kernel_deltas["TcpExtListenOverflows"] = 0;
  m.kernel_deltas["TcpExtTCPMigrateReqFailure"] = 2;
  const Check both_fail = check_kernel(m, expect);
  EXPECT_EQ(both_fail.verdict, Verdict::fail);
  EXPECT_EQ(both_fail.detail, "TcpExtListenOverflows rose by 0 (min 1); TcpExtTCPMigrateReqFailure rose by 2 (max 0)");

  m.kernel_deltas.erase("TcpExtTCPMigrateReqFailure");
  m.kernel_deltas["TcpExtListenOverflows"] = 5;
  const Check not_counted = check_kernel(m, expect);
  EXPECT_EQ(not_counted.verdict, Verdict::unknown);
  EXPECT_EQ(not_counted.detail,
            "TcpExtListenOverflows rose by 5 (min 1); TcpExtTCPMigrateReqFailure was not among the samples (this "
            "kernel does not count it)");
}

TEST(CheckDroppedTest, AMinimumDemandsADrop) {
  Expectations must_drop;
  must_drop.dropped_max.reset();
  must_drop.dropped_min = 1;
  const Check none = check_dropped(metrics(50, 0), must_drop);
  EXPECT_EQ(none.verdict, Verdict::fail);
  EXPECT_EQ(none.detail, "0 of 50 requests dropped (rate < 6% at 95% confidence); at least 1 required");
  EXPECT_EQ(check_dropped(metrics(50, 4, {{"refused", 4}}), must_drop).verdict, Verdict::pass);
}

TEST(CheckDroppedTest, OnlyTheAllowedReasonsMayDrop) {
  Expectations refusals_only;
  refusals_only.dropped_max.reset();
  refusals_only.dropped_reasons = std::vector<Reason>{Reason::refused};
  EXPECT_EQ(check_dropped(metrics(100, 5, {{"refused", 5}}), refusals_only).verdict, Verdict::pass);
  const Check cut = check_dropped(metrics(100, 6, {{"refused", 5}, {"truncated", 1}}), refusals_only);
  EXPECT_EQ(cut.verdict, Verdict::fail);
  EXPECT_EQ(cut.detail,
            "6 of 100 requests dropped (refused: 5, truncated: 1); dropped for truncated, but only refused allowed");
  EXPECT_EQ(check_dropped(metrics(100, 0), refusals_only).verdict, Verdict::pass);
}

TEST(CheckDroppedTest, AllFailedFails) {
  const Check c = check_dropped(metrics(4, 4, {{"refused", 4}}), Expectations{});
  EXPECT_EQ(c.verdict, Verdict::fail);
  EXPECT_EQ(c.detail, "4 of 4 requests dropped (refused: 4); at most 0 allowed");
}

TEST(CheckDroppedTest, NoRequestsIsUnknown) {
  const Check c = check_dropped(metrics(0, 0), Expectations{});
  EXPECT_EQ(c.verdict, Verdict::unknown);
  EXPECT_EQ(c.detail, "no requests were recorded, so nothing can be said about drops");
}

// Requests 1..8 held (8: sent, never ended), 9..48 post (46..48 refused), 49 get; no ok.
History kinds_history() {
  HistoryBuilder b;
  for (std::uint64_t id = 1; id <= 7; ++id) b.request(id, Outcome::info, Reason::truncated);
  b.sent_only(8);
  for (std::uint64_t id = 9; id <= 48; ++id) b.request(id, id >= 46 ? Outcome::fail : Outcome::ok, Reason::none);
  b.request(49, Outcome::fail, Reason::refused);
  std::vector<Event> events = b.build().events();
  for (Event& e : events) {
    if (e.request_id <= 8) e.kind = RequestKind::held;
    if (e.request_id >= 9 && e.request_id <= 48) e.kind = RequestKind::post;
  }
  return History::from_events(std::move(events));
}

TEST(CheckDroppedByKindTest, EachKindNamedIsHeldToItsMaximum) {
  const Metrics m = compute_metrics(kinds_history());
  Expectations expect;
  expect.dropped_max_by_kind = {{RequestKind::held, 8}, {RequestKind::post, 3}};
  const Check within = check_dropped_by_kind(m, expect);
  EXPECT_EQ(within.name, "dropped_by_kind");
  EXPECT_EQ(within.verdict, Verdict::pass);
  EXPECT_EQ(within.detail, "post: 3 dropped of 40 (max 3); held: 8 dropped of 8 (max 8)");

  expect.dropped_max_by_kind = {{RequestKind::held, 0}, {RequestKind::post, 3}};
  const Check over = check_dropped_by_kind(m, expect);
  EXPECT_EQ(over.verdict, Verdict::fail);
  EXPECT_EQ(over.detail, "post: 3 dropped of 40 (max 3); held: 8 dropped of 8 (max 0)");
}

TEST(CheckDroppedByKindTest, AKindWithoutRequestsIsUnknownUnlessAnotherFails) {
  const History only_get = HistoryBuilder().ok(1, 101).request(2, Outcome::fail, Reason::refused).build();
  Expectations expect;
  expect.dropped_max_by_kind = {{RequestKind::held, 0}};
  const Check none = check_dropped_by_kind(compute_metrics(only_get), expect);
  EXPECT_EQ(none.verdict, Verdict::unknown);
  EXPECT_EQ(none.detail, "held: no requests of this kind (max 0)");

  expect.dropped_max_by_kind = {{RequestKind::get, 0}, {RequestKind::held, 0}};
  const Check get_over = check_dropped_by_kind(compute_metrics(only_get), expect);
  EXPECT_EQ(get_over.verdict, Verdict::fail);
  EXPECT_EQ(get_over.detail, "get: 1 dropped of 2 (max 0); held: no requests of this kind (max 0)");
}

TEST(CheckDroppedByKindTest, JudgeAddsTheCheckOnlyWhenAKindIsNamed) {
  Expectations expect;
  expect.dropped_max.reset();
  EXPECT_EQ(judge(kinds_history(), expect).checks.size(), 1u);  // run_errors
  expect.dropped_max_by_kind = {{RequestKind::post, 0}};
  const Judgement j = judge(kinds_history(), expect);
  ASSERT_EQ(j.checks.size(), 2u);
  EXPECT_EQ(j.checks[0].name, "dropped_by_kind");
  EXPECT_EQ(j.checks[0].detail, "post: 3 dropped of 40 (max 0)");
  EXPECT_EQ(j.verdict, Verdict::fail);
}

TEST(CheckDroppedTest, JudgeChecksAllowedReasonsEvenWithoutABound) {
  Expectations expect;
  expect.dropped_max.reset();
  expect.dropped_reasons = std::vector<Reason>{Reason::refused};
  const Judgement j = judge(kinds_history(), expect);
  ASSERT_EQ(j.checks.size(), 2u);
  EXPECT_EQ(j.checks[0].name, "dropped");
  EXPECT_EQ(j.checks[0].verdict, Verdict::fail) << j.checks[0].detail;
  EXPECT_EQ(j.verdict, Verdict::fail);
}

History upgrade_history(double new_ok_at_ms) {
  return HistoryBuilder()
      .at_ms(0)
      .master(100, 1)
      .worker(101, 100, 1)
      .at_ms(10)
      .ok(1, 101)
      .at_ms(100)
      .signal("USR2", 100, 1)
      .at_ms(110)
      .master(200, 2)
      .worker(201, 200, 2)
      .at_ms(new_ok_at_ms)
      .ok(2, 201)
      .build();
}

TEST(CheckSwitchoverTest, WithinTheMaximumPasses) {
  const History h = upgrade_history(150);
  const Check c = check_switchover(h, compute_metrics(h), 500);
  EXPECT_EQ(c.name, "switchover_ms");
  EXPECT_EQ(c.verdict, Verdict::pass);
  EXPECT_EQ(c.detail, "switchover 50.0 ms (max 500.0 ms)");
}

TEST(CheckSwitchoverTest, OverTheMaximumFails) {
  const History h = upgrade_history(700);
  const Check c = check_switchover(h, compute_metrics(h), 500);
  EXPECT_EQ(c.verdict, Verdict::fail);
  EXPECT_EQ(c.detail, "switchover 600.0 ms (max 500.0 ms)");
}

TEST(CheckSwitchoverTest, NoUsr2OrNoNewerOkIsUnknown) {
  const History no_usr2 = HistoryBuilder().master(100, 1).worker(101, 100, 1).ok(1, 101).build();
  const Check a = check_switchover(no_usr2, compute_metrics(no_usr2), 500);
  EXPECT_EQ(a.verdict, Verdict::unknown);
  EXPECT_EQ(a.detail, "no USR2 was sent, so there was no switchover to measure");
  const History no_new =
      HistoryBuilder().master(100, 1).worker(101, 100, 1).signal("USR2", 100, 1).at_ms(5).ok(1, 101).build();
  const Check b = check_switchover(no_new, compute_metrics(no_new), 500);
  EXPECT_EQ(b.verdict, Verdict::unknown);
  EXPECT_EQ(b.detail, "no ok response came from a generation newer than the USR2 target");
}

// Old workers serve 0..499 ms, new ones from 500 ms; the run ends at end_ms.
HistoryBuilder served_history(int old_until_ms, int end_ms) {
  HistoryBuilder b;
  b.at_ms(0).master(100, 1).worker(101, 100, 1).at_ms(400).master(200, 2).worker(201, 200, 2);
  std::uint64_t id = 0;
  for (int t = 1; t <= end_ms; ++t) b.at_ms(t).ok(++id, t < old_until_ms ? 101 : 201);
  return b;
}

TEST(CheckServedByAtEndTest, SaysWhenAWorkerThatServedWasInferred) {
  std::vector<Event> events = served_history(500, 1000).build().events();
  for (Event& e : events) {
    if (e.type == EventType::process_born && e.pid == 201) e.seen = ProcessSeen::inferred_from_log;
  }
  Expectations expect;
  expect.served_by_at_end = ServedBy::new_generation;
  const auto served_by_at_end = [](const Judgement& j) {
    const auto found =
        std::find_if(j.checks.begin(), j.checks.end(), [](const Check& c) { return c.name == "served_by_at_end"; });
    return found == j.checks.end() ? Check{"missing", Verdict::unknown, {}} : *found;
  };
  const Check inferred = served_by_at_end(judge(History::from_events(std::move(events)), expect));
  EXPECT_EQ(inferred.verdict, Verdict::pass);
  EXPECT_EQ(inferred.detail,
            "all 101 ok responses in the last 100.0 ms came from generation 2 (new); rests on 1 process(es) the "
            "observer inferred: worker 201");
  const Check seen = served_by_at_end(judge(served_history(500, 1000).build(), expect));
  EXPECT_EQ(seen.detail, "all 101 ok responses in the last 100.0 ms came from generation 2 (new)");
}

TEST(CheckServedByAtEndTest, AllFromTheNewGenerationPasses) {
  const Check c = check_served_by_at_end(served_history(500, 1000).build(), ServedBy::new_generation);
  EXPECT_EQ(c.name, "served_by_at_end");
  EXPECT_EQ(c.verdict, Verdict::pass);
  EXPECT_EQ(c.detail, "all 101 ok responses in the last 100.0 ms came from generation 2 (new)");
}

TEST(CheckServedByAtEndTest, OldResponsesInTheWindowFail) {
  const Check c = check_served_by_at_end(served_history(950, 1000).build(), ServedBy::new_generation);
  EXPECT_EQ(c.verdict, Verdict::fail);
  EXPECT_EQ(c.detail,
            "of 101 ok responses in the last 100.0 ms, expected all from generation 2 (new): 50 from generation 1");
}

TEST(CheckServedByAtEndTest, RollbackExpectsGenerationOne) {
  const Check back = check_served_by_at_end(served_history(2000, 1000).build(), ServedBy::old_generation);
  EXPECT_EQ(back.verdict, Verdict::pass);
  EXPECT_EQ(back.detail, "all 101 ok responses in the last 100.0 ms came from generation 1 (old)");
  EXPECT_EQ(check_served_by_at_end(served_history(500, 1000).build(), ServedBy::old_generation).verdict, Verdict::fail);
}

TEST(CheckServedByAtEndTest, TheWindowHoldsAtLeastTheLastFiftyResponses) {
  // Ten ok responses early on, then nothing until a final event: the 10% window is empty of
  // responses, so the last fifty (here: all ten) are judged.
  HistoryBuilder b;
  b.at_ms(0).master(100, 1).worker(101, 100, 1).master(200, 2).worker(201, 200, 2);
  for (int i = 1; i <= 10; ++i) b.at_ms(i).ok(static_cast<std::uint64_t>(i), i <= 3 ? 101 : 201);
  b.at_ms(1000).orchestrator(EventType::step_started, "sleep");
  const Check c = check_served_by_at_end(b.build(), ServedBy::new_generation);
  EXPECT_EQ(c.verdict, Verdict::fail);
  EXPECT_NE(c.detail.find("of 10 ok responses"), std::string::npos) << c.detail;
  EXPECT_NE(c.detail.find("3 from generation 1"), std::string::npos) << c.detail;
}

TEST(CheckServedByAtEndTest, AWindowWithFewerThanFiftyWidensToTheLastFifty) {
  // 100 ok responses at 1..100 ms, the run ends at 110 ms: the 10% window (from 99 ms) holds two,
  // so the window starts at the 50th-last response (51 ms).
  const auto history = [](int old_until_ms) {
    HistoryBuilder b;
    b.at_ms(0).master(100, 1).worker(101, 100, 1).master(200, 2).worker(201, 200, 2);
    for (int t = 1; t <= 100; ++t) b.at_ms(t).ok(static_cast<std::uint64_t>(t), t <= old_until_ms ? 101 : 201);
    b.at_ms(110).orchestrator(EventType::steps_ended, "");
    return b.build();
  };
  const Check pass = check_served_by_at_end(history(50), ServedBy::new_generation);
  EXPECT_EQ(pass.verdict, Verdict::pass);
  EXPECT_EQ(pass.detail, "all 50 ok responses in the last 59.0 ms came from generation 2 (new)");
  const Check fail = check_served_by_at_end(history(51), ServedBy::new_generation);
  EXPECT_EQ(fail.verdict, Verdict::fail);
  EXPECT_EQ(fail.detail,
            "of 50 ok responses in the last 59.0 ms, expected all from generation 2 (new): 1 from generation 1");
}

TEST(CheckServedByAtEndTest, UnknownWorkersOrNoEvidenceIsUnknown) {
  HistoryBuilder unknown_pid = served_history(500, 1000);
  unknown_pid.at_ms(1000).ok(5000, 0);
  const Check a = check_served_by_at_end(unknown_pid.build(), ServedBy::new_generation);
  EXPECT_EQ(a.verdict, Verdict::unknown);
  EXPECT_NE(a.detail.find("1 came from a worker pid with no recorded generation"), std::string::npos) << a.detail;

  const Check b =
      check_served_by_at_end(HistoryBuilder().master(100, 1).worker(101, 100, 1).build(), ServedBy::new_generation);
  EXPECT_EQ(b.verdict, Verdict::unknown);
  EXPECT_EQ(b.detail, "no ok responses, so nothing shows who served at the end");

  const Check c = check_served_by_at_end(HistoryBuilder().ok(1, 55).build(), ServedBy::new_generation);
  EXPECT_EQ(c.verdict, Verdict::unknown);
  EXPECT_EQ(c.detail, "no master process was recorded, so the newest generation is unknown");
}

// An upgrade whose old generation serves until just before the steps end at 1000 ms: worker 101
// (generation 1) serves at 1..990 ms and exits at 991 ms, its master 100 at master_exit_ms; a
// response of 101 in flight when it exited (sent at 990.5 ms) ends at 993 ms; worker 201 (generation 2, born at
// 400 ms) serves from new_from_ms to 1000 ms.
HistoryBuilder late_transition(double master_exit_ms, int new_from_ms) {
  HistoryBuilder b;
  b.at_ms(0).master(100, 1).worker(101, 100, 1).at_ms(400).master(200, 2).worker(201, 200, 2);
  std::uint64_t id = 0;
  for (int t = 1; t <= 990; ++t) b.at_ms(t).ok(++id, 101);
  b.at_ms(991).exited(101, 100, ProcessRole::worker, 1);
  b.at_ms(master_exit_ms).exited(100, 1, ProcessRole::master, 1);
  ++id;
  b.at_ms(990.5).sent_only(id).at_ms(993).ended_only(id, Outcome::ok, Reason::none, 1, 101);
  for (int t = new_from_ms; t <= 1000; ++t) b.at_ms(t).ok(++id, 201);
  b.at_ms(1000).orchestrator(EventType::steps_ended, "");
  return b;
}

TEST(CheckServedByAtEndTest, AfterTheOldGenerationExitedOnlyLaterResponsesAreJudged) {
  // The last 10% of the run (from 900 ms) holds 92 responses of generation 1; they all came
  // before its last process exited, at 992 ms.
  const History h = late_transition(992, 995).build();
  const Check c = check_served_by_at_end(h, ServedBy::new_generation);
  EXPECT_EQ(c.verdict, Verdict::pass);
  EXPECT_EQ(c.detail,
            "all 6 ok responses since the last process of another generation exited (generation 1 master 100 at "
            "992.0 ms) came from generation 2 (new); not counted, in flight when their worker exited (sent"
            " before it, ended within 5000.0 ms of it): 1 from generation 1");
  const JudgeInputs inputs = JudgeInputs::from(h);
  const EndWindow window = served_by_at_end_window(inputs, ServedBy::new_generation);
  EXPECT_EQ(window.from_ns, 992'000'000);
  ASSERT_NE(window.transition, nullptr);
  EXPECT_EQ(window.transition->pid, 100);
}

TEST(CheckServedByAtEndTest, AnOldProcessAliveWhenTheStepsEndedKeepsTheLastTenPercent) {
  HistoryBuilder b = late_transition(992, 995);
  b.at_ms(5).worker(102, 100, 1);
  const History h = b.build();
  const Check c = check_served_by_at_end(h, ServedBy::new_generation);
  EXPECT_EQ(c.verdict, Verdict::fail);
  EXPECT_EQ(c.detail,
            "of 98 ok responses in the last 100.0 ms, expected all from generation 2 (new): 92 from generation 1");
  const EndWindow window = served_by_at_end_window(JudgeInputs::from(h), ServedBy::new_generation);
  EXPECT_EQ(window.from_ns, 900'000'000);
  EXPECT_EQ(window.transition, nullptr);
}

TEST(CheckServedByAtEndTest, AnExitAfterTheStepsEndedIsIgnored) {
  // The old master is ended by the cleanup after steps_ended: it was alive at the end, so the
  // old generation's responses up to 990 ms still fail the check (not unknown for want of
  // responses after 1005 ms).
  const Check c = check_served_by_at_end(late_transition(1005, 995).build(), ServedBy::new_generation);
  EXPECT_EQ(c.verdict, Verdict::fail);
  EXPECT_EQ(c.detail,
            "of 93 ok responses in the last 100.5 ms, expected all from generation 2 (new): 87 from generation 1");
}

TEST(CheckServedByAtEndTest, NoOkResponseAfterTheTransitionIsUnknown) {
  const Check c = check_served_by_at_end(late_transition(992, 1001).build(), ServedBy::new_generation);
  EXPECT_EQ(c.verdict, Verdict::unknown);
  EXPECT_EQ(c.detail,
            "no ok responses since the last process of another generation exited (generation 1 master 100 at "
            "992.0 ms), so nothing shows who served at the end; not counted, in flight when their"
            " worker exited (sent before it, ended within 5000.0 ms of it): 1 from generation 1");
}

TEST(CheckServedByAtEndTest, RollbackJudgesTheResponsesAfterTheNewGenerationExited) {
  // Worker 101 serves until WINCH stops it at 450 ms, worker 201 (generation 2) from 451 ms; the
  // HUP of the old master starts worker 102 at 900 ms; generation 2 exits at 950 and 951 ms,
  // one of its responses (sent at 949.5 ms) ending later; 102 serves from 952 ms.
  HistoryBuilder b;
  b.at_ms(0).master(100, 1).worker(101, 100, 1).at_ms(400).master(200, 2).worker(201, 200, 2);
  std::uint64_t id = 0;
  for (int t = 1; t <= 950; ++t) b.at_ms(t).ok(++id, t <= 450 ? 101 : 201);
  b.at_ms(450).exited(101, 100, ProcessRole::worker, 1).at_ms(900).worker(102, 100, 0);
  b.at_ms(950).exited(201, 200, ProcessRole::worker, 2).at_ms(951).exited(200, 100, ProcessRole::master, 2);
  ++id;
  b.at_ms(949.5).sent_only(id).at_ms(952).ended_only(id, Outcome::ok, Reason::none, 1, 201);
  for (int t = 952; t <= 1000; ++t) b.at_ms(t).ok(++id, 102);
  b.at_ms(1000).orchestrator(EventType::steps_ended, "");
  const History h = b.build();
  const Check back = check_served_by_at_end(h, ServedBy::old_generation);
  EXPECT_EQ(back.verdict, Verdict::pass);
  EXPECT_EQ(back.detail,
            "all 49 ok responses since the last process of another generation exited (generation 2 master 200 at "
            "951.0 ms) came from generation 1 (old); not counted, in flight when their worker exited (sent"
            " before it, ended within 5000.0 ms of it): 1 from generation 2");
  // Expecting the new generation: its master 200, the newest born, had exited by the end.
  const Check forward = check_served_by_at_end(h, ServedBy::new_generation);
  EXPECT_EQ(forward.verdict, Verdict::fail);
  EXPECT_EQ(forward.detail,
            "generation 2 (new), the newest master born in the run (pid 200), had no worker when the steps ended");
}

TEST(CheckServedByAtEndTest, ANewMasterWithoutWorkersFails) {
  // Generation 2's master is born at 400 ms and never starts a worker; generation 1 serves to
  // the end. "new" is the newest master born, not the newest generation that had workers.
  HistoryBuilder b;
  b.at_ms(0).master(100, 1).worker(101, 100, 1).at_ms(400).master(200, 2);
  for (int t = 1; t <= 1000; ++t) b.at_ms(t).ok(static_cast<std::uint64_t>(t), 101);
  b.at_ms(1000).orchestrator(EventType::steps_ended, "");
  const Check c = check_served_by_at_end(b.build(), ServedBy::new_generation);
  EXPECT_EQ(c.verdict, Verdict::fail);
  EXPECT_EQ(c.detail,
            "generation 2 (new), the newest master born in the run (pid 200), had no worker when the steps ended");
}

TEST(CheckServedByAtEndTest, OnlyResponsesSentBeforeTheExitAndEndingSoonAfterAreInFlight) {
  // late_transition's worker 101 exits at 991 ms. One more response credited to it: sent at
  // 1242 ms (251 ms after the exit) fails; sent before the exit and ended 4999 ms after it is in
  // flight; ended 5009 ms after it, it is no longer attributed to 101 (validation refuses such a
  // history).
  HistoryBuilder sent_late = late_transition(992, 995);
  sent_late.at_ms(1242).sent_only(5000).at_ms(1243).ended_only(5000, Outcome::ok, Reason::none, 1, 101);
  const Check a = check_served_by_at_end(sent_late.build(), ServedBy::new_generation);
  EXPECT_EQ(a.verdict, Verdict::fail);
  EXPECT_NE(a.detail.find("1 from generation 1 (not in flight at their worker's exit)"), std::string::npos) << a.detail;
  HistoryBuilder ended_late = late_transition(992, 995);
  ended_late.at_ms(990).sent_only(5000).at_ms(5990).ended_only(5000, Outcome::ok, Reason::none, 1, 101);
  const Check b = check_served_by_at_end(ended_late.build(), ServedBy::new_generation);
  EXPECT_EQ(b.verdict, Verdict::pass) << b.detail;
  HistoryBuilder too_late = late_transition(992, 995);
  too_late.at_ms(990).sent_only(5000).at_ms(6000).ended_only(5000, Outcome::ok, Reason::none, 1, 101);
  const Check c = check_served_by_at_end(too_late.build(), ServedBy::new_generation);
  EXPECT_EQ(c.verdict, Verdict::unknown) << c.detail;
  EXPECT_NE(c.detail.find("1 came from a worker pid with no recorded generation"), std::string::npos) << c.detail;
}

TEST(CheckRunErrorsTest, PassesWithoutErrors) {
  const Check c = check_run_errors(HistoryBuilder().orchestrator(EventType::wait_satisfied, "serving").build());
  EXPECT_EQ(c.name, "run_errors");
  EXPECT_EQ(c.verdict, Verdict::pass);
  EXPECT_EQ(c.detail, "no run errors");
}

TEST(CheckRunErrorsTest, TimeoutsAndErrorsFailWithTheirText) {
  const History h = HistoryBuilder()
                        .orchestrator(EventType::wait_timed_out, "master_ready of new: waited 5s, saw no pid file")
                        .orchestrator(EventType::no_effect, "USR2 ignored")
                        .orchestrator(EventType::run_error, "binary missing")
                        .build();
  const Check c = check_run_errors(h);
  EXPECT_EQ(c.verdict, Verdict::fail);
  EXPECT_EQ(c.detail, "wait_timed_out: master_ready of new: waited 5s, saw no pid file; run_error: binary missing");
}

TEST(CheckRunErrorsTest, ListsAtMostFiveErrors) {
  HistoryBuilder b;
  for (int i = 0; i < 8; ++i) b.orchestrator(EventType::run_error, "e" + std::to_string(i));
  EXPECT_EQ(check_run_errors(b.build()).detail,
            "run_error: e0; run_error: e1; run_error: e2; run_error: e3; run_error: e4; and 3 more");
}

TEST(JudgeTest, DefaultExpectationsCheckDropsAndRunErrors) {
  const History h = upgrade_history(150);
  const Judgement j = judge(h, Expectations{});
  ASSERT_EQ(j.checks.size(), 2u);
  EXPECT_EQ(j.checks[0].name, "dropped");
  EXPECT_EQ(j.checks[1].name, "run_errors");
  EXPECT_EQ(j.verdict, Verdict::pass);
  EXPECT_EQ(j.metrics.requests, 2u);
}

TEST(JudgeTest, EveryExpectationAddsItsCheckAndTheWorstVerdictWins) {
  Expectations e;
  e.switchover_ms_max = 10;
  e.served_by_at_end = ServedBy::new_generation;
  const Judgement j = judge(upgrade_history(150), e);
  ASSERT_EQ(j.checks.size(), 4u);
  EXPECT_EQ(j.checks[1].name, "switchover_ms");
  EXPECT_EQ(j.checks[1].verdict, Verdict::fail);
  EXPECT_EQ(j.checks[2].name, "served_by_at_end");
  EXPECT_EQ(j.checks[2].verdict, Verdict::fail);  // the generation 1 response is among the last fifty
  EXPECT_EQ(j.verdict, Verdict::fail);

  e.switchover_ms_max = 100;
  e.served_by_at_end.reset();
  const Judgement k = judge(upgrade_history(150), e);
  ASSERT_EQ(k.checks.size(), 3u);
  EXPECT_EQ(k.verdict, Verdict::pass);
}

TEST(JudgeTest, AnEmptyHistoryIsUnknown) {
  const Judgement j = judge(History(), Expectations{});
  EXPECT_EQ(j.verdict, Verdict::unknown);
  Expectations nothing;
  nothing.dropped_max.reset();
  const Judgement k = judge(History(), nothing);
  ASSERT_EQ(k.checks.size(), 1u);
  EXPECT_EQ(k.verdict, Verdict::pass);
}

}  // namespace
}  // namespace hotdeploy::harness

namespace hotdeploy::harness {
namespace {

using testing::HistoryBuilder;

TEST(ByNameTest, MetricsCountEachNameOfTheMixOnItsOwn) {
  const History history = HistoryBuilder{}
                              .master(100, 1)
                              .worker(101, 100, 1)
                              .at_ms(10)
                              .ok(1, 101)
                              .named("home")
                              .ok(2, 101)
                              .named("checkout")
                              .request(3, Outcome::info, Reason::bad_gateway, 101)
                              .named("checkout")
                              .request(4, Outcome::fail, Reason::bad_status, 101)
                              .named("checkout")
                              .ok(5, 101)  // hotdeploy's own traffic: no name
                              .build();
  const Metrics m = compute_metrics(history);
  EXPECT_EQ(m.requests, 5u);
  ASSERT_EQ(m.by_name.size(), 2u);
  const NamedRequestMetrics& home = m.by_name.at("home");
  EXPECT_EQ(home.requests, 1u);
  EXPECT_EQ(home.ok, 1u);
  EXPECT_EQ(home.dropped, 0u);
  EXPECT_EQ(home.latency.count, 1u);
  const NamedRequestMetrics& checkout = m.by_name.at("checkout");
  EXPECT_EQ(checkout.requests, 3u);
  EXPECT_EQ(checkout.ok, 1u);
  EXPECT_EQ(checkout.dropped, 2u);
  EXPECT_EQ(checkout.dropped_by_reason, (std::map<std::string, std::uint64_t>{{"bad_gateway", 1}, {"bad_status", 1}}));
  EXPECT_EQ(m.dropped_by_reason, (std::map<std::string, std::uint64_t>{{"bad_gateway", 1}, {"bad_status", 1}}));
}

TEST(ByNameTest, DroppedBoundsOneNameAndSaysWhy) {
  const History history = HistoryBuilder{}
                              .master(100, 1)
                              .worker(101, 100, 1)
                              .at_ms(10)
                              .ok(1, 101)
                              .named("home")
                              .request(2, Outcome::info, Reason::bad_gateway, 101)
                              .named("checkout")
                              .request(3, Outcome::info, Reason::gateway_timeout, 101)
                              .named("checkout")
                              .build();
  Expectations expect;
  expect.dropped_max.reset();
  expect.dropped_max_by_name = {{"checkout", 2}, {"home", 0}};
  Judgement j = judge(history, expect);
  const auto find = [&](const std::string& name) {
    return *std::find_if(j.checks.begin(), j.checks.end(), [&](const Check& c) { return c.name == name; });
  };
  Check c = find("dropped_by_name");
  EXPECT_EQ(c.verdict, Verdict::pass);
  EXPECT_EQ(c.detail,
            "checkout: 2 dropped of 2 (bad_gateway: 1, gateway_timeout: 1) (max 2); home: 0 dropped of 1 (max 0)");
  expect.dropped_max_by_name = {{"checkout", 1}};
  j = judge(history, expect);
  c = find("dropped_by_name");
  EXPECT_EQ(c.verdict, Verdict::fail);
  EXPECT_EQ(c.detail, "checkout: 2 dropped of 2 (bad_gateway: 1, gateway_timeout: 1) (max 1)");
  expect.dropped_max_by_name = {{"search", 0}};
  j = judge(history, expect);
  c = find("dropped_by_name");
  EXPECT_EQ(c.verdict, Verdict::unknown);
  EXPECT_EQ(c.detail, "search: no request of this name was made (max 0)");
}

}  // namespace
}  // namespace hotdeploy::harness
