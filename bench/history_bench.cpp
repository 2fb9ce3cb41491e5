// Benchmarks of the measuring side: appending events to an EventLog (the load generator's hot
// path; target ≥ 20 M events/s) and judging a history of one million requests across an upgrade
// (target ≤ 200 ms). Run: build/bench/history_bench
#include <benchmark/benchmark.h>

#include "harness/history/history.h"
#include "harness/judge/checks.h"

namespace hotdeploy::harness {
namespace {

Event request_ended(std::int64_t t_ns, std::uint64_t id, std::int32_t worker) {
  Event event;
  event.t_ns = t_ns;
  event.type = EventType::request_ended;
  event.request_id = id;
  event.connection_id = static_cast<std::uint32_t>(id % 32);
  event.reused = true;
  event.outcome = Outcome::ok;
  event.status = 200;
  event.bytes = 120;
  event.latency_ns = 500 + static_cast<std::int64_t>(id % 977) * 1000;
  event.pid = worker;
  return event;
}

void BM_EventLogAppend(benchmark::State& state) {
  const auto batch = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    // The load generator reserves its log once, at start(): that is not the hot path.
    state.PauseTiming();
    EventLog log;
    log.reserve(batch);
    state.ResumeTiming();
    for (std::size_t i = 0; i < batch; ++i) log.append(request_ended(static_cast<std::int64_t>(i), i, 11));
    benchmark::DoNotOptimize(log.events().data());
    state.PauseTiming();
    log = EventLog{};
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));
}
BENCHMARK(BM_EventLogAppend)->Arg(1 << 20)->Unit(benchmark::kMillisecond);

// The same with the reserve (allocation and page faults) counted: the cost per event of a
// log whose capacity is set at start() and filled once.
void BM_EventLogReserveAndAppend(benchmark::State& state) {
  const auto batch = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    EventLog log;
    log.reserve(batch);
    for (std::size_t i = 0; i < batch; ++i) log.append(request_ended(static_cast<std::int64_t>(i), i, 11));
    benchmark::DoNotOptimize(log.events().data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));
}
BENCHMARK(BM_EventLogReserveAndAppend)->Arg(1 << 20)->Unit(benchmark::kMillisecond);

// One million requests (sent + ended) over an upgrade from generation 1 to 2.
History upgrade_history(std::uint64_t requests) {
  std::vector<Event> events;
  events.reserve(requests * 2 + 16);
  const auto born = [&](std::int32_t pid, std::int32_t parent, std::int32_t generation, ProcessRole role) {
    Event event;
    event.type = EventType::process_born;
    event.pid = pid;
    event.parent_pid = parent;
    event.generation = generation;
    event.role = role;
    events.push_back(event);
  };
  born(10, 1, 1, ProcessRole::master);
  born(11, 10, 1, ProcessRole::worker);
  born(20, 10, 2, ProcessRole::master);
  born(21, 20, 2, ProcessRole::worker);
  const std::int64_t usr2_at = static_cast<std::int64_t>(requests / 2) * 1000;
  Event usr2;
  usr2.t_ns = usr2_at;
  usr2.type = EventType::signal_sent;
  usr2.pid = 10;
  usr2.generation = 1;
  usr2.signal = Signal::usr2;
  usr2.text = "USR2";
  events.push_back(usr2);
  for (std::uint64_t id = 0; id < requests; ++id) {
    const auto t = static_cast<std::int64_t>(id) * 1000;
    Event sent;
    sent.t_ns = t;
    sent.type = EventType::request_sent;
    sent.request_id = id;
    events.push_back(sent);
    events.push_back(request_ended(t + 500, id, t > usr2_at ? 21 : 11));
  }
  return History::from_events(std::move(events));
}

void BM_JudgeMillionRequests(benchmark::State& state) {
  const auto history = upgrade_history(1'000'000);
  Expectations expect;
  expect.switchover_ms_max = 1000;
  expect.served_by_at_end = ServedBy::new_generation;
  expect.retried_max = 10;
  expect.ready_ms_max = 1000;
  expect.drain_ms_max = 1000;
  expect.blackout_ms_max = 1000;
  expect.masters_at_end = 1;
  expect.log_not_contains = {"\\[emerg\\]"};
  for (auto _ : state) {
    auto judgement = judge(history, expect);
    benchmark::DoNotOptimize(judgement);
  }
}
BENCHMARK(BM_JudgeMillionRequests)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace hotdeploy::harness

BENCHMARK_MAIN();
