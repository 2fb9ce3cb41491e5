// What a run ran, as every artifact states it: the target kind ("fake" or "nginx") and each
// binary the scenario installed -- its role ("binary", the first master's; "new_binary", the one
// `swap_binary: new` installs), the path it came from, what `-v` printed (nginx's version line,
// or fake-nginx's with its version label) and the SHA-256 of the copy that ran. An empty target
// means the run's identity is not known (a history judged without its run directory's record).
#pragma once

#include <string>
#include <vector>

namespace hotdeploy::harness {

struct BinaryRecord {
  std::string role;
  std::string path;
  std::string version;
  std::string sha256;
};

struct RunSubject {
  std::string target;
  std::vector<BinaryRecord> binaries;
};

// "on nginx: binary /usr/sbin/nginx (nginx version: nginx/1.22.1, sha256 3f5a...)" with the hash
// cut to `hash_chars` (0: whole); "" when the target is not known.
[[nodiscard]] std::string describe_subject(const RunSubject& subject, std::size_t hash_chars);

}  // namespace hotdeploy::harness
