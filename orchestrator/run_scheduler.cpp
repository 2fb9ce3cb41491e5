#include "orchestrator/run_scheduler.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <map>
#include <thread>
#include <vector>

#include "orchestrator/interrupt.h"
#include "orchestrator/progress_file.h"
#include "orchestrator/run_isolation.h"
#include "orchestrator/runner.h"
#include "orchestrator/terminal_display.h"

namespace hotdeploy::orchestrator {
namespace {

struct InFlightRun {
  std::size_t index;
  std::string label;
  std::filesystem::path run_dir;
  std::chrono::steady_clock::time_point started;
};

using InFlight = std::map<pid_t, InFlightRun>;

// Waits for a run to end while redrawing, four times a second, a line per run in flight.
std::pair<pid_t, int> wait_showing_progress(IsolatedRuns& runs, const InFlight& in_flight, TerminalDisplay& display) {
  auto next_draw = std::chrono::steady_clock::now();
  while (true) {
    if (const auto ended = runs.poll_any()) return *ended;
    if (std::chrono::steady_clock::now() >= next_draw) {
      std::vector<std::string> lines;
      for (const auto& [pid, run] : in_flight) {
        const auto status = ProgressFile::read(progress_path(run.run_dir));
        lines.push_back(run.label + "  " + (status.empty() ? std::string("starting") : status));
      }
      display.draw(lines);
      next_draw += std::chrono::milliseconds(250);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace

std::size_t schedule_runs(IsolatedRuns& runs, std::size_t count, const SchedulerOptions& options,
                          const std::function<StartedRun(std::size_t)>& prepare,
                          const std::function<void(std::size_t, int, double)>& ended) {
  TerminalDisplay display(options.display);
  InFlight in_flight;
  std::size_t next = 0;
  while ((next < count && !interrupted()) || !in_flight.empty()) {
    while (next < count && !interrupted() && in_flight.size() < static_cast<std::size_t>(options.jobs)) {
      auto run = prepare(next);
      const pid_t pid = runs.start(run.body);
      in_flight[pid] = {next, run.label, run.run_dir, std::chrono::steady_clock::now()};
      ++next;
    }
    const auto [pid, code] = options.show_progress ? wait_showing_progress(runs, in_flight, display) : runs.wait_any();
    const auto run = in_flight.at(pid);
    in_flight.erase(pid);
    display.clear();
    ended(run.index, code, std::chrono::duration<double>(std::chrono::steady_clock::now() - run.started).count());
  }
  return next;
}

}  // namespace hotdeploy::orchestrator
