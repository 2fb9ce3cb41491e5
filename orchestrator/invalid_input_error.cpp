#include "orchestrator/invalid_input_error.h"

#include <algorithm>

namespace hotdeploy::orchestrator {

InvalidInputError::InvalidInputError(const std::filesystem::path& file, std::size_t line, const std::string& reason)
    : std::runtime_error(file.string() + ":" + std::to_string(line) + ": " + reason) {}

std::size_t line_at(std::string_view text, std::size_t offset) {
  const auto before = text.substr(0, std::min(offset, text.size()));
  return 1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
}

std::size_t line_of_member(std::string_view text, std::string_view key) {
  const std::string quoted = "\"" + std::string(key) + "\"";
  const std::size_t at = text.find(quoted);
  return at == std::string_view::npos ? 1 : line_at(text, at);
}

}  // namespace hotdeploy::orchestrator
