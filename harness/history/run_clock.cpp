#include "harness/history/run_clock.h"

#include <time.h>

namespace hotdeploy::harness {
namespace {

std::int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

RunClock::RunClock() : start_ns_(monotonic_ns()) {}

std::int64_t RunClock::now_ns() const { return monotonic_ns() - start_ns_; }

}  // namespace hotdeploy::harness
