#include "harness/history/history_builder.h"

#include <string_view>
#include <utility>

namespace hotdeploy::harness::testing {

HistoryBuilder& HistoryBuilder::at_ms(double ms) {
  t_ns_ = static_cast<std::int64_t>(ms * 1e6);
  return *this;
}

Event& HistoryBuilder::add(EventType type) {
  Event e;
  e.t_ns = t_ns_;
  e.type = type;
  events_.push_back(std::move(e));
  return events_.back();
}

HistoryBuilder& HistoryBuilder::master(std::int32_t pid, std::int32_t generation) {
  Event& e = add(EventType::process_born);
  e.pid = pid;
  e.parent_pid = 1;
  e.generation = generation;
  e.role = ProcessRole::master;
  return *this;
}

HistoryBuilder& HistoryBuilder::worker(std::int32_t pid, std::int32_t master_pid, std::int32_t generation) {
  Event& e = add(EventType::process_born);
  e.pid = pid;
  e.parent_pid = master_pid;
  e.generation = generation;
  e.role = ProcessRole::worker;
  return *this;
}

HistoryBuilder& HistoryBuilder::signal(std::string name, std::int32_t master_pid, std::int32_t generation) {
  Event& e = add(EventType::signal_sent);
  std::string_view bare = name;
  if (bare.starts_with("SIG")) bare.remove_prefix(3);
  e.signal = from_string<Signal>(bare).value_or(Signal::none);
  e.text = std::move(name);
  e.pid = master_pid;
  e.generation = generation;
  return *this;
}

HistoryBuilder& HistoryBuilder::request(std::uint64_t id, Outcome outcome, Reason reason, std::int32_t pid,
                                        std::uint8_t attempt) {
  sent_only(id, attempt);
  return ended_only(id, outcome, reason, attempt, pid, 0);
}

HistoryBuilder& HistoryBuilder::ok(std::uint64_t id, std::int32_t worker_pid, std::uint8_t attempt) {
  return request(id, Outcome::ok, Reason::none, worker_pid, attempt);
}

HistoryBuilder& HistoryBuilder::sent_only(std::uint64_t id, std::uint8_t attempt) {
  Event& e = add(EventType::request_sent);
  e.request_id = id;
  e.attempt = attempt;
  return *this;
}

HistoryBuilder& HistoryBuilder::ended_only(std::uint64_t id, Outcome outcome, Reason reason, std::uint8_t attempt,
                                           std::int32_t pid, double latency_ms) {
  Event& e = add(EventType::request_ended);
  e.request_id = id;
  e.attempt = attempt;
  e.outcome = outcome;
  e.reason = reason;
  e.pid = pid;
  e.status = outcome == Outcome::ok ? 200 : 0;
  e.bytes = outcome == Outcome::ok ? kOkResponseBytes : 0;
  e.latency_ns = static_cast<std::int64_t>(latency_ms * 1e6);
  return *this;
}

HistoryBuilder& HistoryBuilder::with_status(std::uint16_t status) {
  Event& e = events_.back();
  e.status = status;
  e.bytes = kOkResponseBytes;
  return *this;
}

HistoryBuilder& HistoryBuilder::upstream_request(std::string name, std::uint32_t connection_id,
                                                 std::uint64_t request_id, bool written, double responded_ms) {
  Event& e = add(EventType::upstream_request);
  e.upstream = std::move(name);
  e.connection_id = connection_id;
  e.request_id = request_id;
  e.method = "GET";
  e.path = "/";
  e.status = 200;
  e.responded_ns = static_cast<std::int64_t>(responded_ms * 1e6);
  e.response_written = written;
  return *this;
}

HistoryBuilder& HistoryBuilder::exited(std::int32_t pid, std::int32_t parent_pid, ProcessRole role,
                                       std::int32_t generation) {
  Event& e = add(EventType::process_exited);
  e.pid = pid;
  e.parent_pid = parent_pid;
  e.role = role;
  e.generation = generation;
  e.exit_code = 0;
  return *this;
}

HistoryBuilder& HistoryBuilder::observed(ProcessSeen seen, double lag_ms) {
  Event& e = events_.back();
  e.seen = seen;
  e.lag_ns = static_cast<std::int64_t>(lag_ms * 1e6);
  return *this;
}

HistoryBuilder& HistoryBuilder::named(const std::string& name) {
  const std::uint64_t id = events_.back().request_id;
  for (auto e = events_.rbegin(); e != events_.rend(); ++e) {
    const bool client = e->type == EventType::request_sent || e->type == EventType::request_ended;
    if (!client || e->request_id != id) break;
    e->name = name;
  }
  return *this;
}

HistoryBuilder& HistoryBuilder::pid_file(std::string file, std::int32_t pid) {
  Event& e = add(EventType::pid_file_changed);
  e.pid = pid;
  e.pid_file = file.ends_with(".oldbin") ? PidFile::oldbin : PidFile::current;
  e.pid_file_state = pid > 0 ? PidFileState::written : PidFileState::removed;
  e.text = std::move(file) + (pid > 0 ? " " + std::to_string(pid) : std::string(" removed"));
  return *this;
}

HistoryBuilder& HistoryBuilder::log(std::string line) {
  add(EventType::log_line).text = std::move(line);
  return *this;
}

HistoryBuilder& HistoryBuilder::orchestrator(EventType type, std::string text) {
  add(type).text = std::move(text);
  return *this;
}

HistoryBuilder& HistoryBuilder::kernel_counters(std::string when, std::map<std::string, std::int64_t> counters) {
  Event& e = add(EventType::kernel_counters);
  e.text = std::move(when);
  e.counters = std::move(counters);
  return *this;
}

History HistoryBuilder::build() const { return History::from_events(events_); }

}  // namespace hotdeploy::harness::testing
