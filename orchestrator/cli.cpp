#include "orchestrator/cli.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <exception>
#include <functional>
#include <ostream>

#include "orchestrator/environment_error.h"
#include "orchestrator/interrupt.h"
#include "orchestrator/process_control.h"
#include "orchestrator/run_isolation.h"
#include "orchestrator/runner.h"
#include "orchestrator/scenario_parser.h"

namespace hotdeploy::orchestrator {
namespace fs = std::filesystem;

namespace {

constexpr const char* usage_text =
    "usage: hotdeploy run FILE [--target fake|nginx] [--nginx PATH] [--out DIR] [--fake-nginx PATH] [-v|-q]\n"
    "       hotdeploy --help | --version\n"
    "\n"
    "Runs an nginx upgrade or rollback scenario under load and judges whether any request was lost.\n"
    "\n"
    "  run FILE          run the scenario in FILE (YAML; see scenarios/README.md)\n"
    "  --target KIND     run on fake-nginx or on real nginx, whatever the scenario's target.kind\n"
    "                    (a scenario whose binaries carry faults runs only on fake)\n"
    "  --nginx PATH      the real nginx executable (default /usr/sbin/nginx, Debian's)\n"
    "  --out DIR         write the run's files to DIR/<name>/ (default: runs/<name>/<UTC time>/,\n"
    "                    with runs/<name>/latest pointing at the newest)\n"
    "  --fake-nginx PATH the fake-nginx executable for target kind fake (default: next to hotdeploy,\n"
    "                    or $HOTDEPLOY_FAKE_NGINX)\n"
    "  -v                debug logging    -q  only the verdict and errors\n"
    "\n"
    "Exit status: 0 pass, 1 a scenario failed, 2 usage or invalid scenario, 3 environment\n"
    "(binary missing, directory unwritable), 128+N when interrupted by signal N.\n";

struct RunArguments {
  std::string file;
  std::optional<TargetKind> target;
  std::optional<fs::path> nginx;
  std::optional<fs::path> out;
  std::optional<fs::path> fake_nginx;
  spdlog::level::level_enum log_level = spdlog::level::info;
};

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

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

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
    } else if (arg == "--fake-nginx") {
      parsed.fake_nginx = value("--fake-nginx");
    } else if (arg == "-v") {
      parsed.log_level = spdlog::level::debug;
    } else if (arg == "-q") {
      parsed.log_level = spdlog::level::warn;
    } else if (!arg.empty() && arg[0] == '-') {
      throw UsageError("unknown option '" + arg + "'");
    } else if (parsed.file.empty()) {
      parsed.file = arg;
    } else {
      throw UsageError("run takes one scenario file, got a second: '" + arg + "'");
    }
  }
  if (parsed.file.empty()) throw UsageError("run needs a scenario FILE");
  return parsed;
}

// --target: the scenario's default binaries become those of `kind`. Faults and version labels are
// stamped into fake-nginx copies, so a scenario that sets faults cannot run on real nginx.
void retarget(Scenario& scenario, TargetKind kind) {
  if (kind == TargetKind::nginx && (!scenario.target.binary.faults.empty() || !scenario.target.new_binary.faults.empty())) {
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

int run_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const auto arguments = parse_run_arguments(args);
  spdlog::set_level(arguments.log_level);
  auto scenario = parse_scenario_file(arguments.file);
  if (arguments.target) retarget(scenario, *arguments.target);
  RunOptions options;
  options.out = arguments.out;
  options.binaries.fake_nginx = arguments.fake_nginx.value_or(default_fake_nginx());
  if (arguments.nginx) options.binaries.real_nginx = *arguments.nginx;
  const auto run = [&] {
    return with_exit_codes(
        [&] {
          install_interrupt_handlers();
          become_child_subreaper();
          const auto result = run_scenario(scenario, options);
          out << verdict_line(scenario, result) << '\n' << "files: " << result.run_dir.string() << std::endl;
          if (result.interrupted_by != 0) return 128 + result.interrupted_by;
          return result.judgement.verdict == harness::Verdict::pass ? exit_pass : exit_fail;
        },
        err);
  };
  if (const auto code = run_in_pid_namespace(run)) return *code;
  spdlog::debug("no PID namespace (not permitted here): the run relies on subreaping and cleanup");
  return run();
}

int dispatch(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    (args.empty() ? err : out) << usage_text;
    return args.empty() ? exit_usage : exit_pass;
  }
  if (args[0] == "--version") {
    out << "hotdeploy " << HOTDEPLOY_VERSION << '\n';
    return exit_pass;
  }
  if (args[0] == "run") {
    if (args.size() == 2 && (args[1] == "--help" || args[1] == "-h")) {
      out << usage_text;
      return exit_pass;
    }
    return run_command(args, out, err);
  }
  throw UsageError("unknown command '" + args[0] + "'");
}

}  // namespace

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  return with_exit_codes([&] { return dispatch(args, out, err); }, err);
}

}  // namespace hotdeploy::orchestrator
