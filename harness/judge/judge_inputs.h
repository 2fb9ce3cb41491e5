// JudgeInputs: what the metrics and checks need from a History, extracted so that judging a
// long history reads its events once, keeping the non-client events (processes, signals,
// waits, logs -- few) as their own History and making one RequestRow per request, with the
// generation of the worker that served each ok response.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "harness/history/history.h"
#include "harness/judge/generations.h"
#include "harness/judge/request_table.h"
#include "harness/judge/tls_metrics.h"

namespace hotdeploy::harness {

// A connection's connect time (event.h's connect_ns), placed at the moment the connect began.
struct ConnectSample {
  std::int64_t start_ns = 0;
  std::int64_t connect_ns = 0;
};

struct JudgeInputs {
  History process;                             // every event but request_sent, request_ended, upstream_request
  std::vector<Event> upstream;                 // the upstream_request events, in order
  Generations generations;                     // of process
  std::vector<RequestRow> rows;                // in request_id order; RequestRow::generation set for ok rows
  RequestNames names;                          // what RequestRow::name indexes
  std::vector<ConnectSample> connects;         // from each request_sent with a connect_ns, in history order
  std::vector<TlsHandshakeSample> handshakes;  // each TLS connection's, in history order, generation set
  // The text of the first request_ended of each timeout reason (connect_timeout, first_byte_timeout,
  // response_timeout): which timeout expired and its value ("connect timeout 200ms")
  std::map<Reason, std::string> timeout_texts;
  std::int64_t first_ns = 0;  // of the whole history
  std::int64_t last_ns = 0;

  [[nodiscard]] static JudgeInputs from(const History& history);
};

}  // namespace hotdeploy::harness
