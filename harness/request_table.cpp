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

void finish_row(RequestRow& r) {
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

RequestRowsBuilder::RequestRowsBuilder(std::size_t expected_events)
    : dense_limit_(4 * static_cast<std::uint64_t>(expected_events) + 1024) {
  rows_.reserve(expected_events / 2 + 16);
}

void RequestRowsBuilder::add(const Event& e) {
  if (dense_ && e.request_id >= dense_limit_) go_sparse();
  if (!dense_) {
    const auto [it, inserted] = index_.try_emplace(e.request_id, rows_.size());
    if (inserted) rows_.emplace_back();
    apply(rows_[it->second], e);
    return;
  }
  const auto id = static_cast<std::size_t>(e.request_id);
  if (id >= rows_.size()) {
    const std::size_t size = std::max<std::size_t>(id + 1, rows_.size() * 2);
    rows_.resize(size);
    seen_.resize(size, false);
  }
  apply(rows_[id], e);
  seen_[id] = true;
}

void RequestRowsBuilder::go_sparse() {
  std::vector<RequestRow> rows;
  for (std::size_t id = 0; id < rows_.size(); ++id) {
    if (!seen_[id]) continue;
    index_.emplace(id, rows.size());
    rows.push_back(rows_[id]);
  }
  rows_ = std::move(rows);
  seen_.clear();
  dense_ = false;
}

std::vector<RequestRow> RequestRowsBuilder::finish() {
  std::vector<RequestRow> rows = std::move(rows_);
  rows_.clear();
  if (dense_) {
    // Compact in place: rows keep their id order.
    std::size_t kept = 0;
    for (std::size_t id = 0; id < rows.size(); ++id) {
      if (!seen_[id]) continue;
      finish_row(rows[id]);
      if (kept != id) rows[kept] = rows[id];
      ++kept;
    }
    rows.resize(kept);
    seen_.clear();
    return rows;
  }
  for (RequestRow& r : rows) finish_row(r);
  std::sort(rows.begin(), rows.end(), [](const RequestRow& a, const RequestRow& b) { return a.id < b.id; });
  index_.clear();
  return rows;
}

std::vector<RequestRow> request_rows(const History& history) {
  RequestRowsBuilder builder(history.size());
  for (const Event& e : history.events()) {
    if (is_client(e)) builder.add(e);
  }
  return builder.finish();
}

}  // namespace hotdeploy::harness
