// history.jsonl: a History as JSON Lines, one event per line, readable with jq. Every line has
// "i" (index), "t_ns" and "type", followed by the fields that apply to that type:
//
//   request_sent               request_id connection_id attempt kind reused [connect_ns] [handshake] [name]
//                              [text]
//   request_ended              request_id connection_id attempt kind reused outcome [reason] status bytes
//                              latency_ns pid [name] [text]
//   exec_ended                 pid exit_code duration_ns output text
//   step_started, binary_swapped, wait_timed_out, run_error, steps_ended
//                              text
//   no_effect                  [signal] text
//   kernel_counters            text kernel.NAME...
//   wait_satisfied             pid generation text
//   signal_sent                pid generation role [signal] text
//   process_born               pid parent_pid generation role [seen] [lag_ns] [text]
//   process_exited             pid parent_pid generation role exit_code [seen] [text]
//   pid_file_changed           pid [file] [state] text
//   log_line                   pid level message text
//   upstream_request           upstream connection_id request_id method path status bytes responded_ns
//                              response_written [text]
//
// Enum values are written by name (event.h's to_string). Bracketed fields are left out when
// they hold their default (reason none, seen "directly", lag_ns 0, connect_ns 0, handshake none
// ("full" or "resumed" on the request_sent that opened a TLS connection), no signal,
// file or state, empty name or text). "signal" is the signal's name ("USR2"); "file" is "pid" or "oldbin"
// and "state" "written" (pid names the master) or "removed". The meaning is in these fields; the
// "text" beside them is for people. A field that does
// not apply to the type is written only if a producer set it to something other than its default, so the round trip
// write_jsonl -> read_jsonl is exact for every event. A log_line's "text" is the raw error.log line
// (what `log:` expectations match), "level" its level ("" when the line is not in nginx's format)
// and "message" the end of the text after nginx's prefix (the whole line when there is none);
// read back, "message" must be the end of "text". Lines written before these fields existed read
// back with level "" and the whole line as message; process events written before "seen" and
// "lag_ns" existed read back as seen directly with no lag figure, and request_sent lines written
// before "connect_ns" existed with no connect figure. An event's `counters` are written one key
// each, "kernel." + the counter's name ("kernel.TcpOutRsts": 12), after the fields, whenever it has
// any; a file written before kernel_counters existed has none. A signal_sent, no_effect or
// pid_file_changed line written before "signal", "file" and "state" existed gets them from its
// "text", as its writer spelled them ("USR2", "nginx.pid.oldbin removed").
//
// read_jsonl is strict: unknown keys, wrong value types, out-of-range numbers, an "i" that is
// not the line's position, or a t_ns that goes backwards all throw HistoryFormatError naming
// the 1-based line number; a stream that fails to read throws std::runtime_error.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <stdexcept>
#include <string>

#include "harness/history/history.h"

namespace hotdeploy::harness {

// A line that is not an event: what() is "history.jsonl line LINE: REASON".
class HistoryFormatError : public std::runtime_error {
 public:
  HistoryFormatError(std::size_t line, const std::string& reason);
  [[nodiscard]] std::size_t line() const;
  [[nodiscard]] const std::string& reason() const;

 private:
  std::size_t line_;
  std::string reason_;
};

void write_jsonl(const History& history, std::ostream& out);
[[nodiscard]] History read_jsonl(std::istream& in);

}  // namespace hotdeploy::harness
