#include "harness/report/report_html.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "harness/history/history_builder.h"
#include "harness/judge/metrics.h"
#include "harness/judge/transition_metrics.h"
#include "harness/report/result_file.h"

namespace hotdeploy::harness {
namespace {

using testing::HistoryBuilder;

std::string render(std::string_view name, const History& history) {
  std::ostringstream out;
  write_report_html(name, {}, history, judge(history, Expectations{}), out);
  return out.str();
}

std::size_t count(const std::string& text, std::string_view needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++n;
  return n;
}

Event log_line(std::int64_t t_ns, std::string text) {
  Event e;
  e.t_ns = t_ns;
  e.type = EventType::log_line;
  e.text = std::move(text);
  return e;
}

Event exited(std::int64_t t_ns, std::int32_t pid, std::int32_t generation, ProcessRole role, std::int32_t code) {
  Event e;
  e.t_ns = t_ns;
  e.type = EventType::process_exited;
  e.pid = pid;
  e.generation = generation;
  e.role = role;
  e.exit_code = code;
  return e;
}

History with_events(const History& base, std::vector<Event> extra) {
  std::vector<Event> all = base.events();
  all.insert(all.end(), extra.begin(), extra.end());
  return History::from_events(std::move(all));
}

TEST(HtmlEscapeTest, EscapesMarkupCharacters) {
  EXPECT_EQ(html_escape("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;");
  EXPECT_EQ(html_escape("plain text 123"), "plain text 123");
  EXPECT_EQ(html_escape(""), "");
}

TEST(HtmlEscapeTest, KeepsWellFormedUtf8AndReplacesBadBytes) {
  EXPECT_EQ(html_escape("→ é"), "→ é");
  EXPECT_EQ(html_escape("a\xff"
                        "b\xc3"),
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD");
}

TEST(ReportHtmlTest, EscapesEveryStringFromTheRun) {
  const History base =
      HistoryBuilder{}.master(100, 1).at_ms(5).orchestrator(EventType::run_error, "<b>boom</b>").build();
  const History history = with_events(base, {log_line(6'000'000, "[emerg] <script>alert(1)</script>")});
  const std::string html = render("<i>name</i>", history);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<i>name"), std::string::npos);
  EXPECT_EQ(html.find("<b>boom"), std::string::npos);
  EXPECT_NE(html.find("[emerg] &lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("&lt;i&gt;name&lt;/i&gt;"), std::string::npos);
  EXPECT_NE(html.find("run_error: &lt;b&gt;boom&lt;/b&gt;"), std::string::npos);
}

TEST(ReportHtmlTest, TheMixByNameAndAnExecsResultAreShown) {
  const History base = HistoryBuilder{}
                           .master(100, 1)
                           .worker(101, 100, 1)
                           .at_ms(10)
                           .ok(1, 101)
                           .named("home")
                           .request(2, Outcome::info, Reason::bad_gateway, 101)
                           .named("check<out>")
                           .build();
  Event exec;
  exec.t_ns = 20'000'000;
  exec.type = EventType::exec_ended;
  exec.pid = 300;
  exec.exit_code = 0;
  exec.duration_ns = 5'500'000;
  exec.output = "reloaded <ok>\n";
  exec.text = "nginx -s reload";
  Event hup;
  hup.t_ns = 15'000'000;
  hup.type = EventType::signal_sent;
  hup.pid = 100;
  hup.generation = 1;
  hup.role = ProcessRole::master;
  hup.seen = ProcessSeen::inferred_from_log;
  hup.signal = Signal::hup;
  hup.text = "HUP";
  const std::string html = render("mix", with_events(base, {exec, hup}));
  EXPECT_NE(html.find("<table id=\"by-name\">"), std::string::npos);
  EXPECT_NE(html.find("<td>home</td><td class=\"num\">1</td><td class=\"num\">1</td><td class=\"num\">0</td>"),
            std::string::npos);
  EXPECT_NE(html.find("<td>check&lt;out&gt;</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>bad_gateway: 1</td>"), std::string::npos);
  EXPECT_NE(html.find("exec_ended: nginx -s reload: exit 0 after 5.5 ms (pid 300)"), std::string::npos) << html;
  EXPECT_NE(html.find("<details><summary>output</summary><pre>reloaded &lt;ok&gt;\n</pre></details>"),
            std::string::npos);
  EXPECT_NE(html.find("HUP to pid 100 (sent by the exec step&#39;s command; seen in error.log)"), std::string::npos)
      << html;
  EXPECT_EQ(render("plain", HistoryBuilder{}.master(100, 1).at_ms(5).ok(1, 100).build()).find("by-name"),
            std::string::npos);
}

TEST(ReportHtmlTest, OneMarkerPerSignalAndSwap) {
  const History history = HistoryBuilder{}
                              .master(100, 1)
                              .at_ms(10)
                              .orchestrator(EventType::binary_swapped, "new")
                              .at_ms(11)
                              .signal("USR2", 100, 1)
                              .at_ms(20)
                              .signal("WINCH", 100, 1)
                              .at_ms(30)
                              .signal("HUP", 100, 1)
                              .at_ms(40)
                              .signal("SIGQUIT", 100, 1)
                              .at_ms(50)
                              .signal("TERM", 100, 1)
                              .build();
  const std::string html = render("signals", history);
  EXPECT_EQ(count(html, "class=\"marker\""), 6U);
  EXPECT_EQ(count(html, "data-kind=\"signal\""), 5U);
  EXPECT_EQ(count(html, "data-kind=\"swap\""), 1U);
  for (const std::string_view name : {"USR2", "WINCH", "HUP", "QUIT", "TERM"}) {
    EXPECT_NE(html.find("data-label=\"" + std::string(name) + " → g1\""), std::string::npos) << name;
  }
}

// The shaded windows of report.html, as (data-from-ns, data-to-ns).
std::vector<std::pair<std::int64_t, std::int64_t>> shaded_windows(const std::string& html) {
  static const std::regex kWindow(R"re(<rect class="window" data-from-ns="(-?\d+)" data-to-ns="(-?\d+)")re");
  std::vector<std::pair<std::int64_t, std::int64_t>> windows;
  for (std::sregex_iterator it(html.begin(), html.end(), kWindow), end; it != end; ++it) {
    windows.emplace_back(std::stoll((*it)[1]), std::stoll((*it)[2]));
  }
  return windows;
}

TEST(ReportHtmlTest, ShadesExactlyTheJudgesTransitionWindow) {
  // An upgrade whose drain ends after the last signal, and one whose last signal comes later.
  const History drained = HistoryBuilder{}
                              .master(100, 1)
                              .worker(101, 100, 1)
                              .at_ms(10)
                              .signal("USR2", 100, 1)
                              .at_ms(12)
                              .master(200, 2)
                              .worker(201, 200, 2)
                              .at_ms(20)
                              .signal("WINCH", 100, 1)
                              .at_ms(25)
                              .signal("QUIT", 100, 1)
                              .at_ms(60)
                              .exited(101, 100, ProcessRole::worker, 1)
                              .at_ms(90)
                              .ok(1, 201)
                              .build();
  const History signalled = HistoryBuilder{}
                                .master(100, 1)
                                .worker(101, 100, 1)
                                .at_ms(10)
                                .signal("USR2", 100, 1)
                                .at_ms(20)
                                .signal("WINCH", 100, 1)
                                .at_ms(22)
                                .exited(101, 100, ProcessRole::worker, 1)
                                .at_ms(70)
                                .signal("HUP", 100, 1)
                                .at_ms(90)
                                .ok(1, 5)
                                .build();
  for (const History* history : {&drained, &signalled}) {
    const Metrics metrics = compute_metrics(*history);
    const auto judged = transition_window(*history, metrics.drain_ms);
    ASSERT_TRUE(judged.has_value());
    const std::vector<std::pair<std::int64_t, std::int64_t>> once{{judged->from_ns, judged->to_ns}};
    // Once on the timeline, once behind the lifelines: both the judge's window, no other.
    const auto shaded = shaded_windows(render("windows", *history));
    ASSERT_EQ(shaded.size(), 2U);
    EXPECT_EQ(shaded[0], once[0]);
    EXPECT_EQ(shaded[1], once[0]);
  }
  EXPECT_TRUE(transition_window(drained, compute_metrics(drained).drain_ms)->ends_at_drain);
  EXPECT_NE(render("drained", drained).find("USR2 at 10.0 ms until the drain ended at 60.0 ms"), std::string::npos);
  EXPECT_FALSE(transition_window(signalled, compute_metrics(signalled).drain_ms)->ends_at_drain);
  EXPECT_NE(render("signalled", signalled).find("USR2 at 10.0 ms until the last signal (HUP) at 70.0 ms"),
            std::string::npos);
  EXPECT_TRUE(shaded_windows(render("none", HistoryBuilder{}.master(100, 1).at_ms(5).ok(1, 5).build())).empty());
}

// The close-up frames the judge's transition window (first USR2 to the last signal here: no
// worker, so no drain) with a quarter of its length on each side.
TEST(ReportHtmlTest, ACloseUpOnlyWhenTheTransitionIsASmallPartOfTheRun) {
  const std::string long_run = render("long", HistoryBuilder{}
                                                  .master(100, 1)
                                                  .at_ms(5000)
                                                  .signal("USR2", 100, 1)
                                                  .at_ms(5050)
                                                  .signal("WINCH", 100, 1)
                                                  .at_ms(5100)
                                                  .signal("QUIT", 100, 1)
                                                  .at_ms(10000)
                                                  .ok(1, 5)
                                                  .build());
  EXPECT_NE(long_run.find("id=\"close-up\""), std::string::npos);
  EXPECT_EQ(count(long_run, "class=\"marker\""), 6U);  // three signals on the whole run and on the close-up
  EXPECT_NE(long_run.find("4975.0 – 5125.0 ms"), std::string::npos);

  const std::string short_run = render("short", HistoryBuilder{}
                                                    .master(100, 1)
                                                    .at_ms(5000)
                                                    .signal("USR2", 100, 1)
                                                    .at_ms(9000)
                                                    .signal("QUIT", 100, 1)
                                                    .at_ms(10000)
                                                    .ok(1, 5)
                                                    .build());
  EXPECT_EQ(short_run.find("id=\"close-up\""), std::string::npos);
}

TEST(ReportHtmlTest, OneLifelinePerProcessWithItsExit) {
  const History base = HistoryBuilder{}
                           .master(100, 1)
                           .worker(101, 100, 1)
                           .worker(102, 100, 0)
                           .at_ms(30)
                           .master(200, 2)
                           .worker(201, 200, 2)
                           .at_ms(100)
                           .orchestrator(EventType::step_started, "sleep")
                           .build();
  const History history = with_events(
      base, {exited(60'000'000, 101, 1, ProcessRole::worker, 0), exited(61'000'000, 102, 1, ProcessRole::worker, 137)});
  const std::string html = render("processes", history);
  EXPECT_EQ(count(html, "class=\"lifeline\""), 5U);
  for (const int pid : {100, 101, 102, 200, 201}) {
    EXPECT_EQ(count(html, "data-pid=\"" + std::to_string(pid) + "\""), 1U) << pid;
  }
  EXPECT_NE(html.find("exit 137 (signal 9)"), std::string::npos);
  EXPECT_EQ(count(html, ">alive at end<"), 3U);
  EXPECT_NE(html.find("worker 102, generation 1"), std::string::npos);  // inherited from its master
}

TEST(BucketRequestsTest, CountsEachRequestOnceWhereItsFinalAttemptEnded) {
  const History history = HistoryBuilder{}
                              .master(100, 1)
                              .worker(101, 100, 1)
                              .at_ms(2)
                              .master(200, 2)
                              .worker(201, 200, 2)
                              .at_ms(3)
                              .ok(1, 101)
                              .ok(2, 101)
                              .ok(3, 201)
                              .at_ms(15)
                              .request(4, Outcome::fail, Reason::refused)
                              .at_ms(16)
                              .sent_only(5)
                              .ended_only(5, Outcome::fail, Reason::closed_without_response)
                              .at_ms(27)
                              .ok(5, 201, 2)
                              .at_ms(28)
                              .ok(6, 999)
                              .at_ms(35)
                              .sent_only(7)
                              .at_ms(36)
                              .sent_only(8)
                              .ended_only(8, Outcome::fail, Reason::closed_without_response)
                              .at_ms(37)
                              .ended_only(8, Outcome::fail, Reason::refused, 2)  // a retry that never connected
                              .at_ms(5000)
                              .orchestrator(EventType::step_started, "end")
                              .build();
  const RequestTimeline timeline = bucket_requests(history);
  EXPECT_EQ(timeline.bucket_ns, 10'000'000);
  ASSERT_EQ(timeline.buckets.size(), 500U);
  EXPECT_EQ(timeline.generations, (std::vector<std::int32_t>{0, 1, 2}));
  const auto& b = timeline.buckets;
  EXPECT_EQ(b[0].ok_by_generation, (std::map<std::int32_t, std::uint64_t>{{1, 2}, {2, 1}}));
  EXPECT_EQ(b[0].total(), 3U);
  EXPECT_EQ(b[1].dropped, 1U);  // request 4; request 5's first attempt is not final
  EXPECT_EQ(b[1].total(), 1U);
  EXPECT_EQ(b[2].retried, 1U);
  EXPECT_EQ(b[2].ok_by_generation.at(0), 1U);  // pid 999 has no known generation
  EXPECT_EQ(b[2].total(), 2U);
  EXPECT_EQ(b[3].dropped, 2U);  // request 7 never ended: counted where it was sent; request 8 once
  std::uint64_t total = 0;
  for (const RequestBucket& bucket : b) total += bucket.total();
  EXPECT_EQ(total, compute_metrics(history).requests);
  EXPECT_EQ(total, 8U);
}

TEST(BucketRequestsTest, NeverMoreThanTheMaximumNumberOfBuckets) {
  const History history = HistoryBuilder{}.at_ms(3'600'000).ok(1, 5).build();
  const RequestTimeline timeline = bucket_requests(history, 600);
  EXPECT_LE(timeline.buckets.size(), 600U);
  EXPECT_EQ(timeline.bucket_ns, 10'000'000'000);
  EXPECT_EQ(timeline.buckets.back().total(), 1U);
}

TEST(BucketRequestsTest, ARangeCountsOnlyWhatEndedInsideIt) {
  const History history = HistoryBuilder{}
                              .at_ms(5)
                              .ok(1, 7)
                              .at_ms(15.5)
                              .ok(2, 7)
                              .at_ms(20)
                              .ok(3, 7)
                              .at_ms(25)
                              .ok(4, 7)
                              .at_ms(100)
                              .ok(5, 7)
                              .build();
  const RequestTimeline timeline = bucket_requests(history, 10'000'000, 20'000'000);
  EXPECT_EQ(timeline.from_ns, 10'000'000);
  EXPECT_EQ(timeline.bucket_ns, 1'000'000);
  ASSERT_EQ(timeline.buckets.size(), 10U);
  EXPECT_EQ(timeline.buckets[5].ok_by_generation.at(0), 1U);
  EXPECT_EQ(timeline.buckets[9].ok_by_generation.at(0), 1U);  // at the range's end: the last bucket
  std::uint64_t total = 0;
  for (const RequestBucket& bucket : timeline.buckets) total += bucket.total();
  EXPECT_EQ(total, 2U);
}

// The phases of a result.json, each as the text of its members by key ("name", "from_ms", ...,
// and the latency's "count", "p50", ...), read by pattern from the pretty-printed file.
std::vector<std::map<std::string, std::string>> result_json_phases(const std::string& json) {
  const auto from = json.find("\"phases\"");
  const auto to = json.find("\"checks\"");
  EXPECT_NE(from, std::string::npos) << json;
  std::vector<std::map<std::string, std::string>> phases;
  // A member of a nested object is keyed "object.member" ("latency_ms.p50"): the nested objects
  // come after a phase's plain members.
  const std::regex member(R"re("([a-z0-9_.]+)": ("[^"]*"|[-0-9.e+]+|\{))re");
  const std::string section = json.substr(from, to - from);
  std::string prefix;
  for (std::sregex_iterator it(section.begin(), section.end(), member), end; it != end; ++it) {
    std::string value = (*it)[2];
    if (value == "{") {
      prefix = std::string((*it)[1]) + ".";
      continue;
    }
    if (value.front() == '"') value = value.substr(1, value.size() - 2);
    if ((*it)[1] == "name") {
      phases.emplace_back();
      prefix.clear();
    }
    if (!phases.empty()) phases.back()[prefix + std::string((*it)[1])] = value;
  }
  return phases;
}

// The cells of each row of report.html's table of the given id (phases, connects).
std::vector<std::vector<std::string>> report_table_rows(const std::string& html, const std::string& id = "phases") {
  const auto from = html.find("<table id=\"" + id + "\">");
  EXPECT_NE(from, std::string::npos) << html;
  const std::string table = html.substr(from, html.find("</table>", from) - from);
  std::vector<std::vector<std::string>> rows;
  const std::regex row("<tr><td>.*?</tr>");
  const std::regex cell("<td[^>]*>([^<]*)</td>");
  for (std::sregex_iterator r(table.begin(), table.end(), row), end; r != end; ++r) {
    const std::string text = r->str();
    auto& cells = rows.emplace_back();
    for (std::sregex_iterator c(text.begin(), text.end(), cell); c != end; ++c) cells.push_back((*c)[1]);
  }
  return rows;
}

// A number report.html printed with `decimals` digits is the judge's, rounded.
void expect_rounded(const std::string& printed, const std::string& judged, int decimals, const std::string& what) {
  EXPECT_NEAR(std::stod(printed), std::stod(judged), 0.5 * std::pow(10.0, -decimals) + 1e-9)
      << what << ": report.html " << printed << ", result.json " << judged;
}

TEST(ReportHtmlTest, KernelCounterStripShowsOnlyTheCountersThatMovedPerPhase) {
  const History history = HistoryBuilder{}
                              .kernel_counters("start", {{"TcpOutRsts", 1}, {"TcpExtListenOverflows", 5}})
                              .master(100, 1)
                              .at_ms(10)
                              .signal("HUP", 100, 1)
                              .at_ms(20)
                              .kernel_counters("end", {{"TcpOutRsts", 8}, {"TcpExtListenOverflows", 5}})
                              .build();
  const std::string html = render("kernel", history);
  const auto from = html.find("<table id=\"kernel-counters\">");
  ASSERT_NE(from, std::string::npos) << html;
  const std::string table = html.substr(from, html.find("</table>", from) - from);
  EXPECT_EQ(table,
            "<table id=\"kernel-counters\"><tr><th>phase</th><th>TcpOutRsts</th></tr>\n"
            "<tr><td>start</td><td class=\"num\">0</td></tr>\n"
            "<tr><td>HUP</td><td class=\"num\">7</td></tr>\n");
}

TEST(ReportHtmlTest, UpstreamTableShowsTheUpstreamsSideNextToTheClients) {
  const History history = HistoryBuilder{}
                              .master(100, 1)
                              .worker(101, 100, 1)
                              .at_ms(10)
                              .upstream_request("app", 1, 1, true, 11)
                              .at_ms(12)
                              .ok(1, 101)
                              .at_ms(20)
                              .upstream_request("app", 1, 2, true, 21)
                              .at_ms(22)
                              .request(2, Outcome::fail, Reason::bad_gateway, 101)
                              .with_status(502)
                              .at_ms(30)
                              .request(3, Outcome::fail, Reason::bad_gateway, 101)
                              .with_status(502)
                              .build();
  const std::string html = render("proxy", history);
  const auto from = html.find("<table id=\"upstreams\">");
  ASSERT_NE(from, std::string::npos) << html;
  const std::string table = html.substr(from, html.find("</table>", from) - from);
  EXPECT_NE(table.find("<tr><td>app</td><td class=\"num\">2</td><td class=\"num\">2</td><td class=\"num\">0</td>"
                       "<td class=\"num\">1</td><td class=\"num\">1</td><td class=\"num\">0</td>"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("<tr><td>reached no upstream</td><td class=\"num\">—</td><td class=\"num\">—</td><td "
                       "class=\"num\">—</td><td class=\"num\">0</td><td class=\"num\">1</td>"),
            std::string::npos)
      << table;
  EXPECT_NE(html.find("<li>request 2 (get GET /): app answered 200 on its connection 1 at 21.0 ms; the client got "
                      "502</li>"),
            std::string::npos);
}

TEST(ReportHtmlTest, NoUpstreamTableWithoutUpstreams) {
  EXPECT_EQ(render("plain", HistoryBuilder{}.master(100, 1).at_ms(1).ok(1, 5).build()).find("id=\"upstreams\""),
            std::string::npos);
}

TEST(ReportHtmlTest, KernelCountersNotReadSayWhy) {
  const History history = HistoryBuilder{}.master(100, 1).build();
  std::ostringstream out;
  const RunSubject subject{"fake", {}, RunIsolation{"none", "EPERM", false, "EPERM"}};
  write_report_html("no-netns", subject, history, judge(history, Expectations{}), out);
  EXPECT_NE(out.str().find("<p class=\"note\" id=\"kernel-counters\">Not read: the run had no network namespace of "
                           "its own, so the kernel&#39;s counters would mix in other traffic: EPERM.</p>"),
            std::string::npos)
      << out.str();
}

TEST(ReportHtmlTest, PhaseTableShowsTheJudgesPhasesAsResultJsonHasThem) {
  // Request 2 is sent before USR2 and ends after it: the judge files it under USR2, where it ended.
  const History history = HistoryBuilder{}
                              .master(100, 1)
                              .at_ms(1)
                              .sent_only(1)
                              .at_ms(3)
                              .ended_only(1, Outcome::ok, Reason::none)
                              .at_ms(2)
                              .sent_only(2)
                              .at_ms(12)
                              .ended_only(2, Outcome::info, Reason::response_timeout)
                              .at_ms(10)
                              .signal("USR2", 100, 1)
                              .at_ms(11)
                              .sent_only(3)
                              .at_ms(15.5)
                              .ended_only(3, Outcome::ok, Reason::none)
                              .at_ms(16)
                              .sent_only(4)
                              .at_ms(17.25)
                              .ended_only(4, Outcome::ok, Reason::none)
                              .at_ms(20)
                              .signal("WINCH", 100, 1)
                              .build();
  const Judgement judgement = judge(history, Expectations{});
  std::ostringstream json;
  write_result_json("phases", {}, judgement, json);
  std::ostringstream html;
  write_report_html("phases", {}, history, judgement, html);

  const auto judged = result_json_phases(json.str());
  const auto shown = report_table_rows(html.str());
  ASSERT_EQ(judged.size(), 3U) << json.str();
  EXPECT_EQ(judged[1].at("name"), "USR2");
  EXPECT_EQ(judged[1].at("requests"), "3");
  EXPECT_EQ(judged[1].at("dropped"), "1");
  ASSERT_EQ(shown.size(), judged.size()) << html.str();
  for (std::size_t k = 0; k < judged.size(); ++k) {
    const auto& phase = judged[k];
    const auto& row = shown[k];
    const std::string what = "phase " + phase.at("name");
    ASSERT_EQ(row.size(), 10U) << what;
    EXPECT_EQ(row[0], phase.at("name") + " → " + (k + 1 < judged.size() ? judged[k + 1].at("name") : "end"));
    expect_rounded(row[1], phase.at("from_ms"), 1, what + " from_ms");
    expect_rounded(row[2], phase.at("to_ms"), 1, what + " to_ms");
    EXPECT_EQ(row[3], phase.at("requests")) << what;
    EXPECT_EQ(row[4], phase.at("ok")) << what;
    EXPECT_EQ(row[5], phase.at("dropped")) << what;
    const char* latency_keys[] = {"p50", "p99", "p99.9", "max"};
    for (std::size_t i = 0; i < 4; ++i) {
      if (phase.at("latency_ms.count") == "0") {
        EXPECT_EQ(row[6 + i], "—") << what << " " << latency_keys[i];
      } else {
        expect_rounded(row[6 + i], phase.at(std::string("latency_ms.") + latency_keys[i]), 2,
                       what + " " + latency_keys[i]);
      }
    }
  }
}

TEST(ReportHtmlTest, ConnectTableShowsEachPhasesConnectLatencyAsResultJsonHasIt) {
  // Request 1 connects at once before the USR2; request 2's connect began before it and took 1.2 s
  // (a dropped SYN); request 3 connects after it.
  std::vector<Event> events = HistoryBuilder{}
                                  .master(100, 1)
                                  .at_ms(10)
                                  .ok(1, 101)
                                  .at_ms(1000)
                                  .signal("USR2", 100, 1)
                                  .at_ms(1100)
                                  .ok(3, 101)
                                  .at_ms(1500)
                                  .ok(2, 101)
                                  .build()
                                  .events();
  for (Event& e : events) {
    if (e.type != EventType::request_sent) continue;
    e.connect_ns = e.request_id == 2 ? 1'200'000'000 : 300'000;
  }
  const History history = History::from_events(std::move(events));
  const Judgement judgement = judge(history, Expectations{});
  std::ostringstream json;
  write_result_json("connects", {}, judgement, json);
  std::ostringstream html;
  write_report_html("connects", {}, history, judgement, html);

  const auto judged = result_json_phases(json.str());
  const auto shown = report_table_rows(html.str(), "connects");
  ASSERT_EQ(judged.size(), 2U) << json.str();
  ASSERT_EQ(shown.size(), judged.size() + 1) << html.str();  // and the whole run
  EXPECT_EQ(judged[0].at("connect_ms.count"), "2");
  EXPECT_EQ(judged[0].at("connect_ms.over_1s"), "1");
  EXPECT_EQ(judged[1].at("connect_ms.count"), "1");
  for (std::size_t k = 0; k < judged.size(); ++k) {
    const auto& phase = judged[k];
    const auto& row = shown[k];
    const std::string what = "phase " + phase.at("name");
    ASSERT_EQ(row.size(), 6U) << what;
    EXPECT_EQ(row[0], phase.at("name") + " → " + (k + 1 < judged.size() ? judged[k + 1].at("name") : "end"));
    EXPECT_EQ(row[1], phase.at("connect_ms.count")) << what;
    for (const char* key : {"p50", "p99", "max"}) {
      const std::size_t column = std::string(key) == "p50" ? 2 : std::string(key) == "p99" ? 3 : 4;
      expect_rounded(row[column], phase.at(std::string("connect_ms.") + key), 2, what + " " + key);
    }
    EXPECT_EQ(row[5], phase.at("connect_ms.over_1s")) << what;
  }
  EXPECT_EQ(shown.back()[0], "whole run");
  EXPECT_EQ(shown.back()[1], "3");
  EXPECT_EQ(shown.back()[5], "1");
}

TEST(ReportHtmlTest, SaysHowManyProcessesTheObserverInferred) {
  const History base = HistoryBuilder{}.master(100, 1).worker(101, 100, 1).build();
  Event inferred_exit = exited(60'000'000, 101, 1, ProcessRole::worker, -1);
  inferred_exit.seen = ProcessSeen::inferred_gone_when_found;
  const std::string html = render("observer", with_events(base, {inferred_exit}));
  EXPECT_NE(html.find("Process observer: 2 processes, 1 inferred"), std::string::npos);
  EXPECT_NE(html.find("1 exit codes unknown"), std::string::npos);
}

TEST(ReportHtmlTest, EmptyHistoryStillRenders) {
  for (const History& history : {History{}, HistoryBuilder{}.master(100, 1).at_ms(50).signal("QUIT", 100, 1).build()}) {
    const std::string html = render("empty", history);
    EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0U);
    EXPECT_NE(html.find("no requests were recorded"), std::string::npos);
    EXPECT_NE(html.find("<table id=\"phases\">"), std::string::npos);
    EXPECT_NE(html.find("</html>"), std::string::npos);
  }
}

TEST(ReportHtmlTest, TheIsolationLineOnlyWhenGivenAndEscaped) {
  const History history;
  std::ostringstream with;
  const RunSubject subject{"fake", {}, RunIsolation{"none", "<refused>", false, ""}};
  write_report_html("run", subject, history, judge(history, Expectations{}), with);
  EXPECT_NE(with.str().find(
                "<p class=\"note\" id=\"isolation\">isolation: none (&lt;refused&gt;), network namespace: no</p>"),
            std::string::npos);
  EXPECT_EQ(render("run", history).find("id=\"isolation\""), std::string::npos);
}

TEST(ReportHtmlTest, SizeDoesNotGrowWithRequests) {
  const auto sized = [](std::uint64_t requests) {
    HistoryBuilder builder;
    builder.master(100, 1).worker(101, 100, 1);
    for (std::uint64_t id = 1; id <= requests; ++id) {
      builder.at_ms(static_cast<double>(id) * 0.05).ok(id, 101);
    }
    return render("load", builder.build()).size();
  };
  const std::size_t small = sized(20'000);
  const std::size_t large = sized(200'000);
  EXPECT_LT(large, 200'000U);
  EXPECT_LT(large, small * 2);
}

}  // namespace
}  // namespace hotdeploy::harness
