// Faults: the ways a fake-nginx executable can be broken on purpose, one small type each.
//
// A fault belongs to the executable (see binary_identity.h), so it survives an exec by
// fake-nginx or by real nginx. Text form, one fault per item: a bare name, or name=value
// with the unit in the value (`slow_start=500ms`, `ignore_signal=SIGWINCH`).
//
// The names, their parameters and what each fault does are listed once, in faults.list; the
// Fault variant and the text form are built from that list. Each struct below is named in it and
// has one member of its parameter's type (none for a fault without a parameter).
#pragma once

#include <chrono>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "hotdeploy_fault_list.h"

namespace hotdeploy::fakes {

struct CrashOnStart {};
struct FailConfig {};
struct SlowStart {
  std::chrono::milliseconds delay;
};
struct IgnoreInherited {};
struct WorkerCrashOnRequest {
  long request_number;
};
struct HangOnQuit {};
struct AbortOnQuit {};
struct ShutdownListener {};
struct IgnoreSignal {
  int signo;
};
struct BadStatus {
  int status_code;
};
struct DieAfter {
  std::chrono::milliseconds delay;
};
struct GarbageResponse {};
struct EndlessHeaders {};
struct SlowDrip {};
struct HugeChunk {};
struct EarlyClose {};

using Fault = std::variant<HOTDEPLOY_FAULT_TYPES>;
static_assert(std::variant_size_v<Fault> == std::size(fault_list::kEntries), "one struct per fault in faults.list");

struct FaultParse {
  std::optional<Fault> fault;
  std::string error;
};

[[nodiscard]] FaultParse parse_fault(std::string_view text);
[[nodiscard]] std::string format_fault(const Fault& fault);
// A signal by name (`SIGUSR2`, `USR2`) or number.
[[nodiscard]] std::optional<int> parse_signal(std::string_view text);

class Faults {
 public:
  Faults() = default;
  explicit Faults(std::vector<Fault> faults) : faults_(std::move(faults)) {}

  template <class T>
  [[nodiscard]] const T* find() const {
    for (const Fault& fault : faults_) {
      if (const T* found = std::get_if<T>(&fault)) return found;
    }
    return nullptr;
  }
  template <class T>
  [[nodiscard]] bool has() const {
    return find<T>() != nullptr;
  }
  [[nodiscard]] const std::vector<Fault>& all() const { return faults_; }
  [[nodiscard]] bool empty() const { return faults_.empty(); }

 private:
  std::vector<Fault> faults_;
};

}  // namespace hotdeploy::fakes
