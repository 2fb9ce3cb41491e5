#include "harness/judge/cycle_slicer.h"

#include <gtest/gtest.h>

#include <vector>

namespace hotdeploy::harness {
namespace {

Event request(EventType type, std::uint64_t id, std::int64_t t_ns, std::uint8_t attempt = 1) {
  Event e;
  e.type = type;
  e.request_id = id;
  e.t_ns = t_ns;
  e.attempt = attempt;
  if (type == EventType::request_ended) e.outcome = Outcome::ok;
  return e;
}

Event process(EventType type, std::int32_t pid, ProcessRole role, std::int64_t t_ns, std::int32_t generation = 1) {
  Event e;
  e.type = type;
  e.pid = pid;
  e.role = role;
  e.generation = generation;
  e.t_ns = t_ns;
  return e;
}

Event at(EventType type, std::int64_t t_ns) {
  Event e;
  e.type = type;
  e.t_ns = t_ns;
  return e;
}

std::vector<EventType> types(const History& history) {
  std::vector<EventType> out;
  for (const auto& e : history.events()) out.push_back(e.type);
  return out;
}

TEST(CycleSlicer, ARequestBelongsToTheCycleItWasSentInAndKeepsItOpen) {
  CycleSlicer slicer;
  slicer.begin_cycle(100);
  slicer.add({process(EventType::process_born, 10, ProcessRole::master, 5), at(EventType::step_started, 100),
              request(EventType::request_sent, 1, 150)});
  slicer.end_cycle(200);
  slicer.begin_cycle(210);
  EXPECT_TRUE(slicer.take_complete(1000, 10).empty()) << "request 1 has not ended";
  slicer.add({request(EventType::request_sent, 2, 220), request(EventType::request_ended, 1, 230),
              request(EventType::request_ended, 2, 240)});
  EXPECT_TRUE(slicer.take_complete(205, 10).empty()) << "not settled yet";
  auto complete = slicer.take_complete(1000, 10);
  ASSERT_EQ(complete.size(), 1u);
  EXPECT_EQ(complete[0].number, 1);
  EXPECT_EQ(complete[0].from_ns, 0);
  EXPECT_EQ(complete[0].to_ns, 200);
  EXPECT_EQ(types(complete[0].history), (std::vector{EventType::process_born, EventType::step_started,
                                                     EventType::request_sent, EventType::request_ended}));
  slicer.end_cycle(300);
  EXPECT_TRUE(slicer.take_complete(1000, 10).empty()) << "the last cycle stays open until finish()";
  auto rest = slicer.finish();
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].number, 2);
  // Cycle 2 opens with the master still alive, restamped at its start, then its own request.
  const auto& events = rest[0].history.events();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].type, EventType::process_born);
  EXPECT_EQ(events[0].pid, 10);
  EXPECT_EQ(events[0].t_ns, 210);
  EXPECT_EQ(events[1].request_id, 2u);
  EXPECT_EQ(events[2].request_id, 2u);
}

TEST(CycleSlicer, AProcessThatExitedIsNotCarriedIntoTheNextCycleAndGenerationsCountFromOne) {
  CycleSlicer slicer;
  slicer.begin_cycle(0);
  slicer.add({process(EventType::process_born, 10, ProcessRole::master, 1),
              process(EventType::process_born, 11, ProcessRole::worker, 2),
              process(EventType::process_born, 20, ProcessRole::master, 50, 2)});
  slicer.end_cycle(90);
  slicer.begin_cycle(100);
  // The old master's exit, stamped in cycle 1, arrives late (its exit code was awaited).
  slicer.add({process(EventType::process_exited, 11, ProcessRole::worker, 60),
              process(EventType::process_exited, 10, ProcessRole::master, 80)});
  ASSERT_EQ(slicer.take_complete(1000, 0).size(), 1u);
  slicer.add({process(EventType::process_born, 30, ProcessRole::master, 120, 3)});
  slicer.end_cycle(190);
  const auto rest = slicer.finish();
  ASSERT_EQ(rest.size(), 1u);
  const auto& events = rest[0].history.events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].pid, 20);
  EXPECT_EQ(events[0].generation, 1);
  EXPECT_EQ(events[1].pid, 30);
  EXPECT_EQ(events[1].generation, 2);
}

TEST(CycleSlicer, ARetryStaysWithItsRequest) {
  CycleSlicer slicer;
  slicer.begin_cycle(0);
  slicer.add({request(EventType::request_sent, 1, 80), request(EventType::request_ended, 1, 85)});
  slicer.end_cycle(90);
  slicer.begin_cycle(100);
  slicer.add({request(EventType::request_sent, 1, 110, 2), request(EventType::request_ended, 1, 120, 2)});
  slicer.end_cycle(200);
  const auto all = slicer.finish();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].history.size(), 4u);
  EXPECT_EQ(all[1].history.size(), 0u);
}

}  // namespace
}  // namespace hotdeploy::harness
