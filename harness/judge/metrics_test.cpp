#include "harness/judge/metrics.h"

#include <gtest/gtest.h>

#include "harness/history/history_builder.h"

namespace hotdeploy::harness {
namespace {

using testing::HistoryBuilder;

// Generation 1 (master 100, worker 101) and generation 2 (master 200, worker 201).
HistoryBuilder two_generations() {
  HistoryBuilder b;
  b.at_ms(0).master(100, 1).worker(101, 100, 1);
  return b;
}

TEST(MetricsTest, EmptyHistoryHasNothing) {
  const Metrics m = compute_metrics(History());
  EXPECT_EQ(m, Metrics{});
}

TEST(MetricsTest, ObserverCountsInferredProcessesLateBirthsAndBoundsBirthLag) {
  std::vector<Event> events = HistoryBuilder()
                                  .at_ms(0)
                                  .master(100, 1)
                                  .at_ms(1)
                                  .ok(1, 102)
                                  .at_ms(2)
                                  .worker(101, 100, 1)
                                  .worker(102, 100, 1)
                                  .at_ms(3)
                                  .exited(101, 100, ProcessRole::worker, 1)
                                  .build()
                                  .events();
  for (Event& e : events) {
    if (e.type == EventType::process_born && e.pid == 101) e.lag_ns = 2'000'000;
    if (e.type == EventType::process_born && e.pid == 102) e.lag_ns = 500'000;
    if (e.type == EventType::process_exited) {
      e.seen = ProcessSeen::inferred_at_stop;
      e.exit_code = -1;
    }
  }
  const ObserverMetrics o = compute_metrics(History::from_events(std::move(events))).observer;
  EXPECT_EQ(o.processes, 3u);
  EXPECT_EQ(o.inferred, 1u);
  EXPECT_EQ(o.exit_code_unknown, 1u);
  EXPECT_EQ(o.born_after_serving, 1u);  // 102 served at 1 ms, seen born at 2 ms
  EXPECT_EQ(o.birth_lag_p99_ms, 2.0);
  EXPECT_EQ(o.birth_lag_max_ms, 2.0);
}

TEST(MetricsTest, KernelCountersRiseIsSplitByThePhasesOfTheSignals) {
  HistoryBuilder b;
  b.at_ms(0).kernel_counters("start", {{"TcpOutRsts", 10}, {"TcpExtListenOverflows", 0}});
  b.at_ms(1).master(100, 1).worker(101, 100, 1).at_ms(5).ok(1, 101);
  b.at_ms(50).kernel_counters("before step 1", {{"TcpOutRsts", 12}, {"TcpExtListenOverflows", 0}});
  b.at_ms(60).signal("HUP", 100, 1).at_ms(70).ok(2, 101);
  b.at_ms(80).kernel_counters("before step 2", {{"TcpOutRsts", 15}, {"TcpExtListenOverflows", 4}});
  b.at_ms(90).signal("QUIT", 100, 1);
  b.at_ms(100).kernel_counters("end", {{"TcpOutRsts", 16}, {"TcpExtListenOverflows", 4}, {"TcpExtNew", 3}});
  const Metrics m = compute_metrics(b.build());
  EXPECT_EQ(m.kernel_samples, 4U);
  ASSERT_EQ(m.phases.size(), 3U);
  using Deltas = std::map<std::string, std::int64_t>;
  EXPECT_EQ(m.phases[0].kernel_deltas, (Deltas{{"TcpOutRsts", 2}, {"TcpExtListenOverflows", 0}}));
  EXPECT_EQ(m.phases[1].kernel_deltas, (Deltas{{"TcpOutRsts", 3}, {"TcpExtListenOverflows", 4}}));
  EXPECT_EQ(m.phases[2].kernel_deltas, (Deltas{{"TcpOutRsts", 1}, {"TcpExtListenOverflows", 0}}));
  EXPECT_EQ(m.kernel_deltas, (Deltas{{"TcpOutRsts", 6}, {"TcpExtListenOverflows", 4}}));
}

TEST(MetricsTest, NoKernelCountersNoDeltas) {
  HistoryBuilder b;
  b.at_ms(1).master(100, 1).worker(101, 100, 1).at_ms(5).ok(1, 101).at_ms(6).signal("HUP", 100, 1);
  const Metrics m = compute_metrics(b.build());
  EXPECT_EQ(m.kernel_samples, 0U);
  EXPECT_TRUE(m.kernel_deltas.empty());
  for (const auto& phase : m.phases) EXPECT_TRUE(phase.kernel_deltas.empty()) << phase.name;
}

TEST(MetricsTest, EachRequestCountsOnceByItsFinalAttempt) {
  const History h = HistoryBuilder()
                        .ok(1, 101)
                        .ok(2, 101)
                        .request(3, Outcome::fail, Reason::refused)
                        .request(4, Outcome::info, Reason::truncated)
                        .request(5, Outcome::info, Reason::truncated)
                        .build();
  const Metrics m = compute_metrics(h);
  EXPECT_EQ(m.requests, 5u);
  EXPECT_EQ(m.ok, 2u);
  EXPECT_EQ(m.dropped, 3u);
  EXPECT_EQ(m.retried, 0u);
  EXPECT_EQ(m.dropped_by_reason, (std::map<std::string, std::uint64_t>{{"refused", 1}, {"truncated", 2}}));
}

TEST(MetricsTest, RequestsAndDropsCountByKind) {
  HistoryBuilder b;
  b.ok(1, 101).request(2, Outcome::fail, Reason::refused).ok(3, 101).sent_only(4).request(5, Outcome::ok);
  std::vector<Event> events = b.build().events();
  for (Event& e : events) {
    if (e.request_id == 3 || e.request_id == 4) e.kind = RequestKind::held;
    if (e.request_id == 5) e.kind = RequestKind::post;
  }
  const Metrics m = compute_metrics(History::from_events(std::move(events)));
  EXPECT_EQ(m.requests_by_kind, (std::map<std::string, std::uint64_t>{{"get", 2}, {"held", 2}, {"post", 1}}));
  // Request 4 never ended: it is dropped as what it was sent as.
  EXPECT_EQ(m.dropped_by_kind, (std::map<std::string, std::uint64_t>{{"get", 1}, {"held", 1}}));
}

TEST(MetricsTest, AllFailed) {
  const History h = HistoryBuilder()
                        .ended_only(1, Outcome::fail, Reason::refused)
                        .ended_only(2, Outcome::fail, Reason::refused)
                        .build();
  const Metrics m = compute_metrics(h);
  EXPECT_EQ(m.requests, 2u);
  EXPECT_EQ(m.ok, 0u);
  EXPECT_EQ(m.dropped, 2u);
  EXPECT_EQ(m.dropped_by_reason.at("refused"), 2u);
}

TEST(MetricsTest, ASuccessfulRetryIsRetriedNotDropped) {
  const History h = HistoryBuilder().request(7, Outcome::fail, Reason::closed_without_response).ok(7, 101, 2).build();
  const Metrics m = compute_metrics(h);
  EXPECT_EQ(m.requests, 1u);
  EXPECT_EQ(m.ok, 1u);
  EXPECT_EQ(m.retried, 1u);
  EXPECT_EQ(m.dropped, 0u);
  EXPECT_TRUE(m.dropped_by_reason.empty());
}

TEST(MetricsTest, AFailedRetryIsDroppedWithTheRetrysReason) {
  const History h = HistoryBuilder()
                        .request(7, Outcome::fail, Reason::closed_without_response)
                        .request(7, Outcome::info, Reason::reset_after_send, 0, 2)
                        .build();
  const Metrics m = compute_metrics(h);
  EXPECT_EQ(m.requests, 1u);
  EXPECT_EQ(m.ok, 0u);
  EXPECT_EQ(m.retried, 0u);
  EXPECT_EQ(m.dropped, 1u);
  EXPECT_EQ(m.dropped_by_reason, (std::map<std::string, std::uint64_t>{{"reset_after_send", 1}}));
}

TEST(MetricsTest, ARequestThatNeverEndedIsDroppedAsNoEnd) {
  const History h = HistoryBuilder()
                        .sent_only(1)
                        .request(2, Outcome::fail, Reason::closed_without_response)
                        .sent_only(2, 2)  // the retry went out and was never heard of again
                        .build();
  const Metrics m = compute_metrics(h);
  EXPECT_EQ(m.requests, 2u);
  EXPECT_EQ(m.dropped, 2u);
  EXPECT_EQ(m.dropped_by_reason.at("no_end"), 2u);
}

// Requests 1 and 2 connected in phase start (2 after a dropped SYN, 1.2 s, sent after the USR2),
// 3 in phase USR2; 4 rode a reused connection; 5 gave up on a 200 ms connect timeout.
std::vector<Event> connects_across_a_usr2() {
  std::vector<Event> events = two_generations()
                                  .at_ms(10)
                                  .ok(1, 101)
                                  .at_ms(1000)
                                  .signal("USR2", 100, 1)
                                  .at_ms(1100)
                                  .ok(3, 101)
                                  .at_ms(1200)
                                  .ok(4, 101)
                                  .at_ms(1300)
                                  .ended_only(5, Outcome::fail, Reason::connect_timeout)
                                  .at_ms(1500)
                                  .ok(2, 101)
                                  .build()
                                  .events();
  for (Event& e : events) {
    if (e.type == EventType::request_ended && e.request_id == 5) e.text = "connect timeout 200ms";
    if (e.type != EventType::request_sent) continue;
    if (e.request_id == 1) e.connect_ns = 200'000;
    if (e.request_id == 2) e.connect_ns = 1'200'000'000;
    if (e.request_id == 3) e.connect_ns = 500'000;
    if (e.request_id == 4) e.reused = true;
  }
  return events;
}

TEST(MetricsTest, ConnectLatencyByThePhaseTheConnectBeganInCountingThoseOverOneSecond) {
  const Metrics m = compute_metrics(History::from_events(connects_across_a_usr2()));
  ASSERT_EQ(m.phases.size(), 2u);
  const ConnectSummary& start = m.phases[0].connect;
  EXPECT_EQ(start.count, 2u);
  EXPECT_NEAR(start.max_ms, 1200, 1200 / 1000.0);
  EXPECT_NEAR(start.p50_ms, 0.2, 0.2 / 1000.0);
  EXPECT_EQ(start.over_1s, 1u);
  const ConnectSummary& usr2 = m.phases[1].connect;
  EXPECT_EQ(usr2.count, 1u);
  EXPECT_NEAR(usr2.p99_ms, 0.5, 0.5 / 1000.0);
  EXPECT_EQ(usr2.over_1s, 0u);
  EXPECT_EQ(m.connect.count, 3u);
  EXPECT_EQ(m.connect.over_1s, 1u);
  EXPECT_NEAR(m.connect.max_ms, 1200, 1200 / 1000.0);
  EXPECT_EQ(m.timeout_of_reason, (std::map<std::string, std::string>{{"connect_timeout", "connect timeout 200ms"}}));
}

TEST(MetricsTest, AHistoryWithoutConnectTimesHasNoConnectFigures) {
  const Metrics m = compute_metrics(two_generations().at_ms(10).ok(1, 101).build());
  EXPECT_EQ(m.connect, ConnectSummary{});
  EXPECT_EQ(m.phases.at(0).connect, ConnectSummary{});
}

TEST(MetricsTest, SwitchoverRunsFromUsr2ToTheFirstOkOfANewerGeneration) {
  const History h = two_generations()
                        .at_ms(10)
                        .ok(1, 101)
                        .at_ms(100)
                        .signal("USR2", 100, 1)
                        .at_ms(110)
                        .ok(2, 101)
                        .at_ms(120)
                        .master(200, 2)
                        .worker(201, 200, 2)
                        .at_ms(130)
                        .ok(3, 101)
                        .at_ms(142.5)
                        .ok(4, 201)
                        .at_ms(150)
                        .ok(5, 201)
                        .build();
  const Metrics m = compute_metrics(h);
  ASSERT_TRUE(m.switchover_ms);
  EXPECT_DOUBLE_EQ(*m.switchover_ms, 42.5);
}

TEST(MetricsTest, SwitchoverFindsTheTargetGenerationFromTheMasterPid) {
  const History h = two_generations()
                        .at_ms(100)
                        .signal("SIGUSR2", 100, 0)
                        .at_ms(120)
                        .master(200, 2)
                        .worker(201, 200, 0)
                        .at_ms(160)
                        .ok(1, 201)
                        .build();
  const Metrics m = compute_metrics(h);
  ASSERT_TRUE(m.switchover_ms);
  EXPECT_DOUBLE_EQ(*m.switchover_ms, 60.0);
}

TEST(MetricsTest, SwitchoverAttributesAReusedPidByTheTimeOfTheResponse) {
  // USR2 at 100 ms. Old worker 101 serves at 150 ms and exits at 200 ms; its pid goes to a
  // generation-2 worker at 1500 ms, which serves at 1510 ms. "Last birth wins" would credit the
  // 150 ms response to generation 2 (switchover 50 ms).
  const History h = HistoryBuilder()
                        .master(100, 1)
                        .worker(101, 100, 1)
                        .at_ms(100)
                        .signal("USR2", 100, 1)
                        .at_ms(110)
                        .master(200, 2)
                        .at_ms(150)
                        .ok(1, 101)
                        .at_ms(200)
                        .exited(101, 100, ProcessRole::worker, 1)
                        .at_ms(1500)
                        .worker(101, 200, 2)
                        .at_ms(1510)
                        .ok(2, 101)
                        .build();
  const Metrics m = compute_metrics(h);
  ASSERT_TRUE(m.switchover_ms);
  EXPECT_DOUBLE_EQ(*m.switchover_ms, 1410.0);
}

TEST(MetricsTest, NoSwitchoverWithoutUsr2OrWithoutANewerGeneration) {
  const History no_usr2 = two_generations().at_ms(10).ok(1, 101).at_ms(20).signal("WINCH", 100, 1).build();
  EXPECT_FALSE(compute_metrics(no_usr2).switchover_ms);
  const History no_new = two_generations().at_ms(100).signal("USR2", 100, 1).at_ms(110).ok(1, 101).build();
  EXPECT_FALSE(compute_metrics(no_new).switchover_ms);
  const History unknown_target = two_generations().at_ms(100).signal("USR2", 999, 0).at_ms(110).ok(1, 101).build();
  EXPECT_FALSE(compute_metrics(unknown_target).switchover_ms);
}

TEST(MetricsTest, OnlyTheFirstUsr2Counts) {
  const History h = two_generations()
                        .at_ms(100)
                        .signal("USR2", 100, 1)
                        .at_ms(120)
                        .master(200, 2)
                        .worker(201, 200, 2)
                        .at_ms(150)
                        .signal("USR2", 100, 1)
                        .at_ms(170)
                        .ok(1, 201)
                        .build();
  EXPECT_DOUBLE_EQ(*compute_metrics(h).switchover_ms, 70.0);
}

}  // namespace
}  // namespace hotdeploy::harness
