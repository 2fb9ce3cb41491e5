// The client side of TLS for the load generator, over OpenSSL, on non-blocking sockets.
//
// TlsClientContext belongs to one event loop (not thread-safe): it trusts exactly one CA (the
// run's test CA, LoadConfig::tls.ca_file), verifies that the server's certificate names the
// server name it sends as SNI, and keeps the session the server issued last, which every new
// connection offers for resumption when resume is tickets or ids (tls_resume off: never). With
// ids, connections speak TLS 1.2 without tickets, so only a server-side session cache resumes.
//
// TlsConnection owns one SSL object over a connected socket it does not own. Each call does
// what the socket allows without blocking and says what it waits for (want_read, want_write),
// as OpenSSL's SSL_ERROR_WANT_* do; the caller repeats the same call when the socket is ready
// (a write again with the same bytes). An end of stream without close_notify reads as a plain
// end of stream: the HTTP layer decides whether the response was complete. close() sends
// close_notify when the connection is healthy, then frees the SSL object.
#pragma once

#include <sys/types.h>
#include <cstddef>
#include <string>

#include "harness/load/load_config.h"

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_session_st SSL_SESSION;

namespace hotdeploy::harness {

enum class TlsStatus : std::uint8_t { done, want_read, want_write, closed, failed };

class TlsConnection {
 public:
  TlsConnection() = default;
  explicit TlsConnection(SSL* ssl) : ssl_(ssl) {}
  ~TlsConnection() { close(); }
  TlsConnection(TlsConnection&& other) noexcept;
  TlsConnection& operator=(TlsConnection&& other) noexcept;
  TlsConnection(const TlsConnection&) = delete;
  TlsConnection& operator=(const TlsConnection&) = delete;

  [[nodiscard]] bool open() const { return ssl_ != nullptr; }
  // Drives the handshake: done, want_read, want_write, or failed (error() says why).
  [[nodiscard]] TlsStatus handshake();
  // After a finished handshake: whether it resumed a session.
  [[nodiscard]] bool resumed() const;
  // Up to `size` plaintext bytes into `into`: done with `n` set (n > 0), closed (end of stream),
  // want_read / want_write, or failed (error() says why).
  [[nodiscard]] TlsStatus read(char* into, std::size_t size, std::size_t& n);
  // Writes from `data` (partial writes allowed): done with `n` bytes taken, want_*, or failed.
  [[nodiscard]] TlsStatus write(const char* data, std::size_t size, std::size_t& n);
  // Why the last call failed, for people: OpenSSL's error and, for a rejected certificate, why.
  [[nodiscard]] const std::string& error() const { return error_; }
  // Sends close_notify (without waiting for the peer's) unless the connection failed; frees.
  void close();

 private:
  [[nodiscard]] TlsStatus status_of(int result);

  SSL* ssl_ = nullptr;
  bool failed_ = false;
  std::string error_;
};

class TlsClientContext {
 public:
  // Throws std::runtime_error naming the CA file when it cannot be read.
  explicit TlsClientContext(const TlsLoad& config);
  ~TlsClientContext();
  TlsClientContext(const TlsClientContext&) = delete;
  TlsClientContext& operator=(const TlsClientContext&) = delete;

  // A client connection over the connected socket `fd`, offering the last session. Throws
  // std::runtime_error when OpenSSL cannot allocate one.
  [[nodiscard]] TlsConnection connect(int fd);

 private:
  static int on_new_session(SSL* ssl, SSL_SESSION* session);

  TlsLoad config_;
  SSL_CTX* ctx_ = nullptr;
  SSL_SESSION* last_session_ = nullptr;
};

}  // namespace hotdeploy::harness
