// The checks on retries and on the timing of a transition (ready, drain, blackout), declared
// in checks.h.
#include <cstdio>
#include <string>

#include "harness/judge/checks.h"
#include "harness/judge/signals.h"

namespace hotdeploy::harness {
namespace {

std::string ms(double value) {
  char buffer[64];
  const int n = std::snprintf(buffer, sizeof buffer, "%.1f ms", value);
  return std::string(buffer, n > 0 ? static_cast<std::size_t>(n) : 0);
}

bool any_signal(const History& history) {
  for (const Event& e : history.events()) {
    if (e.type == EventType::signal_sent) return true;
  }
  return false;
}

// The common shape: unknown without the opening signal, fail without the metric, then the max.
Check timing_check(std::string name, bool signal_sent, const std::string& no_signal, const std::optional<double>& value,
                   const std::string& never, double max_ms) {
  Check c{std::move(name), Verdict::pass, {}};
  if (!signal_sent) {
    c.verdict = Verdict::unknown;
    c.detail = no_signal;
  } else if (!value) {
    c.verdict = Verdict::fail;
    c.detail = never + " (max " + ms(max_ms) + ")";
  } else {
    c.detail = c.name.substr(0, c.name.size() - 3) + " " + ms(*value) + " (max " + ms(max_ms) + ")";
    if (*value > max_ms) c.verdict = Verdict::fail;
  }
  return c;
}

}  // namespace

Check check_retried(const Metrics& metrics, const Expectations& expect) {
  Check c{"retried", Verdict::pass, {}};
  if (metrics.requests == 0) {
    c.verdict = Verdict::unknown;
    c.detail = "no requests were recorded, so nothing can be said about retries";
    return c;
  }
  c.detail = std::to_string(metrics.retried) + " of " + std::to_string(metrics.requests) +
             " requests retried (RFC 9112 §9.3.1)";
  if (expect.retried_max && metrics.retried > *expect.retried_max) {
    c.verdict = Verdict::fail;
    c.detail += "; at most " + std::to_string(*expect.retried_max) + " allowed";
  }
  if (expect.retried_min && metrics.retried < *expect.retried_min) {
    c.verdict = Verdict::fail;
    c.detail += "; at least " + std::to_string(*expect.retried_min) + " required";
  }
  return c;
}

Check check_ready(const History& history, const Metrics& metrics, double max_ms) {
  return timing_check("ready_ms", first_signal(history, Signal::usr2) != nullptr,
                      "no USR2 was sent, so no new master had to get ready", metrics.ready_ms,
                      "after USR2 no new master wrote the pid file and started a worker", max_ms);
}

Check check_drain(const History& history, const Metrics& metrics, double max_ms) {
  const bool sent = first_signal(history, Signal::winch) != nullptr || first_signal(history, Signal::quit) != nullptr;
  return timing_check("drain_ms", sent, "no WINCH or QUIT was sent, so nothing had to drain", metrics.drain_ms,
                      "after WINCH/QUIT a worker of the signalled generation was still alive at the end", max_ms);
}

Check check_blackout(const History& history, const Metrics& metrics, double max_ms) {
  if (any_signal(history) && metrics.requests == 0) {
    return Check{"blackout_ms", Verdict::unknown, "no requests were recorded, so no blackout can be measured"};
  }
  return timing_check("blackout_ms", any_signal(history), "no signal was sent, so there was no transition window",
                      metrics.blackout_ms, "no transition window", max_ms);
}

}  // namespace hotdeploy::harness
