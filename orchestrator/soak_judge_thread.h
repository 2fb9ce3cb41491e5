// The soak's bookkeeping on a thread of its own: it cuts the events taken from the run into
// cycles (harness/judge/cycle_slicer.h) and judges each complete cycle, so that neither holds up
// the next cycle's steps. On the step path they did: the time they took was added to the cycle
// running then, that longer cycle took longer to slice and judge in turn, and on an idle 2-core
// machine cycles of about 20 k and 200 k requests alternated (a 300 ms sleep step took 2.3 s),
// far from the one second the steps of upgrade.yaml take.
//
// What the soak hands in (cycle boundaries, events, in the order they happened) is applied in
// that order; cycles are judged one at a time, in order, once complete: ended, their requests
// ended, and `settle_ns` past their end by the clock of the latest events handed in. At most
// `capacity` ended cycles may wait to be sliced: wait_for_room() holds the soak until the thread
// is that close behind, which keeps memory bounded when the judge is slower than the load (the
// soak reports how long it waited, so a run whose judge could not keep up says so). Once slicing
// or judging throws, nothing more is done and every later call throws the same exception.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "harness/judge/cycle_slicer.h"

namespace hotdeploy::orchestrator {

class SoakJudgeThread {
 public:
  SoakJudgeThread(std::function<void(harness::CycleSlice)> judge, std::int64_t settle_ns, std::size_t capacity);
  // Stops once the cycle being judged is done, without the rest (finish() does them all).
  ~SoakJudgeThread();
  SoakJudgeThread(const SoakJudgeThread&) = delete;
  SoakJudgeThread& operator=(const SoakJudgeThread&) = delete;

  void begin_cycle(std::int64_t t_ns);
  void end_cycle(std::int64_t t_ns);
  // Events taken from the run at `now_ns` (CycleSlicer::add); the cycles then complete are judged.
  void add(std::vector<harness::Event> events, std::int64_t now_ns);
  // Returns once at most `capacity` ended cycles wait to be sliced; how long that took.
  std::chrono::nanoseconds wait_for_room();
  // Applies everything handed in, judges every cycle left (the run is over), stops the thread.
  void finish();

 private:
  enum class Kind { begin_cycle, end_cycle, events };
  struct Message {
    Kind kind;
    std::int64_t t_ns = 0;
    std::vector<harness::Event> events;
  };

  void push(Message message);
  void apply(Message& message);
  void work_until_stopped();

  std::function<void(harness::CycleSlice)> judge_;
  const std::int64_t settle_ns_;
  const std::size_t capacity_;
  harness::CycleSlicer slicer_;  // the thread's alone
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Message> waiting_;
  std::size_t ends_waiting_ = 0;
  bool finishing_ = false;
  bool abandoned_ = false;
  std::exception_ptr failure_;
  std::thread thread_;
};

}  // namespace hotdeploy::orchestrator
