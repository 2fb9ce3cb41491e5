// The run's own network namespace, from inside: bringing its loopback up, and setting the
// scenario's `target.sysctls` (net.* keys only) in it by writing /proc/sys/net/..., which
// always shows the namespace of the process that opens it. Nothing here shells out to `ip` or
// `sysctl`.
#pragma once

#include <string>

namespace hotdeploy::orchestrator {

// Sets IFF_UP on `lo` with SIOCSIFFLAGS; returns false (errno set) when the kernel refuses.
[[nodiscard]] bool bring_loopback_up();
// "net.ipv4.tcp_migrate_req" -> "/proc/sys/net/ipv4/tcp_migrate_req".
[[nodiscard]] std::string sysctl_path(const std::string& key);
// Writes `value` to the sysctl `key`; throws EnvironmentError naming the key, the value and the
// kernel's reason when it cannot be written.
void set_sysctl(const std::string& key, const std::string& value);
// The sysctl's current value, without the trailing newline; throws EnvironmentError naming the
// key when it cannot be read.
[[nodiscard]] std::string read_sysctl(const std::string& key);

}  // namespace hotdeploy::orchestrator
