// Durations as scenario files write them, nginx's way: whole numbers with a unit, "300ms", "5s",
// "2m", or combined largest unit first, "1s500ms", "1m30s" (each unit once). No fractions
// ("1.5s") and no bare number (a forgotten unit never silently means milliseconds). Parsing never throws; a bad text
// gives std::nullopt and the caller names the file position.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace hotdeploy::orchestrator {

[[nodiscard]] std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);
[[nodiscard]] std::string format_duration(std::chrono::milliseconds duration);

}  // namespace hotdeploy::orchestrator
