// A run's target: an nginx prefix directory inside the run directory holding the generated
// nginx.conf, the logs, and copies of the binaries, so a swap never touches a system file.
//
//   PREFIX/sbin/nginx       the executable the first master is started with (argv[0])
//   PREFIX/sbin/nginx.next  the new binary, staged for `swap_binary: new`
//   PREFIX/sbin/nginx.old   the previous executable after a swap (the seed's backup)
//
// Swaps are atomic renames: at no moment is PREFIX/sbin/nginx missing, which matters because a
// USR2 execs exactly that path -- unless the scenario's new binary is `missing`, the reference's
// first failure mode: then `swap_binary: new` moves the executable to nginx.old and leaves nothing
// at PREFIX/sbin/nginx, so the new master's execve() fails.
//
// With `target.config` the user's own nginx.conf runs instead of a generated one: the master is
// `PREFIX/sbin/nginx -c CONFIG` (nginx's compiled-in prefix, as the user runs it), inside the run's
// own namespaces (user_config_environment.h). The pid file, error log, workers and port are the
// config's; RUN/config-as-run holds the files as run and RUN/config-changes.txt what was changed.
//
// With `load: {scheme: https}` (hotdeploy's own nginx.conf only) the target serves TLS: a test CA,
// a server certificate for the load's server name and its key are made in RUN/tls/ (ca.pem,
// server.pem, server.key; never kept anywhere else) and the generated config listens `ssl` with them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/load/test_certificates.h"
#include "harness/report/run_subject.h"
#include "orchestrator/scenario.h"
#include "orchestrator/user_config.h"

namespace hotdeploy::orchestrator {

struct BinaryLocations {
  std::filesystem::path fake_nginx;                      // where the build put fake-nginx
  std::filesystem::path real_nginx = "/usr/sbin/nginx";  // Debian's nginx
  // fake-nginx-stamp, which writes a copy of fake-nginx carrying a version label and faults;
  // by default beside fake_nginx.
  [[nodiscard]] std::filesystem::path fake_nginx_stamp() const { return fake_nginx.parent_path() / "fake-nginx-stamp"; }
};

class Target {
 public:
  // Creates PREFIX under run_dir; throws EnvironmentError naming what is missing or unwritable.
  // With target.config it also enters the config's environment (which needs `isolation` to have
  // a mount and network namespace of the run's own) and `port` is unused.
  [[nodiscard]] static Target prepare(const Scenario& scenario, const std::filesystem::path& run_dir,
                                      const BinaryLocations& binaries, std::uint16_t port,
                                      const harness::RunIsolation& isolation);

  [[nodiscard]] const std::filesystem::path& prefix() const { return prefix_; }
  [[nodiscard]] std::filesystem::path executable() const { return prefix_ / "sbin" / "nginx"; }
  [[nodiscard]] std::filesystem::path pid_file() const;
  [[nodiscard]] std::filesystem::path oldbin_file() const { return pid_file().string() + ".oldbin"; }
  // The main error log nginx writes (nginx.stderr in the run directory when the config says stderr).
  [[nodiscard]] std::filesystem::path error_log() const;
  [[nodiscard]] std::filesystem::path config_file() const;
  [[nodiscard]] std::uint16_t port() const { return port_; }
  // With scheme https: the load's TLS settings with the run's test CA as the one trusted.
  [[nodiscard]] const harness::TlsLoad* tls() const { return tls_load_ ? &*tls_load_ : nullptr; }
  [[nodiscard]] int workers() const { return user_config_ ? user_config_->workers : spec_.workers; }
  [[nodiscard]] std::vector<std::string> master_argv() const;
  // What this run runs: the target kind and each installed binary (the path it came from, what
  // the installed copy prints for -v, the installed copy's sha256).
  [[nodiscard]] const harness::RunSubject& subject() const { return subject_; }

  // Rewrites PREFIX/conf/nginx.conf with the change applied on top of the earlier ones (workers
  // and directives stay changed; `broken` holds for this write only). Throws EnvironmentError.
  void write_config(const ConfigStep& change);

  // Puts the staged new binary (next) or the kept previous one (previous) at executable().
  // Throws EnvironmentError when there is nothing to swap in.
  void swap_binary(BinaryChoice which) const;

 private:
  Target(std::filesystem::path prefix, const Scenario& scenario, std::uint16_t port, bool next_missing)
      : prefix_(std::move(prefix)),
        spec_(scenario.target),
        scenario_name_(scenario.name),
        held_bytes_(scenario.load.held.bytes),
        held_seconds_(scenario.load.held.seconds),
        port_(port),
        next_missing_(next_missing) {}

  void write_conf_file(bool broken) const;
  void prepare_user_config(const std::filesystem::path& run_dir, const harness::RunIsolation& isolation);

  std::filesystem::path prefix_;
  TargetSpec spec_;  // as the config now stands
  std::string scenario_name_;
  std::uint64_t held_bytes_;
  double held_seconds_;
  std::uint16_t port_;
  bool next_missing_;
  harness::RunSubject subject_;
  std::optional<UserConfig> user_config_;  // with target.config
  std::filesystem::path run_dir_;
  std::optional<harness::TestCertificateFiles> tls_;  // with scheme https
  std::optional<harness::TlsLoad> tls_load_;          // with scheme https: ca_file set
};

// The binary name of a new binary that does not exist (see Target).
inline constexpr std::string_view kMissingBinary = "missing";

// Resolves a scenario's binary name: "fake" and "nginx" name fake-nginx and Debian's nginx,
// "default" is the one of the target's kind, and a relative path is taken from the scenario
// file's directory. Throws EnvironmentError when the result is not an executable file.
[[nodiscard]] std::filesystem::path resolve_binary(const std::string& name, TargetKind kind,
                                                   const std::filesystem::path& scenario_file,
                                                   const BinaryLocations& binaries);

}  // namespace hotdeploy::orchestrator
