#include "orchestrator/kernel_counters.h"

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace hotdeploy::orchestrator {
namespace {

// The list, then three that explain it: SyncookiesSent (a full SYN queue answered with a
// cookie, so an overflow that did not refuse anyone), TCPSynRetrans (a SYN sent again: a dropped
// SYN shows up as connect delay, not as an error) and EmbryonicRsts (a reset to a connection still
// in its handshake).
constexpr std::array<std::string_view, 16> kKept = {"TcpExtListenOverflows",
                                                    "TcpExtListenDrops",
                                                    "TcpExtTCPAbortOnClose",
                                                    "TcpExtTCPAbortOnData",
                                                    "TcpExtTCPMigrateReqSuccess",
                                                    "TcpExtTCPMigrateReqFailure",
                                                    "TcpExtTCPReqQFullDrop",
                                                    "TcpExtTCPReqQFullDoCookies",
                                                    "TcpOutRsts",
                                                    "TcpEstabResets",
                                                    "TcpAttemptFails",
                                                    "TcpActiveOpens",
                                                    "TcpPassiveOpens",
                                                    "TcpExtSyncookiesSent",
                                                    "TcpExtTCPSynRetrans",
                                                    "TcpExtEmbryonicRsts"};

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t at = 0;
  while (at < line.size()) {
    const auto start = line.find_first_not_of(' ', at);
    if (start == std::string_view::npos) break;
    const auto end = std::min(line.find(' ', start), line.size());
    out.push_back(line.substr(start, end - start));
    at = end;
  }
  return out;
}

// "TcpExt:" -> "TcpExt"; empty when the word is not a prefix.
std::string_view prefix_of(std::string_view word) {
  if (word.size() < 2 || word.back() != ':') return {};
  return word.substr(0, word.size() - 1);
}

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw std::runtime_error("cannot read " + path);
  return text.str();
}

}  // namespace

KernelCounters parse_proc_net_counters(std::string_view text, const std::string& file) {
  std::vector<std::string_view> lines;
  for (std::size_t at = 0; at < text.size();) {
    const auto end = std::min(text.find('\n', at), text.size());
    lines.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  const auto bad = [&file](std::size_t line, const std::string& what) {
    return std::runtime_error(file + " line " + std::to_string(line) + ": " + what);
  };
  KernelCounters counters;
  for (std::size_t i = 0; i < lines.size(); i += 2) {
    const auto names = words(lines[i]);
    if (names.empty()) throw bad(i + 1, "an empty line where a line of counter names should be");
    const auto prefix = prefix_of(names[0]);
    if (prefix.empty()) throw bad(i + 1, "\"" + std::string(names[0]) + "\" is not a prefix such as \"TcpExt:\"");
    if (i + 1 == lines.size()) throw bad(i + 1, std::string(prefix) + ": names with no line of values after them");
    const auto values = words(lines[i + 1]);
    if (values.empty() || values[0] != names[0]) {
      throw bad(i + 2, "expected the values of " + std::string(names[0]) + " on the line after its names");
    }
    if (values.size() != names.size()) {
      throw bad(i + 2, std::string(names[0]) + " " + std::to_string(names.size() - 1) + " names but " +
                           std::to_string(values.size() - 1) + " values");
    }
    for (std::size_t k = 1; k < names.size(); ++k) {
      std::int64_t value = 0;
      const auto v = values[k];
      const auto [end, error] = std::from_chars(v.data(), v.data() + v.size(), value);
      if (error != std::errc{} || end != v.data() + v.size()) {
        throw bad(i + 2, std::string(prefix) + std::string(names[k]) + " has a value that is not an integer: \"" +
                             std::string(v) + "\"");
      }
      if (!counters.emplace(std::string(prefix) + std::string(names[k]), value).second) {
        throw bad(i + 1, std::string(prefix) + std::string(names[k]) + " appears twice");
      }
    }
  }
  return counters;
}

std::span<const std::string_view> kept_kernel_counters() { return kKept; }

KernelCounters read_kernel_counters() {
  KernelCounters all;
  for (const std::string file : {"/proc/net/netstat", "/proc/net/snmp"}) {
    all.merge(parse_proc_net_counters(read_all(file), file));
  }
  KernelCounters kept;
  for (const auto name : kKept) {
    const auto found = all.find(std::string(name));
    if (found != all.end()) kept.insert(*found);
  }
  return kept;
}

}  // namespace hotdeploy::orchestrator
