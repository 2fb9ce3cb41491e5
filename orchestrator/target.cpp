#include "orchestrator/target.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "orchestrator/environment_error.h"
#include "orchestrator/nginx_conf.h"
#include "orchestrator/process_control.h"
#include "orchestrator/sha256.h"
#include "orchestrator/user_config_environment.h"

namespace hotdeploy::orchestrator {
namespace fs = std::filesystem;

namespace {

void make_directory(const fs::path& path) {
  std::error_code error;
  fs::create_directories(path, error);
  if (error) throw EnvironmentError("cannot create directory " + path.string() + ": " + error.message());
}

bool same_file(const fs::path& a, const fs::path& b) {
  std::error_code error;
  return fs::equivalent(a, b, error);
}

// A copy of fake-nginx carrying its label and faults, written by fake-nginx-stamp.
void install_stamped(const BinaryLocations& binaries, const BinarySpec& spec, const fs::path& to) {
  std::vector<std::string> argv = {binaries.fake_nginx_stamp().string(),
                                   "--from",
                                   binaries.fake_nginx.string(),
                                   "--to",
                                   to.string(),
                                   "--version",
                                   spec.version};
  for (const auto& fault : spec.faults) {
    argv.push_back("--fault");
    argv.push_back(fault);
  }
  const auto stamped = run_to_completion(argv, std::chrono::seconds(30));
  if (stamped.exit_code != 0) {
    throw EnvironmentError("cannot stamp " + to.string() + " with " + binaries.fake_nginx_stamp().string() + " (exit " +
                           std::to_string(stamped.exit_code) + "): " + stamped.stderr_text);
  }
}

void install_copy(const fs::path& from, const fs::path& to) {
  std::error_code error;
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, error);
  if (!error)
    fs::permissions(to,
                    fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec | fs::perms::others_read |
                        fs::perms::others_exec,
                    error);
  if (error) throw EnvironmentError("cannot copy " + from.string() + " to " + to.string() + ": " + error.message());
}

// rename(2) replaces `to` atomically; a hard link first keeps the file that `to` held.
void replace_keeping(const fs::path& incoming, const fs::path& installed, const fs::path& keep_as) {
  std::error_code error;
  fs::remove(keep_as, error);
  if (::link(installed.c_str(), keep_as.c_str()) != 0) {
    throw EnvironmentError("cannot keep " + installed.string() + " as " + keep_as.string() + ": " +
                           std::system_category().message(errno));
  }
  if (::rename(incoming.c_str(), installed.c_str()) != 0) {
    throw EnvironmentError("cannot rename " + incoming.string() + " to " + installed.string() + ": " +
                           std::system_category().message(errno));
  }
}

// The body real nginx sends for /held.
void write_held_file(const fs::path& path, std::uint64_t bytes) {
  std::ofstream out(path, std::ios::binary);
  const std::string block(64 * 1024, 'h');
  for (std::uint64_t left = bytes; left > 0;) {
    const auto n = std::min<std::uint64_t>(left, block.size());
    out.write(block.data(), static_cast<std::streamsize>(n));
    left -= n;
  }
  if (!out) throw EnvironmentError("cannot write " + path.string());
}

// `installed -v`: nginx prints its version line on stderr (fake-nginx too, with its label).
std::string version_of(const fs::path& installed) {
  constexpr auto kVersionDeadline = std::chrono::seconds(10);
  const auto completed = run_to_completion({installed.string(), "-v"}, kVersionDeadline);
  std::string text = completed.stderr_text;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (completed.exit_code < 0) return "(-v did not exit within " + std::to_string(kVersionDeadline.count()) + " s)";
  if (completed.exit_code != 0 || text.empty()) {
    return "(-v ended with exit code " + std::to_string(completed.exit_code) + ": " + text + ")";
  }
  return text;
}

}  // namespace

fs::path resolve_binary(const std::string& name, TargetKind kind, const fs::path& scenario_file,
                        const BinaryLocations& binaries) {
  fs::path path;
  if (name == "fake" || (name == "default" && kind == TargetKind::fake)) {
    path = binaries.fake_nginx;
  } else if (name == "nginx" || name == "default") {
    path = binaries.real_nginx;
  } else {
    path = name;
    if (path.is_relative()) path = scenario_file.parent_path() / path;
  }
  std::error_code error;
  if (!fs::is_regular_file(path, error)) {
    throw EnvironmentError("binary " + path.string() + " (from '" + name + "' in " + scenario_file.string() +
                           "): not found");
  }
  if (::access(path.c_str(), X_OK) != 0) {
    throw EnvironmentError("binary " + path.string() + " (from '" + name + "' in " + scenario_file.string() +
                           "): not executable");
  }
  return path;
}

Target Target::prepare(const Scenario& scenario, const fs::path& run_dir, const BinaryLocations& binaries,
                       std::uint16_t port, const harness::RunIsolation& isolation) {
  const auto& spec = scenario.target;
  const bool next_missing = spec.new_binary.name == kMissingBinary;
  Target target(fs::absolute(run_dir / "prefix"), scenario, port, next_missing);
  target.subject_.target = spec.kind == TargetKind::fake ? "fake" : "nginx";
  for (const char* dir : {"sbin", "conf", "logs", "html", "temp"}) make_directory(target.prefix_ / dir);
  const auto install = [&](const BinarySpec& binary, const fs::path& to) {
    const auto from = resolve_binary(binary.name, spec.kind, scenario.file, binaries);
    if (same_file(from, binaries.fake_nginx)) {
      install_stamped(binaries, binary, to);
    } else if (!binary.faults.empty()) {
      throw EnvironmentError("binary " + from.string() + " is not fake-nginx and cannot carry faults");
    } else {
      install_copy(from, to);
    }
    target.subject_.binaries.push_back(
        {&binary == &spec.binary ? "binary" : "new_binary", from.string(), version_of(to), sha256_file_hex(to)});
  };
  install(spec.binary, target.executable());
  if (!next_missing) install(spec.new_binary, target.prefix_ / "sbin" / "nginx.next");

  if (!spec.config.empty()) {
    if (scenario.load.tls.enabled) {
      throw EnvironmentError(
          "load: scheme https serves the run's own test certificate, which needs hotdeploy's "
          "generated nginx.conf; target.config " +
          spec.config + " has certificates of its own");
    }
    target.prepare_user_config(run_dir, isolation);
    return target;
  }
  write_held_file(target.prefix_ / "html" / "held.bin", target.held_bytes_);
  if (scenario.load.tls.enabled) {
    const fs::path tls_dir = fs::absolute(run_dir / "tls");
    make_directory(tls_dir);
    try {
      target.tls_ = harness::write_test_certificates(tls_dir, scenario.load.tls.server_name);
      target.tls_load_ = scenario.load.tls;
      target.tls_load_->ca_file = target.tls_->ca_certificate.string();
    } catch (const std::runtime_error& e) {
      throw EnvironmentError(e.what());
    }
  }
  target.write_conf_file(false);
  return target;
}

void Target::prepare_user_config(const fs::path& run_dir, const harness::RunIsolation& isolation) {
  if (const auto missing = missing_for_user_config(isolation); !missing.empty()) throw EnvironmentError(missing);
  run_dir_ = fs::absolute(run_dir);
  user_config_ = read_user_config(spec_.config, read_build_defaults(executable()), ::geteuid() == 0);
  if (user_config_->problem) {
    throw EnvironmentError("target.config: cannot read the config: " + *user_config_->problem);
  }
  const auto* listen = load_address(*user_config_);
  if (!listen) {
    throw EnvironmentError("target.config " + spec_.config +
                           ": no http server listens where the load can reach it (a port alone, *, 0.0.0.0, "
                           "127.0.0.1 or localhost)");
  }
  port_ = listen->port;
  const auto environment =
      prepare_config_environment(*user_config_, run_dir_ / "config-as-run", run_dir_ / "private", {run_dir_});
  std::string started_as;
  for (const auto& word : master_argv()) started_as += (started_as.empty() ? "" : " ") + word;
  const auto changes = describe_changes(*user_config_, environment, "config-as-run", "private", started_as);
  {
    std::ofstream out(run_dir_ / "config-changes.txt");
    out << changes;
    if (!out) throw EnvironmentError("cannot write " + (run_dir_ / "config-changes.txt").string());
  }
  enter_config_environment(environment, isolation);
  spdlog::info(
      "target.config {}: {} X-Worker-Pid line(s) added, {} directory(ies) of the run's own mounted; "
      "config-changes.txt says what and why",
      spec_.config, user_config_->injections.size(), environment.directories.size());
}

fs::path Target::pid_file() const { return user_config_ ? user_config_->pid_file : prefix_ / "logs" / "nginx.pid"; }

fs::path Target::error_log() const {
  if (!user_config_) return prefix_ / "logs" / "error.log";
  if (user_config_->error_log == "stderr") return run_dir_ / "nginx.stderr";
  // syslog: and memory: logs leave no file to read: the observer then goes by titles and pid files.
  if (user_config_->error_log.empty()) return run_dir_ / "no-error-log-file";
  return user_config_->error_log;
}

void Target::write_conf_file(bool broken) const {
  const auto conf_path = prefix_ / "conf" / "nginx.conf";
  const auto staged = prefix_ / "conf" / "nginx.conf.next";
  std::ofstream conf(staged);
  conf << render_nginx_conf(
      {spec_, scenario_name_, port_, held_bytes_, held_seconds_, broken, tls_ ? &*tls_ : nullptr});
  conf.close();
  if (!conf) throw EnvironmentError("cannot write " + staged.string());
  if (::rename(staged.c_str(), conf_path.c_str()) != 0) {
    throw EnvironmentError("cannot rename " + staged.string() + " to " + conf_path.string() + ": " +
                           std::system_category().message(errno));
  }
}

void Target::write_config(const ConfigStep& change) {
  if (user_config_) throw EnvironmentError("a config step rewrites hotdeploy's own nginx.conf, not target.config");
  if (change.workers) spec_.workers = *change.workers;
  for (const auto& [name, value] : change.directives) spec_.directives[name] = value;
  write_conf_file(change.broken);
}

std::filesystem::path Target::config_file() const {
  return user_config_ ? user_config_->main_file : prefix_ / "conf" / "nginx.conf";
}

std::vector<std::string> Target::master_argv() const {
  if (user_config_) return {executable().string(), "-c", user_config_->main_file.string()};
  return {executable().string(), "-p", prefix_.string() + "/", "-c", "conf/nginx.conf"};
}

void Target::swap_binary(BinaryChoice which) const {
  const auto sbin = prefix_ / "sbin";
  std::error_code error;
  if (next_missing_ && which == BinaryChoice::next) {
    fs::rename(executable(), sbin / "nginx.old", error);
    if (error)
      throw EnvironmentError("swap_binary: cannot move " + executable().string() + " away: " + error.message());
    return;
  }
  if (next_missing_ && !fs::exists(executable(), error)) {
    fs::rename(sbin / "nginx.old", executable(), error);
    if (error) throw EnvironmentError("swap_binary: cannot put back " + executable().string() + ": " + error.message());
    return;
  }
  const auto incoming = which == BinaryChoice::next ? sbin / "nginx.next" : sbin / "nginx.old";
  const auto keep_as = which == BinaryChoice::next ? sbin / "nginx.old" : sbin / "nginx.next";
  if (!fs::exists(incoming, error)) {
    throw EnvironmentError("swap_binary: " + incoming.string() + " does not exist (already swapped?)");
  }
  replace_keeping(incoming, executable(), keep_as);
}

}  // namespace hotdeploy::orchestrator
