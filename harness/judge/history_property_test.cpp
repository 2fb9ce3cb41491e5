// Property tests of the validation and the judge: a small seeded generator makes random valid
// histories whose truth it knows (requests and how each ended, retries, generations, pid reuse,
// exits at random times). For each, the validation must accept it, the metrics must equal the
// truth, and each edit that makes it impossible, applied at a random place, must be refused.
//
// HOTDEPLOY_PROPERTY_SEED=N reproduces a run (every failure prints the seed of its case);
// HOTDEPLOY_PROPERTY_CASES=N sets the number of cases (default 3000, 300 under a sanitizer).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "harness/judge/generations.h"
#include "harness/judge/history_validation.h"
#include "harness/judge/judge_inputs.h"
#include "harness/judge/metrics.h"

namespace hotdeploy::harness {
namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr std::uint64_t kDefaultCases = 300;
#else
constexpr std::uint64_t kDefaultCases = 3000;
#endif

constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kGenerationGap = 1500 * kMs;  // between one generation's birth and the next's
constexpr std::int64_t kSpan = 5000 * kMs;           // steps end here

std::uint64_t env_or(const char* name, std::uint64_t fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::strtoull(value, nullptr, 10) : fallback;
}

struct Truth {
  std::uint64_t requests = 0, ok = 0, dropped = 0, retried = 0;
  std::map<std::int32_t, std::uint64_t> ok_by_generation;
};

struct Worker {
  std::int32_t pid;
  std::int32_t generation;
  std::int64_t born;
  std::int64_t exited;  // kStillAlive: lives to the end
};

class Generator {
 public:
  explicit Generator(std::uint64_t seed) : rng_(seed) {}

  std::vector<Event> events;
  Truth truth;
  std::vector<Worker> workers;

  void generate() {
    const int generations = pick(1, 3);
    std::int32_t next_pid = 100;
    std::int32_t parent = 1;
    for (int g = 1; g <= generations; ++g) {
      const std::int64_t born = g == 1 ? 0 : (g - 1) * kGenerationGap + pick(0, 100) * kMs;
      if (g > 1) signal(born - kMs, parent, g - 1);
      const std::int32_t master = next_pid++;
      process(EventType::process_born, born, master, parent, ProcessRole::master, g);
      const int count = pick(1, 3);
      std::int64_t last_worker_exit = born;
      const bool retires = g < generations;
      for (int k = 0; k < count; ++k) {
        const std::int64_t worker_born = born + pick(1, 20) * kMs;
        const std::int32_t pid = reusable_pid(worker_born).value_or(next_pid++);
        const std::int64_t exited = retires ? g * kGenerationGap + 100 * kMs + pick(30, 300) * kMs : kStillAlive;
        workers.push_back({pid, g, worker_born, exited});
        process(EventType::process_born, worker_born, pid, master, ProcessRole::worker, pick(0, 1) == 0 ? 0 : g);
        if (exited != kStillAlive) {
          process(EventType::process_exited, exited, pid, master, ProcessRole::worker, g);
          last_worker_exit = std::max(last_worker_exit, exited);
        }
      }
      if (retires && pick(0, 4) != 0) {
        process(EventType::process_exited, last_worker_exit + pick(1, 50) * kMs, master, parent, ProcessRole::master,
                g);
      }
      parent = master;
    }
    Event end;
    end.type = EventType::steps_ended;
    end.t_ns = kSpan;
    events.push_back(end);
    const int requests = pick(10, 150);
    for (int id = 1; id <= requests; ++id) request(static_cast<std::uint64_t>(id));
    std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) { return a.t_ns < b.t_ns; });
  }

  int pick(int from, int to) { return std::uniform_int_distribution<int>(from, to)(rng_); }
  std::int64_t pick_ns(std::int64_t from, std::int64_t to) {
    return std::uniform_int_distribution<std::int64_t>(from, to)(rng_);
  }

 private:
  void signal(std::int64_t t, std::int32_t master, std::int32_t generation) {
    Event e;
    e.type = EventType::signal_sent;
    e.t_ns = t;
    e.pid = master;
    e.generation = generation;
    e.signal = Signal::usr2;
    e.text = "USR2";
    events.push_back(e);
  }

  void process(EventType type, std::int64_t t, std::int32_t pid, std::int32_t parent, ProcessRole role,
               std::int32_t generation) {
    Event e;
    e.type = type;
    e.t_ns = t;
    e.pid = pid;
    e.parent_pid = parent;
    e.role = role;
    e.generation = generation;
    if (type == EventType::process_exited) e.exit_code = 0;
    events.push_back(e);
  }

  // Half the time, the pid of a worker that exited long enough before `born` that no response
  // can be attributed to both.
  std::optional<std::int32_t> reusable_pid(std::int64_t born) {
    for (const Worker& w : workers) {
      if (w.exited == kStillAlive || w.exited + kInFlightBoundNs + kBirthLagBoundNs + kMs >= born) continue;
      const bool taken = std::any_of(workers.begin(), workers.end(),
                                     [&](const Worker& other) { return other.pid == w.pid && other.born > w.born; });
      if (!taken && pick(0, 1) == 0) return w.pid;
    }
    return std::nullopt;
  }

  // A worker alive at t, or nullptr.
  const Worker* serving_at(std::int64_t t) {
    std::vector<const Worker*> alive;
    for (const Worker& w : workers) {
      if (w.born <= t && t <= w.exited) alive.push_back(&w);
    }
    if (alive.empty()) return nullptr;
    return alive[static_cast<std::size_t>(pick(0, static_cast<int>(alive.size()) - 1))];
  }

  Event client(EventType type, std::int64_t t, std::uint64_t id, std::uint8_t attempt, RequestKind kind, bool reused) {
    Event e;
    e.type = type;
    e.t_ns = t;
    e.request_id = id;
    e.attempt = attempt;
    e.connection_id = ++connections_;
    e.kind = kind;
    e.reused = reused;
    return e;
  }

  // One attempt sent at t and ended at end as given; pid 0 for an ok picks a live worker.
  void attempt(std::uint64_t id, std::uint8_t n, RequestKind kind, bool reused, std::int64_t t, std::int64_t end,
               Outcome outcome, Reason reason, bool sent, std::uint64_t bytes, std::int32_t pid) {
    Event s = client(EventType::request_sent, t, id, n, kind, reused);
    Event e = s;
    e.type = EventType::request_ended;
    e.t_ns = end;
    e.outcome = outcome;
    e.reason = reason;
    e.bytes = bytes;
    e.pid = pid;
    e.status = outcome == Outcome::ok ? 200 : (reason == Reason::bad_status ? 503 : 0);
    e.latency_ns = end - t;
    if (sent) events.push_back(s);
    events.push_back(e);
  }

  void request(std::uint64_t id) {
    const std::int64_t t = pick_ns(kMs, kSpan - 20 * kMs);
    const std::int64_t end = t + pick_ns(kMs / 10, 5 * kMs);
    const int k = pick(0, 9);
    const RequestKind kind = k < 6 ? RequestKind::get : (k < 8 ? RequestKind::held : RequestKind::post);
    const bool reused = pick(0, 1) == 0;
    ++truth.requests;
    const Worker* worker = serving_at(end);
    const int shape = pick(0, 19);
    if (shape < 11 && worker != nullptr) {
      attempt(id, 1, kind, reused, t, end, Outcome::ok, Reason::none, true, 512, worker->pid);
      ++truth.ok;
      ++truth.ok_by_generation[worker->generation];
    } else if (shape < 14 && kind != RequestKind::post) {
      // The RFC 9112 retry, ending ok if a worker is alive then, else refused.
      attempt(id, 1, kind, true, t, end, Outcome::fail,
              pick(0, 3) == 0 ? Reason::reset_before_send : Reason::closed_without_response, true, 0, 0);
      const std::int64_t again = end + pick_ns(0, kMs);
      const std::int64_t again_end = again + pick_ns(kMs / 10, 5 * kMs);
      const Worker* second = serving_at(again_end);
      if (second != nullptr) {
        attempt(id, 2, kind, false, again, again_end, Outcome::ok, Reason::none, true, 512, second->pid);
        ++truth.ok;
        ++truth.retried;
        ++truth.ok_by_generation[second->generation];
      } else {
        attempt(id, 2, kind, false, again, again_end, Outcome::fail, Reason::refused, false, 0, 0);
        ++truth.dropped;
      }
    } else if (shape < 16) {
      attempt(id, 1, kind, false, t, end, Outcome::fail, Reason::refused, false, 0, 0);
      ++truth.dropped;
    } else if (shape < 17) {
      attempt(id, 1, kind, false, t, end, Outcome::info, Reason::reset_after_send, true, 0, 0);
      ++truth.dropped;
    } else if (shape < 18) {
      attempt(id, 1, kind, reused, t, end, Outcome::info, Reason::truncated, true, 80, 0);
      ++truth.dropped;
    } else if (shape < 19 && worker != nullptr) {
      attempt(id, 1, kind, reused, t, end, Outcome::fail, Reason::bad_status, true, 100, worker->pid);
      ++truth.dropped;
    } else {
      attempt(id, 1, RequestKind::post, true, t, end, Outcome::info, Reason::closed_without_response, true, 0, 0);
      ++truth.dropped;
    }
  }

  std::mt19937_64 rng_;
  std::uint32_t connections_ = 0;
};

// An edit that makes a valid history impossible: returns the rule it breaks, or nullopt when
// the history offers no place for it (the edit is then skipped).
using Edit = std::function<std::optional<std::string>(std::vector<Event>&, Generator&)>;

// A random event matching pred, or nullptr.
Event* any_of(std::vector<Event>& events, Generator& g, const std::function<bool(const Event&)>& pred) {
  std::vector<Event*> found;
  for (Event& e : events) {
    if (pred(e)) found.push_back(&e);
  }
  if (found.empty()) return nullptr;
  return found[static_cast<std::size_t>(g.pick(0, static_cast<int>(found.size()) - 1))];
}

Event* partner(std::vector<Event>& events, const Event& of, EventType type) {
  for (Event& e : events) {
    if (e.type == type && e.request_id == of.request_id && e.attempt == of.attempt) return &e;
  }
  return nullptr;
}

bool is_ok(const Event& e) { return e.type == EventType::request_ended && e.outcome == Outcome::ok; }
bool is_retry(const Event& e) { return e.type == EventType::request_sent && e.attempt == 2; }

const std::vector<std::pair<std::string, Edit>>& edits() {
  static const std::vector<std::pair<std::string, Edit>> kEdits = {
      {"end an attempt twice",
       [](std::vector<Event>& ev, Generator& g) -> std::optional<std::string> {
         Event* e = any_of(ev, g, [](const Event& x) { return x.type == EventType::request_ended; });
         if (e == nullptr) return std::nullopt;
         Event again = *e;
         again.t_ns += g.pick_ns(0, 50 * kMs);
         ev.push_back(again);
         return "attempt_ended_twice";
       }},
      {"send an ok attempt after it ended",
       [](std::vector<Event>& ev, Generator& g) -> std::optional<std::string> {
         Event* e = any_of(ev, g, is_ok);
         if (e == nullptr) return std::nullopt;
         partner(ev, *e, EventType::request_sent)->t_ns = e->t_ns + g.pick_ns(1, 10 * kMs);
         return "ended_before_sent";
       }},
      {"drop an ok attempt's request_sent",
       [](std::vector<Event>& ev, Generator& g) -> std::optional<std::string> {
         Event* e = any_of(ev, g, is_ok);
         if (e == nullptr) return std::nullopt;
         const Event* sent = partner(ev, *e, EventType::request_sent);
         ev.erase(ev.begin() + (sent - ev.data()));
         return "ended_without_send";
       }},
      {"give a request another's id",
       [](std::vector<Event>& ev, Generator& g) -> std::optional<std::string> {
         Event* a = any_of(ev, g, [](const Event& x) { return x.type == EventType::request_sent && x.attempt == 1; });
         Event* b = any_of(ev, g, [&](const Event& x) {
           return x.type == EventType::request_sent && x.attempt == 1 && a != nullptr && x.request_id != a->request_id;
         });
         if (a == nullptr || b == nullptr) return std::nullopt;
         const std::uint64_t from = b->request_id;
         for (Event& x : ev) {
           if (x.request_id == from && x.attempt == 1 &&
               (x.type == EventType::request_sent || x.type == EventType::request_ended)) {
             x.request_id = a->request_id;
           }
         }
         return "duplicate_request_id";
       }},
      {"a third attempt",
       [](std::vector<Event>& ev, Generator& g) -> std::optional<std::string> {
         Event* e = any_of(ev, g, is_retry);
         if (e == nullptr) return std::nullopt;
         Event third = *e;
         third.attempt = 3;
         third.t_ns += 20 * kMs;
         ev.push_back(third);
         return "bad_attempt";
       }},
      {"retry a post",
       [](std::vector<Event>& ev, Generator& g) -> std::optional<std::string> {
         Event* e = any_of(ev, g, is_retry);
         if (e == nullptr) return std::nullopt;
         Event copy = *e;
         copy.attempt = 1;
         partner(ev, copy, EventType::request_ended)->kind = RequestKind::post;
         return "retry_without_cause";
       }},
      {"retry after a fresh connection",
       [](std::vector<Event>& ev, Generator& g) -> std::optional<std::string> {
         Event* e = any_of(ev, g, is_retry);
         if (e == nullptr) return std::nullopt;
         Event copy = *e;
         copy.attempt = 1;
         partner(ev, copy, EventType::request_ended)->reused = false;
         return "retry_without_cause";
       }},
      {"retry after response bytes",
       [](std::vector<Event>& ev, Generator& g) -> std::optional<std::string> {
         Event* e = any_of(ev, g, is_retry);
         if (e == nullptr) return std::nullopt;
         Event copy = *e;
         copy.attempt = 1;
         Event* first = partner(ev, copy, EventType::request_ended);
         first->bytes = 80;
         first->outcome = Outcome::info;
         first->reason = Reason::truncated;
         return "retry_without_cause";
       }},
      {"retry without attempt 1",
       [](std::vector<Event>& ev, Generator& g) -> std::optional<std::string> {
         Event* e = any_of(ev, g, is_retry);
         if (e == nullptr) return std::nullopt;
         const std::uint64_t id = e->request_id;
         std::erase_if(ev, [&](const Event& x) {
           return x.request_id == id && x.attempt == 1 &&
                  (x.type == EventType::request_sent || x.type == EventType::request_ended);
         });
         return "attempt_skipped";
       }},
      {"ok with a bad status, no bytes or a reason",
       [](std::vector<Event>& ev, Generator& g) -> std::optional<std::string> {
         Event* e = any_of(ev, g, is_ok);
         if (e == nullptr) return std::nullopt;
         const int how = g.pick(0, 2);
         if (how == 0) e->status = static_cast<std::uint16_t>(g.pick(0, 1) == 0 ? 503 : 101);
         if (how == 1) e->bytes = 0;
         if (how == 2) e->reason = Reason::truncated;
         return "ok_contradicted";
       }},
      {"credit a response to a pid not alive then",
       [](std::vector<Event>& ev, Generator& g) -> std::optional<std::string> {
         Event* e = any_of(ev, g, [&](const Event& x) {
           if (!is_ok(x)) return false;
           return std::any_of(g.workers.begin(), g.workers.end(), [&](const Worker& w) {
             return std::none_of(g.workers.begin(), g.workers.end(), [&](const Worker& v) {
               return v.pid == w.pid && x.t_ns >= v.born - kBirthLagBoundNs &&
                      (v.exited == kStillAlive || x.t_ns <= v.exited + kInFlightBoundNs);
             });
           });
         });
         if (e == nullptr) return std::nullopt;
         for (const Worker& w : g.workers) {
           const bool fits = std::any_of(g.workers.begin(), g.workers.end(), [&](const Worker& v) {
             return v.pid == w.pid && e->t_ns >= v.born - kBirthLagBoundNs &&
                    (v.exited == kStillAlive || e->t_ns <= v.exited + kInFlightBoundNs);
           });
           if (fits) continue;
           e->pid = w.pid;
           return "response_outside_lifetime";
         }
         return std::nullopt;
       }},
      {"a worker of another generation than its master",
       [](std::vector<Event>& ev, Generator& g) -> std::optional<std::string> {
         Event* e = any_of(
             ev, g, [](const Event& x) { return x.type == EventType::process_born && x.role == ProcessRole::worker; });
         if (e == nullptr) return std::nullopt;
         e->generation = g.pick(4, 9);
         return "worker_generation_mismatch";
       }},
      {"exit twice",
       [](std::vector<Event>& ev, Generator& g) -> std::optional<std::string> {
         Event* e = any_of(ev, g, [](const Event& x) { return x.type == EventType::process_exited; });
         if (e == nullptr) return std::nullopt;
         Event again = *e;
         again.t_ns += g.pick_ns(0, 100 * kMs);
         ev.push_back(again);
         return "exited_twice";
       }},
      {"exit without birth",
       [](std::vector<Event>& ev, Generator& g) -> std::optional<std::string> {
         Event* e = any_of(ev, g, [](const Event& x) { return x.type == EventType::process_exited; });
         if (e == nullptr) return std::nullopt;
         Event orphan = *e;
         orphan.pid = 90'000 + g.pick(0, 999);
         ev.push_back(orphan);
         return "exit_without_birth";
       }},
  };
  return kEdits;
}

std::vector<std::string> rules_of(const HistoryValidation& v) {
  std::vector<std::string> rules;
  for (const Violation& x : v.violations)
    rules.push_back(x.rule + " (line " + std::to_string(x.index + 1) + ": " + x.detail + ")");
  return rules;
}

TEST(HistoryPropertyTest, RandomValidHistoriesValidateAndTheJudgeFindsTheirTruth) {
  const std::uint64_t first_seed = env_or("HOTDEPLOY_PROPERTY_SEED", std::random_device{}());
  const std::uint64_t cases = env_or("HOTDEPLOY_PROPERTY_CASES", kDefaultCases);
  std::map<std::string, std::uint64_t> applied;
  for (std::uint64_t c = 0; c < cases; ++c) {
    const std::uint64_t seed = first_seed + c;
    SCOPED_TRACE("reproduce with HOTDEPLOY_PROPERTY_SEED=" + std::to_string(seed) + " HOTDEPLOY_PROPERTY_CASES=1");
    Generator g(seed);
    g.generate();
    const History h = History::from_events(g.events);
    const HistoryValidation v = validate_history(h);
    ASSERT_TRUE(v.valid()) << ::testing::PrintToString(rules_of(v));
    const Metrics m = compute_metrics(h);
    ASSERT_EQ(m.requests, g.truth.requests);
    ASSERT_EQ(m.ok, g.truth.ok);
    ASSERT_EQ(m.dropped, g.truth.dropped);
    ASSERT_EQ(m.retried, g.truth.retried);
    std::map<std::int32_t, std::uint64_t> by_generation;
    for (const RequestRow& r : JudgeInputs::from(h).rows) {
      if (r.ok()) ++by_generation[r.generation];
    }
    ASSERT_EQ(by_generation, g.truth.ok_by_generation);
    for (const auto& [name, edit] : edits()) {
      std::vector<Event> events = g.events;
      const std::optional<std::string> rule = edit(events, g);
      if (!rule) continue;
      ++applied[name];
      std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) { return a.t_ns < b.t_ns; });
      const HistoryValidation refused = validate_history(History::from_events(std::move(events)));
      const std::vector<std::string> rules = rules_of(refused);
      ASSERT_TRUE(
          std::any_of(rules.begin(), rules.end(), [&](const std::string& r) { return r.starts_with(*rule + " "); }))
          << "edit \"" << name << "\" should break " << *rule << "; got " << ::testing::PrintToString(rules);
    }
  }
  // Every edit found a place in most cases: the generator makes what the edits need.
  for (const auto& [name, edit] : edits()) EXPECT_GE(applied[name] * 2, cases) << name;
}

}  // namespace
}  // namespace hotdeploy::harness
