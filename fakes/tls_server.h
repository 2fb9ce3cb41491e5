// TLS for fake-nginx's `listen ... ssl` sockets, over OpenSSL.
//
// A TlsServerContext holds one certificate chain and key (`ssl_certificate`,
// `ssl_certificate_key`). The master loads it with the config, so a bad file fails the start,
// `-t`, a reload or a new binary with nginx's message; workers inherit it across fork, so all the
// workers of one master share its session ticket keys (random per load, as nginx's are without
// `ssl_session_ticket_key`): a ticket resumes on any worker of the generation that issued it, and
// never on another generation. There is no session-id cache, as nginx's default
// `ssl_session_cache none`.
//
// TlsConnection is one server-side connection on a non-blocking socket it does not own: the
// handshake waits at most a timeout; close() sends close_notify (one attempt, not awaiting the
// client's) unless the connection failed, then frees.
#pragma once

#include <chrono>
#include <memory>
#include <string>

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

namespace hotdeploy::fakes {

class TlsServerContext {
 public:
  // Paths are absolute (the config resolved them). On failure, `error` holds nginx's message
  // (`cannot load certificate "PATH": ...`) and the result is null.
  [[nodiscard]] static std::shared_ptr<const TlsServerContext> load(const std::string& certificate,
                                                                    const std::string& certificate_key,
                                                                    std::string& error);
  ~TlsServerContext();
  TlsServerContext(const TlsServerContext&) = delete;
  TlsServerContext& operator=(const TlsServerContext&) = delete;

  [[nodiscard]] SSL_CTX* native() const { return ctx_; }

 private:
  explicit TlsServerContext(SSL_CTX* ctx) : ctx_(ctx) {}
  SSL_CTX* ctx_;
};

class TlsConnection {
 public:
  TlsConnection(const TlsServerContext& context, int fd);
  ~TlsConnection() { close(); }
  TlsConnection(const TlsConnection&) = delete;
  TlsConnection& operator=(const TlsConnection&) = delete;

  // The server side of the handshake; false when it failed or took longer than `timeout`.
  [[nodiscard]] bool accept(std::chrono::milliseconds timeout);
  // SSL_read / SSL_write, waiting at most `timeout` for the socket: bytes moved (> 0), 0 at the
  // client's close_notify or end of stream, -1 on an error or a timeout.
  ssize_t read(char* into, size_t size, std::chrono::milliseconds timeout);
  ssize_t write(const char* data, size_t size, std::chrono::milliseconds timeout);
  // Decrypted bytes already held, which poll() on the socket cannot see.
  [[nodiscard]] bool has_pending() const;
  void close();

 private:
  // After a failed call: waits for what OpenSSL wants; false on an error or at the deadline.
  [[nodiscard]] bool wait(int result, std::chrono::steady_clock::time_point deadline);

  SSL* ssl_ = nullptr;
  int fd_;
  bool failed_ = false;
};

}  // namespace hotdeploy::fakes
