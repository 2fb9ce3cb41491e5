#include "connection_stream.h"

#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace hotdeploy::fakes {
namespace {

void ip_and_port(const sockaddr_storage& storage, std::string& ip, int& port) {
  char buffer[INET6_ADDRSTRLEN] = {};
  if (storage.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&storage);
    inet_ntop(AF_INET, &in->sin_addr, buffer, sizeof(buffer));
    port = ntohs(in->sin_port);
  } else if (storage.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&storage);
    inet_ntop(AF_INET6, &in6->sin6_addr, buffer, sizeof(buffer));
    port = ntohs(in6->sin6_port);
  }
  ip = buffer;
}

}  // namespace

ConnectionStream::ConnectionStream(int fd, std::chrono::milliseconds read_timeout,
                                   std::chrono::milliseconds write_timeout, TlsConnection* tls)
    : fd_(fd), tls_(tls), read_timeout_(read_timeout), write_timeout_(write_timeout) {}

bool ConnectionStream::wait_for(short events, std::chrono::milliseconds timeout) const {
  pollfd descriptor{fd_, events, 0};
  for (;;) {
    int ready = ::poll(&descriptor, 1, static_cast<int>(timeout.count()));
    if (ready == -1 && errno == EINTR) continue;
    return ready > 0;
  }
}

bool ConnectionStream::is_readable() const { return has_buffered_input() || wait_for(POLLIN, read_timeout_); }

bool ConnectionStream::is_writable() const { return wait_for(POLLOUT, write_timeout_); }

ssize_t ConnectionStream::fill() {
  buffer_begin_ = buffer_end_ = 0;
  if (tls_ != nullptr) {
    const ssize_t n = tls_->read(buffer_.data(), buffer_.size(), read_timeout_);
    if (n > 0) buffer_end_ = static_cast<size_t>(n);
    return n;
  }
  for (;;) {
    ssize_t n = ::recv(fd_, buffer_.data(), buffer_.size(), 0);
    if (n >= 0) {
      buffer_end_ = static_cast<size_t>(n);
      return n;
    }
    if (errno == EINTR) continue;
    if ((errno == EAGAIN || errno == EWOULDBLOCK) && wait_for(POLLIN, read_timeout_)) continue;
    return -1;
  }
}

void ConnectionStream::begin_request() {
  in_header_ = true;
  owed_newline_ = false;
  line_has_content_ = false;
  request_line_seen_ = false;
  previous_ = '\n';
}

void ConnectionStream::end_of_header_line() {
  // Empty lines before the request line are skipped (nginx does too); after it, one ends the header.
  if (line_has_content_) {
    request_line_seen_ = true;
  } else if (request_line_seen_) {
    in_header_ = false;
  }
  line_has_content_ = false;
  previous_ = '\n';
}

ssize_t ConnectionStream::read(char* ptr, size_t size) {
  if (!in_header_ && !owed_newline_) {
    if (buffer_begin_ == buffer_end_) {
      ssize_t n = fill();
      if (n <= 0) return n;
    }
    size_t n = std::min(size, buffer_end_ - buffer_begin_);
    std::memcpy(ptr, buffer_.data() + buffer_begin_, n);
    buffer_begin_ += n;
    return static_cast<ssize_t>(n);
  }
  size_t produced = 0;
  while (produced < size) {
    if (owed_newline_) {
      owed_newline_ = false;
      ptr[produced++] = '\n';
      end_of_header_line();
      continue;
    }
    if (!in_header_) break;
    if (buffer_begin_ == buffer_end_) {
      if (produced > 0) break;
      ssize_t n = fill();
      if (n <= 0) return n;
    }
    const char ch = buffer_[buffer_begin_++];
    if (ch == '\n' && previous_ != '\r') {
      ptr[produced++] = '\r';
      owed_newline_ = true;
      continue;
    }
    ptr[produced++] = ch;
    if (ch == '\n') {
      end_of_header_line();
      continue;
    }
    if (ch != '\r') line_has_content_ = true;
    previous_ = ch;
  }
  return static_cast<ssize_t>(produced);
}

ssize_t ConnectionStream::write(const char* ptr, size_t size) {
  size_t sent = 0;
  while (tls_ != nullptr && sent < size) {
    const ssize_t n = tls_->write(ptr + sent, size - sent, write_timeout_);
    if (n <= 0) return -1;
    sent += static_cast<size_t>(n);
  }
  while (sent < size) {
    ssize_t n = ::send(fd_, ptr + sent, size - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n == -1 && errno == EINTR) continue;
    if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK) && wait_for(POLLOUT, write_timeout_)) continue;
    return -1;
  }
  return static_cast<ssize_t>(sent);
}

void ConnectionStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage storage{};
  socklen_t length = sizeof(storage);
  if (::getpeername(fd_, reinterpret_cast<sockaddr*>(&storage), &length) == 0) ip_and_port(storage, ip, port);
}

void ConnectionStream::get_local_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage storage{};
  socklen_t length = sizeof(storage);
  if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&storage), &length) == 0) ip_and_port(storage, ip, port);
}

}  // namespace hotdeploy::fakes
