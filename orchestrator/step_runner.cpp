#include "orchestrator/step_runner.h"

#include <spdlog/spdlog.h>

#include <unistd.h>

#include <csignal>
#include <cstring>
#include <regex>
#include <thread>

#include "orchestrator/duration.h"
#include "orchestrator/environment_error.h"
#include "orchestrator/error_log_tail.h"
#include "orchestrator/exec_command.h"
#include "orchestrator/http_probe.h"
#include "orchestrator/interrupt.h"
#include "orchestrator/process_control.h"
#include "orchestrator/signal_received.h"

namespace hotdeploy::orchestrator {

using harness::Event;
using harness::EventType;

namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(1);
constexpr auto kProbeInterval = std::chrono::milliseconds(20);
constexpr auto kProbeTimeout = std::chrono::milliseconds(500);

std::string interrupted_text() { return "interrupted by signal " + std::to_string(interrupt_signal()); }

// The signals a command may send that are judged by their effect (signal_effect.h), as nginx names them.
struct SignalName {
  std::string_view name;
  int number;
};
constexpr SignalName known_signal_names[] = {{"USR2", SIGUSR2}, {"WINCH", SIGWINCH}, {"QUIT", SIGQUIT},
                                             {"TERM", SIGTERM}, {"INT", SIGINT},     {"HUP", SIGHUP},
                                             {"USR1", SIGUSR1}};

// How long an exit may go without its code before a wait gives up on knowing it (the observer
// reaps within a tick, and gives up itself after 200 ms).
constexpr std::int64_t kExitCodeGraceNs = 300'000'000;

// error.log's lines that say why a master could not go on: emerg, alert and crit.
std::string fatal_log_lines(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) {
    if (line.find("[emerg]") == std::string::npos && line.find("[alert]") == std::string::npos &&
        line.find("[crit]") == std::string::npos) {
      continue;
    }
    text += (text.empty() ? "" : " | ") + line;
  }
  return text;
}

}  // namespace

std::optional<std::string> StepRunner::run(const Step& step) {
  Event started;
  started.t_ns = clock_.now_ns();
  started.type = EventType::step_started;
  started.text = describe(step) + " (line " + std::to_string(step.line) +
                 (step.procedure.empty() ? "" : ", " + step.procedure) + ")";
  events_.append(std::move(started));
  attribute_logged_signals();
  settle_effects();
  if (interrupted()) return fail(EventType::run_error, interrupted_text());
  return std::visit([this](const auto& action) { return run_action(action); }, step.action);
}

std::string StepRunner::fail(EventType type, std::string text) {
  Event event;
  event.t_ns = clock_.now_ns();
  event.type = type;
  event.text = text;
  events_.append(std::move(event));
  return text;
}

std::optional<std::string> StepRunner::run_action(const SwapBinaryStep& step) {
  try {
    target_.swap_binary(step.which);
  } catch (const EnvironmentError& e) {
    return fail(EventType::run_error, e.what());
  }
  Event event;
  event.t_ns = clock_.now_ns();
  event.type = EventType::binary_swapped;
  event.text = step.which == BinaryChoice::next ? "new" : "old";
  events_.append(std::move(event));
  return std::nullopt;
}

void StepRunner::settle_effects() {
  if (awaiting_effect_.empty()) return;
  const auto table = observer_.snapshot();
  const auto now = clock_.now_ns();
  std::erase_if(awaiting_effect_, [&](const SentSignal& signal) {
    const auto seen = effect_seen(signal, table);
    if (!seen.has_value() || *seen) return true;
    if (!signal.superseded_ns && now - signal.sent_ns < std::chrono::nanoseconds(kEffectGrace).count()) return false;
    Event event;
    event.t_ns = now;
    event.type = EventType::no_effect;
    event.pid = signal.target.pid;
    event.generation = signal.target.generation;
    event.role = signal.target.role;
    event.signal = harness::from_string<harness::Signal>(signal.name).value_or(harness::Signal::none);
    event.text =
        signal.name + " to generation " + std::to_string(signal.target.generation) + " master " +
        std::to_string(signal.target.pid) + ": no effect (" + missing_effect(signal) +
        (signal.superseded_ns ? " before the next " + signal.name : " within " + format_duration(kEffectGrace)) + ")";
    spdlog::warn("{}", event.text);
    events_.append(std::move(event));
    return true;
  });
}

void StepRunner::finish() {
  const auto until = std::chrono::steady_clock::now() + kEffectGrace + kPollInterval * 50;
  attribute_logged_signals();
  while (!awaiting_effect_.empty() && !interrupted() && std::chrono::steady_clock::now() < until) {
    attribute_logged_signals();
    settle_effects();
    std::this_thread::sleep_for(kPollInterval * 5);
  }
  settle_effects();
}

std::optional<std::string> StepRunner::signal_process(const SignalStep& step, const ProcessRecord& process,
                                                      const ProcessTable& table) {
  log_lines_before_last_signal_ = observer_.log_line_count();
  const auto sent_at = clock_.now_ns();
  const int error = send_signal(process.pid, step.signal_number);
  if (error != 0) {
    return fail(EventType::run_error,
                "kill(" + std::to_string(process.pid) + ", SIG" + step.signal_name + "): " + std::strerror(error));
  }
  Event event;
  event.t_ns = sent_at;
  event.type = EventType::signal_sent;
  event.pid = process.pid;
  event.generation = process.generation;
  event.role = process.role;
  event.signal = harness::from_string<harness::Signal>(step.signal_name).value_or(harness::Signal::none);
  event.text = step.signal_name;
  events_.append(std::move(event));
  for (auto& earlier : awaiting_effect_) {
    if (earlier.target.pid == process.pid && earlier.number == step.signal_number) earlier.superseded_ns = sent_at;
  }
  awaiting_effect_.push_back(
      {step.signal_name, step.signal_number, process, sent_at, table.live_workers_of(process.pid), {}});
  return std::nullopt;
}

std::optional<std::string> StepRunner::run_action(const SignalStep& step) {
  const auto table = observer_.snapshot();
  if (step.to.kind == MasterRef::Kind::all) {
    for (const auto& process : table.records) {
      if (process.exited_ns || process.role == harness::ProcessRole::none) continue;
      if (auto error = signal_process(step, process, table)) return error;
    }
    return std::nullopt;
  }
  const auto master = resolve(step.to, table, false);
  if (!master) {
    return fail(EventType::run_error, "signal " + step.signal_name + ": no live master is '" + describe(step.to) +
                                          "' (" + table.describe() + ")");
  }
  if (step.signal_number == SIGUSR2) min_new_generation_ = table.max_generation() + 1;
  last_signalled_.insert_or_assign(std::pair{step.to.kind, step.to.generation}, *master);
  return signal_process(step, *master, table);
}

std::optional<std::string> StepRunner::run_action(const ConfigStep& step) {
  try {
    target_.write_config(step);
  } catch (const EnvironmentError& e) {
    return fail(EventType::run_error, e.what());
  }
  return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> StepRunner::exec_environment() const {
  const auto table = observer_.snapshot();
  std::string master;
  if (table.pid_file) {
    if (const auto* named = table.find(*table.pid_file);
        named && named->role == harness::ProcessRole::master && !named->exited_ns) {
      master = std::to_string(named->pid);
    }
  }
  if (master.empty()) {
    const auto masters = table.live_masters();
    if (!masters.empty()) master = std::to_string(masters.front().pid);
  }
  return {{"HOTDEPLOY_PREFIX", target_.prefix().string()},
          {"HOTDEPLOY_NGINX", target_.executable().string()},
          {"HOTDEPLOY_CONF", target_.config_file().string()},
          {"HOTDEPLOY_PID_FILE", target_.pid_file().string()},
          {"NGINX_PID", master}};
}

void StepRunner::attribute_logged_signals() {
  if (last_exec_started_ns_ < 0) return;  // no command ran: every signal so far is hotdeploy's own
  const auto lines = observer_.timed_log_lines_from(signal_lines_read_);
  if (lines.empty()) return;
  const auto table = observer_.snapshot();
  for (const auto& [t_ns, raw] : lines) {
    ++signal_lines_read_;
    const auto line = parse_error_log_line(raw);
    const auto received = parse_signal_received(line.message);
    if (!received || received->sender == 0 || received->sender == ::getpid()) continue;
    if (table.find(received->sender) != nullptr) continue;  // the target's own (a worker's SIGCHLD, ...)
    const auto* master = table.find(line.pid);
    if (master == nullptr || master->role != harness::ProcessRole::master) continue;
    const SignalName* known = nullptr;
    for (const auto& candidate : known_signal_names) {
      if (candidate.name == received->name) known = &candidate;
    }
    if (known == nullptr) continue;
    Event event;
    event.t_ns = t_ns;
    event.type = EventType::signal_sent;
    event.pid = master->pid;
    event.generation = master->generation;
    event.role = master->role;
    event.seen = harness::ProcessSeen::inferred_from_log;
    event.text = received->name;
    events_.append(std::move(event));
    spdlog::info("signal {} to master {} sent by pid {} (the exec step's command), from error.log", received->name,
                 master->pid, received->sender);
    // Sent after the exec step began, or after the same signal to the same master was last seen.
    std::int64_t sent_after = last_exec_started_ns_;
    for (auto& earlier : awaiting_effect_) {
      if (earlier.target.pid == master->pid && earlier.number == known->number) {
        earlier.superseded_ns = t_ns;
        sent_after = std::max(sent_after, earlier.sent_ns);
      }
    }
    if (known->number == SIGUSR2) min_new_generation_ = std::max(min_new_generation_, master->generation + 1);
    log_lines_before_last_signal_ = signal_lines_read_ - 1;
    awaiting_effect_.push_back(
        {received->name, known->number, *master, sent_after, table.live_workers_of(master->pid), {}});
  }
}

std::optional<std::string> StepRunner::run_action(const ExecStep& step) {
  ExecSpec spec;
  spec.argv = step.argv;
  spec.shell_line = step.shell_line;
  spec.directory = step.directory;
  spec.environment = exec_environment();
  spec.timeout = step.timeout;
  const std::string command = describe(spec);
  if (last_exec_started_ns_ < 0) signal_lines_read_ = observer_.log_line_count();
  last_exec_started_ns_ = clock_.now_ns();
  ExecResult result;
  try {
    result = run_exec(
        spec, [this] { attribute_logged_signals(); }, [] { return interrupted(); });
  } catch (const std::system_error& e) {
    return fail(EventType::run_error, "exec " + command + ": " + e.what());
  }
  attribute_logged_signals();
  Event event;
  event.t_ns = clock_.now_ns();
  event.type = EventType::exec_ended;
  event.pid = result.pid;
  event.exit_code = result.exit_code;
  event.duration_ns = result.duration.count();
  event.output = result.output;
  event.text = command;
  events_.append(std::move(event));
  if (result.left_running > 0) {
    spdlog::warn("exec {}: {} process(es) of its process group still ran after it exited; killed", command,
                 result.left_running);
  }
  const auto output_tail = [&] {
    constexpr std::size_t kTail = 400;
    std::string tail =
        result.output.size() > kTail ? "..." + result.output.substr(result.output.size() - kTail) : result.output;
    while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r')) tail.pop_back();
    return tail.empty() ? std::string("; it wrote nothing") : "; its output ends: " + tail;
  };
  if (!result.survivors.empty()) {
    std::string pids;
    for (pid_t pid : result.survivors) pids += (pids.empty() ? "" : ", ") + std::to_string(pid);
    return fail(EventType::run_error, "exec " + command + ": processes of its process group survived SIGKILL: " + pids);
  }
  if (!result.error.empty()) return fail(EventType::run_error, "exec " + command + ": " + result.error);
  if (result.stopped) return fail(EventType::run_error, interrupted_text());
  if (result.timed_out) {
    return fail(EventType::run_error, "exec " + command + " timed out after " + format_duration(step.timeout) +
                                          "; its process group was killed" + output_tail());
  }
  if (result.exit_code != step.expect_exit) {
    return fail(EventType::run_error, "exec " + command + " exited with " + std::to_string(result.exit_code) +
                                          ", expected " + std::to_string(step.expect_exit) + output_tail());
  }
  return std::nullopt;
}

std::optional<std::string> StepRunner::run_action(const SleepStep& step) {
  const auto until = std::chrono::steady_clock::now() + step.duration;
  while (std::chrono::steady_clock::now() < until) {
    if (interrupted()) return fail(EventType::run_error, interrupted_text());
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(kPollInterval * 10, until - std::chrono::steady_clock::now()));
  }
  return std::nullopt;
}

std::optional<ProcessRecord> StepRunner::resolve(const MasterRef& ref, const ProcessTable& table,
                                                 bool born_since_usr2) const {
  const auto masters = table.live_masters();
  switch (ref.kind) {
    case MasterRef::Kind::oldest:
      if (!masters.empty()) return masters.front();
      break;
    case MasterRef::Kind::newest:
      if (!masters.empty() && (!born_since_usr2 || masters.back().generation >= min_new_generation_)) {
        return masters.back();
      }
      break;
    case MasterRef::Kind::generation:
      if (const auto* master = table.master_of_generation(ref.generation)) return *master;
      break;
    case MasterRef::Kind::all: break;
  }
  return std::nullopt;
}

bool StepRunner::condition_holds(const WaitStep& step, const ProcessRecord& master, const ProcessTable& table,
                                 std::string& seen) {
  const auto* now = table.find(master.pid);
  const bool alive = now && !now->exited_ns;
  const int workers = alive ? table.live_workers_of(master.pid) : 0;
  switch (step.until) {
    case WaitCondition::serving: {
      if (!alive || workers < target_.workers()) return false;
      const auto clock_now = std::chrono::steady_clock::now();
      if (clock_now < next_probe_) return false;
      next_probe_ = clock_now + kProbeInterval;
      const bool answered = probe_http_ok(target_.port(), kProbeTimeout, target_.tls());
      if (!answered) seen = "GET / on port " + std::to_string(target_.port()) + " got no 200";
      return answered;
    }
    case WaitCondition::master_ready: return alive && table.pid_file == master.pid && workers >= target_.workers();
    case WaitCondition::workers_exited: return workers == 0;
    case WaitCondition::master_exited: return !alive;
    case WaitCondition::log: break;
  }
  return false;
}

std::optional<std::string> StepRunner::wait_for_log(const WaitStep& step) {
  const std::regex pattern(step.pattern, std::regex::ECMAScript);
  const auto started = std::chrono::steady_clock::now();
  const auto deadline = started + step.timeout;
  std::size_t next = log_lines_before_last_signal_;
  while (true) {
    if (interrupted()) return fail(EventType::run_error, interrupted_text());
    for (const auto& line : observer_.log_lines_from(next)) {
      ++next;
      if (!std::regex_search(line, pattern)) continue;
      const auto waited =
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
      Event event;
      event.t_ns = clock_.now_ns();
      event.type = EventType::wait_satisfied;
      event.text = "log /" + step.pattern + "/ after " + std::to_string(waited.count()) + "ms: " + line;
      events_.append(std::move(event));
      return std::nullopt;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return fail(EventType::wait_timed_out, "wait log /" + step.pattern + "/ timed out after " +
                                                 format_duration(step.timeout) + "; " + std::to_string(next) +
                                                 " error.log lines seen, none matching since the last signal");
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

const ProcessRecord* StepRunner::exited_during_wait(const WaitStep& step, const std::optional<ProcessRecord>& master,
                                                    const ProcessTable& table, std::int64_t started_ns) const {
  if (master) {
    const auto* now = table.find(master->pid);
    return now && now->exited_ns ? now : nullptr;
  }
  if (step.of.kind == MasterRef::Kind::newest) {
    for (const auto& record : table.records) {
      if (record.role == harness::ProcessRole::master && record.generation >= min_new_generation_ && record.exited_ns &&
          *record.exited_ns >= started_ns) {
        return &record;
      }
    }
    return nullptr;
  }
  // No master yet: the run's processes all ended, the last with a failure (a launcher that
  // daemonized exits 0 and leaves its master behind).
  const ProcessRecord* last = nullptr;
  for (const auto& record : table.records) {
    if (!record.exited_ns) return nullptr;
    if (!last || *record.exited_ns > *last->exited_ns) last = &record;
  }
  if (!last || *last->exited_ns < started_ns || last->exit_code == 0) return nullptr;
  return last;
}

std::optional<std::string> StepRunner::run_action(const WaitStep& step) {
  if (step.until == WaitCondition::log) return wait_for_log(step);
  const auto started_ns = clock_.now_ns();
  const auto started = std::chrono::steady_clock::now();
  const auto deadline = started + step.timeout;
  std::optional<ProcessRecord> master;
  std::string seen;
  const bool born_since_usr2 = step.until == WaitCondition::master_ready || step.until == WaitCondition::serving;
  const bool waits_for_exit = step.until == WaitCondition::master_exited || step.until == WaitCondition::workers_exited;
  if (const auto signalled = last_signalled_.find({step.of.kind, step.of.generation});
      waits_for_exit && signalled != last_signalled_.end()) {
    master = signalled->second;
  }
  while (true) {
    if (interrupted()) return fail(EventType::run_error, interrupted_text());
    const auto table = observer_.snapshot();
    if (!master) master = resolve(step.of, table, born_since_usr2);
    std::string probe_note;
    if (master && condition_holds(step, *master, table, probe_note)) break;
    if (!waits_for_exit) {
      const auto* gone = exited_during_wait(step, master, table, started_ns);
      if (gone && (gone->exit_code != -1 || clock_.now_ns() - *gone->exited_ns > kExitCodeGraceNs)) {
        const auto fatal = fatal_log_lines(observer_.log_lines_from(0));
        return fail(EventType::run_error,
                    "wait " + describe(step.until) + " of " + describe(step.of) +
                        " ended: " + (gone->role == harness::ProcessRole::master ? "master " : "process ") +
                        std::to_string(gone->pid) + " exited with status " +
                        (gone->exit_code == -1 ? std::string("unknown") : std::to_string(gone->exit_code)) +
                        " during the wait" + (fatal.empty() ? "" : "; error.log: " + fatal));
      }
    }
    seen = table.describe() + (probe_note.empty() ? "" : "; " + probe_note);
    if (!master && step.of.kind == MasterRef::Kind::newest && born_since_usr2) {
      seen = "no master of generation " + std::to_string(min_new_generation_) + " or later yet; " + seen;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return fail(EventType::wait_timed_out, "wait " + describe(step.until) + " of " + describe(step.of) +
                                                 " timed out after " + format_duration(step.timeout) +
                                                 "; last seen: " + seen);
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  Event event;
  event.t_ns = clock_.now_ns();
  event.type = EventType::wait_satisfied;
  event.pid = master->pid;
  event.generation = master->generation;
  event.text = describe(step.until) + " of " + describe(step.of) + " after " + std::to_string(waited.count()) + "ms";
  events_.append(std::move(event));
  return std::nullopt;
}

}  // namespace hotdeploy::orchestrator
