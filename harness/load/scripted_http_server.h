// Test-only loopback servers for the load generator's tests (hotdeploy::load_testing, not the
// library). ScriptedHttpServer listens on 127.0.0.1, treats every "\r\n\r\n"-ended
// block from a client as one request (a body is not split off: it joins the next block), and
// asks a script what to do with it: send bytes (and perhaps close), close without a response,
// or never answer. One thread, poll() with a short timeout, ended by the destructor. It can wait
// until the client has read a response on each of its keep-alive connections (a keep-alive client
// sends its next request on a connection only after reading the previous response).
// Constructed with AcceptQueue::held_full, it starts with a listen backlog of 0 and its accept
// queue filled by a connection of its own, so the kernel drops every SYN that arrives (as on a
// server whose listen queue overflowed), until open_accept_queue() accepts that connection and
// starts serving; a dropped SYN's connect then completes when the client sends it again.
// RefusingPort holds a bound, non-listening port, so a connect to it is refused;
// StalledListener listens with a full backlog and never accepts.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace hotdeploy::harness::testing {

struct ScriptedRequest {
  std::size_t connection = 0;     // 0-based index of the accepted connection
  std::size_t on_connection = 0;  // 0-based index of the request on its connection
  std::size_t total = 0;          // 0-based index over all requests
  std::string head;               // request line and headers, without the blank line (a body is not split off)
};

struct ScriptedReply {
  enum class Kind : std::uint8_t { respond, close, hang };
  Kind kind = Kind::respond;
  std::string bytes;
  bool close_after = false;

  [[nodiscard]] static ScriptedReply respond(std::string bytes, bool close_after = false);
  [[nodiscard]] static ScriptedReply close();
  [[nodiscard]] static ScriptedReply hang();
};

// "HTTP/1.1 200 OK" with a Content-Length body "ok" and X-Worker-Pid: pid.
[[nodiscard]] std::string ok_response(std::int32_t pid);

class ScriptedHttpServer {
 public:
  using Script = std::function<ScriptedReply(const ScriptedRequest&)>;

  enum class AcceptQueue : std::uint8_t { open, held_full };

  explicit ScriptedHttpServer(Script script, AcceptQueue queue = AcceptQueue::open);
  ~ScriptedHttpServer();
  ScriptedHttpServer(const ScriptedHttpServer&) = delete;
  ScriptedHttpServer& operator=(const ScriptedHttpServer&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] std::size_t requests() const;
  // Waits until at least n requests arrived; on timeout says how many did.
  [[nodiscard]] ::testing::AssertionResult wait_for_requests(std::size_t n, std::chrono::milliseconds timeout) const;
  // Waits until n connections whose first request line starts with `request_line` have carried a
  // second request, so the client has read a response on each of them; on timeout says how many
  // such connections there were and how many had been answered.
  [[nodiscard]] ::testing::AssertionResult wait_for_answered_connections(std::size_t n, std::string_view request_line,
                                                                         std::chrono::milliseconds timeout) const;
  // held_full: waits until a client socket to this port sits in SYN_SENT (/proc/net/tcp), a
  // connect whose SYN the full queue dropped; on timeout says what states it saw.
  [[nodiscard]] ::testing::AssertionResult wait_for_dropped_syn(std::chrono::milliseconds timeout) const;
  // held_full: accepts and closes the connection that filled the queue, and starts serving.
  void open_accept_queue();

 private:
  struct ConnectionSeen {
    std::string first_head;
    std::size_t requests = 0;
  };

  void fill_accept_queue();
  void serve();
  void note(const ScriptedRequest& request);

  Script script_;
  int listen_fd_ = -1;
  int filler_fd_ = -1;  // held_full: the client end of the connection filling the accept queue
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::size_t requests_ = 0;
  std::vector<ConnectionSeen> connections_;  // by ScriptedRequest::connection
  std::thread thread_;
};

class RefusingPort {
 public:
  RefusingPort();
  ~RefusingPort();
  RefusingPort(const RefusingPort&) = delete;
  RefusingPort& operator=(const RefusingPort&) = delete;
  [[nodiscard]] std::uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

class StalledListener {
 public:
  StalledListener();
  ~StalledListener();
  StalledListener(const StalledListener&) = delete;
  StalledListener& operator=(const StalledListener&) = delete;
  [[nodiscard]] std::uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace hotdeploy::harness::testing
