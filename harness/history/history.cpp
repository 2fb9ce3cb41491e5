#include "harness/history/history.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace hotdeploy::harness {

void EventLog::append(Event e) { events_.push_back(std::move(e)); }

void EventLog::reserve(std::size_t n) {
  if (n <= events_.capacity()) return;
  const std::size_t size = events_.size();
  events_.reserve(n);
  events_.resize(n);  // default-constructing touches every page of the new capacity
  events_.resize(size);
}

const std::vector<Event>& EventLog::events() const { return events_; }

std::size_t EventLog::size() const { return events_.size(); }

std::vector<Event> EventLog::release() { return std::exchange(events_, {}); }

History::History(std::vector<Event> ordered) : events_(std::move(ordered)) {
  for (std::size_t i = 0; i < events_.size(); ++i) events_[i].index = i;
}

History History::merge(std::vector<EventLog> logs) {
  std::size_t total = 0;
  for (const EventLog& log : logs) total += log.size();
  std::vector<Event> all;
  all.reserve(total);
  for (EventLog& log : logs) {
    std::vector<Event> events = log.release();
    std::move(events.begin(), events.end(), std::back_inserter(all));
  }
  return from_events(std::move(all));
}

History History::from_events(std::vector<Event> events) {
  std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) { return a.t_ns < b.t_ns; });
  return History(std::move(events));
}

const std::vector<Event>& History::events() const { return events_; }

std::size_t History::size() const { return events_.size(); }

bool History::empty() const { return events_.empty(); }

}  // namespace hotdeploy::harness
