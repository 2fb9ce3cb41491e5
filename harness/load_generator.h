// LoadGenerator: the client side of a run. One thread runs an epoll loop over non-blocking
// loopback TCP connections and records every request attempt as a request_sent event (when its
// first byte is written) and exactly one request_ended event (ok, fail or info with a Reason).
//
// Keep-alive load: each of KeepaliveLoad::connections slots runs a closed loop -- send
// "GET <path> HTTP/1.1", read the whole response, send the next -- on one TCP connection at a
// time; a new TCP connection gets a new connection_id. A GET sent on a reused connection that
// ends with zero response bytes (EOF, reset, or reset while writing) is retried once on a fresh
// connection with the same request_id (RFC 9112 §9.3.1): attempt 1 is recorded as fail, attempt
// 2 decides the request. After a request ends badly the slot pauses for failure_backoff before
// the next one, so a refusing server costs a bounded event rate.
//
// Only loopback addresses are accepted. The hot path does not allocate: buffers are allocated
// per slot at start() and the event log is reserved up front. Every wait has a deadline; the
// thread ends after stop().
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "harness/history.h"
#include "harness/http_response_parser.h"
#include "harness/run_clock.h"

namespace hotdeploy::harness {

struct KeepaliveLoad {
  int connections = 0;
};

struct LoadConfig {
  std::string host = "127.0.0.1";  // a loopback IPv4 or IPv6 literal (127.0.0.0/8, ::1)
  std::uint16_t port = 0;
  KeepaliveLoad keepalive;
  std::string path = "/";
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds response_timeout{5000};
  std::chrono::milliseconds failure_backoff{10};  // pause of a slot after a request ended fail/info
  std::size_t reserve_events = std::size_t{1} << 18;  // EventLog capacity reserved at start()
  HttpParserLimits limits;
};

struct LoadProgress {
  std::uint64_t sent = 0;     // request attempts whose first byte was written
  std::uint64_t ok = 0;       // requests that ended ok (including retried ones)
  std::uint64_t dropped = 0;  // requests whose final attempt ended fail or info
  std::uint64_t retried = 0;  // requests whose attempt 2 ended ok
};

class LoadGenerator {
 public:
  // Throws std::invalid_argument for a host that is not a loopback literal, port 0, a negative
  // connection count, or a path that is not an absolute request-target.
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
