#include "harness/load/scripted_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace hotdeploy::harness::testing {
namespace {

constexpr int kPollMs = 20;
constexpr int kQueueFillMs = 5000;
constexpr int kTcpSynSent = 2;  // st in /proc/net/tcp (include/net/tcp_states.h)

// The states (the kernel's TCP_* numbers) of the sockets in /proc/net/tcp whose remote end is
// 127.0.0.1:port: the client ends of connections to a listener on that port.
std::vector<int> tcp_states_towards(std::uint16_t port) {
  std::ifstream in("/proc/net/tcp");
  if (!in) throw std::runtime_error("cannot read /proc/net/tcp");
  char remote[32];
  std::snprintf(remote, sizeof remote, "0100007F:%04X", port);
  std::vector<int> states;
  std::string line;
  std::getline(in, line);  // the header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local, rem, state;
    if (!(fields >> slot >> local >> rem >> state) || rem != remote) continue;
    states.push_back(std::stoi(state, nullptr, 16));
  }
  return states;
}

[[noreturn]] void throw_errno(const char* what) { throw std::system_error(errno, std::generic_category(), what); }

// A TCP socket bound to 127.0.0.1 on a kernel-chosen port.
int bound_loopback_socket(std::uint16_t& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw_errno("socket");
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&sin), sizeof sin) != 0) {
    ::close(fd);
    throw_errno("bind");
  }
  socklen_t len = sizeof sin;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&sin), &len) != 0) {
    ::close(fd);
    throw_errno("getsockname");
  }
  port = ntohs(sin.sin_port);
  return fd;
}

void send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the client went away; the script's reply is moot
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

struct Client {
  int fd = -1;
  std::size_t index = 0;
  std::size_t requests = 0;
  bool hung = false;
  std::string pending;
};

}  // namespace

ScriptedReply ScriptedReply::respond(std::string bytes, bool close_after) {
  return ScriptedReply{Kind::respond, std::move(bytes), close_after};
}
ScriptedReply ScriptedReply::close() { return ScriptedReply{Kind::close, {}, true}; }
ScriptedReply ScriptedReply::hang() { return ScriptedReply{Kind::hang, {}, false}; }

std::string ok_response(std::int32_t pid) {
  return "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Worker-Pid: " + std::to_string(pid) + "\r\n\r\nok";
}

ScriptedHttpServer::ScriptedHttpServer(Script script, AcceptQueue queue) : script_(std::move(script)) {
  listen_fd_ = bound_loopback_socket(port_);
  if (::listen(listen_fd_, queue == AcceptQueue::open ? 128 : 0) != 0) {
    ::close(listen_fd_);
    throw_errno("listen");
  }
  if (queue == AcceptQueue::open) {
    thread_ = std::thread([this] { serve(); });
    return;
  }
  try {
    fill_accept_queue();
  } catch (...) {
    if (filler_fd_ >= 0) ::close(filler_fd_);
    ::close(listen_fd_);
    throw;
  }
}

void ScriptedHttpServer::fill_accept_queue() {
  filler_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (filler_fd_ < 0) throw_errno("socket");
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sin.sin_port = htons(port_);
  if (::connect(filler_fd_, reinterpret_cast<const sockaddr*>(&sin), sizeof sin) != 0) throw_errno("connect");
  // The listener turns readable when the connection is in its accept queue: from then on the
  // queue (backlog 0 holds one) is full.
  pollfd queued{listen_fd_, POLLIN, 0};
  const int n = ::poll(&queued, 1, kQueueFillMs);
  if (n < 0) throw_errno("poll");
  if (n == 0) {
    throw std::runtime_error("waited " + std::to_string(kQueueFillMs) +
                             " ms for the filling connection to reach the accept queue; the listener never "
                             "turned readable");
  }
}

void ScriptedHttpServer::open_accept_queue() {
  if (filler_fd_ < 0 || thread_.joinable()) return;
  const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd < 0) throw_errno("accept4");
  ::close(fd);
  ::close(filler_fd_);
  filler_fd_ = -1;
  thread_ = std::thread([this] { serve(); });
}

::testing::AssertionResult ScriptedHttpServer::wait_for_dropped_syn(std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string seen;
  while (true) {
    const std::vector<int> states = tcp_states_towards(port_);
    if (std::ranges::find(states, kTcpSynSent) != states.end()) return ::testing::AssertionSuccess();
    seen.clear();
    for (int state : states) seen += (seen.empty() ? "" : ", ") + std::to_string(state);
    if (std::chrono::steady_clock::now() >= deadline) {
      return ::testing::AssertionFailure()
             << "waited " << timeout.count() << " ms for a socket in SYN_SENT (" << kTcpSynSent << ") towards port "
             << port_ << " in /proc/net/tcp; last seen the states [" << seen << "]";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

ScriptedHttpServer::~ScriptedHttpServer() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
  if (filler_fd_ >= 0) ::close(filler_fd_);
  ::close(listen_fd_);
}

std::size_t ScriptedHttpServer::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

::testing::AssertionResult ScriptedHttpServer::wait_for_requests(std::size_t n,
                                                                 std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  if (changed_.wait_for(lock, timeout, [&] { return requests_ >= n; })) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "waited " << timeout.count() << " ms for " << n
                                       << " requests; the server saw " << requests_;
}

::testing::AssertionResult ScriptedHttpServer::wait_for_answered_connections(std::size_t n,
                                                                             std::string_view request_line,
                                                                             std::chrono::milliseconds timeout) const {
  std::size_t opened = 0;
  std::size_t answered = 0;
  const auto count = [&] {
    opened = 0;
    answered = 0;
    for (const ConnectionSeen& c : connections_) {
      if (!c.first_head.starts_with(request_line)) continue;
      ++opened;
      if (c.requests >= 2) ++answered;
    }
    return answered >= n;
  };
  std::unique_lock lock(mutex_);
  if (changed_.wait_for(lock, timeout, count)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "waited " << timeout.count() << " ms for a response read on each of " << n
                                       << " connections opened with '" << request_line << "'; of the " << opened
                                       << " such connections the server saw, " << answered
                                       << " carried a second request";
}

void ScriptedHttpServer::note(const ScriptedRequest& request) {
  {
    std::lock_guard lock(mutex_);
    ++requests_;
    if (connections_.size() <= request.connection) connections_.resize(request.connection + 1);
    ConnectionSeen& seen = connections_[request.connection];
    if (seen.requests++ == 0) seen.first_head = request.head;
  }
  changed_.notify_all();
}

void ScriptedHttpServer::serve() {
  std::vector<Client> clients;
  std::size_t accepted = 0;
  std::size_t total = 0;
  std::vector<pollfd> fds;
  while (!stop_.load()) {
    fds.clear();
    fds.push_back(pollfd{listen_fd_, POLLIN, 0});
    for (const Client& c : clients) fds.push_back(pollfd{c.fd, static_cast<short>(c.hung ? 0 : POLLIN), 0});
    if (::poll(fds.data(), fds.size(), kPollMs) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if ((fds[0].revents & POLLIN) != 0) {
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) clients.push_back(Client{fd, accepted++, 0, false, {}});
    }
    for (std::size_t k = 1; k < fds.size(); ++k) {
      if (fds[k].revents == 0) continue;
      Client& c = clients[k - 1];
      char buffer[4096];
      const ssize_t n = ::recv(c.fd, buffer, sizeof buffer, 0);
      if (n <= 0) {
        ::close(c.fd);
        c.fd = -1;
        continue;
      }
      c.pending.append(buffer, static_cast<std::size_t>(n));
      std::size_t end = 0;
      while (c.fd >= 0 && !c.hung && (end = c.pending.find("\r\n\r\n")) != std::string::npos) {
        std::string head = c.pending.substr(0, end);
        c.pending.erase(0, end + 4);
        const ScriptedRequest request{c.index, c.requests++, total++, std::move(head)};
        const ScriptedReply reply = script_(request);
        note(request);
        if (reply.kind == ScriptedReply::Kind::hang) {
          c.hung = true;
          break;
        }
        if (reply.kind == ScriptedReply::Kind::respond) send_all(c.fd, reply.bytes);
        if (reply.close_after) {
          ::close(c.fd);
          c.fd = -1;
        }
      }
    }
    std::erase_if(clients, [](const Client& c) { return c.fd < 0; });
  }
  for (const Client& c : clients) ::close(c.fd);
}

RefusingPort::RefusingPort() { fd_ = bound_loopback_socket(port_); }
RefusingPort::~RefusingPort() { ::close(fd_); }

StalledListener::StalledListener() {
  fd_ = bound_loopback_socket(port_);
  if (::listen(fd_, 0) != 0) {
    ::close(fd_);
    throw_errno("listen");
  }
}
StalledListener::~StalledListener() { ::close(fd_); }

}  // namespace hotdeploy::harness::testing
