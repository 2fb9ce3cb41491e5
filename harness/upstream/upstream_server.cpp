#include "harness/upstream/upstream_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <set>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

namespace hotdeploy::harness {
namespace {

constexpr std::uint64_t kListenToken = 0;
constexpr std::uint64_t kWakeToken = std::numeric_limits<std::uint64_t>::max();
constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();
// How long a connection may take to send one whole request once it has begun, and how long a
// connection that must close waits for its peer's close after the last response (so that the
// peer reads that response instead of a reset).
constexpr std::int64_t kRequestReadTimeoutNs = 60'000'000'000;
constexpr std::int64_t kLingerNs = 1'000'000'000;
// Bytes read ahead (pipelined requests) while a response is pending, before reading pauses.
constexpr std::size_t kMaxReadAhead = 1024 * 1024;

std::string reason_phrase(std::uint16_t status) {
  switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

std::string listen_text(const std::string& host, std::uint16_t port) {
  return host.find(':') != std::string::npos ? "[" + host + "]:" + std::to_string(port)
                                             : host + ":" + std::to_string(port);
}

}  // namespace

class UpstreamServer::Loop {
 public:
  Loop(UpstreamServer& server, int listen_fd, int wake_fd);
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  void run();

 private:
  enum class Phase : std::uint8_t { reading, delaying, writing, lingering };
  struct Connection {
    int fd = -1;
    std::uint32_t id = 0;
    Phase phase = Phase::reading;
    std::int64_t deadline_ns = kNever;
    std::string in;
    std::string out;
    std::size_t out_at = 0;
    HttpRequestParser parser;
    std::uint64_t served = 0;
    bool close_after = false;
    bool reading_paused = false;
    bool watching_out = false;
    Event record;  // the request in progress once read in full (delaying, writing)
  };

  void accept_all();
  void on_ready(std::uint32_t id, std::uint32_t events);
  // Reads what is there; false when the connection was closed.
  bool read_available(Connection& c);
  void parse_input(Connection& c);
  void request_read(Connection& c);
  void respond(Connection& c);
  void write_out(Connection& c);
  void response_done(Connection& c);
  void expire(std::int64_t now);
  void set_deadline(Connection& c, std::int64_t deadline_ns);
  void update_interest(Connection& c);
  // Records the pending request (if any) as not answered, then closes.
  void drop(Connection& c);
  void close_connection(Connection& c);

  UpstreamServer& server_;
  const UpstreamConfig& config_;
  int listen_fd_;
  int wake_fd_;
  int epoll_fd_ = -1;
  std::uint32_t next_id_ = 1;
  std::unordered_map<std::uint32_t, Connection> connections_;
  std::set<std::pair<std::int64_t, std::uint32_t>> deadlines_;
  std::vector<std::uint32_t> closed_;  // erased after each round of events
  std::string body_;
};

UpstreamServer::Loop::Loop(UpstreamServer& server, int listen_fd, int wake_fd)
    : server_(server), config_(server.config_), listen_fd_(listen_fd), wake_fd_(wake_fd) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
  for (const auto& [fd, token] : {std::pair{listen_fd_, kListenToken}, std::pair{wake_fd_, kWakeToken}}) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = token;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
      const int err = errno;
      ::close(epoll_fd_);
      throw std::system_error(err, std::generic_category(), "epoll_ctl");
    }
  }
  static constexpr std::string_view kPattern = "ok\n";
  for (std::uint64_t i = 0; i < config_.body_bytes; ++i) body_ += kPattern[i % kPattern.size()];
}

UpstreamServer::Loop::~Loop() {
  for (auto& [id, c] : connections_) {
    if (c.fd >= 0) ::close(c.fd);
  }
  ::close(epoll_fd_);
}

void UpstreamServer::Loop::run() {
  std::vector<epoll_event> ready(256);
  for (;;) {
    const std::int64_t now = server_.clock_.now_ns();
    int timeout_ms = -1;
    if (!deadlines_.empty()) {
      const std::int64_t wait_ns = std::max<std::int64_t>(0, deadlines_.begin()->first - now);
      timeout_ms = static_cast<int>(std::min<std::int64_t>((wait_ns + 999'999) / 1'000'000, 60'000));
    }
    const int n = epoll_wait(epoll_fd_, ready.data(), static_cast<int>(ready.size()), timeout_ms);
    if (n < 0) {
      if (errno == EINTR) continue;
      server_.error_ = std::string("epoll_wait: ") + std::strerror(errno);
      break;
    }
    bool woken = false;
    for (int i = 0; i < n; ++i) {
      const std::uint64_t token = ready[static_cast<std::size_t>(i)].data.u64;
      if (token == kWakeToken) {
        woken = true;
      } else if (token == kListenToken) {
        accept_all();
      } else {
        on_ready(static_cast<std::uint32_t>(token), ready[static_cast<std::size_t>(i)].events);
      }
    }
    expire(server_.clock_.now_ns());
    for (std::uint32_t id : closed_) connections_.erase(id);
    closed_.clear();
    if (woken) break;
  }
  for (auto& [id, c] : connections_) {
    if (c.fd >= 0) drop(c);
  }
  connections_.clear();
}

void UpstreamServer::Loop::accept_all() {
  for (;;) {
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN, or an error the next readiness retries (EMFILE, ECONNABORTED)
    const int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const std::uint32_t id = next_id_++;
    Connection& c = connections_[id];
    c.fd = fd;
    c.id = id;
    c.parser = HttpRequestParser(config_.limits);
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.u64 = id;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
      close_connection(c);
      continue;
    }
    server_.connections_accepted_.fetch_add(1, std::memory_order_relaxed);
    const std::int64_t wait = config_.keepalive_timeout_ns > 0 ? config_.keepalive_timeout_ns : kRequestReadTimeoutNs;
    set_deadline(c, server_.clock_.now_ns() + wait);
  }
}

void UpstreamServer::Loop::on_ready(std::uint32_t id, std::uint32_t events) {
  const auto found = connections_.find(id);
  if (found == connections_.end() || found->second.fd < 0) return;
  Connection& c = found->second;
  if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
    if (!read_available(c)) return;
    if (c.phase == Phase::reading) parse_input(c);
  }
  if (c.fd >= 0 && (events & EPOLLOUT) != 0 && c.phase == Phase::writing) write_out(c);
}

bool UpstreamServer::Loop::read_available(Connection& c) {
  char buffer[16 * 1024];
  for (;;) {
    if (c.phase != Phase::lingering && c.in.size() >= kMaxReadAhead) {
      c.reading_paused = true;
      update_interest(c);
      return true;
    }
    const ssize_t n = ::recv(c.fd, buffer, sizeof buffer, 0);
    if (n > 0) {
      if (c.phase != Phase::lingering) c.in.append(buffer, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    if (n < 0 && errno == EINTR) continue;
    // The peer closed or reset: what it sent is still parsed, then the connection ends.
    if (c.phase == Phase::reading && !c.in.empty()) parse_input(c);
    if (c.fd >= 0) drop(c);
    return false;
  }
}

void UpstreamServer::Loop::parse_input(Connection& c) {
  while (c.phase == Phase::reading && !c.in.empty()) {
    const bool was_started = c.parser.started();
    const std::size_t used = c.parser.feed(c.in);
    c.in.erase(0, used);
    if (!was_started && c.parser.started()) set_deadline(c, server_.clock_.now_ns() + kRequestReadTimeoutNs);
    if (c.parser.state() == HttpRequestParser::State::in_progress) return;
    request_read(c);
  }
}

void UpstreamServer::Loop::request_read(Connection& c) {
  const HttpRequest& request = c.parser.request();
  const bool failed = c.parser.state() == HttpRequestParser::State::failed;
  c.record = Event{};
  c.record.t_ns = server_.clock_.now_ns();
  c.record.type = EventType::upstream_request;
  c.record.upstream = config_.name;
  c.record.connection_id = c.id;
  c.record.request_id = request.request_id;
  c.record.method = request.method;
  c.record.path = request.target;
  c.record.bytes = request.body_bytes;
  c.record.status = failed ? 400 : config_.status;
  if (failed) c.record.text = c.parser.error();
  ++c.served;
  server_.requests_read_.fetch_add(1, std::memory_order_relaxed);
  c.close_after = failed || !request.keep_alive || config_.keepalive_timeout_ns == 0 ||
                  (config_.keepalive_requests > 0 && c.served >= config_.keepalive_requests);
  std::string& out = c.out;
  out.clear();
  c.out_at = 0;
  const bool with_body = !failed && request.method != "HEAD" && c.record.status != 204;
  out += "HTTP/1.1 " + std::to_string(c.record.status) + " " + reason_phrase(c.record.status) + "\r\n";
  out += "Content-Type: text/plain\r\nX-Upstream: " + config_.name + "\r\n";
  out += "Content-Length: " + std::to_string(with_body ? body_.size() : 0) + "\r\n";
  if (c.close_after) {
    out += "Connection: close\r\n";
  } else if (request.minor_version == 0) {
    out += "Connection: keep-alive\r\n";
  }
  out += "\r\n";
  if (with_body) out += body_;
  if (failed || config_.delay_ns == 0) {
    respond(c);
  } else {
    c.phase = Phase::delaying;
    set_deadline(c, c.record.t_ns + config_.delay_ns);
  }
}

void UpstreamServer::Loop::respond(Connection& c) {
  c.phase = Phase::writing;
  set_deadline(c, kNever);
  write_out(c);
}

void UpstreamServer::Loop::write_out(Connection& c) {
  while (c.out_at < c.out.size()) {
    const ssize_t n = ::send(c.fd, c.out.data() + c.out_at, c.out.size() - c.out_at, MSG_NOSIGNAL);
    if (n > 0) {
      c.out_at += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      c.watching_out = true;
      update_interest(c);
      return;
    }
    drop(c);  // EPIPE, ECONNRESET: the peer is gone
    return;
  }
  if (c.watching_out) {
    c.watching_out = false;
    update_interest(c);
  }
  response_done(c);
}

void UpstreamServer::Loop::response_done(Connection& c) {
  const std::int64_t now = server_.clock_.now_ns();
  c.record.responded_ns = now;
  c.record.response_written = true;
  server_.events_.append(std::move(c.record));
  c.record = Event{};
  if (c.close_after) {
    // Counted before our side ends, so that a peer that sees the close also sees the count.
    const bool peer_asked = !c.parser.request().keep_alive || c.parser.state() == HttpRequestParser::State::failed;
    if (!peer_asked) server_.connections_closed_by_server_.fetch_add(1, std::memory_order_relaxed);
    // Our side ends; the peer's close (or the linger time) ends the connection.
    (void)::shutdown(c.fd, SHUT_WR);
    c.phase = Phase::lingering;
    c.in.clear();
    if (c.reading_paused) {
      c.reading_paused = false;
      update_interest(c);
    }
    set_deadline(c, now + kLingerNs);
    return;
  }
  c.parser.reset();
  c.phase = Phase::reading;
  set_deadline(c, now + config_.keepalive_timeout_ns);
  if (c.reading_paused) {
    c.reading_paused = false;
    update_interest(c);
  }
  parse_input(c);
}

void UpstreamServer::Loop::expire(std::int64_t now) {
  while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
    const std::uint32_t id = deadlines_.begin()->second;
    deadlines_.erase(deadlines_.begin());
    const auto found = connections_.find(id);
    if (found == connections_.end() || found->second.fd < 0) continue;
    Connection& c = found->second;
    c.deadline_ns = kNever;
    switch (c.phase) {
      case Phase::reading:
        // Idle past keepalive_timeout (an application server's keep-alive timeout), or too slow
        // to send a request it began.
        if (!c.parser.started()) server_.connections_closed_by_server_.fetch_add(1, std::memory_order_relaxed);
        close_connection(c);
        break;
      case Phase::delaying: respond(c); break;
      case Phase::writing: break;
      case Phase::lingering: close_connection(c); break;
    }
  }
}

void UpstreamServer::Loop::set_deadline(Connection& c, std::int64_t deadline_ns) {
  if (c.deadline_ns != kNever) deadlines_.erase({c.deadline_ns, c.id});
  c.deadline_ns = deadline_ns;
  if (deadline_ns != kNever) deadlines_.insert({deadline_ns, c.id});
}

void UpstreamServer::Loop::update_interest(Connection& c) {
  epoll_event ev{};
  ev.events = (c.reading_paused ? 0U : (EPOLLIN | EPOLLRDHUP)) | (c.watching_out ? EPOLLOUT : 0U);
  ev.data.u64 = c.id;
  (void)epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &ev);
}

void UpstreamServer::Loop::drop(Connection& c) {
  if (c.phase == Phase::delaying || c.phase == Phase::writing) {
    c.record.responded_ns = server_.clock_.now_ns();
    c.record.response_written = false;
    server_.requests_unanswered_.fetch_add(1, std::memory_order_relaxed);
    server_.events_.append(std::move(c.record));
    c.record = Event{};
  }
  close_connection(c);
}

void UpstreamServer::Loop::close_connection(Connection& c) {
  set_deadline(c, kNever);
  ::close(c.fd);  // also leaves the epoll set
  c.fd = -1;
  closed_.push_back(c.id);
}

UpstreamServer::UpstreamServer(UpstreamConfig config, const RunClock& clock)
    : config_(std::move(config)), clock_(clock) {
  const std::string where = "upstream " + config_.name + ": " + listen_text(config_.host, config_.port);
  sockaddr_storage storage{};
  socklen_t length = 0;
  in_addr v4{};
  in6_addr v6{};
  if (inet_pton(AF_INET, config_.host.c_str(), &v4) == 1) {
    if ((ntohl(v4.s_addr) >> 24) != 127) throw UpstreamListenError(where + " is not a loopback address");
    auto* a = reinterpret_cast<sockaddr_in*>(&storage);
    a->sin_family = AF_INET;
    a->sin_port = htons(config_.port);
    a->sin_addr = v4;
    length = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, config_.host.c_str(), &v6) == 1) {
    if (!IN6_IS_ADDR_LOOPBACK(&v6)) throw UpstreamListenError(where + " is not a loopback address");
    auto* a = reinterpret_cast<sockaddr_in6*>(&storage);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(config_.port);
    a->sin6_addr = v6;
    length = sizeof(sockaddr_in6);
  } else {
    throw UpstreamListenError(where + ": the host is not a numeric loopback address");
  }
  listen_fd_ = ::socket(storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw UpstreamListenError(where + ": socket: " + std::strerror(errno));
  const int one = 1;
  (void)setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(listen_fd_, reinterpret_cast<const sockaddr*>(&storage), length) != 0 || ::listen(listen_fd_, 1024) != 0) {
    const int err = errno;
    ::close(listen_fd_);
    throw UpstreamListenError(where + ": cannot listen: " + std::strerror(err));
  }
  sockaddr_storage bound{};
  socklen_t bound_length = sizeof bound;
  (void)getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&bound), &bound_length);
  port_ = ntohs(bound.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&bound)->sin_port
                                           : reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) {
    const int err = errno;
    ::close(listen_fd_);
    throw std::system_error(err, std::generic_category(), "eventfd");
  }
  try {
    loop_ = std::make_unique<Loop>(*this, listen_fd_, wake_fd_);
  } catch (...) {
    ::close(wake_fd_);
    ::close(listen_fd_);
    throw;
  }
}

UpstreamServer::~UpstreamServer() {
  stop();
  loop_.reset();
  ::close(wake_fd_);
  ::close(listen_fd_);
}

void UpstreamServer::start() {
  if (thread_.joinable() || stopped_) return;
  thread_ = std::thread([this] { loop_->run(); });
}

void UpstreamServer::stop() {
  if (stopped_) return;
  stopped_ = true;
  if (thread_.joinable()) {
    const std::uint64_t one = 1;
    (void)::write(wake_fd_, &one, sizeof one);
    thread_.join();
  }
}

EventLog UpstreamServer::take_events() { return std::exchange(events_, {}); }

}  // namespace hotdeploy::harness
