#include "orchestrator/user_config_check.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "orchestrator/environment_error.h"
#include "orchestrator/process_control.h"
#include "orchestrator/scenario_parser.h"
#include "orchestrator/user_config_environment.h"

namespace hotdeploy::orchestrator {
namespace fs = std::filesystem;

namespace {

constexpr auto kTestDeadline = std::chrono::seconds(30);
constexpr int kRejected = 2;

// A directory of the check's own, removed when the check ends.
class CheckDirectory {
 public:
  explicit CheckDirectory(const fs::path& work_dir) {
    std::error_code error;
    fs::create_directories(work_dir, error);
    auto pattern = (fs::absolute(work_dir) / ".config-check-XXXXXX").string();
    if (error || ::mkdtemp(pattern.data()) == nullptr) {
      throw EnvironmentError("cannot make a directory in " + work_dir.string() + " to check target.config in");
    }
    path_ = pattern;
  }
  ~CheckDirectory() {
    std::error_code error;
    fs::remove_all(path_, error);
  }
  CheckDirectory(const CheckDirectory&) = delete;
  CheckDirectory& operator=(const CheckDirectory&) = delete;
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void check_one(const Scenario& scenario, const BinaryLocations& binaries, IsolatedRuns& runs,
               const fs::path& work_dir) {
  const fs::path config_path = scenario.target.config;
  std::error_code error;
  if (!fs::is_regular_file(config_path, error)) {
    throw ScenarioError(scenario.file + ": target.config " + config_path.string() + ": no such file");
  }
  const auto& isolation = runs.decide();
  if (const auto missing = missing_for_user_config(isolation); !missing.empty()) throw EnvironmentError(missing);
  const auto binary = resolve_binary(scenario.target.binary.name, scenario.target.kind, scenario.file, binaries);
  const auto config = read_user_config(config_path, read_build_defaults(binary), ::geteuid() == 0);
  const CheckDirectory directory(work_dir);
  const auto environment = prepare_config_environment(config, directory.path() / "config-as-run",
                                                      directory.path() / "private", {directory.path()});
  const auto output = directory.path() / "nginx-t.txt";
  const pid_t child = runs.start([&](const harness::RunIsolation& granted) {
    std::ofstream out(output);
    try {
      enter_config_environment(environment, granted);
      const auto tested = run_to_completion({binary.string(), "-t", "-c", config.main_file.string()}, kTestDeadline);
      out << tested.stderr_text;
      if (tested.exit_code < 0) out << "nginx -t did not end within " << kTestDeadline.count() << " s\n";
      return tested.exit_code == 0 ? 0 : tested.exit_code < 0 ? 3 : kRejected;
    } catch (const std::exception& e) {
      out << e.what();
      return 3;
    }
  });
  int code = 0;
  while (true) {
    const auto [pid, status] = runs.wait_any();
    if (pid == child) {
      code = status;
      break;
    }
  }
  auto said = read_text(output);
  while (!said.empty() && said.back() == '\n') said.pop_back();
  const std::string what = scenario.file + ": target.config " + config.main_file.string();
  if (code == kRejected) throw ScenarioError(what + ": nginx -t rejects it:\n" + said);
  if (code != 0)
    throw EnvironmentError(what + ": cannot test it with nginx -t (exit " + std::to_string(code) + "): " + said);
  if (config.problem) {
    throw ScenarioError(what + ": nginx -t accepts it, but hotdeploy cannot read it: " + *config.problem);
  }
  if (!load_address(config)) {
    throw ScenarioError(what +
                        ": no http server listens where the load can reach it (a port alone, *, 0.0.0.0, 127.0.0.1 or "
                        "localhost)");
  }
}

}  // namespace

void check_user_configs(const std::vector<Scenario>& scenarios, const BinaryLocations& binaries, IsolatedRuns& runs,
                        const fs::path& work_dir) {
  for (const auto& scenario : scenarios) {
    if (!scenario.target.config.empty()) check_one(scenario, binaries, runs, work_dir);
  }
}

}  // namespace hotdeploy::orchestrator
