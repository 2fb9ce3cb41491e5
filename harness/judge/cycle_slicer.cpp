#include "harness/judge/cycle_slicer.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace hotdeploy::harness {

namespace {

bool is_request_event(const Event& e) {
  return e.type == EventType::request_sent || e.type == EventType::request_ended;
}

}  // namespace

void CycleSlicer::begin_cycle(std::int64_t t_ns) {
  if (!open_.empty() && !open_.back().end_ns)
    throw std::logic_error("CycleSlicer: a cycle began before the last ended");
  if (!open_.empty()) open_.back().next_from_ns = t_ns;
  OpenCycle cycle;
  cycle.number = next_number_++;
  cycle.from_ns = cycle.number == 1 ? std::numeric_limits<std::int64_t>::min() : t_ns;
  open_.push_back(std::move(cycle));
}

void CycleSlicer::end_cycle(std::int64_t t_ns) {
  if (open_.empty() || open_.back().end_ns) throw std::logic_error("CycleSlicer: no open cycle to end");
  open_.back().end_ns = t_ns;
}

CycleSlicer::OpenCycle& CycleSlicer::cycle_for_time(std::int64_t t_ns) {
  for (auto it = open_.rbegin(); it != open_.rend(); ++it) {
    if (it->from_ns <= t_ns) return *it;
  }
  return open_.front();
}

void CycleSlicer::add(std::vector<Event> events) {
  if (events.empty()) return;
  if (open_.empty()) throw std::logic_error("CycleSlicer: events before the first cycle began");
  for (Event& e : events) {
    if (!is_request_event(e)) {
      cycle_for_time(e.t_ns).events.push_back(std::move(e));
      continue;
    }
    OpenCycle* owner = nullptr;
    Attempts* attempts = nullptr;
    for (auto it = open_.rbegin(); it != open_.rend() && !owner; ++it) {
      const auto found = it->requests.find(e.request_id);
      if (found != it->requests.end()) {
        owner = &*it;
        attempts = &found->second;
      }
    }
    if (!owner) {
      owner = &cycle_for_time(e.t_ns);
      attempts = &owner->requests[e.request_id];
    }
    const auto before_open = attempts->sent > attempts->ended;
    if (e.type == EventType::request_sent) {
      attempts->sent = std::max(attempts->sent, e.attempt);
    } else {
      attempts->ended = std::max(attempts->ended, e.attempt);
    }
    const auto now_open = attempts->sent > attempts->ended;
    if (now_open && !before_open) ++owner->open_attempts;
    if (!now_open && before_open) --owner->open_attempts;
    owner->events.push_back(std::move(e));
  }
}

CycleSlice CycleSlicer::close_front() {
  OpenCycle cycle = std::move(open_.front());
  open_.pop_front();
  CycleSlice slice;
  slice.number = cycle.number;
  slice.from_ns = cycle.number == 1 ? 0 : cycle.from_ns;
  slice.to_ns = cycle.end_ns.value_or(slice.from_ns);
  // Generations count from 1 in each cycle, as in a run of its own: the oldest master alive at
  // its start is generation 1.
  std::int32_t oldest = 0;
  for (const auto& [pid, born] : alive_) {
    if (born.role == ProcessRole::master && born.generation > 0 && (oldest == 0 || born.generation < oldest)) {
      oldest = born.generation;
    }
  }
  const std::int32_t shift = oldest > 0 ? oldest - 1 : 0;
  const auto renumber = [shift](Event& e) {
    if (e.generation > 0) e.generation = std::max(1, e.generation - shift);
  };
  std::vector<Event> events;
  events.reserve(cycle.events.size() + alive_.size() + pid_files_.size());
  if (cycle.number > 1) {
    // Masters before workers, so that each worker's master is alive at its (restamped) birth.
    for (const auto role : {ProcessRole::master, ProcessRole::worker, ProcessRole::none}) {
      for (const auto& [pid, born] : alive_) {
        if (born.role != role) continue;
        Event e = born;
        e.t_ns = cycle.from_ns;
        e.lag_ns = 0;
        e.text = "alive at the cycle's start";
        renumber(e);
        events.push_back(std::move(e));
      }
    }
    for (const auto& [file, changed] : pid_files_) {
      Event e = changed;
      e.t_ns = cycle.from_ns;
      e.text += " (as at the cycle's start)";
      renumber(e);
      events.push_back(std::move(e));
    }
  }
  std::stable_sort(cycle.events.begin(), cycle.events.end(),
                   [](const Event& a, const Event& b) { return a.t_ns < b.t_ns; });
  for (const Event& e : cycle.events) {
    if (e.type == EventType::process_born) alive_[e.pid] = e;
    if (e.type == EventType::process_exited) alive_.erase(e.pid);
    if (e.type == EventType::pid_file_changed) pid_files_[e.pid_file] = e;
  }
  for (Event& e : cycle.events) renumber(e);
  events.insert(events.end(), std::make_move_iterator(cycle.events.begin()),
                std::make_move_iterator(cycle.events.end()));
  cycle.events = {};
  slice.history = History::from_events(std::move(events));
  return slice;
}

std::vector<CycleSlice> CycleSlicer::take_complete(std::int64_t now_ns, std::int64_t settle_ns) {
  std::vector<CycleSlice> complete;
  while (!open_.empty()) {
    const OpenCycle& front = open_.front();
    if (!front.end_ns || !front.next_from_ns || front.open_attempts > 0 || now_ns < *front.end_ns + settle_ns) break;
    complete.push_back(close_front());
  }
  return complete;
}

std::vector<CycleSlice> CycleSlicer::finish() {
  std::vector<CycleSlice> rest;
  while (!open_.empty()) rest.push_back(close_front());
  return rest;
}

}  // namespace hotdeploy::harness
