#include "orchestrator/runner.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>

#include <sys/resource.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <thread>

#include "harness/history/history_file.h"
#include "harness/judge/history_validation.h"
#include "harness/load/load_generator.h"
#include "harness/report/junit_xml.h"
#include "harness/report/report_html.h"
#include "harness/report/result_file.h"
#include "harness/upstream/upstream_server.h"
#include "orchestrator/environment_error.h"
#include "orchestrator/free_port.h"
#include "orchestrator/interrupt.h"
#include "orchestrator/kernel_counters.h"
#include "orchestrator/proc_fs.h"
#include "orchestrator/process_control.h"
#include "orchestrator/process_observer.h"
#include "orchestrator/progress_file.h"
#include "orchestrator/run_isolation_file.h"
#include "orchestrator/run_isolation_network.h"
#include "orchestrator/run_record.h"
#include "orchestrator/step_runner.h"

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

// Adds the run directory's hotdeploy.log to the default logger for the length of a run.
class RunLogFile {
 public:
  explicit RunLogFile(const fs::path& path)
      : sink_(std::make_shared<spdlog::sinks::basic_file_sink_mt>(path.string(), true)) {
    spdlog::default_logger()->sinks().push_back(sink_);
  }
  ~RunLogFile() {
    auto& sinks = spdlog::default_logger()->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
  }
  RunLogFile(const RunLogFile&) = delete;
  RunLogFile& operator=(const RunLogFile&) = delete;

 private:
  std::shared_ptr<spdlog::sinks::basic_file_sink_mt> sink_;
};

// Ends every process of the run on scope exit: TERM to the live masters (nginx's fast shutdown),
// then SIGKILL to whatever is left, then the observer's last tick records the exits.
class RunProcesses {
 public:
  explicit RunProcesses(ProcessObserver& observer) : observer_(observer) {}
  ~RunProcesses() { end_all(); }
  RunProcesses(const RunProcesses&) = delete;
  RunProcesses& operator=(const RunProcesses&) = delete;

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

}  // namespace

std::filesystem::path progress_path(const std::filesystem::path& run_dir) { return run_dir / "progress"; }

namespace {

harness::Event run_error_event(const harness::RunClock& clock, std::string text) {
  harness::Event event;
  event.t_ns = clock.now_ns();
  event.type = harness::EventType::run_error;
  event.text = std::move(text);
  return event;
}

// Appends a kernel_counters event, `when` the sample was taken, to `log`: only in the run's own
// network namespace, where the counters are the run's alone (the host's would mix in other
// traffic). A sample that cannot be read is logged and left out; it never stops the run.
void sample_kernel_counters(const harness::RunIsolation& isolation, const harness::RunClock& clock,
                            harness::EventLog& log, std::string when) {
  if (!isolation.network_namespace) return;
  harness::Event event;
  event.type = harness::EventType::kernel_counters;
  try {
    event.counters = read_kernel_counters();
  } catch (const std::runtime_error& e) {
    spdlog::warn("no kernel counters {}: {}", when, e.what());
    return;
  }
  event.t_ns = clock.now_ns();
  event.text = std::move(when);
  log.append(std::move(event));
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

RunResult run_scenario(const Scenario& scenario, const RunOptions& options) {
  RunResult result;
  result.run_dir = options.run_dir;
  RunLogFile log_file(result.run_dir / "hotdeploy.log");
  try {
    write_effective_scenario(scenario, result.run_dir);
  } catch (const EnvironmentError& e) {
    spdlog::warn("no scenario.yaml for `hotdeploy check`: {}", e.what());
  }
  spdlog::info("run {} of {} in {}", scenario.name, scenario.file, result.run_dir.string());
  spdlog::info("{}", harness::describe(options.isolation));
  write_isolation_file(result.run_dir, options.isolation);
  set_target_sysctls(scenario, options.isolation);
  raise_open_file_limit(scenario.load);

  auto target = Target::prepare(scenario, result.run_dir, options.binaries,
                                options.isolation.network_namespace ? kOwnNamespacePort : pick_free_loopback_port(),
                                options.isolation);
  result.subject = target.subject();
  result.subject.isolation = options.isolation;
  write_run_subject(result.run_dir, result.subject);
  harness::RunClock clock;
  harness::EventLog steps_log;
  ProcessObserver observer({target.pid_file(), target.oldbin_file(), target.error_log()}, clock);
  harness::LoadConfig load_config = scenario.load;
  load_config.port = target.port();
  if (const auto* tls = target.tls()) load_config.tls = *tls;
  harness::LoadGenerator load(load_config, clock);
  const auto upstreams = start_upstreams(scenario, clock);
  StepRunner step_runner(target, observer, clock, steps_log);
  std::atomic<std::size_t> steps_done{0};
  const ProgressFile progress(progress_path(result.run_dir), [&] {
    const auto load_progress = load.progress();
    const double seconds = static_cast<double>(clock.now_ns()) / 1e9;
    const auto done = steps_done.load();
    std::ostringstream line;
    line << std::fixed << std::setprecision(1) << seconds << "s  step " << std::min(done + 1, scenario.steps.size())
         << '/' << scenario.steps.size() << ' '
         << (done < scenario.steps.size() ? describe(scenario.steps[done]) : std::string("ending")) << "  "
         << static_cast<std::uint64_t>(seconds > 0 ? static_cast<double>(load_progress.sent) / seconds : 0)
         << " req/s  dropped " << load_progress.dropped;
    return line.str();
  });
  sample_kernel_counters(options.isolation, clock, steps_log, "start");
  {
    const auto launcher = launch(
        {target.master_argv(), target.prefix(), result.run_dir / "nginx.stdout", result.run_dir / "nginx.stderr"});
    spdlog::info("started {} as pid {} on 127.0.0.1:{}", target.executable().string(), launcher, target.port());
    observer.start(launcher);
    RunProcesses processes(observer);

    const Step start_wait{WaitStep{WaitCondition::serving, {MasterRef::Kind::oldest, 0}, kStartTimeout, {}}, 0,
                          "start"};
    auto stopped_because = step_runner.run(start_wait);
    if (stopped_because) {
      const auto stderr_text = read_head(result.run_dir / "nginx.stderr", 2000);
      if (!stderr_text.empty()) steps_log.append(run_error_event(clock, "target's stderr: " + stderr_text));
    } else {
      load.start();
      for (const auto& step : scenario.steps) {
        spdlog::info("step: {}", describe(step));
        sample_kernel_counters(options.isolation, clock, steps_log,
                               "before step " + std::to_string(steps_done + 1) + ": " + describe(step));
        stopped_because = step_runner.run(step);
        if (stopped_because) break;
        ++steps_done;
      }
      harness::Event steps_ended;
      steps_ended.t_ns = clock.now_ns();
      steps_ended.type = harness::EventType::steps_ended;
      steps_log.append(std::move(steps_ended));
      step_runner.finish();
      load.stop(interrupted() ? kInterruptedLoadDrainTimeout : kLoadDrainTimeout);
      if (auto error = load.error()) steps_log.append(run_error_event(clock, "load generator: " + *error));
      if (const auto peak = peak_rss_mib()) {
        spdlog::info("peak RSS of the run process (load generator, observer, history) {:.1f} MiB", *peak);
      }
      sample_kernel_counters(options.isolation, clock, steps_log, "end");
    }
    if (stopped_because) spdlog::error("run stopped: {}", *stopped_because);
    for (const auto& upstream : upstreams) upstream->stop();
    processes.end_all();
  }
  result.interrupted_by = interrupt_signal();

  for (const auto& upstream : upstreams) {
    if (!upstream->error().empty()) {
      steps_log.append(run_error_event(clock, "upstream " + upstream->config().name + ": " + upstream->error()));
    }
  }
  std::vector<harness::EventLog> logs;
  logs.push_back(std::move(steps_log));
  logs.push_back(observer.take_events());
  logs.push_back(load.take_events());
  for (const auto& upstream : upstreams) logs.push_back(upstream->take_events());
  const auto history = harness::History::merge(std::move(logs));
  {
    std::ofstream out(result.run_dir / "history.jsonl");
    harness::write_jsonl(history, out);
    if (!out) throw EnvironmentError("cannot write " + (result.run_dir / "history.jsonl").string());
  }
  // A history the run could not have produced is a bug: it is kept, and fails history_invalid.
  result.judgement = harness::judge_valid(history, scenario.expect);
  write_judgement(result.run_dir, scenario.name, result.subject, history, result.judgement);
  for (const auto& check : result.judgement.checks) {
    spdlog::info("check {}: {} ({})", check.name, harness::to_string(check.verdict), check.detail);
  }
  return result;
}

void write_judgement(const fs::path& run_dir, const std::string& scenario_name, const harness::RunSubject& subject,
                     const harness::History& history, const harness::Judgement& judgement) {
  {
    std::ofstream out(run_dir / "result.json");
    harness::write_result_json(scenario_name, subject, judgement, out);
    if (!out) throw EnvironmentError("cannot write " + (run_dir / "result.json").string());
  }
  {
    const auto& events = history.events();
    const double seconds = events.empty() ? 0 : static_cast<double>(events.back().t_ns - events.front().t_ns) / 1e9;
    const harness::ScenarioOutcome outcome{scenario_name, seconds, judgement, subject, {}, {}};
    std::ofstream out(run_dir / "junit.xml");
    harness::write_junit_xml(std::span(&outcome, 1), out);
    if (!out) throw EnvironmentError("cannot write " + (run_dir / "junit.xml").string());
  }
  std::ofstream out(run_dir / "report.html");
  harness::write_report_html(scenario_name, subject, history, judgement, out);
  if (!out) throw EnvironmentError("cannot write " + (run_dir / "report.html").string());
}

namespace {

// Checks that name a cause come first, then the ones that usually follow from it.
int cause_rank(const std::string& check) {
  if (check == "run" || check == "run_errors" || check == "history_invalid") return 0;
  if (check == "served_by_at_end" || check == "masters_at_end") return 2;
  return 1;
}

}  // namespace

std::string verdict_line(const std::string& scenario_name, const harness::RunSubject& subject,
                         const harness::Judgement& judgement) {
  const auto& metrics = judgement.metrics;
  std::ostringstream line;
  std::string verdict(harness::to_string(judgement.verdict));
  for (char& c : verdict) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  line << verdict << ' ' << scenario_name << ": " << metrics.requests << " requests, " << metrics.dropped
       << " dropped, " << metrics.retried << " retried, switchover ";
  if (metrics.switchover_ms) {
    line << std::fixed << std::setprecision(1) << *metrics.switchover_ms << " ms";
  } else {
    line << "n/a";
  }
  if (!subject.target.empty()) line << "\n  " << harness::describe_subject(subject, 16);
  std::vector<const harness::Check*> failing;
  for (const auto& check : judgement.checks) {
    if (check.verdict != harness::Verdict::pass) failing.push_back(&check);
  }
  std::stable_sort(failing.begin(), failing.end(), [](const harness::Check* a, const harness::Check* b) {
    return cause_rank(a->name) < cause_rank(b->name);
  });
  for (const auto* check : failing) line << "\n  " << check->name << ": " << check->detail;
  return line.str();
}

}  // namespace hotdeploy::orchestrator
