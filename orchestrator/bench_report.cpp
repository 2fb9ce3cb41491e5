#include "orchestrator/bench_report.h"

#include <cmath>
#include <sstream>

#include "harness/history/json_writer.h"
#include "harness/report/result_file.h"

namespace hotdeploy::orchestrator {
namespace {

std::string with_unit(const std::string& figure, const BenchMetric& metric) {
  return metric.unit.empty() ? figure : figure + " " + metric.unit;
}

std::string counted_line(const BenchReport& report, const std::string& side) {
  int pass = 0, other = 0;
  for (const auto& record : report.records) {
    if (record.side != side || record.warmup) continue;
    (record.verdict == "pass" ? pass : other) += 1;
  }
  std::string line = std::to_string(pass) + " passed";
  if (other > 0) line += ", " + std::to_string(other) + " did not pass";
  return line;
}

void write_side_json(harness::JsonWriter& json, const BenchSideInfo& side) {
  json.begin_object();
  json.member("changes", side.changes);
  json.member("target", side.subject.target);
  json.key("binaries");
  harness::write_binaries(json, side.subject.binaries);
  json.end_object();
}

void optional_member(harness::JsonWriter& json, const char* name, const std::optional<double>& value) {
  json.key(name);
  if (value) {
    json.value(*value);
  } else {
    json.null();
  }
}

void interval_member(harness::JsonWriter& json, const char* name, const std::optional<harness::Interval>& interval) {
  json.key(name);
  if (!interval) {
    json.null();
    return;
  }
  json.begin_array();
  json.value(interval->low);
  json.value(interval->high);
  json.end_array();
}

void side_member(harness::JsonWriter& json, const char* name, const std::optional<SideFigures>& side) {
  json.key(name);
  if (!side) {
    json.null();
    return;
  }
  json.begin_object();
  json.member("runs", side->count);
  json.member("median", side->median);
  json.member("p90", side->p90);
  json.member("min", side->min);
  json.member("max", side->max);
  json.end_object();
}

}  // namespace

std::string side_cell(const std::optional<SideFigures>& side, const BenchMetric& metric) {
  if (!side) return "–";
  return format_figure(side->median, metric) + " (p90 " + format_figure(side->p90, metric) + ", " +
         format_figure(side->min, metric) + "–" + format_figure(side->max, metric) + ")";
}

std::string effect_cell(const MetricComparison& c) {
  if (c.ratio && c.ratio_interval) {
    return format_ratio(*c.ratio) + " (" + format_ratio(c.ratio_interval->low).substr(std::string("×").size()) + "–" +
           format_ratio(c.ratio_interval->high).substr(std::string("×").size()) + ")";
  }
  if (c.difference && c.difference_interval) {
    const auto signed_figure = [&](double v) { return (v >= 0 ? "+" : "−") + format_figure(std::abs(v), c.metric); };
    return with_unit(signed_figure(*c.difference), c.metric) + " (" + signed_figure(c.difference_interval->low) +
           " to " + signed_figure(c.difference_interval->high) + ")";
  }
  return "–";
}

void write_bench_text(const BenchReport& report, std::ostream& out) {
  out << "\nA: " << report.a.changes << "; " << counted_line(report, "A") << '\n'
      << "B: " << report.b.changes << "; " << counted_line(report, "B") << '\n'
      << report.runs << " counted runs a side, interleaved A B A B, after " << report.warmup
      << " warm-up runs a side; load average before " << report.load_before << ", after " << report.load_after
      << "\n\n";
  // setw counts bytes: cells holding the en dash or the times sign are padded by characters.
  const auto cell = [](const std::string& text, std::size_t width) {
    std::size_t shown = 0;
    for (const unsigned char ch : text) shown += (ch & 0xC0) != 0x80 ? 1 : 0;
    return text + std::string(shown < width ? width - shown : 1, ' ');
  };
  out << cell("metric", 15) << cell("A median (p90, min–max)", 36) << cell("B median (p90, min–max)", 36)
      << cell("B/A (95% CI)", 30) << "p\n";
  for (const auto& c : report.comparisons) {
    const std::string name = c.metric.name + (c.metric.unit.empty() ? "" : "_" + c.metric.unit);
    out << cell(name, 15) << cell(side_cell(c.side_a, c.metric), 36) << cell(side_cell(c.side_b, c.metric), 36)
        << cell(effect_cell(c), 30) << (c.test ? format_p(c.test->p_value) : "–") << '\n';
  }
  out << '\n';
  for (const auto& c : report.comparisons) out << c.metric.name << ": B " << finding_words(c) << '\n';
  if (!report.gate.empty()) out << '\n';
  for (const auto& g : report.gate) {
    out << (g.exceeded ? "REGRESSION " : "within ") << g.limit.text << ": " << g.detail << '\n';
  }
}

std::string bench_json(const BenchReport& report) {
  std::string text;
  harness::JsonWriter json(text, harness::JsonWriter::Style::pretty);
  json.begin_object();
  json.member("scenario", report.scenario);
  json.member("scenario_file", report.scenario_file);
  json.member("command", report.command);
  json.member("started", report.started_utc);
  json.member("load_average_before", report.load_before);
  json.member("load_average_after", report.load_after);
  json.member("isolation", report.isolation);
  json.member("runs_per_side", report.runs);
  json.member("warmup_per_side", report.warmup);
  json.member("order", "interleaved: A B A B ...");
  json.key("statistics");
  json.begin_object();
  json.member("bootstrap", "percentile, resampling each side apart");
  json.member("bootstrap_resamples", kBenchResamples);
  json.member("bootstrap_seed", kBenchSeed);
  json.member("confidence", kBenchConfidence);
  json.member("u_test",
              "Mann-Whitney, two-sided; exact up to 8 runs a side without ties, else normal with tie and "
              "continuity corrections");
  json.member("family_alpha", kBenchFamilyAlpha);
  json.end_object();
  json.key("sides");
  json.begin_object();
  json.key("A");
  write_side_json(json, report.a);
  json.key("B");
  write_side_json(json, report.b);
  json.end_object();
  json.key("runs");
  json.begin_array();
  for (const auto& record : report.records) {
    json.begin_object();
    json.member("side", record.side);
    json.member("number", record.number);
    json.member("warmup", record.warmup);
    json.member("run_dir", record.run_dir);
    json.member("verdict", record.verdict);
    if (!record.error.empty()) json.member("error", record.error);
    json.member("seconds", record.seconds);
    json.key("figures");
    json.begin_object();
    for (const auto& [name, value] : record.figures) json.member(name, value);
    json.end_object();
    json.end_object();
  }
  json.end_array();
  json.key("metrics");
  json.begin_array();
  for (const auto& c : report.comparisons) {
    json.begin_object();
    json.member("metric", c.metric.name);
    json.member("unit", c.metric.unit);
    side_member(json, "A", c.side_a);
    side_member(json, "B", c.side_b);
    optional_member(json, "ratio", c.ratio);
    interval_member(json, "ratio_ci95", c.ratio_interval);
    optional_member(json, "difference", c.difference);
    interval_member(json, "difference_ci95", c.difference_interval);
    json.key("u_test");
    if (c.test) {
      json.begin_object();
      json.member("u_a", c.test->u_a);
      json.member("u_b", c.test->u_b);
      json.member("p", c.test->p_value);
      json.member("exact", c.test->exact);
      json.member("alpha", c.alpha);
      json.end_object();
    } else {
      json.null();
    }
    json.member("finding", finding_name(c.finding, c.metric));
    json.member("words", "B " + finding_words(c));
    json.end_object();
  }
  json.end_array();
  json.key("gate");
  json.begin_array();
  for (const auto& g : report.gate) {
    json.begin_object();
    json.member("limit", g.limit.text);
    json.member("exceeded", g.exceeded);
    json.member("detail", g.detail);
    json.end_object();
  }
  json.end_array();
  json.end_object();
  return text + "\n";
}

std::string bench_markdown(const BenchReport& report) {
  std::ostringstream md;
  md << "**hotdeploy bench " << report.scenario << "**: A = " << report.a.changes << "; B = " << report.b.changes
     << ". " << report.runs << " runs a side, interleaved, after " << report.warmup
     << " warm-up runs a side; load average " << report.load_before << " → " << report.load_after << ".\n\n";
  md << "| metric | A median (p90, min–max) | B median (p90, min–max) | B/A (95% CI) | p (U test) | B is |\n"
     << "|---|---|---|---|---|---|\n";
  for (const auto& c : report.comparisons) {
    const std::string name = c.metric.name + (c.metric.unit.empty() ? "" : " (" + c.metric.unit + ")");
    std::string finding = finding_name(c.finding, c.metric);
    if (c.finding == Finding::worse || c.finding == Finding::better) {
      finding += " by " + with_unit(format_figure(std::abs(*c.difference), c.metric), c.metric);
    }
    md << "| " << name << " | " << side_cell(c.side_a, c.metric) << " | " << side_cell(c.side_b, c.metric) << " | "
       << effect_cell(c) << " | " << (c.test ? format_p(c.test->p_value) : "–") << " | " << finding << " |\n";
  }
  if (!report.gate.empty()) {
    md << '\n';
    for (const auto& g : report.gate) {
      md << "- " << (g.exceeded ? "**regression** " : "within ") << '`' << g.limit.text << "`: " << g.detail << '\n';
    }
  }
  return md.str();
}

}  // namespace hotdeploy::orchestrator
