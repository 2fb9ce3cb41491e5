#include "harness/judge/judge_inputs.h"

namespace hotdeploy::harness {

JudgeInputs JudgeInputs::from(const History& history) {
  JudgeInputs in;
  std::vector<Event> process;
  RequestRowsBuilder rows(history.size());
  for (const Event& e : history.events()) {
    if (e.type == EventType::request_sent || e.type == EventType::request_ended) {
      rows.add(e);
      if (e.connect_ns > 0) in.connects.push_back({e.t_ns - e.connect_ns, e.connect_ns});
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
  if (!history.empty()) {
    in.first_ns = history.events().front().t_ns;
    in.last_ns = history.events().back().t_ns;
  }
  return in;
}

}  // namespace hotdeploy::harness
