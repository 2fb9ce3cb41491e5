#include "orchestrator/installed_files.h"

#include "orchestrator/environment_error.h"

namespace hotdeploy::orchestrator {
namespace fs = std::filesystem;

fs::path installed_scenario_dir() {
  std::error_code error;
  const auto self = fs::read_symlink("/proc/self/exe", error);
  if (error) throw EnvironmentError("cannot read /proc/self/exe to find the scenario library: " + error.message());
  return self.parent_path().parent_path() / "share" / "hotdeploy" / "scenarios";
}

fs::path default_scenario_dir() {
  const fs::path here = "scenarios";
  std::error_code error;
  if (fs::is_directory(here, error)) return here;
  const auto installed = installed_scenario_dir();
  if (fs::is_directory(installed, error)) return installed;
  throw EnvironmentError("no scenario library: neither ./scenarios nor " + installed.string() +
                         " is a directory; name a DIR");
}

}  // namespace hotdeploy::orchestrator
