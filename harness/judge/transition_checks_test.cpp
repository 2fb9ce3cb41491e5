// The checks added for transitions and history contents: retried, ready/drain/blackout maxima,
// log patterns, masters at end, steps without effect -- and that judge() runs each only when
// its expectation is set.
#include <gtest/gtest.h>

#include <algorithm>

#include "harness/history/history_builder.h"
#include "harness/judge/checks.h"

namespace hotdeploy::harness {
namespace {

using testing::HistoryBuilder;

History upgrade_with_logs() {
  HistoryBuilder b;
  b.at_ms(0).master(100, 1).worker(101, 100, 1);
  b.at_ms(1).log("2026/11/26 00:00:01 [notice] 100#100: using the \"epoll\" event method");
  b.at_ms(10).signal("USR2", 100, 1).log("2026/11/26 00:00:02 [notice] 100#100: changing binary");
  b.at_ms(20).master(200, 2).pid_file("nginx.pid", 200).worker(201, 200, 2);  // ready 10 ms
  b.at_ms(30).sent_only(1).at_ms(35).ended_only(1, Outcome::ok, Reason::none, 1, 201, 5);
  b.at_ms(40).signal("WINCH", 100, 1).at_ms(90).exited(101, 100, ProcessRole::worker, 1);  // drain 50 ms
  b.at_ms(95).request(2, Outcome::fail, Reason::closed_without_response).ok(2, 201, 2);
  b.at_ms(100).signal("QUIT", 100, 1).exited(100, 1, ProcessRole::master, 1);
  b.at_ms(110).orchestrator(EventType::steps_ended, "");
  return b.build();
}

const Check& named(const Judgement& j, std::string_view name) {
  const auto it = std::find_if(j.checks.begin(), j.checks.end(), [&](const Check& c) { return c.name == name; });
  if (it == j.checks.end()) throw std::runtime_error("no check " + std::string(name));
  return *it;
}

TEST(TransitionChecksTest, JudgeRunsOnlyTheChecksThatAreExpected) {
  const Judgement j = judge(upgrade_with_logs(), Expectations{});
  std::vector<std::string> names;
  for (const Check& c : j.checks) names.push_back(c.name);
  EXPECT_EQ(names, (std::vector<std::string>{"dropped", "run_errors"}));
}

TEST(TransitionChecksTest, TimingMaxima) {
  Expectations e;
  e.ready_ms_max = 10;
  e.drain_ms_max = 49;
  e.blackout_ms_max = 1000;
  const Judgement j = judge(upgrade_with_logs(), e);
  EXPECT_EQ(named(j, "ready_ms").verdict, Verdict::pass) << named(j, "ready_ms").detail;
  EXPECT_EQ(named(j, "drain_ms").verdict, Verdict::fail) << named(j, "drain_ms").detail;
  EXPECT_NE(named(j, "drain_ms").detail.find("50.0 ms"), std::string::npos) << named(j, "drain_ms").detail;
  EXPECT_EQ(named(j, "blackout_ms").verdict, Verdict::pass) << named(j, "blackout_ms").detail;
  EXPECT_EQ(j.verdict, Verdict::fail);
}

TEST(TransitionChecksTest, TimingWithoutTheSignalIsUnknownAndWithoutEffectFails) {
  const History quiet = HistoryBuilder().master(100, 1).worker(101, 100, 1).ok(1, 101).build();
  const Metrics m = compute_metrics(quiet);
  EXPECT_EQ(check_ready(quiet, m, 100).verdict, Verdict::unknown);
  EXPECT_EQ(check_drain(quiet, m, 100).verdict, Verdict::unknown);
  EXPECT_EQ(check_blackout(quiet, m, 100).verdict, Verdict::unknown);

  const History ignored =
      HistoryBuilder().master(100, 1).worker(101, 100, 1).at_ms(5).signal("USR2", 100, 1).ok(1, 101).build();
  const Metrics mi = compute_metrics(ignored);
  const Check ready = check_ready(ignored, mi, 100);
  EXPECT_EQ(ready.verdict, Verdict::fail);
  EXPECT_NE(ready.detail.find("no new master"), std::string::npos) << ready.detail;

  const History no_requests = HistoryBuilder().master(100, 1).signal("USR2", 100, 1).build();
  EXPECT_EQ(check_blackout(no_requests, compute_metrics(no_requests), 100).verdict, Verdict::unknown);
}

TEST(TransitionChecksTest, Retried) {
  Expectations e;
  e.retried_max = 0;
  EXPECT_EQ(named(judge(upgrade_with_logs(), e), "retried").verdict, Verdict::fail);
  e.retried_max = 1;
  e.retried_min = 1;
  const Check pass = named(judge(upgrade_with_logs(), e), "retried");
  EXPECT_EQ(pass.verdict, Verdict::pass);
  EXPECT_NE(pass.detail.find("1 of 2 requests retried"), std::string::npos) << pass.detail;
  EXPECT_EQ(check_retried(Metrics{}, e).verdict, Verdict::unknown);
}

TEST(TransitionChecksTest, LogPatterns) {
  Expectations e;
  e.log_contains = {"changing binary", "\\[notice\\]"};
  e.log_not_contains = {"\\[(emerg|alert|crit)\\]"};
  EXPECT_EQ(check_log(upgrade_with_logs(), e).verdict, Verdict::pass);

  e.log_contains = {"gracefully shutting down"};
  e.log_not_contains = {"epoll"};
  const Check fail = check_log(upgrade_with_logs(), e);
  EXPECT_EQ(fail.verdict, Verdict::fail);
  EXPECT_NE(fail.detail.find("no log line matches \"gracefully shutting down\""), std::string::npos) << fail.detail;
  EXPECT_NE(fail.detail.find("\"epoll\" matches \"2026/11/26 00:00:01"), std::string::npos) << fail.detail;

  e.log_contains = {"(unclosed"};
  e.log_not_contains = {};
  const Check invalid = check_log(upgrade_with_logs(), e);
  EXPECT_EQ(invalid.verdict, Verdict::fail);
  EXPECT_NE(invalid.detail.find("invalid pattern"), std::string::npos) << invalid.detail;
  EXPECT_TRUE(regex_error("(unclosed"));
  EXPECT_FALSE(regex_error("\\[emerg\\]"));
  EXPECT_FALSE(regex_error("(a)\\1 x{2,1000} [{}] \\{99999\\} pid 123456789"));
  EXPECT_TRUE(regex_error("(a)\\3333333333333333333333"));
  EXPECT_TRUE(regex_error("a{1001}"));
  EXPECT_TRUE(regex_error("a{2,99999999999999999999}"));
  EXPECT_TRUE(regex_error(std::string(1025, 'a')));
}

TEST(TransitionChecksTest, MastersAtEnd) {
  const Metrics m = compute_metrics(upgrade_with_logs());
  EXPECT_EQ(check_masters_at_end(m, 1).verdict, Verdict::pass);
  EXPECT_EQ(check_masters_at_end(m, 2).verdict, Verdict::fail);
  EXPECT_EQ(check_masters_at_end(Metrics{}, 1).verdict, Verdict::unknown);
}

TEST(TransitionChecksTest, StepsWithoutEffect) {
  const History h = HistoryBuilder()
                        .orchestrator(EventType::no_effect, "signal USR2 to old (line 12)")
                        .orchestrator(EventType::no_effect, "signal HUP to new (line 15)")
                        .build();
  Expectations e;
  e.no_effect_count = 2;
  EXPECT_EQ(check_no_effect(h, e).verdict, Verdict::pass);
  e.no_effect_count = 0;
  EXPECT_EQ(check_no_effect(h, e).verdict, Verdict::fail);
  e.no_effect_count.reset();
  e.no_effect_steps = std::vector<std::string>{"HUP", "line 12"};
  EXPECT_EQ(check_no_effect(h, e).verdict, Verdict::pass) << check_no_effect(h, e).detail;
  e.no_effect_steps = std::vector<std::string>{"HUP"};
  const Check extra = check_no_effect(h, e);
  EXPECT_EQ(extra.verdict, Verdict::fail);
  EXPECT_NE(extra.detail.find("unexpected: \"signal USR2 to old (line 12)\""), std::string::npos) << extra.detail;
  e.no_effect_steps = std::vector<std::string>{"HUP", "HUP"};
  EXPECT_EQ(check_no_effect(h, e).verdict, Verdict::fail);
  e.no_effect_steps = std::vector<std::string>{};
  EXPECT_EQ(check_no_effect(History(), e).verdict, Verdict::pass);
}

}  // namespace
}  // namespace hotdeploy::harness
