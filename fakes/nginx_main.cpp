#include "nginx_main.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <thread>

#include "command_line.h"
#include "config.h"
#include "error_log.h"
#include "exec_environment.h"
#include "inherited_sockets.h"
#include "listeners.h"
#include "master_process.h"
#include "pid_file.h"
#include "process_title.h"
#include "signal_inbox.h"

namespace hotdeploy::fakes {
namespace {

void write_stderr(const std::string& text) {
  const char* data = text.data();
  size_t left = text.size();
  while (left > 0) {
    ssize_t n = ::write(2, data, left);
    if (n <= 0) return;
    data += n;
    left -= static_cast<size_t>(n);
  }
}

// nginx's ngx_daemon: the parent exits 0, the child leads a new session.
bool daemonize(ErrorLog& log, pid_t& pid_before) {
  const pid_t before = ::getpid();
  pid_t pid = ::fork();
  if (pid == -1) {
    log.log_errno(LogLevel::emerg, errno, "fork() failed");
    return false;
  }
  if (pid > 0) ::_exit(0);
  pid_before = before;
  if (::setsid() == -1) {
    log.log_errno(LogLevel::emerg, errno, "setsid() failed");
    return false;
  }
  ::umask(0);
  int fd = ::open("/dev/null", O_RDWR);
  if (fd == -1) {
    log.log_errno(LogLevel::emerg, errno, "open(\"/dev/null\") failed");
    return false;
  }
  ::dup2(fd, STDIN_FILENO);
  ::dup2(fd, STDOUT_FILENO);
  if (fd > STDERR_FILENO) ::close(fd);
  return true;
}

// nginx's ngx_signal_process (-s).
int signal_master(const Config& config, const std::string& signal_name, ErrorLog& log) {
  log.log(LogLevel::notice, "signal process started");
  int error_number = 0;
  std::optional<pid_t> pid = read_pid_file(config.pid_path, error_number);
  if (!pid) {
    if (error_number != 0) {
      log.log_errno(LogLevel::error, error_number, "open() \"" + config.pid_path + "\" failed");
    } else {
      log.log(LogLevel::error, "invalid PID number in \"" + config.pid_path + "\"");
    }
    return 1;
  }
  int signo = signal_name == "stop"     ? SIGTERM
              : signal_name == "quit"   ? SIGQUIT
              : signal_name == "reopen" ? SIGUSR1
                                        : SIGHUP;
  if (::kill(*pid, signo) == -1) {
    log.log_errno(LogLevel::alert, errno, "kill(" + std::to_string(*pid) + ", " + std::to_string(signo) + ") failed");
    return 1;
  }
  return 0;
}

// die_after: a timer that SIGKILLs this process.
void arm_death_timer(std::chrono::milliseconds delay, ErrorLog& log) {
  sigevent event{};
  event.sigev_notify = SIGEV_SIGNAL;
  event.sigev_signo = SIGKILL;
  timer_t timer;
  if (::timer_create(CLOCK_MONOTONIC, &event, &timer) == -1) {
    log.log_errno(LogLevel::alert, errno, "timer_create() for the die_after fault failed");
    return;
  }
  itimerspec when{};
  when.it_value.tv_sec = delay.count() / 1000;
  when.it_value.tv_nsec = (delay.count() % 1000) * 1'000'000 + (delay.count() == 0 ? 1 : 0);
  ::timer_settime(timer, 0, &when, nullptr);
}

std::string with_trailing_slash(std::string path) {
  if (!path.empty() && path.back() != '/') path += '/';
  return path;
}

std::string current_directory() {
  std::string buffer(4096, '\0');
  if (::getcwd(buffer.data(), buffer.size()) == nullptr) return "./";
  buffer.resize(std::char_traits<char>::length(buffer.c_str()));
  return with_trailing_slash(buffer);
}

}  // namespace

int nginx_main(int argc, char** argv, const BinaryIdentity& identity) {
  const Faults& faults = identity.faults;
  std::vector<std::string> original_argv(argv, argv + argc);
  CommandLineParse parsed = parse_command_line(original_argv);
  if (parsed.error) {
    write_stderr("nginx: " + *parsed.error + "\n");
    return 1;
  }
  const CommandLine& options = parsed.options;
  if (options.show_version) {
    write_stderr(version_text(options, identity));
    if (!options.test_config) return 0;
  }

  const pid_t parent_at_start = ::getppid();
  const std::string prefix = options.prefix ? with_trailing_slash(*options.prefix) : current_directory();

  ErrorLog log;
  log.set_echo_to_stderr(true);
  log.set_threshold(options.test_config ? LogLevel::info : LogLevel::notice);
  const std::string default_error_log =
      options.error_log ? (options.error_log->empty() ? std::string() : resolve_path(prefix, *options.error_log))
                        : resolve_path(prefix, "logs/error.log");
  if (!default_error_log.empty()) {
    if (int error_number = log.open(default_error_log); error_number != 0) {
      write_stderr("nginx: [alert] could not open error log file: open() \"" + default_error_log + "\" failed" +
                   errno_suffix(error_number) + "\n");
    }
  }

  const std::vector<std::string> startup_environment = current_environment();
  process_title::init(argc, argv);

  std::vector<int> inherited_fds;
  bool inherited = false;
  if (const char* value = std::getenv(std::string(kNginxVariableName).c_str())) {
    log.log(LogLevel::notice, "using inherited sockets from \"" + std::string(value) + "\"");
    InheritedSocketsVariable variable = parse_nginx_variable(value);
    for (const std::string& message : variable.emerg_messages) log.log(LogLevel::emerg, message);
    inherited_fds = variable.fds;
    inherited = true;
  }

  const std::string conf_file = resolve_path(prefix, options.conf_file ? *options.conf_file : "conf/nginx.conf");
  ConfigLoad load = load_config(conf_file, prefix, options.global_directives, faults);
  if (!load.config) {
    if (load.error_number != 0) {
      log.log_errno(LogLevel::emerg, load.error_number, load.error);
    } else {
      log.log(LogLevel::emerg, load.error);
    }
    if (options.test_config) write_stderr("nginx: configuration file " + conf_file + " test failed\n");
    return 1;
  }
  Config config = std::move(*load.config);
  if (options.test_config && !options.quiet) {
    write_stderr("nginx: the configuration file " + conf_file + " syntax is ok\n");
  }

  const std::string error_log_path = effective_error_log(config, default_error_log);
  if (error_log_path.empty()) {
    log.use_stderr();
  } else if (error_log_path != log.path()) {
    if (int error_number = log.open(error_log_path); error_number != 0) {
      log.log_errno(LogLevel::emerg, error_number, "open() \"" + error_log_path + "\" failed");
      if (options.test_config) write_stderr("nginx: configuration file " + conf_file + " test failed\n");
      return 1;
    }
  }
  if (!options.test_config) log.set_threshold(config.error_log_level);

  if (options.test_config) {
    if (!options.quiet) write_stderr("nginx: configuration file " + conf_file + " test is successful\n");
    if (options.dump_config) {
      std::ifstream in(conf_file, std::ios::binary);
      std::cout << "# configuration file " << conf_file << ":\n" << in.rdbuf() << "\n";
    }
    return 0;
  }
  if (options.signal) return signal_master(config, *options.signal, log);

  if (faults.has<CrashOnStart>()) std::abort();
  if (const SlowStart* slow = faults.find<SlowStart>()) std::this_thread::sleep_for(slow->delay);
  if (faults.has<IgnoreInherited>()) {
    for (int fd : inherited_fds) ::close(fd);
    inherited_fds.clear();
  }

  Listeners listeners;
  if (!listeners.open(config, inherited_fds, nullptr, log)) return 1;

  install_signal_handlers();
  if (const IgnoreSignal* ignored = faults.find<IgnoreSignal>()) ::signal(ignored->signo, SIG_IGN);

  pid_t parent = parent_at_start;
  bool daemonized = false;
  if (!inherited && config.daemon) {
    if (!daemonize(log, parent)) return 1;
    daemonized = true;
  }
  if (inherited) daemonized = true;
  if (const DieAfter* die = faults.find<DieAfter>()) arm_death_timer(die->delay, log);

  if (int error_number = write_pid_file(config.pid_path, ::getpid()); error_number != 0) {
    log.log_errno(LogLevel::emerg, error_number, "open() \"" + config.pid_path + "\" failed");
    return 1;
  }
  if (log.fd() != STDERR_FILENO) ::dup2(log.fd(), STDERR_FILENO);
  log.set_echo_to_stderr(false);

  MasterSettings settings;
  settings.config = std::move(config);
  settings.prefix = prefix;
  settings.global_directives = options.global_directives;
  settings.default_error_log = default_error_log;
  settings.argv = std::move(original_argv);
  settings.startup_environment = startup_environment;
  settings.parent_at_start = parent;
  settings.daemonized = daemonized;
  settings.identity = identity;
  run_master_process(std::move(settings), std::move(listeners), log);
}

}  // namespace hotdeploy::fakes
