// RunClock: the one time base of a run. now_ns() is the CLOCK_MONOTONIC time elapsed since
// the clock was constructed, in nanoseconds, so every producer that shares a RunClock stamps
// its events on the same timeline. It never goes backwards, is unaffected by wall-clock
// changes, and is safe to call from any thread. A copy shares the original's start.
#pragma once

#include <cstdint>

namespace hotdeploy::harness {

class RunClock {
 public:
  RunClock();

  // Nanoseconds since construction; never negative, never decreasing.
  [[nodiscard]] std::int64_t now_ns() const;

 private:
  std::int64_t start_ns_;
};

}  // namespace hotdeploy::harness
