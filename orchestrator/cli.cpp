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

#include "harness/history/history_file.h"
#include "harness/judge/history_validation.h"
#include "harness/judge/rejudge.h"
#include "harness/judge/run_comparison.h"
#include "harness/report/junit_xml.h"
#include "orchestrator/bench_command.h"
#include "orchestrator/environment_error.h"
#include "orchestrator/installed_files.h"
#include "orchestrator/interrupt.h"
#include "orchestrator/invalid_input_error.h"
#include "orchestrator/merge_command.h"
#include "orchestrator/option_table.h"
#include "orchestrator/process_control.h"
#include "orchestrator/replay_command.h"
#include "orchestrator/run_directory.h"
#include "orchestrator/run_record.h"
#include "orchestrator/run_scheduler.h"
#include "orchestrator/run_set.h"
#include "orchestrator/run_summary.h"
#include "orchestrator/runner.h"
#include "orchestrator/scenario_parser.h"
#include "orchestrator/sha256.h"
#include "orchestrator/shard.h"
#include "orchestrator/soak_command.h"
#include "orchestrator/target.h"
#include "orchestrator/user_config_check.h"

namespace hotdeploy::orchestrator {
namespace fs = std::filesystem;

namespace {

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
  std::optional<Shard> shard;
  bool require_isolation = false;
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

// `hotdeploy run`'s options: what the parser takes and what --help lists.
std::vector<Option> run_options(RunArguments& parsed) {
  return {
      {"--target", "KIND",
       "fake or nginx, whatever each scenario's target.kind says (fake-only scenarios of a DIR are skipped with nginx)",
       [&](const std::string& kind) {
         if (kind != "fake" && kind != "nginx") throw UsageError("--target must be fake or nginx, got '" + kind + "'");
         parsed.target = kind == "fake" ? TargetKind::fake : TargetKind::nginx;
       }},
      {"--nginx", "PATH", "the real nginx executable (default /usr/sbin/nginx); an error when no run uses it",
       [&](const std::string& path) { parsed.nginx = fs::absolute(path); }},
      {"--new-binary", "PATH",
       "what `swap_binary: new` installs, instead of the scenario's; an error when no run swaps",
       [&](const std::string& path) { parsed.new_binary = fs::absolute(path); }},
      {"--out", "DIR",
       "each run's files in DIR/<name>/ (DIR/<name>/<k>/ with --repeat); default runs/<name>/<UTC time>/",
       [&](const std::string& dir) { parsed.out = dir; }},
      {"--junit", "FILE", "also write a JUnit XML report of every run, skipped and not-run ones included",
       [&](const std::string& file) { parsed.junit = file; }},
      {"--repeat", "N", "run every scenario N times (default 1)",
       [&](const std::string& n) { parsed.repeat = bounded_count("--repeat", n, 1000); }},
      {"--jobs", "N", "at most N runs at once (default 1); runs never share ports or files",
       [&](const std::string& n) { parsed.jobs = bounded_count("--jobs", n, 64); }},
      {"--shard", "K/N",
       "run only shard K of N of the scenarios (by a hash of each name); with --out, `hotdeploy merge` combines the "
       "shards",
       [&](const std::string& shard) { parsed.shard = parse_shard(shard); }},
      {"--fake-nginx", "PATH", "the fake-nginx executable (default: beside hotdeploy, or $HOTDEPLOY_FAKE_NGINX)",
       [&](const std::string& path) { parsed.fake_nginx = path; }},
      {"--require-isolation", "",
       "exit 3 rather than run without a PID namespace (root, or a user namespace); result.json says which isolation "
       "each run had",
       [&](const std::string&) { parsed.require_isolation = true; }},
      {"-v", "", "debug logging", [&](const std::string&) { parsed.log_level = spdlog::level::debug; }},
      {"-q", "", "only verdicts and errors (no info lines, no warnings)",
       [&](const std::string&) { parsed.log_level = spdlog::level::err; }},
  };
}

std::string usage_text() {
  RunArguments unused;
  return "usage: hotdeploy run FILE|DIR... [OPTION...]\n"
         "       hotdeploy validate FILE|DIR...\n"
         "       hotdeploy check RUN_DIR\n"
         "       hotdeploy diff RUN_DIR_A RUN_DIR_B\n"
         "       hotdeploy merge RUN_DIR... [OPTION...]\n"
         "       hotdeploy list [DIR]\n"
         "       hotdeploy replay ERROR_LOG [OPTION...]\n"
         "       hotdeploy bench FILE [OPTION...]\n"
         "       hotdeploy soak FILE [OPTION...]\n"
         "       hotdeploy --help | --version\n"
         "\n"
         "Runs nginx upgrade and rollback scenarios under load and judges whether any request was lost.\n"
         "\n"
         "run        run each scenario (a DIR means every *.yaml in it); one verdict line per run on stdout,\n"
         "           and a summary table when there is more than one; log lines go to stderr.\n"
         "           Options (--opt VALUE or --opt=VALUE):\n" +
         options_help(run_options(unused)) +
         "validate   check scenario files without running anything\n"
         "check      judge a saved run directory again (rewrites its result.json, junit.xml and report.html); a "
         "history\n"
         "           that cannot have happened is refused: FILE:LINE: rule: detail per violation, exit 2\n"
         "diff       compare what the target did in two saved runs of a scenario (e.g. on fake-nginx and\n"
         "           on nginx): masters, workers, pid files, steps with no effect, who served at the end,\n"
         "           dropped requests; a line per aspect, `same` or both values; exit 1 when any differs;\n"
         "           then a `left out by RULE:` line, with both runs' counts, for each thing left out (the\n"
         "           scenario's `diff: {allow: [...]}` and the observer's limits), or `left out: nothing`\n"
         "merge      combine runs' directories (each --out DIR of a `run`, e.g. one per --shard, or one run's\n"
         "           directory) into one summary table and one drop-rate bound; exit 1 when any run did not\n"
         "           pass, 2 when they cannot be merged (a scenario twice, two versions of one, a shard missing).\n"
         "           Options:\n" +
         merge_options_help() +
         "list       the scenarios in DIR (default: ./scenarios, else the installed library)\n"
         "replay     turn an nginx error.log (of a failed upgrade, say) into a scenario that does the same: the\n"
         "           signals it shows, to the same generations, waiting for the effects it shows; prints what it\n"
         "           assumed; exit 2 when the file is no error.log, shows no master, mixes two nginx instances,\n"
         "           or starts mid-incident (the scenario is still written then, not run). Options:\n" +
         replay_options_help() +
         "bench      run FILE N times on side A and on side B, interleaved, and compare ready, switchover,\n"
         "           blackout, drain, connect p99 and dropped: medians, B/A with a 95% bootstrap interval,\n"
         "           a U test, a line in words per metric; writes bench.json, bench.md, bench.html.\n"
         "           Side A is FILE as `run` runs it; each --vs-* option changes one thing on side B:\n" +
         bench_options_help() +
         "soak       one target under load the whole time, FILE's steps repeated as cycles (old -> new, then\n"
         "           new -> old, ...) until the first limit; each cycle judged, a line in cycles.jsonl; at the end\n"
         "           totals, the 95% bound on loss per request and per switchover, p50/p90/p99/max of\n"
         "           switchover, blackout, ready and drain; exit 1 when any cycle failed. Options:\n" +
         soak_options_help() +
         "\n"
         "Exit status: 0 pass, 1 a scenario failed, 2 usage, invalid scenario (the message names\n"
         "FILE:LINE:COLUMN) or invalid input (a run directory's corrupt history.jsonl, binaries.json or\n"
         "isolation.json for check or diff: FILE:LINE), 3 environment (binary missing, directory\n"
         "unwritable; checked before any run starts), 128+N when interrupted by signal N. Scenario format:\n"
         "scenarios/README.md.\n";
}

RunArguments parse_run_arguments(const std::vector<std::string>& args) {
  RunArguments parsed;
  parsed.paths = parse_options(args, 1, run_options(parsed));
  if (parsed.paths.empty()) throw UsageError("run needs a scenario FILE or DIR");
  return parsed;
}

struct ScenarioFile {
  fs::path path;
  bool from_directory = false;  // listed from a DIR rather than named
};

// FILE stays FILE; DIR becomes its *.yaml files in name order.
std::vector<ScenarioFile> scenario_files(const std::vector<std::string>& paths) {
  std::vector<ScenarioFile> files;
  for (const auto& path : paths) {
    std::error_code error;
    if (!fs::is_directory(path, error)) {
      files.push_back({path, false});
      continue;
    }
    std::vector<fs::path> in_dir;
    for (const auto& entry : fs::directory_iterator(path, error)) {
      if (entry.path().extension() == ".yaml") in_dir.push_back(entry.path());
    }
    if (error) throw ScenarioError(path + ": cannot list the directory: " + error.message());
    if (in_dir.empty()) throw ScenarioError(path + ": no *.yaml scenario files in the directory");
    std::sort(in_dir.begin(), in_dir.end());
    for (auto& file : in_dir) files.push_back({std::move(file), true});
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

bool carries_faults(const Scenario& scenario) {
  return !scenario.target.binary.faults.empty() || !scenario.target.new_binary.faults.empty();
}

// Maps every outcome of a command to its exit code; nothing escapes as an exception.
int with_exit_codes(const std::function<int()>& command, std::ostream& err) {
  try {
    return command();
  } catch (const UsageError& e) {
    err << "hotdeploy: " << e.what() << " (hotdeploy --help lists the usage)\n";
    return kExitUsage;
  } catch (const ScenarioError& e) {
    err << "hotdeploy: invalid scenario: " << e.what() << '\n';
    return kExitUsage;
  } catch (const InvalidInputError& e) {
    err << "hotdeploy: invalid input: " << e.what() << '\n';
    return kExitUsage;
  } catch (const EnvironmentError& e) {
    err << "hotdeploy: " << e.what() << '\n';
    return kExitEnvironment;
  } catch (const std::exception& e) {
    err << "hotdeploy: internal error: " << e.what() << '\n';
    return kExitEnvironment;
  }
}

// The scenarios of a `run`, with the command line applied, and those skipped.
struct RunPlan {
  std::vector<Scenario> scenarios;
  std::vector<NotRun> skipped;           // scenario name, reason
  std::vector<LibraryScenario> library;  // every scenario file given, in this --shard or not
};

RunPlan plan_runs(const RunArguments& arguments) {
  RunPlan plan;
  for (const auto& file : scenario_files(arguments.paths)) {
    auto scenario = parse_scenario_file(file.path.string());
    const bool here = !arguments.shard || shard_of(scenario.name, arguments.shard->count) == arguments.shard->index;
    plan.library.push_back({scenario.name, sha256_file_hex(file.path), here});
    if (!here) continue;
    if (arguments.target == TargetKind::nginx && carries_faults(scenario)) {
      const std::string reason = "its binaries carry fake-nginx faults, so it cannot run with --target nginx";
      if (!file.from_directory) throw ScenarioError(scenario.file + ": " + reason);
      plan.skipped.emplace_back(scenario.name, "fake-only: " + reason);
      continue;
    }
    if (arguments.target == TargetKind::fake && !scenario.target.config.empty()) {
      const std::string reason = "it runs the user's nginx.conf (target.config), which only real nginx reads";
      if (!file.from_directory) throw ScenarioError(scenario.file + ": " + reason);
      plan.skipped.emplace_back(scenario.name, "nginx-only: " + reason);
      continue;
    }
    if (arguments.target) scenario.target.kind = *arguments.target;
    if (arguments.new_binary) scenario.target.new_binary.name = arguments.new_binary->string();
    // A name is a run's directory under --out and its JUnit testcase: two runs of one name would
    // overwrite each other's files.
    for (const auto& planned : plan.scenarios) {
      if (planned.name == scenario.name) {
        throw ScenarioError(scenario.file + ": scenario name '" + scenario.name + "' is also the name of " +
                            planned.file + " (names must be unique in one run; use --repeat to run one twice)");
      }
    }
    plan.scenarios.push_back(std::move(scenario));
  }
  return plan;
}

bool uses_real_nginx(const Scenario& scenario) {
  const auto is_nginx = [&](const std::string& name) {
    return name == "nginx" || (name == "default" && scenario.target.kind == TargetKind::nginx);
  };
  return is_nginx(scenario.target.binary.name) || is_nginx(scenario.target.new_binary.name);
}

bool swaps_in_new_binary(const Scenario& scenario) {
  return std::any_of(scenario.steps.begin(), scenario.steps.end(), [](const Step& step) {
    const auto* swap = std::get_if<SwapBinaryStep>(&step.action);
    return swap && swap->which == BinaryChoice::next;
  });
}

// --nginx and --new-binary must change what runs: a gate given the user's nginx that then tests
// fake-nginx instead would pass without ever touching it.
void check_binary_options_are_used(const RunArguments& arguments, const RunPlan& plan) {
  if (arguments.nginx && std::none_of(plan.scenarios.begin(), plan.scenarios.end(), uses_real_nginx)) {
    throw UsageError("--nginx " + arguments.nginx->string() +
                     " is not used: every scenario runs on fake-nginx and none names nginx (add --target nginx)");
  }
  if (arguments.new_binary && std::none_of(plan.scenarios.begin(), plan.scenarios.end(), swaps_in_new_binary)) {
    throw UsageError("--new-binary " + arguments.new_binary->string() +
                     " is not used: no scenario swaps in a new binary (swap_binary: new)");
  }
}

void check_executable(const fs::path& path, const std::string& option) {
  std::error_code error;
  if (!fs::is_regular_file(path, error)) throw EnvironmentError(option + " " + path.string() + ": not found");
  if (::access(path.c_str(), X_OK) != 0) throw EnvironmentError(option + " " + path.string() + ": not executable");
}

// A directory hotdeploy will create files in: it, or the nearest ancestor that exists, must be a
// writable directory.
void check_writable_directory(const fs::path& dir, const std::string& what) {
  auto existing = fs::absolute(dir);
  std::error_code error;
  while (!fs::exists(existing, error) && existing.has_parent_path() && existing != existing.parent_path()) {
    existing = existing.parent_path();
  }
  if (!fs::is_directory(existing, error)) {
    throw EnvironmentError(what + ": " + existing.string() + " is not a directory");
  }
  if (::access(existing.c_str(), W_OK | X_OK) != 0) {
    throw EnvironmentError(what + ": cannot write in " + existing.string() + ": " +
                           std::system_category().message(errno));
  }
}

void check_junit_path(const fs::path& junit) {
  std::error_code error;
  if (fs::is_directory(junit, error)) throw EnvironmentError("--junit " + junit.string() + ": is a directory");
  check_writable_directory(fs::absolute(junit).parent_path(), "--junit " + junit.string());
}

// Everything a run needs from the machine, checked before any run directory exists: the
// binaries each run installs and the place its files go (--junit's is checked first, apart, so
// that a failure here can still be reported there).
void check_environment(const RunArguments& arguments, const RunPlan& plan, const BinaryLocations& binaries) {
  if (arguments.nginx) check_executable(*arguments.nginx, "--nginx");
  if (arguments.new_binary) check_executable(*arguments.new_binary, "--new-binary");
  if (arguments.fake_nginx) check_executable(*arguments.fake_nginx, "--fake-nginx");
  for (const auto& scenario : plan.scenarios) {
    std::vector<fs::path> installed = {
        resolve_binary(scenario.target.binary.name, scenario.target.kind, scenario.file, binaries)};
    if (scenario.target.new_binary.name != kMissingBinary) {
      installed.push_back(
          resolve_binary(scenario.target.new_binary.name, scenario.target.kind, scenario.file, binaries));
    }
    // fake-nginx copies are stamped with their label and faults by the tool beside it.
    std::error_code error;
    for (const auto& binary : installed) {
      if (fs::equivalent(binary, binaries.fake_nginx, error)) {
        check_executable(binaries.fake_nginx_stamp(), "fake-nginx-stamp (beside fake-nginx)");
      }
    }
  }
  check_writable_directory(arguments.out.value_or("runs"),
                           arguments.out ? "--out " + arguments.out->string() : std::string("run directory runs/"));
}

struct PlannedRun {
  const Scenario* scenario;
  int repetition;    // 1-based
  std::string name;  // the scenario's, with #k under --repeat
};

fs::path run_directory_for(const RunArguments& arguments, const Scenario& scenario, int repetition) {
  if (!arguments.out) return make_timestamped_run_directory("runs", scenario.name);
  if (arguments.repeat == 1) return make_named_run_directory(*arguments.out, scenario.name);
  return make_named_run_directory(*arguments.out / scenario.name, std::to_string(repetition));
}

// What a finished run concluded: its saved history judged again, or, when it ended before
// writing one, the reason.
void conclude(FinishedRun& run, const Scenario& scenario) {
  run.subject = read_run_subject(run.run_dir);
  // A run that ended by a signal was interrupted only when hotdeploy itself was (and forwarded
  // it); otherwise it crashed or was killed from outside, which is an error, never a skip.
  const bool killed = run.exit_code >= 128;
  const std::string by_signal = "signal " + std::to_string(run.exit_code - 128);
  if (killed && interrupted()) run.interrupted = "interrupted by " + by_signal;
  if (killed && !interrupted()) run.error = "the run process was killed by " + by_signal;
  judge_finished_run(run, scenario.expect);
}

int run_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const auto arguments = parse_run_arguments(args);
  spdlog::set_level(arguments.log_level);
  const auto plan = plan_runs(arguments);
  if (arguments.shard) {
    // A shard need not use --nginx or --new-binary itself (it may hold only fake-only scenarios, or
    // none); the library must.
    auto whole = arguments;
    whole.shard.reset();
    check_binary_options_are_used(whole, plan_runs(whole));
  } else {
    check_binary_options_are_used(arguments, plan);
  }
  const std::string suite = arguments.shard ? "hotdeploy shard " + to_string(*arguments.shard) : "hotdeploy";
  BinaryLocations binaries;
  binaries.fake_nginx = arguments.fake_nginx.value_or(default_fake_nginx());
  if (arguments.nginx) binaries.real_nginx = *arguments.nginx;
  if (arguments.junit) check_junit_path(*arguments.junit);
  IsolatedRuns runs(arguments.require_isolation);  // from here, SIGINT/SIGTERM/SIGHUP are noted and forwarded to runs
  try {
    check_environment(arguments, plan, binaries);
    (void)runs.decide();  // --require-isolation may refuse, before any run directory is made
    check_user_configs(plan.scenarios, binaries, runs, arguments.out.value_or("runs"));
  } catch (const EnvironmentError& e) {
    // CI reads the JUnit file: every planned run is an <error> with the reason none started.
    if (arguments.junit) {
      std::vector<harness::ScenarioOutcome> outcomes;
      for (const auto& scenario : plan.scenarios) {
        harness::ScenarioOutcome outcome;
        outcome.name = scenario.name;
        outcome.subject.target = scenario.target.kind == TargetKind::fake ? "fake" : "nginx";
        outcome.error = e.what();
        outcomes.push_back(std::move(outcome));
      }
      for (const auto& [name, reason] : plan.skipped) outcomes.push_back({name, 0, {}, {}, {}, reason});
      write_junit_file(*arguments.junit, outcomes, suite);
    }
    throw;
  }
  // What this run ran, for `hotdeploy merge`: written when it ends; an earlier run's is gone first.
  if (arguments.out) {
    std::error_code error;
    fs::remove(*arguments.out / kRunSetFile, error);
  }

  std::vector<PlannedRun> planned;
  for (const auto& scenario : plan.scenarios) {
    for (int k = 1; k <= arguments.repeat; ++k) {
      planned.push_back(
          {&scenario, k, arguments.repeat == 1 ? scenario.name : scenario.name + "#" + std::to_string(k)});
    }
  }
  std::vector<NotRun> not_run = plan.skipped;
  for (const auto& [name, reason] : plan.skipped) out << "SKIP " << name << ": " << reason << '\n';
  // On a terminal, one updating line per running scenario; verdicts are printed by this parent
  // from each run's saved history, so no run writes over the display.
  const bool show_progress = ::isatty(STDOUT_FILENO) == 1 && arguments.log_level == spdlog::level::info;
  std::vector<fs::path> run_dirs(planned.size());
  std::vector<FinishedRun> finished;
  int worst = kExitPass;
  const auto prepare = [&](std::size_t i) {
    const auto& plan_i = planned[i];
    run_dirs[i] = run_directory_for(arguments, *plan_i.scenario, plan_i.repetition);
    const RunOptions options{run_dirs[i], binaries};
    const Scenario& scenario = *plan_i.scenario;
    return StartedRun{plan_i.name, run_dirs[i], [&, options](const harness::RunIsolation& isolation) {
                        return with_exit_codes(
                            [&] {
                              become_child_subreaper();
                              if (show_progress)
                                spdlog::default_logger()->sinks().front()->set_level(spdlog::level::err);
                              auto isolated = options;
                              isolated.isolation = isolation;
                              try {
                                const auto result = run_scenario(scenario, isolated);
                                if (result.interrupted_by != 0) return 128 + result.interrupted_by;
                                return result.judgement.verdict == harness::Verdict::pass ? kExitPass : kExitFail;
                              } catch (const EnvironmentError& e) {
                                std::ofstream(environment_error_path(options.run_dir)) << e.what();
                                throw;
                              }
                            },
                            err);
                      }};
  };
  const auto ended = [&](std::size_t i, int code, double seconds) {
    FinishedRun run{planned[i].name, run_dirs[i], code, seconds, {}, {}, {}, {}};
    conclude(run, *planned[i].scenario);
    auto line = verdict_line(run.name, run.subject, run.judgement);
    if (!run.interrupted.empty()) line = "INTERRUPTED " + run.name + " (" + run.interrupted + "; not judged)";
    out << line << '\n' << "files: " << run.run_dir.string() << std::endl;
    // A run ended by a signal failed, unless hotdeploy was interrupted (then it exits 128 + N below).
    const int status = code == kExitPass || code == kExitFail ? code : code >= 128 ? kExitFail : kExitEnvironment;
    worst = std::max(worst, status);
    finished.push_back(std::move(run));
  };
  const auto started = schedule_runs(runs, planned.size(), {arguments.jobs, show_progress, out}, prepare, ended);
  for (std::size_t i = started; i < planned.size(); ++i) {
    not_run.emplace_back(planned[i].name,
                         "interrupted by signal " + std::to_string(interrupt_signal()) + " before it started");
  }
  std::string heading;
  if (arguments.shard) {
    heading = "shard " + to_string(*arguments.shard) + ": " +
              std::to_string(plan.scenarios.size() + plan.skipped.size()) + " of the " +
              std::to_string(plan.library.size()) + " scenarios";
  }
  if (finished.size() + not_run.size() > 1 || arguments.shard) print_summary(finished, not_run, heading, out);
  const std::string target = arguments.target ? (*arguments.target == TargetKind::fake ? "fake" : "nginx") : "";
  if (arguments.junit) write_junit(*arguments.junit, finished, not_run, target, suite);
  const int exit_code = interrupted() ? 128 + interrupt_signal() : worst;
  if (arguments.out) {
    RunSet set{arguments.shard, target, exit_code, plan.library, {}, not_run};
    for (const auto& run : finished) {
      set.runs.push_back({run.name, run.run_dir.lexically_relative(*arguments.out), run.seconds, run.exit_code,
                          run.error, run.interrupted});
    }
    write_run_set(*arguments.out, set);
  }
  return exit_code;
}

int validate_command(const std::vector<std::string>& args, std::ostream& out) {
  if (args.size() < 2) throw UsageError("validate needs a scenario FILE or DIR");
  const std::vector<std::string> paths(args.begin() + 1, args.end());
  for (const auto& file : scenario_files(paths)) {
    const auto scenario = parse_scenario_file(file.path.string());
    out << "ok " << file.path.string() << " (" << scenario.name << ", " << scenario.steps.size() << " steps)\n";
  }
  return kExitPass;
}

// A saved run's history.jsonl; EnvironmentError when it cannot be read, InvalidInputError naming
// the line when it is malformed.
harness::History read_history(const fs::path& run_dir) {
  const auto file = run_dir / "history.jsonl";
  std::ifstream in(file);
  if (!in) throw EnvironmentError("cannot open " + file.string());
  try {
    return harness::read_jsonl(in);
  } catch (const harness::HistoryFormatError& e) {
    throw InvalidInputError(file, e.line(), e.reason());
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
  const auto judgement = harness::judge_valid(history, validation, scenario.expect);
  const auto subject = read_run_subject(run_dir);
  write_judgement(run_dir, scenario.name, subject, history, judgement);
  if (!validation.valid()) {
    const std::string file = (run_dir / "history.jsonl").string();
    for (const auto& violation : validation.violations) out << harness::describe(violation, file) << '\n';
    if (validation.count > validation.violations.size()) {
      out << file << ": and " << validation.count - validation.violations.size() << " more violations\n";
    }
    out << verdict_line(scenario.name, subject, judgement) << '\n';
    return kExitUsage;
  }
  out << verdict_line(scenario.name, subject, judgement) << '\n';
  return judgement.verdict == harness::Verdict::pass ? kExitPass : kExitFail;
}

int diff_command(const std::vector<std::string>& args, std::ostream& out) {
  if (args.size() != 3) throw UsageError("diff needs exactly two RUN_DIRs");
  const auto a = read_history(args[1]);
  const auto b = read_history(args[2]);
  // What the scenarios allow the diff to leave out: a rule counts only when both runs' scenarios
  // allow it (a run saved without its scenario.yaml allows nothing), so runs of two scenarios (a
  // run and its replay, say) are compared as strictly as the stricter one asks; the difference is
  // printed.
  std::vector<harness::DiffAllowances> allows;
  for (const fs::path& run_dir : {fs::path(args[1]), fs::path(args[2])}) {
    const auto file = run_dir / "scenario.yaml";
    allows.push_back(fs::exists(file) ? parse_scenario_file(file.string()).diff_allow : harness::DiffAllowances{});
  }
  harness::DiffAllowances allowed;
  for (const auto rule : allows[0]) {
    if (allows[1].contains(rule)) allowed.insert(rule);
  }
  for (std::size_t side = 0; side < 2; ++side) {
    for (const auto rule : allows[side]) {
      if (!allowed.contains(rule)) {
        out << "not left out: " << harness::to_string(rule) << " (allowed by " << (side == 0 ? "A" : "B")
            << "'s scenario only)\n";
      }
    }
  }
  const auto comparison = harness::compare_runs(a, b, allowed);
  for (const auto& aspect : comparison.aspects) out << harness::comparison_line(aspect) << '\n';
  for (const auto& tolerance : comparison.tolerated) out << harness::tolerance_line(tolerance) << '\n';
  if (comparison.tolerated.empty()) out << "left out: nothing\n";
  return comparison.same() ? kExitPass : kExitFail;
}

int list_command(const std::vector<std::string>& args, std::ostream& out) {
  if (args.size() > 2) throw UsageError("list takes at most one DIR");
  const std::string dir = args.size() == 2 ? args[1] : default_scenario_dir().string();
  for (const auto& file : scenario_files({dir})) {
    const auto scenario = parse_scenario_file(file.path.string());
    auto summary = scenario.summary.substr(0, scenario.summary.find('\n'));
    if (summary.size() > 90) summary = summary.substr(0, 87) + "...";
    out << std::left << std::setw(26) << scenario.name << ' ' << std::setw(6)
        << (scenario.target.kind == TargetKind::fake ? "fake" : "nginx") << ' ' << summary << '\n';
  }
  return kExitPass;
}

bool asks_for_help(const std::vector<std::string>& args) {
  return args.size() == 2 && (args[1] == "--help" || args[1] == "-h");
}

int dispatch(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help" || asks_for_help(args)) {
    (args.empty() ? err : out) << usage_text();
    return args.empty() ? kExitUsage : kExitPass;
  }
  if (args[0] == "--version") {
    out << "hotdeploy " << HOTDEPLOY_VERSION << '\n';
    return kExitPass;
  }
  if (args[0] == "run") return run_command(args, out, err);
  if (args[0] == "validate") return validate_command(args, out);
  if (args[0] == "check") return check_command(args, out);
  if (args[0] == "diff") return diff_command(args, out);
  if (args[0] == "list") return list_command(args, out);
  if (args[0] == "merge") return merge_command(args, out, err);
  if (args[0] == "replay") {
    return replay_command(args, out, err,
                          [&](const std::vector<std::string>& run) { return run_command(run, out, err); });
  }
  if (args[0] == "bench") return bench_command(args, default_fake_nginx(), out);
  if (args[0] == "soak") return soak_command(args, default_fake_nginx(), out);
  throw UsageError("unknown command '" + args[0] + "'");
}

}  // namespace

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  return with_exit_codes([&] { return dispatch(args, out, err); }, err);
}

}  // namespace hotdeploy::orchestrator
