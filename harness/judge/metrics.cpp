#include "harness/judge/metrics.h"

#include <algorithm>
#include <array>
#include <set>

#include "harness/judge/generations.h"
#include "harness/judge/judge_inputs.h"
#include "harness/judge/latency_histogram.h"
#include "harness/judge/request_table.h"
#include "harness/judge/signals.h"
#include "harness/judge/transition_metrics.h"

namespace hotdeploy::harness {
namespace {

double to_ms(std::int64_t ns) { return static_cast<double>(ns) / 1e6; }

std::optional<double> switchover_ms(const JudgeInputs& in) {
  const Event* usr2 = first_signal(in.process, Signal::usr2);
  if (usr2 == nullptr) return std::nullopt;
  const std::optional<std::int32_t> target =
      usr2->generation > 0 ? std::optional(usr2->generation) : in.generations.of_master(usr2->pid);
  if (!target) return std::nullopt;
  std::optional<std::int64_t> first;
  for (const RequestRow& r : in.rows) {
    if (r.ok() && r.generation > *target && r.end_ns >= usr2->t_ns)
      first = std::min(first.value_or(r.end_ns), r.end_ns);
  }
  if (!first) return std::nullopt;
  return to_ms(*first - usr2->t_ns);
}

LatencySummary summarise(const LatencyHistogram& h) {
  LatencySummary s;
  s.count = h.count();
  s.p50_ms = to_ms(h.percentile(50));
  s.p99_ms = to_ms(h.percentile(99));
  s.p999_ms = to_ms(h.percentile(99.9));
  s.max_ms = to_ms(h.max());
  return s;
}

ConnectSummary summarise(const LatencyHistogram& h, std::uint64_t over_1s) {
  ConnectSummary s;
  s.count = h.count();
  s.p50_ms = to_ms(h.percentile(50));
  s.p99_ms = to_ms(h.percentile(99));
  s.max_ms = to_ms(h.max());
  s.over_1s = over_1s;
  return s;
}

// Drops counted by reason while the rows are read, named once at the end: one slot per Reason,
// then one for "no_end" (a request that never ended).
constexpr std::size_t kReasons = static_cast<std::size_t>(Reason::tls_handshake) + 1;
using ReasonCounts = std::array<std::uint64_t, kReasons + 1>;
constexpr std::size_t kRequestKinds = static_cast<std::size_t>(RequestKind::held) + 1;

std::size_t reason_slot(const RequestRow& r) { return r.ended() ? static_cast<std::size_t>(r.reason) : kReasons; }

void name_reasons(const ReasonCounts& counts, std::map<std::string, std::uint64_t>& by_name) {
  for (std::size_t k = 0; k < counts.size(); ++k) {
    if (counts[k] == 0) continue;
    const std::string name = k == kReasons ? "no_end" : std::string(to_string(static_cast<Reason>(k)));
    by_name[name] += counts[k];
  }
}

ObserverMetrics observer_metrics(const JudgeInputs& in) {
  ObserverMetrics o;
  std::map<std::int32_t, std::int64_t> born_ns;  // pid -> its (last) process_born
  std::set<std::int32_t> inferred;
  std::vector<std::int64_t> lags;
  for (const Event& e : in.process.events()) {
    if (e.type != EventType::process_born && e.type != EventType::process_exited) continue;
    if (e.seen != ProcessSeen::directly) inferred.insert(e.pid);
    if (e.type == EventType::process_exited) {
      if (e.exit_code == -1) ++o.exit_code_unknown;
      continue;
    }
    born_ns[e.pid] = e.t_ns;
    if (e.lag_ns > 0) lags.push_back(e.lag_ns);
  }
  o.processes = born_ns.size();
  o.inferred = inferred.size();
  std::map<std::int32_t, std::int64_t> first_ok_ns;
  for (const RequestRow& r : in.rows) {
    if (!r.ok()) continue;
    const auto [at, added] = first_ok_ns.emplace(r.pid, r.end_ns);
    if (!added) at->second = std::min(at->second, r.end_ns);
  }
  for (const auto& [pid, end_ns] : first_ok_ns) {
    const auto born = born_ns.find(pid);
    if (born != born_ns.end() && end_ns < born->second) ++o.born_after_serving;
  }
  if (!lags.empty()) {
    std::sort(lags.begin(), lags.end());
    const auto rank = (lags.size() * 99 + 99) / 100;  // nearest rank: ceil(0.99 n)
    o.birth_lag_p99_ms = to_ms(lags[rank - 1]);
    o.birth_lag_max_ms = to_ms(lags.back());
  }
  return o;
}

std::map<std::string, std::int64_t> rise(const Event& from, const Event& to) {
  std::map<std::string, std::int64_t> deltas;
  for (const auto& [name, value] : to.counters) {
    const auto before = from.counters.find(name);
    if (before != from.counters.end()) deltas[name] = value - before->second;
  }
  return deltas;
}

// The kernel counters' rise over each phase and over the run (metrics.h).
void kernel_deltas(const History& history, const std::vector<std::int64_t>& phase_starts, Metrics& m) {
  std::vector<const Event*> samples;
  for (const Event& e : history.events()) {
    if (e.type == EventType::kernel_counters) samples.push_back(&e);
  }
  m.kernel_samples = samples.size();
  if (samples.empty()) return;
  const auto at = [&](std::int64_t t) {
    const auto after =
        std::upper_bound(samples.begin(), samples.end(), t, [](std::int64_t x, const Event* e) { return x < e->t_ns; });
    return after == samples.begin() ? samples.front() : *(after - 1);
  };
  for (std::size_t k = 0; k < m.phases.size(); ++k) {
    const Event* from = k == 0 ? samples.front() : at(phase_starts[k]);
    const Event* to = k + 1 < phase_starts.size() ? at(phase_starts[k + 1]) : samples.back();
    m.phases[k].kernel_deltas = rise(*from, *to);
  }
  m.kernel_deltas = rise(*samples.front(), *samples.back());
}

}  // namespace

Metrics compute_metrics(const History& history) { return compute_metrics(JudgeInputs::from(history)); }

Metrics compute_metrics(const JudgeInputs& in) {
  const History& history = in.process;
  const std::vector<RequestRow>& rows = in.rows;
  const Generations& generations = in.generations;
  Metrics m;
  m.upstream = join_upstreams(in.upstream, rows);
  if (history.empty() && rows.empty()) return m;  // an empty history

  // Phase boundaries: one phase before the first signal, one after each.
  std::vector<std::int64_t> phase_starts{in.first_ns};
  m.phases.emplace_back().name = "start";
  for (const Event& e : history.events()) {
    if (e.type == EventType::no_effect) ++m.no_effect;
    if (e.type != EventType::signal_sent) continue;
    phase_starts.push_back(e.t_ns);
    m.phases.emplace_back().name = std::string(to_string(e.signal));
  }
  const std::int64_t history_end = in.last_ns;
  for (std::size_t k = 0; k < m.phases.size(); ++k) {
    m.phases[k].from_ms = to_ms(phase_starts[k]);
    m.phases[k].to_ms = to_ms(k + 1 < phase_starts.size() ? phase_starts[k + 1] : history_end);
  }
  std::vector<LatencyHistogram> phase_latency(m.phases.size());
  std::vector<ReasonCounts> phase_reasons(m.phases.size(), ReasonCounts{});
  std::array<std::uint64_t, kRequestKinds> kind_requests{};
  std::array<std::uint64_t, kRequestKinds> kind_dropped{};
  // Per request name (RequestRow::name; slot 0, unnamed, is not reported).
  const std::size_t names = std::max<std::size_t>(1, in.names.size());
  std::vector<NamedRequestMetrics> named(names);
  std::vector<LatencyHistogram> named_latency(names);
  std::vector<ReasonCounts> named_reasons(names, ReasonCounts{});

  m.requests = rows.size();
  for (const RequestRow& r : rows) {
    const std::int64_t at = r.ended() ? r.end_ns : r.start_ns;
    // The last phase that began at or before the request's time (at equal times, the signal's).
    const auto next = std::upper_bound(phase_starts.begin(), phase_starts.end(), at);
    const auto k = static_cast<std::size_t>(std::max<std::ptrdiff_t>(0, next - phase_starts.begin() - 1));
    PhaseMetrics& phase = m.phases[k];
    ++phase.requests;
    ++kind_requests[static_cast<std::size_t>(r.kind)];
    if (r.retry_ok) ++m.retried;
    NamedRequestMetrics& name = named[r.name];
    ++name.requests;
    if (r.retry_ok) ++name.retried;
    if (r.ok()) {
      ++m.ok;
      ++phase.ok;
      phase_latency[k].record(r.latency_ns);
      ++name.ok;
      if (r.name != 0) named_latency[r.name].record(r.latency_ns);
      continue;
    }
    ++name.dropped;
    ++named_reasons[r.name][reason_slot(r)];
    ++m.dropped;
    ++phase.dropped;
    ++phase_reasons[k][reason_slot(r)];
    ++kind_dropped[static_cast<std::size_t>(r.kind)];
  }
  LatencyHistogram all;
  for (std::size_t k = 0; k < m.phases.size(); ++k) {
    m.phases[k].latency = summarise(phase_latency[k]);
    all.merge(phase_latency[k]);
    name_reasons(phase_reasons[k], m.phases[k].dropped_by_reason);
    name_reasons(phase_reasons[k], m.dropped_by_reason);
  }
  for (std::size_t kind = 0; kind < kRequestKinds; ++kind) {
    const std::string name(to_string(static_cast<RequestKind>(kind)));
    if (kind_requests[kind] > 0) m.requests_by_kind[name] = kind_requests[kind];
    if (kind_dropped[kind] > 0) m.dropped_by_kind[name] = kind_dropped[kind];
  }
  m.latency = summarise(all);
  for (std::size_t n = 1; n < named.size(); ++n) {
    named[n].latency = summarise(named_latency[n]);
    name_reasons(named_reasons[n], named[n].dropped_by_reason);
    m.by_name[in.names[n]] = std::move(named[n]);
  }
  kernel_deltas(history, phase_starts, m);

  std::vector<LatencyHistogram> phase_connect(m.phases.size());
  std::vector<std::uint64_t> phase_over_1s(m.phases.size(), 0);
  for (const ConnectSample& c : in.connects) {
    const auto next = std::upper_bound(phase_starts.begin(), phase_starts.end(), c.start_ns);
    const auto k = static_cast<std::size_t>(std::max<std::ptrdiff_t>(0, next - phase_starts.begin() - 1));
    phase_connect[k].record(c.connect_ns);
    if (c.connect_ns > kSynRetransmitNs) ++phase_over_1s[k];
  }
  LatencyHistogram all_connect;
  std::uint64_t all_over_1s = 0;
  for (std::size_t k = 0; k < m.phases.size(); ++k) {
    m.phases[k].connect = summarise(phase_connect[k], phase_over_1s[k]);
    all_connect.merge(phase_connect[k]);
    all_over_1s += phase_over_1s[k];
  }
  m.connect = summarise(all_connect, all_over_1s);
  for (const auto& [reason, text] : in.timeout_texts) {
    const std::string name(to_string(reason));
    if (m.dropped_by_reason.contains(name)) m.timeout_of_reason[name] = text;
  }

  m.switchover_ms = switchover_ms(in);
  std::optional<std::int64_t> switchover_ns;
  if (const Event* usr2 = first_signal(in.process, Signal::usr2); usr2 != nullptr && m.switchover_ms) {
    switchover_ns = usr2->t_ns + static_cast<std::int64_t>(*m.switchover_ms * 1e6);
  }
  m.tls = tls_metrics(in.handshakes, switchover_ns);
  m.ready_ms = ready_ms(history, generations);
  m.drain_ms = drain_ms(history, generations);
  m.transition_window = transition_window(history, m.drain_ms);
  if (m.transition_window) m.blackout_ms = blackout_ms(rows, *m.transition_window);
  m.overlap_ms = overlap_ms(history, rows, generations);
  m.masters_at_end = masters_at_end(history);
  m.observer = observer_metrics(in);
  return m;
}

}  // namespace hotdeploy::harness
