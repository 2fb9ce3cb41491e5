// Event: one thing that happened during a run, as recorded in the History. A single flat
// struct serves every source (client, orchestrator, process, log); each event type uses only
// the fields listed in history_file.h's table and leaves the others at their defaults.
// Enum values have stable lower-case names (to_string / from_string) that are also the
// spellings used in history.jsonl and result.json.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace hotdeploy::harness {

enum class EventType : std::uint8_t {
  // source client
  request_sent,
  request_ended,
  // source orchestrator
  step_started,
  signal_sent,
  binary_swapped,
  wait_satisfied,
  wait_timed_out,
  no_effect,
  run_error,
  // source process
  process_born,
  process_exited,
  pid_file_changed,
  // source log
  log_line,
  // source orchestrator: the last step finished (before the load stops and the target is ended);
  // "at the end" checks (masters_at_end) look at this moment
  steps_ended,
  // source orchestrator: a sample of the kernel's TCP counters in the run's own network namespace
  // (at the start, at every step boundary and at the end); `counters` holds them, `text` says when
  kernel_counters,
  // source orchestrator: the command of an `exec` step ended: its pid, exit_code (-1 when it was
  // killed at its timeout), duration_ns and output; `text` is the command as written
  exec_ended,
  // source upstream: an application server the run started (harness/upstream) received one request
  // and answered it, or lost its connection first; `upstream`, `method`, `path`, the
  // X-Hotdeploy-Request id as `request_id` (0 when absent), its own `connection_id`, `status` sent,
  // `bytes` of request body read, `responded_ns` and `response_written`
  upstream_request,
};

// How a request attempt ended: ok (served as expected), fail (definitely not served),
// info (unknown: may or may not have been processed). none on events that are not endings.
enum class Outcome : std::uint8_t { none, ok, fail, info };

enum class Reason : std::uint8_t {
  none,
  refused,                  // fail: connect() refused
  reset_before_send,        // fail: reset/EPIPE before the request was fully written
  closed_without_response,  // reused keep-alive connection closed with zero response bytes: a GET's
                            // attempt 1 (fail, retried); a POST (info, lost: never retried)
  reset_after_send,         // info: fresh connection closed or reset with zero response bytes
  connect_timeout,          // fail: no connection within LoadConfig::connect_timeout
  response_timeout,         // info: no complete response within LoadConfig::response_timeout
  truncated,                // info: connection ended in the middle of a response
  bad_status,               // fail: complete response with a status the request did not expect (by default
                            // outside 200..399), other than 502 and 504
  malformed_response,       // fail: bytes that are not a valid HTTP/1.x response, or over a size limit
  load_stopped,             // info: still outstanding when the load generator's drain time ran out
  first_byte_timeout,       // info: no response byte within LoadConfig::first_byte_timeout of sending
  wrong_body_size,          // fail: complete response whose body is not the size asked for (held)
  bad_gateway,              // info: a 502 the request did not expect (the proxy got no valid answer upstream,
                            // which may or may not have acted on the request)
  gateway_timeout,          // info: a 504 the request did not expect (the upstream did not answer in time)
  tls_handshake,            // fail: the TLS handshake failed (an untrusted or wrong certificate, a protocol
                            // error, the connection closed or reset during it) or did not finish within
                            // LoadConfig::connect_timeout; no request byte was sent
};

enum class ProcessRole : std::uint8_t { none, master, worker };

// request_sent of the attempt that opened a TLS connection: whether its handshake was a full one
// or resumed a session (ticket or id). none: plaintext, a reused connection, or an old history.
enum class TlsHandshake : std::uint8_t { none, full, resumed };

enum class RequestKind : std::uint8_t { get, post, held };

// How the process observer knew of a birth (process_born) or an exit (process_exited). Anything
// but `directly` means the event's time is the moment the observer learned of it, not a moment
// it watched: a check that rests on such a process says so.
enum class ProcessSeen : std::uint8_t {
  directly,                  // birth: listed in its parent's /proc children, a pid file, or hotdeploy's own
                             // child; exit: its pidfd, waitpid, or /proc at a scan
  inferred_from_log,         // birth: named only by its master's "start worker process N" (or "start new
                             // binary process N") line; it may have lived less than a scan
  inferred_gone_when_found,  // exit: the process was already gone when the observer first learned of it
  inferred_at_stop,          // exit: found gone by the last look at everything when the observer stopped
};

// error.log severities in nginx's order, least severe first; none: a line not in nginx's format.
// Its name is the empty string ("level": "" in history.jsonl).
enum class LogLevel : std::uint8_t { none, debug, info, notice, warn, error, crit, alert, emerg };

// The signals a scenario may send, by the name nginx's documentation uses, without "SIG" ("USR2";
// interrupt is "INT"). none: the event is not about a signal.
enum class Signal : std::uint8_t { none, usr2, winch, quit, term, interrupt, hup, usr1, kill };

// pid_file_changed: which of nginx's two pid files changed (nginx.pid, or nginx.pid.oldbin where
// USR2 renames it), and whether it now names a master (pid) or was removed.
enum class PidFile : std::uint8_t { none, current, oldbin };
enum class PidFileState : std::uint8_t { none, written, removed };

struct Event {
  std::int64_t t_ns = 0;    // ns since run start (RunClock)
  std::uint64_t index = 0;  // position in the merged history
  EventType type{};
  // client fields
  std::uint64_t request_id = 0;  // a retry keeps the request_id of the original request
  std::uint32_t connection_id = 0;
  std::uint8_t attempt = 1;  // 2 for the RFC 9112 §9.3.1 retry
  RequestKind kind = RequestKind::get;
  bool reused = false;  // sent on a keep-alive connection that had served a response before
  Outcome outcome = Outcome::none;
  Reason reason = Reason::none;
  std::uint16_t status = 0;
  std::uint64_t bytes = 0;  // response bytes received for this attempt (status line, headers, body)
  // request_ended: ns from the request's start to this end -- the intended send time for open-loop
  // traffic (rate, post), else the moment the first attempt began (connect or write); a retry's
  // latency includes the first attempt
  std::int64_t latency_ns = 0;
  // request_sent of the attempt that opened its connection: ns from connect() start to that first
  // byte written (the connect latency; a SYN the kernel dropped adds a second); 0 on a reused
  // connection, and in histories written before the field existed
  std::int64_t connect_ns = 0;
  // request_sent of the attempt that opened a TLS connection (connect_ns then includes the handshake)
  TlsHandshake handshake = TlsHandshake::none;
  // process / orchestrator fields
  std::int32_t pid = 0;  // serving worker (request_ended ok), process (process_*), target master (signal_sent)
  std::int32_t parent_pid = 0;
  std::int32_t generation = 0;  // 1 = first master; process_born of masters and workers, signal_sent target
  std::int32_t exit_code = -1;  // process_exited: exit code, or 128+signal, -1 unknown
  ProcessRole role = ProcessRole::none;
  ProcessSeen seen = ProcessSeen::directly;  // process_born, process_exited
  // process_born seen directly: at most this many ns passed between the birth and t_ns (the time
  // since the last look at the parent's children that did not list it); 0 when not known
  std::int64_t lag_ns = 0;
  // log_line: the line's level, and where its message starts in `text` (the whole line): after
  // "YYYY/MM/DD HH:MM:SS [level] PID#TID: " and an optional "*CID " connection number; 0 (the
  // whole line) when the line is not in nginx's format
  LogLevel level = LogLevel::none;
  std::uint32_t message_at = 0;
  // signal_sent, no_effect: the signal
  Signal signal = Signal::none;
  // pid_file_changed: the file, and written (naming `pid`) or removed (pid 0)
  PidFile pid_file = PidFile::none;
  PidFileState pid_file_state = PidFileState::none;
  // kernel_counters: counter name as nstat spells it ("TcpExtListenOverflows") -> value
  std::map<std::string, std::int64_t> counters;
  // upstream_request: the upstream's name (scenario `upstreams:`), the request's method and target
  // as sent, when the response was written in full (or the connection ended before), and whether
  // it was; t_ns is when the whole request had been read
  std::string upstream;
  std::string method;
  std::string path;
  std::int64_t responded_ns = 0;
  bool response_written = false;
  // request_sent, request_ended: the request's name in the load's mix (`load: requests`); empty
  // for hotdeploy's own GET /, /held and POST /echo
  std::string name;
  // exec_ended: ns from the command's start to its end, and what it wrote to stdout and stderr
  // (interleaved, bounded: exec_command.h)
  std::int64_t duration_ns = 0;
  std::string output;
  // for people, never parsed back: signal name ("USR2"), step description, log line, pid file
  // name and pid ("nginx.pid 123", "nginx.pid removed"), no-effect description, error
  std::string text;

  // log_line: the message, a view into `text`
  [[nodiscard]] std::string_view message() const;

  friend bool operator==(const Event&, const Event&) = default;
};

[[nodiscard]] std::string_view to_string(EventType value);
[[nodiscard]] std::string_view to_string(Outcome value);
[[nodiscard]] std::string_view to_string(Reason value);
[[nodiscard]] std::string_view to_string(ProcessRole value);
[[nodiscard]] std::string_view to_string(RequestKind value);
[[nodiscard]] std::string_view to_string(ProcessSeen value);
[[nodiscard]] std::string_view to_string(LogLevel value);
[[nodiscard]] std::string_view to_string(Signal value);
[[nodiscard]] std::string_view to_string(PidFile value);
[[nodiscard]] std::string_view to_string(PidFileState value);
[[nodiscard]] std::string_view to_string(TlsHandshake value);

// The inverse of to_string: from_string<Reason>("refused") == Reason::refused; nullopt for any
// other spelling (matching is exact and case-sensitive).
template <typename Enum>
[[nodiscard]] std::optional<Enum> from_string(std::string_view text);

template <>
[[nodiscard]] std::optional<EventType> from_string<EventType>(std::string_view text);
template <>
[[nodiscard]] std::optional<Outcome> from_string<Outcome>(std::string_view text);
template <>
[[nodiscard]] std::optional<Reason> from_string<Reason>(std::string_view text);
template <>
[[nodiscard]] std::optional<ProcessRole> from_string<ProcessRole>(std::string_view text);
template <>
[[nodiscard]] std::optional<RequestKind> from_string<RequestKind>(std::string_view text);
template <>
[[nodiscard]] std::optional<LogLevel> from_string<LogLevel>(std::string_view text);
template <>
[[nodiscard]] std::optional<ProcessSeen> from_string<ProcessSeen>(std::string_view text);
template <>
[[nodiscard]] std::optional<Signal> from_string<Signal>(std::string_view text);
template <>
[[nodiscard]] std::optional<PidFile> from_string<PidFile>(std::string_view text);
template <>
[[nodiscard]] std::optional<PidFileState> from_string<PidFileState>(std::string_view text);
template <>
[[nodiscard]] std::optional<TlsHandshake> from_string<TlsHandshake>(std::string_view text);

}  // namespace hotdeploy::harness
