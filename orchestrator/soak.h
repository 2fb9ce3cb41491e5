// One soak: one target, the load on the whole time, and the scenario's steps repeated as cycles
// until the first limit is reached (cycles, requests sent, time). The cycles alternate the way
// there and the way back: in every even cycle `swap_binary: new` puts the previous binary back and
// `swap_binary: previous` the staged one, so the binaries swap each cycle (old -> new, new -> old,
// ...). The run is built by the same RunSession as `hotdeploy run` (run_session.h).
//
// Each cycle is judged on its own history (harness/judge/cycle_slicer.h) with the scenario's
// expectations, once its requests have ended, on a thread of its own while the next cycles run
// (soak_judge_thread.h), and appended as one line to RUN/cycles.jsonl
// (soak_record.h). Memory stays bounded whatever the number of requests: the events are taken from
// the run after every step, and only the cycles not yet judged are held. The full history, with
// its result.json, junit.xml and report.html, is kept in RUN/cycles/N/ for every cycle that did not
// pass and for the first and the last; the others are summarized by their line. At the end:
// RUN/result.json, RUN/report.html (one row and strip per cycle) and RUN/summary.txt.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>

#include "orchestrator/runner.h"
#include "orchestrator/scenario.h"

namespace hotdeploy::orchestrator {

struct SoakLimits {
  std::optional<int> cycles;
  std::optional<std::uint64_t> requests;  // request attempts sent
  std::optional<std::chrono::milliseconds> duration;
};

struct SoakResult {
  bool passed = false;
  int interrupted_by = 0;  // the signal that cut the soak short, or 0
};

// Throws EnvironmentError when the run cannot be set up.
[[nodiscard]] SoakResult run_soak(const Scenario& scenario, const RunOptions& options, const SoakLimits& limits);

// The step a cycle runs for `step` of the scenario: the same, but for a swap in an even cycle.
[[nodiscard]] Step step_in_cycle(const Step& step, int cycle);

}  // namespace hotdeploy::orchestrator
