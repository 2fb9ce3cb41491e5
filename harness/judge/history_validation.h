// History validation: a pure pass over a History, before any check, that refuses a history that
// cannot have happened. A judge that trusted such a history would turn a bug in the observer or
// the load generator, a fault of the fake, or a hand edit into a pass. Each violation names the
// event (its index; history.jsonl line = index + 1), a rule and a detail. The rules:
//
//   client events (per request_id and attempt)
//   - duplicate_request_id: one attempt of a request sent twice, or its events on two connections
//   - attempt_ended_twice: one attempt with two request_ended
//   - ended_before_sent: an attempt's request_ended comes before its request_sent
//   - ended_without_send: an attempt ended in a way only a sent request can (ok, bad_status,
//     bad_gateway, gateway_timeout, wrong_body_size, malformed_response, truncated, closed_without_response,
//     reset_after_send) with no request_sent; refused, connect_timeout, reset_before_send, the timeouts and
//     load_stopped may end an attempt whose first byte never left
//   - bad_attempt: an attempt number other than 1 or 2 (2 is the one RFC 9112 §9.3.1 retry)
//   - attempt_skipped: attempt 2 sent or ended before attempt 1 ended
//   - retry_without_cause: attempt 2 after an attempt 1 that did not end fail with zero response
//     bytes on a reused keep-alive connection, closed_without_response or reset_before_send, of
//     an idempotent request (get or held; a post is never retried)
//   - ok_contradicted: an ok with a status outside 200..399 (a named request of the load's mix,
//     which says what it expects: outside 100..599), zero response bytes, or a reason
//   - connect_contradicted: a request_sent whose connect_ns is negative, set on a reused
//     connection, or longer than the time since the run began
//   process events (per pid, one process from process_born to process_exited)
//   - born_twice: a process_born for a pid whose process has not exited
//   - exit_without_birth: a process_exited for a pid never born
//   - exited_twice: a process_exited for a pid whose process already exited
//   - worker_generation_mismatch: a worker born with a generation other than its parent
//     master's (the master of parent_pid alive at the worker's birth)
//   - response_outside_lifetime: an ok served by a pid that was born in the history, at a time
//     when no process of that pid was alive, within generations.h's bounds (the observer's lag
//     bound before a birth it saw, any time before one it inferred, kInFlightBoundNs after an
//     exit for a request sent before the exit, within kSendStampLagBoundNs); an ok from a pid
//     never born is not refused (served_by_at_end is unknown for it)
//   kernel counters
//   - kernel_counter_went_back: a kernel_counters sample with a counter lower than in the sample
//     before it (the kernel only counts up, so the two were not read in one namespace)
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "harness/history/history.h"
#include "harness/judge/checks.h"

namespace hotdeploy::harness {

struct Violation {
  std::uint64_t index = 0;  // of the event that cannot have happened
  std::string rule;
  std::string detail;

  friend bool operator==(const Violation&, const Violation&) = default;
};

// At most this many violations are kept (the first, in index order); count has them all.
inline constexpr std::size_t kMaxViolationsKept = 100;

struct HistoryValidation {
  std::vector<Violation> violations;  // in index order, at most kMaxViolationsKept
  std::uint64_t count = 0;

  [[nodiscard]] bool valid() const { return count == 0; }
};

[[nodiscard]] HistoryValidation validate_history(const History& history);

// "history.jsonl:LINE: rule: detail" for a violation of the history read from file.
[[nodiscard]] std::string describe(const Violation& violation, const std::string& file);

// judge(history, expect) when the history is valid; otherwise a failed judgement, with no
// metrics, whose only check is "history_invalid" naming the first violations.
[[nodiscard]] Judgement judge_valid(const History& history, const Expectations& expect);
// The same, with the history's validation already made (by a caller that also shows it).
[[nodiscard]] Judgement judge_valid(const History& history, const HistoryValidation& validation,
                                    const Expectations& expect);

}  // namespace hotdeploy::harness
