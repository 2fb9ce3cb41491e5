// UpstreamJoin: the upstreams' record beside the client's. Each upstream_request event (what an
// upstream the run started read and how it answered) is joined to the client's request of the same
// id, which the load generator sends as X-Hotdeploy-Request on every request, so that a request an
// upstream answered but whose client got a 502, a 504 or nothing is named, and so is a 502 or 504
// that never reached any upstream. Counts are per upstream record (a proxy may send one request to
// an upstream twice); answered_lost counts distinct requests.
//
// What the client got, for the join (ClientResult): ok; a complete response with status 502
// (bad_gateway), 504 (gateway_timeout) or another status or size it did not expect
// (other_status); or no complete response at all (nothing: refused, reset, truncated, a timeout,
// never ended).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "harness/history/event.h"
#include "harness/judge/request_table.h"

namespace hotdeploy::harness {

enum class ClientResult : std::uint8_t { ok, bad_gateway, gateway_timeout, other_status, nothing };
inline constexpr std::size_t kClientResults = 5;
[[nodiscard]] std::string_view to_string(ClientResult result);
[[nodiscard]] ClientResult client_result(const RequestRow& row);

struct UpstreamCounts {
  std::string name;
  std::uint64_t received = 0;    // requests it read in full
  std::uint64_t answered = 0;    // of those, with the response written in full
  std::uint64_t unanswered = 0;  // the connection (or the run) ended before the response was written
  // Answered requests joined to the client's, by what the client got (ClientResult's order).
  std::array<std::uint64_t, kClientResults> answered_then{};
  std::uint64_t no_request_id = 0;    // records without X-Hotdeploy-Request: traffic not the load's
  std::uint64_t unknown_request = 0;  // records whose id no client request has

  friend bool operator==(const UpstreamCounts&, const UpstreamCounts&) = default;
};

inline constexpr std::size_t kMaxLostListed = 5;

struct UpstreamJoin {
  std::vector<UpstreamCounts> upstreams;  // by name
  // Distinct client requests that some upstream answered in full and that did not end ok.
  std::uint64_t answered_lost = 0;
  // The first kMaxLostListed of those, described ("request 17 (post): app answered 200 on its
  // connection 3 at 1234.5 ms; the client got 502").
  std::vector<std::string> lost_listed;
  // Client requests no upstream record names, by what the client got (ClientResult's order): a
  // 502 here is the proxy failing before the request reached an upstream.
  std::array<std::uint64_t, kClientResults> not_received{};
  // Whether any record carries a request id: without one, nothing can be joined.
  bool joinable = false;

  [[nodiscard]] bool empty() const { return upstreams.empty(); }
  friend bool operator==(const UpstreamJoin&, const UpstreamJoin&) = default;
};

// upstream_events: the history's upstream_request events in order; rows: in request_id order.
[[nodiscard]] UpstreamJoin join_upstreams(const std::vector<Event>& upstream_events,
                                          const std::vector<RequestRow>& rows);

}  // namespace hotdeploy::harness
