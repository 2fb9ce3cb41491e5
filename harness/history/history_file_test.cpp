#include "harness/history/history_file.h"

#include <gtest/gtest.h>

#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace hotdeploy::harness {
namespace {

// One event of every type, each with every applicable field set to a non-default value.
std::vector<Event> one_of_each() {
  std::vector<Event> events;
  std::int64_t t = 0;
  const auto add = [&](EventType type) -> Event& {
    Event e;
    e.t_ns = t += 1000;
    e.type = type;
    events.push_back(e);
    return events.back();
  };
  {
    Event& e = add(EventType::request_sent);
    e.request_id = std::numeric_limits<std::uint64_t>::max();
    e.connection_id = std::numeric_limits<std::uint32_t>::max();
    e.attempt = 2;
    e.kind = RequestKind::post;
    e.reused = true;
  }
  {
    Event& e = add(EventType::request_sent);
    e.request_id = 7;
    e.connection_id = 4;
    e.connect_ns = 1'003'000'000;
  }
  {
    Event& e = add(EventType::request_ended);
    e.request_id = 5;
    e.connection_id = 3;
    e.kind = RequestKind::held;
    e.outcome = Outcome::info;
    e.reason = Reason::truncated;
    e.status = 65535;
    e.bytes = 1234567890123ULL;
    e.latency_ns = 987654321012LL;
    e.pid = 4242;
    e.text = "bad_chunk";
  }
  {
    Event& e = add(EventType::request_ended);
    e.request_id = 6;
    e.outcome = Outcome::ok;
    e.status = 200;
    e.pid = 77;
  }
  for (EventType type :
       {EventType::step_started, EventType::binary_swapped, EventType::wait_satisfied, EventType::wait_timed_out,
        EventType::no_effect, EventType::run_error, EventType::steps_ended}) {
    Event& e = add(type);
    e.text = std::string(to_string(type)) + " text";
    if (type == EventType::no_effect) e.signal = Signal::hup;
  }
  add(EventType::step_started);  // empty text is written and read back as ""
  {
    Event& e = add(EventType::signal_sent);
    e.text = "USR2";
    e.signal = Signal::usr2;
    e.pid = 100;
    e.generation = 1;
    e.role = ProcessRole::master;
  }
  {
    Event& e = add(EventType::wait_satisfied);
    e.text = "master_ready of new after 12ms";
    e.pid = 200;
    e.generation = 2;
  }
  {
    Event& e = add(EventType::process_born);
    e.pid = std::numeric_limits<std::int32_t>::max();
    e.parent_pid = 100;
    e.generation = 2;
    e.role = ProcessRole::worker;
  }
  {
    Event& e = add(EventType::process_exited);
    e.pid = 101;
    e.parent_pid = 1;
    e.generation = 1;
    e.role = ProcessRole::master;
    e.exit_code = 128 + 15;
    e.text = "killed by TERM";
  }
  {
    Event& e = add(EventType::process_born);
    e.pid = 103;
    e.parent_pid = 100;
    e.generation = 1;
    e.role = ProcessRole::worker;
    e.seen = ProcessSeen::inferred_from_log;
  }
  {
    Event& e = add(EventType::process_born);
    e.pid = 104;
    e.parent_pid = 100;
    e.generation = 1;
    e.role = ProcessRole::worker;
    e.lag_ns = 1'250'000;
  }
  {
    Event& e = add(EventType::process_exited);
    e.pid = 103;
    e.parent_pid = 100;
    e.generation = 1;
    e.role = ProcessRole::worker;
    e.seen = ProcessSeen::inferred_gone_when_found;
  }
  {
    Event& e = add(EventType::process_exited);
    e.pid = 104;
    e.parent_pid = 100;
    e.generation = 1;
    e.role = ProcessRole::worker;
    e.seen = ProcessSeen::inferred_at_stop;
  }
  {
    Event& e = add(EventType::pid_file_changed);
    e.pid = 102;
    e.pid_file = PidFile::oldbin;
    e.pid_file_state = PidFileState::written;
    e.text = "/run/nginx.pid.oldbin";
  }
  {
    Event& e = add(EventType::log_line);
    e.pid = std::numeric_limits<std::int32_t>::min();
    e.text = "2024/01/01 [notice] \"quoted\" \\ tab\t nl\n bytes \x80\xff\xc3 \xe4\xb8\xad end";
  }
  {
    Event& e = add(EventType::log_line);
    e.pid = 7;
    e.level = LogLevel::emerg;
    e.text = "2026/11/26 00:10:53 [emerg] 7#7: *3 bind() failed";
    e.message_at = 36;
  }
  {
    Event& e = add(EventType::kernel_counters);
    e.text = "after step 1";
    e.counters = {{"TcpExtListenOverflows", 19}, {"TcpOutRsts", 0}, {"TcpMaxConn", -1}};
  }
  {
    Event& e = add(EventType::request_ended);
    e.request_id = 8;
    e.outcome = Outcome::info;
    e.reason = Reason::bad_gateway;
    e.status = 502;
    e.name = "checkout";
  }
  {
    Event& e = add(EventType::exec_ended);
    e.pid = 321;
    e.exit_code = 3;
    e.duration_ns = 12'345'678;
    e.output = "line one\nline \"two\"\n";
    e.text = "nginx -s reload";
  }
  {
    Event& e = add(EventType::upstream_request);
    e.upstream = "app";
    e.connection_id = 3;
    e.request_id = 41;
    e.method = "POST";
    e.path = "/orders?id=\"1\"";
    e.status = 200;
    e.bytes = 12;
    e.responded_ns = e.t_ns + 5'000'000;
    e.response_written = true;
  }
  add(EventType::request_ended).t_ns = events.back().t_ns;  // equal timestamps are kept in order
  return events;
}

std::string to_jsonl(const History& h) {
  std::ostringstream out;
  write_jsonl(h, out);
  return out.str();
}

History from_jsonl(const std::string& text) {
  std::istringstream in(text);
  return read_jsonl(in);
}

TEST(HistoryFileTest, RoundTripIsExactForEveryEventType) {
  const History original = History::from_events(one_of_each());
  const std::string text = to_jsonl(original);
  const History back = from_jsonl(text);
  ASSERT_EQ(back.size(), original.size());
  for (std::size_t i = 0; i < original.size(); ++i) {
    EXPECT_EQ(back.events()[i], original.events()[i]) << "event " << i << ": " << to_string(original.events()[i].type);
  }
  EXPECT_EQ(to_jsonl(back), text);
}

TEST(HistoryFileTest, WritesOnlyTheFieldsThatApply) {
  Event ok;
  ok.t_ns = 123;
  ok.type = EventType::request_ended;
  ok.request_id = 5;
  ok.connection_id = 2;
  ok.outcome = Outcome::ok;
  ok.status = 200;
  ok.bytes = 88;
  ok.pid = 31;
  Event born;
  born.t_ns = 124;
  born.type = EventType::process_born;
  born.pid = 31;
  born.parent_pid = 30;
  born.generation = 1;
  born.role = ProcessRole::worker;
  Event sent;
  sent.t_ns = 125;
  sent.type = EventType::signal_sent;
  sent.text = "USR2";
  sent.signal = Signal::usr2;
  sent.pid = 30;
  sent.generation = 1;
  sent.role = ProcessRole::master;
  EXPECT_EQ(to_jsonl(History::from_events({ok, born, sent})),
            R"({"i":0,"t_ns":123,"type":"request_ended","request_id":5,"connection_id":2,"attempt":1,"kind":"get",)"
            R"("reused":false,"outcome":"ok","status":200,"bytes":88,"latency_ns":0,"pid":31})"
            "\n"
            R"({"i":1,"t_ns":124,"type":"process_born","pid":31,"parent_pid":30,"generation":1,"role":"worker"})"
            "\n"
            R"({"i":2,"t_ns":125,"type":"signal_sent","pid":30,"generation":1,"role":"master","signal":"USR2",)"
            R"("text":"USR2"})"
            "\n");
}

TEST(HistoryFileTest, FieldsSetOutsideTheTableAreKept) {
  Event e;
  e.t_ns = 9;
  e.type = EventType::wait_timed_out;
  e.text = "waited";
  e.generation = 2;
  e.exit_code = 0;
  const std::string text = to_jsonl(History::from_events({e}));
  EXPECT_EQ(text, R"({"i":0,"t_ns":9,"type":"wait_timed_out","generation":2,"exit_code":0,"text":"waited"})"
                  "\n");
  EXPECT_EQ(from_jsonl(text).events()[0], e);
}

TEST(HistoryFileTest, KernelCountersAreOneKeyEachAfterTheFields) {
  Event e;
  e.t_ns = 9;
  e.type = EventType::kernel_counters;
  e.text = "start";
  e.counters = {{"TcpOutRsts", 3}, {"TcpExtListenOverflows", 0}};
  const std::string text = to_jsonl(History::from_events({e}));
  EXPECT_EQ(text, R"({"i":0,"t_ns":9,"type":"kernel_counters","text":"start",)"
                  R"("kernel.TcpExtListenOverflows":0,"kernel.TcpOutRsts":3})"
                  "\n");
  EXPECT_EQ(from_jsonl(text).events()[0], e);
}

TEST(HistoryFileTest, UpstreamRequestsCarryTheirUpstreamMethodPathAndResponse) {
  Event e;
  e.t_ns = 9;
  e.type = EventType::upstream_request;
  e.upstream = "app";
  e.connection_id = 2;
  e.method = "GET";
  e.path = "/";
  e.status = 400;
  e.responded_ns = 11;
  const std::string text = to_jsonl(History::from_events({e}));
  EXPECT_EQ(text, R"({"i":0,"t_ns":9,"type":"upstream_request","request_id":0,"connection_id":2,"status":400,)"
                  R"("bytes":0,"upstream":"app","method":"GET","path":"/","responded_ns":11,"response_written":false})"
                  "\n");
  EXPECT_EQ(from_jsonl(text).events()[0], e);
}

TEST(HistoryFileTest, LogLinesCarryLevelAndMessageBesideTheRawText) {
  Event parsed;
  parsed.t_ns = 5;
  parsed.type = EventType::log_line;
  parsed.pid = 12;
  parsed.level = LogLevel::notice;
  parsed.text = "2026/11/26 00:10:53 [notice] 12#12: changing binary";
  parsed.message_at = 36;
  Event unparsed;
  unparsed.t_ns = 6;
  unparsed.type = EventType::log_line;
  unparsed.text = "nginx: [emerg] no";
  const std::string text = to_jsonl(History::from_events({parsed, unparsed}));
  EXPECT_EQ(text, R"({"i":0,"t_ns":5,"type":"log_line","pid":12,"level":"notice","message":"changing binary",)"
                  R"("text":"2026/11/26 00:10:53 [notice] 12#12: changing binary"})"
                  "\n"
                  R"({"i":1,"t_ns":6,"type":"log_line","pid":0,"level":"","message":"nginx: [emerg] no",)"
                  R"("text":"nginx: [emerg] no"})"
                  "\n");
  const History back = from_jsonl(text);
  EXPECT_EQ(back.events()[0], parsed);
  EXPECT_EQ(back.events()[0].message(), "changing binary");
  unparsed.index = 1;
  EXPECT_EQ(back.events()[1], unparsed);
  // Key order does not matter; a line from before these fields existed is its own message.
  const History reordered =
      from_jsonl(R"({"i":0,"t_ns":5,"type":"log_line","message":"binary","level":"warn","text":"changing binary"})"
                 "\n"
                 R"({"i":1,"t_ns":6,"type":"log_line","text":"old line"})"
                 "\n");
  EXPECT_EQ(reordered.events()[0].message_at, 9u);
  EXPECT_EQ(reordered.events()[0].level, LogLevel::warn);
  EXPECT_EQ(reordered.events()[1].level, LogLevel::none);
  EXPECT_EQ(reordered.events()[1].message(), "old line");
}

TEST(HistoryFileTest, ARequestsNameAndAnExecsResultAreTypedFields) {
  Event named;
  named.type = EventType::request_sent;
  named.request_id = 1;
  named.name = "home";
  Event unnamed = named;
  unnamed.name.clear();
  Event exec;
  exec.t_ns = 5;
  exec.type = EventType::exec_ended;
  exec.pid = 9;
  exec.exit_code = 0;
  exec.duration_ns = 1000;
  exec.output = "ok\n";
  exec.text = "true";
  const std::string text = to_jsonl(History::from_events({named, unnamed, exec}));
  EXPECT_EQ(text,
            "{\"i\":0,\"t_ns\":0,\"type\":\"request_sent\",\"request_id\":1,\"connection_id\":0,\"attempt\":1,"
            "\"kind\":\"get\",\"reused\":false,\"name\":\"home\"}\n"
            "{\"i\":1,\"t_ns\":0,\"type\":\"request_sent\",\"request_id\":1,\"connection_id\":0,\"attempt\":1,"
            "\"kind\":\"get\",\"reused\":false}\n"
            "{\"i\":2,\"t_ns\":5,\"type\":\"exec_ended\",\"pid\":9,\"exit_code\":0,\"duration_ns\":1000,"
            "\"output\":\"ok\\n\",\"text\":\"true\"}\n");
}

TEST(HistoryFileTest, EmptyHistoryIsAnEmptyFile) {
  EXPECT_EQ(to_jsonl(History()), "");
  EXPECT_TRUE(from_jsonl("").empty());
}

TEST(HistoryFileTest, MissingApplicableFieldsTakeTheirDefaults) {
  const History h = from_jsonl(R"({"i":0,"t_ns":5,"type":"request_ended","request_id":1})"
                               "\n");
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h.events()[0].attempt, 1);
  EXPECT_EQ(h.events()[0].outcome, Outcome::none);
  EXPECT_EQ(h.events()[0].exit_code, -1);
}

TEST(HistoryFileTest, HowAProcessWasSeenIsWrittenOnlyWhenInferredAndOldFilesReadAsSeenDirectly) {
  Event born;
  born.t_ns = 7;
  born.type = EventType::process_born;
  born.pid = 31;
  born.parent_pid = 30;
  born.generation = 1;
  born.role = ProcessRole::worker;
  born.seen = ProcessSeen::inferred_from_log;
  Event exited = born;
  exited.t_ns = 8;
  exited.type = EventType::process_exited;
  exited.exit_code = 0;
  exited.seen = ProcessSeen::directly;
  EXPECT_EQ(to_jsonl(History::from_events({born, exited})),
            R"({"i":0,"t_ns":7,"type":"process_born","pid":31,"parent_pid":30,"generation":1,"role":"worker",)"
            R"("seen":"inferred_from_log"})"
            "\n"
            R"({"i":1,"t_ns":8,"type":"process_exited","pid":31,"parent_pid":30,"generation":1,"role":"worker",)"
            R"("exit_code":0})"
            "\n");
  // As written before "seen" and "lag_ns" existed.
  const History old =
      from_jsonl(R"({"i":0,"t_ns":5,"type":"process_born","pid":31,"parent_pid":30,"generation":1,"role":"worker"})"
                 "\n");
  ASSERT_EQ(old.size(), 1u);
  EXPECT_EQ(old.events()[0].seen, ProcessSeen::directly);
  EXPECT_EQ(old.events()[0].lag_ns, 0);
}

TEST(HistoryFileTest, SignalAndPidFileMeaningAreTypedFieldsAndOldFilesGetThemFromTheirText) {
  Event written;
  written.t_ns = 5;
  written.type = EventType::pid_file_changed;
  written.pid = 30;
  written.pid_file = PidFile::oldbin;
  written.pid_file_state = PidFileState::written;
  written.text = "nginx.pid.oldbin 30";
  Event removed = written;
  removed.t_ns = 6;
  removed.pid = 0;
  removed.pid_file = PidFile::current;
  removed.pid_file_state = PidFileState::removed;
  removed.text = "nginx.pid removed";
  Event ignored;
  ignored.t_ns = 7;
  ignored.type = EventType::no_effect;
  ignored.signal = Signal::winch;
  ignored.text = "WINCH to generation 1 master 30: no effect (none of its workers exited within 2s)";
  const History typed = History::from_events({written, removed, ignored});
  const std::string text = to_jsonl(typed);
  EXPECT_EQ(text, R"({"i":0,"t_ns":5,"type":"pid_file_changed","pid":30,"file":"oldbin","state":"written",)"
                  R"("text":"nginx.pid.oldbin 30"})"
                  "\n"
                  R"({"i":1,"t_ns":6,"type":"pid_file_changed","pid":0,"file":"pid","state":"removed",)"
                  R"("text":"nginx.pid removed"})"
                  "\n"
                  R"x({"i":2,"t_ns":7,"type":"no_effect","signal":"WINCH","text":"WINCH to generation 1 master 30: )x"
                  R"x(no effect (none of its workers exited within 2s)"})x"
                  "\n");
  EXPECT_EQ(from_jsonl(text).events(), typed.events());
  // As written before "signal", "file" and "state" existed: the meaning was only in the text.
  const History old = from_jsonl(R"({"i":0,"t_ns":5,"type":"signal_sent","pid":30,"generation":1,"role":"master",)"
                                 R"("text":"SIGQUIT"})"
                                 "\n"
                                 R"({"i":1,"t_ns":6,"type":"pid_file_changed","pid":30,"text":"nginx.pid.oldbin 30"})"
                                 "\n"
                                 R"({"i":2,"t_ns":7,"type":"pid_file_changed","pid":0,"text":"nginx.pid removed"})"
                                 "\n"
                                 R"({"i":3,"t_ns":8,"type":"no_effect","text":"USR2 to generation 2 master 31: x"})"
                                 "\n");
  ASSERT_EQ(old.size(), 4u);
  EXPECT_EQ(old.events()[0].signal, Signal::quit);
  EXPECT_EQ(old.events()[1].pid_file, PidFile::oldbin);
  EXPECT_EQ(old.events()[1].pid_file_state, PidFileState::written);
  EXPECT_EQ(old.events()[2].pid_file, PidFile::current);
  EXPECT_EQ(old.events()[2].pid_file_state, PidFileState::removed);
  EXPECT_EQ(old.events()[3].signal, Signal::usr2);
  EXPECT_THROW(static_cast<void>(from_jsonl(R"({"i":0,"t_ns":5,"type":"signal_sent","signal":"STOP"})"
                                            "\n")),
               std::runtime_error);
}

TEST(HistoryFileTest, ConnectTimeIsWrittenOnlyWhenSetAndOldFilesReadWithoutIt) {
  Event sent;
  sent.t_ns = 5;
  sent.type = EventType::request_sent;
  sent.request_id = 1;
  sent.connection_id = 1;
  sent.connect_ns = 42'000;
  Event reused = sent;
  reused.t_ns = 6;
  reused.request_id = 2;
  reused.reused = true;
  reused.connect_ns = 0;
  EXPECT_EQ(to_jsonl(History::from_events({sent, reused})),
            R"({"i":0,"t_ns":5,"type":"request_sent","request_id":1,"connection_id":1,"attempt":1,"kind":"get",)"
            R"("reused":false,"connect_ns":42000})"
            "\n"
            R"({"i":1,"t_ns":6,"type":"request_sent","request_id":2,"connection_id":1,"attempt":1,"kind":"get",)"
            R"("reused":true})"
            "\n");
  // As written before "connect_ns" existed.
  const History old = from_jsonl(
      R"({"i":0,"t_ns":5,"type":"request_sent","request_id":1,"connection_id":1,"attempt":1,"kind":"get","reused":false})"
      "\n");
  ASSERT_EQ(old.size(), 1u);
  EXPECT_EQ(old.events()[0].connect_ns, 0);
}

TEST(HistoryFileTest, TlsHandshakeIsWrittenOnlyOnTheConnectThatHadOneAndReadBack) {
  Event sent;
  sent.t_ns = 5;
  sent.type = EventType::request_sent;
  sent.request_id = 1;
  sent.connection_id = 1;
  sent.connect_ns = 42'000;
  sent.handshake = TlsHandshake::resumed;
  Event failed;
  failed.t_ns = 6;
  failed.type = EventType::request_ended;
  failed.request_id = 2;
  failed.connection_id = 2;
  failed.outcome = Outcome::fail;
  failed.reason = Reason::tls_handshake;
  const History history = History::from_events({sent, failed});
  const std::string text = to_jsonl(history);
  EXPECT_EQ(text,
            R"({"i":0,"t_ns":5,"type":"request_sent","request_id":1,"connection_id":1,"attempt":1,"kind":"get",)"
            R"("reused":false,"connect_ns":42000,"handshake":"resumed"})"
            "\n"
            R"({"i":1,"t_ns":6,"type":"request_ended","request_id":2,"connection_id":2,"attempt":1,"kind":"get",)"
            R"("reused":false,"outcome":"fail","reason":"tls_handshake","status":0,"bytes":0,"latency_ns":0,"pid":0})"
            "\n");
  EXPECT_EQ(from_jsonl(text).events(), history.events());
  EXPECT_THROW(static_cast<void>(
                   from_jsonl(R"({"i":0,"t_ns":5,"type":"request_sent","request_id":1,"connection_id":1,"attempt":1,)"
                              R"("kind":"get","reused":false,"handshake":"half"})"
                              "\n")),
               std::runtime_error);
}

// The error for a file whose second line is `line`, the first being a valid event.
std::string error_for_second_line(const std::string& line) {
  try {
    static_cast<void>(from_jsonl(R"({"i":0,"t_ns":10,"type":"step_started","text":"s"})"
                                 "\n" +
                                 line + "\n"));
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "no error";
}

TEST(HistoryFileTest, MalformedLinesAreRejectedWithTheirLineNumber) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "JSON error"},
      {"not json", "JSON error"},
      {R"({"i":1,"t_ns":20})", "needs \"i\", \"t_ns\" and \"type\""},
      {R"({"i":1,"t_ns":20,"type":"teleported"})", "unknown value \"teleported\""},
      {R"({"i":1,"t_ns":20,"type":"log_line","colour":"red"})", "unknown key \"colour\""},
      {R"({"i":1,"t_ns":20,"type":"log_line","pid":"12"})", "\"pid\" must be a number"},
      {R"({"i":1,"t_ns":20,"type":"log_line","pid":2147483648})", "\"pid\" is out of range"},
      {R"({"i":1,"t_ns":20,"type":"request_sent","attempt":256})", "\"attempt\" is out of range"},
      {R"({"i":1,"t_ns":20,"type":"request_sent","request_id":-1})", "\"request_id\" is out of range"},
      {R"({"i":1,"t_ns":20,"type":"request_sent","request_id":1.5})", "\"request_id\" is out of range"},
      {R"({"i":1,"t_ns":20,"type":"request_sent","reused":1})", "\"reused\" must be true or false"},
      {R"({"i":1,"t_ns":20,"type":"request_ended","outcome":"great"})", "unknown value \"great\""},
      {R"({"i":1,"t_ns":20,"type":"log_line","text":null})", "\"text\" must be a string"},
      {R"({"i":2,"t_ns":20,"type":"log_line"})", "\"i\" is 2 but the line is event 1"},
      {R"({"i":1,"t_ns":9,"type":"log_line"})", "t_ns 9 is earlier than the previous event's 10"},
      {R"({"i":1,"t_ns":20,"type":"log_line"} trailing)", "JSON error"},
      {R"({"i":1,"t_ns":20,"type":"log_line","level":"loud"})", "unknown value \"loud\""},
      {R"({"i":1,"t_ns":20,"type":"process_born","seen":"guessed"})", "unknown value \"guessed\""},
      {R"({"i":1,"t_ns":20,"type":"process_born","lag_ns":"1ms"})", "\"lag_ns\" must be a number"},
      {R"({"i":1,"t_ns":20,"type":"log_line","message":"other","text":"a line"})",
       "\"message\" must be the end of \"text\""},
      {R"({"i":1,"t_ns":20,"type":"log_line","message":"too long"})", "\"message\" must be the end of \"text\""},
      {R"({"i":1,"t_ns":20,"type":"log_line","message":3,"text":"3"})", "\"message\" must be a string"},
      {R"({"i":1,"t_ns":20,"type":"kernel_counters","kernel.TcpOutRsts":"3"})",
       "\"kernel.TcpOutRsts\" must be a number"},
      {R"({"i":1,"t_ns":20,"type":"kernel_counters","kernel.TcpOutRsts":1.5})",
       "\"kernel.TcpOutRsts\" is out of range"},
      {R"({"i":1,"t_ns":20,"type":"kernel_counters","kernel.":1})", "\"kernel.\" names no counter"},
  };
  for (const auto& [line, expected] : cases) {
    const std::string error = error_for_second_line(line);
    EXPECT_NE(error.find("history.jsonl line 2: "), std::string::npos) << line << " -> " << error;
    EXPECT_NE(error.find(expected), std::string::npos) << line << " -> " << error;
  }
}

}  // namespace
}  // namespace hotdeploy::harness
