#include "harness/request_table.h"

#include <algorithm>
#include <unordered_map>

namespace hotdeploy::harness {
namespace {

bool is_client(const Event& e) { return e.type == EventType::request_sent || e.type == EventType::request_ended; }

void apply(RequestRow& r, const Event& e) {
  r.id = e.request_id;
  if (e.type == EventType::request_sent) {
    r.start_ns = std::min(r.start_ns, e.t_ns);
    r.last_sent_attempt = std::max(r.last_sent_attempt, e.attempt);
    return;
  }
  if (e.attempt >= r.last_ended_attempt) {
    r.last_ended_attempt = e.attempt;
    r.outcome = e.outcome;
    r.reason = e.reason;
    r.end_ns = e.t_ns;
    r.latency_ns = e.latency_ns;
    r.pid = e.pid;
    r.kind = e.kind;
  }
  if (e.attempt == 2 && e.outcome == Outcome::ok) r.retry_ok = true;
}

void finish(RequestRow& r) {
  if (r.last_ended_attempt == 0 || r.last_ended_attempt < r.last_sent_attempt) {
    r.outcome = Outcome::none;
    r.reason = Reason::none;
    r.end_ns = kNotEnded;
    r.pid = 0;
    return;
  }
  if (r.latency_ns > 0) r.start_ns = std::min(r.start_ns, r.end_ns - r.latency_ns);
  r.start_ns = std::min(r.start_ns, r.end_ns);
}

}  // namespace

std::vector<RequestRow> request_rows(const History& history) {
  std::vector<RequestRow> rows;
  // The load generator numbers requests 1, 2, 3...: index rows by id while the ids stay dense
  // (one pass); fall back to a hash map for ids beyond that.
  const std::uint64_t dense_limit = 4 * static_cast<std::uint64_t>(history.size()) + 1024;
  std::vector<RequestRow> by_id;
  std::vector<bool> seen;
  by_id.reserve(std::min<std::size_t>(static_cast<std::size_t>(dense_limit), history.size() / 2 + 16));
  bool dense = true;
  for (const Event& e : history.events()) {
    if (!is_client(e)) continue;
    if (e.request_id >= dense_limit) {
      dense = false;
      break;
    }
    const auto id = static_cast<std::size_t>(e.request_id);
    if (id >= by_id.size()) {
      const std::size_t size = std::max<std::size_t>(id + 1, by_id.size() * 2);
      by_id.resize(size);
      seen.resize(size, false);
    }
    apply(by_id[id], e);
    seen[id] = true;
  }
  if (dense) {
    // Compact in place: rows keep their id order.
    std::size_t kept = 0;
    for (std::size_t id = 0; id < by_id.size(); ++id) {
      if (!seen[id]) continue;
      finish(by_id[id]);
      if (kept != id) by_id[kept] = by_id[id];
      ++kept;
    }
    by_id.resize(kept);
    return by_id;
  }
  std::unordered_map<std::uint64_t, std::size_t> index;
  for (const Event& e : history.events()) {
    if (!is_client(e)) continue;
    const auto [it, inserted] = index.try_emplace(e.request_id, rows.size());
    if (inserted) rows.emplace_back();
    apply(rows[it->second], e);
  }
  for (RequestRow& r : rows) finish(r);
  std::sort(rows.begin(), rows.end(), [](const RequestRow& a, const RequestRow& b) { return a.id < b.id; });
  return rows;
}

}  // namespace hotdeploy::harness
