// The kernel's own TCP books, as seen by the network namespace of the process that reads them:
// /proc/net/netstat (TcpExt:, IpExt:, MPTcpExt:) and /proc/net/snmp (Ip:, Icmp:, Tcp:, Udp:, ...).
// Each file is pairs of lines that share a prefix, the first naming the counters and the second
// holding their values. A counter is named as nstat(8) names it: prefix and name run together
// ("TcpExtListenOverflows", "TcpOutRsts").
//
// A run keeps only kept_kernel_counters(): the ones that say whether a connection was refused,
// reset or dropped in a listen queue. Only a run with its own network namespace reads them, since
// anywhere else the host's other traffic would mix in. Malformed text is a std::runtime_error
// naming the file and the 1-based line, never a crash.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>

namespace hotdeploy::orchestrator {

using KernelCounters = std::map<std::string, std::int64_t>;

// Every counter in one file's text; `file` names it in errors ("/proc/net/netstat").
[[nodiscard]] KernelCounters parse_proc_net_counters(std::string_view text, const std::string& file);

// The counters a run records, in nstat's spelling. A kernel that does not have one (an older
// kernel has no TCPMigrateReq*) simply leaves it out.
[[nodiscard]] std::span<const std::string_view> kept_kernel_counters();

// The kept counters from /proc/net/netstat and /proc/net/snmp; throws std::runtime_error naming
// the file when one cannot be read or parsed.
[[nodiscard]] KernelCounters read_kernel_counters();

}  // namespace hotdeploy::orchestrator
