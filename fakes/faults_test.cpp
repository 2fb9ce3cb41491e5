#include "faults.h"

#include <signal.h>

#include <gtest/gtest.h>

#include <iterator>
#include <string>

namespace hotdeploy::fakes {
namespace {

using std::chrono::milliseconds;

// Every fault of faults.list parses, with a parameter of its kind, into its own struct (the
// variant follows the list's order) and prints back to the same text: a fault added to the list
// needs nothing here.
TEST(Faults, EveryListedFaultRoundTripsThroughItsTextForm) {
  using fault_list::Parameter;
  for (std::size_t i = 0; i < std::size(fault_list::kEntries); ++i) {
    const auto& entry = fault_list::kEntries[i];
    std::string text(entry.name);
    switch (entry.parameter) {
      case Parameter::none: break;
      case Parameter::time: text += "=500ms"; break;
      case Parameter::count: text += "=3"; break;
      case Parameter::signal: text += "=SIGUSR2"; break;
      case Parameter::status: text += "=503"; break;
    }
    FaultParse parsed = parse_fault(text);
    ASSERT_TRUE(parsed.fault) << text << ": " << parsed.error;
    EXPECT_EQ(parsed.fault->index(), i) << text;
    EXPECT_EQ(format_fault(*parsed.fault), text);
  }
}

TEST(Faults, ParametersKeepTheirUnits) {
  EXPECT_EQ(std::get<SlowStart>(*parse_fault("slow_start=2s").fault).delay, milliseconds(2000));
  EXPECT_EQ(std::get<DieAfter>(*parse_fault("die_after=1m").fault).delay, milliseconds(60'000));
  EXPECT_EQ(std::get<IgnoreSignal>(*parse_fault("ignore_signal=WINCH").fault).signo, SIGWINCH);
  EXPECT_EQ(std::get<IgnoreSignal>(*parse_fault("ignore_signal=12").fault).signo, SIGUSR2);
  EXPECT_EQ(std::get<WorkerCrashOnRequest>(*parse_fault("worker_crash_on_request=7").fault).request_number, 7);
}

TEST(Faults, BadFaultsSayWhatIsWrong) {
  EXPECT_EQ(parse_fault("explode").error, "unknown fault \"explode\"");
  EXPECT_EQ(parse_fault("crash_on_start=1").error, "fault \"crash_on_start\" takes no value");
  EXPECT_EQ(parse_fault("slow_start=soon").error,
            "fault \"slow_start\" needs a time such as 500ms or 2s, got \"soon\"");
  EXPECT_FALSE(parse_fault("bad_status=42").fault);
  EXPECT_FALSE(parse_fault("ignore_signal=SIGKILL").fault);
  EXPECT_FALSE(parse_fault("worker_crash_on_request=0").fault);
}

TEST(Faults, FindsByType) {
  Faults faults({BadStatus{502}, SlowStart{milliseconds(10)}});
  ASSERT_NE(faults.find<BadStatus>(), nullptr);
  EXPECT_EQ(faults.find<BadStatus>()->status_code, 502);
  EXPECT_TRUE(faults.has<SlowStart>());
  EXPECT_FALSE(faults.has<CrashOnStart>());
  EXPECT_TRUE(Faults().empty());
}

}  // namespace
}  // namespace hotdeploy::fakes
