#include "harness/judge/judge_inputs.h"

namespace hotdeploy::harness {

JudgeInputs JudgeInputs::from(const History& history) {
  JudgeInputs in;
  std::vector<Event> process;
  RequestRowsBuilder rows(history.size());
  for (const Event& e : history.events()) {
    if (e.type == EventType::request_sent || e.type == EventType::request_ended) {
      rows.add(e);
    } else {
      process.push_back(e);
    }
  }
  in.process = History::from_events(std::move(process));
  in.generations = Generations::from(in.process);
  in.rows = rows.finish();
  std::int32_t cached_pid = 0;
  std::optional<std::int32_t> cached;
  for (RequestRow& r : in.rows) {
    if (!r.ok() || r.pid == 0) continue;
    if (r.pid != cached_pid) {
      cached_pid = r.pid;
      cached = in.generations.of_worker(r.pid);
    }
    r.generation = cached.value_or(0);
  }
  if (!history.empty()) {
    in.first_ns = history.events().front().t_ns;
    in.last_ns = history.events().back().t_ns;
  }
  return in;
}

}  // namespace hotdeploy::harness
