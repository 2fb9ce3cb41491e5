#include "orchestrator/run_directory.h"

#include <ctime>

#include "orchestrator/environment_error.h"

namespace hotdeploy::orchestrator {
namespace fs = std::filesystem;

namespace {

std::string utc_stamp() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &utc);
  return text;
}

void create_parent(const fs::path& path) {
  std::error_code error;
  fs::create_directories(path, error);
  if (error) throw EnvironmentError("cannot create directory " + path.string() + ": " + error.message());
}

// Only directories that hotdeploy itself filled may be replaced.
bool holds_only_a_run(const fs::path& dir) {
  std::error_code error;
  if (fs::is_empty(dir, error)) return true;
  return fs::exists(dir / "result.json", error) || fs::exists(dir / "history.jsonl", error) ||
         fs::exists(dir / "hotdeploy.log", error);
}

}  // namespace

fs::path make_timestamped_run_directory(const fs::path& root, const std::string& scenario_name) {
  const auto scenario_dir = root / scenario_name;
  create_parent(scenario_dir);
  const auto stamp = utc_stamp();
  for (int attempt = 1; attempt <= 1000; ++attempt) {
    const auto leaf = attempt == 1 ? stamp : stamp + "-" + std::to_string(attempt);
    std::error_code error;
    if (!fs::create_directory(scenario_dir / leaf, error)) {
      if (error)
        throw EnvironmentError("cannot create directory " + (scenario_dir / leaf).string() + ": " + error.message());
      continue;
    }
    const auto latest = scenario_dir / "latest";
    const auto staged = scenario_dir / (".latest-" + leaf);
    fs::create_directory_symlink(leaf, staged, error);
    if (!error) fs::rename(staged, latest, error);
    if (error) throw EnvironmentError("cannot point " + latest.string() + " at " + leaf + ": " + error.message());
    return scenario_dir / leaf;
  }
  throw EnvironmentError("cannot find a free run directory name under " + scenario_dir.string());
}

fs::path make_named_run_directory(const fs::path& out, const std::string& scenario_name) {
  const auto dir = out / scenario_name;
  std::error_code error;
  if (fs::exists(dir, error)) {
    if (!fs::is_directory(dir, error) || !holds_only_a_run(dir)) {
      throw EnvironmentError(dir.string() + " exists and does not hold an earlier hotdeploy run; not replacing it");
    }
    fs::remove_all(dir, error);
    if (error) throw EnvironmentError("cannot clear " + dir.string() + ": " + error.message());
  }
  create_parent(dir);
  return dir;
}

}  // namespace hotdeploy::orchestrator
