#include "harness/result_file.h"

#include <ostream>
#include <string>

#include "harness/json_writer.h"

namespace hotdeploy::harness {

void write_result_json(std::string_view scenario, const Judgement& judgement, std::ostream& out) {
  std::string text;
  JsonWriter w(text, JsonWriter::Style::pretty);
  w.begin_object();
  w.member("scenario", scenario);
  w.member("verdict", to_string(judgement.verdict));

  const Metrics& m = judgement.metrics;
  w.key("metrics");
  w.begin_object();
  w.member("requests", m.requests);
  w.member("ok", m.ok);
  w.member("dropped", m.dropped);
  w.member("retried", m.retried);
  w.key("dropped_by_reason");
  w.begin_object();
  for (const auto& [reason, count] : m.dropped_by_reason) w.member(reason, count);
  w.end_object();
  w.key("switchover_ms");
  if (m.switchover_ms) {
    w.value(*m.switchover_ms);
  } else {
    w.null();
  }
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
  w.end_object();
  text += '\n';
  out << text;
}

}  // namespace hotdeploy::harness
