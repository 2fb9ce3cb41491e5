#include "harness/judge/run_comparison.h"

#include <algorithm>
#include <cstdint>
#include <iomanip>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "harness/judge/checks.h"

namespace hotdeploy::harness {
namespace {

std::string generation_name(std::optional<std::int32_t> generation) {
  return generation && *generation > 0 ? "g" + std::to_string(*generation) : "g?";
}

// The generation a process event names, else the one its pid was born with.
std::string generation_of(const Event& e, const Generations& generations) {
  if (e.generation > 0) return generation_name(e.generation);
  return generation_name(e.role == ProcessRole::master ? generations.of_master(e.pid) : generations.of_worker(e.pid));
}

std::string joined(const std::vector<std::string>& parts, const std::string& separator) {
  std::string text;
  for (const auto& part : parts) text += (text.empty() ? "" : separator) + part;
  return text;
}

}  // namespace

std::string master_events(const JudgeInputs& run) {
  std::vector<std::string> in_order;
  std::vector<std::string> at_cleanup;
  bool steps_ended = false;
  for (const Event& e : run.process.events()) {
    if (e.type == EventType::steps_ended) steps_ended = true;
    if (e.role != ProcessRole::master) continue;
    std::string what;
    if (e.type == EventType::process_born) {
      what = generation_of(e, run.generations) + " born";
    } else if (e.type == EventType::process_exited) {
      what = generation_of(e, run.generations) + " exit " + (e.exit_code < 0 ? "?" : std::to_string(e.exit_code));
    } else {
      continue;
    }
    (steps_ended ? at_cleanup : in_order).push_back(std::move(what));
  }
  // The cleanup signals every master at once: which exit is seen first is a race.
  std::sort(at_cleanup.begin(), at_cleanup.end());
  std::string text = in_order.empty() ? "none" : joined(in_order, ", ");
  if (!at_cleanup.empty()) text += "; at cleanup " + joined(at_cleanup, ", ");
  return text;
}

std::string worker_counts(const JudgeInputs& run) {
  struct Counts {
    int born = 0;
    int exited = 0;
    std::map<std::int32_t, int> by_nonzero_code;
  };
  std::map<std::string, Counts> by_generation;
  for (const Event& e : run.process.events()) {
    if (e.role != ProcessRole::worker) continue;
    if (e.type == EventType::process_born) {
      ++by_generation[generation_of(e, run.generations)].born;
    } else if (e.type == EventType::process_exited) {
      auto& counts = by_generation[generation_of(e, run.generations)];
      ++counts.exited;
      // An unknown code is what the observer did not learn, not what the worker did: left out, counted.
      if (e.exit_code > 0) ++counts.by_nonzero_code[e.exit_code];
    }
  }
  std::vector<std::string> parts;
  for (const auto& [generation, counts] : by_generation) {
    std::string part =
        generation + " " + std::to_string(counts.born) + " born " + std::to_string(counts.exited) + " exited";
    for (const auto& [code, n] : counts.by_nonzero_code)
      part += ", " + std::to_string(n) + " with code " + std::to_string(code);
    parts.push_back(std::move(part));
  }
  return parts.empty() ? "none" : joined(parts, "; ");
}

namespace {

struct PidFileDescription {
  std::string text;
  std::uint64_t left_out = 0;  // states not shown: oldbin round trips, removals before a rewrite, repeats
};

PidFileDescription describe_pid_files(const JudgeInputs& run) {
  PidFileDescription description;
  std::map<std::string, std::vector<std::string>> seen;  // file -> its states in order
  // The states of nginx.pid.oldbin since it last appeared, and whether nginx.pid named a master
  // other than that one meanwhile (the observer reads the two files one after the other, so that
  // may be seen first). When it never did (a USR2 whose new master died before writing it:
  // new_binary_missing), the old master renames the file there and back as soon as its child
  // dies, which may take less than the observer's 1 ms poll: seen on nginx and missed on
  // fake-nginx in one run of two. Such a round trip is left out.
  std::vector<std::string> oldbin;
  bool new_master_wrote = false;
  std::string pid_file_now = "removed";
  for (const Event& e : run.process.events()) {
    if (e.type != EventType::pid_file_changed) continue;
    const std::string file = e.pid_file == PidFile::oldbin ? "nginx.pid.oldbin" : "nginx.pid";
    const std::string state =
        e.pid_file_state == PidFileState::removed ? "removed" : generation_name(run.generations.of_master(e.pid));
    if (file != "nginx.pid.oldbin") {
      seen[file].push_back(state);
      if (file == "nginx.pid") pid_file_now = state;
      if (file == "nginx.pid" && !oldbin.empty() && state != "removed" && state != oldbin.front())
        new_master_wrote = true;
      continue;
    }
    if (oldbin.empty()) new_master_wrote = pid_file_now != "removed" && pid_file_now != state;
    oldbin.push_back(state);
    if (state != "removed") continue;
    if (new_master_wrote || oldbin.size() == 1) {
      seen[file].insert(seen[file].end(), oldbin.begin(), oldbin.end());
    } else {
      description.left_out += oldbin.size();
    }
    oldbin.clear();
    new_master_wrote = false;
  }
  if (!oldbin.empty()) seen["nginx.pid.oldbin"].insert(seen["nginx.pid.oldbin"].end(), oldbin.begin(), oldbin.end());
  std::vector<std::string> parts;
  for (const auto& [file, states] : seen) {
    // A file removed and written again (nginx.pid when USR2 renames it and the new master writes
    // it; a rollback's rename back) may be absent for less than the observer's 1 ms poll, so the
    // removal shows in some runs and not in others: only the last removal is kept. For the same
    // reason a rewrite with the same pid may go unseen, so repeats are merged.
    std::vector<std::string> kept;
    for (std::size_t i = 0; i < states.size(); ++i) {
      const bool removal_before_rewrite = states[i] == "removed" && i + 1 < states.size();
      if (removal_before_rewrite || (!kept.empty() && kept.back() == states[i])) {
        ++description.left_out;
        continue;
      }
      kept.push_back(states[i]);
    }
    parts.push_back(file + " " + joined(kept, " "));
  }
  description.text = parts.empty() ? "none" : joined(parts, "; ");
  return description;
}

}  // namespace

std::string pid_file_states(const JudgeInputs& run) { return describe_pid_files(run).text; }

std::string no_effect_steps(const JudgeInputs& run) {
  std::vector<std::string> steps;
  for (const Event& e : run.process.events()) {
    if (e.type != EventType::no_effect) continue;
    // Which signal to which generation; the pid is the run's, and what the text adds (which effect
    // was missing, by when) follows from the signal or is the step runner's timing.
    steps.push_back(std::string(to_string(e.signal)) + " to generation " + std::to_string(e.generation));
  }
  return steps.empty() ? "none" : joined(steps, "; ");
}

std::string served_by_at_end(const JudgeInputs& run) {
  // The window check_served_by_at_end uses when the newest generation is expected: after the
  // last exit of an older one when all of them are gone by the end of the steps, else the end of
  // the run. Whichever generation the scenario expects, the window shows who served last. As in
  // that check, a response of an older generation ending after its last exit was in flight (the
  // client reads it a moment later), not served at the end.
  const auto window = served_by_at_end_window(run, ServedBy::new_generation);
  const auto newest = run.generations.newest_with_workers();
  std::set<std::int32_t> generations;
  for (const auto& row : run.rows) {
    if (!row.ok() || row.end_ns < window.from_ns) continue;
    if (window.transition != nullptr && newest && row.generation > 0 && row.generation < *newest) continue;
    generations.insert(row.generation);
  }
  if (generations.empty()) return "no ok response";
  std::vector<std::string> names;
  for (const auto generation : generations) names.push_back(generation_name(generation));
  return joined(names, " ");
}

namespace {

struct DiffRuleText {
  DiffRule rule;
  const char* name;
  const char* what;
  const char* why;
};

// Every rule by which `dropped` may leave a request out, in the order they are tried and printed.
constexpr DiffRuleText kDiffRules[] = {
    {DiffRule::sent_after_steps, "sent_after_steps", "requests sent after the last step",
     "chance on both targets: they race the load's stop"},
    {DiffRule::reset_after_shutdown, "reset_after_shutdown", "requests refused or reset after a shutdown signal",
     "chance on both targets: how many connections meet the listener closing"},
    {DiffRule::cut_by_fast_shutdown, "cut_by_fast_shutdown", "GETs and POSTs cut after sending by a TERM, INT or KILL",
     "chance on both targets: whether one is in flight as the workers exit"},
    {DiffRule::keepalive_close_race, "keepalive_close_race", "POSTs lost to the keep-alive close race",
     "chance on both targets: whether a worker closes a kept-alive connection as a POST is sent on it"},
    {DiffRule::refusal_count, "refusal_count", "refusals, compared only by whether there were any",
     "their number measures how fast the load retries, not the target"},
};

// The moments of a run that decide what is chance for a dropped request.
struct DropMarks {
  std::optional<std::int64_t> steps_ended;
  std::optional<std::int64_t> shutdown;       // the first QUIT, TERM, INT or KILL
  std::optional<std::int64_t> fast_shutdown;  // the first TERM, INT or KILL

  static DropMarks of(const JudgeInputs& run) {
    DropMarks marks;
    for (const Event& e : run.process.events()) {
      if (e.type == EventType::steps_ended && !marks.steps_ended) marks.steps_ended = e.t_ns;
      if (e.type != EventType::signal_sent) continue;
      const bool fast = e.signal == Signal::term || e.signal == Signal::interrupt || e.signal == Signal::kill;
      if ((fast || e.signal == Signal::quit) && !marks.shutdown) marks.shutdown = e.t_ns;
      if (fast && !marks.fast_shutdown) marks.fast_shutdown = e.t_ns;
    }
    return marks;
  }
};

// Whether a rule's condition holds for a request that did not end ok.
bool matches(DiffRule rule, const RequestRow& row, const DropMarks& marks) {
  // Sent after the last step: it races the load generator's stop, and how many such requests
  // the target refuses depends on how soon the load stops (term_cuts_held: 0 or 5 refused).
  if (rule == DiffRule::sent_after_steps) return marks.steps_ended && row.start_ns > *marks.steps_ended;
  const bool short_request = row.kind != RequestKind::held;
  const bool reset = row.reason == Reason::reset_after_send || row.reason == Reason::reset_before_send;
  if (rule == DiffRule::reset_after_shutdown && marks.shutdown) {
    // A GET or POST reset once a master was told to shut down: the kernel resets connections
    // still queued on a listener when it closes, and whether one is queued then is chance on
    // either target (quit_with_held: resets in 2 runs of 6 on each).
    if (short_request && reset && row.end_ns >= *marks.shutdown) return true;
    // A connection of any kind made after it (a held connection cut by a TERM reconnects after
    // the failure backoff) is queued and reset, or refused, or not made before the steps end,
    // depending on how soon the master closes its listener and the wait sees it exit.
    return (reset || row.reason == Reason::refused) && row.start_ns >= *marks.shutdown;
  }
  // A GET or POST cut after sending by a fast shutdown: whether one is in flight when the
  // workers exit is chance too (rollback_term drops 0 or 1 on both). Held responses last
  // seconds, so every one open is cut, and they are kept.
  if (rule == DiffRule::cut_by_fast_shutdown) {
    return short_request && row.reason == Reason::truncated && marks.fast_shutdown &&
           row.end_ns >= *marks.fast_shutdown;
  }
  // A POST lost to the keep-alive close race: whether an old worker closes a kept-alive
  // connection just as a POST is sent on it is chance, and how often differs by target
  // (keepalive_post_race, 10 runs each: nginx lost 0 to 16 per run, fake-nginx 0 or 1).
  if (rule == DiffRule::keepalive_close_race) return row.reason == Reason::closed_without_response;
  // A refused connection is retried at once by its closed-loop connection, so the number of
  // refusals measures the load generator's speed (quit_with_held: 1146 to 1192): only whether
  // there were any is compared.
  if (rule == DiffRule::refusal_count) return row.reason == Reason::refused;
  return false;
}

// The first rule the scenario allows that leaves the request out of `dropped`, if any.
std::optional<DiffRule> left_out(const RequestRow& row, const DropMarks& marks, const DiffAllowances& allowed) {
  for (const auto& rule : kDiffRules) {
    if (allowed.contains(rule.rule) && matches(rule.rule, row, marks)) return rule.rule;
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(DiffRule rule) {
  for (const auto& known : kDiffRules) {
    if (known.rule == rule) return known.name;
  }
  return "invalid";
}

std::optional<DiffRule> diff_rule_named(std::string_view name) {
  for (const auto& known : kDiffRules) {
    if (known.name == name) return known.rule;
  }
  return std::nullopt;
}

std::string dropped_by_reason(const JudgeInputs& run, const DiffAllowances& allowed) {
  const auto marks = DropMarks::of(run);
  std::uint64_t dropped = 0;
  bool refusals = false;
  std::map<std::string, std::uint64_t> by_reason;
  for (const auto& row : run.rows) {
    if (row.ok()) continue;
    const auto why = left_out(row, marks, allowed);
    refusals = refusals || why == DiffRule::refusal_count;
    if (why) continue;
    ++dropped;
    ++by_reason[row.ended() ? std::string(to_string(row.reason)) : "no_end"];
  }
  std::string text = std::to_string(dropped);
  std::vector<std::string> reasons;
  for (const auto& [reason, n] : by_reason) reasons.push_back(reason + " " + std::to_string(n));
  if (!reasons.empty()) text += " (" + joined(reasons, ", ") + ")";
  if (refusals) text += ", and refusals";
  return text;
}

std::vector<Tolerance> tolerances_of(const JudgeInputs& run, const DiffAllowances& allowed) {
  std::uint64_t unknown_codes = 0;
  for (const Event& e : run.process.events()) {
    if (e.role == ProcessRole::worker && e.type == EventType::process_exited && e.exit_code < 0) ++unknown_codes;
  }
  // A worker is not hotdeploy's child: its code comes from its master's error.log line, which the
  // observer waits for only so long after seeing the worker gone, and a busy master writes it later.
  std::vector<Tolerance> tolerances{
      {"unknown_exit_code", "workers", "exit codes the observer did not learn",
       "the observer's knowledge, not the target's doing", unknown_codes, 0},
      {"pid_file_poll", "pid_files",
       "pid file states that can be shorter than the observer's poll (a removal before a rewrite, a repeat, an "
       "oldbin round trip without a new master)",
       "the observer's 1 ms poll, not the target's doing", describe_pid_files(run).left_out, 0}};
  const auto marks = DropMarks::of(run);
  std::map<DiffRule, std::uint64_t> counts;
  for (const auto& row : run.rows) {
    if (row.ok()) continue;
    if (const auto rule = left_out(row, marks, allowed)) ++counts[*rule];
  }
  for (const auto& t : kDiffRules) {
    if (allowed.contains(t.rule)) tolerances.push_back({t.name, "dropped", t.what, t.why, counts[t.rule], 0});
  }
  return tolerances;
}

bool RunComparison::same() const {
  return std::all_of(aspects.begin(), aspects.end(), [](const AspectComparison& c) { return c.same(); });
}

RunComparison compare_runs(const History& a, const History& b, const DiffAllowances& allowed) {
  const auto run_a = JudgeInputs::from(a);
  const auto run_b = JudgeInputs::from(b);
  using Describe = std::string (*)(const JudgeInputs&);
  const std::pair<const char*, Describe> aspects[] = {
      {"masters", master_events},
      {"workers", worker_counts},
      {"pid_files", pid_file_states},
      {"no_effect", no_effect_steps},
      {"served_by_at_end", served_by_at_end},
  };
  RunComparison comparison;
  for (const auto& [name, describe] : aspects) comparison.aspects.push_back({name, describe(run_a), describe(run_b)});
  comparison.aspects.push_back({"dropped", dropped_by_reason(run_a, allowed), dropped_by_reason(run_b, allowed)});
  auto tolerated = tolerances_of(run_a, allowed);
  const auto of_b = tolerances_of(run_b, allowed);
  for (std::size_t k = 0; k < tolerated.size(); ++k) {
    tolerated[k].b = of_b[k].a;
    if (tolerated[k].seen()) comparison.tolerated.push_back(std::move(tolerated[k]));
  }
  return comparison;
}

std::string comparison_line(const AspectComparison& comparison) {
  std::ostringstream line;
  line << std::left << std::setw(18) << comparison.aspect;
  if (comparison.same()) {
    line << "same";
  } else {
    line << "A: " << comparison.a << "  |  B: " << comparison.b;
  }
  return line.str();
}

std::string tolerance_line(const Tolerance& tolerance) {
  return "left out by " + tolerance.rule + ": " + tolerance.aspect + " " + tolerance.what + ": A " +
         std::to_string(tolerance.a) + ", B " + std::to_string(tolerance.b) + " (" + tolerance.why + ")";
}

}  // namespace hotdeploy::harness
