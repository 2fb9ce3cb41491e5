// junit.xml: the outcome of a batch of scenario runs in the JUnit XML format that CI systems
// read -- one <testsuite> (named "hotdeploy", or as the caller says: "hotdeploy shard 2/3"), one <testcase> per run
// (classname hotdeploy.<target>, name, time in seconds) with <properties> naming the target and each binary (path,
// version, sha256). A run the environment stopped (binary missing, directory unwritable) is an <error> carrying that
// message; a run that did not happen (a fake-only scenario with --target nginx, a run an interrupt prevented) is
// <skipped> with the reason; a run whose verdict is not pass is a <failure> whose type is the verdict ("fail" or
// "unknown"), whose message names the checks that did not pass, and whose text gives each such check's detail. Every
// string is XML-escaped; bytes that XML 1.0 cannot carry (control characters, malformed UTF-8) are written as the text
// \xNN.
#pragma once

#include <iosfwd>
#include <span>
#include <string>
#include <string_view>

#include "harness/judge/checks.h"
#include "harness/report/run_subject.h"

namespace hotdeploy::harness {

struct ScenarioOutcome {
  std::string name;    // unique in a batch: "upgrade#2" for the second of --repeat runs
  double seconds = 0;  // wall time of the run
  Judgement judgement;
  RunSubject subject;
  std::string error;    // non-empty: the environment stopped the run; the judgement is not used
  std::string skipped;  // non-empty: the run did not happen, for this reason
};

void write_junit_xml(std::span<const ScenarioOutcome> outcomes, std::ostream& out,
                     std::string_view suite = "hotdeploy");

// text as XML character data or attribute value (quotes escaped too).
[[nodiscard]] std::string xml_escape(std::string_view text);

}  // namespace hotdeploy::harness
