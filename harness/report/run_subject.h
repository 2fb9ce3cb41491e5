// What a run ran, as every artifact states it: the target kind ("fake" or "nginx") and each
// binary the scenario installed -- its role ("binary", the first master's; "new_binary", the one
// `swap_binary: new` installs), the path it came from, what `-v` printed (nginx's version line,
// or fake-nginx's with its version label) and the SHA-256 of the copy that ran. An empty target
// means the run's identity is not known (a history judged without its run directory's record).
// With it, how the run was kept apart from the host (isolation), when the run directory says so.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace hotdeploy::harness {

struct BinaryRecord {
  std::string role;
  std::string path;
  std::string version;
  std::string sha256;
};

// How a run was kept apart from the host: `mode` is "pid_namespace" (root), "user_namespace" (a
// PID namespace inside a user namespace, without root) or "none" (subreaper and cleanup only);
// `refused` says, for "none", why each namespace was refused (the kernel's errno text). Likewise
// whether the run had a network namespace of its own and, if not, why.
struct RunIsolation {
  std::string mode = "none";
  std::string refused;
  bool network_namespace = false;
  std::string network_refused;
};

struct RunSubject {
  std::string target;
  std::vector<BinaryRecord> binaries;
  std::optional<RunIsolation> isolation = std::nullopt;  // not recorded (runs saved before it was)
};

// The report's one line about isolation: "isolation: user_namespace, network namespace: yes".
[[nodiscard]] std::string describe(const RunIsolation& isolation);

// "on nginx: binary /usr/sbin/nginx (nginx version: nginx/1.22.1, sha256 3f5a...)" with the hash
// cut to `hash_chars` (0: whole); "" when the target is not known.
[[nodiscard]] std::string describe_subject(const RunSubject& subject, std::size_t hash_chars);

}  // namespace hotdeploy::harness
