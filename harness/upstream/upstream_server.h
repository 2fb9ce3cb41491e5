// UpstreamServer: an HTTP/1.1 application server that a run starts for the target's proxy_pass to
// reach (the scenario's `upstreams:`). One thread serves every connection with epoll and
// non-blocking sockets: keep-alive, pipelined requests answered in order, Content-Length and
// chunked request bodies read in full, a response delay after each request (so that requests are
// in flight upstream while the target reloads), an idle keep-alive timeout and a per-connection
// request limit after which it closes the connection as an application server does. A request it
// cannot parse is answered 400 with "Connection: close", and the connection ends.
//
// It records one upstream_request event per request it read (history/event.h): its name, its own
// connection id, the request's method, target and X-Hotdeploy-Request id, the status sent, when
// the response was written in full and whether it was. A response is not written when the peer
// closed or reset the connection first (a peer that closes its side is taken as gone: nginx never
// half-closes an upstream connection), or when the server stopped first.
//
// It listens only on loopback (127.0.0.0/8 or ::1). The constructor binds, so a port in use is an
// error before anything runs; start() serves on a thread of its own; stop() ends it, closing every
// connection; take_events() hands over the record once stopped.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "harness/history/history.h"
#include "harness/history/run_clock.h"
#include "harness/upstream/http_request_parser.h"

namespace hotdeploy::harness {

struct UpstreamConfig {
  std::string name = "app";
  std::string host = "127.0.0.1";  // a numeric loopback address
  std::uint16_t port = 0;          // 0: any free port (port() says which)
  std::int64_t delay_ns = 0;       // from a request read in full to its response
  // A connection with no request in progress for this long is closed; 0 closes it after every
  // response (no keep-alive).
  std::int64_t keepalive_timeout_ns = 5'000'000'000;
  std::uint64_t keepalive_requests = 0;  // the response to this many-th request closes; 0: no limit
  std::uint16_t status = 200;
  std::uint64_t body_bytes = 3;  // of each response's body
  HttpRequestLimits limits;

  friend bool operator==(const UpstreamConfig&, const UpstreamConfig&) = default;
};

// Thrown by the constructor: the address is not loopback, or cannot be bound (port in use).
class UpstreamListenError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class UpstreamServer {
 public:
  UpstreamServer(UpstreamConfig config, const RunClock& clock);
  ~UpstreamServer();
  UpstreamServer(const UpstreamServer&) = delete;
  UpstreamServer& operator=(const UpstreamServer&) = delete;

  void start();
  // Ends the serving thread and every connection; a request read but not answered is recorded
  // with response_written false. Idempotent.
  void stop();
  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] const UpstreamConfig& config() const { return config_; }
  // Requests read in full so far (any thread; for tests and progress).
  [[nodiscard]] std::uint64_t requests_read() const { return requests_read_.load(std::memory_order_relaxed); }
  // Connections accepted so far (any thread).
  [[nodiscard]] std::uint64_t connections_accepted() const {
    return connections_accepted_.load(std::memory_order_relaxed);
  }
  // Connections this server ended so far for idle time or the request limit (any thread).
  [[nodiscard]] std::uint64_t connections_closed_by_server() const {
    return connections_closed_by_server_.load(std::memory_order_relaxed);
  }
  // Requests read in full whose response could not be written, the peer having gone (any thread).
  [[nodiscard]] std::uint64_t requests_unanswered() const {
    return requests_unanswered_.load(std::memory_order_relaxed);
  }
  // The record; call after stop().
  [[nodiscard]] EventLog take_events();
  // Set when the serving thread hit an error it could not serve past (epoll failing); after stop().
  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  class Loop;

  UpstreamConfig config_;
  RunClock clock_;
  int listen_fd_ = -1;
  int wake_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<std::uint64_t> requests_read_{0};
  std::atomic<std::uint64_t> connections_accepted_{0};
  std::atomic<std::uint64_t> connections_closed_by_server_{0};
  std::atomic<std::uint64_t> requests_unanswered_{0};
  std::unique_ptr<Loop> loop_;
  std::thread thread_;
  EventLog events_;
  std::string error_;
  bool stopped_ = false;
};

}  // namespace hotdeploy::harness
