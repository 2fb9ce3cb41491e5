#include "harness/load_generator.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <utility>
#include <vector>

#include "harness/loopback_address.h"

namespace hotdeploy::harness {
namespace {

constexpr std::size_t kReadBufferBytes = 16 * 1024;
constexpr std::size_t kMaxEventsPerWait = 64;
constexpr std::int64_t kMaxWaitMs = 1000;
constexpr std::uint64_t kWakeToken = ~std::uint64_t{0};

std::int64_t to_ns(std::chrono::milliseconds d) { return std::max<std::int64_t>(0, d.count()) * 1'000'000; }

bool valid_request_target(std::string_view path) {
  if (path.empty() || path.front() != '/') return false;
  return std::all_of(path.begin(), path.end(), [](char c) {
    const auto b = static_cast<unsigned char>(c);
    return b > 0x20 && b < 0x7f;
  });
}

std::string errno_text(const char* what, int err) { return std::string(what) + ": " + std::strerror(err); }

// epoll user data: the slot index and the id of the TCP connection the registration is for, so
// an event for a connection that was closed earlier in the same batch is recognised as stale.
std::uint64_t token(std::size_t slot, std::uint32_t connection_id) {
  return (static_cast<std::uint64_t>(connection_id) << 32) | static_cast<std::uint32_t>(slot);
}

}  // namespace

// The event loop and everything it owns. Only the loop thread touches it between start() and
// the join in stop(); the LoadGenerator reads it again only after the join.
class LoadGenerator::Loop {
 public:
  Loop(const LoadConfig& config, const RunClock& clock, Counters& counters,
       const std::atomic<std::int64_t>& stop_deadline_ns);
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  // The thread body: serve() until stopped or a fatal error, then end what is outstanding.
  void run();
  void wake();
  [[nodiscard]] const std::optional<std::string>& error() const { return error_; }
  [[nodiscard]] EventLog take_events() { return std::exchange(events_, EventLog{}); }

 private:
  enum class Phase : std::uint8_t { idle, backoff, connecting, sending, receiving, done };

  // One keep-alive client: a closed loop of requests over one TCP connection at a time.
  struct Slot {
    explicit Slot(const HttpParserLimits& limits)
        : parser(limits), buffer(std::make_unique<char[]>(kReadBufferBytes)) {}
    int fd = -1;
    std::uint32_t connection_id = 0;
    bool served_before = false;  // this TCP connection has delivered a complete response
    bool want_write = false;     // EPOLLOUT is in the registration
    Phase phase = Phase::idle;
    std::int64_t deadline_ns = 0;  // of connecting, sending/receiving or backoff
    // the request attempt in progress
    std::uint64_t request_id = 0;
    std::uint8_t attempt = 1;
    bool reused = false;
    bool first_byte_written = false;
    std::size_t written = 0;
    std::uint64_t response_bytes = 0;
    HttpResponseParser parser;
    std::unique_ptr<char[]> buffer;
  };

  [[nodiscard]] bool active(const Slot& s) const {
    return s.phase == Phase::connecting || s.phase == Phase::sending || s.phase == Phase::receiving;
  }

  void serve();
  void begin_stopping(std::int64_t now);
  void expire_deadlines(std::int64_t now);
  [[nodiscard]] int wait_timeout_ms(std::int64_t now) const;
  void dispatch(const epoll_event& ev);

  void begin_new_request(std::size_t i);
  void begin_request(std::size_t i, std::uint64_t request_id, std::uint8_t attempt);
  void open_connection(std::size_t i);
  void on_connect_ready(std::size_t i);
  void connect_failed(std::size_t i, int err);
  void start_send(std::size_t i);
  void try_write(std::size_t i);
  void on_readable(std::size_t i);
  void on_idle_readable(std::size_t i);
  void on_connection_lost(std::size_t i, bool clean_eof, int err);
  void on_response_complete(std::size_t i, bool extra_bytes);
  void after_request(std::size_t i, bool ok);
  void end_outstanding(std::size_t i);
  void close_connection(std::size_t i);
  void set_write_interest(std::size_t i, bool want_write);
  void fatal(std::string message);

  // Records request_ended for slot i's attempt; final = this attempt decides the request.
  void record_end(std::size_t i, Outcome outcome, Reason reason, bool final, std::uint16_t status = 0,
                  std::int32_t pid = 0, std::string text = {});
  void record_sent(std::size_t i);

  const LoadConfig& config_;
  const RunClock& clock_;
  Counters& counters_;
  const std::atomic<std::int64_t>& stop_deadline_ns_;
  LoopbackAddress address_;
  std::string request_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::vector<Slot> slots_;
  EventLog events_;
  std::uint64_t next_request_id_ = 0;
  std::uint32_t next_connection_id_ = 0;
  bool stopping_ = false;
  std::int64_t drain_deadline_ns_ = 0;
  std::optional<std::string> error_;
};

LoadGenerator::Loop::Loop(const LoadConfig& config, const RunClock& clock, Counters& counters,
                          const std::atomic<std::int64_t>& stop_deadline_ns)
    : config_(config), clock_(clock), counters_(counters), stop_deadline_ns_(stop_deadline_ns) {
  // The constructor of LoadGenerator validated the host already.
  address_ = *loopback_address(config.host, config.port);
  request_ = "GET " + config.path + " HTTP/1.1\r\nHost: " + address_.host_header +
             "\r\nUser-Agent: hotdeploy\r\n\r\n";
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) {
    const int err = errno;
    ::close(epoll_fd_);
    throw std::system_error(err, std::generic_category(), "eventfd");
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kWakeToken;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev) != 0) {
    const int err = errno;
    ::close(wake_fd_);
    ::close(epoll_fd_);
    throw std::system_error(err, std::generic_category(), "epoll_ctl(eventfd)");
  }
  const auto n = static_cast<std::size_t>(config.keepalive.connections);
  slots_.reserve(n);
  for (std::size_t i = 0; i < n; ++i) slots_.emplace_back(config.limits);
  events_.reserve(config.reserve_events);
}

LoadGenerator::Loop::~Loop() {
  for (std::size_t i = 0; i < slots_.size(); ++i) close_connection(i);
  ::close(wake_fd_);
  ::close(epoll_fd_);
}

void LoadGenerator::Loop::wake() {
  const std::uint64_t one = 1;
  // A full counter (impossible in practice) still leaves the eventfd readable, which is all
  // the loop needs, so the result can be ignored.
  [[maybe_unused]] const auto n = ::write(wake_fd_, &one, sizeof one);
}

void LoadGenerator::Loop::run() {
  try {
    serve();
  } catch (const std::exception& e) {
    fatal(std::string("unexpected exception: ") + e.what());
  }
  for (std::size_t i = 0; i < slots_.size(); ++i) end_outstanding(i);
}

void LoadGenerator::Loop::serve() {
  for (std::size_t i = 0; i < slots_.size() && !error_; ++i) begin_new_request(i);
  std::array<epoll_event, kMaxEventsPerWait> ready{};
  while (true) {
    const std::int64_t now = clock_.now_ns();
    if (!stopping_ && stop_deadline_ns_.load(std::memory_order_acquire) >= 0) begin_stopping(now);
    if (error_) break;
    if (stopping_) {
      const bool outstanding = std::any_of(slots_.begin(), slots_.end(), [](const Slot& s) { return s.phase != Phase::done; });
      if (!outstanding || now >= drain_deadline_ns_) break;
    }
    expire_deadlines(now);
    if (error_) break;
    const int n = epoll_wait(epoll_fd_, ready.data(), static_cast<int>(ready.size()), wait_timeout_ms(now));
    if (n < 0) {
      if (errno == EINTR) continue;
      fatal(errno_text("epoll_wait", errno));
      break;
    }
    for (int k = 0; k < n && !error_; ++k) dispatch(ready[static_cast<std::size_t>(k)]);
  }
}

void LoadGenerator::Loop::begin_stopping(std::int64_t now) {
  stopping_ = true;
  drain_deadline_ns_ = std::max(now, stop_deadline_ns_.load(std::memory_order_acquire));
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    Slot& s = slots_[i];
    // A first attempt that is still connecting has recorded nothing: it is simply not made.
    const bool unsent = s.phase == Phase::connecting && s.attempt == 1;
    if (s.phase == Phase::idle || s.phase == Phase::backoff || unsent) {
      close_connection(i);
      s.phase = Phase::done;
    }
  }
}

void LoadGenerator::Loop::expire_deadlines(std::int64_t now) {
  for (std::size_t i = 0; i < slots_.size() && !error_; ++i) {
    Slot& s = slots_[i];
    if (now < s.deadline_ns) continue;
    switch (s.phase) {
      case Phase::connecting:
        close_connection(i);
        record_end(i, Outcome::fail, Reason::connect_timeout, true);
        after_request(i, false);
        break;
      case Phase::sending:
      case Phase::receiving:
        close_connection(i);
        record_end(i, Outcome::info, Reason::response_timeout, true);
        after_request(i, false);
        break;
      case Phase::backoff: begin_new_request(i); break;
      case Phase::idle:
      case Phase::done: break;
    }
  }
}

int LoadGenerator::Loop::wait_timeout_ms(std::int64_t now) const {
  std::int64_t earliest = now + kMaxWaitMs * 1'000'000;
  if (stopping_) earliest = std::min(earliest, drain_deadline_ns_);
  for (const Slot& s : slots_) {
    if (active(s) || s.phase == Phase::backoff) earliest = std::min(earliest, s.deadline_ns);
  }
  const std::int64_t ns = std::max<std::int64_t>(0, earliest - now);
  return static_cast<int>((ns + 999'999) / 1'000'000);  // round up: never wake before a deadline
}

void LoadGenerator::Loop::dispatch(const epoll_event& ev) {
  if (ev.data.u64 == kWakeToken) {
    std::uint64_t count = 0;
    [[maybe_unused]] const auto n = ::read(wake_fd_, &count, sizeof count);
    return;
  }
  const auto i = static_cast<std::size_t>(ev.data.u64 & 0xffffffffu);
  const auto connection_id = static_cast<std::uint32_t>(ev.data.u64 >> 32);
  const auto current = [&] { return slots_[i].fd >= 0 && slots_[i].connection_id == connection_id; };
  if (i >= slots_.size() || !current()) return;
  Slot& s = slots_[i];
  const bool readable = (ev.events & (EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLRDHUP)) != 0;
  switch (s.phase) {
    case Phase::connecting: on_connect_ready(i); return;
    case Phase::sending:
      if ((ev.events & EPOLLOUT) != 0) try_write(i);
      if (readable && current() && (s.phase == Phase::sending || s.phase == Phase::receiving)) on_readable(i);
      return;
    case Phase::receiving:
      if (readable) on_readable(i);
      return;
    case Phase::idle:
    case Phase::backoff:
      if (readable) on_idle_readable(i);
      return;
    case Phase::done: return;
  }
}

void LoadGenerator::Loop::begin_new_request(std::size_t i) {
  if (stopping_) {
    close_connection(i);
    slots_[i].phase = Phase::done;
    return;
  }
  begin_request(i, ++next_request_id_, 1);
}

void LoadGenerator::Loop::begin_request(std::size_t i, std::uint64_t request_id, std::uint8_t attempt) {
  Slot& s = slots_[i];
  s.request_id = request_id;
  s.attempt = attempt;
  s.first_byte_written = false;
  s.written = 0;
  s.response_bytes = 0;
  s.parser.reset();
  if (s.fd >= 0) {
    s.reused = s.served_before;
    start_send(i);
  } else {
    open_connection(i);
  }
}

void LoadGenerator::Loop::open_connection(std::size_t i) {
  Slot& s = slots_[i];
  const int fd = ::socket(address_.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    fatal(errno_text("socket", errno));
    return;
  }
  const int one = 1;
  if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) {
    const int err = errno;
    ::close(fd);
    fatal(errno_text("setsockopt(TCP_NODELAY)", err));
    return;
  }
  s.fd = fd;
  s.connection_id = ++next_connection_id_;
  s.served_before = false;
  s.reused = false;
  s.want_write = true;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
  ev.data.u64 = token(i, s.connection_id);
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    const int err = errno;
    close_connection(i);
    fatal(errno_text("epoll_ctl(ADD)", err));
    return;
  }
  if (::connect(fd, address_.address(), address_.length) == 0) {
    start_send(i);
  } else if (errno == EINPROGRESS) {
    s.phase = Phase::connecting;
    s.deadline_ns = clock_.now_ns() + to_ns(config_.connect_timeout);
  } else {
    connect_failed(i, errno);
  }
}

void LoadGenerator::Loop::on_connect_ready(std::size_t i) {
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(slots_[i].fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err == 0) {
    start_send(i);
  } else {
    connect_failed(i, err);
  }
}

void LoadGenerator::Loop::connect_failed(std::size_t i, int err) {
  close_connection(i);
  if (err == ECONNREFUSED) {
    record_end(i, Outcome::fail, Reason::refused, true);
  } else if (err == ETIMEDOUT) {
    record_end(i, Outcome::fail, Reason::connect_timeout, true);
  } else if (err == EADDRNOTAVAIL || err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
    // The client ran out of ports or descriptors: a harness problem, not the server's.
    fatal(errno_text("connect", err));
    return;
  } else {
    record_end(i, Outcome::fail, Reason::refused, true, 0, 0, errno_text("connect", err));
  }
  after_request(i, false);
}

void LoadGenerator::Loop::start_send(std::size_t i) {
  Slot& s = slots_[i];
  s.phase = Phase::sending;
  s.deadline_ns = clock_.now_ns() + to_ns(config_.response_timeout);
  try_write(i);
}

void LoadGenerator::Loop::try_write(std::size_t i) {
  Slot& s = slots_[i];
  while (s.written < request_.size()) {
    const ssize_t n = ::send(s.fd, request_.data() + s.written, request_.size() - s.written, MSG_NOSIGNAL);
    if (n > 0) {
      if (!s.first_byte_written) record_sent(i);
      s.written += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      set_write_interest(i, true);
      return;
    }
    on_connection_lost(i, false, n < 0 ? errno : EPIPE);
    return;
  }
  s.phase = Phase::receiving;
  set_write_interest(i, false);
}

void LoadGenerator::Loop::on_readable(std::size_t i) {
  Slot& s = slots_[i];
  const ssize_t n = ::recv(s.fd, s.buffer.get(), kReadBufferBytes, 0);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
    on_connection_lost(i, false, errno);
    return;
  }
  if (n == 0) {
    on_connection_lost(i, true, 0);
    return;
  }
  const auto received = static_cast<std::size_t>(n);
  s.response_bytes += received;
  const std::size_t consumed = s.parser.feed(std::string_view(s.buffer.get(), received));
  switch (s.parser.state()) {
    case ParseState::complete: on_response_complete(i, consumed < received); return;
    case ParseState::failed:
      close_connection(i);
      record_end(i, Outcome::fail, Reason::malformed_response, true, s.parser.status(), 0,
                 std::string(to_string(s.parser.error())));
      after_request(i, false);
      return;
    case ParseState::in_progress: return;
  }
}

void LoadGenerator::Loop::on_idle_readable(std::size_t i) {
  // Nothing is outstanding, so whatever arrives -- EOF, a reset, or stray bytes -- ends the
  // connection's usefulness; the next request opens a fresh one.
  close_connection(i);
}

void LoadGenerator::Loop::on_connection_lost(std::size_t i, bool clean_eof, int err) {
  Slot& s = slots_[i];
  close_connection(i);
  if (s.response_bytes == 0) {
    const bool fully_written = s.written == request_.size();
    const Reason first_attempt_reason = fully_written ? Reason::closed_without_response : Reason::reset_before_send;
    if (s.reused && s.attempt == 1) {
      // RFC 9112 §9.3.1: the connection died before any response byte; the GET is retried once.
      record_end(i, Outcome::fail, first_attempt_reason, false);
      begin_request(i, s.request_id, 2);
      return;
    }
    if (fully_written) {
      record_end(i, Outcome::info, Reason::reset_after_send, true);
    } else {
      record_end(i, Outcome::fail, Reason::reset_before_send, true, 0, 0,
                 err != 0 ? errno_text("send", err) : std::string("connection closed while sending"));
    }
    after_request(i, false);
    return;
  }
  if (clean_eof) {
    s.parser.finish();
    if (s.parser.state() == ParseState::complete) {
      on_response_complete(i, false);
      return;
    }
  }
  record_end(i, Outcome::info, Reason::truncated, true, s.parser.status());
  after_request(i, false);
}

void LoadGenerator::Loop::on_response_complete(std::size_t i, bool extra_bytes) {
  Slot& s = slots_[i];
  const std::uint16_t status = s.parser.status();
  const bool ok = status >= 200 && status <= 399;
  s.served_before = true;
  record_end(i, ok ? Outcome::ok : Outcome::fail, ok ? Reason::none : Reason::bad_status, true, status,
             s.parser.worker_pid().value_or(0));
  // Bytes beyond the response (nothing was asked for them) mean the stream cannot be trusted.
  if (!s.parser.keep_alive() || extra_bytes) close_connection(i);
  after_request(i, ok);
}

void LoadGenerator::Loop::after_request(std::size_t i, bool ok) {
  Slot& s = slots_[i];
  if (stopping_) {
    close_connection(i);
    s.phase = Phase::done;
    return;
  }
  if (ok) {
    begin_new_request(i);
    return;
  }
  // Through the deadline pass even when the backoff is zero, so that a synchronously failing
  // connect cannot recurse.
  s.phase = Phase::backoff;
  s.deadline_ns = clock_.now_ns() + to_ns(config_.failure_backoff);
}

void LoadGenerator::Loop::end_outstanding(std::size_t i) {
  Slot& s = slots_[i];
  const bool recorded_something = s.first_byte_written || s.attempt == 2;
  if ((s.phase == Phase::sending || s.phase == Phase::receiving) ||
      (s.phase == Phase::connecting && recorded_something)) {
    record_end(i, Outcome::info, Reason::load_stopped, true);
  }
  close_connection(i);
  s.phase = Phase::done;
}

void LoadGenerator::Loop::close_connection(std::size_t i) {
  Slot& s = slots_[i];
  if (s.fd < 0) return;
  // Closing the descriptor also removes it from the epoll set.
  ::close(s.fd);
  s.fd = -1;
  s.want_write = false;
  s.served_before = false;
}

void LoadGenerator::Loop::set_write_interest(std::size_t i, bool want_write) {
  Slot& s = slots_[i];
  if (s.fd < 0 || s.want_write == want_write) return;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | (want_write ? EPOLLOUT : 0u);
  ev.data.u64 = token(i, s.connection_id);
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, s.fd, &ev) != 0) {
    fatal(errno_text("epoll_ctl(MOD)", errno));
    return;
  }
  s.want_write = want_write;
}

void LoadGenerator::Loop::fatal(std::string message) {
  if (error_) return;
  spdlog::error("load generator stopped: {}", message);
  error_ = std::move(message);
}

void LoadGenerator::Loop::record_sent(std::size_t i) {
  Slot& s = slots_[i];
  s.first_byte_written = true;
  Event e;
  e.t_ns = clock_.now_ns();
  e.type = EventType::request_sent;
  e.request_id = s.request_id;
  e.connection_id = s.connection_id;
  e.attempt = s.attempt;
  e.kind = RequestKind::get;
  e.reused = s.reused;
  events_.append(std::move(e));
  counters_.sent.fetch_add(1, std::memory_order_relaxed);
  // The response timeout runs from the first byte written.
  s.deadline_ns = clock_.now_ns() + to_ns(config_.response_timeout);
}

void LoadGenerator::Loop::record_end(std::size_t i, Outcome outcome, Reason reason, bool final, std::uint16_t status,
                                     std::int32_t pid, std::string text) {
  const Slot& s = slots_[i];
  Event e;
  e.t_ns = clock_.now_ns();
  e.type = EventType::request_ended;
  e.request_id = s.request_id;
  e.connection_id = s.connection_id;
  e.attempt = s.attempt;
  e.kind = RequestKind::get;
  e.reused = s.reused;
  e.outcome = outcome;
  e.reason = reason;
  e.status = status;
  e.bytes = s.response_bytes;
  e.pid = pid;
  e.text = std::move(text);
  events_.append(std::move(e));
  if (!final) return;
  if (outcome == Outcome::ok) {
    counters_.ok.fetch_add(1, std::memory_order_relaxed);
    if (s.attempt == 2) counters_.retried.fetch_add(1, std::memory_order_relaxed);
  } else {
    counters_.dropped.fetch_add(1, std::memory_order_relaxed);
  }
}

LoadGenerator::LoadGenerator(LoadConfig config, const RunClock& clock) : config_(std::move(config)), clock_(clock) {
  if (!loopback_address(config_.host, config_.port)) {
    throw std::invalid_argument("load generator: host \"" + config_.host +
                                "\" is not a loopback address literal (127.0.0.0/8 or ::1)");
  }
  if (config_.port == 0) throw std::invalid_argument("load generator: port 0");
  if (config_.keepalive.connections < 0) {
    throw std::invalid_argument("load generator: negative keep-alive connection count");
  }
  if (!valid_request_target(config_.path)) {
    throw std::invalid_argument("load generator: path \"" + config_.path + "\" is not an absolute request target");
  }
}

LoadGenerator::~LoadGenerator() { stop(std::chrono::milliseconds{0}); }

void LoadGenerator::start() {
  if (started_) throw std::logic_error("LoadGenerator::start called twice");
  loop_ = std::make_unique<Loop>(config_, clock_, counters_, stop_deadline_ns_);
  thread_ = std::thread([this] { loop_->run(); });
  started_ = true;
}

void LoadGenerator::stop(std::chrono::milliseconds drain_timeout) {
  if (!started_ || stopped_) return;
  stop_deadline_ns_.store(clock_.now_ns() + to_ns(drain_timeout), std::memory_order_release);
  loop_->wake();
  thread_.join();
  stopped_ = true;
}

LoadProgress LoadGenerator::progress() const {
  return LoadProgress{counters_.sent.load(std::memory_order_relaxed), counters_.ok.load(std::memory_order_relaxed),
                      counters_.dropped.load(std::memory_order_relaxed),
                      counters_.retried.load(std::memory_order_relaxed)};
}

std::optional<std::string> LoadGenerator::error() const {
  if (!stopped_) return std::nullopt;
  return loop_->error();
}

EventLog LoadGenerator::take_events() {
  if (started_ && !stopped_) throw std::logic_error("LoadGenerator::take_events called while running");
  if (!loop_) return EventLog{};
  return loop_->take_events();
}

}  // namespace hotdeploy::harness
