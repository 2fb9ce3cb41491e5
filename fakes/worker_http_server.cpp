#include "worker_http_server.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <thread>

#include "connection_stream.h"

namespace hotdeploy::fakes {
namespace {

constexpr size_t kKeepaliveRequests = 1000;
constexpr auto kKeepaliveTimeout = std::chrono::seconds(65);
constexpr auto kClientTimeout = std::chrono::seconds(60);
constexpr auto kHeldTick = std::chrono::milliseconds(50);

}  // namespace

WorkerHttpServer::WorkerHttpServer(WorkerHttpSettings settings)
    : settings_(std::move(settings)), rate_limit_(settings_.limit_req_zones, settings_.limit_req_rules) {
  if (::pipe2(shutdown_pipe_, O_CLOEXEC) == -1) shutdown_pipe_[0] = shutdown_pipe_[1] = -1;
  if (::pipe2(connection_ended_pipe_, O_CLOEXEC | O_NONBLOCK) == -1) {
    connection_ended_pipe_[0] = connection_ended_pipe_[1] = -1;
  }
  // httplib reads svr_sock_ only as "still serving": content providers stop writing once it
  // is INVALID_SOCKET. No listening socket is involved, so it holds a descriptor this
  // server owns for its whole life.
  svr_sock_ = shutdown_pipe_[0];
  set_keep_alive_max_count(kKeepaliveRequests);
  set_keep_alive_timeout(kKeepaliveTimeout.count());
  set_default_headers({{"X-Worker-Pid", std::to_string(settings_.worker_pid)}});
  set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    long number = ++requests_received_;
    if (settings_.crash_on_request && number == *settings_.crash_on_request) std::abort();
    if (rate_limit_.empty()) return HandlerResponse::Unhandled;
    RateLimitDecision decision = rate_limit_.account(req.remote_addr, RequestRateLimit::Clock::now());
    if (decision.rejected) {
      res.status = 503;
      return HandlerResponse::Handled;
    }
    if (decision.delay.count() > 0) std::this_thread::sleep_for(decision.delay);
    return HandlerResponse::Unhandled;
  });
  set_post_routing_handler([this](const httplib::Request&, httplib::Response& res) {
    if (settings_.forced_status) res.status = *settings_.forced_status;
    if (!shutting_down()) return;
    res.headers.erase("Keep-Alive");
    if (!res.has_header("Connection")) res.set_header("Connection", "close");
  });
  register_endpoints();
}

WorkerHttpServer::~WorkerHttpServer() {
  for (int fd : {shutdown_pipe_[0], shutdown_pipe_[1], connection_ended_pipe_[0], connection_ended_pipe_[1]}) {
    if (fd >= 0) ::close(fd);
  }
}

void WorkerHttpServer::register_endpoints() {
  Get("/", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content("worker " + std::to_string(settings_.worker_pid) + " master " +
                        std::to_string(settings_.master_pid) + " version " + settings_.version_label + "\n",
                    "text/plain");
  });

  Get("/held", [](const httplib::Request& req, httplib::Response& res) {
    double seconds = req.has_param("seconds") ? std::stod(req.get_param_value("seconds")) : 1.0;
    size_t bytes = req.has_param("bytes") ? std::stoul(req.get_param_value("bytes")) : 1024;
    const auto start = std::chrono::steady_clock::now();
    const auto duration = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(std::max(0.0, seconds)));
    const size_t ticks = std::max<size_t>(1, static_cast<size_t>(duration / kHeldTick));
    const size_t chunk = std::max<size_t>(1, (bytes + ticks - 1) / ticks);
    res.set_content_provider(
        bytes, "application/octet-stream",
        [start, duration, bytes, chunk](size_t offset, size_t length, httplib::DataSink& sink) {
          size_t n = std::min(chunk, length);
          // The time at which byte `offset + n` is due, spreading bytes evenly.
          auto due =
              start + duration * static_cast<double>(offset + n) / static_cast<double>(std::max<size_t>(1, bytes));
          std::this_thread::sleep_until(std::chrono::time_point_cast<std::chrono::steady_clock::duration>(due));
          std::string data(n, 'x');
          return sink.write(data.data(), data.size());
        });
  });

  Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
    res.set_content(std::to_string(req.body.size()) + "\n", "text/plain");
  });
}

void WorkerHttpServer::start_connection(int fd, std::shared_ptr<const TlsServerContext> tls) {
  int on = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
  {
    std::lock_guard lock(connections_mutex_);
    connections_[fd] = ConnectionState{};
  }
  ++active_connections_;
  // Connection threads never take signals: the worker's main loop handles them.
  sigset_t all;
  sigfillset(&all);
  sigset_t previous;
  ::pthread_sigmask(SIG_SETMASK, &all, &previous);
  std::thread([this, fd, tls = std::move(tls)] { serve_connection(fd, tls); }).detach();
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

bool WorkerHttpServer::wait_for_request(int fd, bool first_request) const {
  // A new connection is not an idle keep-alive one: like nginx (which closes only idle
  // connections on shutdown and waits client_header_timeout for a first request), it waits
  // for its first request even while the worker shuts down. An idle one also wakes on
  // shutdown, and leave_idle() tells whether shutdown closed it.
  pollfd descriptors[2] = {{fd, POLLIN, 0}, {shutdown_pipe_[0], POLLIN, 0}};
  const nfds_t watched = first_request ? 1 : 2;
  const auto deadline = std::chrono::steady_clock::now() + (first_request ? kClientTimeout : kKeepaliveTimeout);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    int ready = ::poll(descriptors, watched, static_cast<int>(left.count()));
    if (ready == -1 && errno == EINTR) continue;
    return ready > 0 && descriptors[0].revents != 0;
  }
}

bool WorkerHttpServer::enter_idle(int fd) {
  std::lock_guard lock(connections_mutex_);
  if (shutting_down_.load()) return false;
  connections_[fd].idle = true;
  return true;
}

bool WorkerHttpServer::leave_idle(int fd) {
  std::lock_guard lock(connections_mutex_);
  ConnectionState& state = connections_[fd];
  state.idle = false;
  return !state.closed_while_idle;
}

void WorkerHttpServer::serve_connection(int fd, const std::shared_ptr<const TlsServerContext>& tls_context) {
  std::optional<TlsConnection> tls;
  if (tls_context) tls.emplace(*tls_context, fd);
  const bool handshake_done = !tls || tls->accept(kClientTimeout);
  ConnectionStream stream(fd, kClientTimeout, kClientTimeout, tls ? &*tls : nullptr);
  std::optional<HostileResponseStream> hostile;
  if (settings_.hostile_response) {
    hostile.emplace(stream, *settings_.hostile_response, settings_.worker_pid, ++connections_started_);
  }
  httplib::Stream& io = hostile ? static_cast<httplib::Stream&>(*hostile) : stream;
  for (size_t remaining = handshake_done ? kKeepaliveRequests : 0; remaining > 0; --remaining) {
    const bool first_request = remaining == kKeepaliveRequests;
    if (first_request) {
      if (!stream.has_buffered_input() && !wait_for_request(fd, true)) break;
    } else if (!stream.has_buffered_input()) {
      if (!enter_idle(fd)) break;
      const bool readable = wait_for_request(fd, false);
      if (!leave_idle(fd) || !readable) break;
    }
    stream.begin_request();
    bool close_connection = remaining == 1 || shutting_down();
    bool connection_closed = false;
    if (!process_request(io, close_connection, connection_closed, nullptr)) break;
    if (connection_closed || close_connection || shutting_down() || (hostile && hostile->ends_connection())) break;
  }
  {
    std::lock_guard lock(connections_mutex_);
    connections_.erase(fd);
  }
  if (tls) tls->close();
  ::close(fd);
  --active_connections_;
  char byte = 1;
  [[maybe_unused]] ssize_t ignored = ::write(connection_ended_pipe_[1], &byte, 1);
}

void WorkerHttpServer::begin_graceful_shutdown() {
  {
    std::lock_guard lock(connections_mutex_);
    if (shutting_down_.exchange(true)) return;
    for (auto& [fd, state] : connections_) {
      if (state.idle) state.closed_while_idle = true;
    }
  }
  if (shutdown_pipe_[1] >= 0) {
    ::close(shutdown_pipe_[1]);
    shutdown_pipe_[1] = -1;
  }
}

void WorkerHttpServer::close_all_connections() {
  begin_graceful_shutdown();
  svr_sock_ = INVALID_SOCKET;
  std::lock_guard lock(connections_mutex_);
  // These are this worker's own client connections, never a shared listening socket.
  for (const auto& [fd, state] : connections_) ::shutdown(fd, SHUT_RDWR);
}

void WorkerHttpServer::reset_connections_on_close() {
  std::lock_guard lock(connections_mutex_);
  linger reset{1, 0};
  for (const auto& [fd, state] : connections_) ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
}

void WorkerHttpServer::drain_connection_ended() {
  char buffer[64];
  while (::read(connection_ended_pipe_[0], buffer, sizeof(buffer)) > 0) {
  }
}

}  // namespace hotdeploy::fakes
