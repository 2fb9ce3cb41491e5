#include "orchestrator/signal_received.h"

#include <charconv>

namespace hotdeploy::orchestrator {
namespace {

// Reads a decimal number at the front of text, advancing past it.
template <typename Int>
bool take_number(std::string_view& text, Int& value) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end == text.data()) return false;
  text.remove_prefix(static_cast<std::size_t>(end - text.data()));
  return true;
}

bool take(std::string_view& text, std::string_view prefix) {
  if (!text.starts_with(prefix)) return false;
  text.remove_prefix(prefix.size());
  return true;
}

}  // namespace

std::optional<SignalReceived> parse_signal_received(std::string_view message) {
  SignalReceived received;
  if (!take(message, "signal ") || !take_number(message, received.number) || !take(message, " (SIG")) {
    return std::nullopt;
  }
  const auto close = message.find(") received");
  if (close == std::string_view::npos || close == 0) return std::nullopt;
  received.name = std::string(message.substr(0, close));
  message.remove_prefix(close + std::string_view(") received").size());
  if (take(message, " from ") && !take_number(message, received.sender)) return std::nullopt;
  return received;
}

}  // namespace hotdeploy::orchestrator
