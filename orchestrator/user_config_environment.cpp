#include "orchestrator/user_config_environment.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "orchestrator/environment_error.h"
#include "orchestrator/run_isolation_mounts.h"
#include "orchestrator/run_isolation_network.h"

namespace hotdeploy::orchestrator {
namespace fs = std::filesystem;

namespace {

bool is_within(const fs::path& inner, const fs::path& outer) {
  const auto relative = inner.lexically_normal().lexically_relative(outer.lexically_normal());
  return !relative.empty() && *relative.begin() != "..";
}

fs::path under(const fs::path& root, const fs::path& absolute) { return root / absolute.relative_path(); }

void make_directories(const fs::path& path) {
  std::error_code error;
  fs::create_directories(path, error);
  if (error) throw EnvironmentError("cannot create directory " + path.string() + ": " + error.message());
}

void write_file(const fs::path& path, const std::string& text) {
  make_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) throw EnvironmentError("cannot write " + path.string());
}

// The existing directory a written path needs mounted, canonical; empty when there is none.
fs::path mount_point_for(const WrittenDirectory& written) {
  std::error_code error;
  if (fs::is_directory(written.path, error)) return fs::canonical(written.path, error);
  const auto parent = written.path.parent_path();
  if (written.created_by_nginx && fs::is_directory(parent, error)) return fs::canonical(parent, error);
  return {};
}

}  // namespace

ConfigEnvironment prepare_config_environment(const UserConfig& config, const fs::path& as_run_root,
                                             const fs::path& private_root, const std::vector<fs::path>& keep_visible) {
  ConfigEnvironment environment;
  std::map<fs::path, std::vector<std::string>> wanted;
  std::vector<fs::path> nested;  // existing written directories inside another one
  for (const auto& written : config.written) {
    const auto point = mount_point_for(written);
    if (point.empty()) {
      environment.not_mounted.push_back(written.path.string() + " (" + written.why + ")");
      continue;
    }
    if (point == "/") {
      throw EnvironmentError("cannot run the config in a directory of its own: " + written.why +
                             " writes into / itself");
    }
    wanted[point].push_back(written.why);
  }
  std::vector<fs::path> visible = keep_visible;
  for (const auto& file : config.files) visible.push_back(file);
  for (const auto& [point, why] : wanted) {
    const bool inside_another = std::any_of(wanted.begin(), wanted.end(), [&](const auto& other) {
      return other.first != point && is_within(point, other.first);
    });
    if (inside_another) {
      nested.push_back(point);
      continue;
    }
    for (const auto& path : visible) {
      std::error_code error;
      const auto real = fs::weakly_canonical(path, error);
      if (real == point || is_within(real, point)) {
        throw EnvironmentError("cannot give " + point.string() + " a directory of the run's own (" + why.front() +
                               "): it would hide " + path.string() +
                               ", which the run reads or writes; keep logs, pid and temp files out of that directory");
      }
    }
    environment.directories.push_back({point, under(private_root, point), why});
    make_directories(under(private_root, point));
  }
  // A directory inside a mounted one is the same path under PRIVATE: created there, not mounted.
  for (const auto& point : nested) {
    make_directories(under(private_root, point));
    for (auto& directory : environment.directories) {
      if (is_within(point, directory.over)) {
        for (const auto& why : wanted[point]) directory.why.push_back(why + " (in " + point.string() + ")");
      }
    }
  }
  const auto rewritten = rewritten_files(config);
  for (const auto& file : config.files) {
    const auto as_run = under(as_run_root, file);
    const auto changed = rewritten.find(file);
    write_file(as_run, changed != rewritten.end() ? changed->second : config.texts.at(file));
    if (changed != rewritten.end()) environment.files.emplace_back(as_run, file);
  }
  for (const auto& listen : config.listens) {
    if (listen.port != 0 && listen.port < 1024) {
      environment.low_ports.push_back("listen " + (listen.host.empty() ? "" : listen.host + ":") +
                                      std::to_string(listen.port) + " at " + describe(listen.where));
    }
  }
  return environment;
}

std::string missing_for_user_config(const harness::RunIsolation& isolation) {
  if (isolation.mode != "none" && isolation.network_namespace) return "";
  const auto& refused = isolation.mode == "none" ? isolation.refused : isolation.network_refused;
  return "target.config runs the config's own listen ports and absolute paths inside a mount and network namespace "
         "of the run's own (hotdeploy as root, or unprivileged user namespaces allowed); this machine refused them (" +
         refused + ")";
}

void enter_config_environment(const ConfigEnvironment& environment, const harness::RunIsolation& isolation) {
  if (const auto missing = missing_for_user_config(isolation); !missing.empty()) throw EnvironmentError(missing);
  for (const auto& directory : environment.directories) bind_mount(directory.private_dir, directory.over);
  for (const auto& [as_run, original] : environment.files) bind_mount(as_run, original);
  if (!environment.low_ports.empty() && ::geteuid() != 0) {
    set_sysctl("net.ipv4.ip_unprivileged_port_start", "0");
  }
}

std::string describe_changes(const UserConfig& config, const ConfigEnvironment& environment,
                             const std::string& as_run_label, const std::string& private_label,
                             const std::string& started_as) {
  std::ostringstream out;
  out << "hotdeploy ran " << config.main_file.string() << " (" << config.files.size()
      << " file(s) with its includes) as nginx reads it, with the changes below.\n"
      << "The config as run: " << as_run_label << "/<each file's absolute path>.\n\n";
  out << "Changed in the config (each on the line of the block's '{', so nginx's line numbers stay the user's):\n";
  if (config.injections.empty()) out << "  nothing\n";
  for (const auto& injection : config.injections) {
    out << "  " << describe(injection.where) << ": " << injection.block << ": added `" << kWorkerPidHeader
        << "`: " << injection.why << ".\n";
  }
  out << "\nChanged around it, inside the run's own mount and network namespaces only (the host never sees it):\n"
      << "  nginx was started as `" << started_as
      << "`: a copy of the binary in the run directory, so a binary swap touches no system file.\n";
  for (const auto& [as_run, original] : environment.files) {
    out << "  " << original.string() << ": the copy in " << as_run_label << " above is mounted over it.\n";
  }
  for (const auto& directory : environment.directories) {
    out << "  " << directory.over.string() << ": a directory of the run's own (" << private_label
        << directory.over.string() << ") is mounted over it, for:\n";
    for (const auto& why : directory.why) out << "      " << why << "\n";
  }
  if (!environment.low_ports.empty() && ::geteuid() != 0) {
    out << "  net.ipv4.ip_unprivileged_port_start = 0 in the run's network namespace, as nginx does not run as root, "
           "for:\n";
    for (const auto& port : environment.low_ports) out << "      " << port << "\n";
  }
  if (!environment.not_mounted.empty()) {
    out << "\nNot mounted, as they do not exist here (nginx cannot create files there and says so if it tries):\n";
    for (const auto& missing : environment.not_mounted) out << "  " << missing << "\n";
  }
  if (const auto* listen = load_address(config)) {
    // nginx's default server of an address: the one marked default_server, else the first.
    const ListenAddress* answering = listen;
    for (const auto& other : config.listens) {
      if (!other.stream && other.port == listen->port && other.default_server) {
        answering = &other;
        break;
      }
    }
    out << "\nThe default load goes to 127.0.0.1:" << listen->port << " (listen at " << describe(listen->where)
        << "). Its default server answers it (server_name " << answering->server_names << ", listen at "
        << describe(answering->where) << ") unless a server_name matches the load's Host.\n";
  }
  return out.str();
}

}  // namespace hotdeploy::orchestrator
