// Run diff: what the target did in a run, reduced to the aspects that should not depend on which
// nginx ran the scenario (fake-nginx or the real one), and two runs compared aspect by aspect --
// what `hotdeploy diff` prints. Pure functions of histories. Each aspect is a short text naming
// generations (g1, g2, ...), never pids or times, so two runs of one scenario on faithful targets
// describe every aspect with the same text:
//
//   masters           master births and exits in the order recorded, as "g1 born", "g2 exit 1",
//                     ..., with those that exited at the end-of-run cleanup (after steps_ended)
//                     listed by generation, since the cleanup ends them all at once
//   workers           per generation: workers born and exited, and exit codes other than 0
//                     (without the codes the observer did not learn: left out and counted)
//   pid_files         per file (nginx.pid, nginx.pid.oldbin): the generations it named in turn,
//                     without the gaps and round trips that can be shorter than the observer's poll
//   no_effect         the steps recorded as having no effect: their signal and its generation
//   served_by_at_end  the generations that served ok responses in the end window (checks.h's,
//                     as when the newest generation is expected)
//   dropped           dropped requests by reason, without what the scenario allows as chance (below)
//
// Nothing is left out silently. What the observer cannot see the same way twice (a worker's exit
// code it did not learn; pid file states shorter than its 1 ms poll) is left out of every
// comparison and counted. A dropped request is left out of `dropped` only by a rule the scenario
// allows (`diff: {allow: [...]}`, DiffRule below); with no allowance every drop is compared. Each
// thing left out is a Tolerance, counted in each run, and `hotdeploy diff` prints every one
// either run had, naming its rule. The rules (fakes/DIFFERENCES.md gives the measurement behind
// each): sent_after_steps, requests sent after the last step (they race the load's stop);
// reset_after_shutdown, a GET or POST reset once a QUIT, TERM, INT or KILL was sent, and a
// connection of any kind made after it and refused or reset; cut_by_fast_shutdown, GETs and
// POSTs cut after sending by a TERM, INT or KILL; keepalive_close_race, POSTs lost to the
// keep-alive close race; refusal_count, refusals compared only by whether there were any
// ("8 (truncated 8), and refusals"). A request is left out by the first rule, in that order, that
// is allowed and applies.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "harness/history/history.h"
#include "harness/judge/judge_inputs.h"

namespace hotdeploy::harness {

// The rules by which `dropped` may leave a request out, where a scenario allows them.
enum class DiffRule : std::uint8_t {
  sent_after_steps,
  reset_after_shutdown,
  cut_by_fast_shutdown,
  keepalive_close_race,
  refusal_count,
};
using DiffAllowances = std::set<DiffRule>;

// "sent_after_steps", ...: the names scenarios use in `diff: {allow: [...]}`.
[[nodiscard]] std::string_view to_string(DiffRule rule);
[[nodiscard]] std::optional<DiffRule> diff_rule_named(std::string_view name);

[[nodiscard]] std::string master_events(const JudgeInputs& run);
[[nodiscard]] std::string worker_counts(const JudgeInputs& run);
[[nodiscard]] std::string pid_file_states(const JudgeInputs& run);
[[nodiscard]] std::string no_effect_steps(const JudgeInputs& run);
[[nodiscard]] std::string served_by_at_end(const JudgeInputs& run);
[[nodiscard]] std::string dropped_by_reason(const JudgeInputs& run, const DiffAllowances& allowed);

struct AspectComparison {
  std::string aspect;  // masters, workers, pid_files, no_effect, served_by_at_end, dropped
  std::string a;       // what run A did
  std::string b;       // what run B did

  [[nodiscard]] bool same() const { return a == b; }
};

// Something an aspect leaves out, the rule that left it out, and how often each run had it.
struct Tolerance {
  std::string rule;    // unknown_exit_code, pid_file_poll, or a DiffRule's name
  std::string aspect;  // the aspect that leaves it out: workers, pid_files, dropped
  std::string what;    // "POSTs lost to the keep-alive close race"
  std::string why;     // why it is chance: "chance on both targets: ..."
  std::uint64_t a = 0;
  std::uint64_t b = 0;

  [[nodiscard]] bool seen() const { return a > 0 || b > 0; }
};

// What the aspects leave out of one run: one Tolerance per rule, in a fixed order (the workers'
// unknown exit codes, the pid files' short states, then each allowed DiffRule), with the run's
// count in `a` (and 0 in `b`).
[[nodiscard]] std::vector<Tolerance> tolerances_of(const JudgeInputs& run, const DiffAllowances& allowed);

struct RunComparison {
  std::vector<AspectComparison> aspects;  // every aspect, in the order of the list above
  std::vector<Tolerance> tolerated;       // every one that run A or B had, in a fixed order

  [[nodiscard]] bool same() const;
};

[[nodiscard]] RunComparison compare_runs(const History& a, const History& b, const DiffAllowances& allowed);

// "masters           same", or "masters           A: g1 born, ...  |  B: g1 born, ...".
[[nodiscard]] std::string comparison_line(const AspectComparison& comparison);

// "left out by keepalive_close_race: dropped POSTs lost to the keep-alive close race: A 3, B 0
// (chance on both targets: ...)".
[[nodiscard]] std::string tolerance_line(const Tolerance& tolerance);

}  // namespace hotdeploy::harness
