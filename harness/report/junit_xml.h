// junit.xml: the outcome of a batch of scenario runs in the JUnit XML format that CI systems
// read -- one <testsuite name="hotdeploy">, one <testcase> per scenario (name, time in
// seconds), and, for a scenario whose verdict is not pass, a <failure> whose type is the
// verdict ("fail" or "unknown"), whose message names the checks that did not pass, and whose
// text gives each such check's detail. Every string is XML-escaped; bytes that XML 1.0 cannot
// carry (control characters, malformed UTF-8) are written as the text \xNN.
#pragma once

#include <iosfwd>
#include <span>
#include <string>
#include <string_view>

#include "harness/judge/checks.h"

namespace hotdeploy::harness {

struct ScenarioOutcome {
  std::string name;
  double seconds = 0;  // wall time of the run
  Judgement judgement;
};

void write_junit_xml(std::span<const ScenarioOutcome> outcomes, std::ostream& out);

// text as XML character data or attribute value (quotes escaped too).
[[nodiscard]] std::string xml_escape(std::string_view text);

}  // namespace hotdeploy::harness
