#include "harness/judge/run_comparison.h"

#include <gtest/gtest.h>

#include "harness/history/history_builder.h"

namespace hotdeploy::harness {
namespace {

using testing::HistoryBuilder;

// Every rule by which `dropped` may leave a request out.
const DiffAllowances kEveryRule{DiffRule::sent_after_steps, DiffRule::reset_after_shutdown,
                                DiffRule::cut_by_fast_shutdown, DiffRule::keepalive_close_race,
                                DiffRule::refusal_count};

// An upgrade as the observer records it, with pids offset by `pid` and the order of simultaneous
// observations chosen by `pid_file_first` (real nginx and fake-nginx differ in both).
HistoryBuilder upgrade(std::int32_t pid, bool pid_file_first) {
  HistoryBuilder b;
  b.at_ms(1);
  if (pid_file_first) b.pid_file("nginx.pid", pid);
  b.master(pid, 1).worker(pid + 1, pid, 1).worker(pid + 2, pid, 1);
  if (!pid_file_first) b.pid_file("nginx.pid", pid);
  b.at_ms(100).signal("USR2", pid, 1).pid_file("nginx.pid.oldbin", pid);
  b.pid_file("nginx.pid", 0);
  b.master(pid + 10, 2).worker(pid + 11, pid + 10, 2).worker(pid + 12, pid + 10, 2).pid_file("nginx.pid", pid + 10);
  b.at_ms(200)
      .signal("WINCH", pid, 1)
      .exited(pid + 2, pid, ProcessRole::worker, 1)
      .exited(pid + 1, pid, ProcessRole::worker, 1);
  b.at_ms(300).signal("QUIT", pid, 1).exited(pid, 1, ProcessRole::master, 1);
  b.pid_file("nginx.pid.oldbin", 0);
  b.at_ms(400).orchestrator(EventType::steps_ended, "");
  b.exited(pid + 10, pid, ProcessRole::master, 2).pid_file("nginx.pid", 0);
  b.exited(pid + 12, pid + 10, ProcessRole::worker, 2).exited(pid + 11, pid + 10, ProcessRole::worker, 2);
  return b;
}

TEST(RunDiff, DescribesAnUpgradeByGenerations) {
  const auto run = JudgeInputs::from(upgrade(5, false).build());
  EXPECT_EQ(master_events(run), "g1 born, g2 born, g1 exit 0; at cleanup g2 exit 0");
  EXPECT_EQ(worker_counts(run), "g1 2 born 2 exited; g2 2 born 2 exited");
  EXPECT_EQ(pid_file_states(run), "nginx.pid g1 g2 removed; nginx.pid.oldbin g1 removed");
  EXPECT_EQ(no_effect_steps(run), "none");
  EXPECT_EQ(served_by_at_end(run), "no ok response");
  EXPECT_EQ(dropped_by_reason(run, kEveryRule), "0");
}

TEST(RunDiff, PidsAndTheOrderOfSimultaneousObservationsMakeNoDifference) {
  const auto comparison = compare_runs(upgrade(5, false).build(), upgrade(300, true).build(), kEveryRule);
  for (const auto& aspect : comparison.aspects) EXPECT_TRUE(aspect.same()) << comparison_line(aspect);
  EXPECT_TRUE(comparison.same());
  // Left out, and said: nginx.pid's removal before the new master rewrote it, in each run.
  ASSERT_EQ(comparison.tolerated.size(), 1u);
  EXPECT_EQ(comparison.tolerated[0].rule, "pid_file_poll");
  EXPECT_EQ(comparison.tolerated[0].a, 1u);
  EXPECT_EQ(comparison.tolerated[0].b, 1u);
}

TEST(RunDiff, MasterOrderCountsButTheCleanupOrderDoesNot) {
  HistoryBuilder a;
  a.master(5, 1).master(9, 2).at_ms(10).exited(5, 1, ProcessRole::master, 1).exited(9, 5, ProcessRole::master, 2);
  HistoryBuilder b;
  b.master(5, 1).master(9, 2).at_ms(10).exited(9, 5, ProcessRole::master, 2).exited(5, 1, ProcessRole::master, 1);
  EXPECT_EQ(master_events(JudgeInputs::from(a.build())), "g1 born, g2 born, g1 exit 0, g2 exit 0");
  EXPECT_NE(master_events(JudgeInputs::from(a.build())), master_events(JudgeInputs::from(b.build())));
  a.at_ms(5).orchestrator(EventType::steps_ended, "");
  b.at_ms(5).orchestrator(EventType::steps_ended, "");
  EXPECT_EQ(master_events(JudgeInputs::from(a.build())), "g1 born, g2 born; at cleanup g1 exit 0, g2 exit 0");
  EXPECT_EQ(master_events(JudgeInputs::from(a.build())), master_events(JudgeInputs::from(b.build())));
}

TEST(RunDiff, WorkerCountsShowRespawnsAndNonzeroExitCodes) {
  HistoryBuilder b;
  b.master(5, 1).worker(6, 5, 0).worker(7, 5, 1).at_ms(10).exited(6, 5, ProcessRole::worker, 1).worker(8, 5, 1);
  auto history = b.build();
  auto events = history.events();
  events[3].exit_code = 139;
  EXPECT_EQ(worker_counts(JudgeInputs::from(History::from_events(events))), "g1 3 born 1 exited, 1 with code 139");
}

// held_across_winch on a busy machine: the old master's "exited with code 0" lines came after the
// observer stopped waiting for them, so fake-nginx's two old workers exited with unknown codes.
TEST(RunDiff, AWorkerExitCodeTheObserverDidNotLearnIsToleratedNotCompared) {
  HistoryBuilder known;
  known.master(5, 1).worker(6, 5, 1).worker(7, 5, 1).at_ms(10).exited(6, 5, ProcessRole::worker, 1);
  known.exited(7, 5, ProcessRole::worker, 1);
  auto events = known.build().events();
  for (auto& e : events) {
    if (e.type == EventType::process_exited) e.exit_code = -1;
  }
  const auto unknown = History::from_events(events);
  EXPECT_EQ(worker_counts(JudgeInputs::from(unknown)), "g1 2 born 2 exited");
  const auto comparison = compare_runs(unknown, known.build(), kEveryRule);
  EXPECT_TRUE(comparison.same());
  ASSERT_EQ(comparison.tolerated.size(), 1u);
  EXPECT_EQ(tolerance_line(comparison.tolerated[0]),
            "left out by unknown_exit_code: workers exit codes the observer did not learn: A 2, B 0 (the observer's "
            "knowledge, not the "
            "target's doing)");
}

TEST(RunDiff, PidFileKeepsItsValuesAndOnlyTheLastRemoval) {
  HistoryBuilder b;
  b.master(5, 1).master(9, 2).pid_file("nginx.pid", 5).pid_file("nginx.pid", 9);
  b.pid_file("nginx.pid", 0).pid_file("nginx.pid", 5).pid_file("nginx.pid", 5);
  EXPECT_EQ(pid_file_states(JudgeInputs::from(b.build())), "nginx.pid g1 g2 g1");
  b.pid_file("nginx.pid", 0).pid_file("nginx.pid", 77);
  b.pid_file("nginx.pid", 0);
  EXPECT_EQ(pid_file_states(JudgeInputs::from(b.build())), "nginx.pid g1 g2 g1 g? removed");
}

TEST(RunDiff, AnOldbinRoundTripWithoutANewMasterIsLeftOut) {
  HistoryBuilder b;
  b.master(5, 1).pid_file("nginx.pid", 5).at_ms(10).signal("USR2", 5, 1);
  b.pid_file("nginx.pid", 0).pid_file("nginx.pid.oldbin", 5);
  b.master(9, 2).exited(9, 5, ProcessRole::master, 2).pid_file("nginx.pid", 5);
  b.pid_file("nginx.pid.oldbin", 0);
  EXPECT_EQ(pid_file_states(JudgeInputs::from(b.build())), "nginx.pid g1");
  b.at_ms(20).signal("USR2", 5, 1).pid_file("nginx.pid.oldbin", 5).master(12, 3).pid_file("nginx.pid", 12);
  EXPECT_EQ(pid_file_states(JudgeInputs::from(b.build())), "nginx.pid g1 g3; nginx.pid.oldbin g1");
  b.at_ms(30).pid_file("nginx.pid.oldbin", 0);
  EXPECT_EQ(pid_file_states(JudgeInputs::from(b.build())), "nginx.pid g1 g3; nginx.pid.oldbin g1 removed");
}

TEST(RunDiff, AnOldbinSeenAfterTheNewMastersPidFileIsKept) {
  HistoryBuilder b;
  b.master(5, 1).pid_file("nginx.pid", 5).at_ms(10).signal("USR2", 5, 1).master(9, 2);
  b.at_ms(40).pid_file("nginx.pid", 9).pid_file("nginx.pid.oldbin", 5);
  b.at_ms(50).signal("TERM", 9, 2).pid_file("nginx.pid", 0);
  b.pid_file("nginx.pid", 5).pid_file("nginx.pid.oldbin", 0);
  EXPECT_EQ(pid_file_states(JudgeInputs::from(b.build())), "nginx.pid g1 g2 g1; nginx.pid.oldbin g1 removed");
}

TEST(RunDiff, NoEffectStepsAreTheirSignalAndGeneration) {
  HistoryBuilder a;
  a.orchestrator(EventType::no_effect,
                 "USR2 to generation 2 master 44: no effect (no new master was forked within 2s)");
  auto history = a.build();
  auto events = history.events();
  events[0].pid = 44;
  events[0].signal = Signal::usr2;
  events[0].generation = 2;
  EXPECT_EQ(no_effect_steps(JudgeInputs::from(History::from_events(events))), "USR2 to generation 2");
}

TEST(RunDiff, ServedByAtEndNamesEveryGenerationInTheEndWindow) {
  HistoryBuilder b;
  b.master(5, 1).worker(6, 5, 1).master(9, 2).worker(10, 9, 2);
  for (std::uint64_t id = 1; id <= 100; ++id) b.at_ms(static_cast<double>(id)).ok(id, id <= 40 ? 6 : 10);
  EXPECT_EQ(served_by_at_end(JudgeInputs::from(b.build())), "g2");
  for (std::uint64_t id = 101; id <= 110; ++id) b.at_ms(static_cast<double>(id)).ok(id, 6);
  EXPECT_EQ(served_by_at_end(JudgeInputs::from(b.build())), "g1 g2");
}

TEST(RunDiff, ServedByAtEndStartsAfterTheOldGenerationsLastExit) {
  HistoryBuilder b;
  b.master(5, 1).worker(6, 5, 1).master(9, 2).worker(10, 9, 2);
  for (std::uint64_t id = 1; id <= 100; ++id) b.at_ms(static_cast<double>(id)).ok(id, id < 60 ? 6 : 10);
  b.at_ms(59.5).exited(6, 5, ProcessRole::worker, 1).exited(5, 1, ProcessRole::master, 1);
  EXPECT_EQ(served_by_at_end(JudgeInputs::from(b.build())), "g2");
  b.at_ms(59.7).ok(101, 6);  // read by the client after its worker exited: in flight, not counted
  EXPECT_EQ(served_by_at_end(JudgeInputs::from(b.build())), "g2");
}

TEST(RunDiff, DroppedCountsByReason) {
  HistoryBuilder b;
  b.request(1, Outcome::info, Reason::truncated).request(2, Outcome::fail, Reason::refused);
  b.request(3, Outcome::info, Reason::truncated).ok(4, 6);
  EXPECT_EQ(dropped_by_reason(JudgeInputs::from(b.build()), kEveryRule), "2 (truncated 2), and refusals");
}

TEST(RunDiff, DroppedLeavesOutWhatRacesTheLoadsStopOrAShutdown) {
  HistoryBuilder b;
  b.master(5, 1)
      .at_ms(10)
      .request(1, Outcome::info, Reason::reset_after_send)
      .request(2, Outcome::info, Reason::truncated);
  b.at_ms(20).signal("QUIT", 5, 1);
  b.at_ms(25).request(3, Outcome::info, Reason::reset_after_send).request(4, Outcome::info, Reason::truncated);
  b.at_ms(30).signal("TERM", 5, 1);
  b.at_ms(35).request(5, Outcome::info, Reason::truncated).request(6, Outcome::info, Reason::truncated);
  b.at_ms(40).orchestrator(EventType::steps_ended, "");
  b.at_ms(50).request(7, Outcome::info, Reason::truncated);
  auto events = b.build().events();
  for (auto& e : events) {
    if (e.request_id == 6) e.kind = RequestKind::held;
  }
  // Kept: 1 and 2 (before any shutdown), 4 (a GET truncated by a QUIT, which must not cut it),
  // 6 (a held response cut by the TERM). Left out: 3 (reset after the QUIT), 5 (a GET cut by the
  // TERM), 7 (sent after the steps ended).
  EXPECT_EQ(dropped_by_reason(JudgeInputs::from(History::from_events(events)), kEveryRule),
            "4 (reset_after_send 1, truncated 3)");
}

TEST(RunDiff, DroppedLeavesOutPostsLostToTheKeepAliveCloseRace) {
  HistoryBuilder b;
  b.request(1, Outcome::info, Reason::closed_without_response).request(2, Outcome::info, Reason::truncated);
  EXPECT_EQ(dropped_by_reason(JudgeInputs::from(b.build()), kEveryRule), "1 (truncated 1)");
}

// term_cuts_held: a TERM cuts the held responses (kept: every one open is cut), and each held
// connection reconnects after the failure backoff. Whether that connection is queued and reset,
// refused, or made only after the steps ended depends on how soon the master closes its listener
// and the wait sees it exit: chance on either target.
TEST(RunDiff, DroppedLeavesOutConnectionsMadeAfterAShutdownAndRefusedOrReset) {
  HistoryBuilder b;
  b.master(5, 1).at_ms(5).request(1, Outcome::fail, Reason::refused).at_ms(10).sent_only(2).sent_only(3);
  b.at_ms(20).signal("TERM", 5, 1);
  b.at_ms(21).ended_only(2, Outcome::info, Reason::truncated).ended_only(3, Outcome::info, Reason::truncated);
  b.at_ms(31).request(4, Outcome::fail, Reason::reset_before_send).ended_only(5, Outcome::fail, Reason::refused);
  b.at_ms(40).orchestrator(EventType::steps_ended, "");
  b.at_ms(45).ended_only(6, Outcome::fail, Reason::refused);
  auto events = b.build().events();
  for (auto& e : events) e.kind = RequestKind::held;
  const auto run = JudgeInputs::from(History::from_events(events));
  // Kept: 2 and 3 (cut by the TERM) and, by its presence, the refusal before it.
  EXPECT_EQ(dropped_by_reason(run, kEveryRule), "2 (truncated 2), and refusals");
  const auto tolerances = tolerances_of(run, kEveryRule);
  ASSERT_EQ(tolerances.size(), 7u);
  const std::vector<Tolerance> left_out(tolerances.begin() + 2, tolerances.end());
  EXPECT_EQ(left_out[0].what, "requests sent after the last step");
  EXPECT_EQ(left_out[0].a, 1u);
  EXPECT_EQ(left_out[1].what, "requests refused or reset after a shutdown signal");
  EXPECT_EQ(left_out[1].a, 2u);
  EXPECT_EQ(left_out[2].a, 0u);
  EXPECT_EQ(left_out[3].a, 0u);
  EXPECT_EQ(left_out[4].what, "refusals, compared only by whether there were any");
  EXPECT_EQ(left_out[4].a, 1u);
  for (const auto& t : left_out) {
    EXPECT_EQ(t.aspect, "dropped");
    EXPECT_EQ(t.b, 0u);
  }
}

// Two runs that differ only in what is chance are the same, and the diff says what it tolerated
// with both runs' counts.
TEST(RunDiff, WhatIsToleratedIsListedWithBothRunsCounts) {
  HistoryBuilder a = upgrade(5, false);
  HistoryBuilder b = upgrade(5, false);
  a.at_ms(150).request(1, Outcome::info, Reason::closed_without_response);
  a.request(2, Outcome::info, Reason::closed_without_response)
      .request(3, Outcome::info, Reason::closed_without_response);
  a.ended_only(4, Outcome::fail, Reason::refused);
  b.at_ms(150).ended_only(1, Outcome::fail, Reason::refused).ended_only(2, Outcome::fail, Reason::refused);
  const auto comparison = compare_runs(a.build(), b.build(), kEveryRule);
  EXPECT_TRUE(comparison.same());
  EXPECT_EQ(comparison_line(comparison.aspects[5]), "dropped           same");
  ASSERT_EQ(comparison.tolerated.size(), 3u);
  EXPECT_EQ(comparison.tolerated[0].rule, "pid_file_poll");
  EXPECT_EQ(tolerance_line(comparison.tolerated[1]),
            "left out by keepalive_close_race: dropped POSTs lost to the keep-alive close race: A 3, B 0 (chance on "
            "both targets: whether a worker closes a kept-alive connection as a POST is sent on it)");
  EXPECT_EQ(tolerance_line(comparison.tolerated[2]),
            "left out by refusal_count: dropped refusals, compared only by whether there were any: A 1, B 2 (their "
            "number measures "
            "how fast the load retries, not the target)");
}

// With no allowance, nothing is left out of `dropped`: the same two runs differ, and the diff
// lists no dropped rule.
TEST(RunDiff, WithoutAnAllowanceEveryDropIsCompared) {
  HistoryBuilder a = upgrade(5, false);
  HistoryBuilder b = upgrade(5, false);
  a.at_ms(150).request(1, Outcome::info, Reason::closed_without_response);
  const auto allowed = compare_runs(a.build(), b.build(), {DiffRule::keepalive_close_race});
  EXPECT_TRUE(allowed.same());
  const auto compared = compare_runs(a.build(), b.build(), {});
  EXPECT_FALSE(compared.same());
  EXPECT_EQ(comparison_line(compared.aspects[5]), "dropped           A: 1 (closed_without_response 1)  |  B: 0");
  for (const auto& t : compared.tolerated) EXPECT_NE(t.aspect, "dropped") << tolerance_line(t);
}

TEST(RunDiff, RulesAreNamedAsScenariosSpellThem) {
  for (const DiffRule rule : kEveryRule) EXPECT_EQ(diff_rule_named(to_string(rule)), rule);
  EXPECT_EQ(diff_rule_named("keepalive_close_race"), DiffRule::keepalive_close_race);
  EXPECT_FALSE(diff_rule_named("everything").has_value());
}

TEST(RunDiff, ADifferenceIsPrintedSideBySide) {
  HistoryBuilder fake = upgrade(5, false);
  HistoryBuilder real = upgrade(5, false);
  real.at_ms(350).request(1, Outcome::info, Reason::truncated);
  const auto comparison = compare_runs(fake.build(), real.build(), kEveryRule);
  EXPECT_FALSE(comparison.same());
  const auto& comparisons = comparison.aspects;
  ASSERT_EQ(comparisons.size(), 6u);
  EXPECT_EQ(comparison_line(comparisons[0]), "masters           same");
  EXPECT_EQ(comparisons[5].aspect, "dropped");
  EXPECT_EQ(comparison_line(comparisons[5]), "dropped           A: 0  |  B: 1 (truncated 1)");
}

}  // namespace
}  // namespace hotdeploy::harness
