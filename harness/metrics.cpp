#include "harness/metrics.h"

#include <unordered_map>

#include "harness/generations.h"
#include "harness/signals.h"

namespace hotdeploy::harness {
namespace {

struct RequestState {
  std::uint8_t last_sent_attempt = 0;
  std::uint8_t last_ended_attempt = 0;
  Outcome outcome = Outcome::none;
  Reason reason = Reason::none;
  bool retry_ok = false;
};

std::optional<double> switchover_ms(const History& history) {
  const Event* usr2 = first_signal(history, "USR2");
  if (usr2 == nullptr) return std::nullopt;
  const Generations generations = Generations::from(history);
  std::optional<std::int32_t> target = usr2->generation > 0 ? std::optional(usr2->generation)
                                                              : generations.of_master(usr2->pid);
  if (!target) return std::nullopt;
  const auto& events = history.events();
  for (std::size_t i = usr2->index + 1; i < events.size(); ++i) {
    const Event& e = events[i];
    if (e.type != EventType::request_ended || e.outcome != Outcome::ok) continue;
    const auto generation = generations.of_worker(e.pid);
    if (generation && *generation > *target) return static_cast<double>(e.t_ns - usr2->t_ns) / 1e6;
  }
  return std::nullopt;
}

}  // namespace

Metrics compute_metrics(const History& history) {
  std::unordered_map<std::uint64_t, RequestState> requests;
  for (const Event& e : history.events()) {
    if (e.type == EventType::request_sent) {
      RequestState& r = requests[e.request_id];
      if (e.attempt > r.last_sent_attempt) r.last_sent_attempt = e.attempt;
    } else if (e.type == EventType::request_ended) {
      RequestState& r = requests[e.request_id];
      if (e.attempt >= r.last_ended_attempt) {
        r.last_ended_attempt = e.attempt;
        r.outcome = e.outcome;
        r.reason = e.reason;
      }
      if (e.attempt == 2 && e.outcome == Outcome::ok) r.retry_ok = true;
    }
  }
  Metrics m;
  m.requests = requests.size();
  for (const auto& [id, r] : requests) {
    const bool ended = r.last_ended_attempt > 0 && r.last_ended_attempt >= r.last_sent_attempt;
    if (ended && r.outcome == Outcome::ok) {
      ++m.ok;
    } else {
      ++m.dropped;
      ++m.dropped_by_reason[ended ? std::string(to_string(r.reason)) : std::string("no_end")];
    }
    if (r.retry_ok) ++m.retried;
  }
  m.switchover_ms = switchover_ms(history);
  return m;
}

}  // namespace hotdeploy::harness
