// A test-only TLS server on 127.0.0.1 (hotdeploy::load_testing, not the library), for the load
// generator's TLS tests. One thread serves one connection at a time: TLS handshake with the given
// certificate and key, then each "\r\n\r\n"-ended request gets ok_response(pid) until the
// client closes, or with close_each, `Connection: close` and a close_notify after the first
// response. Session tickets are issued (TLS 1.3 and 1.2) and a server-side session cache keeps
// TLS 1.2 session ids, so a client can resume either way. It counts handshakes that finished,
// resumed ones and failed ones, and waits for a count with a deadline. Ended by the destructor.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>

#include "harness/load/test_certificates.h"

typedef struct ssl_ctx_st SSL_CTX;

namespace hotdeploy::harness::testing {

struct TlsHandshakeCounts {
  std::size_t full = 0;
  std::size_t resumed = 0;
  std::size_t failed = 0;
};

class ScriptedTlsServer {
 public:
  enum class Connections : std::uint8_t { keep_alive, close_each };

  ScriptedTlsServer(const TestCertificateFiles& files, Connections connections);
  ~ScriptedTlsServer();
  ScriptedTlsServer(const ScriptedTlsServer&) = delete;
  ScriptedTlsServer& operator=(const ScriptedTlsServer&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] TlsHandshakeCounts handshakes() const;
  // Waits until full + resumed + failed handshakes reach n; on timeout says the counts.
  [[nodiscard]] ::testing::AssertionResult wait_for_handshakes(std::size_t n, std::chrono::milliseconds timeout) const;

 private:
  void serve();
  void serve_connection(int fd);

  SSL_CTX* ctx_ = nullptr;
  Connections connections_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  TlsHandshakeCounts counts_;
  std::thread thread_;
};

}  // namespace hotdeploy::harness::testing
