// Test-only: HistoryBuilder writes hand-made histories for the metrics and checks tests in a
// few lines -- processes born, signals sent, requests ended -- at times given in milliseconds.
// What it writes is what the load generator and the observer would record, so that a history
// built from valid steps passes history validation (harness/judge/history_validation.h).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "harness/history/history.h"

namespace hotdeploy::harness::testing {

// The response bytes of an ok ending (status 200): a history that validates needs some.
inline constexpr std::uint64_t kOkResponseBytes = 512;

class HistoryBuilder {
 public:
  // Events added after this call carry t_ns = ms * 1e6.
  HistoryBuilder& at_ms(double ms);
  HistoryBuilder& master(std::int32_t pid, std::int32_t generation);
  // generation 0: leave it to be inferred from the parent master.
  HistoryBuilder& worker(std::int32_t pid, std::int32_t master_pid, std::int32_t generation);
  // signal_sent of the named signal ("USR2", or "SIGUSR2" as old histories spelled it)
  HistoryBuilder& signal(std::string name, std::int32_t master_pid, std::int32_t generation);
  // request_sent then request_ended with the given ending.
  HistoryBuilder& request(std::uint64_t id, Outcome outcome, Reason reason = Reason::none, std::int32_t pid = 0,
                          std::uint8_t attempt = 1);
  HistoryBuilder& ok(std::uint64_t id, std::int32_t worker_pid, std::uint8_t attempt = 1);
  HistoryBuilder& sent_only(std::uint64_t id, std::uint8_t attempt = 1);
  HistoryBuilder& ended_only(std::uint64_t id, Outcome outcome, Reason reason, std::uint8_t attempt = 1,
                             std::int32_t pid = 0, double latency_ms = 0);
  // The last request_ended added got a whole response of this status (a 502 from a proxy).
  HistoryBuilder& with_status(std::uint16_t status);
  // upstream_request: upstream `name` read request `request_id` (0: no X-Hotdeploy-Request) on
  // its connection, and wrote its response (status 200) in full at responded_ms, or did not.
  HistoryBuilder& upstream_request(std::string name, std::uint32_t connection_id, std::uint64_t request_id,
                                   bool written, double responded_ms);
  HistoryBuilder& exited(std::int32_t pid, std::int32_t parent_pid, ProcessRole role, std::int32_t generation);
  // How the observer knew of the last process_born or process_exited added, and, for a birth,
  // its lag bound.
  HistoryBuilder& observed(ProcessSeen seen, double lag_ms = 0);
  // Names the request whose events were added last (its trailing request_sent and request_ended),
  // as a request of the load's mix.
  HistoryBuilder& named(const std::string& name);
  // pid_file_changed of <file> (nginx.pid.oldbin: the oldbin file), written with <pid>, or
  // removed when pid is 0; text "<file> <pid>" or "<file> removed"
  HistoryBuilder& pid_file(std::string file, std::int32_t pid);
  HistoryBuilder& log(std::string line);
  HistoryBuilder& orchestrator(EventType type, std::string text);
  // kernel_counters, `when` as its text
  HistoryBuilder& kernel_counters(std::string when, std::map<std::string, std::int64_t> counters);

  [[nodiscard]] History build() const;

 private:
  Event& add(EventType type);

  std::int64_t t_ns_ = 0;
  std::vector<Event> events_;
};

}  // namespace hotdeploy::harness::testing
