#include "worker_process.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <map>
#include <optional>

#include "channel.h"
#include "process_title.h"
#include "signal_inbox.h"
#include "worker_http_server.h"

namespace hotdeploy::fakes {
namespace {

struct WorkerFlags {
  bool quit = false;
  bool terminate = false;
  bool reopen = false;
};

// nginx's worker side of ngx_signal_handler: the action text and the flag it sets.
std::string_view apply_worker_signal(int signo, bool daemonized, WorkerFlags& flags) {
  switch (signo) {
    case SIGWINCH:
      if (!daemonized) return "";
      flags.quit = true;
      return ", shutting down";
    case SIGQUIT: flags.quit = true; return ", shutting down";
    case SIGTERM:
    case SIGINT: flags.terminate = true; return ", exiting";
    case SIGUSR1: flags.reopen = true; return ", reopening logs";
    case SIGHUP:
    case SIGUSR2:
    case SIGIO: return ", ignoring";
    default: return "";
  }
}

WorkerHttpSettings http_settings(const WorkerSettings& settings) {
  WorkerHttpSettings http;
  http.version_label = settings.version_label;
  http.worker_pid = ::getpid();
  http.master_pid = ::getppid();
  http.limit_req_zones = settings.limit_req_zones;
  http.limit_req_rules = settings.limit_req_rules;
  if (const BadStatus* bad = settings.faults.find<BadStatus>()) http.forced_status = bad->status_code;
  if (const WorkerCrashOnRequest* crash = settings.faults.find<WorkerCrashOnRequest>()) {
    http.crash_on_request = crash->request_number;
  }
  if (settings.faults.has<GarbageResponse>()) http.hostile_response = HostileResponse::garbage;
  if (settings.faults.has<EndlessHeaders>()) http.hostile_response = HostileResponse::endless_headers;
  if (settings.faults.has<SlowDrip>()) http.hostile_response = HostileResponse::slow_drip;
  if (settings.faults.has<HugeChunk>()) http.hostile_response = HostileResponse::huge_chunk;
  if (settings.faults.has<EarlyClose>()) http.hostile_response = HostileResponse::early_close;
  return http;
}

class WorkerCycle {
 public:
  WorkerCycle(const WorkerSettings& settings, ErrorLog& log)
      : settings_(settings),
        log_(log),
        listen_fds_(settings.listen_fds),
        channel_fd_(settings.channel_fd),
        server_(http_settings(settings)) {
    for (size_t i = 0; i < settings.listen_fds.size() && i < settings.listen_tls.size(); ++i) {
      if (settings.listen_tls[i]) listen_tls_[settings.listen_fds[i]] = settings.listen_tls[i];
    }
  }

  [[noreturn]] void run() {
    for (;;) {
      if (exiting_ && !settings_.faults.has<HangOnQuit>() && server_.active_connections() == 0) {
        log_.log(LogLevel::notice, "exiting");
        exit_worker();
      }
      wait_for_events();
      take_signals();
      if (flags_.terminate) {
        log_.log(LogLevel::notice, "exiting");
        exit_worker();
      }
      if (flags_.quit) {
        flags_.quit = false;
        log_.log(LogLevel::notice, "gracefully shutting down");
        process_title::set("worker process is shutting down");
        if (!exiting_) begin_exiting();
      }
      if (flags_.reopen) {
        flags_.reopen = false;
        log_.log(LogLevel::notice, "reopening logs");
        if (int error_number = log_.reopen(); error_number != 0) {
          log_.log_errno(LogLevel::emerg, error_number, "open() \"" + log_.path() + "\" failed");
        }
      }
      if (exiting_ && shutdown_deadline_ && std::chrono::steady_clock::now() >= *shutdown_deadline_) {
        shutdown_deadline_.reset();
        server_.close_all_connections();
      }
    }
  }

 private:
  void begin_exiting() {
    exiting_ = true;
    if (settings_.faults.has<AbortOnQuit>()) {
      server_.reset_connections_on_close();
      std::abort();
    }
    for (int fd : listen_fds_) {
      // The classic bug: shutdown() stops a listening socket for every process sharing it.
      if (settings_.faults.has<ShutdownListener>()) ::shutdown(fd, SHUT_RDWR);
      ::close(fd);
    }
    listen_fds_.clear();
    if (settings_.faults.has<HangOnQuit>()) return;
    if (settings_.shutdown_timeout.count() > 0) {
      shutdown_deadline_ = std::chrono::steady_clock::now() + settings_.shutdown_timeout;
    }
    server_.begin_graceful_shutdown();
  }

  [[noreturn]] void exit_worker() {
    log_.log(LogLevel::notice, "exit");
    ::_exit(0);
  }

  int poll_timeout_ms() const {
    if (!shutdown_deadline_) return -1;
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(*shutdown_deadline_ - std::chrono::steady_clock::now());
    return static_cast<int>(std::max<long long>(0, left.count()));
  }

  void wait_for_events() {
    std::vector<pollfd> descriptors;
    descriptors.push_back({signal_wakeup_fd(), POLLIN, 0});
    descriptors.push_back({channel_fd_, POLLIN, 0});
    descriptors.push_back({server_.connection_ended_fd(), POLLIN, 0});
    for (int fd : listen_fds_) descriptors.push_back({fd, POLLIN, 0});
    int ready = ::poll(descriptors.data(), descriptors.size(), poll_timeout_ms());
    if (ready <= 0) return;
    if (descriptors[0].revents != 0) drain_signal_wakeups();
    if (descriptors[1].revents != 0) take_channel_commands();
    if (descriptors[2].revents != 0) server_.drain_connection_ended();
    for (size_t i = 3; i < descriptors.size(); ++i) {
      if (descriptors[i].revents != 0) accept_one(descriptors[i].fd);
    }
  }

  void accept_one(int listen_fd) {
    int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      if (server_.active_connections() >= settings_.worker_connections) {
        log_.log(LogLevel::alert, std::to_string(settings_.worker_connections) + " worker_connections are not enough");
        ::close(fd);
        return;
      }
      const auto tls = listen_tls_.find(listen_fd);
      server_.start_connection(fd, tls == listen_tls_.end() ? nullptr : tls->second);
      return;
    }
    int error_number = errno;
    if (error_number == EAGAIN || error_number == EWOULDBLOCK || error_number == ECONNABORTED ||
        error_number == EINTR) {
      return;
    }
    log_.log_errno(error_number == EMFILE || error_number == ENFILE ? LogLevel::crit : LogLevel::alert, error_number,
                   "accept4() failed");
    if (error_number == EINVAL) {
      // Someone shut the shared socket down: it will never accept again; stop polling it.
      std::erase(listen_fds_, listen_fd);
    }
  }

  void take_channel_commands() {
    if (channel_fd_ < 0) return;
    for (;;) {
      ChannelCommand command{};
      ChannelRead read = read_command(channel_fd_, command);
      if (read == ChannelRead::nothing) return;
      if (read == ChannelRead::closed) {
        ::close(channel_fd_);
        channel_fd_ = -1;
        return;
      }
      switch (command) {
        case ChannelCommand::quit: flags_.quit = true; break;
        case ChannelCommand::terminate: flags_.terminate = true; break;
        case ChannelCommand::reopen: flags_.reopen = true; break;
      }
    }
  }

  void take_signals() {
    for (const ReceivedSignal& received : take_received_signals()) {
      std::string_view action = apply_worker_signal(received.signo, settings_.daemonized, flags_);
      std::string line =
          "signal " + std::to_string(received.signo) + " (" + std::string(signal_name(received.signo)) + ") received";
      if (received.sender != 0) line += " from " + std::to_string(received.sender);
      line += action;
      log_.log(LogLevel::notice, line);
    }
  }

  const WorkerSettings& settings_;
  ErrorLog& log_;
  std::vector<int> listen_fds_;
  std::map<int, std::shared_ptr<const TlsServerContext>> listen_tls_;  // by listening descriptor
  int channel_fd_;
  WorkerHttpServer server_;
  WorkerFlags flags_;
  bool exiting_ = false;
  std::optional<std::chrono::steady_clock::time_point> shutdown_deadline_;
};

}  // namespace

void run_worker_process(const WorkerSettings& settings, ErrorLog& log) {
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  process_title::set("worker process");
  WorkerCycle(settings, log).run();
}

}  // namespace hotdeploy::fakes
