// TLS handshake metrics: of every connection the load generator opened over TLS (its first
// request_sent carries handshake full or resumed, event.h), how many handshakes were full and how
// many resumed a session, by the generation that served the connection and before and after the
// switchover. A connection's generation is that of the worker of its first ok response (0: it
// served none). The switchover is the moment the new generation first served (first USR2 +
// switchover_ms); a handshake at or after it counts after. Without a switchover, all count before.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "harness/history/event.h"

namespace hotdeploy::harness {

// One TLS connection's handshake, as JudgeInputs extracts it.
struct TlsHandshakeSample {
  std::uint32_t connection_id = 0;
  std::int64_t t_ns = 0;  // its first request_sent (the handshake finished just before)
  bool resumed = false;
  std::int32_t generation = 0;  // of the worker of its first ok response; 0: none
};

struct HandshakeCounts {
  std::uint64_t full = 0;
  std::uint64_t resumed = 0;

  friend bool operator==(const HandshakeCounts&, const HandshakeCounts&) = default;
};

struct TlsMetrics {
  HandshakeCounts total;
  HandshakeCounts before_switchover;
  HandshakeCounts after_switchover;
  std::map<std::int32_t, HandshakeCounts> by_generation;  // generation (0: served nothing) -> counts

  friend bool operator==(const TlsMetrics&, const TlsMetrics&) = default;
};

// nullopt when no connection was TLS. switchover_ns: the switchover moment, if there was one.
[[nodiscard]] std::optional<TlsMetrics> tls_metrics(const std::vector<TlsHandshakeSample>& samples,
                                                    std::optional<std::int64_t> switchover_ns);

}  // namespace hotdeploy::harness
