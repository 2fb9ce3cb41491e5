// The error for a file the user hands hotdeploy that is not what it should be: a run directory's
// history.jsonl, binaries.json or isolation.json that is corrupt (truncated, edited, another
// program's). Like an invalid scenario, the CLI maps it to exit code 2; its message starts with
// FILE:LINE, the line (from 1) where the file stops being what it should be.
#pragma once

#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace hotdeploy::orchestrator {

class InvalidInputError : public std::runtime_error {
 public:
  InvalidInputError(const std::filesystem::path& file, std::size_t line, const std::string& reason);
};

// The line (from 1) of `text` that holds byte `offset`; the last line for an offset past the end.
[[nodiscard]] std::size_t line_at(std::string_view text, std::size_t offset);

// The line of a flat JSON object's text where member `key` is written; 1 (where the object
// starts) when it is not there.
[[nodiscard]] std::size_t line_of_member(std::string_view text, std::string_view key);

}  // namespace hotdeploy::orchestrator
