#include "harness/judge/generations.h"

#include <algorithm>

namespace hotdeploy::harness {

Generations Generations::from(const History& history) {
  Generations g;
  // Masters first, so a worker can inherit its parent's generation whatever the event order.
  for (const Event& e : history.events()) {
    if (e.type == EventType::process_born && e.role == ProcessRole::master && e.generation > 0) {
      g.masters_[e.pid] = e.generation;
    }
  }
  for (const Event& e : history.events()) {
    if (e.type != EventType::process_born || e.role != ProcessRole::worker) continue;
    std::int32_t generation = e.generation;
    if (generation <= 0) {
      const auto parent = g.masters_.find(e.parent_pid);
      if (parent == g.masters_.end()) continue;
      generation = parent->second;
    }
    g.workers_[e.pid] = generation;
    g.newest_with_workers_ = std::max(g.newest_with_workers_.value_or(generation), generation);
  }
  return g;
}

std::optional<std::int32_t> Generations::of_worker(std::int32_t pid) const {
  const auto it = workers_.find(pid);
  if (it == workers_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::int32_t> Generations::of_master(std::int32_t pid) const {
  const auto it = masters_.find(pid);
  if (it == masters_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::int32_t> Generations::newest_with_workers() const { return newest_with_workers_; }

}  // namespace hotdeploy::harness
