// Generations: which nginx generation each process belongs to, as recorded by the process
// observer's process_born events. A worker's generation is the one on its process_born event,
// or else its parent master's; a master's is the one on its own event. Pure function of a
// History, used by the checkers to attribute an ok response (its worker pid) to a generation.
// A pid reused by a later process within one run is not told apart: its last birth wins.
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>

#include "harness/history/history.h"

namespace hotdeploy::harness {

class Generations {
 public:
  [[nodiscard]] static Generations from(const History& history);

  // nullopt for a pid that no process_born event named with a known generation.
  [[nodiscard]] std::optional<std::int32_t> of_worker(std::int32_t pid) const;
  [[nodiscard]] std::optional<std::int32_t> of_master(std::int32_t pid) const;
  // The highest generation that had at least one worker; nullopt if no worker was born.
  [[nodiscard]] std::optional<std::int32_t> newest_with_workers() const;

 private:
  std::unordered_map<std::int32_t, std::int32_t> workers_;
  std::unordered_map<std::int32_t, std::int32_t> masters_;
  std::optional<std::int32_t> newest_with_workers_;
};

}  // namespace hotdeploy::harness
