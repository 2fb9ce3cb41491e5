// Fuzz target for the scenario parser (scenario_parser.h). A run keeps its scenario as yaml-cpp
// writes it back (run_record.h's scenario.yaml), and `hotdeploy check` judges the run by parsing that
// copy. Properties: a text is either refused with one ScenarioError that starts with
// FILE:LINE:COLUMN (both from 1), or it parses, and then the same text as yaml-cpp writes it back
// parses to the same Scenario (step lines aside: the copy is laid out anew); every step can be
// described.
#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <regex>
#include <string>

#include "orchestrator/scenario_parser.h"

namespace {

using hotdeploy::orchestrator::Scenario;
using hotdeploy::orchestrator::ScenarioError;

constexpr const char* kLabel = "fuzz.yaml";

// Stops the fuzzer at a broken property, naming the line that states it.
void require(bool condition, int line = __builtin_LINE()) {
  if (condition) return;
  std::fprintf(stderr, "scenario_parser_fuzz.cpp:%d: property does not hold\n", line);
  std::abort();
}

bool names_a_position(const std::string& message) {
  static const std::regex kPosition("^fuzz\\.yaml:[1-9][0-9]*:[1-9][0-9]*: .+", std::regex::extended);
  return std::regex_search(message, kPosition);
}

// The first part of two scenarios that differs, for the report.
const char* first_difference(const Scenario& a, const Scenario& b) {
  if (a.name != b.name || a.summary != b.summary) return "name or summary";
  if (!(a.target == b.target)) return "target";
  if (!(a.load.requests == b.load.requests)) return "load.requests";
  if (!(a.load == b.load)) return "load";
  if (!(a.upstreams == b.upstreams)) return "upstreams";
  if (!(a.steps == b.steps)) return "steps";
  if (!(a.expect == b.expect)) return "expect";
  return "diff";
}

Scenario without_lines(Scenario scenario) {
  for (auto& step : scenario.steps) step.line = 0;
  return scenario;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  Scenario scenario;
  try {
    scenario = hotdeploy::orchestrator::parse_scenario_text(text, kLabel);
  } catch (const ScenarioError& error) {
    if (!names_a_position(error.what())) std::fprintf(stderr, "no position: %s\n", error.what());
    require(names_a_position(error.what()));
    return 0;
  }
  for (const auto& step : scenario.steps) require(!hotdeploy::orchestrator::describe(step).empty());

  const std::string copy = YAML::Dump(YAML::Load(text));
  Scenario again;
  try {
    again = hotdeploy::orchestrator::parse_scenario_text(copy, kLabel);
  } catch (const ScenarioError& error) {
    std::fprintf(stderr, "yaml-cpp's copy does not parse: %s\n--- copy:\n%s\n", error.what(), copy.c_str());
    require(false);
  }
  if (!(without_lines(again) == without_lines(scenario))) {
    std::fprintf(stderr, "yaml-cpp's copy parses to another scenario (%s differs)\n--- copy:\n%s\n",
                 first_difference(without_lines(scenario), without_lines(again)), copy.c_str());
    require(false);
  }
  return 0;
}
