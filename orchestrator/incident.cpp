#include "orchestrator/incident.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>

namespace hotdeploy::orchestrator {
namespace {

using Facts = std::vector<LogFact>;

// Signals nginx's master handles for itself (children, timers, I/O): none is sent by a person.
bool is_internal_signal(const std::string& name) {
  return name == "CHLD" || name == "ALRM" || name == "IO" || name == "PIPE" || name == "SYS";
}

std::string line_ref(int line) { return "line " + std::to_string(line); }

class Reconstruction {
 public:
  explicit Reconstruction(const Facts& facts) : facts_(facts) {}

  Incident run() {
    for (std::size_t i = 0; i < facts_.size(); ++i) read(i);
    finish_starts();
    check_instances();
    assign_generations();
    for (std::size_t k = 0; k < signal_facts_.size(); ++k) find_effect(k);
    find_unsignalled_exits();
    incident_.masters = masters_;
    std::sort(incident_.masters.begin(), incident_.masters.end(), [](const auto& a, const auto& b) {
      return a.generation != b.generation ? a.generation < b.generation : a.first_line < b.first_line;
    });
    if (!facts_.empty()) {
      incident_.first_line = facts_.front().line;
      incident_.last_line = facts_.back().line;
    }
    if (masters_.empty() && !incident_.problem) {
      std::string detail = "no master lifecycle in it: no line about a master starting, a signal, a worker or an exit";
      const auto fatal = std::find_if(facts_.begin(), facts_.end(), [](const LogFact& f) {
        return f.kind == LogFactKind::fatal || f.kind == LogFactKind::execve_failed;
      });
      if (fatal != facts_.end())
        detail += " (" + line_ref(fatal->line) + " shows a start that failed: " + fatal->message + ")";
      incident_.problem = Problem{Problem::Kind::no_master_lifecycle, detail};
    }
    return std::move(incident_);
  }

 private:
  IncidentMaster* master(pid_t pid) {
    const auto found = index_.find(pid);
    return found == index_.end() ? nullptr : &masters_[found->second];
  }

  // The master that wrote a line; one first heard of here was running before the log began.
  IncidentMaster& ensure_master(pid_t pid, int line) {
    if (auto* known = master(pid)) return *known;
    index_[pid] = masters_.size();
    IncidentMaster created;
    created.pid = pid;
    created.first_line = line;
    masters_.push_back(std::move(created));
    return masters_.back();
  }

  IncidentWorker* worker(IncidentMaster& of, pid_t pid) {
    for (auto& w : of.workers) {
      if (w.pid == pid) return &w;
    }
    return nullptr;
  }

  void read(std::size_t i) {
    const LogFact& f = facts_[i];
    // A master's first burst of workers is the lines right after its "start worker processes".
    if (f.kind != LogFactKind::start_worker && f.kind != LogFactKind::start_worker_processes) starting_.erase(f.pid);
    switch (f.kind) {
      case LogFactKind::startup: break;
      case LogFactKind::start_new_binary: {
        auto& parent = ensure_master(f.pid, f.line);
        (void)parent;
        auto& child = ensure_master(f.other_pid, f.line);
        child.parent = f.pid;
        child.start_seen = true;
        child.first_line = std::min(child.first_line, f.line);
        break;
      }
      case LogFactKind::using_inherited_sockets: {
        auto& m = ensure_master(f.pid, f.line);
        m.inherited = true;
        m.start_seen = true;
        break;
      }
      case LogFactKind::start_worker_processes: {
        const bool known = master(f.pid) != nullptr;
        auto& m = ensure_master(f.pid, f.line);
        if (!known) m.start_seen = true;
        if (!started_workers_.contains(f.pid)) starting_.insert(f.pid);
        started_workers_.insert(f.pid);
        break;
      }
      case LogFactKind::start_worker: {
        auto& m = ensure_master(f.pid, f.line);
        if (!worker(m, f.other_pid)) m.workers.push_back({f.other_pid, f.line, 0, -1, 0});
        worker_master_[f.other_pid] = f.pid;
        if (starting_.contains(f.pid)) ++m.workers_at_start;
        break;
      }
      case LogFactKind::child_exited: read_child_exit(f); break;
      case LogFactKind::signal_received: {
        if (is_internal_signal(f.signal_name)) break;
        if (const auto w = worker_master_.find(f.pid); w != worker_master_.end()) {
          incident_.not_shown.push_back(line_ref(f.line) + ": worker " + std::to_string(f.pid) + " received SIG" +
                                        f.signal_name + " from " + std::to_string(f.other_pid) +
                                        " itself; a scenario signals masters, so this is not replayed");
          break;
        }
        ensure_master(f.pid, f.line);
        signal_facts_.push_back(i);
        break;
      }
      case LogFactKind::exit: {
        if (auto* m = master(f.pid); m && !worker_master_.contains(f.pid)) {
          if (m->exit_line == 0 || m->exit_line < f.line) m->exit_line = f.line;
        }
        break;
      }
      case LogFactKind::execve_failed: {
        auto& m = ensure_master(f.pid, f.line);
        m.start_seen = true;
        m.start = MasterStart::exec_failed;
        m.start_failure_line = f.line;
        m.start_failure = f.message;
        break;
      }
      case LogFactKind::fatal: {
        // An emerg line of a new master that has started no worker yet says why its start failed.
        auto* m = master(f.pid);
        if (m && m->start_seen && m->workers.empty() && m->start_failure_line == 0 &&
            f.level == harness::LogLevel::emerg) {
          m->start_failure_line = f.line;
          m->start_failure = f.message;
        }
        break;
      }
      case LogFactKind::changing_binary:
      case LogFactKind::binary_change_ignored:
      case LogFactKind::reconfiguring:
      case LogFactKind::reopening_logs: ensure_master(f.pid, f.line); break;
      case LogFactKind::gracefully_shutting_down:
      case LogFactKind::exiting: break;
    }
  }

  void read_child_exit(const LogFact& f) {
    if (f.child_kind == "worker process") {
      auto& m = ensure_master(f.pid, f.line);
      auto* w = worker(m, f.other_pid);
      if (!w) {
        m.workers.push_back({f.other_pid, 0, 0, -1, 0});
        w = &m.workers.back();
      }
      w->exited_line = f.line;
      w->exit_code = f.exit_code;
      w->exit_signal = f.signal_number;
      worker_master_[f.other_pid] = f.pid;
      if (f.signal_number != 0 && !caused_by_signal(m, f.line)) {
        incident_.not_shown.push_back(line_ref(f.line) + ": worker " + std::to_string(f.other_pid) + " of master " +
                                      std::to_string(f.pid) + " died of signal " + std::to_string(f.signal_number) +
                                      " that no signal in the log explains (a crash); the scenario does not "
                                      "reproduce it");
      }
      return;
    }
    if (f.child_kind == "new binary process") {
      ensure_master(f.pid, f.line);
      auto& child = ensure_master(f.other_pid, f.line);
      if (child.parent == 0 && !child.start_seen) child.parent = f.pid;
      child.exit_code = f.exit_code;
      child.exit_signal = f.signal_number;
      // The parent's line is later than the child's own "exit": it is what shows the exit complete.
      child.exit_line = std::max(child.exit_line, f.line);
    }
  }

  // Whether a TERM, INT or KILL to the master precedes this line: its workers dying of a signal is
  // then the master's doing (a fast shutdown kills what outlives its TERMs).
  bool caused_by_signal(const IncidentMaster& m, int line) const {
    return std::any_of(signal_facts_.begin(), signal_facts_.end(), [&](std::size_t i) {
      const auto& s = facts_[i];
      return s.pid == m.pid && s.line < line && (s.signal_name == "TERM" || s.signal_name == "INT");
    });
  }

  // A new binary that exited before starting workers failed its start: with a signal, a crash;
  // with a code, its config (the emerg line before says why).
  void finish_starts() {
    for (auto& m : masters_) {
      if (m.start == MasterStart::exec_failed || m.exit_line == 0 || !m.workers.empty() || m.parent == 0) continue;
      if (m.exit_signal != 0 && m.exit_signal != 9) {
        m.start = MasterStart::crashed;
        if (m.start_failure_line == 0) {
          m.start_failure_line = m.exit_line;
          m.start_failure =
              "new binary process " + std::to_string(m.pid) + " exited on signal " + std::to_string(m.exit_signal);
        }
      } else if (m.exit_code > 0) {
        m.start = MasterStart::config_failed;
      }
    }
    // A master already running when the log begins had the workers alive at its first signal.
    for (auto& m : masters_) {
      if (m.start_seen) continue;
      int first_signal = std::numeric_limits<int>::max();
      for (const auto i : signal_facts_) {
        if (facts_[i].pid == m.pid) first_signal = std::min(first_signal, facts_[i].line);
      }
      m.workers_at_start = static_cast<int>(std::count_if(m.workers.begin(), m.workers.end(), [&](const auto& w) {
        return w.started_line < first_signal && (w.exited_line == 0 || w.exited_line > first_signal);
      }));
    }
  }

  // Two nginx instances in one log: a master that no master of the log started, besides another
  // such master whose start the log shows. Several masters already running when the log begins
  // are taken for one instance's (a log cut in the middle of an upgrade).
  void check_instances() {
    std::vector<const IncidentMaster*> roots;
    for (const auto& m : masters_) {
      if (m.parent == 0 && !m.inherited) roots.push_back(&m);
    }
    std::sort(roots.begin(), roots.end(), [](const auto* a, const auto* b) { return a->first_line < b->first_line; });
    const auto started = std::find_if(roots.begin(), roots.end(), [](const auto* m) { return m->start_seen; });
    if (roots.size() > 1 && started != roots.end()) {
      const auto* first = roots[0];
      const auto* second = roots[1];
      const bool overlapping = first->exit_line == 0 || first->exit_line > second->first_line;
      incident_.problem = Problem{Problem::Kind::two_instances,
                                  "two nginx instances in one log: master " + std::to_string(first->pid) + " (from " +
                                      line_ref(first->first_line) + ") and master " + std::to_string(second->pid) +
                                      " (from " + line_ref(second->first_line) + "), neither started by the other, " +
                                      (overlapping ? "alive at the same time" : "one after the other") +
                                      "; cut the log to one instance's lines"};
      return;
    }
    std::vector<const IncidentMaster*> unseen;
    for (const auto& m : masters_) {
      if (!m.start_seen) unseen.push_back(&m);
    }
    if (unseen.empty()) return;
    std::string pids;
    for (const auto* m : unseen) {
      pids += (pids.empty() ? "" : ", ") + std::to_string(m->pid) + " (first named on " + line_ref(m->first_line) + ")";
    }
    const std::string assumed = unseen.size() > 1 ? "generations by pid, the smaller first" : "it is generation 1";
    incident_.problem =
        Problem{Problem::Kind::starts_mid_incident,
                "the log starts in the middle of an incident (truncated or rotated): master" +
                    std::string(unseen.size() > 1 ? "s " : " ") + pids + " already ran when it begins; assumed " +
                    assumed + ", with the workers the log names; what happened before " +
                    line_ref(facts_.front().line) + " (its start, earlier signals, which binary it ran) is unknown"};
  }

  void assign_generations() {
    // Roots (started by no master of the log) by pid: the older pid first.
    std::vector<IncidentMaster*> roots;
    for (auto& m : masters_) {
      if (m.parent == 0 || !master(m.parent)) roots.push_back(&m);
    }
    std::sort(roots.begin(), roots.end(), [](const auto* a, const auto* b) {
      if (a->inherited != b->inherited) return !a->inherited;
      return a->pid < b->pid;
    });
    int next = 1;
    for (auto* root : roots) root->generation = next++;
    // Children: their parent's + 1, parents first (a child is never listed before its parent's line).
    for (bool changed = true; changed;) {
      changed = false;
      for (auto& m : masters_) {
        if (m.generation != 0) continue;
        const auto* parent = master(m.parent);
        if (parent && parent->generation != 0) {
          m.generation = parent->generation + 1;
          changed = true;
        }
      }
    }
  }

  // The facts after signal k up to the next signal of the same name to the same master, as the
  // harness judges an effect (signal_effect.h): what a master does in between is this signal's
  // doing. Signals sent together may be logged in an order of the kernel's, with their effects
  // after both lines.
  std::pair<std::size_t, std::size_t> window(std::size_t k) const {
    const std::size_t from = signal_facts_[k] + 1;
    const auto& signal = facts_[signal_facts_[k]];
    for (std::size_t next = k + 1; next < signal_facts_.size(); ++next) {
      const auto& later = facts_[signal_facts_[next]];
      if (later.pid == signal.pid && later.signal_name == signal.signal_name) return {from, signal_facts_[next]};
    }
    return {from, facts_.size()};
  }

  // Where the window of signal k ends for the other master `pid`: at its next signal after k.
  std::size_t end_for(std::size_t k, pid_t pid, std::size_t until) const {
    for (std::size_t next = k + 1; next < signal_facts_.size(); ++next) {
      if (signal_facts_[next] >= until) break;
      if (facts_[signal_facts_[next]].pid == pid) return signal_facts_[next];
    }
    return until;
  }

  int live_workers_at(const IncidentMaster& m, int line) const {
    return static_cast<int>(std::count_if(m.workers.begin(), m.workers.end(), [&](const IncidentWorker& w) {
      return w.started_line < line && (w.exited_line == 0 || w.exited_line > line);
    }));
  }

  void find_effect(std::size_t k) {
    const LogFact& f = facts_[signal_facts_[k]];
    IncidentSignal s;
    s.line = f.line;
    s.time_s = f.time_s;
    s.raw = f.raw;
    s.name = f.signal_name;
    s.number = f.signal_number;
    s.to = f.pid;
    s.from = f.other_pid;
    s.action = f.action;
    const auto* to = master(f.pid);
    s.generation = to->generation;
    const auto [from, until] = window(k);
    s.workers_at_signal = live_workers_at(*to, f.line);
    for (std::size_t i = from; i < until; ++i) {
      const auto& e = facts_[i];
      if (e.pid == f.pid && e.kind == LogFactKind::child_exited && e.child_kind == "worker process") ++s.workers_exited;
    }
    const auto shown = [&](const LogFact& e, SignalEffect effect) {
      s.effect = effect;
      s.effect_line = e.line;
      s.effect_time_s = e.time_s;
    };
    if (s.name == "USR2") {
      for (std::size_t i = from; i < until; ++i) {
        const auto& e = facts_[i];
        if (e.pid == f.pid && e.kind == LogFactKind::binary_change_ignored) {
          shown(e, SignalEffect::ignored);
          break;
        }
        if (e.pid == f.pid && e.kind == LogFactKind::start_new_binary) {
          s.new_master = e.other_pid;
          shown(e, SignalEffect::new_master);
          break;
        }
      }
      if (s.effect == SignalEffect::none_seen && s.action == "ignoring") s.effect = SignalEffect::ignored;
      if (s.new_master != 0) {
        const auto* child = master(s.new_master);
        if (child->start != MasterStart::running) {
          s.effect = SignalEffect::new_master_failed;
          s.failure = child->start_failure;
          s.failure_line = child->start_failure_line;
          if (child->exit_line != 0) s.effect_line = child->exit_line;
        } else {
          s.workers_started = child->workers_at_start;
          if (s.workers_started > 0) {
            s.effect_line = child->workers[static_cast<std::size_t>(s.workers_started) - 1].started_line;
          }
        }
        s.effect_time_s = time_of_line(s.effect_line);
      }
    } else if (s.name == "WINCH") {
      if (s.action.empty()) {
        s.effect = SignalEffect::ignored;
        incident_.daemon_off = true;
      } else {
        const int live = s.workers_at_signal;
        int exited = 0;
        for (std::size_t i = from; i < until; ++i) {
          const auto& e = facts_[i];
          if (e.pid == f.pid && e.kind == LogFactKind::child_exited && e.child_kind == "worker process") {
            ++exited;
            if (exited == live) shown(e, SignalEffect::workers_stopped);
          }
        }
      }
    } else if (s.name == "HUP") {
      // The workers it started: the burst after its "start worker processes".
      bool burst = false;
      int last_start = -1;
      for (std::size_t i = from; i < until; ++i) {
        const auto& e = facts_[i];
        if (e.pid != f.pid) continue;
        if (e.kind == LogFactKind::reconfiguring) s.reconfigured = true;
        if (e.kind == LogFactKind::start_worker_processes && last_start < 0) burst = true;
        if (burst && e.kind == LogFactKind::start_worker) {
          ++s.workers_started;
          last_start = static_cast<int>(i);
        } else if (burst && last_start >= 0 && e.kind != LogFactKind::start_worker) {
          burst = false;
        }
        if (e.kind == LogFactKind::fatal && e.level == harness::LogLevel::emerg && s.failure_line == 0 &&
            last_start < 0) {
          s.failure = e.message;
          s.failure_line = e.line;
        }
      }
      if (last_start >= 0) {
        shown(facts_[static_cast<std::size_t>(last_start)], SignalEffect::workers_started);
      } else if (s.failure_line != 0) {
        s.effect = SignalEffect::reload_failed;
        s.effect_line = s.failure_line;
        s.effect_time_s = time_of_line(s.failure_line);
      }
    } else if (s.name == "QUIT" || s.name == "TERM" || s.name == "INT") {
      if (to->exit_line != 0 && to->exit_line > f.line &&
          (until == facts_.size() || to->exit_line < facts_[until].line)) {
        s.effect = SignalEffect::master_exited;
        s.effect_line = to->exit_line;
        s.effect_time_s = time_of_line(to->exit_line);
        // A new master's parent restarts the workers a WINCH stopped once the new master is gone.
        for (std::size_t i = from; i < end_for(k, to->parent, until); ++i) {
          const auto& e = facts_[i];
          if (e.pid == to->parent && e.kind == LogFactKind::start_worker && e.line > to->exit_line) {
            s.restarted_parent = true;
            s.restart_line = e.line;
          }
        }
      }
    } else if (s.name == "USR1") {
      for (std::size_t i = from; i < until; ++i) {
        if (facts_[i].pid == f.pid && facts_[i].kind == LogFactKind::reopening_logs) {
          shown(facts_[i], SignalEffect::logs_reopened);
          break;
        }
      }
    }
    incident_.signals.push_back(std::move(s));
  }

  std::int64_t time_of_line(int line) const {
    for (const auto& f : facts_) {
      if (f.line == line) return f.time_s;
    }
    return 0;
  }

  // A master's exit that no signal to it explains and that is not a failed start: a SIGKILL (its
  // receiver cannot log one) or another signal.
  void find_unsignalled_exits() {
    for (const auto& m : masters_) {
      if (m.exit_line == 0 || m.exit_signal == 0 || m.start != MasterStart::running) continue;
      const bool signalled = std::any_of(incident_.signals.begin(), incident_.signals.end(), [&](const auto& s) {
        return s.to == m.pid && s.effect == SignalEffect::master_exited;
      });
      if (!signalled) incident_.unsignalled_exits.push_back({m.pid, m.generation, m.exit_line, m.exit_signal});
    }
  }

  const Facts& facts_;
  std::vector<IncidentMaster> masters_;
  std::map<pid_t, std::size_t> index_;
  std::map<pid_t, pid_t> worker_master_;
  std::set<pid_t> started_workers_;  // masters that logged "start worker processes"
  std::set<pid_t> starting_;         // masters still in their first burst of workers
  std::vector<std::size_t> signal_facts_;
  Incident incident_;
};

}  // namespace

const IncidentMaster* Incident::master(pid_t pid) const {
  const auto found = std::find_if(masters.begin(), masters.end(), [&](const auto& m) { return m.pid == pid; });
  return found == masters.end() ? nullptr : &*found;
}

const IncidentMaster* Incident::master_of_generation(int generation) const {
  const auto found =
      std::find_if(masters.begin(), masters.end(), [&](const auto& m) { return m.generation == generation; });
  return found == masters.end() ? nullptr : &*found;
}

Incident reconstruct(const IncidentLog& log) { return Reconstruction(log.facts).run(); }

std::string to_string(SignalEffect effect) {
  switch (effect) {
    case SignalEffect::new_master: return "new master";
    case SignalEffect::new_master_failed: return "new master failed to start";
    case SignalEffect::ignored: return "ignored";
    case SignalEffect::workers_stopped: return "workers stopped";
    case SignalEffect::workers_started: return "workers started";
    case SignalEffect::reload_failed: return "reload failed";
    case SignalEffect::master_exited: return "master exited";
    case SignalEffect::logs_reopened: return "logs reopened";
    case SignalEffect::none_seen: return "no effect in the log";
  }
  return "?";
}

}  // namespace hotdeploy::orchestrator
