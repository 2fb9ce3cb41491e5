#include "harness/judge/upstream_join.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

namespace hotdeploy::harness {
namespace {

const RequestRow* find_row(const std::vector<RequestRow>& rows, std::uint64_t id) {
  const auto it = std::lower_bound(rows.begin(), rows.end(), id,
                                   [](const RequestRow& row, std::uint64_t want) { return row.id < want; });
  return it != rows.end() && it->id == id ? &*it : nullptr;
}

std::string describe_lost(const Event& e, const RequestRow& row) {
  char at[32];
  std::snprintf(at, sizeof at, "%.1f", static_cast<double>(e.responded_ns) / 1e6);
  const ClientResult got = client_result(row);
  std::string client;
  if (got == ClientResult::nothing) {
    client = row.ended() ? "nothing (" + std::string(to_string(row.reason)) + ")" : "nothing (it never ended)";
  } else {
    client = std::to_string(row.status);
  }
  return "request " + std::to_string(row.id) + " (" + std::string(to_string(row.kind)) + " " + e.method + " " + e.path +
         "): " + e.upstream + " answered " + std::to_string(e.status) + " on its connection " +
         std::to_string(e.connection_id) + " at " + at + " ms; the client got " + client;
}

}  // namespace

std::string_view to_string(ClientResult result) {
  switch (result) {
    case ClientResult::ok: return "ok";
    case ClientResult::bad_gateway: return "bad_gateway";
    case ClientResult::gateway_timeout: return "gateway_timeout";
    case ClientResult::other_status: return "other_status";
    case ClientResult::nothing: return "nothing";
  }
  return "invalid";
}

ClientResult client_result(const RequestRow& row) {
  if (row.ok()) return ClientResult::ok;
  const bool complete_response =
      row.ended() && (row.reason == Reason::bad_status || row.reason == Reason::bad_gateway ||
                      row.reason == Reason::gateway_timeout || row.reason == Reason::wrong_body_size);
  if (!complete_response) return ClientResult::nothing;
  if (row.status == 502) return ClientResult::bad_gateway;
  if (row.status == 504) return ClientResult::gateway_timeout;
  return ClientResult::other_status;
}

UpstreamJoin join_upstreams(const std::vector<Event>& upstream_events, const std::vector<RequestRow>& rows) {
  UpstreamJoin join;
  if (upstream_events.empty()) return join;
  std::map<std::string, UpstreamCounts> by_name;
  std::set<std::uint64_t> received_ids;
  std::set<std::uint64_t> lost_ids;
  for (const Event& e : upstream_events) {
    UpstreamCounts& counts = by_name[e.upstream];
    counts.name = e.upstream;
    ++counts.received;
    if (e.response_written) {
      ++counts.answered;
    } else {
      ++counts.unanswered;
    }
    if (e.request_id == 0) {
      ++counts.no_request_id;
      continue;
    }
    join.joinable = true;
    const RequestRow* row = find_row(rows, e.request_id);
    if (row == nullptr) {
      ++counts.unknown_request;
      continue;
    }
    received_ids.insert(e.request_id);
    if (!e.response_written) continue;
    const ClientResult got = client_result(*row);
    ++counts.answered_then[static_cast<std::size_t>(got)];
    if (got != ClientResult::ok && lost_ids.insert(row->id).second && join.lost_listed.size() < kMaxLostListed) {
      join.lost_listed.push_back(describe_lost(e, *row));
    }
  }
  join.answered_lost = lost_ids.size();
  for (auto& [name, counts] : by_name) join.upstreams.push_back(std::move(counts));
  if (join.joinable) {
    for (const RequestRow& row : rows) {
      if (!received_ids.contains(row.id)) ++join.not_received[static_cast<std::size_t>(client_result(row))];
    }
  }
  return join;
}

}  // namespace hotdeploy::harness
