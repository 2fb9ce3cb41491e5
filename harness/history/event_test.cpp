#include "harness/history/event.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace hotdeploy::harness {
namespace {

// Every value of Enum, from 0 to last, round-trips through its name, and names are distinct.
template <typename Enum>
void expect_names_round_trip(Enum last) {
  std::set<std::string_view> seen;
  for (int v = 0; v <= static_cast<int>(last); ++v) {
    const auto value = static_cast<Enum>(v);
    const std::string_view name = to_string(value);
    EXPECT_NE(name, "invalid");
    EXPECT_TRUE(seen.insert(name).second) << name;
    EXPECT_EQ(from_string<Enum>(name), value) << name;
  }
  EXPECT_EQ(to_string(static_cast<Enum>(static_cast<int>(last) + 1)), "invalid");
  EXPECT_FALSE(from_string<Enum>(""));
  EXPECT_FALSE(from_string<Enum>("invalid"));
}

TEST(EventTest, EnumNamesRoundTrip) {
  expect_names_round_trip(EventType::upstream_request);
  expect_names_round_trip(Outcome::info);
  expect_names_round_trip(Reason::tls_handshake);
  expect_names_round_trip(ProcessRole::worker);
  expect_names_round_trip(RequestKind::held);
  expect_names_round_trip(ProcessSeen::inferred_at_stop);
  expect_names_round_trip(TlsHandshake::resumed);
}

TEST(EventTest, LogLevelsAreNginxNamesAndNoneIsEmpty) {
  for (int v = 0; v <= static_cast<int>(LogLevel::emerg); ++v) {
    const auto level = static_cast<LogLevel>(v);
    EXPECT_EQ(from_string<LogLevel>(to_string(level)), level) << to_string(level);
  }
  EXPECT_EQ(to_string(LogLevel::none), "");
  EXPECT_EQ(to_string(LogLevel::warn), "warn");
  EXPECT_FALSE(from_string<LogLevel>("warning"));
  EXPECT_LT(LogLevel::info, LogLevel::notice);
  EXPECT_LT(LogLevel::crit, LogLevel::emerg);
}

TEST(EventTest, MessageIsTheEndOfTheText) {
  Event e;
  e.text = "2026/01/02 03:04:05 [warn] 1#1: hello";
  EXPECT_EQ(e.message(), e.text);
  e.message_at = 32;
  EXPECT_EQ(e.message(), "hello");
  e.message_at = 1000;
  EXPECT_EQ(e.message(), "");
}

TEST(EventTest, NamesAreTheSnakeCaseEnumerators) {
  EXPECT_EQ(to_string(EventType::request_ended), "request_ended");
  EXPECT_EQ(to_string(Reason::closed_without_response), "closed_without_response");
  EXPECT_EQ(from_string<Outcome>("ok"), Outcome::ok);
  EXPECT_FALSE(from_string<Outcome>("OK"));
  EXPECT_FALSE(from_string<EventType>("request_ended "));
}

TEST(EventTest, DefaultsMeanUnset) {
  const Event e;
  EXPECT_EQ(e.attempt, 1);
  EXPECT_EQ(e.exit_code, -1);
  EXPECT_EQ(e.outcome, Outcome::none);
  EXPECT_EQ(e.reason, Reason::none);
  EXPECT_EQ(e.role, ProcessRole::none);
  EXPECT_EQ(e.kind, RequestKind::get);
  EXPECT_EQ(e.seen, ProcessSeen::directly);
  EXPECT_EQ(e.lag_ns, 0);
}

}  // namespace
}  // namespace hotdeploy::harness
