#include "orchestrator/run_diff.h"

#include <algorithm>
#include <cstdint>
#include <iomanip>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "harness/judge/checks.h"

namespace hotdeploy::orchestrator {
namespace {

using harness::Event;
using harness::EventType;
using harness::ProcessRole;

std::string generation_name(std::optional<std::int32_t> generation) {
  return generation && *generation > 0 ? "g" + std::to_string(*generation) : "g?";
}

// The generation a process event names, else the one its pid was born with.
std::string generation_of(const Event& e, const harness::Generations& generations) {
  if (e.generation > 0) return generation_name(e.generation);
  return generation_name(e.role == ProcessRole::master ? generations.of_master(e.pid) : generations.of_worker(e.pid));
}

std::string joined(const std::vector<std::string>& parts, const std::string& separator) {
  std::string text;
  for (const auto& part : parts) text += (text.empty() ? "" : separator) + part;
  return text;
}

}  // namespace

std::string master_events(const harness::JudgeInputs& run) {
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

std::string worker_counts(const harness::JudgeInputs& run) {
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
      if (e.exit_code != 0) ++counts.by_nonzero_code[e.exit_code];
    }
  }
  std::vector<std::string> parts;
  for (const auto& [generation, counts] : by_generation) {
    std::string part = generation + " " + std::to_string(counts.born) + " born " + std::to_string(counts.exited) + " exited";
    for (const auto& [code, n] : counts.by_nonzero_code) {
      part += ", " + std::to_string(n) + " with " + (code < 0 ? std::string("unknown code") : "code " + std::to_string(code));
    }
    parts.push_back(std::move(part));
  }
  return parts.empty() ? "none" : joined(parts, "; ");
}

std::string pid_file_states(const harness::JudgeInputs& run) {
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
    const auto space = e.text.rfind(' ');
    if (space == std::string::npos) continue;
    const auto file = e.text.substr(0, space);
    const auto value = e.text.substr(space + 1);
    const auto state = value == "removed" ? value : generation_name(run.generations.of_master(e.pid));
    if (file != "nginx.pid.oldbin") {
      seen[file].push_back(state);
      if (file == "nginx.pid") pid_file_now = state;
      if (file == "nginx.pid" && !oldbin.empty() && state != "removed" && state != oldbin.front()) new_master_wrote = true;
      continue;
    }
    if (oldbin.empty()) new_master_wrote = pid_file_now != "removed" && pid_file_now != state;
    oldbin.push_back(state);
    if (state != "removed") continue;
    if (new_master_wrote || oldbin.size() == 1) seen[file].insert(seen[file].end(), oldbin.begin(), oldbin.end());
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
      if (states[i] == "removed" && i + 1 < states.size()) continue;
      if (!kept.empty() && kept.back() == states[i]) continue;
      kept.push_back(states[i]);
    }
    parts.push_back(file + " " + joined(kept, " "));
  }
  return parts.empty() ? "none" : joined(parts, "; ");
}

std::string no_effect_steps(const harness::JudgeInputs& run) {
  std::vector<std::string> steps;
  for (const Event& e : run.process.events()) {
    if (e.type != EventType::no_effect) continue;
    // "USR2 to generation 2 master 44: no effect (...)": the pid is the run's, not the target's doing.
    auto text = e.text;
    const auto pid = " master " + std::to_string(e.pid);
    if (const auto at = text.find(pid); at != std::string::npos) text.erase(at, pid.size());
    steps.push_back(std::move(text));
  }
  return steps.empty() ? "none" : joined(steps, "; ");
}

std::string served_by_at_end(const harness::JudgeInputs& run) {
  // The window check_served_by_at_end uses when the newest generation is expected: after the
  // last exit of an older one when all of them are gone by the end of the steps, else the end of
  // the run. Whichever generation the scenario expects, the window shows who served last. As in
  // that check, a response of an older generation ending after its last exit was in flight (the
  // client reads it a moment later), not served at the end.
  const auto window = harness::served_by_at_end_window(run, harness::ServedBy::new_generation);
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

std::string dropped_by_reason(const harness::JudgeInputs& run) {
  using harness::Reason;
  std::optional<std::int64_t> steps_ended;
  std::optional<std::int64_t> shutdown;       // the first QUIT, TERM, INT or KILL
  std::optional<std::int64_t> fast_shutdown;  // the first TERM, INT or KILL
  for (const Event& e : run.process.events()) {
    if (e.type == EventType::steps_ended && !steps_ended) steps_ended = e.t_ns;
    if (e.type != EventType::signal_sent) continue;
    const bool fast = e.text == "TERM" || e.text == "INT" || e.text == "KILL";
    if ((fast || e.text == "QUIT") && !shutdown) shutdown = e.t_ns;
    if (fast && !fast_shutdown) fast_shutdown = e.t_ns;
  }
  std::uint64_t dropped = 0;
  bool refusals = false;
  std::map<std::string, std::uint64_t> by_reason;
  for (const auto& row : run.rows) {
    if (row.ok()) continue;
    // Sent after the last step: it races the load generator's stop, and how many such requests
    // the target refuses depends on how soon the load stops (term_cuts_held: 0 or 5 refused).
    if (steps_ended && row.start_ns > *steps_ended) continue;
    // A GET or POST reset on a fresh connection once a master was told to shut down: the kernel
    // resets connections still queued on a listener when it closes, and whether one is queued
    // then is chance on either target (quit_with_held: resets in 2 runs of 6 on each).
    const bool short_request = row.kind != harness::RequestKind::held;
    const bool reset = row.reason == Reason::reset_after_send || row.reason == Reason::reset_before_send;
    if (short_request && reset && shutdown && row.end_ns >= *shutdown) continue;
    // A GET or POST cut after sending by a fast shutdown: whether one is in flight when the
    // workers exit is chance too (rollback_term drops 0 or 1 on both). Held responses last
    // seconds, so every one open is cut, and they are kept.
    if (short_request && row.reason == Reason::truncated && fast_shutdown && row.end_ns >= *fast_shutdown) continue;
    // A POST lost to the keep-alive close race: whether an old worker closes a kept-alive
    // connection just as a POST is sent on it is chance, and how often differs by target
    // (keepalive_post_race, 10 runs each: nginx lost 0 to 16 per run, fake-nginx 0 or 1).
    if (row.reason == Reason::closed_without_response) continue;
    // A refused connection is retried at once by its closed-loop connection, so the number of
    // refusals measures the load generator's speed (quit_with_held: 1146 to 1192): only whether
    // there were any is compared.
    if (row.reason == Reason::refused) {
      refusals = true;
      continue;
    }
    ++dropped;
    ++by_reason[row.ended() ? std::string(harness::to_string(row.reason)) : "no_end"];
  }
  std::string text = std::to_string(dropped);
  std::vector<std::string> reasons;
  for (const auto& [reason, n] : by_reason) reasons.push_back(reason + " " + std::to_string(n));
  if (!reasons.empty()) text += " (" + joined(reasons, ", ") + ")";
  if (refusals) text += ", and refusals";
  return text;
}

std::vector<AspectComparison> compare_runs(const harness::History& a, const harness::History& b) {
  const auto run_a = harness::JudgeInputs::from(a);
  const auto run_b = harness::JudgeInputs::from(b);
  using Describe = std::string (*)(const harness::JudgeInputs&);
  const std::pair<const char*, Describe> aspects[] = {
      {"masters", master_events},          {"workers", worker_counts},
      {"pid_files", pid_file_states},      {"no_effect", no_effect_steps},
      {"served_by_at_end", served_by_at_end}, {"dropped", dropped_by_reason},
  };
  std::vector<AspectComparison> comparisons;
  for (const auto& [name, describe] : aspects) comparisons.push_back({name, describe(run_a), describe(run_b)});
  return comparisons;
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

}  // namespace hotdeploy::orchestrator
