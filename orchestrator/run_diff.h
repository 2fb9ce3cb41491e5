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
//                     (without the codes the observer did not learn: those are tolerated)
//   pid_files         per file (nginx.pid, nginx.pid.oldbin): the generations it named in turn,
//                     without the gaps and round trips that can be shorter than the observer's poll
//   no_effect         the steps recorded as having no effect
//   served_by_at_end  the generations that served ok responses in the end window (checks.h's,
//                     as when the newest generation is expected)
//   dropped           dropped requests by reason, without what is chance on either target (below)
//
// What an aspect leaves out because it is chance on either target is not hidden: each such thing
// is a Tolerance, counted in each run, and `hotdeploy diff` prints every one that either run had.
// `dropped` leaves out requests sent after the last step (they race the load's stop); requests
// refused or reset after a shutdown signal (a GET or POST reset once a QUIT, TERM, INT or KILL was
// sent, and a connection of any kind made after it and refused or reset); GETs and POSTs cut after
// sending by a TERM, INT or KILL; POSTs lost to the keep-alive close race; and it compares the
// refusals only by whether there were any ("8 (truncated 8), and refusals").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/history/history.h"
#include "harness/judge/judge_inputs.h"

namespace hotdeploy::orchestrator {

[[nodiscard]] std::string master_events(const harness::JudgeInputs& run);
[[nodiscard]] std::string worker_counts(const harness::JudgeInputs& run);
[[nodiscard]] std::string pid_file_states(const harness::JudgeInputs& run);
[[nodiscard]] std::string no_effect_steps(const harness::JudgeInputs& run);
[[nodiscard]] std::string served_by_at_end(const harness::JudgeInputs& run);
[[nodiscard]] std::string dropped_by_reason(const harness::JudgeInputs& run);

struct AspectComparison {
  std::string aspect;  // masters, workers, pid_files, no_effect, served_by_at_end, dropped
  std::string a;       // what run A did
  std::string b;       // what run B did

  [[nodiscard]] bool same() const { return a == b; }
};

// Something an aspect leaves out or allows for because it is chance on either target, and how
// often each run had it.
struct Tolerance {
  std::string aspect;  // the aspect that leaves it out: workers, dropped
  std::string what;    // "POSTs lost to the keep-alive close race"
  std::string why;     // why it is chance: "chance on both targets: ..."
  std::uint64_t a = 0;
  std::uint64_t b = 0;

  [[nodiscard]] bool seen() const { return a > 0 || b > 0; }
};

// What the aspects leave out of one run: one Tolerance per kind of thing, in a fixed order (the
// workers' unknown exit codes, then what `dropped` leaves out), with the run's count in `a` (and
// 0 in `b`).
[[nodiscard]] std::vector<Tolerance> tolerances_of(const harness::JudgeInputs& run);

struct RunComparison {
  std::vector<AspectComparison> aspects;  // every aspect, in the order of the list above
  std::vector<Tolerance> tolerated;       // every one that run A or B had, in a fixed order

  [[nodiscard]] bool same() const;
};

[[nodiscard]] RunComparison compare_runs(const harness::History& a, const harness::History& b);

// "masters           same", or "masters           A: g1 born, ...  |  B: g1 born, ...".
[[nodiscard]] std::string comparison_line(const AspectComparison& comparison);

// "tolerated: dropped POSTs lost to the keep-alive close race: A 3, B 0 (chance on both targets: ...)".
[[nodiscard]] std::string tolerance_line(const Tolerance& tolerance);

}  // namespace hotdeploy::orchestrator
