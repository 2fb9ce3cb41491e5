#include "harness/judge/generations.h"

#include <algorithm>

namespace hotdeploy::harness {

Generations Generations::from(const History& history) {
  Generations g;
  for (const Event& e : history.events()) {
    if (e.type == EventType::process_born) {
      g.by_pid_[e.pid].push_back(g.processes_.size());
      const std::int64_t earliest_birth_ns =
          e.seen == ProcessSeen::directly ? e.t_ns - std::max(kBirthLagBoundNs, e.lag_ns) : 0;
      g.processes_.push_back(
          {e.pid, e.parent_pid, e.role, e.role == ProcessRole::none ? 0 : e.generation, e.t_ns, earliest_birth_ns});
    } else if (e.type == EventType::process_exited) {
      const auto it = g.by_pid_.find(e.pid);
      if (it == g.by_pid_.end()) continue;
      ProcessLifetime& p = g.processes_[it->second.back()];
      if (p.exited_ns == kStillAlive) p.exited_ns = e.t_ns;
    }
  }
  // A worker with no generation of its own takes its parent's: the master of that pid alive at
  // the worker's birth, else that pid's master first seen after it (its birth stamp lagged).
  for (ProcessLifetime& p : g.processes_) {
    if (p.role != ProcessRole::worker || p.generation > 0) continue;
    const auto it = g.by_pid_.find(p.parent_pid);
    if (it == g.by_pid_.end()) continue;
    const ProcessLifetime* parent = nullptr;
    for (const std::size_t i : it->second) {
      const ProcessLifetime& candidate = g.processes_[i];
      if (candidate.role != ProcessRole::master) continue;
      if (candidate.alive_at(p.born_ns) || (parent == nullptr && candidate.born_ns > p.born_ns)) parent = &candidate;
    }
    if (parent != nullptr) p.generation = parent->generation;
  }
  return g;
}

const ProcessLifetime* Generations::alive(std::int32_t pid, std::int64_t t_ns) const {
  const auto it = by_pid_.find(pid);
  if (it == by_pid_.end()) return nullptr;
  for (const std::size_t i : it->second) {
    if (processes_[i].alive_at(t_ns)) return &processes_[i];
  }
  return nullptr;
}

const ProcessLifetime* Generations::serving(std::int32_t pid, std::int64_t t_ns) const {
  const auto it = by_pid_.find(pid);
  if (it == by_pid_.end()) return nullptr;
  const ProcessLifetime* exited_before = nullptr;  // the latest to exit within the bound before t_ns
  const ProcessLifetime* born_after = nullptr;     // the first born within the bound after t_ns
  for (const std::size_t i : it->second) {
    const ProcessLifetime& p = processes_[i];
    if (p.alive_at(t_ns)) return &p;
    if (p.exited_ns < t_ns && t_ns - p.exited_ns <= kInFlightBoundNs) exited_before = &p;
    if (born_after == nullptr && p.born_ns > t_ns && t_ns >= p.earliest_birth_ns) born_after = &p;
  }
  return exited_before != nullptr ? exited_before : born_after;
}

bool Generations::known(std::int32_t pid) const { return by_pid_.contains(pid); }

std::optional<std::int32_t> Generations::last_of(std::int32_t pid, ProcessRole role) const {
  const auto it = by_pid_.find(pid);
  if (it == by_pid_.end()) return std::nullopt;
  for (auto i = it->second.rbegin(); i != it->second.rend(); ++i) {
    const ProcessLifetime& p = processes_[*i];
    if (p.role == role && p.generation > 0) return p.generation;
  }
  return std::nullopt;
}

std::optional<std::int32_t> Generations::of_worker(std::int32_t pid) const { return last_of(pid, ProcessRole::worker); }

std::optional<std::int32_t> Generations::of_master(std::int32_t pid) const { return last_of(pid, ProcessRole::master); }

std::optional<std::int32_t> Generations::newest_with_workers() const {
  std::optional<std::int32_t> newest;
  for (const ProcessLifetime& p : processes_) {
    if (p.role == ProcessRole::worker && p.generation > 0)
      newest = std::max(newest.value_or(p.generation), p.generation);
  }
  return newest;
}

const ProcessLifetime* Generations::newest_master() const {
  const ProcessLifetime* newest = nullptr;
  for (const ProcessLifetime& p : processes_) {
    if (p.role == ProcessRole::master && p.generation > 0 && (newest == nullptr || p.generation > newest->generation)) {
      newest = &p;
    }
  }
  return newest;
}

const std::vector<ProcessLifetime>& Generations::processes() const { return processes_; }

}  // namespace hotdeploy::harness
