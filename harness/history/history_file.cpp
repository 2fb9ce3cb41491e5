#include "harness/history/history_file.h"

#include <array>
#include <istream>
#include <limits>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "harness/history/json_reader.h"
#include "harness/history/json_writer.h"

namespace hotdeploy::harness {
namespace {

// The event fields that history.jsonl may carry besides "i", "t_ns" and "type", in the order
// they are written.
enum class Field : std::uint8_t {
  request_id,
  connection_id,
  attempt,
  kind,
  reused,
  outcome,
  reason,
  status,
  bytes,
  latency_ns,
  connect_ns,
  handshake,
  pid,
  parent_pid,
  generation,
  role,
  exit_code,
  seen,
  lag_ns,
  signal,
  pid_file,
  pid_file_state,
  level,
  message,
  name,
  duration_ns,
  output,
  upstream,
  method,
  path,
  responded_ns,
  response_written,
  text,
};
constexpr std::array<std::string_view, 33> kFieldNames = {
    "request_id",   "connection_id",    "attempt",    "kind",       "reused",     "outcome",
    "reason",       "status",           "bytes",      "latency_ns", "connect_ns", "handshake",
    "pid",          "parent_pid",       "generation", "role",       "exit_code",  "seen",
    "lag_ns",       "signal",           "file",       "state",      "level",      "message",
    "name",         "duration_ns",      "output",     "upstream",   "method",     "path",
    "responded_ns", "response_written", "text"};
static_assert(kFieldNames.size() == static_cast<std::size_t>(Field::text) + 1);

// Each of an event's kernel counters is written as its own key, this prefix + its name.
constexpr std::string_view kCounterKeyPrefix = "kernel.";

// One bit per field: the fields must fit (33 since the TLS handshake field; a 32-bit set shifted
// `text` past its width, which the history fuzzer caught as undefined behaviour).
using FieldSet = std::uint64_t;
static_assert(kFieldNames.size() <= 64, "FieldSet has one bit per field");
constexpr FieldSet bit(Field f) { return FieldSet{1} << static_cast<unsigned>(f); }
template <typename... F>
constexpr FieldSet set_of(F... fields) {
  return (bit(fields) | ...);
}

constexpr FieldSet kClientFields =
    set_of(Field::request_id, Field::connection_id, Field::attempt, Field::kind, Field::reused);

// The fields that apply to each event type (history_file.h's table).
FieldSet applicable(EventType type) {
  switch (type) {
    case EventType::request_sent:
      return kClientFields | set_of(Field::connect_ns, Field::handshake, Field::name, Field::text);
    case EventType::request_ended:
      return kClientFields | set_of(Field::outcome, Field::reason, Field::status, Field::bytes, Field::latency_ns,
                                    Field::pid, Field::name, Field::text);
    case EventType::exec_ended:
      return set_of(Field::pid, Field::exit_code, Field::duration_ns, Field::output, Field::text);
    case EventType::step_started:
    case EventType::steps_ended:
    case EventType::kernel_counters:
    case EventType::binary_swapped:
    case EventType::wait_timed_out:
    case EventType::run_error: return bit(Field::text);
    case EventType::no_effect: return set_of(Field::signal, Field::text);
    case EventType::wait_satisfied: return set_of(Field::pid, Field::generation, Field::text);
    case EventType::signal_sent: return set_of(Field::pid, Field::generation, Field::role, Field::signal, Field::text);
    case EventType::process_born:
      return set_of(Field::pid, Field::parent_pid, Field::generation, Field::role, Field::seen, Field::lag_ns,
                    Field::text);
    case EventType::process_exited:
      return set_of(Field::pid, Field::parent_pid, Field::generation, Field::role, Field::exit_code, Field::seen,
                    Field::text);
    case EventType::pid_file_changed: return set_of(Field::pid, Field::pid_file, Field::pid_file_state, Field::text);
    case EventType::log_line: return set_of(Field::pid, Field::level, Field::message, Field::text);
    case EventType::upstream_request:
      return set_of(Field::upstream, Field::connection_id, Field::request_id, Field::method, Field::path, Field::status,
                    Field::bytes, Field::responded_ns, Field::response_written);
  }
  return 0;
}

bool text_always_written(EventType type) {
  switch (type) {
    case EventType::request_sent:
    case EventType::request_ended:
    case EventType::process_born:
    case EventType::process_exited:
    case EventType::upstream_request: return false;
    default: return true;
  }
}

void write_field(JsonWriter& w, Field field, const Event& e) {
  w.key(kFieldNames[static_cast<std::size_t>(field)]);
  switch (field) {
    case Field::request_id: w.value(e.request_id); break;
    case Field::connection_id: w.value(e.connection_id); break;
    case Field::attempt: w.value(e.attempt); break;
    case Field::kind: w.value(to_string(e.kind)); break;
    case Field::reused: w.value(e.reused); break;
    case Field::outcome: w.value(to_string(e.outcome)); break;
    case Field::reason: w.value(to_string(e.reason)); break;
    case Field::status: w.value(e.status); break;
    case Field::bytes: w.value(e.bytes); break;
    case Field::latency_ns: w.value(e.latency_ns); break;
    case Field::connect_ns: w.value(e.connect_ns); break;
    case Field::handshake: w.value(to_string(e.handshake)); break;
    case Field::pid: w.value(e.pid); break;
    case Field::parent_pid: w.value(e.parent_pid); break;
    case Field::generation: w.value(e.generation); break;
    case Field::role: w.value(to_string(e.role)); break;
    case Field::exit_code: w.value(e.exit_code); break;
    case Field::seen: w.value(to_string(e.seen)); break;
    case Field::lag_ns: w.value(e.lag_ns); break;
    case Field::signal: w.value(to_string(e.signal)); break;
    case Field::pid_file: w.value(to_string(e.pid_file)); break;
    case Field::pid_file_state: w.value(to_string(e.pid_file_state)); break;
    case Field::level: w.value(to_string(e.level)); break;
    case Field::message: w.value(e.message()); break;
    case Field::name: w.value(e.name); break;
    case Field::duration_ns: w.value(e.duration_ns); break;
    case Field::output: w.value(e.output); break;
    case Field::upstream: w.value(e.upstream); break;
    case Field::method: w.value(e.method); break;
    case Field::path: w.value(e.path); break;
    case Field::responded_ns: w.value(e.responded_ns); break;
    case Field::response_written: w.value(e.response_written); break;
    case Field::text: w.value(e.text); break;
  }
}

bool has_default_value(Field field, const Event& e) {
  static const Event kDefault;
  switch (field) {
    case Field::request_id: return e.request_id == kDefault.request_id;
    case Field::connection_id: return e.connection_id == kDefault.connection_id;
    case Field::attempt: return e.attempt == kDefault.attempt;
    case Field::kind: return e.kind == kDefault.kind;
    case Field::reused: return e.reused == kDefault.reused;
    case Field::outcome: return e.outcome == kDefault.outcome;
    case Field::reason: return e.reason == kDefault.reason;
    case Field::status: return e.status == kDefault.status;
    case Field::bytes: return e.bytes == kDefault.bytes;
    case Field::latency_ns: return e.latency_ns == kDefault.latency_ns;
    case Field::connect_ns: return e.connect_ns == kDefault.connect_ns;
    case Field::handshake: return e.handshake == kDefault.handshake;
    case Field::pid: return e.pid == kDefault.pid;
    case Field::parent_pid: return e.parent_pid == kDefault.parent_pid;
    case Field::generation: return e.generation == kDefault.generation;
    case Field::role: return e.role == kDefault.role;
    case Field::exit_code: return e.exit_code == kDefault.exit_code;
    case Field::seen: return e.seen == kDefault.seen;
    case Field::lag_ns: return e.lag_ns == kDefault.lag_ns;
    case Field::signal: return e.signal == kDefault.signal;
    case Field::pid_file: return e.pid_file == kDefault.pid_file;
    case Field::pid_file_state: return e.pid_file_state == kDefault.pid_file_state;
    case Field::level: return e.level == kDefault.level;
    case Field::message: return e.message_at == kDefault.message_at;
    case Field::name: return e.name.empty();
    case Field::duration_ns: return e.duration_ns == kDefault.duration_ns;
    case Field::output: return e.output.empty();
    case Field::upstream: return e.upstream.empty();
    case Field::method: return e.method.empty();
    case Field::path: return e.path.empty();
    case Field::responded_ns: return e.responded_ns == kDefault.responded_ns;
    case Field::response_written: return e.response_written == kDefault.response_written;
    case Field::text: return e.text.empty();
  }
  return true;
}

// Applicable fields are written (but for reason none, seen directly, lag_ns 0, connect_ns 0, no
// handshake, no signal, pid file or state, an empty name, and optional empty text); any other field
// is written only if a producer set it, so nothing recorded is lost.
bool written(Field field, const Event& e) {
  if ((applicable(e.type) & bit(field)) == 0) return !has_default_value(field, e);
  if (field == Field::reason || field == Field::seen || field == Field::lag_ns || field == Field::connect_ns ||
      field == Field::handshake || field == Field::signal || field == Field::pid_file ||
      field == Field::pid_file_state || field == Field::name) {
    return !has_default_value(field, e);
  }
  if (field == Field::text) return !e.text.empty() || text_always_written(e.type);
  return true;
}

// Reading: each helper throws a plain message; read_jsonl adds the line number.
[[noreturn]] void bad(const std::string& what) { throw std::runtime_error(what); }

const JsonNumber& number_of(const JsonValue& v, std::string_view key) {
  const auto* n = std::get_if<JsonNumber>(&v);
  if (n == nullptr) bad("\"" + std::string(key) + "\" must be a number");
  return *n;
}

template <typename Int>
Int integer_of(const JsonValue& v, std::string_view key) {
  const JsonNumber& n = number_of(v, key);
  if constexpr (std::is_signed_v<Int>) {
    const auto x = n.as_int64();
    if (!x || *x < std::numeric_limits<Int>::min() || *x > std::numeric_limits<Int>::max()) {
      bad("\"" + std::string(key) + "\" is out of range: " + n.text);
    }
    return static_cast<Int>(*x);
  } else {
    const auto x = n.as_uint64();
    if (!x || *x > std::numeric_limits<Int>::max()) bad("\"" + std::string(key) + "\" is out of range: " + n.text);
    return static_cast<Int>(*x);
  }
}

const std::string& string_of(const JsonValue& v, std::string_view key) {
  const auto* s = std::get_if<std::string>(&v);
  if (s == nullptr) bad("\"" + std::string(key) + "\" must be a string");
  return *s;
}

template <typename Enum>
Enum enum_of(const JsonValue& v, std::string_view key) {
  const std::string& s = string_of(v, key);
  const auto e = from_string<Enum>(s);
  if (!e) bad("\"" + std::string(key) + "\" has an unknown value \"" + s + "\"");
  return *e;
}

bool bool_of(const JsonValue& v, std::string_view key) {
  const auto* b = std::get_if<bool>(&v);
  if (b == nullptr) bad("\"" + std::string(key) + "\" must be true or false");
  return *b;
}

void read_field(Field field, const JsonValue& v, Event& e) {
  const std::string_view key = kFieldNames[static_cast<std::size_t>(field)];
  switch (field) {
    case Field::request_id: e.request_id = integer_of<std::uint64_t>(v, key); break;
    case Field::connection_id: e.connection_id = integer_of<std::uint32_t>(v, key); break;
    case Field::attempt: e.attempt = integer_of<std::uint8_t>(v, key); break;
    case Field::kind: e.kind = enum_of<RequestKind>(v, key); break;
    case Field::reused: e.reused = bool_of(v, key); break;
    case Field::outcome: e.outcome = enum_of<Outcome>(v, key); break;
    case Field::reason: e.reason = enum_of<Reason>(v, key); break;
    case Field::status: e.status = integer_of<std::uint16_t>(v, key); break;
    case Field::bytes: e.bytes = integer_of<std::uint64_t>(v, key); break;
    case Field::latency_ns: e.latency_ns = integer_of<std::int64_t>(v, key); break;
    case Field::connect_ns: e.connect_ns = integer_of<std::int64_t>(v, key); break;
    case Field::handshake: e.handshake = enum_of<TlsHandshake>(v, key); break;
    case Field::pid: e.pid = integer_of<std::int32_t>(v, key); break;
    case Field::parent_pid: e.parent_pid = integer_of<std::int32_t>(v, key); break;
    case Field::generation: e.generation = integer_of<std::int32_t>(v, key); break;
    case Field::role: e.role = enum_of<ProcessRole>(v, key); break;
    case Field::exit_code: e.exit_code = integer_of<std::int32_t>(v, key); break;
    case Field::seen: e.seen = enum_of<ProcessSeen>(v, key); break;
    case Field::lag_ns: e.lag_ns = integer_of<std::int64_t>(v, key); break;
    case Field::signal: e.signal = enum_of<Signal>(v, key); break;
    case Field::pid_file: e.pid_file = enum_of<PidFile>(v, key); break;
    case Field::pid_file_state: e.pid_file_state = enum_of<PidFileState>(v, key); break;
    case Field::level: e.level = enum_of<LogLevel>(v, key); break;
    case Field::message: break;  // needs "text", which may come later: see parse_event
    case Field::name: e.name = string_of(v, key); break;
    case Field::duration_ns: e.duration_ns = integer_of<std::int64_t>(v, key); break;
    case Field::output: e.output = string_of(v, key); break;
    case Field::upstream: e.upstream = string_of(v, key); break;
    case Field::method: e.method = string_of(v, key); break;
    case Field::path: e.path = string_of(v, key); break;
    case Field::responded_ns: e.responded_ns = integer_of<std::int64_t>(v, key); break;
    case Field::response_written: e.response_written = bool_of(v, key); break;
    case Field::text: e.text = string_of(v, key); break;
  }
}

// "message" is the end of "text" (Event::message_at says where it starts).
void set_message(Event& e, const std::string& message) {
  if (message.size() > e.text.size() || e.text.compare(e.text.size() - message.size(), message.size(), message) != 0) {
    bad("\"message\" must be the end of \"text\"");
  }
  e.message_at = static_cast<std::uint32_t>(e.text.size() - message.size());
}

// A kernel counter is the key "kernel." + its name, holding an integer.
void read_counter(std::string_view key, const JsonValue& v, Event& e) {
  const std::string name(key.substr(kCounterKeyPrefix.size()));
  if (name.empty()) bad("\"" + std::string(key) + "\" names no counter");
  e.counters[name] = integer_of<std::int64_t>(v, key);
}

// Files written before "signal", "file" and "state" existed carried that meaning only in "text"
// (signal_sent: "USR2" or "SIGUSR2"; no_effect: "USR2 to generation 2 ..."; pid_file_changed:
// "nginx.pid 123", "nginx.pid.oldbin removed"). It is read from there here, once, so that nothing
// downstream parses an event's text.
void fill_typed_fields_of_old_event(Event& e) {
  const std::string_view text = e.text;
  if ((e.type == EventType::signal_sent || e.type == EventType::no_effect) && e.signal == Signal::none) {
    std::string_view name = text.substr(0, text.find(' '));
    if (name.starts_with("SIG")) name.remove_prefix(3);
    if (const auto signal = from_string<Signal>(name)) e.signal = *signal;
  }
  if (e.type == EventType::pid_file_changed && e.pid_file == PidFile::none) {
    const auto space = text.rfind(' ');
    const std::string_view file = text.substr(0, space);
    e.pid_file = file.ends_with(".oldbin") ? PidFile::oldbin : PidFile::current;
    const bool removed = space != std::string_view::npos && text.substr(space + 1) == "removed";
    e.pid_file_state = removed ? PidFileState::removed : PidFileState::written;
  }
}

std::optional<Field> field_named(std::string_view key) {
  for (std::size_t i = 0; i < kFieldNames.size(); ++i) {
    if (kFieldNames[i] == key) return static_cast<Field>(i);
  }
  return std::nullopt;
}

Event parse_event(std::string_view line, std::uint64_t expected_index) {
  const FlatJsonObject object = parse_flat_object(line);
  const JsonValue* i = object.find("i");
  const JsonValue* t = object.find("t_ns");
  const JsonValue* type = object.find("type");
  if (i == nullptr || t == nullptr || type == nullptr) bad("every event needs \"i\", \"t_ns\" and \"type\"");
  Event e;
  e.index = integer_of<std::uint64_t>(*i, "i");
  if (e.index != expected_index) {
    bad("\"i\" is " + std::to_string(e.index) + " but the line is event " + std::to_string(expected_index));
  }
  e.t_ns = integer_of<std::int64_t>(*t, "t_ns");
  e.type = enum_of<EventType>(*type, "type");
  const JsonValue* message = nullptr;
  for (const JsonMember& m : object.members()) {
    if (m.key == "i" || m.key == "t_ns" || m.key == "type") continue;
    if (m.key.starts_with(kCounterKeyPrefix)) {
      read_counter(m.key, m.value, e);
      continue;
    }
    const auto field = field_named(m.key);
    if (!field) bad("unknown key \"" + m.key + "\"");
    read_field(*field, m.value, e);
    if (*field == Field::message) message = &m.value;
  }
  if (message != nullptr) set_message(e, string_of(*message, "message"));
  fill_typed_fields_of_old_event(e);
  return e;
}

}  // namespace

void write_jsonl(const History& history, std::ostream& out) {
  std::string line;
  for (const Event& e : history.events()) {
    line.clear();
    JsonWriter w(line);
    w.begin_object();
    w.member("i", e.index);
    w.member("t_ns", e.t_ns);
    w.member("type", to_string(e.type));
    for (std::size_t f = 0; f < kFieldNames.size(); ++f) {
      const auto field = static_cast<Field>(f);
      if (written(field, e)) write_field(w, field, e);
    }
    for (const auto& [name, value] : e.counters) w.member(std::string(kCounterKeyPrefix) + name, value);
    w.end_object();
    line += '\n';
    out.write(line.data(), static_cast<std::streamsize>(line.size()));
  }
}

HistoryFormatError::HistoryFormatError(std::size_t line, const std::string& reason)
    : std::runtime_error("history.jsonl line " + std::to_string(line) + ": " + reason), line_(line), reason_(reason) {}

std::size_t HistoryFormatError::line() const { return line_; }
const std::string& HistoryFormatError::reason() const { return reason_; }

History read_jsonl(std::istream& in) {
  std::vector<Event> events;
  std::string line;
  std::size_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    try {
      Event e = parse_event(line, events.size());
      if (!events.empty() && e.t_ns < events.back().t_ns) {
        bad("t_ns " + std::to_string(e.t_ns) + " is earlier than the previous event's " +
            std::to_string(events.back().t_ns));
      }
      events.push_back(std::move(e));
    } catch (const std::runtime_error& error) {
      throw HistoryFormatError(line_number, error.what());
    }
  }
  if (in.bad()) throw std::runtime_error("history.jsonl: read error after line " + std::to_string(line_number));
  return History::from_events(std::move(events));
}

}  // namespace hotdeploy::harness
