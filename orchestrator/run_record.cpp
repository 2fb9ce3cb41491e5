#include "orchestrator/run_record.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

#include "harness/history/json_reader.h"
#include "harness/history/json_writer.h"
#include "orchestrator/environment_error.h"
#include "orchestrator/invalid_input_error.h"
#include "orchestrator/run_isolation_file.h"
#include "orchestrator/sha256.h"

namespace hotdeploy::orchestrator {
namespace fs = std::filesystem;

namespace {

constexpr const char* roles[] = {"binary", "new_binary"};

std::string text_member(const harness::FlatJsonObject& object, const std::string& key, const fs::path& file,
                        std::string_view file_text) {
  const auto* value = object.find(key);
  const auto* text = value ? std::get_if<std::string>(value) : nullptr;
  if (!text)
    throw InvalidInputError(file, line_of_member(file_text, key), "\"" + key + "\" is missing or not a string");
  return *text;
}

}  // namespace

void write_run_subject(const fs::path& run_dir, const harness::RunSubject& subject) {
  std::string text;
  harness::JsonWriter w(text, harness::JsonWriter::Style::pretty);
  w.begin_object();
  w.member("target", subject.target);
  for (const auto& binary : subject.binaries) {
    w.member(binary.role + ".path", binary.path);
    w.member(binary.role + ".version", binary.version);
    w.member(binary.role + ".sha256", binary.sha256);
  }
  w.end_object();
  const auto file = run_dir / "binaries.json";
  std::ofstream out(file);
  out << text << '\n';
  if (!out) throw EnvironmentError("cannot write " + file.string());
}

namespace {

harness::RunSubject read_binaries_file(const fs::path& run_dir) {
  const auto file = run_dir / "binaries.json";
  std::ifstream in(file);
  if (!in) return {};
  std::ostringstream read;
  read << in.rdbuf();
  const std::string text = read.str();
  try {
    const auto object = harness::parse_flat_object(text);
    harness::RunSubject subject{text_member(object, "target", file, text), {}};
    for (const std::string role : roles) {
      if (!object.find(role + ".path")) continue;
      subject.binaries.push_back({role, text_member(object, role + ".path", file, text),
                                  text_member(object, role + ".version", file, text),
                                  text_member(object, role + ".sha256", file, text)});
    }
    return subject;
  } catch (const harness::JsonParseError& e) {
    throw InvalidInputError(file, line_at(text, e.offset()), e.what());
  }
}

}  // namespace

harness::RunSubject read_run_subject(const fs::path& run_dir) {
  harness::RunSubject subject = read_binaries_file(run_dir);
  subject.isolation = read_isolation_file(run_dir);
  return subject;
}

void write_effective_scenario(const Scenario& scenario, const fs::path& run_dir) {
  const auto file = run_dir / "scenario.yaml";
  YAML::Node root;
  try {
    root = YAML::LoadFile(scenario.file);
  } catch (const YAML::Exception& e) {
    throw EnvironmentError("cannot read " + scenario.file + " again to keep a copy: " + e.what());
  }
  YAML::Node target = root["target"];
  target["kind"] = scenario.target.kind == TargetKind::fake ? "fake" : "nginx";
  const auto written = target["new_binary"];
  const std::string file_says = written && written.IsScalar() ? written.as<std::string>() : "default";
  if (file_says != scenario.target.new_binary.name) target["new_binary"] = scenario.target.new_binary.name;
  // Absolute, so that `hotdeploy check` finds it from the run directory.
  if (!scenario.target.config.empty()) target["config"] = scenario.target.config;
  std::ofstream out(file);
  out << "# " << scenario.file << " as hotdeploy ran it (command-line overrides applied)\n" << YAML::Dump(root) << '\n';
  if (!out) throw EnvironmentError("cannot write " + file.string());
  const auto hash_file = run_dir / "scenario.sha256";
  std::ofstream hash(hash_file);
  hash << sha256_file_hex(scenario.file) << "  " << scenario.file << '\n';
  if (!hash) throw EnvironmentError("cannot write " + hash_file.string());
}

std::string read_scenario_sha256(const fs::path& run_dir) {
  std::ifstream in(run_dir / "scenario.sha256");
  std::string hash;
  in >> hash;
  return hash;
}

}  // namespace hotdeploy::orchestrator
