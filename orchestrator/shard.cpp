#include "orchestrator/shard.h"

#include <cstdint>
#include <optional>

#include "orchestrator/option_table.h"

namespace hotdeploy::orchestrator {
namespace {

constexpr std::uint64_t kFnvOffsetBasis = 14695981039346656037ULL;
constexpr std::uint64_t kFnvPrime = 1099511628211ULL;

// A whole number of at most four digits, nothing else (no sign, no spaces).
std::optional<int> small_whole_number(std::string_view text) {
  if (text.empty() || text.size() > 4) return std::nullopt;
  int value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

}  // namespace

Shard parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  const auto index =
      slash == std::string::npos ? std::nullopt : small_whole_number(std::string_view(text).substr(0, slash));
  const auto count =
      slash == std::string::npos ? std::nullopt : small_whole_number(std::string_view(text).substr(slash + 1));
  if (!index || !count || *count < 1 || *count > kMaxShards || *index < 1 || *index > *count) {
    throw UsageError("--shard must be K/N with whole numbers 1 <= K <= N <= " + std::to_string(kMaxShards) +
                     " (shard K of N), got '" + text + "'");
  }
  return {*index, *count};
}

int shard_of(std::string_view name, int count) {
  std::uint64_t hash = kFnvOffsetBasis;
  for (const char c : name) {
    hash ^= static_cast<unsigned char>(c);
    hash *= kFnvPrime;
  }
  return static_cast<int>(hash % static_cast<std::uint64_t>(count)) + 1;
}

std::string to_string(const Shard& shard) { return std::to_string(shard.index) + "/" + std::to_string(shard.count); }

}  // namespace hotdeploy::orchestrator
