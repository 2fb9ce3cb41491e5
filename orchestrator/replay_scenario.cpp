#include "orchestrator/replay_scenario.h"

#include <algorithm>
#include <set>
#include <sstream>

namespace hotdeploy::orchestrator {
namespace {

std::string duration_text(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + "s";
  return std::to_string(d.count()) + "ms";
}

// A regex in single quotes, where YAML takes backslashes as they are.
std::string single_quoted(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("''") : std::string(1, c);
  return quoted + "'";
}

std::string line_ref(int line) { return "line " + std::to_string(line); }

// Whether the harness will find no effect for this signal (signal_effect.h): USR2 forks no master,
// WINCH to a master with workers stops none, HUP starts no worker, QUIT/TERM/INT ends neither the
// master nor a worker. Other signals are not judged.
bool has_no_effect(const IncidentSignal& s) {
  if (s.name == "USR2") return s.new_master == 0;
  if (s.name == "WINCH") return s.workers_at_signal > 0 && s.workers_exited == 0;
  if (s.name == "HUP") return s.workers_started == 0;
  if (s.name == "QUIT" || s.name == "TERM" || s.name == "INT") {
    return s.effect != SignalEffect::master_exited && s.workers_exited == 0;
  }
  return false;
}

// One step of the replay: a signal the log shows, or a master's exit that no logged signal
// explains (a SIGKILL, which its receiver cannot log).
struct Moment {
  int line = 0;
  const IncidentSignal* signal = nullptr;
  const UnsignalledExit* exit = nullptr;
};

class Writer {
 public:
  Writer(const Incident& incident, const ReplayRequest& request)
      : incident_(incident), request_(request), defaults_(request.defaults) {}

  ReplayScenario write() {
    const auto* first = incident_.master_of_generation(1);
    config_workers_ = first && first->workers_at_start > 0 ? first->workers_at_start : defaults_.workers;
    initial_workers_ = config_workers_;
    find_failed_start();
    assume("load: " + std::to_string(defaults_.keepalive_connections) +
           " keep-alive connections (the log shows no requests), and dropped: 0 expected");
    write_steps();
    std::ostringstream file;
    write_header(file);
    write_target(file, first);
    file << "load:                         # default `load`: the log shows no requests\n"
         << "  keepalive: {connections: " << defaults_.keepalive_connections << "}\n";
    file << "steps:\n" << steps_.str();
    write_expect(file);
    result_.yaml = file.str();
    return std::move(result_);
  }

 private:
  void assume(const std::string& what) {
    if (std::find(result_.assumed.begin(), result_.assumed.end(), what) == result_.assumed.end()) {
      result_.assumed.push_back(what);
    }
  }

  // The failed start that decides the new binary: the first one in the log.
  void find_failed_start() {
    for (const auto& m : incident_.masters) {
      if (m.start == MasterStart::running || m.parent == 0) continue;
      if (failed_ == nullptr) {
        failed_ = &m;
      } else if (m.start != failed_->start) {
        result_.not_reproduced.push_back(line_ref(m.start_failure_line) + ": master " + std::to_string(m.pid) +
                                         " also failed to start, differently; the new binary carries only the "
                                         "first failure (" +
                                         line_ref(failed_->start_failure_line) + ")");
      }
    }
  }

  void write_header(std::ostringstream& file) const {
    file << "# Replayed by `hotdeploy replay` from " << request_.source << " (lines " << incident_.first_line << "-"
         << incident_.last_line << "): " << incident_.masters.size() << " master(s), " << incident_.signals.size()
         << " signal(s). Each step's comment quotes the log line behind it.\n"
         << "# Named defaults, for what an error.log cannot tell (edit them to match the incident):\n"
         << "#   load: " << defaults_.keepalive_connections
         << " keep-alive connections (the log shows no requests); dropped: 0 (hotdeploy's expectation)\n"
         << "#   lead_in: " << duration_text(defaults_.lead_in)
         << " of load after the first master serves, before the first signal\n"
         << "#   pause: " << duration_text(defaults_.pause)
         << " after a signal whose effect the log does not show (its times have 1 s resolution)\n"
         << "#   settle: " << duration_text(defaults_.settle) << " after the last step\n"
         << "#   max_gap: " << defaults_.max_gap.count()
         << "s at most between two signals, however far apart the log shows them\n"
         << "#   timeout: " << defaults_.wait_timeout.count()
         << "s per wait, longer where the log shows the effect took longer\n"
         << "#   config: the target's default nginx.conf, with the worker counts the log shows\n";
  }

  void write_target(std::ostringstream& file, const IncidentMaster* first) {
    file << "name: " << request_.name << "\n"
         << "summary: >\n  Replayed from " << request_.source << ": " << summary() << "\n"
         << "target:\n"
         << "  kind: " << (request_.target == TargetKind::fake ? "fake" : "nginx") << "\n"
         << "  workers: " << initial_workers_;
    if (first && first->workers_at_start > 0) {
      file << "  # master " << first->pid << " (generation 1) started " << first->workers_at_start << "\n";
    } else {
      file << "  # default `workers`: the log shows no master starting its workers\n";
      assume("workers: " + std::to_string(defaults_.workers) + " (the log shows no master starting its workers)");
    }
    if (incident_.daemon_off) {
      const auto winch = std::find_if(incident_.signals.begin(), incident_.signals.end(),
                                      [](const auto& s) { return s.name == "WINCH" && s.action.empty(); });
      file << "  daemon: false  # " << line_ref(winch->line)
           << ": WINCH logged no action, which nginx does only when it never daemonized\n";
    }
    if (failed_ == nullptr) return;
    const std::string why = "  # " + line_ref(failed_->start_failure_line) + ": " + failed_->start_failure + "\n";
    switch (failed_->start) {
      case MasterStart::exec_failed: file << "  new_binary: missing" << why; break;
      case MasterStart::crashed:
        if (request_.target == TargetKind::fake) {
          file << "  faults: {new: [crash_on_start]}" << why;
        } else {
          file << "  new_binary: fake  # real nginx cannot be made to crash at start: a fake new binary does\n"
               << "  faults: {new: [crash_on_start]}" << why;
          assume("the new binary is fake-nginx with crash_on_start: real nginx cannot be made to crash at start");
        }
        break;
      case MasterStart::config_failed:
        if (request_.target == TargetKind::fake) file << "  faults: {new: [fail_config]}" << why;
        break;
      case MasterStart::running: break;
    }
  }

  std::string summary() const {
    std::string text;
    for (const auto& m : incident_.masters) {
      text += (text.empty() ? "" : ", ") + std::string("generation ") + std::to_string(m.generation) + " master " +
              std::to_string(m.pid);
    }
    text += "; signals:";
    for (const auto& s : incident_.signals) {
      text += " " + s.name + " to " + std::to_string(s.generation) + (has_no_effect(s) ? " (no effect)" : "") + ",";
    }
    if (!incident_.signals.empty()) text.pop_back();
    if (incident_.signals.empty()) text += " none";
    return text + ".";
  }

  std::string timeout(std::int64_t from_s, std::int64_t to_s) const {
    const auto shown = std::chrono::seconds(2 * (std::max<std::int64_t>(to_s - from_s, 0) + 1));
    return std::to_string(std::max(defaults_.wait_timeout, shown).count()) + "s";
  }

  void step(const std::string& text, const std::string& comment = "") {
    steps_ << "  - " << text;
    if (!comment.empty()) steps_ << "  # " << comment;
    steps_ << "\n";
  }

  void pause(const std::string& why) {
    step("sleep: " + duration_text(defaults_.pause), "default `pause`: " + why);
    assume("pause: " + duration_text(defaults_.pause) + " after a signal whose effect the log does not show");
  }

  void write_steps() {
    const auto* first = incident_.master_of_generation(1);
    const int from_line = first ? first->first_line : incident_.first_line;
    step("wait: {until: serving, of: 1, timeout: " + duration_text(defaults_.wait_timeout) + "}",
         "the first master serving, as from " + line_ref(from_line));
    step("sleep: " + duration_text(defaults_.lead_in), "default `lead_in`: the load runs before the first signal");
    assume("lead_in: " + duration_text(defaults_.lead_in) + " of load before the first signal");
    std::vector<Moment> moments;
    for (const auto& s : incident_.signals) moments.push_back({s.line, &s, nullptr});
    for (const auto& e : incident_.unsignalled_exits) moments.push_back({e.line, nullptr, &e});
    std::sort(moments.begin(), moments.end(), [](const auto& a, const auto& b) { return a.line < b.line; });
    std::int64_t last_time = -1;
    int last_line = 0;
    for (const auto& moment : moments) {
      if (moment.signal) {
        steps_ << "  # " << line_ref(moment.signal->line) << ": " << moment.signal->raw << "\n";
        gap(last_time, last_line, moment.signal->time_s, moment.signal->line);
        write_signal(*moment.signal);
        last_time = moment.signal->effect_line ? moment.signal->effect_time_s : moment.signal->time_s;
        last_line = moment.signal->effect_line ? moment.signal->effect_line : moment.signal->line;
      } else {
        write_unsignalled_exit(*moment.exit);
      }
    }
    step("sleep: " + duration_text(defaults_.settle), "default `settle`");
    assume("settle: " + duration_text(defaults_.settle) + " after the last step");
  }

  // Two lines k seconds apart in the log were at least k - 1 s apart: that much is kept, up to
  // max_gap (a person typing the next kill takes minutes a replay need not wait).
  void gap(std::int64_t last_time, int last_line, std::int64_t now, int line) {
    if (last_time < 0 || now - last_time < 2) return;
    const std::int64_t at_least = now - last_time - 1;
    const std::int64_t kept = std::min<std::int64_t>(at_least, defaults_.max_gap.count());
    std::string why = "lines " + std::to_string(last_line) + " and " + std::to_string(line) + " are " +
                      std::to_string(now - last_time) + " s apart in the log: at least " + std::to_string(at_least) +
                      " s passed";
    if (kept < at_least) {
      why += "; default `max_gap` shortens it";
      assume("max_gap: pauses the log shows between signals are shortened to " +
             std::to_string(defaults_.max_gap.count()) + "s");
    }
    step("sleep: " + std::to_string(kept) + "s", why);
  }

  void write_signal(const IncidentSignal& s) {
    const std::string to = std::to_string(s.generation);
    const IncidentMaster* child = s.new_master ? incident_.master(s.new_master) : nullptr;
    if (s.name == "USR2" && child) before_new_master(s, *child);
    if (s.name == "HUP") before_reload(s);
    step("signal: {send: " + s.name + ", to: " + to + "}",
         s.from ? "sent by pid " + std::to_string(s.from) : "nginx did not log a sender");
    const std::string limit = timeout(s.time_s, s.effect_line ? s.effect_time_s : s.time_s);
    switch (s.effect) {
      case SignalEffect::new_master:
        step("wait: {until: master_ready, of: " + std::to_string(child->generation) + ", timeout: " + limit + "}",
             line_ref(s.effect_line) + ": master " + std::to_string(child->pid) + " started its workers");
        break;
      case SignalEffect::new_master_failed: after_failed_start(s, *child, limit); break;
      case SignalEffect::ignored:
        if (s.name == "USR2") {
          step("wait: {until: log, pattern: 'the changing binary signal is ignored', timeout: " + limit + "}",
               line_ref(s.effect_line) + ": nginx ignored it");
        } else {
          pause("nginx logged no action for it");
        }
        break;
      case SignalEffect::workers_stopped:
        step("wait: {until: workers_exited, of: " + to + ", timeout: " + limit + "}",
             line_ref(s.effect_line) + ": its last worker exited");
        break;
      case SignalEffect::workers_started:
        step("wait: {until: serving, of: " + to + ", timeout: " + limit + "}",
             line_ref(s.effect_line) + ": it started " + std::to_string(s.workers_started) + " worker(s)");
        break;
      case SignalEffect::reload_failed:
        step("wait: {until: log, pattern: '\\[emerg\\]', timeout: " + limit + "}",
             line_ref(s.failure_line) + ": " + s.failure);
        break;
      case SignalEffect::master_exited:
        step("wait: {until: master_exited, of: " + to + ", timeout: " + limit + "}",
             line_ref(s.effect_line) + ": it exited");
        if (s.restarted_parent) {
          const auto* parent = incident_.master(incident_.master(s.to)->parent);
          step("wait: {until: serving, of: " + std::to_string(parent->generation) + ", timeout: " + limit + "}",
               line_ref(s.restart_line) + ": master " + std::to_string(parent->pid) + " restarted its workers");
        }
        break;
      case SignalEffect::logs_reopened:
        step("wait: {until: log, pattern: 'reopening logs', timeout: " + limit + "}", line_ref(s.effect_line));
        break;
      case SignalEffect::none_seen: pause("the log shows no effect"); break;
    }
  }

  void before_new_master(const IncidentSignal& s, const IncidentMaster& child) {
    if (child.start == MasterStart::running && child.workers_at_start > 0 &&
        child.workers_at_start != config_workers_) {
      config_workers_ = child.workers_at_start;
      step("config: {workers: " + std::to_string(config_workers_) + "}",
           "master " + std::to_string(child.pid) + " started " + std::to_string(config_workers_) + " worker(s)");
      config_broken_ = false;
    } else if (child.start == MasterStart::running && config_broken_) {
      restore_config("the new master read a config that worked");
    }
    if (child.start == MasterStart::config_failed && request_.target == TargetKind::nginx) {
      step("config: {broken: true}", line_ref(child.start_failure_line) + ": the new master's config failed");
      assume("a broken nginx.conf makes real nginx's new master fail as at " + line_ref(child.start_failure_line) +
             " (its error need not be the same)");
      config_broken_ = true;
    }
    if (!swapped_) {
      step("swap_binary: new", "nginx logged `changing binary` after " + line_ref(s.line));
      swapped_ = true;
    } else if (last_exec_failed_ && child.start != MasterStart::exec_failed) {
      step("swap_binary: old", "after an exec that failed, this one worked: a binary was put back");
    }
    last_exec_failed_ = child.start == MasterStart::exec_failed;
  }

  void after_failed_start(const IncidentSignal& s, const IncidentMaster& child, const std::string& limit) {
    if (child.exit_line != 0) {
      step("wait: {until: log, pattern: 'new binary process [0-9]+ exited', timeout: " + limit + "}",
           line_ref(child.exit_line) + ": master " + std::to_string(child.pid) + " exited (" + s.failure + ")");
    } else {
      step("wait: {until: log, pattern: " + single_quoted("execve\\(\\) failed") + ", timeout: " + limit + "}",
           line_ref(s.failure_line) + ": " + s.failure);
    }
    if (failed_ != nullptr && child.start != failed_->start) {
      result_.not_reproduced.push_back(line_ref(child.start_failure_line) + ": how master " +
                                       std::to_string(child.pid) + " failed");
    }
    if (config_broken_) restore_config("the config is put back after the failed start");
  }

  void before_reload(const IncidentSignal& s) {
    if (s.effect == SignalEffect::reload_failed) {
      step("config: {broken: true}", line_ref(s.failure_line) + ": the reload's config failed");
      assume("a broken nginx.conf (worker_processes given twice) makes the reload fail as at " +
             line_ref(s.failure_line) + " (its error need not be the same)");
      config_broken_ = true;
      return;
    }
    if (s.reconfigured && s.workers_started > 0 && s.workers_started != config_workers_) {
      config_workers_ = s.workers_started;
      step("config: {workers: " + std::to_string(config_workers_) + "}",
           "the reload started " + std::to_string(config_workers_) + " worker(s)");
      config_broken_ = false;
    } else if (s.reconfigured && config_broken_) {
      restore_config("the reload read a config that worked");
    }
  }

  void restore_config(const std::string& why) {
    step("config: {workers: " + std::to_string(config_workers_) + "}", why);
    config_broken_ = false;
  }

  void write_unsignalled_exit(const UnsignalledExit& e) {
    const auto* m = incident_.master(e.master);
    steps_ << "  # " << line_ref(e.line) << ": master " << e.master << " (generation " << e.generation
           << ") exited on signal " << e.exit_signal << " with no signal in the log\n";
    if (e.exit_signal != 9) {
      result_.not_reproduced.push_back(line_ref(e.line) + ": master " + std::to_string(e.master) + " died of signal " +
                                       std::to_string(e.exit_signal) + " with no signal in the log (a crash)");
      steps_ << "  # (not replayed: a master's crash)\n";
      return;
    }
    step("signal: {send: KILL, to: " + std::to_string(e.generation) + "}",
         "nginx cannot log a SIGKILL: the sender is unknown");
    step("wait: {until: master_exited, of: " + std::to_string(e.generation) +
             ", timeout: " + duration_text(defaults_.wait_timeout) + "}",
         "master " + std::to_string(m ? m->pid : e.master) + " gone");
  }

  // The first TERM or INT to a master with workers, or a SIGKILL the log shows: such an end cuts
  // what its workers were serving.
  int fast_shutdown_line() const {
    for (const auto& s : incident_.signals) {
      if ((s.name == "TERM" || s.name == "INT") && (s.workers_at_signal > 0 || s.workers_exited > 0)) return s.line;
    }
    for (const auto& e : incident_.unsignalled_exits) {
      if (e.exit_signal == 9) return e.line;
    }
    return 0;
  }

  bool any_worker_left() const {
    return std::any_of(incident_.masters.begin(), incident_.masters.end(), [](const IncidentMaster& m) {
      return m.exit_line == 0 &&
             std::any_of(m.workers.begin(), m.workers.end(), [](const auto& w) { return w.exited_line == 0; });
    });
  }

  void write_expect(std::ostringstream& file) const {
    file << "expect:\n";
    if (!any_worker_left()) {
      file << "  dropped: {min: 1}  # no worker is left at the end of the log (" << line_ref(incident_.last_line)
           << "): what the load sends after that fails\n";
    } else if (const auto cut = fast_shutdown_line(); cut != 0) {
      file << "  dropped: {max: " << defaults_.keepalive_connections << "}  # " << line_ref(cut)
           << ": a fast shutdown may cut a request in flight, at most one per connection of the default load\n";
    } else {
      file << "  dropped: 0  # default: the log shows no requests; hotdeploy expects none lost\n";
    }
    std::set<int> serving;
    int live_masters = 0;
    int newest = 0;
    for (const auto& m : incident_.masters) {
      newest = std::max(newest, m.generation);
      if (m.exit_line != 0) continue;
      ++live_masters;
      for (const auto& w : m.workers) {
        if (w.exited_line == 0) serving.insert(m.generation);
      }
    }
    const auto end = " at the end of the log (" + line_ref(incident_.last_line) + ")";
    if (serving.size() == 1 && *serving.begin() == 1) {
      file << "  served_by_at_end: old  # generation 1's workers are the ones alive" << end << "\n";
    } else if (serving.size() == 1 && *serving.begin() == newest) {
      file << "  served_by_at_end: new  # generation " << newest << "'s workers are the ones alive" << end << "\n";
    } else {
      file << "  # served_by_at_end: not set: "
           << (serving.empty() ? std::string("no worker is alive") : "workers of several generations are alive") << end
           << "\n";
    }
    file << "  masters_at_end: " << live_masters << "  # alive" << end << "\n";
    std::vector<const IncidentSignal*> no_effect;
    for (const auto& s : incident_.signals) {
      if (has_no_effect(s)) no_effect.push_back(&s);
    }
    if (no_effect.empty()) {
      file << "  no_effect: 0  # every signal shows its effect in the log\n";
    } else {
      file << "  no_effect:\n";
      for (const auto* s : no_effect) {
        file << "    - \"" << s->name << " to generation " << s->generation << "\"  # " << line_ref(s->line) << ": "
             << to_string(s->effect) << "\n";
      }
    }
    std::vector<std::string> contains;
    for (const auto& s : incident_.signals) {
      if (s.name == "USR2" && s.effect == SignalEffect::ignored && s.effect_line != 0) {
        contains.push_back("the changing binary signal is ignored");
      }
    }
    if (!contains.empty()) {
      contains.erase(std::unique(contains.begin(), contains.end()), contains.end());
      file << "  log: {contains: [";
      for (std::size_t i = 0; i < contains.size(); ++i) file << (i ? ", " : "") << single_quoted(contains[i]);
      file << "]}\n";
    }
  }

  const Incident& incident_;
  const ReplayRequest& request_;
  const ReplayDefaults& defaults_;
  std::ostringstream steps_;
  ReplayScenario result_;
  const IncidentMaster* failed_ = nullptr;
  int config_workers_ = 2;   // the workers nginx.conf asks for at this point of the steps
  int initial_workers_ = 2;  // ... before the first step
  bool config_broken_ = false;
  bool swapped_ = false;
  bool last_exec_failed_ = false;
};

}  // namespace

ReplayScenario write_replay_scenario(const Incident& incident, const ReplayRequest& request) {
  auto result = Writer(incident, request).write();
  for (const auto& line : incident.not_shown) result.not_reproduced.push_back(line);
  return result;
}

}  // namespace hotdeploy::orchestrator
