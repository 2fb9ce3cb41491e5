#include "orchestrator/cli.h"

#include <spdlog/sinks/sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <fstream>
#include <functional>
#include <iomanip>
#include <map>
#include <ostream>
#include <thread>

#include "harness/history/history_file.h"
#include "harness/judge/history_validation.h"
#include "harness/judge/rejudge.h"
#include "harness/report/junit_xml.h"
#include "orchestrator/environment_error.h"
#include "orchestrator/interrupt.h"
#include "orchestrator/process_control.h"
#include "orchestrator/progress_file.h"
#include "orchestrator/run_diff.h"
#include "orchestrator/run_directory.h"
#include "orchestrator/run_isolation.h"
#include "orchestrator/runner.h"
#include "orchestrator/scenario_parser.h"
#include "orchestrator/terminal_display.h"

namespace hotdeploy::orchestrator {
namespace fs = std::filesystem;

namespace {

constexpr const char* usage_text =
    "usage: hotdeploy run FILE|DIR... [--target fake|nginx] [--nginx PATH] [--new-binary PATH]\n"
    "                     [--out DIR] [--junit FILE] [--repeat N] [--jobs N] [--fake-nginx PATH] [-v|-q]\n"
    "       hotdeploy validate FILE|DIR...\n"
    "       hotdeploy check RUN_DIR\n"
    "       hotdeploy diff RUN_DIR_A RUN_DIR_B\n"
    "       hotdeploy list [DIR]\n"
    "       hotdeploy --help | --version\n"
    "\n"
    "Runs nginx upgrade and rollback scenarios under load and judges whether any request was lost.\n"
    "\n"
    "run        run each scenario (a DIR means every *.yaml in it); one verdict line per run, and a\n"
    "           summary table when there is more than one\n"
    "  --target KIND     run on fake-nginx or on real nginx, whatever the scenario's target.kind\n"
    "                    (a scenario whose binaries carry faults runs only on fake)\n"
    "  --nginx PATH      the real nginx executable (default /usr/sbin/nginx, Debian's)\n"
    "  --new-binary PATH the executable `swap_binary: new` installs, instead of the scenario's\n"
    "  --out DIR         write each run's files to DIR/<name>/ (DIR/<name>/<k>/ with --repeat);\n"
    "                    default runs/<name>/<UTC time>/, with runs/<name>/latest at the newest\n"
    "  --junit FILE      also write a JUnit XML report, a testcase per run\n"
    "  --repeat N        run every scenario N times (default 1)\n"
    "  --jobs N          at most N runs at once (default 1); runs never share ports or files\n"
    "  --fake-nginx PATH the fake-nginx executable (default: beside hotdeploy, or $HOTDEPLOY_FAKE_NGINX)\n"
    "  -v                debug logging    -q  only verdicts and errors\n"
    "validate   check scenario files without running anything\n"
    "check      judge a saved run directory again (rewrites its result.json and report.html); a history\n"
    "           that cannot have happened is refused: FILE:LINE: rule: detail per violation, exit 2\n"
    "diff       compare what the target did in two saved runs of a scenario (e.g. on fake-nginx and\n"
    "           on nginx): masters, workers, pid files, steps with no effect, who served at the end,\n"
    "           dropped requests; a line per aspect, `same` or both values; exit 1 when any differs\n"
    "list       the scenarios in DIR (default: scenarios)\n"
    "\n"
    "Exit status: 0 pass, 1 a scenario failed, 2 usage or invalid scenario (the message names\n"
    "FILE:LINE:COLUMN), 3 environment (binary missing, directory unwritable), 128+N when\n"
    "interrupted by signal N. Scenario format: scenarios/README.md.\n";

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct RunArguments {
  std::vector<std::string> paths;
  std::optional<TargetKind> target;
  std::optional<fs::path> nginx;
  std::optional<fs::path> new_binary;
  std::optional<fs::path> out;
  std::optional<fs::path> junit;
  std::optional<fs::path> fake_nginx;
  int repeat = 1;
  int jobs = 1;
  spdlog::level::level_enum log_level = spdlog::level::info;
};

int bounded_count(const std::string& option, const std::string& text, int max) {
  int value = 0;
  try {
    std::size_t used = 0;
    value = std::stoi(text, &used);
    if (used != text.size()) value = 0;
  } catch (const std::exception&) {
    value = 0;
  }
  if (value < 1 || value > max) {
    throw UsageError(option + " must be a whole number from 1 to " + std::to_string(max) + ", got '" + text + "'");
  }
  return value;
}

RunArguments parse_run_arguments(const std::vector<std::string>& args) {
  RunArguments parsed;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const auto& arg = args[i];
    const auto value = [&](const char* option) {
      if (i + 1 >= args.size()) throw UsageError(std::string(option) + " needs a value");
      return args[++i];
    };
    if (arg == "--out") {
      parsed.out = value("--out");
    } else if (arg == "--target") {
      const auto kind = value("--target");
      if (kind != "fake" && kind != "nginx") throw UsageError("--target must be fake or nginx, got '" + kind + "'");
      parsed.target = kind == "fake" ? TargetKind::fake : TargetKind::nginx;
    } else if (arg == "--nginx") {
      parsed.nginx = value("--nginx");
    } else if (arg == "--new-binary") {
      parsed.new_binary = fs::absolute(value("--new-binary"));
    } else if (arg == "--junit") {
      parsed.junit = value("--junit");
    } else if (arg == "--repeat") {
      parsed.repeat = bounded_count("--repeat", value("--repeat"), 1000);
    } else if (arg == "--jobs") {
      parsed.jobs = bounded_count("--jobs", value("--jobs"), 64);
    } else if (arg == "--fake-nginx") {
      parsed.fake_nginx = value("--fake-nginx");
    } else if (arg == "-v") {
      parsed.log_level = spdlog::level::debug;
    } else if (arg == "-q") {
      parsed.log_level = spdlog::level::warn;
    } else if (!arg.empty() && arg[0] == '-') {
      throw UsageError("unknown option '" + arg + "'");
    } else {
      parsed.paths.push_back(arg);
    }
  }
  if (parsed.paths.empty()) throw UsageError("run needs a scenario FILE or DIR");
  return parsed;
}

// FILE stays FILE; DIR becomes its *.yaml files in name order.
std::vector<fs::path> scenario_files(const std::vector<std::string>& paths) {
  std::vector<fs::path> files;
  for (const auto& path : paths) {
    std::error_code error;
    if (!fs::is_directory(path, error)) {
      files.emplace_back(path);
      continue;
    }
    std::vector<fs::path> in_dir;
    for (const auto& entry : fs::directory_iterator(path, error)) {
      if (entry.path().extension() == ".yaml") in_dir.push_back(entry.path());
    }
    if (error) throw ScenarioError(path + ": cannot list the directory: " + error.message());
    if (in_dir.empty()) throw ScenarioError(path + ": no *.yaml scenario files in the directory");
    std::sort(in_dir.begin(), in_dir.end());
    files.insert(files.end(), in_dir.begin(), in_dir.end());
  }
  return files;
}

// Default fake-nginx: $HOTDEPLOY_FAKE_NGINX, else beside the hotdeploy executable, else where
// this build put it.
fs::path default_fake_nginx() {
  if (const char* from_env = std::getenv("HOTDEPLOY_FAKE_NGINX"); from_env && *from_env) return from_env;
  std::error_code error;
  const auto self = fs::read_symlink("/proc/self/exe", error);
  if (!error) {
    const auto sibling = self.parent_path() / "fake-nginx";
    if (fs::exists(sibling, error)) return sibling;
  }
  return HOTDEPLOY_BUILT_FAKE_NGINX;
}

// --target: the scenario's default binaries become those of `kind`. Faults and version labels are
// stamped into fake-nginx copies, so a scenario that sets faults cannot run on real nginx.
void retarget(Scenario& scenario, TargetKind kind) {
  if (kind == TargetKind::nginx &&
      (!scenario.target.binary.faults.empty() || !scenario.target.new_binary.faults.empty())) {
    throw ScenarioError(scenario.file + ": its binaries carry fake-nginx faults, so it cannot run with --target nginx");
  }
  scenario.target.kind = kind;
}

// Maps every outcome of a command to its exit code; nothing escapes as an exception.
int with_exit_codes(const std::function<int()>& command, std::ostream& err) {
  try {
    return command();
  } catch (const UsageError& e) {
    err << "hotdeploy: " << e.what() << "\n\n" << usage_text;
    return exit_usage;
  } catch (const ScenarioError& e) {
    err << "hotdeploy: invalid scenario: " << e.what() << '\n';
    return exit_usage;
  } catch (const EnvironmentError& e) {
    err << "hotdeploy: " << e.what() << '\n';
    return exit_environment;
  } catch (const std::exception& e) {
    err << "hotdeploy: internal error: " << e.what() << '\n';
    return exit_environment;
  }
}

struct PlannedRun {
  const Scenario* scenario;
  int repetition;  // 1-based
};

struct FinishedRun {
  const Scenario* scenario;
  fs::path run_dir;
  int exit_code = 0;
  double seconds = 0;
  harness::Judgement judgement;
};

fs::path run_directory_for(const RunArguments& arguments, const Scenario& scenario, int repetition) {
  if (!arguments.out) return make_timestamped_run_directory("runs", scenario.name);
  if (arguments.repeat == 1) return make_named_run_directory(*arguments.out, scenario.name);
  return make_named_run_directory(*arguments.out / scenario.name, std::to_string(repetition));
}

// What a finished run concluded: its saved history judged again, or, when it ended before
// writing one, a failure naming its exit code.
harness::Judgement conclusion_of(const FinishedRun& run) {
  if (fs::exists(run.run_dir / "history.jsonl")) {
    try {
      return harness::rejudge(run.run_dir, run.scenario->expect);
    } catch (const std::runtime_error& e) {
      return {harness::Verdict::fail, {}, {{"run", harness::Verdict::fail, e.what()}}};
    }
  }
  return {harness::Verdict::fail,
          {},
          {{"run", harness::Verdict::fail,
            "the run ended with exit status " + std::to_string(run.exit_code) + " before writing its history"}}};
}

void print_summary(const std::vector<FinishedRun>& runs, std::ostream& out) {
  out << '\n'
      << std::left << std::setw(28) << "scenario" << std::setw(8) << "verdict" << std::right << std::setw(10)
      << "requests" << std::setw(9) << "dropped" << std::setw(9) << "retried" << std::setw(15) << "switchover_ms"
      << "  run directory\n";
  int passed = 0;
  for (const auto& run : runs) {
    const auto& metrics = run.judgement.metrics;
    std::string verdict(harness::to_string(run.judgement.verdict));
    passed += run.judgement.verdict == harness::Verdict::pass ? 1 : 0;
    std::ostringstream switchover;
    if (metrics.switchover_ms) switchover << std::fixed << std::setprecision(1) << *metrics.switchover_ms;
    out << std::left << std::setw(28) << run.scenario->name << std::setw(8) << verdict << std::right << std::setw(10)
        << metrics.requests << std::setw(9) << metrics.dropped << std::setw(9) << metrics.retried << std::setw(15)
        << (metrics.switchover_ms ? switchover.str() : "-") << "  " << run.run_dir.string() << '\n';
  }
  out << "runs: " << passed << " passed, " << runs.size() - static_cast<std::size_t>(passed) << " failed\n";
}

void write_junit(const fs::path& file, const std::vector<FinishedRun>& runs) {
  std::vector<harness::ScenarioOutcome> outcomes;
  for (const auto& run : runs) outcomes.push_back({run.scenario->name, run.seconds, run.judgement});
  std::ofstream out(file);
  harness::write_junit_xml(outcomes, out);
  if (!out) throw EnvironmentError("cannot write " + file.string());
}

using InFlight = std::map<pid_t, std::pair<FinishedRun, std::chrono::steady_clock::time_point>>;

// Waits for a run to end while redrawing, four times a second, a line per run in flight.
std::pair<pid_t, int> wait_showing_progress(IsolatedRuns& runs, const InFlight& in_flight, TerminalDisplay& display) {
  auto next_draw = std::chrono::steady_clock::now();
  while (true) {
    if (const auto ended = runs.poll_any()) return *ended;
    if (std::chrono::steady_clock::now() >= next_draw) {
      std::vector<std::string> lines;
      for (const auto& [pid, run] : in_flight) {
        const auto status = ProgressFile::read(progress_path(run.first.run_dir));
        lines.push_back(run.first.scenario->name + "  " + (status.empty() ? std::string("starting") : status));
      }
      display.draw(lines);
      next_draw += std::chrono::milliseconds(250);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

int run_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const auto arguments = parse_run_arguments(args);
  spdlog::set_level(arguments.log_level);
  std::vector<Scenario> scenarios;
  for (const auto& file : scenario_files(arguments.paths)) {
    scenarios.push_back(parse_scenario_file(file.string()));
    if (arguments.target) retarget(scenarios.back(), *arguments.target);
    if (arguments.new_binary) scenarios.back().target.new_binary.name = arguments.new_binary->string();
  }
  BinaryLocations binaries;
  binaries.fake_nginx = arguments.fake_nginx.value_or(default_fake_nginx());
  if (arguments.nginx) binaries.real_nginx = *arguments.nginx;

  std::vector<PlannedRun> planned;
  for (const auto& scenario : scenarios) {
    for (int k = 1; k <= arguments.repeat; ++k) planned.push_back({&scenario, k});
  }
  install_interrupt_handlers();
  // On a terminal, one updating line per running scenario; verdicts are printed by this parent
  // from each run's saved history, so no run writes over the display.
  const bool show_progress = ::isatty(STDOUT_FILENO) == 1 && arguments.log_level == spdlog::level::info;
  TerminalDisplay display(out);
  IsolatedRuns runs;
  InFlight in_flight;
  std::vector<FinishedRun> finished;
  std::size_t next = 0;
  int worst = exit_pass;
  while ((next < planned.size() && !interrupted()) || !in_flight.empty()) {
    while (next < planned.size() && !interrupted() && in_flight.size() < static_cast<std::size_t>(arguments.jobs)) {
      const auto& plan = planned[next++];
      RunOptions options{run_directory_for(arguments, *plan.scenario, plan.repetition), binaries};
      const Scenario& scenario = *plan.scenario;
      const pid_t pid = runs.start([&, options] {
        return with_exit_codes(
            [&] {
              install_interrupt_handlers();
              become_child_subreaper();
              if (show_progress) spdlog::default_logger()->sinks().front()->set_level(spdlog::level::err);
              const auto result = run_scenario(scenario, options);
              if (result.interrupted_by != 0) return 128 + result.interrupted_by;
              return result.judgement.verdict == harness::Verdict::pass ? exit_pass : exit_fail;
            },
            err);
      });
      in_flight[pid] = {FinishedRun{plan.scenario, options.run_dir, 0, 0, {}}, std::chrono::steady_clock::now()};
      if (!runs.namespaced()) spdlog::debug("no PID namespace here (not root?): runs rely on subreaping and cleanup");
    }
    const auto [pid, code] = show_progress ? wait_showing_progress(runs, in_flight, display) : runs.wait_any();
    auto& [run, started] = in_flight.at(pid);
    run.exit_code = code;
    run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    run.judgement = conclusion_of(run);
    display.clear();
    out << verdict_line(run.scenario->name, run.judgement) << '\n' << "files: " << run.run_dir.string() << std::endl;
    worst = code >= 128 ? code : std::max(worst, code == exit_fail || code == exit_pass ? code : exit_environment);
    finished.push_back(std::move(run));
    in_flight.erase(pid);
  }
  if (finished.size() > 1) print_summary(finished, out);
  if (arguments.junit) write_junit(*arguments.junit, finished);
  if (interrupted()) return 128 + interrupt_signal();
  return worst;
}

int validate_command(const std::vector<std::string>& args, std::ostream& out) {
  if (args.size() < 2) throw UsageError("validate needs a scenario FILE or DIR");
  const std::vector<std::string> paths(args.begin() + 1, args.end());
  for (const auto& file : scenario_files(paths)) {
    const auto scenario = parse_scenario_file(file.string());
    out << "ok " << file.string() << " (" << scenario.name << ", " << scenario.steps.size() << " steps)\n";
  }
  return exit_pass;
}

// A saved run's history.jsonl; EnvironmentError when it is missing or malformed.
harness::History read_history(const fs::path& run_dir) {
  const auto file = run_dir / "history.jsonl";
  std::ifstream in(file);
  if (!in) throw EnvironmentError("cannot open " + file.string());
  try {
    return harness::read_jsonl(in);
  } catch (const std::runtime_error& e) {
    throw EnvironmentError(file.string() + ": " + e.what());
  }
}

int check_command(const std::vector<std::string>& args, std::ostream& out) {
  if (args.size() != 2) throw UsageError("check needs exactly one RUN_DIR");
  const fs::path run_dir = args[1];
  const auto scenario = parse_scenario_file((run_dir / "scenario.yaml").string());
  const auto history = read_history(run_dir);
  // A history that cannot have happened is refused, not judged: one line per violation kept.
  const auto validation = harness::validate_history(history);
  const auto judgement = harness::judge_valid(history, scenario.expect);
  write_judgement(run_dir, scenario.name, history, judgement);
  if (!validation.valid()) {
    const std::string file = (run_dir / "history.jsonl").string();
    for (const auto& violation : validation.violations) out << harness::describe(violation, file) << '\n';
    if (validation.count > validation.violations.size()) {
      out << file << ": and " << validation.count - validation.violations.size() << " more violations\n";
    }
    out << verdict_line(scenario.name, judgement) << '\n';
    return exit_usage;
  }
  out << verdict_line(scenario.name, judgement) << '\n';
  return judgement.verdict == harness::Verdict::pass ? exit_pass : exit_fail;
}

int diff_command(const std::vector<std::string>& args, std::ostream& out) {
  if (args.size() != 3) throw UsageError("diff needs exactly two RUN_DIRs");
  const auto a = read_history(args[1]);
  const auto b = read_history(args[2]);
  bool all_same = true;
  for (const auto& comparison : compare_runs(a, b)) {
    out << comparison_line(comparison) << '\n';
    all_same = all_same && comparison.same();
  }
  return all_same ? exit_pass : exit_fail;
}

int list_command(const std::vector<std::string>& args, std::ostream& out) {
  if (args.size() > 2) throw UsageError("list takes at most one DIR");
  const std::string dir = args.size() == 2 ? args[1] : "scenarios";
  for (const auto& file : scenario_files({dir})) {
    const auto scenario = parse_scenario_file(file.string());
    auto summary = scenario.summary.substr(0, scenario.summary.find('\n'));
    if (summary.size() > 90) summary = summary.substr(0, 87) + "...";
    out << std::left << std::setw(26) << scenario.name << ' ' << std::setw(6)
        << (scenario.target.kind == TargetKind::fake ? "fake" : "nginx") << ' ' << summary << '\n';
  }
  return exit_pass;
}

bool asks_for_help(const std::vector<std::string>& args) {
  return args.size() == 2 && (args[1] == "--help" || args[1] == "-h");
}

int dispatch(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help" || asks_for_help(args)) {
    (args.empty() ? err : out) << usage_text;
    return args.empty() ? exit_usage : exit_pass;
  }
  if (args[0] == "--version") {
    out << "hotdeploy " << HOTDEPLOY_VERSION << '\n';
    return exit_pass;
  }
  if (args[0] == "run") return run_command(args, out, err);
  if (args[0] == "validate") return validate_command(args, out);
  if (args[0] == "check") return check_command(args, out);
  if (args[0] == "diff") return diff_command(args, out);
  if (args[0] == "list") return list_command(args, out);
  throw UsageError("unknown command '" + args[0] + "'");
}

}  // namespace

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  return with_exit_codes([&] { return dispatch(args, out, err); }, err);
}

}  // namespace hotdeploy::orchestrator
