#include "orchestrator/process_observer.h"

#include <sched.h>
#include <spdlog/spdlog.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <algorithm>
#include <charconv>
#include <fstream>

#include "orchestrator/proc_fs.h"

namespace hotdeploy::orchestrator {

using harness::Event;
using harness::EventType;
using harness::LogLevel;
using harness::ProcessRole;
using harness::ProcessSeen;

namespace {

// How long a process that is gone waits for its exit code (the master's log line) before its
// exit is recorded with code -1 (unknown).
constexpr std::int64_t kExitCodeGraceNs = 200'000'000;

constexpr std::uint32_t kPidFileEvents = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE;
constexpr std::uint32_t kErrorLogEvents = IN_MODIFY | IN_CREATE;
// Indices in the FileChangeWatch's list.
constexpr std::size_t kPidFileIndex = 0;
constexpr std::size_t kOldbinFileIndex = 1;
constexpr std::size_t kErrorLogIndex = 2;

std::optional<pid_t> read_pid_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::string text;
  std::getline(in, text);
  int pid = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), pid);
  if (error != std::errc{} || pid <= 0) return std::nullopt;
  return pid;
}

bool is_worker_title(const std::string& title) { return title.rfind("nginx: worker process", 0) == 0; }

bool log_level_of_interest(LogLevel level) { return level == LogLevel::none || level >= LogLevel::notice; }

double thread_cpu_ms() {
  rusage usage{};
  ::getrusage(RUSAGE_THREAD, &usage);
  const auto us =
      (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1'000'000L + usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
  return static_cast<double>(us) / 1e3;
}

// Births are found by looking, so the observer must run within a scan's time of one even when
// every core is busy (other runs, a CI machine's other jobs). The lowest real-time priority does
// that: SCHED_FIFO 1 preempts every ordinary thread at once, and the thread sleeps between scans
// (about 10 ms of CPU per run). Without the privilege for it, nice -10; without that, as it is.
// Returns what it got, for the log.
const char* raise_priority() {
  sched_param param{};
  param.sched_priority = 1;
  if (::sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &param) == 0) return "SCHED_FIFO 1";
  if (::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), -10) == 0) return "nice -10";
  return "ordinary priority";
}

}  // namespace

ProcessObserver::ProcessObserver(ObserverConfig config, const harness::RunClock& clock)
    : config_(std::move(config)),
      clock_(clock),
      log_tail_(config_.error_log),
      files_({{config_.pid_file, kPidFileEvents},
              {config_.oldbin_file, kPidFileEvents},
              {config_.error_log, kErrorLogEvents}}) {
  if (files_.available()) exits_.add_other(files_.fd());
  events_.reserve(4096);
}

ProcessObserver::~ProcessObserver() { stop(); }

void ProcessObserver::start(pid_t launcher) {
  track(launcher, ::getpid(), clock_.now_ns());
  published_ = table_;
  thread_ = std::thread([this] { run(); });
}

void ProcessObserver::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

ProcessTable ProcessObserver::snapshot() const {
  std::lock_guard lock(mutex_);
  return published_;
}

std::vector<pid_t> ProcessObserver::pids_seen() const {
  std::lock_guard lock(mutex_);
  std::vector<pid_t> pids;
  for (const auto& record : published_.records) pids.push_back(record.pid);
  return pids;
}

std::size_t ProcessObserver::log_line_count() const {
  std::lock_guard lock(mutex_);
  return log_lines_.size();
}

std::vector<std::string> ProcessObserver::log_lines_from(std::size_t first) const {
  std::lock_guard lock(mutex_);
  if (first >= log_lines_.size()) return {};
  return {log_lines_.begin() + static_cast<std::ptrdiff_t>(first), log_lines_.end()};
}

std::vector<std::pair<std::int64_t, std::string>> ProcessObserver::timed_log_lines_from(std::size_t first) const {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<std::int64_t, std::string>> lines;
  for (std::size_t k = first; k < log_lines_.size(); ++k) lines.emplace_back(log_line_ns_[k], log_lines_[k]);
  return lines;
}

harness::EventLog ProcessObserver::take_events() {
  std::lock_guard lock(events_mutex_);
  return std::move(events_);
}

void ProcessObserver::record_event(harness::Event event) {
  std::lock_guard lock(events_mutex_);
  events_.append(std::move(event));
}

void ProcessObserver::run() {
  using std::chrono::steady_clock;
  spdlog::debug("process observer runs at {}", raise_priority());
  const std::int64_t busy_window_ns = std::chrono::nanoseconds(config_.busy_window).count();
  auto next_scan = steady_clock::now();
  while (!stopping_) {
    const auto until_scan = std::chrono::ceil<std::chrono::milliseconds>(next_scan - steady_clock::now());
    Wakeup wakeup;
    wakeup.ready = exits_.wait(std::max(until_scan, std::chrono::milliseconds(0)));
    wakeup.scan = steady_clock::now() >= next_scan;
    handle(wakeup);
    if (wakeup.scan) {
      const bool busy = clock_.now_ns() - last_activity_ns_ < busy_window_ns;
      next_scan = steady_clock::now() + (busy ? config_.tick : config_.idle_tick);
    }
  }
  Wakeup last;
  last.ready = exits_.wait(std::chrono::milliseconds(0));
  last.scan = true;
  last.final = true;
  handle(last);
  spdlog::debug("process observer: {:.1f} ms CPU over {:.1f} s", thread_cpu_ms(),
                static_cast<double>(clock_.now_ns()) / 1e9);
}

// Each read stamps what it saw with the time just after it: an observation is never dated
// before the moment it could have been made, so it never precedes its cause (a signal is stamped
// just before kill()).
void ProcessObserver::handle(const Wakeup& wakeup) {
  const auto woke = clock_.now_ns();
  for (pid_t pid : wakeup.ready.exited) mark_exited(pid, woke);
  if (!wakeup.ready.exited.empty() || wakeup.ready.other) last_activity_ns_ = woke;
  if (!wakeup.ready.exited.empty() || wakeup.scan) reap_children();
  std::vector<FileChange> changes;
  if (files_.available() && (wakeup.ready.other || wakeup.final)) {
    changes = files_.read_changes();
  } else if (!files_.available() && wakeup.scan) {
    changes = {{kOldbinFileIndex, false}, {kPidFileIndex, false}, {kErrorLogIndex, false}};
  }
  bool log_changed = wakeup.final;
  for (const auto& change : changes) {
    if (change.file == kErrorLogIndex) {
      log_changed = true;
    } else if (change.gone) {
      record_pid_file(change.file, std::nullopt);  // what the name holds now may be a later write
    } else {
      record_pid_file(change.file,
                      read_pid_file(change.file == kPidFileIndex ? config_.pid_file : config_.oldbin_file));
    }
  }
  if (log_changed) read_error_log();
  if (wakeup.final) read_pid_files();
  if (wakeup.scan) {
    discover_children();
    for (auto& record : table_.records) {
      if (record.role == ProcessRole::none && !record.exited_ns) classify(record);
    }
    if (!exits_.available()) poll_exits(ProcessSeen::directly);
    if (wakeup.final) poll_exits(ProcessSeen::inferred_at_stop);
  }
  notice_exits();
  if (!changed_) return;
  changed_ = false;
  std::lock_guard lock(mutex_);
  published_ = table_;
}

ProcessRecord& ProcessObserver::track(pid_t pid, pid_t parent, std::int64_t now, ProcessSeen seen) {
  if (auto* known = table_.find(pid)) return *known;
  table_.records.push_back(ProcessRecord{pid, parent, ProcessRole::none, 0, now, std::nullopt, -1});
  auto& how = how_seen_[pid];
  // The parent's children were last listed without this pid, or, never listed, the parent's own
  // birth bound holds for its child too.
  if (const auto look = last_look_ns_.find(parent); look != last_look_ns_.end()) {
    how.born_after_ns = look->second;
  } else if (const auto known_parent = how_seen_.find(parent); known_parent != how_seen_.end()) {
    how.born_after_ns = known_parent->second.born_after_ns;
  }
  // A process still running when first heard of was seen; one already gone (or a zombie) was
  // not, and its exit is dated to now.
  const bool gone = exits_.add(pid) == PidfdWatch::Added::gone || !is_running(pid);
  how.born = gone ? seen : ProcessSeen::directly;
  if (gone) {
    table_.records.back().exited_ns = now;
    how.exit = ProcessSeen::inferred_gone_when_found;
  }
  changed_ = true;
  last_activity_ns_ = now;
  return table_.records.back();
}

void ProcessObserver::mark_exited(pid_t pid, std::int64_t now, ProcessSeen seen) {
  auto* record = table_.find(pid);
  if (record == nullptr || record->exited_ns) return;
  record->exited_ns = now;
  how_seen_[pid].exit = seen;
  children_files_.erase(pid);
  changed_ = true;
}

void ProcessObserver::reap_children() {
  // Bounded by the number of hotdeploy's children that have exited.
  while (true) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return;
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    exit_codes_[pid] = code;
    mark_exited(pid, clock_.now_ns());
  }
}

void ProcessObserver::read_error_log() {
  auto lines = log_tail_.read_new_lines();
  const auto now = clock_.now_ns();
  for (auto& raw : lines) {
    auto line = parse_error_log_line(raw);
    if (auto mention = parse_process_mention(line.message)) {
      switch (mention->kind) {
        case ProcessMention::Kind::started_worker: role_hints_[mention->pid] = ProcessRole::worker; break;
        case ProcessMention::Kind::started_new_binary: role_hints_[mention->pid] = ProcessRole::master; break;
        case ProcessMention::Kind::exited: exit_codes_.emplace(mention->pid, mention->exit_code); break;
      }
      // A child that lived less than a scan is known only from its parent's log line.
      if (mention->kind != ProcessMention::Kind::exited && line.pid > 0) {
        track(mention->pid, line.pid, now, ProcessSeen::inferred_from_log);
      }
    }
    if (!log_level_of_interest(line.level)) continue;
    {
      std::lock_guard lock(mutex_);
      log_lines_.push_back(line.raw);
      log_line_ns_.push_back(now);
    }
    Event event;
    event.t_ns = now;
    event.type = EventType::log_line;
    event.pid = line.pid;
    event.level = line.level;
    event.message_at = line.message_at;
    event.text = std::move(line.raw);
    record_event(std::move(event));
  }
}

// nginx.pid.oldbin first: when both changed since the last look, the rename to or from it came
// before the other master wrote or removed nginx.pid (upgrade: rename, then the new master's
// write; rollback: the new master's removal, then the rename back).
void ProcessObserver::read_pid_files() {
  record_pid_file(kOldbinFileIndex, read_pid_file(config_.oldbin_file));
  record_pid_file(kPidFileIndex, read_pid_file(config_.pid_file));
}

void ProcessObserver::record_pid_file(std::size_t file, std::optional<pid_t> current) {
  auto& known = file == kPidFileIndex ? table_.pid_file : table_.oldbin_file;
  const auto& path = file == kPidFileIndex ? config_.pid_file : config_.oldbin_file;
  if (current == known) return;
  const auto now = clock_.now_ns();
  known = current;
  changed_ = true;
  Event event;
  event.t_ns = now;
  event.type = EventType::pid_file_changed;
  event.pid = current.value_or(0);
  event.pid_file = file == kPidFileIndex ? harness::PidFile::current : harness::PidFile::oldbin;
  event.pid_file_state = current ? harness::PidFileState::written : harness::PidFileState::removed;
  event.text = path.filename().string() + (current ? " " + std::to_string(*current) : std::string(" removed"));
  record_event(std::move(event));
  if (!current) return;
  const auto stat = read_proc_stat(*current);
  auto& record = track(*current, stat ? stat->parent : 0, now);
  if (record.role != ProcessRole::master && !record.exited_ns) promote_to_master(record);
}

void ProcessObserver::discover_children() {
  std::vector<pid_t> parents;
  for (const auto& record : table_.records) {
    if (!record.exited_ns && record.role != ProcessRole::worker) parents.push_back(record.pid);
  }
  // Files of processes that exited or turned out to be workers are closed; a failed open is
  // tried again at the next scan.
  std::erase_if(children_files_, [&](const auto& entry) {
    return !entry.second.is_open() || std::find(parents.begin(), parents.end(), entry.first) == parents.end();
  });
  // A child found here is looked at in the same scan (the list grows; each pid joins it once), so
  // that the birth of its own children is bounded by that look rather than by its birth's bound.
  for (std::size_t i = 0; i < parents.size(); ++i) {
    const pid_t parent = parents[i];
    // A child born before this moment is in the list: it bounds the birth of any child found later.
    const auto looked = clock_.now_ns();
    const auto children = children_files_.try_emplace(parent, parent).first->second.read();
    if (!children) continue;
    const auto now = clock_.now_ns();
    for (pid_t child : *children) {
      const bool known = table_.find(child) != nullptr;
      if (!track(child, parent, now).exited_ns && !known) parents.push_back(child);
    }
    last_look_ns_[parent] = looked;
  }
}

void ProcessObserver::poll_exits(ProcessSeen seen) {
  for (auto& record : table_.records) {
    if (!record.exited_ns && !is_running(record.pid)) mark_exited(record.pid, clock_.now_ns(), seen);
  }
}

void ProcessObserver::classify(ProcessRecord& record) {
  const auto hint = role_hints_.find(record.pid);
  const auto* parent = table_.find(record.parent);
  const bool parent_is_master = parent && parent->role == ProcessRole::master;
  if (hint != role_hints_.end() && hint->second == ProcessRole::master) {
    promote_to_master(record);
    return;
  }
  const bool worker = (hint != role_hints_.end() && hint->second == ProcessRole::worker) ||
                      (parent_is_master && is_worker_title(read_title(record.pid)));
  if (worker && parent_is_master) {
    record.role = ProcessRole::worker;
    record.generation = parent->generation;
    changed_ = true;
    announce_birth(record);
  }
}

void ProcessObserver::promote_to_master(ProcessRecord& record) {
  const auto* parent = table_.find(record.parent);
  const bool parent_is_master = parent && parent->role == ProcessRole::master;
  record.generation = parent_is_master ? parent->generation + 1 : table_.max_generation() + 1;
  record.role = ProcessRole::master;
  changed_ = true;
  announce_birth(record);
}

void ProcessObserver::announce_birth(const ProcessRecord& record) {
  if (!born_announced_.insert(record.pid).second) return;
  Event event;
  event.t_ns = record.born_ns;
  event.type = EventType::process_born;
  event.pid = record.pid;
  event.parent_pid = record.parent;
  event.generation = record.generation;
  event.role = record.role;
  const auto& how = how_seen_[record.pid];
  event.seen = how.born;
  if (how.born_after_ns) event.lag_ns = record.born_ns - *how.born_after_ns;
  record_event(std::move(event));
}

void ProcessObserver::notice_exits() {
  const auto now = clock_.now_ns();
  for (auto& record : table_.records) {
    if (!record.exited_ns || exit_announced_.count(record.pid) != 0) continue;
    const auto code = exit_codes_.find(record.pid);
    const bool code_known = code != exit_codes_.end();
    const bool waited_enough = now - *record.exited_ns >= kExitCodeGraceNs || stopping_;
    if (!code_known && !waited_enough) continue;
    record.exit_code = code_known ? code->second : -1;
    changed_ = true;
    if (record.role == ProcessRole::none) classify(record);
    announce_birth(record);
    Event event;
    event.t_ns = *record.exited_ns;
    event.type = EventType::process_exited;
    event.pid = record.pid;
    event.parent_pid = record.parent;
    event.generation = record.generation;
    event.role = record.role;
    event.exit_code = record.exit_code;
    event.seen = how_seen_[record.pid].exit;
    record_event(std::move(event));
    exit_announced_.insert(record.pid);
  }
}

}  // namespace hotdeploy::orchestrator
