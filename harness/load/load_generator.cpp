#include "harness/load/load_generator.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <iterator>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <system_error>
#include <utility>
#include <vector>

#include "harness/load/loopback_address.h"
#include "harness/load/tls_client.h"

namespace hotdeploy::harness {
namespace {

constexpr std::size_t kReadBufferBytes = 64 * 1024;
constexpr std::size_t kMaxEventsPerWait = 256;
constexpr std::int64_t kMaxWaitNs = 1'000'000'000;
constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();
constexpr std::uint64_t kWakeToken = ~std::uint64_t{0};

std::int64_t to_ns(std::chrono::milliseconds d) { return std::max<std::int64_t>(0, d.count()) * 1'000'000; }

std::string errno_text(const char* what, int err) { return std::string(what) + ": " + std::strerror(err); }

// epoll user data: the slot index and the id of the TCP connection the registration is for, so
// an event for a connection that was closed earlier in the same batch is recognised as stale.
std::uint64_t token(std::size_t slot, std::uint32_t connection_id) {
  return (static_cast<std::uint64_t>(connection_id) << 32) | static_cast<std::uint32_t>(slot);
}

// The traffic a connection slot carries (load_config.h). idle_post is post's keep-alive form:
// idle's closed loop, sending POST /echo.
enum class Traffic : std::uint8_t { keepalive, idle, idle_post, held, rate, post };
constexpr std::size_t kTrafficKinds = 6;

bool open_loop(Traffic t) { return t == Traffic::rate || t == Traffic::post; }
// A closed loop that pauses for `every` after each ok response.
bool paced(Traffic t) { return t == Traffic::idle || t == Traffic::idle_post; }
RequestKind kind_of(Traffic t) {
  switch (t) {
    case Traffic::held: return RequestKind::held;
    case Traffic::idle_post:
    case Traffic::post: return RequestKind::post;
    default: return RequestKind::get;
  }
}

// The part of the traffic one loop carries: its keep-alive connections (the run's keep-alive
// connections keepalive_first.. keepalive_first + keepalive - 1), and (the first loop only) every
// other kind of traffic.
struct LoopShare {
  int keepalive = 0;
  int keepalive_first = 0;
  bool others = false;
  std::size_t reserve_events = 0;
};

// The mix's generator stream of a traffic kind's k-th connection slot (k = kOpenLoopStream: the
// kind's open-loop schedule), so each connection's sequence of requests is its own.
constexpr std::uint64_t kOpenLoopStream = 0xffffffffULL;
std::uint64_t stream_of(Traffic t, std::uint64_t k) { return (static_cast<std::uint64_t>(t) << 32) | k; }

// hotdeploy's own request of a traffic kind, in the form of a mix request.
MixRequest own_request(Traffic t, const LoadConfig& config) {
  MixRequest r;
  switch (t) {
    case Traffic::held: r.target = held_target(config.held); break;
    case Traffic::post:
    case Traffic::idle_post:
      r.method = "POST";
      r.target = "/echo";
      r.headers = {{"Content-Type", "text/plain"}};
      r.body = std::string(kPostBody);
      break;
    default: r.target = config.path; break;
  }
  return r;
}

}  // namespace

// One event loop and everything it owns. Only the loop thread touches it between start() and
// the join in stop(), but for its event log, which take_events_while_running() may swap under
// events_mutex_; the LoadGenerator reads the rest again only after the join.
class LoadGenerator::Loop {
 public:
  Loop(const LoadConfig& config, const RunClock& clock, Counters& counters, Shared& shared, const LoopShare& share);
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  // The thread body: serve() until stopped or a fatal error, then end what is outstanding.
  void run();
  void wake();
  [[nodiscard]] const std::optional<std::string>& error() const { return error_; }
  // Hands over the events recorded so far and goes on with `fresh` (reserved by the caller, so
  // that the loop allocates nothing for it).
  [[nodiscard]] EventLog take_events(EventLog fresh = {}) {
    const std::lock_guard lock(events_mutex_);
    return std::exchange(events_, std::move(fresh));
  }

 private:
  // free: an open-loop slot with nothing to do; waiting: a closed-loop slot pausing (idle
  // traffic's `every`, or failure_backoff) until deadline_ns; idle: transiently between requests;
  // handshaking: connected, in the TLS handshake (still under the connect deadline).
  enum class Phase : std::uint8_t { idle, free, waiting, connecting, handshaking, sending, receiving, done };

  // One client connection slot: a closed loop of requests over one TCP connection at a time, or
  // (open loop) one request at a time, each on a new connection.
  struct Slot {
    Slot(Traffic t, const HttpParserLimits& limits, char* line_storage) : traffic(t), parser(limits, line_storage) {}
    Traffic traffic;
    std::uint32_t picker = 0;          // index in pickers_ of the mix's generator this slot draws from
    std::uint16_t connected_port = 0;  // the open connection's port
    int fd = -1;
    std::uint32_t connection_id = 0;
    bool served_before = false;  // this TCP connection has delivered a complete response
    bool want_write = false;     // EPOLLOUT is in the registration
    Phase phase = Phase::idle;
    std::int64_t deadline_ns = kNever;  // the nearest of the phase's deadlines
    std::int64_t first_byte_deadline_ns = kNever;
    std::int64_t total_deadline_ns = kNever;
    // the request attempt in progress
    std::uint64_t request_id = 0;
    std::int64_t start_ns = 0;  // latency origin (intended send time for open-loop traffic)
    std::uint8_t attempt = 1;
    bool reused = false;
    bool first_byte_written = false;
    std::size_t written = 0;
    std::uint64_t response_bytes = 0;
    // which request of the mix (-1: hotdeploy's own), and its bytes: head, the request id, tail
    std::int32_t mix = -1;
    const RequestBytes* bytes = nullptr;
    std::array<char, 20> id_text{};
    std::uint8_t id_len = 0;
    std::size_t request_size = 0;
    // connect() start of the open TCP connection until its first request byte is written, which
    // records the connect time; -1 after that, and while no connection is open
    std::int64_t connect_start_ns = -1;
    HttpResponseParser parser;
    TlsConnection tls;  // open while a TLS connection is
    // how the open connection's handshake went, until its first request_sent records it
    TlsHandshake handshake = TlsHandshake::none;
  };

  // The schedule of one open-loop traffic kind and its free slots (a stack, so that the same
  // few slots -- and their parser buffers -- are reused at low rates).
  struct Schedule {
    Traffic traffic = Traffic::rate;
    std::uint32_t picker = 0;
    std::int64_t interval_ns = 0;
    std::int64_t next_due_ns = 0;
    std::vector<std::uint32_t> free;
  };

  [[nodiscard]] static bool active(const Slot& s) {
    return s.phase == Phase::connecting || s.phase == Phase::handshaking || s.phase == Phase::sending ||
           s.phase == Phase::receiving;
  }
  [[nodiscard]] RequestKind kind_of(const Slot& s) const {
    if (s.mix < 0) return harness::kind_of(s.traffic);
    if (!mix_idempotent_[static_cast<std::size_t>(s.mix)]) return RequestKind::post;
    return s.traffic == Traffic::held ? RequestKind::held : RequestKind::get;
  }
  [[nodiscard]] const LoopbackAddress& address_for(const Slot& s) const {
    return s.mix < 0 ? address_ : mix_addresses_[static_cast<std::size_t>(s.mix)];
  }
  [[nodiscard]] std::uint16_t port_for(const Slot& s) const {
    return s.mix < 0 ? config_.port : mix_ports_[static_cast<std::size_t>(s.mix)];
  }
  // Whether the response's status is one the request expects.
  [[nodiscard]] bool expected(const Slot& s, std::uint16_t status) const {
    if (s.mix < 0) return status >= 200 && status <= 399;
    return status_expected(config_.requests[static_cast<std::size_t>(s.mix)], status);
  }

  void add_slots(Traffic traffic, int count);
  void serve();
  void begin_stopping(std::int64_t now);
  void launch_due(std::int64_t now);
  void expire_deadlines(std::int64_t now);
  [[nodiscard]] std::int64_t wait_until(std::int64_t now) const;
  void set_deadline(Slot& s, std::int64_t deadline_ns);
  // The first-byte and total timeouts of the attempt in progress, counted from from_ns.
  void arm_timeouts(Slot& s, std::int64_t from_ns);
  void dispatch(const epoll_event& ev);

  void begin_new_request(std::size_t i, std::int64_t start_ns);
  void begin_request(std::size_t i, std::uint64_t request_id, std::uint8_t attempt);
  void open_connection(std::size_t i);
  void on_connect_ready(std::size_t i);
  void connect_failed(std::size_t i, int err);
  // The TCP connection is up: the TLS handshake begins, or (plaintext) the request goes out.
  void connected(std::size_t i);
  void continue_handshake(std::size_t i);
  void handshake_failed(std::size_t i, std::string text);
  // One read from the connection into read_buffer_: bytes (> 0), 0 at end of stream, or -1 with
  // errno set (EAGAIN when the socket or the TLS layer has nothing more yet).
  [[nodiscard]] ssize_t receive(std::size_t i);
  // Whatever arrived on a connection with nothing outstanding: true if it may stay open (TLS
  // messages that carry no data, such as session tickets).
  [[nodiscard]] bool idle_input_harmless(std::size_t i);
  void start_send(std::size_t i);
  void try_write(std::size_t i);
  void on_readable(std::size_t i);
  void read_once(std::size_t i);
  void on_connection_lost(std::size_t i, bool clean_eof, int err);
  void on_response_complete(std::size_t i, bool extra_bytes);
  void after_request(std::size_t i, bool ok);
  void release(std::size_t i);
  void end_outstanding(std::size_t i);
  void close_connection(std::size_t i);
  void set_write_interest(std::size_t i, bool want_write);
  void fatal(std::string message);
  // The text of a request_ended for an expired timeout: which one, and how long it was.
  [[nodiscard]] std::string timeout_text(Reason reason, const Slot& s) const;

  // Records request_ended for slot i's attempt; final = this attempt decides the request.
  void record_end(std::size_t i, Outcome outcome, Reason reason, bool final, std::uint16_t status = 0,
                  std::int32_t pid = 0, std::string text = {});
  void record_sent(std::size_t i);
  // A request event of slot `s`'s current attempt, stamped now: the fields both ends share.
  [[nodiscard]] Event request_event(const Slot& s, EventType type) const;

  const LoadConfig& config_;
  const RunClock& clock_;
  Counters& counters_;
  Shared& shared_;
  LoopbackAddress address_;
  std::unique_ptr<TlsClientContext> tls_;                 // when LoadConfig::tls is enabled
  std::string tls_write_buffer_;                          // a TLS request's three pieces in one record
  std::array<RequestBytes, kTrafficKinds> own_requests_;  // hotdeploy's own request of each traffic kind
  // The mix (LoadConfig::requests): each request's bytes, address and idempotence, and the
  // generators that choose among them (one per closed-loop slot, one per open-loop schedule).
  std::vector<RequestBytes> mix_requests_;
  std::vector<LoopbackAddress> mix_addresses_;
  std::vector<std::uint16_t> mix_ports_;
  std::vector<bool> mix_idempotent_;
  std::vector<std::uint64_t> cumulative_weights_;
  std::vector<MixPicker> pickers_;
  int keepalive_first_ = 0;
  std::int64_t held_extra_ns_ = 0;  // held responses get this much longer in total
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::unique_ptr<char[]> read_buffer_;
  ssize_t last_read_ = 0;                 // what read_once() last received
  std::unique_ptr<char[]> line_storage_;  // one parser line buffer per slot, touched only as used
  std::size_t line_stride_ = 0;
  std::vector<Slot> slots_;
  std::array<Schedule, 2> schedules_;  // rate, post
  std::size_t schedule_count_ = 0;
  std::int64_t next_deadline_ns_ = kNever;  // no slot deadline is earlier than this
  void record(Event e) {
    const std::lock_guard lock(events_mutex_);
    events_.append(std::move(e));
  }

  std::mutex events_mutex_;  // uncontended but while take_events() swaps the log
  EventLog events_;
  std::int64_t last_end_ns_ = 0;  // t_ns of the last request_ended recorded
  bool stopping_ = false;
  std::int64_t drain_deadline_ns_ = 0;
  std::optional<std::string> error_;
};

LoadGenerator::Loop::Loop(const LoadConfig& config, const RunClock& clock, Counters& counters, Shared& shared,
                          const LoopShare& share)
    : config_(config), clock_(clock), counters_(counters), shared_(shared) {
  // The constructor of LoadGenerator validated the configuration already.
  address_ = *loopback_address(config.host, config.port);
  if (config.tls.enabled) tls_ = std::make_unique<TlsClientContext>(config.tls);
  keepalive_first_ = share.keepalive_first;
  for (std::size_t t = 0; t < kTrafficKinds; ++t) {
    own_requests_[t] = request_bytes(own_request(static_cast<Traffic>(t), config), address_.host_header);
  }
  for (const MixRequest& r : config.requests) {
    mix_requests_.push_back(request_bytes(r, address_.host_header));
    mix_ports_.push_back(r.port != 0 ? r.port : config.port);
    mix_addresses_.push_back(*loopback_address(config.host, mix_ports_.back()));
    mix_idempotent_.push_back(idempotent(r.method));
  }
  cumulative_weights_ = cumulative_weights(config.requests);
  held_extra_ns_ = static_cast<std::int64_t>(std::ceil(config.held.seconds * 1e9));

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

  const auto count = [](int n) { return static_cast<std::size_t>(std::max(0, n)); };
  const std::size_t total =
      count(share.keepalive) +
      (share.others ? count(config.idle.connections) + count(config.post.connections) + count(config.held.connections) +
                          (config.rate.per_second > 0 ? count(config.rate.max_in_flight) : 0) +
                          (config.post.per_second > 0 ? count(config.post.max_in_flight) : 0)
                    : 0);
  read_buffer_ = std::make_unique_for_overwrite<char[]>(kReadBufferBytes);
  line_stride_ = config.limits.max_line_bytes + 1;
  line_storage_ = std::make_unique_for_overwrite<char[]>(std::max<std::size_t>(1, total * line_stride_));
  slots_.reserve(total);
  pickers_.reserve(config.requests.empty() ? 0 : total + 2);
  add_slots(Traffic::keepalive, share.keepalive);
  if (share.others) {
    add_slots(Traffic::idle, config.idle.connections);
    add_slots(Traffic::idle_post, config.post.connections);
    add_slots(Traffic::held, config.held.connections);
    if (config.rate.per_second > 0) add_slots(Traffic::rate, config.rate.max_in_flight);
    if (config.post.per_second > 0) add_slots(Traffic::post, config.post.max_in_flight);
  }
  events_.reserve(share.reserve_events);
}

void LoadGenerator::Loop::add_slots(Traffic traffic, int count) {
  Schedule* schedule = nullptr;
  if (open_loop(traffic)) {
    schedule = &schedules_[schedule_count_++];
    const double per_second = traffic == Traffic::rate ? config_.rate.per_second : config_.post.per_second;
    schedule->traffic = traffic;
    schedule->picker = static_cast<std::uint32_t>(pickers_.size());
    if (!config_.requests.empty())
      pickers_.emplace_back(&cumulative_weights_, config_.seed, stream_of(traffic, kOpenLoopStream));
    schedule->interval_ns = std::max<std::int64_t>(1, static_cast<std::int64_t>(1e9 / per_second));
    schedule->free.reserve(static_cast<std::size_t>(count));
  }
  for (int k = 0; k < count; ++k) {
    const std::size_t i = slots_.size();
    slots_.emplace_back(traffic, config_.limits, line_storage_.get() + i * line_stride_);
    if (!config_.requests.empty()) {
      if (schedule != nullptr) {
        slots_.back().picker = schedule->picker;
      } else {
        // Keep-alive connection k of the run draws from stream k whichever loop carries it.
        const int stream = traffic == Traffic::keepalive ? keepalive_first_ + k : k;
        slots_.back().picker = static_cast<std::uint32_t>(pickers_.size());
        pickers_.emplace_back(&cumulative_weights_, config_.seed,
                              stream_of(traffic, static_cast<std::uint64_t>(stream)));
      }
    }
    if (schedule != nullptr) {
      slots_.back().phase = Phase::free;
      // Pushed in reverse, so that the first slots are taken first.
      schedule->free.insert(schedule->free.begin(), static_cast<std::uint32_t>(i));
    }
  }
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
  const std::int64_t start = clock_.now_ns();
  for (std::size_t k = 0; k < schedule_count_; ++k) schedules_[k].next_due_ns = start;
  // Held connection k of n waits k * seconds / n before its first request, unless they start
  // together; the wait runs through the deadline pass, as a paced slot's pause.
  const std::int64_t held_stagger_ns =
      config_.held.start_together || config_.held.connections < 2 ? 0 : held_extra_ns_ / config_.held.connections;
  std::int64_t held_seen = 0;
  for (std::size_t i = 0; i < slots_.size() && !error_; ++i) {
    Slot& s = slots_[i];
    if (open_loop(s.traffic)) continue;
    const std::int64_t delay_ns = s.traffic == Traffic::held ? held_seen++ * held_stagger_ns : 0;
    if (delay_ns > 0) {
      s.phase = Phase::waiting;
      set_deadline(s, start + delay_ns);
    } else {
      begin_new_request(i, clock_.now_ns());
    }
  }
  std::array<epoll_event, kMaxEventsPerWait> ready{};
  while (true) {
    std::int64_t now = clock_.now_ns();
    if (!stopping_ && shared_.stop_deadline_ns.load(std::memory_order_acquire) >= 0) begin_stopping(now);
    if (error_) break;
    if (stopping_) {
      const bool outstanding =
          std::any_of(slots_.begin(), slots_.end(), [](const Slot& s) { return s.phase != Phase::done; });
      if (!outstanding || now >= drain_deadline_ns_) break;
    }
    if (now >= next_deadline_ns_) expire_deadlines(now);
    if (error_) break;
    launch_due(now);
    if (error_) break;
    now = clock_.now_ns();
    const std::int64_t wait_ns = std::max<std::int64_t>(0, wait_until(now) - now);
    const timespec timeout{static_cast<time_t>(wait_ns / 1'000'000'000), static_cast<long>(wait_ns % 1'000'000'000)};
    const int n = epoll_pwait2(epoll_fd_, ready.data(), static_cast<int>(ready.size()), &timeout, nullptr);
    if (n < 0) {
      if (errno == EINTR) continue;
      fatal(errno_text("epoll_pwait2", errno));
      break;
    }
    for (int k = 0; k < n && !error_; ++k) dispatch(ready[static_cast<std::size_t>(k)]);
  }
}

void LoadGenerator::Loop::begin_stopping(std::int64_t now) {
  stopping_ = true;
  drain_deadline_ns_ = std::max(now, shared_.stop_deadline_ns.load(std::memory_order_acquire));
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    Slot& s = slots_[i];
    // A first attempt that is still connecting has recorded nothing: it is simply not made.
    const bool unsent = (s.phase == Phase::connecting || s.phase == Phase::handshaking) && s.attempt == 1;
    if (s.phase == Phase::idle || s.phase == Phase::free || s.phase == Phase::waiting || unsent) {
      close_connection(i);
      s.phase = Phase::done;
    }
  }
}

void LoadGenerator::Loop::launch_due(std::int64_t now) {
  if (stopping_) return;
  for (std::size_t k = 0; k < schedule_count_; ++k) {
    Schedule& schedule = schedules_[k];
    // Bounded by the free slots: each pass takes one.
    while (schedule.next_due_ns <= now && !schedule.free.empty() && !error_) {
      const std::size_t i = schedule.free.back();
      schedule.free.pop_back();
      const std::int64_t intended = schedule.next_due_ns;
      schedule.next_due_ns += schedule.interval_ns;
      begin_new_request(i, intended);
    }
  }
}

void LoadGenerator::Loop::expire_deadlines(std::int64_t now) {
  std::int64_t earliest = kNever;
  for (std::size_t i = 0; i < slots_.size() && !error_; ++i) {
    Slot& s = slots_[i];
    if (now >= s.deadline_ns) {
      switch (s.phase) {
        case Phase::connecting:
          close_connection(i);
          record_end(i, Outcome::fail, Reason::connect_timeout, true, 0, 0, timeout_text(Reason::connect_timeout, s));
          after_request(i, false);
          break;
        case Phase::handshaking:
          handshake_failed(i, "TLS handshake not finished within the connect timeout " +
                                  std::to_string(config_.connect_timeout.count()) + "ms");
          break;
        case Phase::sending:
        case Phase::receiving: {
          const bool first_byte = s.response_bytes == 0 && s.first_byte_deadline_ns <= s.total_deadline_ns;
          const Reason reason = first_byte ? Reason::first_byte_timeout : Reason::response_timeout;
          close_connection(i);
          record_end(i, Outcome::info, reason, true, 0, 0, timeout_text(reason, s));
          after_request(i, false);
          break;
        }
        case Phase::waiting: begin_new_request(i, now); break;
        case Phase::idle:
        case Phase::free:
        case Phase::done: s.deadline_ns = kNever; break;
      }
    }
    if (active(s) || s.phase == Phase::waiting) earliest = std::min(earliest, s.deadline_ns);
  }
  next_deadline_ns_ = earliest;
}

std::int64_t LoadGenerator::Loop::wait_until(std::int64_t now) const {
  std::int64_t earliest = std::min(now + kMaxWaitNs, next_deadline_ns_);
  if (stopping_) return std::min(earliest, drain_deadline_ns_);
  for (std::size_t k = 0; k < schedule_count_; ++k) {
    if (!schedules_[k].free.empty()) earliest = std::min(earliest, schedules_[k].next_due_ns);
  }
  return earliest;
}

void LoadGenerator::Loop::set_deadline(Slot& s, std::int64_t deadline_ns) {
  s.deadline_ns = deadline_ns;
  next_deadline_ns_ = std::min(next_deadline_ns_, deadline_ns);
}

void LoadGenerator::Loop::dispatch(const epoll_event& ev) {
  if (ev.data.u64 == kWakeToken) {
    std::uint64_t count = 0;
    [[maybe_unused]] const auto n = ::read(wake_fd_, &count, sizeof count);
    return;
  }
  const auto i = static_cast<std::size_t>(ev.data.u64 & 0xffffffffu);
  const auto connection_id = static_cast<std::uint32_t>(ev.data.u64 >> 32);
  if (i >= slots_.size()) return;
  const auto current = [&] { return slots_[i].fd >= 0 && slots_[i].connection_id == connection_id; };
  if (!current()) return;
  Slot& s = slots_[i];
  const bool readable = (ev.events & (EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLRDHUP)) != 0;
  switch (s.phase) {
    case Phase::connecting: on_connect_ready(i); return;
    case Phase::handshaking: continue_handshake(i); return;
    case Phase::sending:
      if ((ev.events & EPOLLOUT) != 0) try_write(i);
      if (readable && current() && (s.phase == Phase::sending || s.phase == Phase::receiving)) on_readable(i);
      return;
    case Phase::receiving:
      if (readable) on_readable(i);
      return;
    case Phase::idle:
    case Phase::waiting:
      // Nothing is outstanding, so whatever arrives -- EOF, a reset, or stray bytes -- ends the
      // connection's usefulness; the next request opens a fresh one. A TLS session ticket is
      // not data: it keeps the connection.
      if (readable && !idle_input_harmless(i)) close_connection(i);
      return;
    case Phase::free:
    case Phase::done: return;
  }
}

void LoadGenerator::Loop::begin_new_request(std::size_t i, std::int64_t start_ns) {
  if (stopping_) {
    close_connection(i);
    slots_[i].phase = Phase::done;
    return;
  }
  Slot& s = slots_[i];
  s.start_ns = start_ns;
  if (!pickers_.empty()) s.mix = static_cast<std::int32_t>(pickers_[s.picker].next());
  s.bytes =
      s.mix < 0 ? &own_requests_[static_cast<std::size_t>(s.traffic)] : &mix_requests_[static_cast<std::size_t>(s.mix)];
  begin_request(i, shared_.last_request_id.fetch_add(1, std::memory_order_relaxed) + 1, 1);
}

void LoadGenerator::Loop::begin_request(std::size_t i, std::uint64_t request_id, std::uint8_t attempt) {
  Slot& s = slots_[i];
  s.request_id = request_id;
  s.attempt = attempt;
  s.first_byte_written = false;
  s.written = 0;
  s.response_bytes = 0;
  const auto id_end = std::to_chars(s.id_text.data(), s.id_text.data() + s.id_text.size(), request_id).ptr;
  s.id_len = static_cast<std::uint8_t>(id_end - s.id_text.data());
  s.request_size = s.bytes->head.size() + s.id_len + s.bytes->tail.size();
  s.parser.reset(s.mix >= 0 && config_.requests[static_cast<std::size_t>(s.mix)].method == "HEAD");
  // A keep-alive connection to another port than this request's cannot carry it.
  if (s.fd >= 0 && s.connected_port != port_for(s)) close_connection(i);
  if (s.fd >= 0) {
    s.reused = s.served_before;
    start_send(i);
  } else {
    open_connection(i);
  }
}

void LoadGenerator::Loop::open_connection(std::size_t i) {
  Slot& s = slots_[i];
  const LoopbackAddress& address = address_for(s);
  const int fd = ::socket(address.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
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
  s.connected_port = port_for(s);
  s.connection_id = shared_.last_connection_id.fetch_add(1, std::memory_order_relaxed) + 1;
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
  // The one clock read of a connect: the connect time is measured from here to the first byte
  // written, whose request_sent reads the clock anyway.
  s.connect_start_ns = clock_.now_ns();
  if (::connect(fd, address.address(), address.length) == 0) {
    connected(i);
  } else if (errno == EINPROGRESS) {
    s.phase = Phase::connecting;
    set_deadline(s, s.connect_start_ns + to_ns(config_.connect_timeout));
  } else {
    connect_failed(i, errno);
  }
}

void LoadGenerator::Loop::on_connect_ready(std::size_t i) {
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(slots_[i].fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err == 0) {
    connected(i);
  } else {
    connect_failed(i, err);
  }
}

void LoadGenerator::Loop::connected(std::size_t i) {
  if (!tls_) {
    start_send(i);
    return;
  }
  Slot& s = slots_[i];
  s.tls = tls_->connect(s.fd);
  s.phase = Phase::handshaking;
  // A connect that succeeded at once set no deadline: the handshake still has the connect's.
  set_deadline(s, s.connect_start_ns + to_ns(config_.connect_timeout));
  continue_handshake(i);
}

void LoadGenerator::Loop::continue_handshake(std::size_t i) {
  Slot& s = slots_[i];
  switch (s.tls.handshake()) {
    case TlsStatus::done:
      s.handshake = s.tls.resumed() ? TlsHandshake::resumed : TlsHandshake::full;
      start_send(i);
      return;
    case TlsStatus::want_read: set_write_interest(i, false); return;
    case TlsStatus::want_write: set_write_interest(i, true); return;
    case TlsStatus::closed: handshake_failed(i, "connection closed during the TLS handshake"); return;
    case TlsStatus::failed: handshake_failed(i, "TLS handshake: " + s.tls.error()); return;
  }
}

void LoadGenerator::Loop::handshake_failed(std::size_t i, std::string text) {
  close_connection(i);
  record_end(i, Outcome::fail, Reason::tls_handshake, true, 0, 0, std::move(text));
  after_request(i, false);
}

ssize_t LoadGenerator::Loop::receive(std::size_t i) {
  Slot& s = slots_[i];
  if (!s.tls.open()) return ::recv(s.fd, read_buffer_.get(), kReadBufferBytes, 0);
  std::size_t n = 0;
  switch (s.tls.read(read_buffer_.get(), kReadBufferBytes, n)) {
    case TlsStatus::done: return static_cast<ssize_t>(n);
    case TlsStatus::closed: return 0;
    // A write the TLS layer wants (a key update's answer) goes out with the next read.
    case TlsStatus::want_read:
    case TlsStatus::want_write: errno = EAGAIN; return -1;
    case TlsStatus::failed: errno = ECONNRESET; return -1;
  }
  return -1;
}

bool LoadGenerator::Loop::idle_input_harmless(std::size_t i) {
  if (!slots_[i].tls.open()) return false;
  return receive(i) < 0 && errno == EAGAIN;
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
  try_write(i);
  // Usually the first byte went out and record_sent() armed the timeouts; if the socket took
  // nothing yet, they run from now.
  if (s.phase == Phase::sending && !s.first_byte_written) arm_timeouts(s, clock_.now_ns());
}

void LoadGenerator::Loop::arm_timeouts(Slot& s, std::int64_t from_ns) {
  s.first_byte_deadline_ns = from_ns + to_ns(config_.first_byte_timeout);
  s.total_deadline_ns = from_ns + to_ns(config_.response_timeout) + (s.traffic == Traffic::held ? held_extra_ns_ : 0);
  set_deadline(s, std::min(s.first_byte_deadline_ns, s.total_deadline_ns));
}

void LoadGenerator::Loop::try_write(std::size_t i) {
  Slot& s = slots_[i];
  while (s.written < s.request_size && s.tls.open()) {
    // The whole request in one buffer, so that it leaves in one TLS record; a repeated write
    // rebuilds the same bytes (OpenSSL accepts the moved buffer).
    tls_write_buffer_.assign(s.bytes->head);
    tls_write_buffer_.append(s.id_text.data(), s.id_len);
    tls_write_buffer_.append(s.bytes->tail);
    std::size_t n = 0;
    switch (s.tls.write(tls_write_buffer_.data() + s.written, tls_write_buffer_.size() - s.written, n)) {
      case TlsStatus::done:
        if (!s.first_byte_written) record_sent(i);
        s.written += n;
        continue;
      case TlsStatus::want_write: set_write_interest(i, true); return;
      case TlsStatus::want_read: set_write_interest(i, false); return;
      case TlsStatus::closed:
      case TlsStatus::failed: on_connection_lost(i, false, EPIPE); return;
    }
  }
  while (s.written < s.request_size) {
    // The request is three pieces, head, id and tail: send what is left of them in one call.
    const std::array<std::string_view, 3> pieces = {s.bytes->head, std::string_view(s.id_text.data(), s.id_len),
                                                    s.bytes->tail};
    std::array<iovec, 3> iov{};
    std::size_t parts = 0;
    std::size_t skip = s.written;
    for (const std::string_view piece : pieces) {
      if (skip >= piece.size()) {
        skip -= piece.size();
        continue;
      }
      iov[parts++] = {const_cast<char*>(piece.data() + skip), piece.size() - skip};
      skip = 0;
    }
    msghdr message{};
    message.msg_iov = iov.data();
    message.msg_iovlen = parts;
    const ssize_t n = ::sendmsg(s.fd, &message, MSG_NOSIGNAL);
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
  // The TLS layer may hold decrypted bytes the socket no longer signals: read until it wants
  // more from the socket, or the response ends.
  const std::uint32_t connection = s.connection_id;
  do {
    read_once(i);
  } while (s.tls.open() && s.connection_id == connection && s.phase == Phase::receiving && last_read_ > 0);
}

void LoadGenerator::Loop::read_once(std::size_t i) {
  Slot& s = slots_[i];
  const ssize_t n = receive(i);
  last_read_ = n;
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
  if (s.response_bytes == 0) s.deadline_ns = s.total_deadline_ns;  // later: the cached earliest stays valid
  s.response_bytes += received;
  const std::size_t consumed = s.parser.feed(std::string_view(read_buffer_.get(), received));
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

void LoadGenerator::Loop::on_connection_lost(std::size_t i, bool clean_eof, int err) {
  Slot& s = slots_[i];
  close_connection(i);
  if (s.response_bytes == 0) {
    const bool fully_written = s.written == s.request_size;
    const Reason first_attempt_reason = fully_written ? Reason::closed_without_response : Reason::reset_before_send;
    const bool post = kind_of(s) == RequestKind::post;
    if (s.reused && s.attempt == 1 && !post) {
      // RFC 9112 §9.3.1: the connection died before any response byte; the GET is retried once.
      record_end(i, Outcome::fail, first_attempt_reason, false);
      begin_request(i, s.request_id, 2);
      return;
    }
    if (s.reused && post && fully_written) {
      // The same keep-alive close race, but a POST must not be retried: it is lost, and whether
      // the server acted on it the client cannot know (Jepsen's indeterminate, info).
      record_end(i, Outcome::info, Reason::closed_without_response, true);
    } else if (fully_written) {
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
  const std::int32_t pid = s.parser.worker_pid().value_or(0);
  s.served_before = true;
  const bool ok = expected(s, status);
  if (!ok) {
    // A gateway's 502 or 504 may come after the upstream acted on the request: unknown (info).
    const Reason reason = reason_for_status(status);
    record_end(i, reason == Reason::bad_status ? Outcome::fail : Outcome::info, reason, true, status, pid);
  } else if (s.traffic == Traffic::held && s.mix < 0 && s.parser.body_bytes() != config_.held.bytes) {
    record_end(i, Outcome::fail, Reason::wrong_body_size, true, status, pid);
  } else {
    record_end(i, Outcome::ok, Reason::none, true, status, pid);
  }
  // Bytes beyond the response (nothing was asked for them) mean the stream cannot be trusted.
  if (!s.parser.keep_alive() || extra_bytes || open_loop(s.traffic)) close_connection(i);
  after_request(i, ok);
}

void LoadGenerator::Loop::after_request(std::size_t i, bool ok) {
  Slot& s = slots_[i];
  if (stopping_) {
    close_connection(i);
    s.phase = Phase::done;
    return;
  }
  if (open_loop(s.traffic)) {
    release(i);
    return;
  }
  if (ok && !paced(s.traffic)) {
    // The next request begins as this one's end was stamped: no second clock read.
    begin_new_request(i, last_end_ns_);
    return;
  }
  // Through the deadline pass even when the pause is zero, so that a synchronously failing
  // connect cannot recurse.
  s.phase = Phase::waiting;
  const auto every = s.traffic == Traffic::idle_post ? config_.post.every : config_.idle.every;
  set_deadline(s, clock_.now_ns() + to_ns(ok ? every : config_.failure_backoff));
}

void LoadGenerator::Loop::release(std::size_t i) {
  Slot& s = slots_[i];
  close_connection(i);
  s.phase = Phase::free;
  s.deadline_ns = kNever;
  for (std::size_t k = 0; k < schedule_count_; ++k) {
    if (schedules_[k].traffic == s.traffic) schedules_[k].free.push_back(static_cast<std::uint32_t>(i));
  }
}

void LoadGenerator::Loop::end_outstanding(std::size_t i) {
  Slot& s = slots_[i];
  const bool recorded_something = s.first_byte_written || s.attempt == 2;
  if ((s.phase == Phase::sending || s.phase == Phase::receiving) ||
      ((s.phase == Phase::connecting || s.phase == Phase::handshaking) && recorded_something)) {
    record_end(i, Outcome::info, Reason::load_stopped, true);
  }
  close_connection(i);
  s.phase = Phase::done;
}

void LoadGenerator::Loop::close_connection(std::size_t i) {
  Slot& s = slots_[i];
  if (s.fd < 0) return;
  s.tls.close();
  s.handshake = TlsHandshake::none;
  // Closing the descriptor also removes it from the epoll set.
  ::close(s.fd);
  s.fd = -1;
  s.want_write = false;
  s.served_before = false;
  s.connect_start_ns = -1;
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

std::string LoadGenerator::Loop::timeout_text(Reason reason, const Slot& s) const {
  const auto ms = [](std::chrono::milliseconds d) { return std::to_string(d.count()) + "ms"; };
  switch (reason) {
    case Reason::connect_timeout: return "connect timeout " + ms(config_.connect_timeout);
    case Reason::first_byte_timeout: return "first_byte timeout " + ms(config_.first_byte_timeout);
    default:
      if (s.traffic != Traffic::held) return "response timeout " + ms(config_.response_timeout);
      return "response timeout " + ms(config_.response_timeout) + " + the held response's " +
             std::to_string(held_extra_ns_ / 1'000'000) + "ms";
  }
}

Event LoadGenerator::Loop::request_event(const Slot& s, EventType type) const {
  Event e;
  e.t_ns = clock_.now_ns();
  e.type = type;
  e.request_id = s.request_id;
  e.connection_id = s.connection_id;
  e.attempt = s.attempt;
  e.kind = kind_of(s);
  e.reused = s.reused;
  if (s.mix >= 0) e.name = config_.requests[static_cast<std::size_t>(s.mix)].name;
  return e;
}

void LoadGenerator::Loop::record_sent(std::size_t i) {
  Slot& s = slots_[i];
  s.first_byte_written = true;
  Event e = request_event(s, EventType::request_sent);
  if (s.connect_start_ns >= 0) {
    // At least 1 ns, so that a connect is told apart from a reused connection (connect_ns 0).
    e.connect_ns = std::max<std::int64_t>(1, e.t_ns - s.connect_start_ns);
    e.handshake = s.handshake;
    s.connect_start_ns = -1;
  }
  // The timeouts run from the first byte written.
  arm_timeouts(s, e.t_ns);
  record(std::move(e));
  counters_.sent.fetch_add(1, std::memory_order_relaxed);
}

void LoadGenerator::Loop::record_end(std::size_t i, Outcome outcome, Reason reason, bool final, std::uint16_t status,
                                     std::int32_t pid, std::string text) {
  const Slot& s = slots_[i];
  Event e = request_event(s, EventType::request_ended);
  e.outcome = outcome;
  e.reason = reason;
  e.status = status;
  e.bytes = s.response_bytes;
  e.latency_ns = std::max<std::int64_t>(0, e.t_ns - s.start_ns);
  e.pid = pid;
  e.text = std::move(text);
  last_end_ns_ = e.t_ns;
  record(std::move(e));
  if (!final) return;
  if (outcome == Outcome::ok) {
    counters_.ok.fetch_add(1, std::memory_order_relaxed);
    if (s.attempt == 2) counters_.retried.fetch_add(1, std::memory_order_relaxed);
  } else {
    counters_.dropped.fetch_add(1, std::memory_order_relaxed);
  }
}

int LoadGenerator::default_loops() {
  constexpr int kWrkDefaultThreads = 2;
  const auto cores = static_cast<int>(std::thread::hardware_concurrency());
  return std::clamp(cores, 1, kWrkDefaultThreads);
}

LoadGenerator::LoadGenerator(LoadConfig config, const RunClock& clock, int loops)
    : config_(std::move(config)), clock_(clock) {
  validate(config_);
  if (loops < 1) throw std::invalid_argument("LoadGenerator: loops must be at least 1");
  loop_count_ = std::clamp(config_.keepalive.connections, 1, loops);
  counters_ = std::make_unique<Counters[]>(static_cast<std::size_t>(loop_count_));
}

LoadGenerator::~LoadGenerator() { stop(std::chrono::milliseconds{0}); }

void LoadGenerator::start() {
  if (started_) throw std::logic_error("LoadGenerator::start called twice");
  started_ = true;
  const auto n = static_cast<std::size_t>(loop_count_);
  const auto keepalive = static_cast<std::size_t>(std::max(0, config_.keepalive.connections));
  int keepalive_first = 0;
  for (std::size_t k = 0; k < n; ++k) {
    LoopShare share;
    share.keepalive = static_cast<int>(keepalive / n + (k < keepalive % n ? 1 : 0));
    share.keepalive_first = keepalive_first;
    keepalive_first += share.keepalive;
    share.others = k == 0;
    share.reserve_events = (config_.reserve_events + n - 1) / n;
    loops_.push_back(std::make_unique<Loop>(config_, clock_, counters_[k], shared_, share));
  }
  try {
    for (auto& loop : loops_) threads_.emplace_back([l = loop.get()] { l->run(); });
  } catch (...) {
    stop(std::chrono::milliseconds{0});
    throw;
  }
}

void LoadGenerator::stop(std::chrono::milliseconds drain_timeout) {
  if (!started_ || stopped_) return;
  shared_.stop_deadline_ns.store(clock_.now_ns() + to_ns(drain_timeout), std::memory_order_release);
  for (auto& loop : loops_) loop->wake();
  for (auto& thread : threads_) thread.join();
  stopped_ = true;
}

LoadProgress LoadGenerator::progress() const {
  LoadProgress p;
  for (std::size_t k = 0; k < static_cast<std::size_t>(loop_count_); ++k) {
    const Counters& c = counters_[k];
    p.sent += c.sent.load(std::memory_order_relaxed);
    p.ok += c.ok.load(std::memory_order_relaxed);
    p.dropped += c.dropped.load(std::memory_order_relaxed);
    p.retried += c.retried.load(std::memory_order_relaxed);
  }
  return p;
}

std::optional<std::string> LoadGenerator::error() const {
  if (!stopped_) return std::nullopt;
  for (const auto& loop : loops_) {
    if (loop->error()) return loop->error();
  }
  return std::nullopt;
}

namespace {

// Each loop's log is in time order already (one thread, a monotonic clock): merged pairwise,
// stably, so that each loop's order is kept.
EventLog merge_loop_logs(std::vector<EventLog> logs) {
  EventLog merged = std::move(logs.front());
  for (std::size_t k = 1; k < logs.size(); ++k) {
    std::vector<Event> left = merged.release();
    std::vector<Event> right = logs[k].release();
    std::vector<Event> both;
    both.reserve(left.size() + right.size());
    std::merge(std::make_move_iterator(left.begin()), std::make_move_iterator(left.end()),
               std::make_move_iterator(right.begin()), std::make_move_iterator(right.end()), std::back_inserter(both),
               [](const Event& a, const Event& b) { return a.t_ns < b.t_ns; });
    merged = EventLog{};
    merged.reserve(both.size());
    for (Event& e : both) merged.append(std::move(e));
  }
  return merged;
}

}  // namespace

EventLog LoadGenerator::take_events() {
  if (started_ && !stopped_) throw std::logic_error("LoadGenerator::take_events called while running");
  if (loops_.empty()) return EventLog{};
  std::vector<EventLog> logs;
  for (auto& loop : loops_) logs.push_back(loop->take_events());
  return merge_loop_logs(std::move(logs));
}

EventLog LoadGenerator::take_events_while_running(std::size_t reserve_per_loop) {
  if (loops_.empty()) return EventLog{};
  std::vector<EventLog> logs;
  for (auto& loop : loops_) {
    EventLog fresh;
    if (!stopped_) fresh.reserve(reserve_per_loop);
    logs.push_back(loop->take_events(std::move(fresh)));
  }
  return merge_loop_logs(std::move(logs));
}

}  // namespace hotdeploy::harness
