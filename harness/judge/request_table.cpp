#include "harness/judge/request_table.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <unordered_map>

namespace hotdeploy::harness {
namespace {

static_assert(sizeof(RequestRow) == 64, "a row is one cache line");

// Dense rows not yet touched by an event carry this id, which no dense row can have (dense ids
// stay below dense_limit_).
constexpr RequestRow kUnseen{.id = std::numeric_limits<std::uint64_t>::max()};

bool seen(const RequestRow& r) { return r.id != kUnseen.id; }

// Asks the kernel to back the whole 2 MiB pages inside [data, data + bytes) with transparent
// huge pages: the row table of a million requests (48 MB, filled once) then takes a few dozen
// page faults instead of twelve thousand. Advice only: where THP is off nothing changes.
void advise_huge_pages(void* data, std::size_t bytes) {
  constexpr std::uintptr_t kHugePage = std::uintptr_t{2} << 20;
  const auto from = (reinterpret_cast<std::uintptr_t>(data) + kHugePage - 1) & ~(kHugePage - 1);
  const auto to = (reinterpret_cast<std::uintptr_t>(data) + bytes) & ~(kHugePage - 1);
  if (to > from) static_cast<void>(madvise(reinterpret_cast<void*>(from), to - from, MADV_HUGEPAGE));
}

bool is_client(const Event& e) { return e.type == EventType::request_sent || e.type == EventType::request_ended; }

void apply(RequestRow& r, const Event& e, std::uint16_t name) {
  // The row's attempt fields hold 0..7; a history with a larger attempt is refused by validation,
  // and is counted here as attempt 7 meanwhile.
  const std::uint8_t attempt = std::min<std::uint8_t>(e.attempt, 7);
  r.id = e.request_id;
  r.name = name;
  r.kind = e.kind;  // a request that is sent and never ends keeps its kind too
  if (e.type == EventType::request_sent) {
    r.start_ns = std::min(r.start_ns, e.t_ns);
    if (attempt >= r.last_sent_attempt) r.final_sent_ns = e.t_ns;
    r.last_sent_attempt = std::max<std::uint8_t>(r.last_sent_attempt, attempt);
    return;
  }
  if (attempt >= r.last_ended_attempt) {
    r.last_ended_attempt = attempt;
    r.outcome = e.outcome;
    r.reason = e.reason;
    r.end_ns = e.t_ns;
    r.latency_ns = e.latency_ns;
    r.pid = e.pid;
    r.status = e.status;
  }
  if (e.attempt == 2 && e.outcome == Outcome::ok) r.retry_ok = true;
}

void finish_row(RequestRow& r) {
  if (r.last_ended_attempt == 0 || r.last_ended_attempt < r.last_sent_attempt) {
    r.outcome = Outcome::none;
    r.reason = Reason::none;
    r.end_ns = kNotEnded;
    r.pid = 0;
    r.status = 0;
    return;
  }
  if (r.last_sent_attempt != r.last_ended_attempt) r.final_sent_ns = kNotEnded;
  if (r.latency_ns > 0) r.start_ns = std::min(r.start_ns, r.end_ns - r.latency_ns);
  r.start_ns = std::min(r.start_ns, r.end_ns);
}

}  // namespace

RequestRowsBuilder::RequestRowsBuilder(std::size_t expected_events)
    : dense_limit_(4 * static_cast<std::uint64_t>(expected_events) + 1024) {
  rows_.reserve(expected_events / 2 + 16);
  advise_huge_pages(rows_.data(), rows_.capacity() * sizeof(RequestRow));
}

void RequestRowsBuilder::add(const Event& e) {
  std::uint16_t name = 0;
  if (!e.name.empty()) {
    if (names_[last_name_] != e.name) {
      if (names_.size() > std::numeric_limits<std::uint16_t>::max() && !name_index_.contains(e.name)) {
        throw std::runtime_error("more than 65535 request names in one history");
      }
      const auto [at, added] = name_index_.try_emplace(e.name, static_cast<std::uint16_t>(names_.size()));
      if (added) names_.push_back(e.name);
      last_name_ = at->second;
    }
    name = last_name_;
  }
  if (dense_ && e.request_id >= dense_limit_) go_sparse();
  if (!dense_) {
    const auto [it, inserted] = index_.try_emplace(e.request_id, rows_.size());
    if (inserted) rows_.emplace_back();
    apply(rows_[it->second], e, name);
    return;
  }
  const auto id = static_cast<std::size_t>(e.request_id);
  if (id >= rows_.size()) {
    // Double, but not past the capacity reserved up front while id fits in it: no reallocation
    // (and no second round of page faults) for the usual history.
    std::size_t size = std::max<std::size_t>(rows_.size() * 2, 16);
    if (id < rows_.capacity()) size = std::min(size, rows_.capacity());
    rows_.resize(std::max(size, id + 1), kUnseen);
  }
  apply(rows_[id], e, name);
}

void RequestRowsBuilder::go_sparse() {
  std::vector<RequestRow> rows;
  for (const RequestRow& r : rows_) {
    if (!seen(r)) continue;
    index_.emplace(r.id, rows.size());
    rows.push_back(r);
  }
  rows_ = std::move(rows);
  dense_ = false;
}

std::vector<RequestRow> RequestRowsBuilder::finish() {
  std::vector<RequestRow> rows = std::move(rows_);
  rows_.clear();
  if (dense_) {
    // Compact in place: rows keep their id order.
    std::size_t kept = 0;
    for (std::size_t id = 0; id < rows.size(); ++id) {
      if (!seen(rows[id])) continue;
      finish_row(rows[id]);
      if (kept != id) rows[kept] = rows[id];
      ++kept;
    }
    rows.resize(kept);
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
