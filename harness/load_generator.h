// LoadGenerator: the client side of a run. One thread runs an epoll loop over non-blocking
// loopback TCP connections carrying the traffic that LoadConfig describes (load_config.h:
// keepalive, idle, held, rate, post), and records every request attempt as a request_sent event
// (when its first byte is written) and exactly one request_ended event (ok, fail or info with a
// Reason, and latency_ns); a new TCP connection gets a new connection_id.
//
// A GET sent on a reused connection that ends with zero response bytes (EOF, reset, or reset
// while writing) is retried once on a fresh connection with the same request_id (RFC 9112
// §9.3.1): attempt 1 is recorded as fail, attempt 2 decides the request. A POST is never
// retried. After a closed-loop request ends badly its connection slot pauses for
// failure_backoff, so a refusing server costs a bounded event rate; open-loop traffic keeps its
// schedule whatever happens.
//
// Only loopback addresses are accepted. The hot path does not allocate: connection slots, one
// shared read buffer and one block of parser line buffers (touched only as used) are allocated
// at start(), and the event log is reserved up front. Every wait has a deadline; the thread ends
// after stop().
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "harness/history.h"
#include "harness/load_config.h"
#include "harness/run_clock.h"

namespace hotdeploy::harness {

struct LoadProgress {
  std::uint64_t sent = 0;     // request attempts whose first byte was written
  std::uint64_t ok = 0;       // requests that ended ok (including retried ones)
  std::uint64_t dropped = 0;  // requests whose final attempt ended fail or info
  std::uint64_t retried = 0;  // requests whose attempt 2 ended ok
};

class LoadGenerator {
 public:
  // Throws std::invalid_argument for a configuration that validate() rejects.
  LoadGenerator(LoadConfig config, const RunClock& clock);
  ~LoadGenerator();  // stops (drain_timeout 0) and joins if still running
  LoadGenerator(const LoadGenerator&) = delete;
  LoadGenerator& operator=(const LoadGenerator&) = delete;

  // Spawns the event-loop thread. Throws std::logic_error if called twice, std::system_error
  // if epoll or eventfd cannot be created.
  void start();
  // No new requests; outstanding ones (and their retries) get until drain_timeout, then end as
  // info/load_stopped. Joins the thread. Calling it again, or before start(), does nothing.
  void stop(std::chrono::milliseconds drain_timeout);

  // Callable from any thread while running.
  [[nodiscard]] LoadProgress progress() const;
  // After stop(): the error that ended the loop early (e.g. out of file descriptors), if any.
  [[nodiscard]] std::optional<std::string> error() const;
  // After stop(): every event recorded, in the order recorded. Throws std::logic_error while
  // running. A second call returns an empty log.
  [[nodiscard]] EventLog take_events();

 private:
  struct Counters {
    std::atomic<std::uint64_t> sent{0};
    std::atomic<std::uint64_t> ok{0};
    std::atomic<std::uint64_t> dropped{0};
    std::atomic<std::uint64_t> retried{0};
  };
  class Loop;

  LoadConfig config_;
  const RunClock& clock_;
  Counters counters_;
  std::atomic<std::int64_t> stop_deadline_ns_{-1};  // set by stop(), read by the loop
  std::unique_ptr<Loop> loop_;
  std::thread thread_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace hotdeploy::harness
