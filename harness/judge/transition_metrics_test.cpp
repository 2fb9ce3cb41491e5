// Metrics of an upgrade's transition (ready, drain, blackout, overlap, masters at end), phases
// and latency, on hand-made histories including the edge cases.
#include "harness/judge/transition_metrics.h"

#include <gtest/gtest.h>

#include "harness/history/history_builder.h"
#include "harness/judge/metrics.h"

namespace hotdeploy::harness {
namespace {

using testing::HistoryBuilder;

// The standard upgrade: generation 1 (master 100, workers 101, 102) hands over to generation 2
// (master 200, worker 201). See the comments for what each metric must come to.
HistoryBuilder upgrade() {
  HistoryBuilder b;
  b.at_ms(0).master(100, 1).worker(101, 100, 1).worker(102, 100, 1);
  b.at_ms(5).sent_only(1).at_ms(10).ended_only(1, Outcome::ok, Reason::none, 1, 101, 5);
  b.at_ms(90).sent_only(2);
  b.at_ms(100).signal("USR2", 100, 1);
  b.at_ms(105).pid_file("nginx.pid.oldbin", 100);
  b.at_ms(110).master(200, 2);
  b.at_ms(120).pid_file("nginx.pid", 200);
  b.at_ms(130).worker(201, 200, 0);  // ready: 130 - 100 = 30 ms
  b.at_ms(140).ended_only(2, Outcome::ok, Reason::none, 1, 101, 50).sent_only(3);
  b.at_ms(150).sent_only(6);
  b.at_ms(180).ended_only(3, Outcome::ok, Reason::none, 1, 201, 40);               // first ok from generation 2
  b.at_ms(190).ended_only(6, Outcome::ok, Reason::none, 1, 102, 40).sent_only(4);  // last ok from generation 1
  b.at_ms(200).signal("WINCH", 100, 1);
  b.at_ms(250).exited(101, 100, ProcessRole::worker, 1).ended_only(4, Outcome::info, Reason::truncated, 1, 0, 60);
  b.at_ms(260).exited(102, 100, ProcessRole::worker, 1).sent_only(5);  // drain: 260 - 200 = 60 ms
  b.at_ms(261).ended_only(5, Outcome::ok, Reason::none, 1, 201, 1);
  b.at_ms(300).signal("QUIT", 100, 1);
  b.at_ms(310).exited(100, 1, ProcessRole::master, 1);
  b.at_ms(400).orchestrator(EventType::steps_ended, "");
  b.at_ms(500).exited(201, 200, ProcessRole::worker, 2).exited(200, 100, ProcessRole::master, 2);
  return b;
}

TEST(TransitionMetricsTest, StandardUpgrade) {
  const Metrics m = compute_metrics(upgrade().build());
  EXPECT_EQ(m.ready_ms, 30.0);
  EXPECT_EQ(m.drain_ms, 60.0);
  EXPECT_EQ(m.switchover_ms, 80.0);
  // Window 100..300: request 4 started at 190 and failed at 250; nothing completed ok until 261.
  EXPECT_EQ(m.blackout_ms, 71.0);
  // Generation 1 served ok until 190, generation 2 from 180.
  EXPECT_EQ(m.overlap_ms, 10.0);
  // Master 200 was alive at steps_ended; the cleanup after it does not count.
  EXPECT_EQ(m.masters_at_end, 1u);
}

TEST(TransitionMetricsTest, PhasesSplitDropsAndLatencyBetweenSignals) {
  const Metrics m = compute_metrics(upgrade().build());
  ASSERT_EQ(m.phases.size(), 4u);
  EXPECT_EQ(m.phases[0].name, "start");
  EXPECT_EQ(m.phases[1].name, "USR2");
  EXPECT_EQ(m.phases[2].name, "WINCH");
  EXPECT_EQ(m.phases[3].name, "QUIT");
  EXPECT_EQ(m.phases[1].from_ms, 100.0);
  EXPECT_EQ(m.phases[1].to_ms, 200.0);
  EXPECT_EQ(m.phases[3].to_ms, 500.0);
  EXPECT_EQ(m.phases[0].requests, 1u);
  EXPECT_EQ(m.phases[1].requests, 3u);
  EXPECT_EQ(m.phases[1].dropped, 0u);
  EXPECT_EQ(m.phases[2].requests, 2u);
  EXPECT_EQ(m.phases[2].dropped, 1u);
  EXPECT_EQ(m.phases[2].dropped_by_reason, (std::map<std::string, std::uint64_t>{{"truncated", 1}}));
  EXPECT_EQ(m.phases[3].requests, 0u);
  EXPECT_EQ(m.phases[1].latency.count, 3u);
  EXPECT_NEAR(m.phases[1].latency.p50_ms, 40.0, 0.04);
  EXPECT_NEAR(m.phases[1].latency.max_ms, 50.0, 1e-9);
  EXPECT_EQ(m.latency.count, 5u);
  EXPECT_NEAR(m.latency.max_ms, 50.0, 1e-9);
  EXPECT_NEAR(m.latency.p50_ms, 40.0, 0.04);
  EXPECT_EQ(m.dropped_by_kind, (std::map<std::string, std::uint64_t>{{"get", 1}}));
}

TEST(TransitionMetricsTest, NoRequestsLeaveRequestMetricsEmpty) {
  HistoryBuilder b;
  b.at_ms(0).master(100, 1).worker(101, 100, 1).at_ms(10).signal("USR2", 100, 1);
  const Metrics m = compute_metrics(b.build());
  EXPECT_EQ(m.requests, 0u);
  EXPECT_FALSE(m.blackout_ms);
  EXPECT_FALSE(m.overlap_ms);
  EXPECT_EQ(m.latency.count, 0u);
  ASSERT_EQ(m.phases.size(), 2u);
  EXPECT_EQ(m.phases[1].requests, 0u);
}

TEST(TransitionMetricsTest, ASignalWithNoEffectHasNoReadyOrDrain) {
  // USR2 is ignored (no new master), WINCH to a master whose worker never exits before the end.
  HistoryBuilder b;
  b.at_ms(0).master(100, 1).worker(101, 100, 1);
  b.at_ms(10).signal("USR2", 100, 1).orchestrator(EventType::no_effect, "signal USR2 to old (line 9)");
  b.at_ms(20).signal("WINCH", 100, 1);
  b.at_ms(30).orchestrator(EventType::steps_ended, "");
  b.at_ms(40).exited(101, 100, ProcessRole::worker, 1).exited(100, 1, ProcessRole::master, 1);
  const Metrics m = compute_metrics(b.build());
  EXPECT_FALSE(m.ready_ms);
  EXPECT_FALSE(m.drain_ms);
  EXPECT_FALSE(m.switchover_ms);
  EXPECT_EQ(m.no_effect, 1u);
  EXPECT_EQ(m.masters_at_end, 1u);
}

TEST(TransitionMetricsTest, AllFailedIsOneBlackoutAcrossTheWindow) {
  HistoryBuilder b;
  b.at_ms(0).master(100, 1).worker(101, 100, 1).signal("USR2", 100, 1);
  // Refused connects: no request_sent; each outstanding for its latency before its end.
  for (int k = 1; k <= 10; ++k)
    b.at_ms(10.0 * k).ended_only(static_cast<std::uint64_t>(k), Outcome::fail, Reason::refused, 1, 0, 10);
  b.at_ms(200).signal("QUIT", 100, 1);
  const Metrics m = compute_metrics(b.build());
  EXPECT_EQ(m.dropped, 10u);
  EXPECT_EQ(m.blackout_ms, 100.0);  // 0..100, back to back, with no ok
  EXPECT_EQ(m.latency.count, 0u);
}

TEST(TransitionMetricsTest, RequestsThatNeverEndAreOutstandingToTheWindowsEnd) {
  HistoryBuilder b;
  b.at_ms(0).master(100, 1).signal("USR2", 100, 1);
  b.at_ms(20).sent_only(1);
  b.at_ms(70).signal("WINCH", 100, 1);
  const Metrics m = compute_metrics(b.build());
  EXPECT_EQ(m.dropped_by_reason.at("no_end"), 1u);
  EXPECT_EQ(m.blackout_ms, 50.0);
}

TEST(TransitionMetricsTest, NoSignalNoWindow) {
  const Metrics m = compute_metrics(HistoryBuilder().ok(1, 101).build());
  EXPECT_FALSE(m.blackout_ms);
  EXPECT_FALSE(m.ready_ms);
  EXPECT_FALSE(m.masters_at_end);
  ASSERT_EQ(m.phases.size(), 1u);
  EXPECT_EQ(m.phases[0].ok, 1u);
}

TEST(TransitionMetricsTest, SparseRequestIdsGiveTheSameMetrics) {
  HistoryBuilder dense;
  HistoryBuilder sparse;
  for (std::uint64_t k = 1; k <= 5; ++k) {
    dense.at_ms(static_cast<double>(k)).ok(k, 101);
    sparse.at_ms(static_cast<double>(k)).ok(k * 1'000'000'007ULL, 101);
  }
  dense.request(6, Outcome::fail, Reason::refused);
  sparse.request(6'000'000'042ULL, Outcome::fail, Reason::refused);
  EXPECT_EQ(compute_metrics(dense.build()), compute_metrics(sparse.build()));
  // Dense ids first, then one far beyond: the rows so far move to the sparse index.
  HistoryBuilder mixed;
  for (std::uint64_t k = 1; k <= 5; ++k) mixed.at_ms(static_cast<double>(k)).ok(k, 101);
  mixed.request(6'000'000'042ULL, Outcome::fail, Reason::refused);
  EXPECT_EQ(compute_metrics(dense.build()), compute_metrics(mixed.build()));
}

TEST(TransitionMetricsTest, MastersAtEndWithoutStepsEndedUsesTheLastEvent) {
  HistoryBuilder b;
  b.at_ms(0).master(100, 1).at_ms(10).master(200, 2).at_ms(20).exited(100, 1, ProcessRole::master, 1);
  EXPECT_EQ(masters_at_end(b.build()), 1u);
}

}  // namespace
}  // namespace hotdeploy::harness
