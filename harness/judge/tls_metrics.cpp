#include "harness/judge/tls_metrics.h"

namespace hotdeploy::harness {

std::optional<TlsMetrics> tls_metrics(const std::vector<TlsHandshakeSample>& samples,
                                      std::optional<std::int64_t> switchover_ns) {
  if (samples.empty()) return std::nullopt;
  TlsMetrics m;
  for (const TlsHandshakeSample& s : samples) {
    const auto add = [&](HandshakeCounts& c) { ++(s.resumed ? c.resumed : c.full); };
    add(m.total);
    add(m.by_generation[s.generation]);
    add(switchover_ns && s.t_ns >= *switchover_ns ? m.after_switchover : m.before_switchover);
  }
  return m;
}

}  // namespace hotdeploy::harness
