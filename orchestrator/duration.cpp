#include "orchestrator/duration.h"

#include <charconv>
#include <cstdint>

namespace hotdeploy::orchestrator {

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  std::int64_t value = 0;
  const char* first = text.data();
  const char* last = text.data() + text.size();
  auto [unit_start, error] = std::from_chars(first, last, value);
  if (error != std::errc{} || value < 0 || unit_start == first) return std::nullopt;
  const std::string_view unit(unit_start, static_cast<std::size_t>(last - unit_start));
  constexpr std::int64_t max_ms = std::int64_t{24} * 3600 * 1000;
  std::int64_t ms = 0;
  if (unit == "ms") {
    ms = value;
  } else if (unit == "s") {
    ms = value > max_ms / 1000 ? max_ms + 1 : value * 1000;
  } else if (unit == "m") {
    ms = value > max_ms / 60000 ? max_ms + 1 : value * 60000;
  } else {
    return std::nullopt;
  }
  if (ms > max_ms) return std::nullopt;
  return std::chrono::milliseconds(ms);
}

std::string format_duration(std::chrono::milliseconds duration) {
  const auto ms = duration.count();
  if (ms != 0 && ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

}  // namespace hotdeploy::orchestrator
