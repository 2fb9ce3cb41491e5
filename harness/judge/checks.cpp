#include "harness/judge/checks.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <unordered_set>
#include <vector>

#include "harness/judge/generations.h"
#include "harness/judge/judge_inputs.h"
#include "harness/judge/signals.h"
#include "harness/judge/statistics.h"
#include "harness/judge/transition_metrics.h"

namespace hotdeploy::harness {
namespace {

// printf-style formatting of one double (spec is a literal like "%.1f").
std::string format(const char* spec, double value) {
  std::array<char, 64> buffer{};
  const int n = std::snprintf(buffer.data(), buffer.size(), spec, value);
  return std::string(buffer.data(), static_cast<std::size_t>(std::clamp(n, 0, 63)));
}

std::string ms(double value) { return format("%.1f", value) + " ms"; }

std::string generation_name(ServedBy s) { return s == ServedBy::new_generation ? "new" : "old"; }

constexpr std::size_t kMaxListedErrors = 5;
constexpr std::size_t kMaxListedPids = 5;

// The ok responses that ended at or after cutoff, by who served them.
struct EndTally {
  std::uint64_t in_window = 0;
  std::uint64_t unknown = 0;                        // by a worker of no recorded generation
  std::map<std::int32_t, std::uint64_t> wrong;      // by another generation than want: generation -> responses
  std::map<std::int32_t, std::uint64_t> in_flight;  // of those, in flight at their worker's exit (checks.h)
};

bool in_flight_at_exit(const RequestRow& r) {
  return r.worker_exited_ns != kNotEnded && r.final_sent_ns <= r.worker_exited_ns + kSendStampLagBoundNs &&
         r.end_ns <= r.worker_exited_ns + kInFlightBoundNs;
}

EndTally tally_from(const std::vector<RequestRow>& rows, std::int64_t cutoff, std::int32_t want) {
  EndTally t;
  for (const RequestRow& r : rows) {
    if (!r.ok() || r.end_ns < cutoff) continue;
    ++t.in_window;
    if (r.generation <= 0) {
      ++t.unknown;
    } else if (r.generation != want) {
      ++t.wrong[r.generation];
      if (in_flight_at_exit(r)) ++t.in_flight[r.generation];
    }
  }
  return t;
}

// The generation served_by_at_end expects at the end: for new_generation, that of the newest
// master born in the run (nullopt when no master was recorded); for old_generation, 1.
std::optional<std::int32_t> wanted_generation(const JudgeInputs& in, ServedBy expected) {
  if (expected == ServedBy::old_generation) return 1;
  const ProcessLifetime* newest = in.generations.newest_master();
  if (newest == nullptr) return std::nullopt;
  return newest->generation;
}

// The generation of the master or worker a process event names, at the event's time; nullopt if unknown.
std::optional<std::int32_t> generation_of(const Generations& generations, const Event& e) {
  if (e.role != ProcessRole::master && e.role != ProcessRole::worker) return std::nullopt;
  const ProcessLifetime* p = generations.alive(e.pid, e.t_ns);
  if (p == nullptr || p->generation <= 0) return std::nullopt;
  return p->generation;
}

// Whether a worker of generation want was alive when the steps ended.
bool has_worker_at_end(const JudgeInputs& in, std::int32_t want) {
  const std::int64_t end = end_of_run_ns(in.process);
  return std::ranges::any_of(in.generations.processes(), [&](const ProcessLifetime& p) {
    return p.role == ProcessRole::worker && p.generation == want && p.born_ns <= end && p.exited_ns > end;
  });
}

// The transition of the end window (checks.h), or nullptr.
const Event* end_transition(const JudgeInputs& in, ServedBy expected, std::int32_t want) {
  const auto other = [&](const Event& e) {
    const std::optional<std::int32_t> generation = generation_of(in.generations, e);
    if (!generation) return false;
    return expected == ServedBy::new_generation ? *generation < want : *generation != 1;
  };
  std::unordered_set<std::int32_t> alive;
  const Event* last_exit = nullptr;
  for (const Event& e : in.process.events()) {
    if (e.type == EventType::steps_ended) break;
    if (e.type == EventType::process_born && other(e)) alive.insert(e.pid);
    if (e.type == EventType::process_exited && other(e)) {
      alive.erase(e.pid);
      last_exit = &e;
    }
  }
  return alive.empty() ? last_exit : nullptr;
}

struct EndJudged {
  EndWindow window;
  EndTally tally;
};

// The end window and the tally of its responses, found together so that the rows are read once
// when the fallback's last 10% holds enough responses.
EndJudged judge_end(const JudgeInputs& in, ServedBy expected, std::int32_t want) {
  if (const Event* transition = end_transition(in, expected, want)) {
    return {{transition->t_ns, transition}, tally_from(in.rows, transition->t_ns, want)};
  }
  const auto span = static_cast<double>(in.last_ns - in.first_ns);
  const auto by_time = in.last_ns - static_cast<std::int64_t>(span * kEndWindowFraction);
  // The window starts at by_time, or earlier if that holds fewer than kEndWindowMinResponses:
  // at the end time of the kEndWindowMinResponses-th last ok response (of the first, if fewer).
  EndJudged judged{{by_time, nullptr}, tally_from(in.rows, by_time, want)};
  if (judged.tally.in_window >= kEndWindowMinResponses) return judged;
  std::vector<std::int64_t> ok_ends;
  for (const RequestRow& r : in.rows) {
    if (r.ok()) ok_ends.push_back(r.end_ns);
  }
  if (ok_ends.empty()) return judged;
  const std::size_t nth = ok_ends.size() - std::min(ok_ends.size(), kEndWindowMinResponses);
  std::nth_element(ok_ends.begin(), ok_ends.begin() + static_cast<std::ptrdiff_t>(nth), ok_ends.end());
  judged.window.from_ns = std::min(by_time, ok_ends[nth]);
  judged.tally = tally_from(in.rows, judged.window.from_ns, want);
  return judged;
}

}  // namespace

EndWindow served_by_at_end_window(const JudgeInputs& inputs, ServedBy expected) {
  return judge_end(inputs, expected, wanted_generation(inputs, expected).value_or(0)).window;
}

Verdict combine(Verdict a, Verdict b) {
  return static_cast<Verdict>(std::max(static_cast<int>(a), static_cast<int>(b)));
}

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::pass: return "pass";
    case Verdict::unknown: return "unknown";
    case Verdict::fail: return "fail";
  }
  return "invalid";
}

std::string drop_rate_bound_words(std::uint64_t dropped, std::uint64_t requests) {
  return "rate < " + format("%.3g", 100 * rate_upper_bound(dropped, requests)) + "% at 95% confidence";
}

Check check_dropped(const Metrics& metrics, const Expectations& expect) {
  Check c{"dropped", Verdict::pass, {}};
  if (metrics.requests == 0) {
    c.verdict = Verdict::unknown;
    c.detail = "no requests were recorded, so nothing can be said about drops";
    return c;
  }
  c.detail = std::to_string(metrics.dropped) + " of " + std::to_string(metrics.requests) + " requests dropped";
  if (metrics.dropped == 0) {
    c.detail += " (" + drop_rate_bound_words(0, metrics.requests) + ")";
  } else {
    c.detail += " (";
    bool first = true;
    for (const auto& [reason, count] : metrics.dropped_by_reason) {
      if (!first) c.detail += ", ";
      first = false;
      c.detail += reason + ": " + std::to_string(count);
      // A timeout the scenario may have set: which one expired, and its value.
      if (const auto timeout = metrics.timeout_of_reason.find(reason); timeout != metrics.timeout_of_reason.end()) {
        c.detail += " (" + timeout->second + ")";
      }
    }
    c.detail += ")";
  }
  if (expect.dropped_max && metrics.dropped > *expect.dropped_max) {
    c.verdict = Verdict::fail;
    c.detail += "; at most " + std::to_string(*expect.dropped_max) + " allowed";
  }
  if (expect.dropped_min && metrics.dropped < *expect.dropped_min) {
    c.verdict = Verdict::fail;
    c.detail += "; at least " + std::to_string(*expect.dropped_min) + " required";
  }
  if (expect.dropped_reasons) {
    std::string unexpected;
    std::string allowed;
    for (const auto reason : *expect.dropped_reasons)
      allowed += (allowed.empty() ? "" : ", ") + std::string(to_string(reason));
    for (const auto& [reason, count] : metrics.dropped_by_reason) {
      const auto known = from_string<Reason>(reason);
      if (known && std::ranges::find(*expect.dropped_reasons, *known) != expect.dropped_reasons->end()) continue;
      unexpected += (unexpected.empty() ? "" : ", ") + reason;
    }
    if (!unexpected.empty()) {
      c.verdict = Verdict::fail;
      c.detail += "; dropped for " + unexpected + ", but only " + allowed + " allowed";
    }
  }
  return c;
}

Check check_dropped_by_kind(const Metrics& metrics, const Expectations& expect) {
  Check c{"dropped_by_kind", Verdict::pass, {}};
  const auto count_of = [](const std::map<std::string, std::uint64_t>& by_kind, const std::string& kind) {
    const auto it = by_kind.find(kind);
    return it == by_kind.end() ? std::uint64_t{0} : it->second;
  };
  for (const auto& [kind, max] : expect.dropped_max_by_kind) {
    const std::string name(to_string(kind));
    const std::uint64_t requests = count_of(metrics.requests_by_kind, name);
    const std::uint64_t dropped = count_of(metrics.dropped_by_kind, name);
    if (!c.detail.empty()) c.detail += "; ";
    if (requests == 0) {
      c.verdict = combine(c.verdict, Verdict::unknown);
      c.detail += name + ": no requests of this kind (max " + std::to_string(max) + ")";
      continue;
    }
    c.detail += name + ": " + std::to_string(dropped) + " dropped of " + std::to_string(requests) + " (max " +
                std::to_string(max) + ")";
    if (dropped > max) c.verdict = Verdict::fail;
  }
  return c;
}

Check check_dropped_by_name(const Metrics& metrics, const Expectations& expect) {
  Check c{"dropped_by_name", Verdict::pass, {}};
  for (const auto& [name, max] : expect.dropped_max_by_name) {
    if (!c.detail.empty()) c.detail += "; ";
    const auto found = metrics.by_name.find(name);
    if (found == metrics.by_name.end() || found->second.requests == 0) {
      c.verdict = combine(c.verdict, Verdict::unknown);
      c.detail += name + ": no request of this name was made (max " + std::to_string(max) + ")";
      continue;
    }
    const NamedRequestMetrics& n = found->second;
    c.detail += name + ": " + std::to_string(n.dropped) + " dropped of " + std::to_string(n.requests);
    if (!n.dropped_by_reason.empty()) {
      c.detail += " (";
      bool first = true;
      for (const auto& [reason, count] : n.dropped_by_reason) {
        c.detail += (first ? "" : ", ") + reason + ": " + std::to_string(count);
        first = false;
      }
      c.detail += ")";
    }
    c.detail += " (max " + std::to_string(max) + ")";
    if (n.dropped > max) c.verdict = Verdict::fail;
  }
  return c;
}

Check check_switchover(const History& history, const Metrics& metrics, double max_ms) {
  Check c{"switchover_ms", Verdict::pass, {}};
  if (first_signal(history, Signal::usr2) == nullptr) {
    c.verdict = Verdict::unknown;
    c.detail = "no USR2 was sent, so there was no switchover to measure";
    return c;
  }
  if (!metrics.switchover_ms) {
    c.verdict = Verdict::unknown;
    c.detail = "no ok response came from a generation newer than the USR2 target";
    return c;
  }
  c.detail = "switchover " + ms(*metrics.switchover_ms) + " (max " + ms(max_ms) + ")";
  if (*metrics.switchover_ms > max_ms) c.verdict = Verdict::fail;
  return c;
}

Check check_connect(const Metrics& metrics, const Expectations& expect) {
  Check c{"connect_ms", Verdict::pass, {}};
  const ConnectSummary& s = metrics.connect;
  if (s.count == 0) {
    c.verdict = Verdict::unknown;
    c.detail = "no connect time was recorded (no new connection, or a history from before connect_ns)";
    return c;
  }
  c.detail = std::to_string(s.count) + " connects: p50 " + ms(s.p50_ms) + ", p99 " + ms(s.p99_ms) + ", max " +
             ms(s.max_ms) + ", " + std::to_string(s.over_1s) + " over 1 s";
  const auto bound = [&](const char* name, double value, const std::optional<double>& max) {
    if (!max) return;
    c.detail += std::string("; ") + name + " max " + ms(*max);
    if (value > *max) {
      c.verdict = Verdict::fail;
      c.detail += " exceeded";
    }
  };
  bound("p50", s.p50_ms, expect.connect_ms_p50_max);
  bound("p99", s.p99_ms, expect.connect_ms_p99_max);
  bound("max", s.max_ms, expect.connect_ms_max_max);
  const CountBounds& slow = expect.connect_over_1s;
  if (slow.min) {
    c.detail += "; over 1 s min " + std::to_string(*slow.min);
    if (s.over_1s < *slow.min) {
      c.verdict = Verdict::fail;
      c.detail += " not reached";
    }
  }
  if (slow.max) {
    c.detail += "; over 1 s max " + std::to_string(*slow.max);
    if (s.over_1s > *slow.max) {
      c.verdict = Verdict::fail;
      c.detail += " exceeded";
    }
  }
  return c;
}

Check check_kernel(const Metrics& metrics, const Expectations& expect) {
  Check c{"kernel", Verdict::pass, {}};
  if (metrics.kernel_samples == 0) {
    c.verdict = Verdict::unknown;
    c.detail = "the run read no kernel counters (it had no network namespace of its own)";
    return c;
  }
  for (const auto& [name, bounds] : expect.kernel) {
    if (!c.detail.empty()) c.detail += "; ";
    const auto found = metrics.kernel_deltas.find(name);
    if (found == metrics.kernel_deltas.end()) {
      c.verdict = combine(c.verdict, Verdict::unknown);
      c.detail += name + " was not among the samples (this kernel does not count it)";
      continue;
    }
    const std::int64_t rise = found->second;
    c.detail += name + " rose by " + std::to_string(rise);
    if (bounds.min) {
      c.detail += " (min " + std::to_string(*bounds.min) + ")";
      if (rise < static_cast<std::int64_t>(*bounds.min)) c.verdict = Verdict::fail;
    }
    if (bounds.max) {
      c.detail += " (max " + std::to_string(*bounds.max) + ")";
      if (rise > static_cast<std::int64_t>(*bounds.max)) c.verdict = Verdict::fail;
    }
  }
  return c;
}

Check check_served_by_at_end(const History& history, ServedBy expected) {
  return check_served_by_at_end(JudgeInputs::from(history), expected);
}

Check check_served_by_at_end(const JudgeInputs& in, ServedBy expected) {
  Check c{"served_by_at_end", Verdict::pass, {}};
  const std::optional<std::int32_t> want = wanted_generation(in, expected);
  if (!want) {
    c.verdict = Verdict::unknown;
    c.detail = "no master process was recorded, so the newest generation is unknown";
    return c;
  }
  const std::string wanted = "generation " + std::to_string(*want) + " (" + generation_name(expected) + ")";
  if (!has_worker_at_end(in, *want)) {
    c.verdict = Verdict::fail;
    const ProcessLifetime* newest = in.generations.newest_master();
    c.detail = wanted +
               (expected == ServedBy::new_generation && newest != nullptr
                    ? ", the newest master born in the run (pid " + std::to_string(newest->pid) + "),"
                    : std::string()) +
               " had no worker when the steps ended";
    return c;
  }
  const bool any_ok = std::any_of(in.rows.begin(), in.rows.end(), [](const RequestRow& r) { return r.ok(); });
  if (!any_ok) {
    c.verdict = Verdict::unknown;
    c.detail = "no ok responses, so nothing shows who served at the end";
    return c;
  }
  const auto [end_window, tally] = judge_end(in, expected, *want);
  const auto& [in_window, unknown, wrong, in_flight_by_generation] = tally;
  const Event* transition = end_window.transition;
  std::string window;
  std::uint64_t in_flight = 0;
  std::string in_flight_detail;
  // Responses of another generation that count against the check: all of them, except, after a
  // transition, those in flight at their worker's exit (sent before it, ended within the bound).
  std::map<std::int32_t, std::uint64_t> counted = wrong;
  if (transition != nullptr) {
    window = " since the last process of another generation exited (generation " +
             std::to_string(generation_of(in.generations, *transition).value_or(0)) + " " +
             std::string(to_string(transition->role)) + " " + std::to_string(transition->pid) + " at " +
             ms(static_cast<double>(transition->t_ns) / 1e6) + ")";
    for (const auto& [generation, count] : in_flight_by_generation) {
      in_flight += count;
      counted[generation] -= count;
      if (counted[generation] == 0) counted.erase(generation);
      in_flight_detail += (in_flight_detail.empty() ? "; not counted, in flight when their worker exited (sent "
                                                      "before it, ended within " +
                                                          ms(static_cast<double>(kInFlightBoundNs) / 1e6) + " of it):"
                                                    : ";") +
                          std::string(" ") + std::to_string(count) + " from generation " + std::to_string(generation);
    }
  } else {
    window = " in the last " + ms(static_cast<double>(in.last_ns - end_window.from_ns) / 1e6);
  }
  const std::uint64_t judged = in_window - in_flight;
  if (!counted.empty()) {
    c.verdict = Verdict::fail;
    c.detail = "of " + std::to_string(judged) + " ok responses" + window + ", expected all from " + wanted + ":";
    for (const auto& [generation, count] : counted) {
      c.detail += " " + std::to_string(count) + " from generation " + std::to_string(generation) +
                  (transition != nullptr ? " (not in flight at their worker's exit);" : ";");
    }
    c.detail.pop_back();
  } else if (judged == 0) {
    c.verdict = Verdict::unknown;
    c.detail = "no ok responses" + window + ", so nothing shows who served at the end";
  } else if (unknown > 0) {
    c.verdict = Verdict::unknown;
    c.detail = "of " + std::to_string(judged) + " ok responses" + window + ", " + std::to_string(unknown) +
               " came from a worker pid with no recorded generation; the rest from " + wanted;
  } else {
    c.detail = "all " + std::to_string(judged) + " ok responses" + window + " came from " + wanted;
  }
  c.detail += in_flight_detail;
  return c;
}

Check check_run_errors(const History& history) {
  Check c{"run_errors", Verdict::pass, "no run errors"};
  std::vector<std::string> errors;
  std::size_t count = 0;
  for (const Event& e : history.events()) {
    if (e.type != EventType::run_error && e.type != EventType::wait_timed_out) continue;
    if (++count <= kMaxListedErrors) errors.push_back(std::string(to_string(e.type)) + ": " + e.text);
  }
  if (count == 0) return c;
  c.verdict = Verdict::fail;
  c.detail.clear();
  for (const std::string& error : errors) {
    if (!c.detail.empty()) c.detail += "; ";
    c.detail += error;
  }
  if (count > errors.size()) c.detail += "; and " + std::to_string(count - errors.size()) + " more";
  return c;
}

namespace {

// A check that rests on processes whose birth or exit the observer inferred (ProcessSeen) says
// so: served_by_at_end and switchover_ms on the workers that served, the timing and end checks on
// every master and worker.
void note_inferred_processes(const JudgeInputs& in, std::vector<Check>& checks) {
  std::map<std::int32_t, ProcessRole> inferred;
  for (const Event& e : in.process.events()) {
    const bool process_event = e.type == EventType::process_born || e.type == EventType::process_exited;
    if (process_event && e.seen != ProcessSeen::directly) inferred[e.pid] = e.role;
  }
  if (inferred.empty()) return;
  std::map<std::int32_t, ProcessRole> served;
  for (const RequestRow& r : in.rows) {
    if (const auto found = inferred.find(r.pid); r.ok() && found != inferred.end()) served.insert(*found);
  }
  const auto note = [](const std::map<std::int32_t, ProcessRole>& pids) {
    std::string text = "; rests on " + std::to_string(pids.size()) + " process(es) the observer inferred:";
    std::size_t listed = 0;
    for (const auto& [pid, role] : pids) {
      if (++listed > kMaxListedPids) break;
      text += std::string(listed == 1 ? " " : ", ") + std::string(to_string(role)) + " " + std::to_string(pid);
    }
    if (pids.size() > kMaxListedPids) text += ", ...";
    return text;
  };
  for (Check& c : checks) {
    if (c.name == "served_by_at_end" || c.name == "switchover_ms") {
      if (!served.empty()) c.detail += note(served);
    } else if (c.name == "ready_ms" || c.name == "drain_ms" || c.name == "blackout_ms" || c.name == "masters_at_end") {
      c.detail += note(inferred);
    }
  }
}

}  // namespace

Check check_upstream_answered(const Metrics& metrics, const Expectations& expect) {
  const UpstreamJoin& join = metrics.upstream;
  Check c{"upstream_answered", Verdict::pass, {}};
  std::uint64_t answered = 0;
  std::array<std::uint64_t, kClientResults> then{};
  for (const UpstreamCounts& u : join.upstreams) {
    answered += u.answered;
    for (std::size_t i = 0; i < kClientResults; ++i) then[i] += u.answered_then[i];
  }
  const auto count = [](std::uint64_t n, std::string_view what) { return std::to_string(n) + " " + std::string(what); };
  if (!join.joinable) {
    c.verdict = Verdict::unknown;
    c.detail = count(answered, "request(s) answered upstream") +
               ", none with an X-Hotdeploy-Request id: the client's record cannot be joined to them";
    return c;
  }
  const auto n = [&](ClientResult r) { return then[static_cast<std::size_t>(r)]; };
  if (join.answered_lost > expect.upstream_answered_lost_max) {
    c.verdict = Verdict::fail;
    c.detail = count(join.answered_lost, "request(s) answered upstream did not end ok at the client") + " (max " +
               std::to_string(expect.upstream_answered_lost_max) + "; by upstream record: 502 " +
               std::to_string(n(ClientResult::bad_gateway)) + ", 504 " +
               std::to_string(n(ClientResult::gateway_timeout)) + ", other status " +
               std::to_string(n(ClientResult::other_status)) + ", nothing " + std::to_string(n(ClientResult::nothing)) +
               ")";
    for (std::size_t i = 0; i < join.lost_listed.size(); ++i) c.detail += (i == 0 ? ": " : "; ") + join.lost_listed[i];
    if (join.answered_lost > join.lost_listed.size()) c.detail += "; ...";
  } else {
    c.detail = count(n(ClientResult::ok), "of") + " " + count(answered, "answered upstream ended ok at the client");
    if (join.answered_lost > 0) {
      c.detail += "; " + count(join.answered_lost, "did not (allowed ") +
                  std::to_string(expect.upstream_answered_lost_max) + ")";
      for (std::size_t i = 0; i < join.lost_listed.size(); ++i)
        c.detail += (i == 0 ? ": " : "; ") + join.lost_listed[i];
    }
  }
  const auto bad_gateway = join.not_received[static_cast<std::size_t>(ClientResult::bad_gateway)];
  const auto gateway_timeout = join.not_received[static_cast<std::size_t>(ClientResult::gateway_timeout)];
  if (bad_gateway + gateway_timeout > 0) {
    c.detail += "; reached no upstream: " + count(bad_gateway, "502") + ", " + count(gateway_timeout, "504");
  }
  return c;
}

Judgement judge(const History& full_history, const Expectations& expect) {
  const JudgeInputs inputs = JudgeInputs::from(full_history);
  // Every check below but served_by_at_end looks only at non-client events.
  const History& history = inputs.process;
  Judgement j{Verdict::pass, compute_metrics(inputs), {}};
  if (expect.dropped_max || expect.dropped_min || expect.dropped_reasons)
    j.checks.push_back(check_dropped(j.metrics, expect));
  if (!expect.dropped_max_by_kind.empty()) j.checks.push_back(check_dropped_by_kind(j.metrics, expect));
  if (!expect.dropped_max_by_name.empty()) j.checks.push_back(check_dropped_by_name(j.metrics, expect));
  if (expect.switchover_ms_max) j.checks.push_back(check_switchover(history, j.metrics, *expect.switchover_ms_max));
  if (expect.served_by_at_end) j.checks.push_back(check_served_by_at_end(inputs, *expect.served_by_at_end));
  if (expect.retried_max || expect.retried_min) j.checks.push_back(check_retried(j.metrics, expect));
  if (expect.ready_ms_max) j.checks.push_back(check_ready(history, j.metrics, *expect.ready_ms_max));
  if (expect.drain_ms_max) j.checks.push_back(check_drain(history, j.metrics, *expect.drain_ms_max));
  if (expect.blackout_ms_max) j.checks.push_back(check_blackout(history, j.metrics, *expect.blackout_ms_max));
  if (expect.connect_ms_p50_max || expect.connect_ms_p99_max || expect.connect_ms_max_max ||
      expect.connect_over_1s.min || expect.connect_over_1s.max) {
    j.checks.push_back(check_connect(j.metrics, expect));
  }
  if (!expect.kernel.empty()) j.checks.push_back(check_kernel(j.metrics, expect));
  if (!expect.log_contains.empty() || !expect.log_not_contains.empty()) j.checks.push_back(check_log(history, expect));
  if (expect.masters_at_end) j.checks.push_back(check_masters_at_end(j.metrics, *expect.masters_at_end));
  if (expect.no_effect_count || expect.no_effect_steps) j.checks.push_back(check_no_effect(history, expect));
  if (!j.metrics.upstream.empty()) j.checks.push_back(check_upstream_answered(j.metrics, expect));
  j.checks.push_back(check_run_errors(history));
  note_inferred_processes(inputs, j.checks);
  for (const Check& c : j.checks) j.verdict = combine(j.verdict, c.verdict);
  return j;
}

}  // namespace hotdeploy::harness
