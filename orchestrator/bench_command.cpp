#include "orchestrator/bench_command.h"

#include <spdlog/sinks/sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <optional>
#include <sstream>

#include "harness/judge/rejudge.h"
#include "orchestrator/bench_html.h"
#include "orchestrator/bench_report.h"
#include "orchestrator/bench_summary.h"
#include "orchestrator/cli.h"
#include "orchestrator/environment_error.h"
#include "orchestrator/interrupt.h"
#include "orchestrator/option_table.h"
#include "orchestrator/process_control.h"
#include "orchestrator/run_directory.h"
#include "orchestrator/run_record.h"
#include "orchestrator/run_scheduler.h"
#include "orchestrator/runner.h"
#include "orchestrator/scenario_parser.h"
#include "orchestrator/target.h"

namespace hotdeploy::orchestrator {
namespace fs = std::filesystem;

namespace {

// The scenario target keys --vs-config may change: the configuration, not what runs.
const std::vector<std::string> kConfigKeys = {"workers", "directives", "reuseport", "daemon", "sysctls"};

struct FaultChange {
  std::string which;                // "old" or "new"
  std::vector<std::string> faults;  // "slow_start=50ms", "crash_on_start"
  std::string text;                 // as given
};

struct BenchArguments {
  std::vector<std::string> operands;
  int runs = 10;
  int warmup = 1;
  std::optional<TargetKind> target, vs_target;
  std::optional<fs::path> nginx, vs_nginx, new_binary, vs_new_binary, vs_config, fake_nginx, out;
  std::optional<FaultChange> vs_faults;
  std::vector<RegressionLimit> limits;
  bool require_isolation = false;
  spdlog::level::level_enum log_level = spdlog::level::warn;
  std::vector<std::string> b_changes;  // the --vs-* options as given, for the reports
};

int whole_number(const std::string& option, const std::string& text, int min, int max) {
  int value = min - 1;
  try {
    std::size_t used = 0;
    value = std::stoi(text, &used);
    if (used != text.size()) value = min - 1;
  } catch (const std::exception&) {
    value = min - 1;
  }
  if (value < min || value > max) {
    throw UsageError(option + " must be a whole number from " + std::to_string(min) + " to " + std::to_string(max) +
                     ", got '" + text + "'");
  }
  return value;
}

TargetKind target_kind(const std::string& option, const std::string& kind) {
  if (kind != "fake" && kind != "nginx") throw UsageError(option + " must be fake or nginx, got '" + kind + "'");
  return kind == "fake" ? TargetKind::fake : TargetKind::nginx;
}

FaultChange parse_fault_change(const std::string& text) {
  const auto colon = text.find(':');
  const auto which = text.substr(0, colon);
  if (colon == std::string::npos || (which != "old" && which != "new")) {
    throw UsageError("--vs-faults must be old:FAULT[,FAULT...] or new:FAULT[,...] (e.g. new:slow_start=50ms), got '" +
                     text + "'");
  }
  FaultChange change{which, {}, text};
  std::istringstream in(text.substr(colon + 1));
  std::string fault;
  while (std::getline(in, fault, ',')) {
    if (fault.empty()) throw UsageError("--vs-faults '" + text + "': an empty fault");
    change.faults.push_back(fault);
  }
  return change;
}

std::vector<Option> bench_options(BenchArguments& parsed) {
  return {
      {"--runs", "N", "counted runs a side (default 10)",
       [&](const std::string& n) { parsed.runs = whole_number("--runs", n, 1, 1000); }},
      {"--warmup", "K", "runs a side before those, not counted (default 1)",
       [&](const std::string& k) { parsed.warmup = whole_number("--warmup", k, 0, 100); }},
      {"--target", "KIND", "fake or nginx, for both sides (default: the scenario's target.kind)",
       [&](const std::string& kind) { parsed.target = target_kind("--target", kind); }},
      {"--nginx", "PATH", "side A's real nginx executable (default /usr/sbin/nginx; B's too, unless --vs-nginx)",
       [&](const std::string& path) { parsed.nginx = fs::absolute(path); }},
      {"--new-binary", "PATH", "what side A's `swap_binary: new` installs (B's too, unless --vs-new-binary)",
       [&](const std::string& path) { parsed.new_binary = fs::absolute(path); }},
      {"--vs-target", "KIND", "side B runs on fake or nginx",
       [&](const std::string& kind) {
         parsed.vs_target = target_kind("--vs-target", kind);
         parsed.b_changes.push_back("--vs-target " + kind);
       }},
      {"--vs-nginx", "PATH", "side B's real nginx executable",
       [&](const std::string& path) {
         parsed.vs_nginx = fs::absolute(path);
         parsed.b_changes.push_back("--vs-nginx " + path);
       }},
      {"--vs-new-binary", "PATH", "what side B's `swap_binary: new` installs",
       [&](const std::string& path) {
         parsed.vs_new_binary = fs::absolute(path);
         parsed.b_changes.push_back("--vs-new-binary " + path);
       }},
      {"--vs-config", "FILE",
       "side B's target configuration: a YAML mapping of target keys (workers, directives, reuseport, daemon, "
       "sysctls) replacing the scenario's",
       [&](const std::string& file) {
         parsed.vs_config = file;
         parsed.b_changes.push_back("--vs-config " + file);
       }},
      {"--vs-faults", "WHICH:FAULTS",
       "side B's old or new fake-nginx binary carries these faults instead, e.g. new:slow_start=50ms",
       [&](const std::string& text) {
         parsed.vs_faults = parse_fault_change(text);
         parsed.b_changes.push_back("--vs-faults " + text);
       }},
      {"--max-regression", "LIMITS",
       "exit 1 when B is worse than allowed with 97.5% confidence, e.g. switchover=10%,blackout=5ms,dropped=0",
       [&](const std::string& text) { parsed.limits = parse_regression_limits(text); }},
      {"--out", "DIR", "the runs and bench.{json,md,html} in DIR (default runs/bench-<name>/<UTC time>/)",
       [&](const std::string& dir) { parsed.out = dir; }},
      {"--fake-nginx", "PATH", "the fake-nginx executable (default: beside hotdeploy, or $HOTDEPLOY_FAKE_NGINX)",
       [&](const std::string& path) { parsed.fake_nginx = fs::absolute(path); }},
      {"--require-isolation", "", "exit 3 rather than run without a PID namespace",
       [&](const std::string&) { parsed.require_isolation = true; }},
      {"-v", "", "the runs' log lines (info) on stderr",
       [&](const std::string&) { parsed.log_level = spdlog::level::info; }},
  };
}

BenchArguments parse_bench_arguments(const std::vector<std::string>& args) {
  BenchArguments parsed;
  parsed.operands = parse_options(args, 1, bench_options(parsed));
  if (parsed.operands.size() != 1) throw UsageError("bench needs exactly one scenario FILE");
  return parsed;
}

YAML::Node load_yaml(const fs::path& file, const std::string& what) {
  try {
    return YAML::LoadFile(file.string());
  } catch (const YAML::BadFile&) {
    throw ScenarioError(what + " " + file.string() + ": cannot read the file");
  } catch (const YAML::Exception& e) {
    throw ScenarioError(what + " " + file.string() + ":" + std::to_string(e.mark.line + 1) + ":" +
                        std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
}

bool is_binary_keyword(const std::string& name) {
  return name == "default" || name == "fake" || name == "nginx" || name == kMissingBinary;
}

// Side B's scenario text: the file with --vs-config and --vs-faults applied, binary paths made
// absolute (the text is kept in another directory). nullopt when neither option is given.
std::optional<std::string> side_b_text(const BenchArguments& arguments, const fs::path& scenario_file) {
  if (!arguments.vs_config && !arguments.vs_faults) return std::nullopt;
  auto root = load_yaml(scenario_file, "scenario");
  if (!root.IsMap()) throw ScenarioError(scenario_file.string() + ": not a scenario (a YAML mapping)");
  auto target = root["target"];
  if (arguments.vs_config) {
    const auto config = load_yaml(*arguments.vs_config, "--vs-config");
    if (!config.IsMap()) {
      throw UsageError("--vs-config " + arguments.vs_config->string() + ": not a YAML mapping of target keys");
    }
    for (const auto& entry : config) {
      const auto key = entry.first.as<std::string>();
      if (std::find(kConfigKeys.begin(), kConfigKeys.end(), key) == kConfigKeys.end()) {
        throw UsageError("--vs-config " + arguments.vs_config->string() + ": '" + key +
                         "' is not a configuration key (workers, directives, reuseport, daemon, sysctls)");
      }
      target[key] = YAML::Clone(entry.second);
    }
  }
  if (arguments.vs_faults) {
    YAML::Node list(YAML::NodeType::Sequence);
    for (const auto& fault : arguments.vs_faults->faults) {
      const auto equals = fault.find('=');
      if (equals == std::string::npos) {
        list.push_back(fault);
      } else {
        YAML::Node item;
        item[fault.substr(0, equals)] = fault.substr(equals + 1);
        list.push_back(item);
      }
    }
    target["faults"][arguments.vs_faults->which] = list;
  }
  for (const char* key : {"binary", "new_binary"}) {
    if (!target[key] || !target[key].IsScalar()) continue;
    const auto name = target[key].as<std::string>();
    if (!is_binary_keyword(name) && fs::path(name).is_relative()) {
      target[key] = (fs::absolute(scenario_file).parent_path() / name).lexically_normal().string();
    }
  }
  std::string changes;
  for (const auto& change : arguments.b_changes) changes += " " + change;
  return "# " + scenario_file.string() + " as side B of `hotdeploy bench` runs it:" + changes + "\n" +
         YAML::Dump(root) + "\n";
}

bool carries_faults(const Scenario& scenario) {
  return !scenario.target.binary.faults.empty() || !scenario.target.new_binary.faults.empty();
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

struct Side {
  std::string name;  // "A" or "B"
  std::string changes;
  Scenario scenario;
  std::optional<std::string> text;  // B's own scenario text, kept as OUT/B.yaml
  BinaryLocations binaries;
};

void check_executable(const fs::path& path, const std::string& option) {
  std::error_code error;
  if (!fs::is_regular_file(path, error)) throw EnvironmentError(option + " " + path.string() + ": not found");
  if (::access(path.c_str(), X_OK) != 0) throw EnvironmentError(option + " " + path.string() + ": not executable");
}

// The two sides, parsed and checked, before anything runs.
std::pair<Side, Side> plan_sides(const BenchArguments& arguments, const fs::path& default_fake_nginx) {
  const fs::path scenario_file = arguments.operands.front();
  std::error_code error;
  if (fs::is_directory(scenario_file, error)) {
    throw UsageError("bench compares one scenario: " + scenario_file.string() + " is a directory");
  }
  Side a{"A", "the scenario as `hotdeploy run` runs it", parse_scenario_file(scenario_file.string()), {}, {}};
  Side b{"B", "", a.scenario, side_b_text(arguments, scenario_file), {}};
  if (b.text) {
    std::string changes;
    for (const auto& change : arguments.b_changes) changes += " " + change;
    b.scenario = parse_scenario_text(*b.text, scenario_file.string() + " with" + changes);
  }
  b.changes = arguments.b_changes.empty() ? "the same as A (an A/A test)" : "";
  for (const auto& change : arguments.b_changes) b.changes += (b.changes.empty() ? "" : ", ") + change;
  for (auto* side : {&a, &b}) {
    auto& scenario = side->scenario;
    const bool is_b = side == &b;
    if (arguments.target) scenario.target.kind = *arguments.target;
    if (is_b && arguments.vs_target) scenario.target.kind = *arguments.vs_target;
    if (arguments.new_binary) scenario.target.new_binary.name = arguments.new_binary->string();
    if (is_b && arguments.vs_new_binary) scenario.target.new_binary.name = arguments.vs_new_binary->string();
    if (scenario.target.kind == TargetKind::nginx && carries_faults(scenario)) {
      throw UsageError("side " + side->name + "'s binaries carry fake-nginx faults, so it cannot run on nginx");
    }
    side->binaries.fake_nginx = arguments.fake_nginx.value_or(default_fake_nginx);
    if (arguments.nginx) side->binaries.real_nginx = *arguments.nginx;
    if (is_b && arguments.vs_nginx) side->binaries.real_nginx = *arguments.vs_nginx;
  }
  if (arguments.target || arguments.nginx || arguments.new_binary) {
    std::string given;
    if (arguments.target)
      given += std::string(", --target ") + (*arguments.target == TargetKind::fake ? "fake" : "nginx");
    if (arguments.nginx) given += ", --nginx " + arguments.nginx->string();
    if (arguments.new_binary) given += ", --new-binary " + arguments.new_binary->string();
    a.changes += " (" + given.substr(2) + ")";
  }
  // Options that change nothing would make an A/B test compare the same thing and call it a finding.
  if ((arguments.nginx && !uses_real_nginx(a.scenario) && !uses_real_nginx(b.scenario)) ||
      (arguments.vs_nginx && !uses_real_nginx(b.scenario))) {
    throw UsageError(std::string(arguments.vs_nginx ? "--vs-nginx" : "--nginx") +
                     " is not used: the side runs on fake-nginx and names no nginx (add --target nginx)");
  }
  if ((arguments.new_binary && !swaps_in_new_binary(a.scenario)) || arguments.vs_new_binary) {
    if (!swaps_in_new_binary(b.scenario)) {
      throw UsageError("--new-binary / --vs-new-binary is not used: the scenario swaps in no new binary");
    }
  }
  return {std::move(a), std::move(b)};
}

void check_environment(const BenchArguments& arguments, const Side& a, const Side& b) {
  if (arguments.nginx) check_executable(*arguments.nginx, "--nginx");
  if (arguments.vs_nginx) check_executable(*arguments.vs_nginx, "--vs-nginx");
  if (arguments.new_binary) check_executable(*arguments.new_binary, "--new-binary");
  if (arguments.vs_new_binary) check_executable(*arguments.vs_new_binary, "--vs-new-binary");
  check_executable(a.binaries.fake_nginx, "fake-nginx");
  for (const auto* side : {&a, &b}) {
    const auto& target = side->scenario.target;
    std::vector<fs::path> installed = {
        resolve_binary(target.binary.name, target.kind, side->scenario.file, side->binaries)};
    if (target.new_binary.name != kMissingBinary) {
      installed.push_back(resolve_binary(target.new_binary.name, target.kind, side->scenario.file, side->binaries));
    }
    std::error_code error;
    for (const auto& binary : installed) {
      if (fs::equivalent(binary, side->binaries.fake_nginx, error)) {
        check_executable(side->binaries.fake_nginx_stamp(), "fake-nginx-stamp (beside fake-nginx)");
      }
    }
  }
}

// OUT: made fresh, or an earlier bench's directory, whose runs and files are replaced.
fs::path make_bench_directory(const BenchArguments& arguments, const std::string& scenario_name) {
  if (!arguments.out) return make_timestamped_run_directory("runs", "bench-" + scenario_name);
  const auto& out = *arguments.out;
  std::error_code error;
  if (fs::exists(out, error) && !fs::is_empty(out, error)) {
    if (!fs::exists(out / "bench.json", error)) {
      throw EnvironmentError("--out " + out.string() +
                             " holds files that are not an earlier bench; not replacing them");
    }
    for (const char* entry : {"A", "B", "B.yaml", "bench.json", "bench.md", "bench.html"})
      fs::remove_all(out / entry, error);
  }
  fs::create_directories(out, error);
  if (error) throw EnvironmentError("cannot create directory " + out.string() + ": " + error.message());
  return out;
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return in ? one + " " + five + " " + fifteen : "unknown";
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const fs::path& file, const std::string& text) {
  std::ofstream out(file);
  out << text;
  if (!out) throw EnvironmentError("cannot write " + file.string());
}

struct PlannedBenchRun {
  const Side* side;
  int number;
  bool warmup;
};

// The child's work, as `hotdeploy run` does it: one run of the scenario, its exit code.
int run_in_child(const Scenario& scenario, RunOptions options, const harness::RunIsolation& isolation) {
  become_child_subreaper();
  options.isolation = isolation;
  try {
    const auto result = run_scenario(scenario, options);
    if (result.interrupted_by != 0) return 128 + result.interrupted_by;
    return result.judgement.verdict == harness::Verdict::pass ? kExitPass : kExitFail;
  } catch (const EnvironmentError& e) {
    std::ofstream(options.run_dir / "error.txt") << e.what();
    return kExitEnvironment;
  } catch (const std::exception& e) {
    std::ofstream(options.run_dir / "error.txt") << "internal error: " << e.what();
    return kExitEnvironment;
  }
}

BenchRunRecord record_run(const PlannedBenchRun& planned, const fs::path& bench_dir, const fs::path& run_dir, int code,
                          double seconds) {
  BenchRunRecord record{planned.side->name,
                        planned.number,
                        planned.warmup,
                        fs::relative(run_dir, bench_dir).string(),
                        "",
                        "",
                        seconds,
                        {}};
  if (code >= 128) {
    record.verdict = "error";
    record.error = "the run process was killed by signal " + std::to_string(code - 128);
  } else if (fs::exists(run_dir / "history.jsonl")) {
    try {
      const auto judgement = harness::rejudge(run_dir, planned.side->scenario.expect);
      record.verdict = std::string(harness::to_string(judgement.verdict));
      record.figures = bench_figures(judgement.metrics);
    } catch (const std::runtime_error& e) {
      record.verdict = "error";
      record.error = e.what();
    }
  } else {
    record.verdict = "error";
    record.error = read_text(run_dir / "error.txt");
    if (record.error.empty()) record.error = "exit status " + std::to_string(code) + " before writing its history";
  }
  return record;
}

std::string progress_line(const BenchRunRecord& record, int of) {
  std::ostringstream line;
  line << record.side << ' ' << (record.warmup ? "warm-up " : "") << record.number << '/' << of << ' '
       << record.verdict;
  for (const auto& metric : bench_metrics()) {
    const auto found = record.figures.find(metric.name);
    if (found != record.figures.end()) line << ' ' << metric.name << ' ' << format_figure(found->second, metric);
  }
  if (!record.error.empty()) line << ": " << record.error;
  return line.str();
}

}  // namespace

std::string bench_options_help() {
  BenchArguments unused;
  return options_help(bench_options(unused));
}

int bench_command(const std::vector<std::string>& args, const fs::path& default_fake_nginx, std::ostream& out) {
  const auto arguments = parse_bench_arguments(args);
  spdlog::set_level(arguments.log_level);
  auto [a, b] = plan_sides(arguments, default_fake_nginx);
  check_environment(arguments, a, b);
  IsolatedRuns runs(arguments.require_isolation);  // from here, SIGINT/SIGTERM/SIGHUP are forwarded to the run
  const auto isolation = runs.decide();
  const auto bench_dir = make_bench_directory(arguments, a.scenario.name);
  if (b.text) {
    const auto file = bench_dir / "B.yaml";
    write_file(file, *b.text);
    b.scenario.file = file.string();  // its copy in each run directory is read from here
  }

  BenchReport report;
  report.scenario = a.scenario.name;
  report.scenario_file = arguments.operands.front();
  report.command = "hotdeploy";
  for (const auto& arg : args) report.command += " " + arg;
  report.started_utc = utc_now();
  report.load_before = load_average();
  report.isolation = harness::describe(isolation);
  report.runs = arguments.runs;
  report.warmup = arguments.warmup;

  std::vector<PlannedBenchRun> planned;
  for (int k = 1; k <= arguments.warmup; ++k) {
    for (const auto* side : {&a, &b}) planned.push_back({side, k, true});
  }
  for (int k = 1; k <= arguments.runs; ++k) {
    for (const auto* side : {&a, &b}) planned.push_back({side, k, false});
  }
  out << "bench " << a.scenario.name << ": " << planned.size() << " runs, A B A B ..., in " << bench_dir.string()
      << std::endl;
  std::vector<fs::path> run_dirs(planned.size());
  std::string stopped_by;
  const bool show_progress = ::isatty(STDOUT_FILENO) == 1;
  const auto prepare = [&](std::size_t i) {
    if (!stopped_by.empty()) throw EnvironmentError(stopped_by);
    const auto& plan = planned[i];
    run_dirs[i] = make_named_run_directory(bench_dir / plan.side->name,
                                           (plan.warmup ? "warmup-" : "") + std::to_string(plan.number));
    const RunOptions options{run_dirs[i], plan.side->binaries};
    const Scenario* scenario = &plan.side->scenario;
    return StartedRun{plan.side->name + " " + std::to_string(plan.number), run_dirs[i],
                      [scenario, options, show_progress](const harness::RunIsolation& given) {
                        if (show_progress) spdlog::default_logger()->sinks().front()->set_level(spdlog::level::err);
                        return run_in_child(*scenario, options, given);
                      }};
  };
  const auto ended = [&](std::size_t i, int code, double seconds) {
    auto record = record_run(planned[i], bench_dir, run_dirs[i], code, seconds);
    out << progress_line(record, planned[i].warmup ? arguments.warmup : arguments.runs) << std::endl;
    if (record.verdict == "error" && !interrupted()) {
      stopped_by = "run " + record.run_dir + " ended without a history: " + record.error;
    }
    report.records.push_back(std::move(record));
  };
  (void)schedule_runs(runs, planned.size(), {1, show_progress, out}, prepare, ended);
  if (interrupted()) return 128 + interrupt_signal();
  if (!stopped_by.empty()) throw EnvironmentError(stopped_by);
  report.load_after = load_average();

  std::vector<std::map<std::string, double>> a_runs, b_runs;
  for (const auto& record : report.records) {
    if (record.warmup) continue;
    (record.side == "A" ? a_runs : b_runs).push_back(record.figures);
  }
  report.a = {"A", a.changes, read_run_subject(bench_dir / "A" / "1")};
  report.b = {"B", b.changes, read_run_subject(bench_dir / "B" / "1")};
  report.comparisons = compare_sides(a_runs, b_runs);
  report.gate = apply_gate(arguments.limits, report.comparisons);
  write_file(bench_dir / "bench.json", bench_json(report));
  write_file(bench_dir / "bench.md", bench_markdown(report));
  write_file(bench_dir / "bench.html", bench_html(report));
  write_bench_text(report, out);
  out << "files: " << (bench_dir / "bench.json").string() << ", bench.md, bench.html" << std::endl;
  const bool regression =
      std::any_of(report.gate.begin(), report.gate.end(), [](const GateResult& g) { return g.exceeded; });
  return regression ? kExitFail : kExitPass;
}

}  // namespace hotdeploy::orchestrator
