#include "master_process.h"

#include <fcntl.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <thread>

#include "channel.h"
#include "exec_environment.h"
#include "inherited_sockets.h"
#include "pid_file.h"
#include "process_title.h"
#include "signal_inbox.h"
#include "worker_process.h"

namespace hotdeploy::fakes {
namespace {

constexpr std::string_view kWorkerProcessName = "worker process";
constexpr std::string_view kNewBinaryProcessName = "new binary process";
constexpr int kFatalExitCode = 2;
constexpr long kFirstTerminationDelayMs = 50;
constexpr long kKillAfterDelayMs = 1000;
constexpr auto kReloadStartPause = std::chrono::milliseconds(100);

// nginx's ngx_process_t, the parts fake-nginx uses.
struct ChildProcess {
  pid_t pid = -1;
  int channel = -1;  // the master's end; -1 for the new binary
  std::string name;
  int worker_slot = -1;
  bool respawn = false;
  bool just_spawn = false;
  bool detached = false;
  bool exiting = false;
  bool exited = false;
  int status = 0;
};

enum class SpawnKind { respawn, just_respawn };

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (std::string& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

class MasterCycle {
 public:
  MasterCycle(MasterSettings settings, Listeners listeners, ErrorLog& log)
      : settings_(std::move(settings)), listeners_(std::move(listeners)), log_(log) {}

  [[noreturn]] void run() {
    sigset_t handled = handled_signal_set();
    if (::sigprocmask(SIG_BLOCK, &handled, nullptr) == -1)
      log_.log_errno(LogLevel::alert, errno, "sigprocmask() failed");
    sigset_t none;
    sigemptyset(&none);

    std::string title = "master process";
    for (const std::string& arg : settings_.argv) title += " " + arg;
    process_title::set(title);

    start_worker_processes(SpawnKind::respawn);
    new_binary_ = 0;

    for (;;) {
      if (termination_delay_ms_ > 0) {
        if (sigalrm_) {
          wakeups_to_skip_ = 0;
          termination_delay_ms_ *= 2;
          sigalrm_ = false;
        }
        arm_timer(termination_delay_ms_);
      }
      ::sigsuspend(&none);
      take_signals();

      if (reap_) {
        reap_ = false;
        live_ = reap_children();
      }
      if (!live_ && (terminate_ || quit_)) exit_master();

      if (terminate_) {
        if (termination_delay_ms_ == 0) termination_delay_ms_ = kFirstTerminationDelayMs;
        if (wakeups_to_skip_ > 0) {
          --wakeups_to_skip_;
          continue;
        }
        wakeups_to_skip_ = settings_.config.worker_processes + 2;
        signal_worker_processes(termination_delay_ms_ > kKillAfterDelayMs ? SIGKILL : SIGTERM);
        continue;
      }
      if (quit_) {
        signal_worker_processes(SIGQUIT);
        close_listening_sockets();
        continue;
      }
      if (reconfigure_) {
        reconfigure_ = false;
        if (new_binary_ > 0) {
          start_worker_processes(SpawnKind::respawn);
          noaccepting_ = false;
          continue;
        }
        log_.log(LogLevel::notice, "reconfiguring");
        if (reload()) {
          start_worker_processes(SpawnKind::just_respawn);
          std::this_thread::sleep_for(kReloadStartPause);
          live_ = true;
          signal_worker_processes(SIGQUIT);
        }
      }
      if (restart_) {
        restart_ = false;
        start_worker_processes(SpawnKind::respawn);
        live_ = true;
      }
      if (reopen_) {
        reopen_ = false;
        log_.log(LogLevel::notice, "reopening logs");
        if (int error_number = log_.reopen(); error_number != 0) {
          log_.log_errno(LogLevel::emerg, error_number, "open() \"" + log_.path() + "\" failed");
        }
        signal_worker_processes(SIGUSR1);
      }
      if (change_binary_) {
        change_binary_ = false;
        log_.log(LogLevel::notice, "changing binary");
        new_binary_ = exec_new_binary();
      }
      if (noaccept_) {
        noaccept_ = false;
        noaccepting_ = true;
        signal_worker_processes(SIGQUIT);
      }
    }
  }

 private:
  // nginx's master side of ngx_signal_handler.
  void take_signals() {
    for (const ReceivedSignal& received : take_received_signals()) {
      std::string_view action;
      bool changing_binary_ignored = false;
      switch (received.signo) {
        case SIGQUIT:
          quit_ = true;
          action = ", shutting down";
          break;
        case SIGTERM:
        case SIGINT:
          terminate_ = true;
          action = ", exiting";
          break;
        case SIGWINCH:
          if (settings_.daemonized) {
            noaccept_ = true;
            action = ", stop accepting connections";
          }
          break;
        case SIGHUP:
          reconfigure_ = true;
          action = ", reconfiguring";
          break;
        case SIGUSR1:
          reopen_ = true;
          action = ", reopening logs";
          break;
        case SIGUSR2:
          // Ignored in a new binary whose old master still runs (its parent has not
          // changed), in a master never daemonized, and in an old master whose new
          // binary is already running.
          if (::getppid() == settings_.parent_at_start || new_binary_ > 0) {
            action = ", ignoring";
            changing_binary_ignored = true;
            break;
          }
          change_binary_ = true;
          action = ", changing binary";
          break;
        case SIGALRM: sigalrm_ = true; break;
        case SIGCHLD: reap_ = true; break;
        default: break;
      }
      std::string line =
          "signal " + std::to_string(received.signo) + " (" + std::string(signal_name(received.signo)) + ") received";
      if (received.sender != 0) line += " from " + std::to_string(received.sender);
      line += action;
      log_.log(LogLevel::notice, line);
      if (changing_binary_ignored) {
        log_.log(LogLevel::crit,
                 "the changing binary signal is ignored: you should shutdown or terminate before either old or new "
                 "binary's process");
      }
      if (received.signo == SIGCHLD) collect_exit_statuses();
    }
  }

  // nginx's ngx_process_get_status: waitpid every exited child and log how it ended.
  void collect_exit_statuses() {
    for (;;) {
      int status = 0;
      pid_t pid = ::waitpid(-1, &status, WNOHANG);
      if (pid == 0) return;
      if (pid == -1) {
        if (errno == EINTR) continue;
        return;
      }
      ChildProcess* child = find_child(pid);
      std::string name = child != nullptr ? child->name : "unknown process";
      if (child != nullptr) {
        child->status = status;
        child->exited = true;
      }
      if (WIFSIGNALED(status)) {
        log_.log(LogLevel::alert, name + " " + std::to_string(pid) + " exited on signal " +
                                      std::to_string(WTERMSIG(status)) + (WCOREDUMP(status) ? " (core dumped)" : ""));
      } else {
        log_.log(LogLevel::notice,
                 name + " " + std::to_string(pid) + " exited with code " + std::to_string(WEXITSTATUS(status)));
      }
      if (child != nullptr && WIFEXITED(status) && WEXITSTATUS(status) == kFatalExitCode && child->respawn) {
        log_.log(LogLevel::alert, name + " " + std::to_string(pid) + " exited with fatal code " +
                                      std::to_string(kFatalExitCode) + " and cannot be respawned");
        child->respawn = false;
      }
    }
  }

  ChildProcess* find_child(pid_t pid) {
    for (ChildProcess& child : children_) {
      if (child.pid == pid) return &child;
    }
    return nullptr;
  }

  // nginx's ngx_reap_children: true while some child still counts as live.
  bool reap_children() {
    bool live = false;
    for (size_t i = 0; i < children_.size(); ++i) {
      ChildProcess& child = children_[i];
      if (!child.exited) {
        if (child.exiting || !child.detached) live = true;
        continue;
      }
      if (child.channel >= 0) {
        ::close(child.channel);
        child.channel = -1;
      }
      if (child.respawn && !child.exiting && !terminate_ && !quit_) {
        if (spawn_worker(child.worker_slot, SpawnKind::respawn, &child)) {
          live = true;
          continue;
        }
        log_.log(LogLevel::alert, "could not respawn " + child.name);
        continue;
      }
      if (child.pid == new_binary_) {
        const Config& config = settings_.config;
        if (int error_number = rename_file(config.old_pid_path(), config.pid_path); error_number != 0) {
          log_.log_errno(LogLevel::alert, error_number,
                         "rename() " + config.old_pid_path() + " back to " + config.pid_path +
                             " failed after the new binary process \"" + settings_.argv.front() + "\" exited");
        }
        new_binary_ = 0;
        if (noaccepting_) {
          restart_ = true;
          noaccepting_ = false;
        }
      }
      children_.erase(children_.begin() + static_cast<long>(i));
      --i;
    }
    return live;
  }

  void start_worker_processes(SpawnKind kind) {
    log_.log(LogLevel::notice, "start worker processes");
    for (int slot = 0; slot < settings_.config.worker_processes; ++slot) spawn_worker(slot, kind, nullptr);
  }

  // Forks a worker for `slot`; `reuse` is the record of the worker it replaces.
  bool spawn_worker(int slot, SpawnKind kind, ChildProcess* reuse) {
    std::optional<ChannelPair> channel = open_channel();
    if (!channel) {
      log_.log_errno(LogLevel::alert, errno, "socketpair() failed while spawning \"worker process\"");
      return false;
    }
    pid_t pid = ::fork();
    if (pid == -1) {
      log_.log_errno(LogLevel::alert, errno, "fork() failed while spawning \"worker process\"");
      ::close(channel->master_end);
      ::close(channel->worker_end);
      return false;
    }
    if (pid == 0) become_worker(slot, channel->master_end, channel->worker_end);

    ::close(channel->worker_end);
    log_.log(LogLevel::notice, "start worker process " + std::to_string(pid));
    ChildProcess fresh;
    fresh.pid = pid;
    fresh.channel = channel->master_end;
    fresh.name = std::string(kWorkerProcessName);
    fresh.worker_slot = slot;
    fresh.respawn = true;
    fresh.just_spawn = kind == SpawnKind::just_respawn;
    if (reuse != nullptr) {
      // A respawn keeps the slot's other flags, as nginx's respawn into the same slot does.
      reuse->pid = pid;
      reuse->channel = fresh.channel;
      reuse->exited = false;
    } else {
      children_.push_back(std::move(fresh));
    }
    return true;
  }

  // The TLS context of each listening descriptor: its `listen ... ssl` directive's, else null.
  std::vector<std::shared_ptr<const TlsServerContext>> tls_for(const std::vector<int>& fds) const {
    std::vector<std::shared_ptr<const TlsServerContext>> contexts;
    for (int fd : fds) {
      std::shared_ptr<const TlsServerContext> context;
      for (const ListeningSocket& socket : listeners_.sockets()) {
        if (socket.fd != fd) continue;
        for (const ListenDirective& listen : settings_.config.listens) {
          if (listen.address == socket.address) context = listen.tls;
        }
      }
      contexts.push_back(std::move(context));
    }
    return contexts;
  }

  [[noreturn]] void become_worker(int slot, int own_master_end, int worker_end) {
    ::close(own_master_end);
    for (const ChildProcess& child : children_) {
      if (child.channel >= 0) ::close(child.channel);
    }
    WorkerSettings worker;
    worker.slot = slot;
    worker.listen_fds = listeners_.fds_for_worker(slot);
    worker.listen_tls = tls_for(worker.listen_fds);
    for (int fd : listeners_.all_fds()) {
      bool own = std::find(worker.listen_fds.begin(), worker.listen_fds.end(), fd) != worker.listen_fds.end();
      if (!own) ::close(fd);
    }
    listeners_.release();
    worker.channel_fd = worker_end;
    worker.daemonized = settings_.daemonized;
    worker.version_label = settings_.identity.version_label;
    worker.faults = settings_.identity.faults;
    worker.shutdown_timeout = settings_.config.worker_shutdown_timeout;
    worker.worker_connections = static_cast<size_t>(settings_.config.worker_connections);
    worker.limit_req_zones = settings_.config.limit_req_zones;
    worker.limit_req_rules = settings_.config.limit_req_rules;
    run_worker_process(worker, log_);
  }

  // nginx's ngx_signal_worker_processes.
  void signal_worker_processes(int signo) {
    std::optional<ChannelCommand> command;
    if (signo == SIGQUIT) command = ChannelCommand::quit;
    if (signo == SIGTERM) command = ChannelCommand::terminate;
    if (signo == SIGUSR1) command = ChannelCommand::reopen;
    for (ChildProcess& child : children_) {
      if (child.detached || child.pid == -1) continue;
      if (child.just_spawn) {
        child.just_spawn = false;
        continue;
      }
      if (child.exiting && signo == SIGQUIT) continue;
      if (command && send_command(child.channel, *command)) {
        if (signo != SIGUSR1) child.exiting = true;
        continue;
      }
      if (::kill(child.pid, signo) == -1) {
        int error_number = errno;
        log_.log_errno(LogLevel::alert, error_number,
                       "kill(" + std::to_string(child.pid) + ", " + std::to_string(signo) + ") failed");
        if (error_number == ESRCH) {
          child.exited = true;
          child.exiting = false;
          reap_ = true;
        }
        continue;
      }
      if (signo != SIGUSR1) child.exiting = true;
    }
  }

  // nginx's ngx_exec_new_binary; returns the new binary's pid or 0.
  pid_t exec_new_binary() {
    const Config& config = settings_.config;
    const std::string& path = settings_.argv.front();
    std::vector<int> fds = listeners_.all_fds();
    std::vector<std::string> environment =
        new_binary_environment(config.env, settings_.startup_environment, format_nginx_variable(fds));
    for (const std::string& entry : environment) log_.log(LogLevel::debug, "env: " + entry);

    if (int error_number = rename_file(config.pid_path, config.old_pid_path()); error_number != 0) {
      log_.log_errno(LogLevel::alert, error_number,
                     "rename() " + config.pid_path + " to " + config.old_pid_path() +
                         " failed before executing new binary process \"" + path + "\"");
      return 0;
    }
    pid_t pid = ::fork();
    if (pid == -1) {
      log_.log_errno(LogLevel::alert, errno, "fork() failed while spawning \"new binary process\"");
      if (int error_number = rename_file(config.old_pid_path(), config.pid_path); error_number != 0) {
        log_.log_errno(LogLevel::alert, error_number,
                       "rename() " + config.old_pid_path() + " back to " + config.pid_path +
                           " failed after an attempt to execute new binary process \"" + path + "\"");
      }
      return 0;
    }
    if (pid == 0) {
      for (int fd : fds) ::fcntl(fd, F_SETFD, 0);
      std::vector<std::string> argv = settings_.argv;
      std::vector<char*> argv_pointers = c_strings(argv);
      std::vector<char*> env_pointers = c_strings(environment);
      ::execve(path.c_str(), argv_pointers.data(), env_pointers.data());
      log_.log_errno(LogLevel::alert, errno, "execve() failed while executing new binary process \"" + path + "\"");
      ::_exit(1);
    }
    log_.log(LogLevel::notice, "start new binary process " + std::to_string(pid));
    ChildProcess child;
    child.pid = pid;
    child.name = std::string(kNewBinaryProcessName);
    child.detached = true;
    children_.push_back(std::move(child));
    return pid;
  }

  // HUP without a new binary: nginx's ngx_init_cycle, the parts fake-nginx models.
  bool reload() {
    ConfigLoad load = load_config(settings_.config.conf_file, settings_.prefix, settings_.global_directives,
                                  settings_.identity.faults);
    if (!load.config) {
      if (load.error_number != 0) {
        log_.log_errno(LogLevel::emerg, load.error_number, load.error);
      } else {
        log_.log(LogLevel::emerg, load.error);
      }
      return false;
    }
    Config& config = *load.config;
    Listeners fresh;
    if (!fresh.open(config, {}, &listeners_, log_)) return false;
    const std::string error_log_path = effective_error_log(config, settings_.default_error_log);
    if (error_log_path.empty()) {
      log_.use_stderr();
    } else if (error_log_path != log_.path()) {
      if (int error_number = log_.open(error_log_path); error_number != 0) {
        log_.log_errno(LogLevel::emerg, error_number, "open() \"" + error_log_path + "\" failed");
        return false;
      }
    }
    log_.set_threshold(config.error_log_level);
    if (config.pid_path != settings_.config.pid_path) {
      if (int error_number = write_pid_file(config.pid_path, ::getpid()); error_number != 0) {
        log_.log_errno(LogLevel::emerg, error_number, "open() \"" + config.pid_path + "\" failed");
        return false;
      }
      if (int error_number = delete_file(settings_.config.pid_path); error_number != 0) {
        log_.log_errno(LogLevel::alert, error_number, "unlink() \"" + settings_.config.pid_path + "\" failed");
      }
    }
    settings_.config = std::move(config);
    listeners_ = std::move(fresh);
    return true;
  }

  void arm_timer(long delay_ms) {
    itimerval timer{};
    timer.it_value.tv_sec = delay_ms / 1000;
    timer.it_value.tv_usec = (delay_ms % 1000) * 1000;
    if (::setitimer(ITIMER_REAL, &timer, nullptr) == -1) log_.log_errno(LogLevel::alert, errno, "setitimer() failed");
  }

  [[noreturn]] void exit_master() {
    const Config& config = settings_.config;
    const std::string& pid_path = new_binary_ > 0 ? config.old_pid_path() : config.pid_path;
    if (int error_number = delete_file(pid_path); error_number != 0) {
      log_.log_errno(LogLevel::alert, error_number, "unlink() \"" + pid_path + "\" failed");
    }
    log_.log(LogLevel::notice, "exit");
    close_listening_sockets();
    ::_exit(0);
  }

  // nginx's ngx_close_listening_sockets in a master: see Listeners::close_as_master.
  void close_listening_sockets() {
    listeners_.close_as_master(new_binary_ > 0, ::getppid() != settings_.parent_at_start, log_);
  }

  MasterSettings settings_;
  Listeners listeners_;
  ErrorLog& log_;
  std::vector<ChildProcess> children_;

  bool reap_ = false;
  bool terminate_ = false;
  bool quit_ = false;
  bool reconfigure_ = false;
  bool reopen_ = false;
  bool change_binary_ = false;
  bool noaccept_ = false;
  bool sigalrm_ = false;
  bool noaccepting_ = false;
  bool restart_ = false;
  bool live_ = true;
  pid_t new_binary_ = 0;
  long termination_delay_ms_ = 0;
  int wakeups_to_skip_ = 0;
};

}  // namespace

void run_master_process(MasterSettings settings, Listeners listeners, ErrorLog& log) {
  MasterCycle(std::move(settings), std::move(listeners), log).run();
}

}  // namespace hotdeploy::fakes
