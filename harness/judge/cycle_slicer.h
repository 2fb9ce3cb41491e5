// CycleSlicer: cuts the events of a soak (one target, the load on the whole time, the scenario's
// steps repeated as cycles) into one History per cycle, as they come in, so that each cycle is
// judged on its own and no more than a few cycles' events are ever held.
//
// A cycle's history holds:
//   - every event that is not a request's, stamped in its window: from the cycle's first step to
//     the next cycle's first step (cycle 1 from the run's start, the last cycle to the run's end,
//     the stop of the load and of the target included);
//   - every event of each request whose first event is stamped in that window, its end (and its
//     retry) included even when they come after the window;
//   - from cycle 2 on, first, the state the cycle starts from: a process_born for each process
//     then alive and the last pid_file_changed of each pid file, restamped at the cycle's start
//     (their `text` says so), so that lifetimes and "masters at the end" read as in a run of its
//     own; and generations are renumbered so that the oldest master alive at the cycle's start
//     is generation 1 (`served_by_at_end: old` means it, as in a run).
// An event that arrives after its cycle was handed out (later than the settle time allows) goes
// to the oldest cycle still open.
//
// A cycle is complete, and handed out by take_complete(), once it has ended (end_cycle), every
// request attempt sent in it has ended, and `now` is at least `settle_ns` past its end; finish()
// hands out the rest when the run is over. Cycles come out in order.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <unordered_map>
#include <vector>

#include "harness/history/history.h"

namespace hotdeploy::harness {

struct CycleSlice {
  int number = 0;            // 1, 2, ...
  std::int64_t from_ns = 0;  // the cycle's first step (0 for cycle 1)
  std::int64_t to_ns = 0;    // its steps_ended
  History history;
};

class CycleSlicer {
 public:
  // Opens the next cycle, whose first step starts at t_ns; the one before it must have ended.
  void begin_cycle(std::int64_t t_ns);
  // The open cycle's last step ended at t_ns.
  void end_cycle(std::int64_t t_ns);
  // Events taken from the run so far, in any order across calls; a request's events in order.
  void add(std::vector<Event> events);
  [[nodiscard]] std::vector<CycleSlice> take_complete(std::int64_t now_ns, std::int64_t settle_ns);
  // Every cycle still open, complete or not (after the run has ended).
  [[nodiscard]] std::vector<CycleSlice> finish();

 private:
  struct Attempts {
    std::uint8_t sent = 0;   // highest attempt sent
    std::uint8_t ended = 0;  // highest attempt ended
  };
  struct OpenCycle {
    int number = 0;
    std::int64_t from_ns = 0;
    std::optional<std::int64_t> end_ns;
    std::optional<std::int64_t> next_from_ns;
    std::vector<Event> events;
    std::unordered_map<std::uint64_t, Attempts> requests;
    std::uint64_t open_attempts = 0;
  };

  [[nodiscard]] OpenCycle& cycle_for_time(std::int64_t t_ns);
  [[nodiscard]] CycleSlice close_front();

  std::deque<OpenCycle> open_;
  int next_number_ = 1;
  std::map<std::int32_t, Event> alive_;  // process_born of each process alive after the closed cycles
  std::map<PidFile, Event> pid_files_;   // the last pid_file_changed of each file
};

}  // namespace hotdeploy::harness
