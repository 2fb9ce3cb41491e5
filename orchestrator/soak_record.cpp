#include "orchestrator/soak_record.h"

#include <algorithm>
#include <iomanip>
#include <sstream>

#include "harness/history/json_writer.h"
#include "harness/judge/statistics.h"
#include "harness/report/result_file.h"

namespace hotdeploy::orchestrator {

namespace {

Distribution distribution_of(const std::vector<CycleRecord>& cycles, std::optional<double> CycleRecord::*figure) {
  std::vector<double> values;
  for (const auto& cycle : cycles) {
    if (cycle.*figure) values.push_back(*(cycle.*figure));
  }
  Distribution d;
  d.count = values.size();
  if (values.empty()) return d;
  d.p50 = harness::nearest_rank(values, 50);
  d.p90 = harness::nearest_rank(values, 90);
  d.p99 = harness::nearest_rank(values, 99);
  d.max = *std::max_element(values.begin(), values.end());
  return d;
}

void optional_member(harness::JsonWriter& json, std::string_view name, const std::optional<double>& value) {
  json.key(name);
  if (value) {
    json.value(*value);
  } else {
    json.null();
  }
}

struct NamedDistribution {
  const char* name;
  Distribution SoakTotals::*field;
};
constexpr NamedDistribution kDistributions[] = {{"switchover_ms", &SoakTotals::switchover_ms},
                                                {"blackout_ms", &SoakTotals::blackout_ms},
                                                {"ready_ms", &SoakTotals::ready_ms},
                                                {"drain_ms", &SoakTotals::drain_ms}};

std::string format_bound(const std::optional<double>& bound) {
  if (!bound) return "n/a";
  std::ostringstream text;
  text << std::setprecision(3) << *bound;
  return text.str();
}

}  // namespace

std::optional<double> loss_bound(std::uint64_t dropped, std::uint64_t requests) {
  if (requests == 0) return std::nullopt;
  return harness::rate_upper_bound(dropped, requests);
}

SoakTotals add_up(const std::vector<CycleRecord>& cycles) {
  SoakTotals totals;
  for (const auto& cycle : cycles) {
    ++totals.cycles;
    (cycle.verdict == harness::Verdict::pass ? totals.passed : totals.failed) += 1;
    totals.requests += cycle.requests;
    totals.dropped += cycle.dropped;
    totals.retried += cycle.retried;
    totals.unjudged_requests += cycle.unjudged_requests;
    if (cycle.switchover_ms) {
      ++totals.switchovers;
      if (cycle.dropped > 0) ++totals.switchovers_with_loss;
    }
    totals.max_rss_mib = std::max(totals.max_rss_mib, cycle.rss_mib);
    totals.peak_rss_mib = std::max(totals.peak_rss_mib, cycle.peak_rss_mib);
  }
  totals.loss_bound_per_request = loss_bound(totals.dropped, totals.requests);
  totals.loss_bound_per_switchover = loss_bound(totals.switchovers_with_loss, totals.switchovers);
  totals.switchover_ms = distribution_of(cycles, &CycleRecord::switchover_ms);
  totals.blackout_ms = distribution_of(cycles, &CycleRecord::blackout_ms);
  totals.ready_ms = distribution_of(cycles, &CycleRecord::ready_ms);
  totals.drain_ms = distribution_of(cycles, &CycleRecord::drain_ms);
  return totals;
}

harness::Verdict soak_verdict(const SoakTotals& totals) {
  return totals.failed == 0 && totals.cycles > 0 ? harness::Verdict::pass : harness::Verdict::fail;
}

std::string cycle_json_line(const CycleRecord& cycle) {
  std::string out;
  harness::JsonWriter json(out);
  json.begin_object();
  json.member("cycle", cycle.number);
  json.member("verdict", harness::to_string(cycle.verdict));
  json.member("requests", cycle.requests);
  json.member("dropped", cycle.dropped);
  json.member("retried", cycle.retried);
  json.member("unjudged_requests", cycle.unjudged_requests);
  optional_member(json, "switchover_ms", cycle.switchover_ms);
  optional_member(json, "blackout_ms", cycle.blackout_ms);
  optional_member(json, "ready_ms", cycle.ready_ms);
  optional_member(json, "drain_ms", cycle.drain_ms);
  json.member("from_s", cycle.from_s);
  json.member("to_s", cycle.to_s);
  json.member("kept", cycle.kept);
  json.member("rss_mib", cycle.rss_mib);
  json.member("peak_rss_mib", cycle.peak_rss_mib);
  json.member("requests_so_far", cycle.requests_so_far);
  std::string failed;
  for (const auto& check : cycle.failed) failed += (failed.empty() ? "" : "; ") + check;
  json.member("failed", failed);
  json.end_object();
  return out;
}

std::string soak_result_json(const SoakOutcome& outcome, const std::vector<CycleRecord>& cycles) {
  const auto& totals = outcome.totals;
  std::string out;
  harness::JsonWriter json(out, harness::JsonWriter::Style::pretty);
  json.begin_object();
  json.member("scenario", outcome.scenario);
  json.member("verdict", harness::to_string(soak_verdict(totals)));
  json.member("stopped_by", outcome.stopped_by);
  json.member("seconds", outcome.seconds);
  json.member("judge_wait_s", outcome.judge_wait_s);
  json.member("target", outcome.subject.target);
  json.key("binaries");
  harness::write_binaries(json, outcome.subject.binaries);
  json.key("totals");
  json.begin_object();
  json.member("cycles", totals.cycles);
  json.member("passed", totals.passed);
  json.member("failed", totals.failed);
  json.member("requests", totals.requests);
  json.member("dropped", totals.dropped);
  json.member("retried", totals.retried);
  json.member("unjudged_requests", totals.unjudged_requests);
  json.member("switchovers", totals.switchovers);
  json.member("switchovers_with_loss", totals.switchovers_with_loss);
  optional_member(json, "loss_bound_per_request", totals.loss_bound_per_request);
  optional_member(json, "loss_bound_per_switchover", totals.loss_bound_per_switchover);
  json.member("max_rss_mib", totals.max_rss_mib);
  json.member("peak_rss_mib", totals.peak_rss_mib);
  json.end_object();
  json.key("distributions");
  json.begin_object();
  for (const auto& named : kDistributions) {
    const Distribution& d = totals.*named.field;
    json.key(named.name);
    json.begin_object();
    json.member("count", d.count);
    json.member("p50", d.p50);
    json.member("p90", d.p90);
    json.member("p99", d.p99);
    json.member("max", d.max);
    json.end_object();
  }
  json.end_object();
  json.key("failed_cycles");
  json.begin_array();
  for (const auto& cycle : cycles) {
    if (cycle.verdict != harness::Verdict::pass) json.value(cycle.number);
  }
  json.end_array();
  json.end_object();
  out += '\n';
  return out;
}

std::string soak_summary_text(const SoakOutcome& outcome) {
  const auto& t = outcome.totals;
  std::string verdict(harness::to_string(soak_verdict(t)));
  for (char& c : verdict) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::ostringstream text;
  text << verdict << " soak " << outcome.scenario << ": " << t.cycles << " cycles (" << t.failed << " failed), "
       << t.requests << " requests";
  if (t.unjudged_requests > 0) text << " (and " << t.unjudged_requests << " in cycles whose history was refused)";
  text << ", " << t.dropped << " dropped, " << t.retried << " retried, " << t.switchovers << " switchovers in "
       << std::fixed << std::setprecision(1) << outcome.seconds << " s (stopped by " << outcome.stopped_by << ")\n";
  text << "  95% upper bound on loss: " << format_bound(t.loss_bound_per_request) << " per request, "
       << format_bound(t.loss_bound_per_switchover) << " per switchover\n";
  for (const auto& named : kDistributions) {
    const Distribution& d = t.*named.field;
    text << "  " << std::left << std::setw(14) << named.name << std::right;
    if (d.count == 0) {
      text << "not measured\n";
      continue;
    }
    text << std::fixed << std::setprecision(1) << "p50 " << d.p50 << "  p90 " << d.p90 << "  p99 " << d.p99 << "  max "
         << d.max << "  (" << d.count << " cycles)\n";
  }
  text << "  memory: VmRSS at most " << std::setprecision(1) << t.max_rss_mib << " MiB, VmHWM " << t.peak_rss_mib
       << " MiB\n";
  if (outcome.judge_wait_s > 0.0005) {
    text << "  the judge was slower than the load: the steps waited " << std::setprecision(1) << outcome.judge_wait_s
         << " s for it in all\n";
  }
  return text.str();
}

}  // namespace hotdeploy::orchestrator
