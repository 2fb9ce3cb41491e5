#include "harness/report/result_file.h"

#include <array>
#include <map>
#include <optional>
#include <ostream>
#include <string>

#include "harness/history/json_writer.h"

namespace hotdeploy::harness {
namespace {

void optional_number(JsonWriter& w, std::string_view key, const std::optional<double>& value) {
  w.key(key);
  if (value) {
    w.value(*value);
  } else {
    w.null();
  }
}

void counts(JsonWriter& w, std::string_view key, const std::map<std::string, std::uint64_t>& by_name) {
  w.key(key);
  w.begin_object();
  for (const auto& [name, count] : by_name) w.member(name, count);
  w.end_object();
}

void latency(JsonWriter& w, const LatencySummary& l) {
  w.key("latency_ms");
  w.begin_object();
  w.member("count", l.count);
  w.member("p50", l.p50_ms);
  w.member("p99", l.p99_ms);
  w.member("p99.9", l.p999_ms);
  w.member("max", l.max_ms);
  w.end_object();
}

void kernel_deltas(JsonWriter& w, const std::map<std::string, std::int64_t>& deltas) {
  w.key("kernel_deltas");
  w.begin_object();
  for (const auto& [name, delta] : deltas) w.member(name, delta);
  w.end_object();
}

// The kernel counters' rise over the run, or null and why not.
void kernel_counters(JsonWriter& w, const Metrics& m, const RunSubject& subject) {
  w.key("kernel_counters");
  if (m.kernel_samples > 0) {
    w.begin_object();
    w.member("samples", m.kernel_samples);
    kernel_deltas(w, m.kernel_deltas);
    w.end_object();
    return;
  }
  w.null();
  w.member("kernel_counters_missing", kernel_counters_missing(subject));
}

// Connect latency (metrics.h's ConnectSummary): its figures are 0 when count is 0.
void connect(JsonWriter& w, const ConnectSummary& c) {
  w.key("connect_ms");
  w.begin_object();
  w.member("count", c.count);
  w.member("p50", c.p50_ms);
  w.member("p99", c.p99_ms);
  w.member("max", c.max_ms);
  w.member("over_1s", c.over_1s);
  w.end_object();
}

// TLS handshakes (tls_metrics.h): full and resumed, in all, around the switchover, by generation.
void tls_handshakes(JsonWriter& w, const TlsMetrics& tls) {
  const auto counts = [&](std::string_view key, const HandshakeCounts& c) {
    w.key(key);
    w.begin_object();
    w.member("full", c.full);
    w.member("resumed", c.resumed);
    w.end_object();
  };
  w.key("tls_handshakes");
  w.begin_object();
  counts("total", tls.total);
  counts("before_switchover", tls.before_switchover);
  counts("after_switchover", tls.after_switchover);
  w.key("by_generation");
  w.begin_object();
  for (const auto& [generation, c] : tls.by_generation) counts(std::to_string(generation), c);
  w.end_object();
  w.end_object();
}

// What the client got, one key per ClientResult.
void client_results(JsonWriter& w, std::string_view key, const std::array<std::uint64_t, kClientResults>& counts) {
  w.key(key);
  w.begin_object();
  for (std::size_t i = 0; i < kClientResults; ++i) w.member(to_string(static_cast<ClientResult>(i)), counts[i]);
  w.end_object();
}

void upstreams(JsonWriter& w, const UpstreamJoin& join) {
  w.key("upstreams");
  w.begin_object();
  w.member("answered_lost", join.answered_lost);
  w.key("lost");
  w.begin_array();
  for (const std::string& text : join.lost_listed) w.value(text);
  w.end_array();
  client_results(w, "not_received", join.not_received);
  w.key("by_upstream");
  w.begin_array();
  for (const UpstreamCounts& u : join.upstreams) {
    w.begin_object();
    w.member("name", u.name);
    w.member("received", u.received);
    w.member("answered", u.answered);
    w.member("unanswered", u.unanswered);
    client_results(w, "answered_then", u.answered_then);
    w.member("no_request_id", u.no_request_id);
    w.member("unknown_request", u.unknown_request);
    w.end_object();
  }
  w.end_array();
  w.end_object();
}

}  // namespace

void write_binaries(JsonWriter& w, const std::vector<BinaryRecord>& binaries) {
  w.begin_array();
  for (const BinaryRecord& binary : binaries) {
    w.begin_object();
    w.member("role", binary.role);
    w.member("path", binary.path);
    w.member("version", binary.version);
    w.member("sha256", binary.sha256);
    w.end_object();
  }
  w.end_array();
}

std::string kernel_counters_missing(const RunSubject& subject) {
  if (subject.isolation && !subject.isolation->network_namespace) {
    return "the run had no network namespace of its own, so the kernel's counters would mix in other traffic: " +
           subject.isolation->network_refused;
  }
  return "the history has no kernel_counters samples";
}

void write_result_json(std::string_view scenario, const RunSubject& subject, const Judgement& judgement,
                       std::ostream& out) {
  std::string text;
  JsonWriter w(text, JsonWriter::Style::pretty);
  w.begin_object();
  w.member("scenario", scenario);
  w.member("verdict", to_string(judgement.verdict));
  w.key("target");
  if (subject.target.empty()) {
    w.null();
  } else {
    w.value(subject.target);
  }
  w.key("binaries");
  write_binaries(w, subject.binaries);

  const Metrics& m = judgement.metrics;
  w.key("metrics");
  w.begin_object();
  w.member("requests", m.requests);
  w.member("ok", m.ok);
  w.member("dropped", m.dropped);
  w.member("retried", m.retried);
  counts(w, "dropped_by_reason", m.dropped_by_reason);
  counts(w, "requests_by_kind", m.requests_by_kind);
  counts(w, "dropped_by_kind", m.dropped_by_kind);
  optional_number(w, "switchover_ms", m.switchover_ms);
  optional_number(w, "ready_ms", m.ready_ms);
  optional_number(w, "drain_ms", m.drain_ms);
  optional_number(w, "blackout_ms", m.blackout_ms);
  optional_number(w, "overlap_ms", m.overlap_ms);
  w.key("masters_at_end");
  if (m.masters_at_end) {
    w.value(*m.masters_at_end);
  } else {
    w.null();
  }
  w.member("no_effect", m.no_effect);
  w.key("observer");
  w.begin_object();
  w.member("processes", m.observer.processes);
  w.member("inferred", m.observer.inferred);
  w.member("exit_code_unknown", m.observer.exit_code_unknown);
  w.member("born_after_serving", m.observer.born_after_serving);
  optional_number(w, "birth_lag_p99_ms", m.observer.birth_lag_p99_ms);
  optional_number(w, "birth_lag_max_ms", m.observer.birth_lag_max_ms);
  w.end_object();
  if (!m.upstream.empty()) upstreams(w, m.upstream);
  latency(w, m.latency);
  w.key("by_name");
  w.begin_object();
  for (const auto& [name, n] : m.by_name) {
    w.key(name);
    w.begin_object();
    w.member("requests", n.requests);
    w.member("ok", n.ok);
    w.member("dropped", n.dropped);
    w.member("retried", n.retried);
    counts(w, "dropped_by_reason", n.dropped_by_reason);
    latency(w, n.latency);
    w.end_object();
  }
  w.end_object();
  kernel_counters(w, m, subject);
  connect(w, m.connect);
  if (m.tls) tls_handshakes(w, *m.tls);
  w.key("phases");
  w.begin_array();
  for (const PhaseMetrics& p : m.phases) {
    w.begin_object();
    w.member("name", p.name);
    w.member("from_ms", p.from_ms);
    w.member("to_ms", p.to_ms);
    w.member("requests", p.requests);
    w.member("ok", p.ok);
    w.member("dropped", p.dropped);
    counts(w, "dropped_by_reason", p.dropped_by_reason);
    latency(w, p.latency);
    if (m.kernel_samples > 0) kernel_deltas(w, p.kernel_deltas);
    connect(w, p.connect);
    w.end_object();
  }
  w.end_array();
  w.end_object();

  w.key("checks");
  w.begin_array();
  for (const Check& c : judgement.checks) {
    w.begin_object();
    w.member("name", c.name);
    w.member("verdict", to_string(c.verdict));
    w.member("detail", c.detail);
    w.end_object();
  }
  w.end_array();
  if (const auto& isolation = subject.isolation) {
    w.member("isolation", isolation->mode);
    w.member("isolation_refused", isolation->refused);
    w.member("network_namespace", isolation->network_namespace);
    w.member("network_namespace_refused", isolation->network_refused);
  }
  w.end_object();
  text += '\n';
  out << text;
}

}  // namespace hotdeploy::harness
