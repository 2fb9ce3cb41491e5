// Durations as scenario files write them: "300ms", "5s", "2m" (a bare number is an error, so that
// a forgotten unit never silently means milliseconds). Parsing never throws; a bad text gives
// std::nullopt and the caller names the file position.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace hotdeploy::orchestrator {

[[nodiscard]] std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);
[[nodiscard]] std::string format_duration(std::chrono::milliseconds duration);

}  // namespace hotdeploy::orchestrator
