// `hotdeploy run --shard K/N`: which scenarios of a library shard K of N runs. A scenario belongs
// to the shard named by a hash of its name (64-bit FNV-1a, modulo N, plus 1), and of nothing
// else: every scenario is in exactly one shard, and adding or removing a scenario never moves
// another between shards. The hash is fixed by this file, so every machine and every version
// that shards with it agrees.
#pragma once

#include <string>
#include <string_view>

namespace hotdeploy::orchestrator {

inline constexpr int kMaxShards = 1000;

struct Shard {
  int index = 1;  // K, 1-based
  int count = 1;  // N

  [[nodiscard]] bool operator==(const Shard&) const = default;
};

// "K/N" with whole numbers 1 <= K <= N <= kMaxShards; throws UsageError naming the text
// otherwise ("4/3", "0/3", "1/0", "a/b").
[[nodiscard]] Shard parse_shard(const std::string& text);

// The shard (1..count) that the scenario named `name` belongs to; count >= 1.
[[nodiscard]] int shard_of(std::string_view name, int count);

// "2/3".
[[nodiscard]] std::string to_string(const Shard& shard);

}  // namespace hotdeploy::orchestrator
