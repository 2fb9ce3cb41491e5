#include "harness/judge/transition_metrics.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "harness/judge/signals.h"

namespace hotdeploy::harness {
namespace {

double to_ms(std::int64_t ns) { return static_cast<double>(ns) / 1e6; }

// The generation a signal was sent to: recorded on the event, else that of its master pid.
std::optional<std::int32_t> target_generation(const Event& signal, const Generations& generations) {
  if (signal.generation > 0) return signal.generation;
  return generations.of_master(signal.pid);
}

}  // namespace

std::int64_t end_of_run_ns(const History& history) {
  for (const Event& e : history.events()) {
    if (e.type == EventType::steps_ended) return e.t_ns;
  }
  return history.empty() ? 0 : history.events().back().t_ns;
}

std::optional<double> ready_ms(const History& history, const Generations& generations) {
  const Event* usr2 = first_signal(history, Signal::usr2);
  if (usr2 == nullptr) return std::nullopt;
  const auto target = target_generation(*usr2, generations);
  if (!target) return std::nullopt;
  std::optional<std::int32_t> master;
  for (const Event& e : history.events()) {
    if (e.type == EventType::process_born && e.role == ProcessRole::master && e.generation > *target) {
      master = e.pid;
      break;
    }
  }
  if (!master) return std::nullopt;
  std::optional<std::int64_t> pid_file_ns;
  std::optional<std::int64_t> worker_ns;
  for (const Event& e : history.events()) {
    if (!pid_file_ns && e.type == EventType::pid_file_changed && e.pid == *master && e.pid_file != PidFile::oldbin) {
      pid_file_ns = e.t_ns;
    }
    if (!worker_ns && e.type == EventType::process_born && e.role == ProcessRole::worker && e.parent_pid == *master) {
      worker_ns = e.t_ns;
    }
  }
  if (!pid_file_ns || !worker_ns) return std::nullopt;
  return to_ms(std::max<std::int64_t>(0, std::max(*pid_file_ns, *worker_ns) - usr2->t_ns));
}

std::optional<double> drain_ms(const History& history, const Generations& generations) {
  const Event* signal = nullptr;
  for (const Event& e : history.events()) {
    if (is_signal(e, Signal::winch) || is_signal(e, Signal::quit)) {
      signal = &e;
      break;
    }
  }
  if (signal == nullptr) return std::nullopt;
  const auto target = target_generation(*signal, generations);
  if (!target) return std::nullopt;
  const std::int64_t end = end_of_run_ns(history);
  std::unordered_map<std::int32_t, std::optional<std::int64_t>> workers;  // pid -> exit time
  for (const Event& e : history.events()) {
    if (e.type == EventType::process_born && e.role == ProcessRole::worker && generations.of_worker(e.pid) == target) {
      workers.try_emplace(e.pid);
    } else if (e.type == EventType::process_exited && e.t_ns <= end) {
      if (auto it = workers.find(e.pid); it != workers.end()) it->second = e.t_ns;
    }
  }
  if (workers.empty()) return std::nullopt;
  std::int64_t last_exit = signal->t_ns;
  for (const auto& [pid, exited] : workers) {
    if (!exited) return std::nullopt;
    last_exit = std::max(last_exit, *exited);
  }
  return to_ms(last_exit - signal->t_ns);
}

std::optional<TransitionWindow> transition_window(const History& history, std::optional<double> drain) {
  const Event* first = first_signal(history, Signal::usr2);
  const Event* last = nullptr;
  const Event* drain_signal = nullptr;
  for (const Event& e : history.events()) {
    if (e.type != EventType::signal_sent) continue;
    if (first == nullptr) first = &e;
    last = &e;
    if (drain_signal == nullptr && (is_signal(e, Signal::winch) || is_signal(e, Signal::quit))) drain_signal = &e;
  }
  if (first == nullptr) return std::nullopt;
  TransitionWindow window{first->t_ns, std::max(last->t_ns, first->t_ns), first->signal, last->signal, false};
  if (drain && drain_signal != nullptr) {
    const std::int64_t drained = drain_signal->t_ns + static_cast<std::int64_t>(*drain * 1e6);
    if (drained > window.to_ns) {
      window.to_ns = drained;
      window.ends_at_drain = true;
    }
  }
  return window;
}

std::optional<double> blackout_ms(const std::vector<RequestRow>& rows, const TransitionWindow& window) {
  if (rows.empty()) return std::nullopt;
  std::vector<std::int64_t> starts;
  std::vector<std::int64_t> ends;  // time * 2 + ok: sorts by time, a failure before an ok at the same time
  starts.reserve(rows.size());
  ends.reserve(rows.size());
  for (const RequestRow& r : rows) {
    if (r.start_ns == kNotEnded) continue;
    starts.push_back(r.start_ns);
    if (r.ended()) ends.push_back(r.end_ns * 2 + (r.ok() ? 1 : 0));
  }
  // Closed-loop traffic numbers its requests in start order, so these are often sorted already.
  if (!std::is_sorted(starts.begin(), starts.end())) std::sort(starts.begin(), starts.end());
  if (!std::is_sorted(ends.begin(), ends.end())) std::sort(ends.begin(), ends.end());

  std::int64_t longest = 0;
  const auto consider = [&](std::int64_t from, std::int64_t to) {
    longest = std::max(longest, std::min(to, window.to_ns) - std::max(from, window.from_ns));
  };
  std::uint64_t outstanding = 0;
  bool open = false;           // a run without ok completion is under way
  std::int64_t since = 0;      // its start
  std::int64_t failed_at = 0;  // when nothing is outstanding: the failure that left the run open
  std::size_t s = 0;
  std::size_t e = 0;
  while (s < starts.size() || e < ends.size()) {
    // At equal times an end goes first: a request that ends as another starts leaves no gap.
    const bool take_end = e < ends.size() && (s >= starts.size() || ends[e] / 2 <= starts[s]);
    if (!take_end) {
      if (!open) {
        open = true;
        since = starts[s];
      }
      ++outstanding;
      ++s;
      continue;
    }
    const std::int64_t t = ends[e] / 2;
    const bool ok = ends[e++] % 2 == 1;
    if (outstanding == 0) continue;  // cannot happen for a well-formed history; be safe
    --outstanding;
    if (ok) {
      consider(since, t);
      open = outstanding > 0;
      since = t;
    } else if (outstanding == 0) {
      failed_at = t;
    }
  }
  if (open) consider(since, outstanding > 0 ? window.to_ns : failed_at);
  return to_ms(longest);
}

std::optional<double> overlap_ms(const History& history, const std::vector<RequestRow>& rows,
                                 const Generations& generations) {
  const Event* usr2 = first_signal(history, Signal::usr2);
  if (usr2 == nullptr) return std::nullopt;
  const auto target = target_generation(*usr2, generations);
  if (!target) return std::nullopt;
  std::optional<std::int64_t> old_first, old_last, new_first, new_last;
  for (const RequestRow& r : rows) {
    if (!r.ok() || r.generation < *target) continue;
    auto& first = r.generation == *target ? old_first : new_first;
    auto& last = r.generation == *target ? old_last : new_last;
    first = std::min(first.value_or(r.end_ns), r.end_ns);
    last = std::max(last.value_or(r.end_ns), r.end_ns);
  }
  if (!old_first || !new_first) return std::nullopt;
  return to_ms(std::max<std::int64_t>(0, std::min(*old_last, *new_last) - std::max(*old_first, *new_first)));
}

std::optional<std::uint64_t> masters_at_end(const History& history) {
  const std::int64_t end = end_of_run_ns(history);
  std::unordered_set<std::int32_t> live;
  bool any = false;
  for (const Event& e : history.events()) {
    if (e.role != ProcessRole::master || e.t_ns > end) continue;
    if (e.type == EventType::process_born) {
      any = true;
      live.insert(e.pid);
    } else if (e.type == EventType::process_exited) {
      live.erase(e.pid);
    }
  }
  if (!any) return std::nullopt;
  return live.size();
}

}  // namespace hotdeploy::harness
