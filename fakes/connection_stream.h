// ConnectionStream: an httplib::Stream over one accepted, non-blocking TCP connection, in
// plaintext or, given a TlsConnection (tls_server.h) whose handshake is done, over TLS.
//
// Reads are buffered (httplib reads request lines byte by byte) and wait at most the
// read timeout; writes send everything or fail after the write timeout without progress.
// It never closes or shuts down the descriptor: the connection's owner does.
// From begin_request() to the blank line that ends the header, a bare LF reads as CRLF:
// nginx accepts LF-terminated request and header lines, httplib only CRLF. The body
// is passed through untouched.
#pragma once

#include <httplib.h>

#include <array>
#include <chrono>

#include "tls_server.h"

namespace hotdeploy::fakes {

class ConnectionStream final : public httplib::Stream {
 public:
  // `tls`, when given, outlives the stream and carries all its bytes.
  ConnectionStream(int fd, std::chrono::milliseconds read_timeout, std::chrono::milliseconds write_timeout,
                   TlsConnection* tls = nullptr);

  [[nodiscard]] bool is_readable() const override;
  [[nodiscard]] bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  using httplib::Stream::write;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  [[nodiscard]] socket_t socket() const override { return fd_; }

  // True when a request's bytes already sit in the read buffer.
  [[nodiscard]] bool has_buffered_input() const {
    return buffer_begin_ < buffer_end_ || owed_newline_ || (tls_ != nullptr && tls_->has_pending());
  }
  // The next bytes read start a request line: LF is read as CRLF until the header ends.
  void begin_request();

 private:
  [[nodiscard]] bool wait_for(short events, std::chrono::milliseconds timeout) const;
  // Refills the empty buffer from the socket: bytes read, 0 at end of stream, -1 on error.
  ssize_t fill();
  void end_of_header_line();

  int fd_;
  TlsConnection* tls_;
  std::chrono::milliseconds read_timeout_;
  std::chrono::milliseconds write_timeout_;
  std::array<char, 4096> buffer_{};
  size_t buffer_begin_ = 0;
  size_t buffer_end_ = 0;
  bool in_header_ = false;
  bool owed_newline_ = false;  // a bare LF was read as CR; its LF comes next
  bool line_has_content_ = false;
  bool request_line_seen_ = false;
  char previous_ = '\n';
};

}  // namespace hotdeploy::fakes
