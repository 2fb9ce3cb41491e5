#include "orchestrator/duration.h"

#include <gtest/gtest.h>

namespace hotdeploy::orchestrator {
namespace {

using std::chrono::milliseconds;

TEST(ParseDuration, AcceptsMillisecondsSecondsAndMinutes) {
  EXPECT_EQ(parse_duration("300ms"), milliseconds(300));
  EXPECT_EQ(parse_duration("5s"), milliseconds(5000));
  EXPECT_EQ(parse_duration("2m"), milliseconds(120000));
  EXPECT_EQ(parse_duration("0ms"), milliseconds(0));
}

// Issue 21.10: nginx's combined form, largest unit first, each once.
TEST(ParseDuration, AcceptsNginxsCombinedFormLargestUnitFirst) {
  EXPECT_EQ(parse_duration("1s500ms"), milliseconds(1500));
  EXPECT_EQ(parse_duration("1m30s"), milliseconds(90000));
  EXPECT_EQ(parse_duration("2m1s5ms"), milliseconds(121005));
  EXPECT_EQ(parse_duration("500ms1s"), std::nullopt);
  EXPECT_EQ(parse_duration("1s1s"), std::nullopt);
  EXPECT_EQ(parse_duration("1.5s"), std::nullopt);
  EXPECT_EQ(parse_duration("1s500"), std::nullopt);
  EXPECT_EQ(parse_duration("1440m1ms"), std::nullopt);
}

TEST(ParseDuration, RejectsMissingUnitsNegativesAndGarbage) {
  EXPECT_EQ(parse_duration("300"), std::nullopt);
  EXPECT_EQ(parse_duration("-5s"), std::nullopt);
  EXPECT_EQ(parse_duration("5 s"), std::nullopt);
  EXPECT_EQ(parse_duration("s"), std::nullopt);
  EXPECT_EQ(parse_duration(""), std::nullopt);
  EXPECT_EQ(parse_duration("1h"), std::nullopt);
}

TEST(ParseDuration, RejectsValuesBeyondADayWithoutOverflow) {
  EXPECT_EQ(parse_duration("9223372036854775807s"), std::nullopt);
  EXPECT_EQ(parse_duration("1441m"), std::nullopt);
  EXPECT_EQ(parse_duration("1440m"), milliseconds(86400000));
}

TEST(FormatDuration, PrintsWholeSecondsAsSecondsElseMilliseconds) {
  EXPECT_EQ(format_duration(milliseconds(5000)), "5s");
  EXPECT_EQ(format_duration(milliseconds(300)), "300ms");
  EXPECT_EQ(format_duration(milliseconds(0)), "0ms");
}

}  // namespace
}  // namespace hotdeploy::orchestrator
