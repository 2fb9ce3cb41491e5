#include "harness/judge/signals.h"

namespace hotdeploy::harness {

bool is_signal(const Event& e, std::string_view name) {
  if (e.type != EventType::signal_sent) return false;
  std::string_view text = e.text;
  if (text.substr(0, 3) == "SIG") text.remove_prefix(3);
  return text == name;
}

const Event* first_signal(const History& history, std::string_view name) {
  for (const Event& e : history.events()) {
    if (is_signal(e, name)) return &e;
  }
  return nullptr;
}

}  // namespace hotdeploy::harness
