// RequestTable: one row per request (request_id) of a History, summarising its attempts: when
// it started, how and when its final attempt ended, and its latency. The metrics are computed
// from these rows. A request's outcome is that of its final attempt (the request_ended with the
// highest attempt); it has not ended if a later attempt was sent and never ended.
#pragma once

#include <cstdint>
#include <limits>
#include <unordered_map>
#include <vector>

#include "harness/history/history.h"

namespace hotdeploy::harness {

inline constexpr std::int64_t kNotEnded = std::numeric_limits<std::int64_t>::max();

struct RequestRow {
  std::uint64_t id = 0;
  // Earliest of the first request_sent and (final end - latency_ns): an open-loop request is
  // outstanding from its intended send time, even if its connect failed before any byte left.
  std::int64_t start_ns = kNotEnded;
  std::int64_t end_ns = kNotEnded;  // of the final attempt; kNotEnded if it never ended
  std::int64_t latency_ns = 0;      // of the final attempt's request_ended
  std::int32_t pid = 0;             // serving worker of the final attempt
  std::int32_t generation = 0;      // of that worker, when known (filled in by JudgeInputs), else 0
  // When that worker exited (filled in by JudgeInputs; kNotEnded while it lived to the end or is unknown)
  std::int64_t worker_exited_ns = kNotEnded;
  std::int64_t final_sent_ns = kNotEnded;  // the final attempt's request_sent; kNotEnded if it has none
  Outcome outcome = Outcome::none;         // none if it never ended
  Reason reason = Reason::none;
  std::uint16_t status = 0;  // of the final attempt's response, 0 when it had none
  RequestKind kind = RequestKind::get;
  // Attempts are 1 or 2 (0: none; history_validation refuses others); bit-fields, so a row stays 64 bytes.
  std::uint8_t last_sent_attempt : 3 = 0;
  std::uint8_t last_ended_attempt : 3 = 0;
  bool retry_ok : 1 = false;  // an attempt 2 ended ok
  // The request's name in the load's mix: an index into the names of its table (RequestNames);
  // 0 for an unnamed request. Two bytes, so a row stays 64 bytes.
  std::uint16_t name = 0;

  [[nodiscard]] bool ended() const { return end_ns != kNotEnded; }
  [[nodiscard]] bool ok() const { return outcome == Outcome::ok; }
};

// The names of a table's requests: RequestRow::name indexes them; entry 0 is "" (no name). A
// history with more names than RequestRow::name can index is refused (std::runtime_error): the
// load generator's mix cannot produce one.
using RequestNames = std::vector<std::string>;

// Rows in request_id order.
[[nodiscard]] std::vector<RequestRow> request_rows(const History& history);

// Builds the rows from client events fed one at a time, so a caller can extract other things
// in the same pass over a long history. The load generator numbers requests 1, 2, 3...: rows are
// indexed by id while the ids stay below 4 * expected_events + 1024, then by a hash map.
class RequestRowsBuilder {
 public:
  explicit RequestRowsBuilder(std::size_t expected_events);
  // e must be a request_sent or request_ended event. Throws std::runtime_error on a 65536th name.
  void add(const Event& e);
  // Rows in request_id order; the builder is left empty.
  [[nodiscard]] std::vector<RequestRow> finish();
  // The names RequestRow::name indexes; call after finish().
  [[nodiscard]] RequestNames take_names() { return std::move(names_); }

 private:
  void go_sparse();

  std::uint64_t dense_limit_;
  bool dense_ = true;
  std::vector<RequestRow> rows_;  // dense: indexed by id (unseen ids hold a marker); sparse: in the order first seen
  std::unordered_map<std::uint64_t, std::size_t> index_;  // sparse only: id -> position in rows_
  RequestNames names_{""};
  std::unordered_map<std::string, std::uint16_t> name_index_;
  std::uint16_t last_name_ = 0;  // the index of the last name looked up: consecutive events mostly share it
};

}  // namespace hotdeploy::harness
