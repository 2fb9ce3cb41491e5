// EventLog and History. An EventLog is one producer's events in the order it recorded them,
// appended by a single thread without locking (the load generator, the process observer, the
// orchestrator's step runner and the log tail each own one). History is the merged, read-only
// timeline of a whole run: events ordered by t_ns, ties kept in the order of the logs given to
// merge() and of the events within each log, with index equal to the position. Checkers see
// only a History.
#pragma once

#include <cstddef>
#include <vector>

#include "harness/history/event.h"

namespace hotdeploy::harness {

class EventLog {
 public:
  void append(Event e);
  // Capacity for n events, with its memory touched now, so that the first n appends neither
  // allocate nor fault a page in (the load generator reserves at start()).
  void reserve(std::size_t n);
  [[nodiscard]] const std::vector<Event>& events() const;
  [[nodiscard]] std::size_t size() const;
  // Moves the events out, leaving the log empty.
  [[nodiscard]] std::vector<Event> release();

 private:
  std::vector<Event> events_;
};

class History {
 public:
  History() = default;

  // Stable merge by t_ns; assigns index = position.
  [[nodiscard]] static History merge(std::vector<EventLog> logs);
  // The same ordering rule for one sequence of events (e.g. read from a file or made by hand).
  [[nodiscard]] static History from_events(std::vector<Event> events);

  [[nodiscard]] const std::vector<Event>& events() const;
  [[nodiscard]] std::size_t size() const;
  [[nodiscard]] bool empty() const;

 private:
  explicit History(std::vector<Event> ordered);

  std::vector<Event> events_;
};

}  // namespace hotdeploy::harness
