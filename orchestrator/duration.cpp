#include "orchestrator/duration.h"

#include <array>
#include <charconv>
#include <cstdint>

namespace hotdeploy::orchestrator {

namespace {

struct Unit {
  std::string_view name;
  std::int64_t ms;
};

// Largest first: a combined duration names them in this order, each at most once.
constexpr std::array<Unit, 3> kUnits = {{{"m", 60000}, {"s", 1000}, {"ms", 1}}};

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  constexpr std::int64_t kMaxMs = std::int64_t{24} * 3600 * 1000;
  const char* at = text.data();
  const char* const last = text.data() + text.size();
  std::size_t next_unit = 0;
  std::int64_t ms = 0;
  if (at == last) return std::nullopt;
  while (at != last) {
    std::int64_t value = 0;
    const auto [unit_start, error] = std::from_chars(at, last, value);
    if (error != std::errc{} || value < 0 || unit_start == at) return std::nullopt;
    const char* unit_end = unit_start;
    while (unit_end != last && *unit_end >= 'a' && *unit_end <= 'z') ++unit_end;
    const std::string_view unit(unit_start, static_cast<std::size_t>(unit_end - unit_start));
    while (next_unit < kUnits.size() && kUnits[next_unit].name != unit) ++next_unit;
    if (next_unit == kUnits.size()) return std::nullopt;
    if (value > kMaxMs / kUnits[next_unit].ms) return std::nullopt;
    ms += value * kUnits[next_unit].ms;
    if (ms > kMaxMs) return std::nullopt;
    ++next_unit;
    at = unit_end;
  }
  return std::chrono::milliseconds(ms);
}

std::string format_duration(std::chrono::milliseconds duration) {
  const auto ms = duration.count();
  if (ms != 0 && ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

}  // namespace hotdeploy::orchestrator
