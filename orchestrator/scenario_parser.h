// Reads a scenario file into a validated Scenario, or fails with one ScenarioError whose message
// starts with FILE:LINE:COLUMN and names the offending key. Validation is strict: unknown keys,
// wrong types, impossible values and unknown step kinds are all errors, before anything runs.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "orchestrator/scenario.h"

namespace hotdeploy::orchestrator {

class ScenarioError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

[[nodiscard]] Scenario parse_scenario_file(const std::string& path);
[[nodiscard]] Scenario parse_scenario_text(std::string_view text, const std::string& file_label);

}  // namespace hotdeploy::orchestrator
