#include "harness/judge/history_validation.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <limits>
#include <unordered_map>

#include "harness/judge/generations.h"

namespace hotdeploy::harness {
namespace {

constexpr std::uint64_t kNone = std::numeric_limits<std::uint64_t>::max();
constexpr std::size_t kViolationsInCheck = 5;

std::string ms(std::int64_t ns) {
  std::array<char, 48> buffer{};
  const int n = std::snprintf(buffer.data(), buffer.size(), "%.3f ms", static_cast<double>(ns) / 1e6);
  return std::string(buffer.data(), static_cast<std::size_t>(std::clamp(n, 0, 47)));
}

std::string line_of(std::uint64_t index) { return "line " + std::to_string(index + 1); }

struct AttemptSeen {
  std::uint64_t sent = kNone;   // index of its request_sent
  std::uint64_t ended = kNone;  // index of its request_ended
  std::uint32_t connection = 0;
  bool on_connection = false;
  Outcome outcome = Outcome::none;
  Reason reason = Reason::none;
  std::uint64_t bytes = 0;
  bool reused = false;
  RequestKind kind = RequestKind::get;
};

struct RequestSeen {
  std::uint64_t id = kNone;  // kNone: no event named this id
  std::array<AttemptSeen, 2> attempts;
};

// Only a request whose bytes went out can end this way.
bool implies_sent(const AttemptSeen& a) {
  if (a.outcome == Outcome::ok) return true;
  switch (a.reason) {
    case Reason::bad_status:
    case Reason::bad_gateway:
    case Reason::gateway_timeout:
    case Reason::wrong_body_size:
    case Reason::malformed_response:
    case Reason::truncated:
    case Reason::closed_without_response:
    case Reason::reset_after_send: return true;
    default: return false;
  }
}

// What RFC 9112 §9.3.1 allows the load generator to retry: an idempotent request whose reused
// keep-alive connection closed before any response byte.
bool retry_allowed_after(const AttemptSeen& first) {
  return first.outcome == Outcome::fail && first.bytes == 0 && first.reused && first.kind != RequestKind::post &&
         (first.reason == Reason::closed_without_response || first.reason == Reason::reset_before_send);
}

std::string describe_attempt(const AttemptSeen& a) {
  std::string text = std::string(to_string(a.kind)) + " ended " + std::string(to_string(a.outcome));
  if (a.reason != Reason::none) text += " " + std::string(to_string(a.reason));
  text += " with " + std::to_string(a.bytes) + " bytes on a " + (a.reused ? "reused" : "fresh") + " connection";
  return text;
}

class Validator {
 public:
  explicit Validator(const History& history)
      : history_(history), dense_limit_(4 * static_cast<std::uint64_t>(history.size()) + 1024) {}

  HistoryValidation run() {
    for (const Event& e : history_.events()) {
      if (e.type == EventType::request_sent || e.type == EventType::request_ended) {
        client(e);
      } else if (e.type == EventType::process_born) {
        born(e);
      } else if (e.type == EventType::process_exited) {
        exited(e);
      } else if (e.type == EventType::kernel_counters) {
        kernel_counters(e);
      }
    }
    for (const RequestSeen& r : dense_) unsent_endings(r);
    for (const auto& [id, r] : sparse_) unsent_endings(r);
    responses();
    std::sort(found_.begin(), found_.end(), [](const Violation& a, const Violation& b) { return a.index < b.index; });
    HistoryValidation v;
    v.count = found_.size();
    found_.resize(std::min(found_.size(), kMaxViolationsKept));
    v.violations = std::move(found_);
    return v;
  }

 private:
  struct ProcessSeen {
    bool alive = false;
    ProcessRole role = ProcessRole::none;
    std::int32_t generation = 0;
    std::uint64_t last_event = 0;
  };

  // The kernel only ever counts up; a counter that went back was not read from one namespace.
  void kernel_counters(const Event& e) {
    if (last_counters_ != nullptr) {
      for (const auto& [name, value] : e.counters) {
        const auto before = last_counters_->counters.find(name);
        if (before == last_counters_->counters.end() || before->second <= value) continue;
        add(e.index, "kernel_counter_went_back",
            name + " is " + std::to_string(value) + ", down from " + std::to_string(before->second) + " at " +
                line_of(last_counters_->index));
      }
    }
    last_counters_ = &e;
  }

  void add(std::uint64_t index, const char* rule, std::string detail) {
    found_.push_back({index, rule, std::move(detail)});
  }

  RequestSeen& request(std::uint64_t id) {
    if (id < dense_limit_) {
      if (id >= dense_.size()) dense_.resize(std::max<std::size_t>(id + 1, dense_.size() * 2));
      return dense_[id];
    }
    return sparse_[id];
  }

  void client(const Event& e) {
    const std::string name = "request " + std::to_string(e.request_id) + " attempt " + std::to_string(e.attempt);
    if (e.attempt < 1 || e.attempt > 2) {
      add(e.index, "bad_attempt", name + ": only attempt 1 and its one RFC 9112 retry (attempt 2) can exist");
      return;
    }
    RequestSeen& r = request(e.request_id);
    r.id = e.request_id;
    AttemptSeen& a = r.attempts[e.attempt - 1];
    if (a.on_connection && a.connection != e.connection_id) {
      add(e.index, "duplicate_request_id",
          name + " on connection " + std::to_string(e.connection_id) + ", but its " +
              line_of(a.sent != kNone ? a.sent : a.ended) + " was on connection " + std::to_string(a.connection));
      return;
    }
    a.on_connection = true;
    a.connection = e.connection_id;
    if (e.type == EventType::request_sent) {
      if (a.sent != kNone) {
        add(e.index, "duplicate_request_id", name + " sent again (first sent at " + line_of(a.sent) + ")");
        return;
      }
      if (a.ended != kNone) {
        add(a.ended, "ended_before_sent", name + " ended before its request_sent at " + line_of(e.index));
      }
      a.sent = e.index;
      if (e.connect_ns != 0) connect_time(e, name);
    } else {
      if (a.ended != kNone) {
        add(e.index, "attempt_ended_twice", name + " already ended at " + line_of(a.ended));
        return;
      }
      a.ended = e.index;
      a.outcome = e.outcome;
      a.reason = e.reason;
      a.bytes = e.bytes;
      a.reused = e.reused;
      a.kind = e.kind;
      if (e.outcome == Outcome::ok) ok_response(e, name);
    }
    if (e.attempt == 2 && !(a.sent != kNone && a.ended != kNone)) first_event_of_retry(e, r, name);
  }

  // Runs at attempt 2's first event (its request_sent, or its request_ended if it has none).
  void first_event_of_retry(const Event& e, const RequestSeen& r, const std::string& name) {
    const AttemptSeen& first = r.attempts[0];
    if (first.ended == kNone) {
      add(e.index, "attempt_skipped", name + " before attempt 1 ended");
    } else if (!retry_allowed_after(first)) {
      add(e.index, "retry_without_cause",
          name + " after attempt 1 (" + line_of(first.ended) + ") " + describe_attempt(first) +
              "; only a get or held request that ended fail, closed_without_response or reset_before_send with "
              "0 bytes on a reused connection is retried");
    }
  }

  void connect_time(const Event& e, const std::string& name) {
    const std::string figure = " connect_ns " + std::to_string(e.connect_ns);
    if (e.connect_ns < 0) {
      add(e.index, "connect_contradicted", name + figure + " is negative");
    } else if (e.reused) {
      add(e.index, "connect_contradicted", name + figure + " on a reused connection, which made no connect");
    } else if (e.connect_ns > e.t_ns) {
      add(e.index, "connect_contradicted",
          name + figure + " began before the run (t_ns " + std::to_string(e.t_ns) + ")");
    }
  }

  void ok_response(const Event& e, const std::string& name) {
    // A named request of the load's mix may expect any status (expect_status); hotdeploy's own
    // traffic expects 2xx or 3xx.
    const bool expected = e.name.empty() ? e.status >= 200 && e.status <= 399 : e.status >= 100 && e.status <= 599;
    if (!expected) {
      add(e.index, "ok_contradicted", name + " ended ok with status " + std::to_string(e.status));
    }
    if (e.bytes == 0) add(e.index, "ok_contradicted", name + " ended ok with 0 response bytes");
    if (e.reason != Reason::none) {
      add(e.index, "ok_contradicted", name + " ended ok with reason " + std::string(to_string(e.reason)));
    }
  }

  void unsent_endings(const RequestSeen& r) {
    if (r.id == kNone) return;
    for (std::size_t k = 0; k < r.attempts.size(); ++k) {
      const AttemptSeen& a = r.attempts[k];
      if (a.ended == kNone || a.sent != kNone || !implies_sent(a)) continue;
      add(a.ended, "ended_without_send",
          "request " + std::to_string(r.id) + " attempt " + std::to_string(k + 1) + " " + describe_attempt(a) +
              ", which needs a sent request, but has no request_sent");
    }
  }

  void born(const Event& e) {
    ProcessSeen& p = processes_[e.pid];
    const std::string name = std::string(to_string(e.role)) + " " + std::to_string(e.pid);
    if (p.alive) {
      add(e.index, "born_twice", name + " born again, alive since " + line_of(p.last_event) + " with no exit between");
    }
    if (e.role == ProcessRole::worker && e.generation > 0) {
      const auto parent = processes_.find(e.parent_pid);
      if (parent != processes_.end() && parent->second.alive && parent->second.role == ProcessRole::master &&
          parent->second.generation > 0 && parent->second.generation != e.generation) {
        add(e.index, "worker_generation_mismatch",
            name + " has generation " + std::to_string(e.generation) + " but its master " +
                std::to_string(e.parent_pid) + " (" + line_of(parent->second.last_event) + ") has generation " +
                std::to_string(parent->second.generation));
      }
    }
    p = {true, e.role, e.generation, e.index};
  }

  void exited(const Event& e) {
    const std::string name = std::string(to_string(e.role)) + " " + std::to_string(e.pid);
    const auto it = processes_.find(e.pid);
    if (it == processes_.end()) {
      add(e.index, "exit_without_birth", name + " exited, but no process_born names pid " + std::to_string(e.pid));
      return;
    }
    if (!it->second.alive) {
      add(e.index, "exited_twice", name + " exited again (it exited at " + line_of(it->second.last_event) + ")");
      return;
    }
    it->second.alive = false;
    it->second.last_event = e.index;
  }

  // A response read after its worker exited is that worker's only if its request went out before the
  // exit (within the send stamp's lag): bytes can be read late, never written late. True when the
  // attempt's request_sent is not in the history (another rule names that).
  bool sent_before_exit(const Event& ended, const ProcessLifetime& worker) {
    if (ended.attempt < 1 || ended.attempt > 2) return true;
    const std::uint64_t sent = request(ended.request_id).attempts[ended.attempt - 1].sent;
    const auto& events = history_.events();
    if (sent == kNone || sent >= events.size() || events[sent].index != sent) return true;
    return events[sent].t_ns <= worker.exited_ns + kSendStampLagBoundNs;
  }

  void responses() {
    const Generations generations = Generations::from(history_);
    for (const Event& e : history_.events()) {
      if (e.type != EventType::request_ended || e.pid == 0 || !generations.known(e.pid)) continue;
      const ProcessLifetime* serving = generations.serving(e.pid, e.t_ns);
      if (serving != nullptr && (serving->exited_ns >= e.t_ns || sent_before_exit(e, *serving))) continue;
      std::string lives;
      for (const ProcessLifetime& p : generations.processes()) {
        if (p.pid != e.pid) continue;
        lives += (lives.empty() ? "" : ", ") + ms(p.born_ns) + " to " +
                 (p.exited_ns == kStillAlive ? std::string("the end") : ms(p.exited_ns));
      }
      add(e.index, "response_outside_lifetime",
          "request " + std::to_string(e.request_id) + " attempt " + std::to_string(e.attempt) + " served by pid " +
              std::to_string(e.pid) + " at " + ms(e.t_ns) + ", but that pid lived " + lives +
              " (allowed: the observer's lag bound before a birth, at least " + ms(kBirthLagBoundNs) +
              ", any time before one it inferred; " + ms(kInFlightBoundNs) +
              " after an exit for a request sent before it)");
    }
  }

  const History& history_;
  std::uint64_t dense_limit_;
  std::vector<RequestSeen> dense_;
  std::unordered_map<std::uint64_t, RequestSeen> sparse_;
  std::unordered_map<std::int32_t, ProcessSeen> processes_;
  std::vector<Violation> found_;
  const Event* last_counters_ = nullptr;  // the latest kernel_counters
};

}  // namespace

HistoryValidation validate_history(const History& history) { return Validator(history).run(); }

std::string describe(const Violation& violation, const std::string& file) {
  return file + ":" + std::to_string(violation.index + 1) + ": " + violation.rule + ": " + violation.detail;
}

Judgement judge_valid(const History& history, const Expectations& expect) {
  return judge_valid(history, validate_history(history), expect);
}

Judgement judge_valid(const History& history, const HistoryValidation& validation, const Expectations& expect) {
  if (validation.valid()) return judge(history, expect);
  std::string detail = "the history cannot have happened (" + std::to_string(validation.count) + " violation" +
                       (validation.count == 1 ? "" : "s") + "); not judged:";
  for (std::size_t i = 0; i < std::min(validation.violations.size(), kViolationsInCheck); ++i) {
    detail += " " + describe(validation.violations[i], "history.jsonl") + ";";
  }
  detail.pop_back();
  if (validation.count > kViolationsInCheck) {
    detail += "; and " + std::to_string(validation.count - kViolationsInCheck) + " more";
  }
  return {Verdict::fail, {}, {{"history_invalid", Verdict::fail, std::move(detail)}}};
}

}  // namespace hotdeploy::harness
