#include "orchestrator/http_probe.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <optional>
#include <stdexcept>
#include <string_view>

#include "harness/load/tls_client.h"

namespace hotdeploy::orchestrator {
namespace {

class Socket {
 public:
  Socket() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  [[nodiscard]] int fd() const { return fd_; }

 private:
  int fd_;
};

bool wait_for(int fd, short events, std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) return false;
  pollfd entry{fd, events, 0};
  return ::poll(&entry, 1, static_cast<int>(left.count())) == 1 && (entry.revents & events) != 0;
}

// Repeats a TLS call while it waits for the socket, until it is done or the deadline passes.
template <typename Call>
harness::TlsStatus tls_call(int fd, std::chrono::steady_clock::time_point deadline, Call call) {
  for (;;) {
    const harness::TlsStatus status = call();
    if (status == harness::TlsStatus::want_read) {
      if (!wait_for(fd, POLLIN, deadline)) return harness::TlsStatus::failed;
    } else if (status == harness::TlsStatus::want_write) {
      if (!wait_for(fd, POLLOUT, deadline)) return harness::TlsStatus::failed;
    } else {
      return status;
    }
  }
}

// GET / over TLS on the connected socket: whether the status line says 200.
bool tls_get_ok(int fd, const harness::TlsLoad& tls, std::string_view request,
                std::chrono::steady_clock::time_point deadline) {
  harness::TlsLoad probe = tls;
  probe.resume = harness::TlsResume::off;
  std::optional<harness::TlsClientContext> context;
  try {
    context.emplace(probe);
  } catch (const std::runtime_error&) {
    return false;
  }
  harness::TlsConnection connection = context->connect(fd);
  if (tls_call(fd, deadline, [&] { return connection.handshake(); }) != harness::TlsStatus::done) return false;
  std::size_t written = 0;
  while (written < request.size()) {
    std::size_t n = 0;
    if (tls_call(fd, deadline, [&] {
          return connection.write(request.data() + written, request.size() - written, n);
        }) != harness::TlsStatus::done) {
      return false;
    }
    written += n;
  }
  std::array<char, 16> status{};
  std::size_t received = 0;
  while (received < status.size()) {
    std::size_t n = 0;
    if (tls_call(fd, deadline, [&] {
          return connection.read(status.data() + received, status.size() - received, n);
        }) != harness::TlsStatus::done) {
      break;
    }
    received += n;
  }
  const std::string_view line(status.data(), received);
  return line.substr(0, 13) == "HTTP/1.1 200 " || line.substr(0, 13) == "HTTP/1.0 200 ";
}

}  // namespace

bool probe_http_ok(std::uint16_t port, std::chrono::milliseconds timeout, const harness::TlsLoad* tls) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  Socket socket;
  if (socket.fd() < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(socket.fd(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 && errno != EINPROGRESS) {
    return false;
  }
  if (!wait_for(socket.fd(), POLLOUT, deadline)) return false;
  int error = 0;
  socklen_t length = sizeof error;
  if (::getsockopt(socket.fd(), SOL_SOCKET, SO_ERROR, &error, &length) != 0 || error != 0) return false;
  constexpr std::string_view kRequest = "GET / HTTP/1.1\r\nHost: hotdeploy-probe\r\nConnection: close\r\n\r\n";
  if (tls != nullptr) return tls_get_ok(socket.fd(), *tls, kRequest, deadline);
  if (::send(socket.fd(), kRequest.data(), kRequest.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(kRequest.size())) {
    return false;
  }
  std::array<char, 16> status{};
  std::size_t received = 0;
  while (received < status.size()) {
    if (!wait_for(socket.fd(), POLLIN, deadline)) return false;
    const ssize_t n = ::recv(socket.fd(), status.data() + received, status.size() - received, 0);
    if (n <= 0) break;
    received += static_cast<std::size_t>(n);
  }
  const std::string_view line(status.data(), received);
  return line.substr(0, 13) == "HTTP/1.1 200 " || line.substr(0, 13) == "HTTP/1.0 200 ";
}

}  // namespace hotdeploy::orchestrator
