// LoadGenerator: the client side of a run. Event-loop threads (epoll over non-blocking loopback
// TCP connections) carry the traffic that LoadConfig describes (load_config.h: keepalive, idle,
// held, rate, post), and record every request attempt as a request_sent event (when its first
// byte is written) and exactly one request_ended event (ok, fail or info with a Reason, and
// latency_ns); a new TCP connection gets a new connection_id, and the request_sent of the first
// request on it carries connect_ns, connect() start -> first byte written (one clock read per
// connect, none per request).
//
// Keep-alive connections are split over up to `loops` threads (by default wrk's default of two,
// never more than the machine's cores), so that the client gets the CPU share wrk gets; every
// other kind of traffic runs on the first loop. Request ids and connection ids come from
// counters shared by the loops: unique, handed out from 1 up as requests and connections begin
// (a first attempt still connecting at stop() is not made, and leaves its id unused). A request
// and its retry stay on one loop. Each loop records into its own event log;
// take_events() merges them by time.
//
// A GET sent on a reused connection that ends with zero response bytes (EOF, reset, or reset
// while writing) is retried once on a fresh connection with the same request_id (RFC 9112
// §9.3.1): attempt 1 is recorded as fail, attempt 2 decides the request. A POST is never
// retried: fully written on a reused connection and closed with zero response bytes, it ends
// as info/closed_without_response (lost in the keep-alive close race; the client cannot know
// whether the server acted on it); on a fresh connection,
// as info/reset_after_send. After a closed-loop request ends badly its connection slot pauses for
// failure_backoff, so a refusing server costs a bounded event rate; open-loop traffic keeps its
// schedule whatever happens.
//
// With LoadConfig::tls enabled every connection is TLS (tls_client.h), on the same non-blocking
// sockets and loops: after the TCP connect the handshake is driven by the socket's readiness
// (OpenSSL's want-read/want-write) under the connect deadline; a handshake that fails or runs out
// of time ends its request fail/tls_handshake, with nothing sent, the text saying why. The
// request_sent that opened a TLS connection says whether its handshake was full or resumed
// (Event::handshake), and its connect_ns includes the handshake. Session tickets and other TLS
// messages that arrive on an idle keep-alive connection keep it open; data or an end closes it.
//
// With a mix of the user's requests (LoadConfig::requests, request_mix.h), each request is
// chosen by weight as it begins (a retry keeps its request), its request_sent and request_ended
// carry its name, and its status is judged against its expect_status: 502 ends it info/bad_gateway,
// 504 info/gateway_timeout, any other unexpected status fail/bad_status. A keep-alive connection
// whose next request is for another port is closed and a new one opened. Every request carries
// X-Hotdeploy-Request: <request_id>.
//
// Only loopback addresses are accepted. The hot path does not allocate but for TLS, whose every
// new connection allocates OpenSSL's connection state (and a request name longer
// than the standard library's inline string capacity, 15 bytes with libstdc++, costs one
// allocation per recorded event): connection slots, one
// read buffer per loop and one block of parser line buffers (touched only as used) are
// allocated at start(), and the event logs are reserved up front (reserve_events split evenly
// over the loops). Every wait has a deadline; the threads end after stop().
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "harness/history/history.h"
#include "harness/history/run_clock.h"
#include "harness/load/load_config.h"

namespace hotdeploy::harness {

struct LoadProgress {
  std::uint64_t sent = 0;     // request attempts whose first byte was written
  std::uint64_t ok = 0;       // requests that ended ok (including retried ones)
  std::uint64_t dropped = 0;  // requests whose final attempt ended fail or info
  std::uint64_t retried = 0;  // requests whose attempt 2 ended ok
};

class LoadGenerator {
 public:
  // wrk's default thread count, or the number of cores if that is smaller.
  [[nodiscard]] static int default_loops();

  // Uses min(loops, keepalive.connections) loop threads, at least one. Throws
  // std::invalid_argument for a configuration that validate() rejects, or loops < 1.
  LoadGenerator(LoadConfig config, const RunClock& clock, int loops = default_loops());
  ~LoadGenerator();  // stops (drain_timeout 0) and joins if still running
  LoadGenerator(const LoadGenerator&) = delete;
  LoadGenerator& operator=(const LoadGenerator&) = delete;

  // Spawns the event-loop threads. Throws std::logic_error if called twice, std::system_error
  // if epoll, eventfd or a thread cannot be created (then no thread is left running).
  void start();
  // No new requests; outstanding ones (and their retries) get until drain_timeout, then end as
  // info/load_stopped. Joins the threads. Calling it again, or before start(), does nothing.
  void stop(std::chrono::milliseconds drain_timeout);

  // Callable from any thread, before, while and after running.
  [[nodiscard]] LoadProgress progress() const;
  // After stop(): the first error that ended a loop early (e.g. out of file descriptors), if any.
  [[nodiscard]] std::optional<std::string> error() const;
  // After stop(): every event recorded, ordered by t_ns (each loop's events in the order it
  // recorded them). Throws std::logic_error while running. A second call returns an empty log.
  [[nodiscard]] EventLog take_events();
  // Callable from one thread at any time, running or not: the events recorded since the last
  // take, ordered by t_ns; each loop goes on in a log reserved for reserve_per_loop events (made
  // before the loop is interrupted). An event of one loop stamped before the take may come in the
  // next take when another loop was swapped first: a reader that needs a request's events whole
  // waits for its end (a soak keeps a cycle open until its requests have ended).
  [[nodiscard]] EventLog take_events_while_running(std::size_t reserve_per_loop);
  // The number of loop threads start() runs.
  [[nodiscard]] int loops() const { return loop_count_; }

 private:
  // One loop's progress, on a cache line of its own: each loop writes only its own.
  struct alignas(64) Counters {
    std::atomic<std::uint64_t> sent{0};
    std::atomic<std::uint64_t> ok{0};
    std::atomic<std::uint64_t> dropped{0};
    std::atomic<std::uint64_t> retried{0};
  };
  // What the loops share: the id counters (the last id handed out) and stop()'s deadline.
  struct Shared {
    std::atomic<std::uint64_t> last_request_id{0};
    std::atomic<std::uint32_t> last_connection_id{0};
    // set by stop(), read by the loops on every pass: on a line of its own, away from the id
    // counters that both loops write per request
    alignas(64) std::atomic<std::int64_t> stop_deadline_ns{-1};
  };
  class Loop;

  LoadConfig config_;
  const RunClock& clock_;
  int loop_count_ = 1;
  std::unique_ptr<Counters[]> counters_;  // one per loop, from construction on
  Shared shared_;
  std::vector<std::unique_ptr<Loop>> loops_;
  std::vector<std::thread> threads_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace hotdeploy::harness
