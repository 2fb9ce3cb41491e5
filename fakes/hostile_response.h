// HostileResponseStream: the response-side faults, as an httplib::Stream laid over one worker
// connection. Reads pass straight through; writes, which httplib makes only once it has read the
// whole request (body included), are replaced by the fault's bytes. Since the request was read in
// full, a connection the fault closes ends with a FIN, never a reset that could discard what the
// client has not read yet.
//
//   garbage_response  64 KiB of pseudo-random bytes from a generator seeded with `seed` (the
//                     worker's connection number: its Nth connection gets the same bytes in every
//                     run), then the connection closes
//   endless_headers   a status line, then header lines for as long as the connection lasts: the
//                     writing stops only when a send fails (the client closed, or the worker ended
//                     its connections)
//   slow_drip         the response httplib writes, one byte a second; it stops when the peer
//                     closes or the connection is shut down (checked between bytes, so at once)
//   huge_chunk        a chunked response whose first chunk size is ffffffffffffffff (2^64 - 1),
//                     4 KiB of that chunk, then the connection closes
//   early_close       a response with Content-Length: 1024 of which 512 body bytes are sent, then
//                     the connection closes
//
// After a fault that closes, every write fails and ends_connection() is true: the caller closes the
// connection (httplib ignores a failed write of the response head).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include <httplib.h>

namespace hotdeploy::fakes {

enum class HostileResponse : std::uint8_t { garbage, endless_headers, slow_drip, huge_chunk, early_close };

class HostileResponseStream final : public httplib::Stream {
 public:
  // `connection` must outlive this stream; `seed` is used by garbage_response only.
  HostileResponseStream(httplib::Stream& connection, HostileResponse kind, pid_t worker_pid, std::uint64_t seed);

  [[nodiscard]] bool is_readable() const override { return connection_.is_readable(); }
  [[nodiscard]] bool is_writable() const override { return connection_.is_writable(); }
  ssize_t read(char* ptr, size_t size) override { return connection_.read(ptr, size); }
  ssize_t write(const char* ptr, size_t size) override;
  using httplib::Stream::write;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  [[nodiscard]] socket_t socket() const override { return connection_.socket(); }

  // True once the fault is done with the connection: it must be closed.
  [[nodiscard]] bool ends_connection() const { return ended_; }

 private:
  // Sends the fault's own bytes (every kind but slow_drip); false once a send failed.
  bool send_fault_response();
  bool send(const std::string& bytes);
  ssize_t drip(const char* ptr, size_t size);
  // Waits a second between two dripped bytes; false when the connection ended meanwhile.
  [[nodiscard]] bool wait_before_next_byte() const;

  httplib::Stream& connection_;
  HostileResponse kind_;
  pid_t worker_pid_;
  std::uint64_t seed_;
  bool ended_ = false;
  std::uint64_t dripped_ = 0;
};

}  // namespace hotdeploy::fakes
