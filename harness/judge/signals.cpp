#include "harness/judge/signals.h"

namespace hotdeploy::harness {

bool is_signal(const Event& e, Signal signal) { return e.type == EventType::signal_sent && e.signal == signal; }

const Event* first_signal(const History& history, Signal signal) {
  for (const Event& e : history.events()) {
    if (is_signal(e, signal)) return &e;
  }
  return nullptr;
}

}  // namespace hotdeploy::harness
