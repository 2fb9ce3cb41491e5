#include "harness/history/history.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hotdeploy::harness {
namespace {

Event at(std::int64_t t, std::string text) {
  Event e;
  e.t_ns = t;
  e.type = EventType::step_started;
  e.text = std::move(text);
  return e;
}

std::vector<std::string> texts(const History& h) {
  std::vector<std::string> out;
  for (const Event& e : h.events()) out.push_back(e.text);
  return out;
}

TEST(HistoryTest, MergeOrdersByTimeAndAssignsIndices) {
  EventLog a;
  a.append(at(10, "a10"));
  a.append(at(30, "a30"));
  EventLog b;
  b.append(at(5, "b5"));
  b.append(at(20, "b20"));
  b.append(at(40, "b40"));
  std::vector<EventLog> logs;
  logs.push_back(a);
  logs.push_back(b);
  const History h = History::merge(std::move(logs));
  EXPECT_EQ(texts(h), (std::vector<std::string>{"b5", "a10", "b20", "a30", "b40"}));
  for (std::size_t i = 0; i < h.size(); ++i) EXPECT_EQ(h.events()[i].index, i);
}

TEST(HistoryTest, TiesKeepLogOrderThenRecordOrder) {
  EventLog first;
  first.append(at(7, "first-1"));
  first.append(at(7, "first-2"));
  EventLog second;
  second.append(at(7, "second-1"));
  std::vector<EventLog> logs;
  logs.push_back(second);
  logs.push_back(first);
  EXPECT_EQ(texts(History::merge(std::move(logs))), (std::vector<std::string>{"second-1", "first-1", "first-2"}));
}

TEST(HistoryTest, FromEventsSortsStablyAndReindexes) {
  std::vector<Event> events = {at(3, "x"), at(1, "y"), at(3, "z"), at(2, "w")};
  events[0].index = 99;
  const History h = History::from_events(events);
  EXPECT_EQ(texts(h), (std::vector<std::string>{"y", "w", "x", "z"}));
  EXPECT_EQ(h.events()[2].index, 2u);
}

TEST(HistoryTest, EmptyInputsGiveAnEmptyHistory) {
  EXPECT_TRUE(History::merge({}).empty());
  EXPECT_TRUE(History().empty());
  std::vector<EventLog> logs(3);
  EXPECT_EQ(History::merge(std::move(logs)).size(), 0u);
}

TEST(EventLogTest, AppendsInOrderAndReleases) {
  EventLog log;
  log.reserve(4);
  log.append(at(2, "b"));
  log.append(at(1, "a"));
  EXPECT_EQ(log.size(), 2u);
  EXPECT_EQ(log.events()[0].text, "b");
  const std::vector<Event> released = log.release();
  EXPECT_EQ(released.size(), 2u);
  EXPECT_EQ(log.size(), 0u);
}

}  // namespace
}  // namespace hotdeploy::harness
