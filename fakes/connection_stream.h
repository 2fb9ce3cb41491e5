// ConnectionStream: an httplib::Stream over one accepted, non-blocking TCP connection.
//
// Reads are buffered (httplib reads request lines byte by byte) and wait at most the
// read timeout; writes send everything or fail after the write timeout without progress.
// It never closes or shuts down the descriptor: the connection's owner does.
#pragma once

#include <httplib.h>

#include <array>
#include <chrono>

namespace hotdeploy::fakes {

class ConnectionStream final : public httplib::Stream {
 public:
  ConnectionStream(int fd, std::chrono::milliseconds read_timeout, std::chrono::milliseconds write_timeout);

  [[nodiscard]] bool is_readable() const override;
  [[nodiscard]] bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  using httplib::Stream::write;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  [[nodiscard]] socket_t socket() const override { return fd_; }

  // True when a request's bytes already sit in the read buffer.
  [[nodiscard]] bool has_buffered_input() const { return buffer_begin_ < buffer_end_; }

 private:
  [[nodiscard]] bool wait_for(short events, std::chrono::milliseconds timeout) const;

  int fd_;
  std::chrono::milliseconds read_timeout_;
  std::chrono::milliseconds write_timeout_;
  std::array<char, 4096> buffer_{};
  size_t buffer_begin_ = 0;
  size_t buffer_end_ = 0;
};

}  // namespace hotdeploy::fakes
