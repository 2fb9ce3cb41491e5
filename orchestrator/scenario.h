// The scenario model: what one run does, as parsed and validated from a scenario file
// (format in ../shared/design.md and scenarios/README.md). Procedures such as `upgrade` are
// expanded into primitive steps at parse time, each remembering where it came from, so the
// runner executes one flat list and every report can point back to the file.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "harness/judge/checks.h"
#include "harness/judge/run_comparison.h"
#include "harness/load/load_generator.h"
#include "harness/upstream/upstream_server.h"

namespace hotdeploy::orchestrator {

enum class TargetKind : std::uint8_t { fake, nginx };

// One executable a scenario installs: which binary, and for fake-nginx the version label and
// faults it carries (stamped into the file, so they survive any exec, by fake or real nginx).
struct BinarySpec {
  std::string name = "default";     // default | fake | nginx | a path
  std::string version;              // fake only: the label `nginx -v` and every response show
  std::vector<std::string> faults;  // fake only: "crash_on_start", "slow_start=500ms", ...

  friend bool operator==(const BinarySpec&, const BinarySpec&) = default;
};

struct TargetSpec {
  TargetKind kind = TargetKind::fake;
  int workers = 2;
  BinarySpec binary{"default", "1.0", {}};      // the executable the first master runs
  BinarySpec new_binary{"default", "2.0", {}};  // what `swap_binary: new` puts in its place
  bool reuseport = false;
  std::optional<int> backlog;     // `listen ... backlog=N`; unset: the server's default (511)
  int worker_connections = 4096;  // events { worker_connections N; }
  bool daemon = true;
  std::map<std::string, std::string> directives;  // extra main-level directives, name -> value
  // net.* sysctls set in the run's own network namespace before the first master starts,
  // key ("net.ipv4.tcp_migrate_req") -> value as written
  std::map<std::string, std::string> sysctls;
  // The user's own nginx.conf (absolute: the file's `config`, relative to the scenario file's
  // directory), run instead of a generated one; empty for a generated config.
  std::string config;

  friend bool operator==(const TargetSpec&, const TargetSpec&) = default;
};

// Which master a step addresses: the oldest live one, the newest live one, or a generation.
// `all` (signals only) addresses every live process of the target, masters and workers alike:
// it is how a scenario kills the whole target to prove that the harness sees the damage.
struct MasterRef {
  enum class Kind : std::uint8_t { oldest, newest, generation, all };
  Kind kind = Kind::oldest;
  int generation = 0;

  friend bool operator==(const MasterRef&, const MasterRef&) = default;
};

enum class BinaryChoice : std::uint8_t { next, previous };  // `new` / `old` in the file

struct SwapBinaryStep {
  BinaryChoice which = BinaryChoice::next;

  friend bool operator==(const SwapBinaryStep&, const SwapBinaryStep&) = default;
};
struct SignalStep {
  std::string signal_name;  // "USR2", without the SIG prefix
  int signal_number = 0;
  MasterRef to;

  friend bool operator==(const SignalStep&, const SignalStep&) = default;
};
enum class WaitCondition : std::uint8_t { serving, master_ready, workers_exited, master_exited, log };
struct WaitStep {
  WaitCondition until = WaitCondition::serving;
  MasterRef of;
  std::chrono::milliseconds timeout{5000};
  std::string pattern;  // until log: an ECMAScript regex searched in error.log lines

  friend bool operator==(const WaitStep&, const WaitStep&) = default;
};
struct SleepStep {
  std::chrono::milliseconds duration{0};

  friend bool operator==(const SleepStep&, const SleepStep&) = default;
};
// Rewrites PREFIX/conf/nginx.conf for the next HUP (or USR2): the target's config with these
// changes. `broken` makes the file one nginx rejects (`worker_processes` given twice), the way a
// bad config reaches a reload in production.
struct ConfigStep {
  std::optional<int> workers;
  std::map<std::string, std::string> directives;  // added to, or replacing, the target's
  bool broken = false;

  friend bool operator==(const ConfigStep&, const ConfigStep&) = default;
};

// Runs the user's own procedure (exec_command.h): a program with arguments, or a line for
// /bin/sh -c, from the scenario file's folder, with the target's paths and master pid in its
// environment. It fails the run when it does not exit with expect_exit within timeout.
struct ExecStep {
  std::vector<std::string> argv;  // the program and its arguments; empty when shell_line is set
  std::string shell_line;
  std::chrono::milliseconds timeout{30000};
  int expect_exit = 0;
  std::string directory;  // the scenario file's folder: the command's working directory

  friend bool operator==(const ExecStep&, const ExecStep&) = default;
};

struct Step {
  std::variant<SwapBinaryStep, SignalStep, WaitStep, SleepStep, ConfigStep, ExecStep> action;
  int line = 0;           // line of the step in the scenario file
  std::string procedure;  // "upgrade" when expanded from a procedure, else empty

  friend bool operator==(const Step&, const Step&) = default;
};

struct Scenario {
  std::string file;
  std::string name;
  std::string summary;
  TargetSpec target;
  harness::LoadConfig load;  // host and port are the runner's; the rest comes from `load:`
  // Application servers the run starts before the target and stops after the load (`upstreams:`),
  // each listening on its own loopback host:port in the run's network namespace.
  std::vector<harness::UpstreamConfig> upstreams;
  std::vector<Step> steps;
  harness::Expectations expect;
  // `diff: {allow: [...]}`: the rules by which `hotdeploy diff` may leave this scenario's dropped
  // requests out of the comparison (harness/judge/run_comparison.h)
  harness::DiffAllowances diff_allow;

  friend bool operator==(const Scenario&, const Scenario&) = default;
};

[[nodiscard]] std::string describe(const MasterRef& ref);
[[nodiscard]] std::string describe(WaitCondition condition);
[[nodiscard]] std::string describe(const Step& step);

}  // namespace hotdeploy::orchestrator
