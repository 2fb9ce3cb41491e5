#include "orchestrator/soak.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "harness/history/history_file.h"
#include "harness/judge/cycle_slicer.h"
#include "harness/judge/history_validation.h"
#include "harness/judge/request_table.h"
#include "harness/report/report_html.h"
#include "orchestrator/duration.h"
#include "orchestrator/environment_error.h"
#include "orchestrator/interrupt.h"
#include "orchestrator/progress_file.h"
#include "orchestrator/run_session.h"
#include "orchestrator/soak_html.h"
#include "orchestrator/soak_judge_thread.h"
#include "orchestrator/soak_record.h"

namespace hotdeploy::orchestrator {
namespace fs = std::filesystem;

namespace {

// Each load loop's log is taken after every step and goes on in one reserved for this many events.
constexpr std::size_t kEventsPerLoopTake = std::size_t{1} << 14;
// A cycle is judged no sooner than this after its end: the observer records an exit up to 200 ms
// after it happened (process_observer.h), and a retry follows its first attempt within ms.
constexpr std::int64_t kSettleNs = 1'000'000'000;
// How many ended cycles may wait to be sliced and judged before the next cycle waits for them
// (soak_judge_thread.h): with the settle time, a few cycles' events are held at most.
constexpr std::size_t kCyclesWaitingForTheJudge = 2;

struct ProcessMemory {
  double rss_mib = 0;
  double peak_rss_mib = 0;
};

ProcessMemory process_memory() {
  ProcessMemory memory;
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) memory.rss_mib = std::stod(line.substr(6)) / 1024.0;
    if (line.rfind("VmHWM:", 0) == 0) memory.peak_rss_mib = std::stod(line.substr(6)) / 1024.0;
  }
  return memory;
}

void write_text(const fs::path& file, const std::string& text) {
  std::ofstream out(file);
  out << text;
  if (!out) throw EnvironmentError("cannot write " + file.string());
}

// The soak's record of judged cycles: cycles.jsonl, the full histories it keeps, the totals.
class SoakBook {
 public:
  SoakBook(const Scenario& scenario, fs::path run_dir, harness::RunSubject subject)
      : scenario_(scenario), run_dir_(std::move(run_dir)), subject_(std::move(subject)) {
    lines_.open(run_dir_ / "cycles.jsonl");
    if (!lines_) throw EnvironmentError("cannot write " + (run_dir_ / "cycles.jsonl").string());
  }

  // Judges a cycle, keeps it in full when it failed or is the first, and holds the newest passing
  // one until the next (it may be the last, which is kept too). Cycles come in order.
  void judge(harness::CycleSlice slice) {
    auto judgement = harness::judge_valid(slice.history, scenario_.expect);
    CycleRecord record = summarize(slice, judgement);
    dropped_ += record.dropped;
    requests_ += record.requests;
    record.requests_so_far = requests_;
    const bool keep = record.verdict != harness::Verdict::pass || record.number == 1;
    if (held_) {
      append(held_->record);
      held_.reset();
    }
    if (keep) {
      this->keep(record, slice, judgement);
      append(record);
    } else {
      held_ = Held{std::move(record), std::move(slice), std::move(judgement)};
    }
  }

  // The held cycle is the last: kept in full.
  void finish() {
    if (!held_) return;
    keep(held_->record, held_->slice, held_->judgement);
    append(held_->record);
    held_.reset();
  }

  [[nodiscard]] const std::vector<CycleRecord>& cycles() const { return cycles_; }
  [[nodiscard]] std::uint64_t judged_dropped() const { return dropped_; }

 private:
  struct Held {
    CycleRecord record;
    harness::CycleSlice slice;
    harness::Judgement judgement;
  };

  CycleRecord summarize(const harness::CycleSlice& slice, const harness::Judgement& judgement) const {
    const auto& metrics = judgement.metrics;
    CycleRecord record;
    record.number = slice.number;
    record.verdict = judgement.verdict;
    record.requests = metrics.requests;
    record.dropped = metrics.dropped;
    record.retried = metrics.retried;
    const bool refused = std::any_of(judgement.checks.begin(), judgement.checks.end(),
                                     [](const harness::Check& check) { return check.name == "history_invalid"; });
    if (refused) record.unjudged_requests = harness::request_rows(slice.history).size();
    record.switchover_ms = metrics.switchover_ms;
    record.blackout_ms = metrics.blackout_ms;
    record.ready_ms = metrics.ready_ms;
    record.drain_ms = metrics.drain_ms;
    record.from_s = static_cast<double>(slice.from_ns) / 1e9;
    record.to_s = static_cast<double>(slice.to_ns) / 1e9;
    for (const auto& check : judgement.checks) {
      if (check.verdict != harness::Verdict::pass) record.failed.push_back(check.name + ": " + check.detail);
    }
    const auto memory = process_memory();
    record.rss_mib = memory.rss_mib;
    record.peak_rss_mib = memory.peak_rss_mib;
    if (!slice.history.empty()) {
      const auto timeline =
          harness::bucket_requests(slice.history, slice.from_ns, slice.history.events().back().t_ns, kStripBuckets);
      for (const auto& bucket : timeline.buckets) {
        record.strip_ok.push_back(static_cast<std::uint32_t>(bucket.total() - bucket.dropped));
        record.strip_dropped.push_back(static_cast<std::uint32_t>(bucket.dropped));
      }
    }
    return record;
  }

  void keep(CycleRecord& record, const harness::CycleSlice& slice, const harness::Judgement& judgement) {
    const auto dir = run_dir_ / "cycles" / std::to_string(slice.number);
    std::error_code error;
    fs::create_directories(dir, error);
    if (error) throw EnvironmentError("cannot create " + dir.string() + ": " + error.message());
    {
      std::ofstream out(dir / "history.jsonl");
      harness::write_jsonl(slice.history, out);
      if (!out) throw EnvironmentError("cannot write " + (dir / "history.jsonl").string());
    }
    write_judgement(dir, scenario_.name + " cycle " + std::to_string(slice.number), subject_, slice.history, judgement);
    record.kept = true;
  }

  void append(const CycleRecord& record) {
    lines_ << cycle_json_line(record) << std::endl;
    if (!lines_) throw EnvironmentError("cannot write " + (run_dir_ / "cycles.jsonl").string());
    cycles_.push_back(record);
    cycles_.back().failed.shrink_to_fit();
  }

  const Scenario& scenario_;
  fs::path run_dir_;
  harness::RunSubject subject_;
  std::ofstream lines_;
  std::vector<CycleRecord> cycles_;
  std::optional<Held> held_;
  std::uint64_t requests_ = 0;
  std::uint64_t dropped_ = 0;
};

std::string format_bound(std::uint64_t dropped, std::uint64_t requests) {
  const auto bound = loss_bound(dropped, requests);
  if (!bound) return "n/a";
  std::ostringstream text;
  text << std::setprecision(2) << *bound;
  return text.str();
}

}  // namespace

Step step_in_cycle(const Step& step, int cycle) {
  Step in_cycle = step;
  if (auto* swap = std::get_if<SwapBinaryStep>(&in_cycle.action); swap && cycle % 2 == 0) {
    swap->which = swap->which == BinaryChoice::next ? BinaryChoice::previous : BinaryChoice::next;
  }
  return in_cycle;
}

SoakResult run_soak(const Scenario& scenario, const RunOptions& options, const SoakLimits& limits) {
  Scenario soaked = scenario;
  soaked.load.reserve_events = 2 * kEventsPerLoopTake;
  RunSession session(soaked, options);
  SoakBook book(scenario, options.run_dir, session.subject());
  SoakJudgeThread judge([&book](harness::CycleSlice slice) { book.judge(std::move(slice)); }, kSettleNs,
                        kCyclesWaitingForTheJudge);
  std::chrono::nanoseconds judge_wait{0};
  std::atomic<int> cycles_done{0};
  const ProgressFile progress(progress_path(options.run_dir), [&] {
    const auto load = session.load_progress();
    std::ostringstream line;
    line << "cycle " << cycles_done.load() << " done";
    if (limits.cycles) line << " of " << *limits.cycles;
    line << "  requests " << load.sent << "  dropped " << load.dropped << "  loss bound "
         << format_bound(load.dropped, load.sent);
    return line.str();
  });
  const auto started = std::chrono::steady_clock::now();
  const auto take = [&] { judge.add(session.take_events_while_running(kEventsPerLoopTake), session.clock().now_ns()); };

  std::string stopped_by;
  judge.begin_cycle(0);
  auto stopped_because = session.start();
  if (stopped_because) {
    stopped_by = "the target did not start: " + *stopped_because;
    session.end_steps();
    judge.end_cycle(session.clock().now_ns());
  } else {
    session.start_load();
    for (int cycle = 1;; ++cycle) {
      if (cycle > 1) {
        judge_wait += judge.wait_for_room();
        judge.begin_cycle(session.clock().now_ns());
      }
      for (std::size_t k = 0; k < scenario.steps.size() && !stopped_because && !interrupted(); ++k) {
        const Step step = step_in_cycle(scenario.steps[k], cycle);
        stopped_because = session.run_step(
            step, "cycle " + std::to_string(cycle) + ", before step " + std::to_string(k + 1) + ": " + describe(step));
        take();
      }
      session.end_steps();
      judge.end_cycle(session.clock().now_ns());
      cycles_done = cycle;
      take();
      const auto elapsed = std::chrono::steady_clock::now() - started;
      if (stopped_because) {
        stopped_by = "cycle " + std::to_string(cycle) + ": " + *stopped_because;
      } else if (interrupted()) {
        stopped_by = "signal " + std::to_string(interrupt_signal());
      } else if (limits.cycles && cycle >= *limits.cycles) {
        stopped_by = "--cycles " + std::to_string(*limits.cycles);
      } else if (limits.requests && session.load_progress().sent >= *limits.requests) {
        stopped_by = "--requests " + std::to_string(*limits.requests);
      } else if (limits.duration && elapsed >= *limits.duration) {
        stopped_by = "--duration " + format_duration(*limits.duration);
      }
      if (!stopped_by.empty()) break;
    }
  }
  if (stopped_because) spdlog::error("soak stopped: {}", *stopped_because);
  session.stop();
  judge.add(session.take_events_while_running(0), session.clock().now_ns());
  judge.finish();
  book.finish();

  SoakOutcome outcome;
  outcome.scenario = scenario.name;
  outcome.subject = session.subject();
  outcome.stopped_by = stopped_by;
  outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  outcome.judge_wait_s = std::chrono::duration<double>(judge_wait).count();
  outcome.totals = add_up(book.cycles());
  write_text(options.run_dir / "result.json", soak_result_json(outcome, book.cycles()));
  write_text(options.run_dir / "report.html", soak_html(outcome, book.cycles()));
  const auto summary = soak_summary_text(outcome);
  write_text(options.run_dir / "summary.txt", summary);
  spdlog::info("{}", summary);
  return {soak_verdict(outcome.totals) == harness::Verdict::pass, interrupt_signal()};
}

}  // namespace hotdeploy::orchestrator
