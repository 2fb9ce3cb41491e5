#include "orchestrator/soak_command.h"

#include <spdlog/sinks/sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <optional>

#include "orchestrator/cli.h"
#include "orchestrator/duration.h"
#include "orchestrator/environment_error.h"
#include "orchestrator/interrupt.h"
#include "orchestrator/option_table.h"
#include "orchestrator/process_control.h"
#include "orchestrator/run_directory.h"
#include "orchestrator/run_scheduler.h"
#include "orchestrator/scenario_parser.h"
#include "orchestrator/soak.h"

namespace hotdeploy::orchestrator {
namespace fs = std::filesystem;

namespace {

constexpr int kDefaultCycles = 10;
constexpr std::uint64_t kMaxCycles = 1'000'000;
constexpr std::uint64_t kMaxRequests = 1'000'000'000'000;

struct SoakArguments {
  std::vector<std::string> operands;
  SoakLimits limits;
  std::optional<TargetKind> target;
  std::optional<fs::path> nginx, new_binary, fake_nginx, out;
  spdlog::level::level_enum log_level = spdlog::level::warn;
};

std::uint64_t whole_number(const std::string& option, const std::string& text, std::uint64_t max) {
  std::uint64_t value = 0;
  const bool digits =
      !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits && text.size() <= 13) value = std::stoull(text);
  if (value < 1 || value > max) {
    throw UsageError(option + " must be a whole number from 1 to " + std::to_string(max) + ", got '" + text + "'");
  }
  return value;
}

std::vector<Option> soak_options(SoakArguments& parsed) {
  return {
      {"--cycles", "N", "stop after N cycles (default 10 when no limit is given)",
       [&](const std::string& n) { parsed.limits.cycles = static_cast<int>(whole_number("--cycles", n, kMaxCycles)); }},
      {"--requests", "N", "stop after the cycle in which the load had sent N requests",
       [&](const std::string& n) { parsed.limits.requests = whole_number("--requests", n, kMaxRequests); }},
      {"--duration", "D", "stop after the cycle that ends D after the start (e.g. 90s, 10m)",
       [&](const std::string& d) {
         const auto duration = parse_duration(d);
         if (!duration || duration->count() <= 0) {
           throw UsageError("--duration must be a positive duration such as 500ms, 90s or 10m, got '" + d + "'");
         }
         parsed.limits.duration = *duration;
       }},
      {"--target", "KIND", "fake or nginx, whatever the scenario's target.kind says",
       [&](const std::string& kind) {
         if (kind != "fake" && kind != "nginx") throw UsageError("--target must be fake or nginx, got '" + kind + "'");
         parsed.target = kind == "fake" ? TargetKind::fake : TargetKind::nginx;
       }},
      {"--nginx", "PATH", "the real nginx executable (default /usr/sbin/nginx)",
       [&](const std::string& path) { parsed.nginx = fs::absolute(path); }},
      {"--new-binary", "PATH", "what `swap_binary: new` installs, instead of the scenario's",
       [&](const std::string& path) { parsed.new_binary = fs::absolute(path); }},
      {"--out", "DIR", "the soak's files in DIR/<name>/; default runs/soak-<name>/<UTC time>/",
       [&](const std::string& dir) { parsed.out = dir; }},
      {"--fake-nginx", "PATH", "the fake-nginx executable (default: beside hotdeploy, or $HOTDEPLOY_FAKE_NGINX)",
       [&](const std::string& path) { parsed.fake_nginx = path; }},
      {"-v", "", "log lines (info) on stderr", [&](const std::string&) { parsed.log_level = spdlog::level::info; }},
  };
}

bool has_upgrade(const Scenario& scenario) {
  return std::any_of(scenario.steps.begin(), scenario.steps.end(), [](const Step& step) {
    const auto* signal = std::get_if<SignalStep>(&step.action);
    return signal && signal->signal_name == "USR2";
  });
}

// The scenario as the soak repeats it; ScenarioError for one it cannot repeat.
Scenario soak_scenario(const SoakArguments& arguments) {
  const auto& file = arguments.operands.front();
  std::error_code error;
  if (fs::is_directory(file, error)) throw UsageError("soak repeats one scenario: " + file + " is a directory");
  auto scenario = parse_scenario_file(file);
  if (!has_upgrade(scenario)) {
    throw ScenarioError(scenario.file +
                        ": a soak repeats an upgrade, and this scenario has no upgrade step (a `signal: {send: USR2}` "
                        "or `upgrade: {}`)");
  }
  if (!scenario.upstreams.empty()) {
    throw ScenarioError(scenario.file +
                        ": a soak cannot run a scenario with `upstreams:` (their records are not "
                        "taken while the load runs)");
  }
  if (arguments.target == TargetKind::nginx &&
      (!scenario.target.binary.faults.empty() || !scenario.target.new_binary.faults.empty())) {
    throw ScenarioError(scenario.file + ": its binaries carry fake-nginx faults, so it cannot run with --target nginx");
  }
  if (arguments.target) scenario.target.kind = *arguments.target;
  if (arguments.new_binary) scenario.target.new_binary.name = arguments.new_binary->string();
  return scenario;
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The child's work: the soak, its exit code.
int soak_in_child(const Scenario& scenario, RunOptions options, const SoakLimits& limits,
                  const harness::RunIsolation& isolation) {
  become_child_subreaper();
  options.isolation = isolation;
  try {
    const auto result = run_soak(scenario, options, limits);
    if (result.interrupted_by != 0) return 128 + result.interrupted_by;
    return result.passed ? kExitPass : kExitFail;
  } catch (const EnvironmentError& e) {
    std::ofstream(options.run_dir / "error.txt") << e.what();
    return kExitEnvironment;
  } catch (const std::exception& e) {
    std::ofstream(options.run_dir / "error.txt") << "internal error: " << e.what();
    return kExitEnvironment;
  }
}

}  // namespace

std::string soak_options_help() {
  SoakArguments unused;
  return options_help(soak_options(unused));
}

int soak_command(const std::vector<std::string>& args, const fs::path& default_fake_nginx, std::ostream& out) {
  SoakArguments arguments;
  arguments.operands = parse_options(args, 1, soak_options(arguments));
  if (arguments.operands.size() != 1) throw UsageError("soak needs exactly one scenario FILE");
  spdlog::set_level(arguments.log_level);
  if (!arguments.limits.cycles && !arguments.limits.requests && !arguments.limits.duration) {
    arguments.limits.cycles = kDefaultCycles;
  }
  const auto scenario = soak_scenario(arguments);
  RunOptions options;
  options.binaries.fake_nginx = arguments.fake_nginx.value_or(default_fake_nginx);
  if (arguments.nginx) options.binaries.real_nginx = *arguments.nginx;
  IsolatedRuns runs;  // from here, SIGINT/SIGTERM/SIGHUP are noted and forwarded to the soak
  (void)runs.decide();
  options.run_dir = arguments.out ? make_named_run_directory(*arguments.out, scenario.name)
                                  : make_timestamped_run_directory("runs", "soak-" + scenario.name);
  out << "soak " << scenario.name << " in " << options.run_dir.string() << std::endl;
  const bool show_progress = ::isatty(STDOUT_FILENO) == 1;
  int exit_code = kExitPass;
  const auto prepare = [&](std::size_t) {
    return StartedRun{"soak " + scenario.name, options.run_dir, [&](const harness::RunIsolation& isolation) {
                        if (show_progress) spdlog::default_logger()->sinks().front()->set_level(spdlog::level::err);
                        return soak_in_child(scenario, options, arguments.limits, isolation);
                      }};
  };
  const auto ended = [&](std::size_t, int code, double) {
    exit_code = code;
    const auto summary = read_text(options.run_dir / "summary.txt");
    if (!summary.empty()) {
      out << summary;
    } else {
      auto error = read_text(options.run_dir / "error.txt");
      if (error.empty()) error = "the soak ended with exit status " + std::to_string(code) + " before its summary";
      out << "ERROR soak " << scenario.name << ": " << error << '\n';
    }
    out << "files: " << options.run_dir.string() << std::endl;
  };
  (void)schedule_runs(runs, 1, {1, show_progress, out}, prepare, ended);
  if (interrupted()) return 128 + interrupt_signal();
  if (exit_code == kExitPass || exit_code == kExitFail) return exit_code;
  return exit_code >= 128 ? kExitFail : kExitEnvironment;
}

}  // namespace hotdeploy::orchestrator
