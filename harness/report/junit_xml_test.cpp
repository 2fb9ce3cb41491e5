#include "harness/report/junit_xml.h"

#include <gtest/gtest.h>

#include <sstream>
#include <vector>

namespace hotdeploy::harness {
namespace {

ScenarioOutcome outcome(std::string name, double seconds, Verdict verdict, std::vector<Check> checks) {
  return ScenarioOutcome{std::move(name), seconds, Judgement{verdict, {}, std::move(checks)}, {}, {}, {}};
}

TEST(JunitXmlTest, OneTestcasePerScenarioAndAFailureNamingEachCheckThatDidNotPass) {
  const std::vector<ScenarioOutcome> outcomes = {
      outcome("upgrade", 2.5, Verdict::pass, {Check{"dropped", Verdict::pass, "0 of 10 requests dropped"}}),
      outcome("abort_on_quit", 1.25, Verdict::fail,
              {Check{"dropped", Verdict::fail, "3 of 10 requests dropped (truncated: 3)"},
               Check{"switchover_ms", Verdict::unknown, "no USR2 was sent"},
               Check{"run_errors", Verdict::pass, "no run errors"}}),
  };
  std::ostringstream out;
  write_junit_xml(outcomes, out);
  EXPECT_EQ(out.str(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<testsuite name=\"hotdeploy\" tests=\"2\" failures=\"1\" errors=\"0\" skipped=\"0\" time=\"3.750\">\n"
            "  <testcase classname=\"hotdeploy\" name=\"upgrade\" time=\"2.500\"/>\n"
            "  <testcase classname=\"hotdeploy\" name=\"abort_on_quit\" time=\"1.250\">\n"
            "    <failure type=\"fail\" message=\"fail: dropped, switchover_ms\">"
            "dropped (fail): 3 of 10 requests dropped (truncated: 3)\n"
            "switchover_ms (unknown): no USR2 was sent\n"
            "</failure>\n"
            "  </testcase>\n"
            "</testsuite>\n");
}

// CI groups testcases by classname and shows properties: a run says what it ran on; a run the
// environment stopped is an <error> with its message, and one that never happened is <skipped>.
TEST(JunitXmlTest, NamesTheTargetAndBinariesAndTellsErrorsAndSkipsFromFailures) {
  auto ran = outcome("upgrade#1", 1, Verdict::pass, {});
  ran.subject = {"nginx", {{"binary", "/usr/sbin/nginx", "nginx version: nginx/1.22.1", "ab12"}}};
  auto stopped = outcome("upgrade#2", 0, Verdict::fail, {Check{"run", Verdict::fail, "exit 3"}});
  stopped.error = "binary /opt/nope (from --new-binary): not found";
  auto skipped = outcome("abort_on_quit", 0, Verdict::unknown, {});
  skipped.skipped = "fake-only: its binaries carry fake-nginx faults, and the target is nginx";
  const std::vector<ScenarioOutcome> outcomes = {ran, stopped, skipped};
  std::ostringstream out;
  write_junit_xml(outcomes, out);
  EXPECT_EQ(out.str(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<testsuite name=\"hotdeploy\" tests=\"3\" failures=\"0\" errors=\"1\" skipped=\"1\" time=\"1.000\">\n"
            "  <testcase classname=\"hotdeploy.nginx\" name=\"upgrade#1\" time=\"1.000\">\n"
            "    <properties>\n"
            "      <property name=\"target\" value=\"nginx\"/>\n"
            "      <property name=\"binary.path\" value=\"/usr/sbin/nginx\"/>\n"
            "      <property name=\"binary.version\" value=\"nginx version: nginx/1.22.1\"/>\n"
            "      <property name=\"binary.sha256\" value=\"ab12\"/>\n"
            "    </properties>\n"
            "  </testcase>\n"
            "  <testcase classname=\"hotdeploy\" name=\"upgrade#2\" time=\"0.000\">\n"
            "    <error type=\"environment\" message=\"binary /opt/nope (from --new-binary): not found\">"
            "binary /opt/nope (from --new-binary): not found</error>\n"
            "  </testcase>\n"
            "  <testcase classname=\"hotdeploy\" name=\"abort_on_quit\" time=\"0.000\">\n"
            "    <skipped message=\"fake-only: its binaries carry fake-nginx faults, and the target is nginx\"/>\n"
            "  </testcase>\n"
            "</testsuite>\n");
}

TEST(JunitXmlTest, NoScenariosIsAnEmptySuite) {
  std::ostringstream out;
  write_junit_xml({}, out);
  EXPECT_NE(out.str().find("tests=\"0\" failures=\"0\""), std::string::npos);
  EXPECT_NE(out.str().find("</testsuite>"), std::string::npos);
}

TEST(JunitXmlTest, TheSuiteIsNamedAsTheCallerSays) {
  std::ostringstream out;
  write_junit_xml({}, out, "hotdeploy shard 2/3 <&>");
  EXPECT_NE(out.str().find("<testsuite name=\"hotdeploy shard 2/3 &lt;&amp;&gt;\" tests=\"0\""), std::string::npos)
      << out.str();
}

TEST(JunitXmlTest, EveryStringIsEscaped) {
  const std::vector<ScenarioOutcome> outcomes = {
      outcome("a<b>&\"c\"'d'", 0, Verdict::unknown,
              {Check{"log", Verdict::fail,
                     "\"\\[emerg\\]\" matches \"<script>&amp; \x01\x1b[31m \xff\xfe ok \xc3\xa9 \xe4\xb8\xad\""}})};
  std::ostringstream out;
  write_junit_xml(outcomes, out);
  const std::string xml = out.str();
  EXPECT_NE(xml.find("name=\"a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("type=\"unknown\" message=\"unknown: log\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("&quot;&lt;script&gt;&amp;amp; \\x01\\x1b[31m \\xff\\xfe ok \xc3\xa9 \xe4\xb8\xad&quot;"),
            std::string::npos)
      << xml;
  // Nothing XML 1.0 forbids is left: no control byte but \n, no malformed UTF-8, no raw < or &
  // outside markup.
  for (char c : xml) {
    const auto b = static_cast<unsigned char>(c);
    EXPECT_TRUE(b >= 0x20 || b == '\n') << static_cast<int>(b);
  }
  EXPECT_EQ(xml.find("<script"), std::string::npos);
}

TEST(JunitXmlTest, EscapeKeepsTabsNewlinesAndWellFormedUtf8) {
  EXPECT_EQ(xml_escape("a\tb\nc\r"), "a\tb\nc\r");
  EXPECT_EQ(xml_escape("\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80");
  EXPECT_EQ(xml_escape("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // a UTF-16 surrogate is not UTF-8
  EXPECT_EQ(xml_escape(std::string_view("\0x", 2)), "\\x00x");
}

}  // namespace
}  // namespace hotdeploy::harness
