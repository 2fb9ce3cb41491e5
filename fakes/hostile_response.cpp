#include "hostile_response.h"

#include <poll.h>

#include <cerrno>
#include <chrono>
#include <random>

namespace hotdeploy::fakes {
namespace {

constexpr size_t kGarbageBytes = 64 * 1024;
constexpr size_t kBlockBytes = 4096;
constexpr size_t kEndlessLinesPerSend = 64;
constexpr size_t kPromisedBodyBytes = 1024;
constexpr auto kDripInterval = std::chrono::seconds(1);

std::string status_line_and_pid(pid_t worker_pid) {
  return "HTTP/1.1 200 OK\r\nX-Worker-Pid: " + std::to_string(worker_pid) + "\r\n";
}

}  // namespace

HostileResponseStream::HostileResponseStream(httplib::Stream& connection, HostileResponse kind, pid_t worker_pid,
                                             std::uint64_t seed)
    : connection_(connection), kind_(kind), worker_pid_(worker_pid), seed_(seed) {}

void HostileResponseStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  connection_.get_remote_ip_and_port(ip, port);
}

void HostileResponseStream::get_local_ip_and_port(std::string& ip, int& port) const {
  connection_.get_local_ip_and_port(ip, port);
}

ssize_t HostileResponseStream::write(const char* ptr, size_t size) {
  if (ended_) return -1;
  if (kind_ == HostileResponse::slow_drip) return drip(ptr, size);
  send_fault_response();
  ended_ = true;
  return -1;
}

bool HostileResponseStream::send(const std::string& bytes) {
  return connection_.write(bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size());
}

bool HostileResponseStream::send_fault_response() {
  switch (kind_) {
    case HostileResponse::garbage: {
      std::mt19937_64 random(seed_);
      std::string block(kBlockBytes, '\0');
      for (size_t sent = 0; sent < kGarbageBytes; sent += block.size()) {
        for (char& byte : block) byte = static_cast<char>(random() & 0xff);
        if (!send(block)) return false;
      }
      return true;
    }
    case HostileResponse::endless_headers: {
      if (!send(status_line_and_pid(worker_pid_))) return false;
      for (std::uint64_t line = 0;;) {
        std::string lines;
        for (size_t k = 0; k < kEndlessLinesPerSend; ++k, ++line) {
          lines += "X-Endless-" + std::to_string(line) + ": more headers follow\r\n";
        }
        if (!send(lines)) return false;
      }
    }
    case HostileResponse::huge_chunk:
      return send(status_line_and_pid(worker_pid_) + "Transfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n" +
                  std::string(kBlockBytes, 'x'));
    case HostileResponse::early_close:
      return send(status_line_and_pid(worker_pid_) + "Content-Length: " + std::to_string(kPromisedBodyBytes) +
                  "\r\n\r\n" + std::string(kPromisedBodyBytes / 2, 'x'));
    case HostileResponse::slow_drip: break;
  }
  return false;
}

ssize_t HostileResponseStream::drip(const char* ptr, size_t size) {
  for (size_t k = 0; k < size; ++k) {
    if (dripped_ > 0 && !wait_before_next_byte()) {
      ended_ = true;
      return -1;
    }
    if (connection_.write(ptr + k, 1) != 1) {
      ended_ = true;
      return -1;
    }
    ++dripped_;
  }
  return static_cast<ssize_t>(size);
}

bool HostileResponseStream::wait_before_next_byte() const {
  // POLLRDHUP: the peer closed its side; POLLHUP and POLLERR (always reported): a reset, or the
  // worker shut the connection down (worker_shutdown_timeout, TERM).
  pollfd descriptor{connection_.socket(), POLLRDHUP, 0};
  const auto deadline = std::chrono::steady_clock::now() + kDripInterval;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return true;
    const int ready = ::poll(&descriptor, 1, static_cast<int>(left.count()));
    if (ready == -1 && errno == EINTR) continue;
    return ready == 0;
  }
}

}  // namespace hotdeploy::fakes
