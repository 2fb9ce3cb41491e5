#include "orchestrator/run_session.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>

#include <sys/resource.h>

#include <csignal>
#include <fstream>
#include <thread>

#include "orchestrator/environment_error.h"
#include "orchestrator/free_port.h"
#include "orchestrator/interrupt.h"
#include "orchestrator/kernel_counters.h"
#include "orchestrator/proc_fs.h"
#include "orchestrator/process_control.h"
#include "orchestrator/run_isolation_file.h"
#include "orchestrator/run_isolation_network.h"
#include "orchestrator/run_record.h"

namespace hotdeploy::orchestrator {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr auto kStartTimeout = 10s;
constexpr auto kLoadDrainTimeout = 5s;
constexpr auto kInterruptedLoadDrainTimeout = 200ms;  // an interrupted run ends at once
constexpr std::uint16_t kOwnNamespacePort = 8080;
constexpr auto kGracefulStopTimeout = 2s;
constexpr auto kKillTimeout = 2s;

// The descriptors the load may hold at once: one per connection it keeps, one per request in
// flight of its open-loop kinds, and a margin for the run's own files and the observer.
std::uint64_t load_descriptors(const harness::LoadConfig& load) {
  std::uint64_t n = 256;
  n += static_cast<std::uint64_t>(load.keepalive.connections) + static_cast<std::uint64_t>(load.idle.connections) +
       static_cast<std::uint64_t>(load.held.connections) + static_cast<std::uint64_t>(load.post.connections);
  if (load.rate.per_second > 0) n += static_cast<std::uint64_t>(load.rate.max_in_flight);
  if (load.post.per_second > 0) n += static_cast<std::uint64_t>(load.post.max_in_flight);
  return n;
}

// Raises the soft RLIMIT_NOFILE of the run to its hard limit: the load generator holds one
// descriptor per connection, and so do the target's workers, which inherit the limit (nginx's
// worker_rlimit_nofile can raise theirs); 10,000 held connections are far past the common
// default soft limit of 1024. A hard limit below what the load needs is an unavailable
// environment (exit 3), said before anything starts.
void raise_open_file_limit(const harness::LoadConfig& load) {
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) == -1) throw EnvironmentError("getrlimit(RLIMIT_NOFILE) failed");
  const std::uint64_t needed = load_descriptors(load);
  if (files.rlim_max != RLIM_INFINITY && files.rlim_max < needed) {
    throw EnvironmentError("the load needs up to " + std::to_string(needed) +
                           " open files, above this process's hard RLIMIT_NOFILE of " + std::to_string(files.rlim_max) +
                           " (raise it, e.g. ulimit -Hn, or lower the load's connections)");
  }
  if (files.rlim_cur == files.rlim_max) return;
  const auto before = files.rlim_cur;
  files.rlim_cur = files.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &files) == -1) throw EnvironmentError("setrlimit(RLIMIT_NOFILE) failed");
  spdlog::info("RLIMIT_NOFILE raised from {} to {} (the load needs up to {})", before, files.rlim_cur, needed);
}

// VmHWM of this process (the run's: load generator, observer, histories), in MiB; nullopt when
// /proc/self/status has none.
std::optional<double> peak_rss_mib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return std::nullopt;
}

std::string read_head(const fs::path& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  std::string text(max_bytes, '\0');
  in.read(text.data(), static_cast<std::streamsize>(max_bytes));
  text.resize(static_cast<std::size_t>(in.gcount()));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

// target.sysctls, in the run's own network namespace only: anywhere else they would change the
// host's.
void set_target_sysctls(const Scenario& scenario, const harness::RunIsolation& isolation) {
  if (scenario.target.sysctls.empty()) return;
  if (!isolation.network_namespace) {
    throw EnvironmentError("target.sysctls (" + scenario.target.sysctls.begin()->first +
                           ", ...) need the run's own network namespace, which it did not get (" +
                           isolation.network_refused + ")");
  }
  for (const auto& [key, value] : scenario.target.sysctls) {
    set_sysctl(key, value);
    spdlog::info("sysctl {} = {} in the run's network namespace", key, read_sysctl(key));
  }
}

// The scenario's upstreams, listening and serving before the target starts, so that its first
// proxy_pass finds them. A listen address that cannot be bound (a port in use) ends the run as
// an environment error naming the upstream and the address.
std::vector<std::unique_ptr<harness::UpstreamServer>> start_upstreams(const Scenario& scenario,
                                                                      const harness::RunClock& clock) {
  std::vector<std::unique_ptr<harness::UpstreamServer>> servers;
  for (const auto& config : scenario.upstreams) {
    try {
      servers.push_back(std::make_unique<harness::UpstreamServer>(config, clock));
    } catch (const harness::UpstreamListenError& e) {
      throw EnvironmentError(e.what());
    }
    servers.back()->start();
    spdlog::info("upstream {} serving on {}:{} (delay {} ms, keepalive_timeout {} ms)", config.name, config.host,
                 servers.back()->port(), config.delay_ns / 1'000'000, config.keepalive_timeout_ns / 1'000'000);
  }
  return servers;
}

}  // namespace

// Adds the run directory's hotdeploy.log to the default logger for the length of a run.
class RunSession::LogFile {
 public:
  explicit LogFile(const fs::path& path)
      : sink_(std::make_shared<spdlog::sinks::basic_file_sink_mt>(path.string(), true)) {
    spdlog::default_logger()->sinks().push_back(sink_);
  }
  ~LogFile() {
    auto& sinks = spdlog::default_logger()->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
  }
  LogFile(const LogFile&) = delete;
  LogFile& operator=(const LogFile&) = delete;

 private:
  std::shared_ptr<spdlog::sinks::basic_file_sink_mt> sink_;
};

// Ends every process of the run on scope exit: TERM to the live masters (nginx's fast shutdown),
// then SIGKILL to whatever is left, then the observer's last tick records the exits.
class RunSession::Processes {
 public:
  explicit Processes(ProcessObserver& observer) : observer_(observer) {}
  ~Processes() { end_all(); }
  Processes(const Processes&) = delete;
  Processes& operator=(const Processes&) = delete;

  void end_all() {
    if (ended_) return;
    ended_ = true;
    const auto live = [this] {
      std::vector<pid_t> pids;
      for (pid_t pid : observer_.pids_seen()) {
        if (is_running(pid)) pids.push_back(pid);
      }
      return pids;
    };
    const auto masters = observer_.snapshot().live_masters();
    for (const auto& master : masters) (void)send_signal(master.pid, SIGTERM);
    const auto graceful_until = std::chrono::steady_clock::now() + kGracefulStopTimeout;
    while (!masters.empty() && !live().empty() && std::chrono::steady_clock::now() < graceful_until) {
      std::this_thread::sleep_for(2ms);
    }
    const auto survivors = kill_until_gone(live, kKillTimeout);
    for (pid_t pid : survivors)
      spdlog::error("process {} of the run survived SIGKILL for {}s", pid, kKillTimeout.count());
    observer_.stop();
  }

 private:
  ProcessObserver& observer_;
  bool ended_ = false;
};

RunSession::RunSession(const Scenario& scenario, const RunOptions& options)
    : log_file_(std::make_unique<LogFile>(options.run_dir / "hotdeploy.log")),
      isolation_(options.isolation),
      run_dir_(options.run_dir) {
  try {
    write_effective_scenario(scenario, run_dir_);
  } catch (const EnvironmentError& e) {
    spdlog::warn("no scenario.yaml for `hotdeploy check`: {}", e.what());
  }
  spdlog::info("run {} of {} in {}", scenario.name, scenario.file, run_dir_.string());
  spdlog::info("{}", harness::describe(isolation_));
  write_isolation_file(run_dir_, isolation_);
  set_target_sysctls(scenario, isolation_);
  raise_open_file_limit(scenario.load);
  target_ = std::make_unique<Target>(
      Target::prepare(scenario, run_dir_, options.binaries,
                      isolation_.network_namespace ? kOwnNamespacePort : pick_free_loopback_port(), isolation_));
  subject_ = target_->subject();
  subject_.isolation = isolation_;
  write_run_subject(run_dir_, subject_);
  clock_ = std::make_unique<harness::RunClock>();
  observer_ = std::make_unique<ProcessObserver>(
      ObserverConfig{target_->pid_file(), target_->oldbin_file(), target_->error_log()}, *clock_);
  harness::LoadConfig load_config = scenario.load;
  load_config.port = target_->port();
  if (const auto* tls = target_->tls()) load_config.tls = *tls;
  load_ = std::make_unique<harness::LoadGenerator>(load_config, *clock_);
  upstreams_ = start_upstreams(scenario, *clock_);
  step_runner_ = std::make_unique<StepRunner>(*target_, *observer_, *clock_, steps_log_);
  sample_kernel_counters("start");
}

RunSession::~RunSession() {
  try {
    stop();
  } catch (const std::exception& e) {
    spdlog::error("ending the run: {}", e.what());
  }
}

std::optional<std::string> RunSession::start() {
  const auto launcher =
      launch({target_->master_argv(), target_->prefix(), run_dir_ / "nginx.stdout", run_dir_ / "nginx.stderr"});
  spdlog::info("started {} as pid {} on 127.0.0.1:{}", target_->executable().string(), launcher, target_->port());
  observer_->start(launcher);
  processes_ = std::make_unique<Processes>(*observer_);
  const Step start_wait{WaitStep{WaitCondition::serving, {MasterRef::Kind::oldest, 0}, kStartTimeout, {}}, 0, "start"};
  auto stopped_because = step_runner_->run(start_wait);
  if (stopped_because) {
    const auto stderr_text = read_head(run_dir_ / "nginx.stderr", 2000);
    if (!stderr_text.empty()) append_run_error("target's stderr: " + stderr_text);
  }
  return stopped_because;
}

void RunSession::start_load() {
  load_->start();
  load_started_ = true;
}

std::optional<std::string> RunSession::run_step(const Step& step, const std::string& label) {
  spdlog::info("step: {}", describe(step));
  sample_kernel_counters(label);
  return step_runner_->run(step);
}

void RunSession::end_steps() {
  harness::Event steps_ended;
  steps_ended.t_ns = clock_->now_ns();
  steps_ended.type = harness::EventType::steps_ended;
  steps_log_.append(std::move(steps_ended));
  step_runner_->finish();
}

void RunSession::stop() {
  if (stopped_) return;
  stopped_ = true;
  if (load_started_) {
    load_->stop(interrupted() ? kInterruptedLoadDrainTimeout : kLoadDrainTimeout);
    if (auto error = load_->error()) append_run_error("load generator: " + *error);
    if (const auto peak = peak_rss_mib()) {
      spdlog::info("peak RSS of the run process (load generator, observer, history) {:.1f} MiB", *peak);
    }
    sample_kernel_counters("end");
  }
  for (const auto& upstream : upstreams_) upstream->stop();
  if (processes_) processes_->end_all();
  for (const auto& upstream : upstreams_) {
    if (!upstream->error().empty()) append_run_error("upstream " + upstream->config().name + ": " + upstream->error());
  }
}

std::vector<harness::EventLog> RunSession::take_logs() {
  std::vector<harness::EventLog> logs;
  logs.push_back(std::move(steps_log_));
  logs.push_back(observer_->take_events());
  logs.push_back(load_->take_events());
  for (const auto& upstream : upstreams_) logs.push_back(upstream->take_events());
  return logs;
}

std::vector<harness::Event> RunSession::take_events_while_running(std::size_t reserve_per_loop) {
  std::vector<harness::Event> events = steps_log_.release();
  const auto add = [&](harness::EventLog log) {
    auto taken = log.release();
    events.insert(events.end(), std::make_move_iterator(taken.begin()), std::make_move_iterator(taken.end()));
  };
  add(observer_->take_events());
  add(load_->take_events_while_running(reserve_per_loop));
  return events;
}

void RunSession::append_run_error(std::string text) {
  harness::Event event;
  event.t_ns = clock_->now_ns();
  event.type = harness::EventType::run_error;
  event.text = std::move(text);
  steps_log_.append(std::move(event));
}

// A kernel_counters event, `when` the sample was taken: only in the run's own network namespace,
// where the counters are the run's alone (the host's would mix in other traffic). A sample that
// cannot be read is logged and left out; it never stops the run.
void RunSession::sample_kernel_counters(std::string when) {
  if (!isolation_.network_namespace) return;
  harness::Event event;
  event.type = harness::EventType::kernel_counters;
  try {
    event.counters = read_kernel_counters();
  } catch (const std::runtime_error& e) {
    spdlog::warn("no kernel counters {}: {}", when, e.what());
    return;
  }
  event.t_ns = clock_->now_ns();
  event.text = std::move(when);
  steps_log_.append(std::move(event));
}

}  // namespace hotdeploy::orchestrator
