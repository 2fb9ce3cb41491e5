#include "orchestrator/run_isolation_file.h"

#include <fstream>
#include <iterator>
#include <string>

#include "harness/history/json_reader.h"
#include "harness/history/json_writer.h"
#include "orchestrator/environment_error.h"
#include "orchestrator/invalid_input_error.h"

namespace hotdeploy::orchestrator {
namespace {

std::filesystem::path file_in(const std::filesystem::path& run_dir) { return run_dir / "isolation.json"; }

}  // namespace

void write_isolation_file(const std::filesystem::path& run_dir, const harness::RunIsolation& isolation) {
  std::string text;
  harness::JsonWriter w(text, harness::JsonWriter::Style::pretty);
  w.begin_object();
  w.member("isolation", isolation.mode);
  w.member("isolation_refused", isolation.refused);
  w.member("network_namespace", isolation.network_namespace);
  w.member("network_namespace_refused", isolation.network_refused);
  w.end_object();
  std::ofstream out(file_in(run_dir));
  out << text << '\n';
  if (!out) throw EnvironmentError("cannot write " + file_in(run_dir).string());
}

std::optional<harness::RunIsolation> read_isolation_file(const std::filesystem::path& run_dir) {
  std::ifstream in(file_in(run_dir));
  if (!in) return std::nullopt;
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto malformed = [&](std::size_t line, const std::string& why) {
    return InvalidInputError(file_in(run_dir), line, why);
  };
  try {
    const auto object = harness::parse_flat_object(text);
    const auto text_of = [&](const char* key) {
      const auto* value = object.find(key);
      if (!value || !std::holds_alternative<std::string>(*value)) {
        throw malformed(line_of_member(text, key), std::string("'") + key + "' must be a string");
      }
      return std::get<std::string>(*value);
    };
    harness::RunIsolation isolation;
    isolation.mode = text_of("isolation");
    isolation.refused = text_of("isolation_refused");
    const auto* network = object.find("network_namespace");
    if (!network || !std::holds_alternative<bool>(*network)) {
      throw malformed(line_of_member(text, "network_namespace"), "'network_namespace' must be true or false");
    }
    isolation.network_namespace = std::get<bool>(*network);
    isolation.network_refused = text_of("network_namespace_refused");
    return isolation;
  } catch (const harness::JsonParseError& e) {
    throw malformed(line_at(text, e.offset()), e.what());
  }
}

}  // namespace hotdeploy::orchestrator
