#include "harness/judge/judge_inputs.h"

#include <unordered_map>

namespace hotdeploy::harness {

JudgeInputs JudgeInputs::from(const History& history) {
  JudgeInputs in;
  std::vector<Event> process;
  RequestRowsBuilder rows(history.size());
  // TLS connection -> its handshake sample, until its first ok response names the worker
  std::unordered_map<std::uint32_t, std::size_t> unserved_tls;
  std::vector<std::pair<std::int32_t, std::int64_t>> first_ok;  // by sample: worker pid, end time
  for (const Event& e : history.events()) {
    if (e.type == EventType::request_sent || e.type == EventType::request_ended) {
      rows.add(e);
      if (e.connect_ns > 0) in.connects.push_back({e.t_ns - e.connect_ns, e.connect_ns});
      if (e.handshake != TlsHandshake::none) {
        unserved_tls[e.connection_id] = in.handshakes.size();
        in.handshakes.push_back({e.connection_id, e.t_ns, e.handshake == TlsHandshake::resumed, 0});
        first_ok.emplace_back(0, 0);
      } else if (e.outcome == Outcome::ok && !unserved_tls.empty()) {
        if (const auto it = unserved_tls.find(e.connection_id); it != unserved_tls.end()) {
          first_ok[it->second] = {e.pid, e.t_ns};
          unserved_tls.erase(it);
        }
      }
      const bool timeout = e.reason == Reason::connect_timeout || e.reason == Reason::first_byte_timeout ||
                           e.reason == Reason::response_timeout;
      if (timeout && !e.text.empty()) in.timeout_texts.emplace(e.reason, e.text);
    } else if (e.type == EventType::upstream_request) {
      in.upstream.push_back(e);
    } else {
      process.push_back(e);
    }
  }
  in.process = History::from_events(std::move(process));
  in.generations = Generations::from(in.process);
  in.rows = rows.finish();
  in.names = rows.take_names();
  // Consecutive rows are mostly served by the same process: look it up again only when the pid
  // changes or the row ended outside the cached one's life.
  const ProcessLifetime* cached = nullptr;
  for (RequestRow& r : in.rows) {
    if (!r.ok() || r.pid == 0) continue;
    if (cached == nullptr || cached->pid != r.pid || !cached->alive_at(r.end_ns)) {
      cached = in.generations.serving(r.pid, r.end_ns);
    }
    if (cached == nullptr || cached->role != ProcessRole::worker) continue;
    r.generation = cached->generation;
    if (cached->exited_ns != kStillAlive) r.worker_exited_ns = cached->exited_ns;
  }
  for (std::size_t k = 0; k < in.handshakes.size(); ++k) {
    const auto [pid, end_ns] = first_ok[k];
    if (pid == 0) continue;
    const ProcessLifetime* worker = in.generations.serving(pid, end_ns);
    if (worker != nullptr && worker->role == ProcessRole::worker) in.handshakes[k].generation = worker->generation;
  }
  if (!history.empty()) {
    in.first_ns = history.events().front().t_ns;
    in.last_ns = history.events().back().t_ns;
  }
  return in;
}

}  // namespace hotdeploy::harness
