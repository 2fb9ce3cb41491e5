// The error for what the user's machine causes rather than the scenario: a missing or
// non-executable binary, a directory that cannot be written, a port that cannot be bound.
// The CLI maps it to exit code 3 with its message, which names the thing and where.
#pragma once

#include <stdexcept>

namespace hotdeploy::orchestrator {

class EnvironmentError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace hotdeploy::orchestrator
