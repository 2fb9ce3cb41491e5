#include "orchestrator/scenario.h"

#include "orchestrator/duration.h"

namespace hotdeploy::orchestrator {

std::string describe(const MasterRef& ref) {
  switch (ref.kind) {
    case MasterRef::Kind::oldest: return "old";
    case MasterRef::Kind::newest: return "new";
    case MasterRef::Kind::generation: return "generation " + std::to_string(ref.generation);
    case MasterRef::Kind::all: return "all";
  }
  return "?";
}

std::string describe(WaitCondition condition) {
  switch (condition) {
    case WaitCondition::serving: return "serving";
    case WaitCondition::master_ready: return "master_ready";
    case WaitCondition::workers_exited: return "workers_exited";
    case WaitCondition::master_exited: return "master_exited";
    case WaitCondition::log: return "log";
  }
  return "?";
}

namespace {

struct StepDescriber {
  std::string operator()(const SwapBinaryStep& s) const {
    return std::string("swap_binary ") + (s.which == BinaryChoice::next ? "new" : "old");
  }
  std::string operator()(const SignalStep& s) const { return "signal " + s.signal_name + " to " + describe(s.to); }
  std::string operator()(const WaitStep& s) const {
    const auto what =
        s.until == WaitCondition::log ? "log /" + s.pattern + "/" : describe(s.until) + " of " + describe(s.of);
    return "wait " + what + " (timeout " + format_duration(s.timeout) + ")";
  }
  std::string operator()(const SleepStep& s) const { return "sleep " + format_duration(s.duration); }
  std::string operator()(const ConfigStep& s) const {
    std::string text = "config";
    if (s.workers) text += " workers " + std::to_string(*s.workers);
    for (const auto& [name, value] : s.directives) text += " " + name + " " + value;
    if (s.broken) text += " broken";
    return text;
  }
  std::string operator()(const ExecStep& s) const {
    if (!s.shell_line.empty()) return "exec " + s.shell_line;
    std::string text = "exec";
    for (const auto& arg : s.argv) {
      const bool plain = !arg.empty() && arg.find_first_of(" \t'\"\\$") == std::string::npos;
      text += " " + (plain ? arg : "'" + arg + "'");
    }
    return text;
  }
};

}  // namespace

std::string describe(const Step& step) { return std::visit(StepDescriber{}, step.action); }

}  // namespace hotdeploy::orchestrator
